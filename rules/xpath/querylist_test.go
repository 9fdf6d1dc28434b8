package xpath

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

func TestQueryList(t *testing.T) {
	const doc = `<QueryList>
  <Query Id="0" Path="Application">
    <Select Path="Application">*[System[(Level &lt;= 3) and TimeCreated[timediff(@SystemTime) &lt;= 86400000]]]</Select>
    <Suppress Path="Application">*[System[(Level = 2)]]</Suppress>
    <Select Path="System">*[System[(Level=1  or Level=2 or Level=3) and TimeCreated[timediff(@SystemTime) &lt;= 86400000]]]</Select>
  </Query>
  <Query Id="1">
    <Select Path="Microsoft-Windows-TerminalServices-SessionBroker-Client/Operational">*[UserData/*/param3='Remote Desktop Connection Broker is not ready for RPC communication.']</Select>
  </Query>
</QueryList>`
	l, err := ParseQueryList([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(l.Channels(), "|"); got != "Application|Microsoft-Windows-TerminalServices-SessionBroker-Client/Operational|System" {
		t.Errorf("Channels() = %q", got)
	}
	if l.Queries[1].ID != 1 || len(l.Queries[0].Selects) != 2 || len(l.Queries[0].Suppresses) != 1 {
		t.Errorf("parsed %+v", l.Queries)
	}
	fresh := refTime.Add(-time.Hour)
	error36870 := schannel36870(fresh) // Level 2
	warn := schannel36870(fresh)
	warn.System.Level = 3
	warn.Root = nil
	warn.Root = warn.Tree() // from the changed Level
	check := func(channel, what string, got, want bool) {
		t.Helper()
		if got != want {
			t.Errorf("%s on %s: Match = %v, want %v", what, channel, got, want)
		}
	}
	// Row 21: Select and Suppress both match a Level 2 event in Application: suppressed.
	check("Application", "Level 2", l.Match("Application", error36870, refTime), false)
	check("Application", "Level 3", l.Match("Application", warn, refTime), true)
	// No Suppress for System: the Level 2 event is selected there.
	check("System", "Level 2", l.Match("System", error36870, refTime), true)
	check("system", "Level 2 (channel case)", l.Match("system", error36870, refTime), true)
	check("Security", "Level 2", l.Match("Security", error36870, refTime), false)
	check("System", "Level 2, 25 h old", l.Match("System", schannel36870(refTime.Add(-25*time.Hour)), refTime), false)
	ch := "Microsoft-Windows-TerminalServices-SessionBroker-Client/Operational"
	check(ch, "1296", l.Match(ch, client1296(fresh), refTime), true)
	check(ch, "2056", l.Match(ch, broker2056(fresh), refTime), false)

	since, until, ok := l.TimeBounds("System", refTime)
	if !ok || !since.Equal(refTime.Add(-24*time.Hour-RecordTimeSlack)) || !until.IsZero() {
		t.Errorf("TimeBounds(System) = %v, %v, %v", since, until, ok)
	}
	if _, _, ok := l.TimeBounds("", refTime); ok {
		t.Errorf("TimeBounds(all) is bounded, but the 1296 Select is not")
	}
}

// TestQueryListEncodings: files saved on Windows carry a byte order mark
// and may be UTF-16.
func TestQueryListEncodings(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-16"?>` + "\r\n" + `<QueryList><Query Id="0" Path="System"><Select>*[System[EventID=36870]]</Select></Query></QueryList>`
	utf16le := []byte{0xFF, 0xFE}
	utf16be := []byte{0xFE, 0xFF}
	for _, r := range doc {
		utf16le = append(utf16le, byte(r), byte(r>>8))
		utf16be = append(utf16be, byte(r>>8), byte(r))
	}
	// Without the byte order mark, the declaration's first bytes tell
	// UTF-16 (XML 1.0 Appendix F): 3C 00 3F 00, 00 3C 00 3F.
	for name, data := range map[string][]byte{
		"utf-8 bom":        append([]byte{0xEF, 0xBB, 0xBF}, doc...),
		"utf-16le":         utf16le,
		"utf-16be":         utf16be,
		"utf-16le, no bom": utf16le[2:],
		"utf-16be, no bom": utf16be[2:],
	} {
		l, err := ParseQueryList(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !l.Match("System", schannel36870(refTime), refTime) {
			t.Errorf("%s: no match", name)
		}
	}
}

func TestQueryListInvalid(t *testing.T) {
	cases := []struct {
		doc, want string
		line      int
	}{
		// Row 20: a Suppress without a Select of the same Path.
		{`<QueryList><Query Id="0"><Select Path="System">*</Select><Suppress Path="Application">*[System[Level=2]]</Suppress></Query></QueryList>`,
			`Suppress Path="Application" has no Select with the same Path`, 1},
		{`<QueryList><Query Id="0"><Suppress Path="System">*</Suppress></Query></QueryList>`, "Query has no Select", 1},
		{`<QueryList><Query Id="0"><Select>*</Select></Query></QueryList>`, "Select has no Path", 1},
		{"<QueryList>\n<Query Id=\"0\">\n<Select Path=\"System\">*[System[EventID=]]</Select></Query></QueryList>",
			`Select Path="System": offset 17: expected a path`, 3},
		{`<QueryList><Query Id="0"><Select Path="System">*[System[Level<=3]]</Select></Query></QueryList>`, "malformed XML", 1},
		{`<QueryList></QueryList>`, "QueryList has no Query", 1},
		{`<Query><Select Path="System">*</Select></Query>`, "root element is Query", 1},
		{`<QueryList><Query Id="x"><Select Path="System">*</Select></Query></QueryList>`, `Query Id "x"`, 1},
		{`<QueryList><Query><Select Path="System">*<b/></Select></Query></QueryList>`, "unexpected element b in Select", 1},
		{`<QueryList><Query><Select Path="System">*</Select>`, "unexpected EOF", 1},
		{``, "no QueryList element", 1},
		// After the root element XML allows only white space, comments and
		// processing instructions (XML 1.0 section 2.1); the rest was
		// ignored.
		{"<QueryList><Query><Select Path=\"System\">*</Select></Query></QueryList>\n<Query><Select Path=\"Security\">*</Select></Query>", "element Query after the QueryList element", 2},
		{`<QueryList><Query><Select Path="System">*</Select></Query></QueryList>x`, "text after the QueryList element", 1},
	}
	for _, c := range cases {
		_, err := ParseQueryList([]byte(c.doc))
		var qe *QueryListError
		if !errors.As(err, &qe) {
			t.Errorf("ParseQueryList(%q) = %v, want *QueryListError", c.doc, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || qe.Line != c.line {
			t.Errorf("ParseQueryList(%q):\n got line %d %q\nwant line %d, containing %q", c.doc, qe.Line, err, c.line, c.want)
		}
	}
	// White space, comments and processing instructions may follow.
	if _, err := ParseQueryList([]byte("<QueryList><Query><Select Path=\"System\">*</Select></Query></QueryList>\n<!-- saved by Event Viewer -->\n<?x y?>\n")); err != nil {
		t.Errorf("a comment after the QueryList: %v", err)
	}
	// The XPath error stays reachable.
	_, err := ParseQueryList([]byte(`<QueryList><Query Path="System"><Select>//Event</Select></Query></QueryList>`))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 0 {
		t.Errorf("want a wrapped *SyntaxError at offset 0, got %v", err)
	}
}

func TestTimeBounds(t *testing.T) {
	now := refTime
	day := 24 * time.Hour
	cases := []struct {
		q            string
		since, until time.Time // before slack; zero = unbounded
	}{
		{`*[System[TimeCreated[timediff(@SystemTime) <= 86400000]]]`, now.Add(-day), time.Time{}},
		{`*[System[Provider[@Name='Schannel'] and EventID=36870 and TimeCreated[timediff(@SystemTime) <= 86400000]]]`, now.Add(-day), time.Time{}},
		{`*[System/TimeCreated[86400000 >= timediff(@SystemTime)]]`, now.Add(-day), time.Time{}},
		{`*[System[TimeCreated[timediff(@SystemTime) >= 3600000]]][System[TimeCreated[timediff(@SystemTime) < 86400000]]]`, now.Add(-day), now.Add(-time.Hour)},
		{`*[System[TimeCreated[@SystemTime>='2024-01-01T00:00:00.000Z' and @SystemTime<='2024-01-02T00:00:00.999Z']]]`,
			time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 0, 0, 0, 999e6, time.UTC)},
		{`*[System[Level<=3 and TimeCreated[timediff(@SystemTime) <= 1000]] and System[TimeCreated[timediff(@SystemTime) <= 86400000]]]`, now.Add(-time.Second), time.Time{}},
		// Every branch of an or bounds: the union.
		{`*[System[(EventID=1 and TimeCreated[timediff(@SystemTime) <= 1000]) or (EventID=2 and TimeCreated[timediff(@SystemTime) <= 86400000])]]`, now.Add(-day), time.Time{}},
		{`*[System[TimeCreated[timediff(@SystemTime) <= 1000 or @SystemTime >= '2024-01-01T00:00:00']]]`, now.Add(-time.Second), time.Time{}}, // the earlier of the two
		{`*[System[TimeCreated[timediff(@SystemTime) > 1000 or timediff(@SystemTime) > 2000]]]`, time.Time{}, now.Add(-time.Second)},
		// Not bounding: an or with an unbounded branch, other paths,
		// wildcards, two-argument timediff.
		{`*[System[EventID=1 or TimeCreated[timediff(@SystemTime) <= 1000]]]`, time.Time{}, time.Time{}},
		{`*[EventData[Data[@Name='StartTime'] >= '2024-01-01T00:00:00']]`, time.Time{}, time.Time{}},
		{`*[*[TimeCreated[timediff(@SystemTime) <= 1000]]]`, time.Time{}, time.Time{}},
		{`*[System[TimeCreated[timediff(@SystemTime, 133000000000000000) <= 1000]]]`, time.Time{}, time.Time{}},
		{`*`, time.Time{}, time.Time{}},
	}
	for _, c := range cases {
		q := MustCompile(c.q)
		since, until, ok := q.TimeBounds(now)
		wantSince, wantUntil := c.since, c.until
		if !wantSince.IsZero() {
			wantSince = wantSince.Add(-RecordTimeSlack)
		}
		if !wantUntil.IsZero() {
			wantUntil = wantUntil.Add(RecordTimeSlack)
		}
		wantOK := !c.since.IsZero() || !c.until.IsZero()
		if !since.Equal(wantSince) || !until.Equal(wantUntil) || ok != wantOK {
			t.Errorf("%s:\n got %v, %v, %v\nwant %v, %v, %v", c.q, since, until, ok, wantSince, wantUntil, wantOK)
		}
	}
}

// TestTimeBoundsConservative: an event the query matches always has its
// record time inside the window.
func TestTimeBoundsConservative(t *testing.T) {
	queries := []string{
		`*[System[TimeCreated[timediff(@SystemTime) <= 86400000]]]`,
		`*[System[TimeCreated[timediff(@SystemTime) > 3600000]]]`,
		`*[System[TimeCreated[timediff(@SystemTime) = 3600000]]]`,
		`*[System[TimeCreated[@SystemTime >= '2022-10-16T12:00:00Z' and @SystemTime < '2022-10-17T00:00:00Z']]]`,
		`*[System[TimeCreated[timediff(@SystemTime) <= 3600000 or @SystemTime < '2022-10-15T12:00:00Z']]]`,
		`*[System[(Level=2 and TimeCreated[timediff(@SystemTime) <= 7200000]) or TimeCreated[timediff(@SystemTime) > 86400000]]]`,
	}
	// A damaged TimeCreated far in the future: FILETIMEs past 2^63 (year
	// 30828; a zapped byte of williballenthin's system.evtx gave 60010)
	// were negative numbers to timediff, so such an event matched
	// 'timediff(@SystemTime) > 3600000' while the reader's window, which
	// compares times, passed over it (query and query --no-skip differed).
	var far []time.Time
	for _, y := range []int{3000, 30827, 30829, 60010} {
		far = append(far, time.Date(y, 12, 4, 7, 44, 4, 0, time.UTC))
	}
	for _, src := range queries {
		q := MustCompile(src)
		since, until, _ := q.TimeBounds(refTime)
		var times []time.Time
		for d := -50 * time.Hour; d <= 2*time.Hour; d += 30 * time.Minute {
			times = append(times, refTime.Add(d))
		}
		for _, tc := range append(times, far...) {
			ev := schannel36870(tc)
			if !q.Match(ev, refTime) {
				continue
			}
			if (!since.IsZero() && ev.Written.Before(since)) || (!until.IsZero() && ev.Written.After(until)) {
				t.Errorf("%s: matching event at %v outside [%v, %v]", src, ev.Written, since, until)
			}
		}
	}
}

func TestQueryListFilePaths(t *testing.T) {
	for p, want := range map[string]bool{
		`file://C:\logs\System.evtx`: true, `FILE://c:/x.evtx`: true, `C:\x\Security.EVTX`: true, `old.evt`: true,
		"System": false, "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational": false,
	} {
		if IsLogFile(p) != want {
			t.Errorf("IsLogFile(%q) = %v", p, !want)
		}
	}
	l, err := ParseQueryList([]byte(`<QueryList><Query Id="0" Path="file://c:\users\admin\desktop\security.evtx"><Select>*[System[EventID=4624]]</Select></Query>` +
		`<Query Id="1"><Select Path="file://C:\logs\System.evtx">*</Select></Query></QueryList>`))
	if err != nil {
		t.Fatal(err)
	}
	ev := &evtx.Event{System: evtx.System{EventID: 4624}}
	other := &evtx.Event{System: evtx.System{EventID: 1}}
	for _, c := range []struct {
		lg       Log
		ev       *evtx.Event
		selected bool
		match    bool
	}{
		{Log{Channel: "Security", File: "/cases/Security.evtx"}, ev, true, true},
		{Log{Channel: "Security", File: "/cases/Security.evtx"}, other, true, false},
		{Log{Channel: "System", File: "/mnt/x/system.evtx"}, other, true, true},
		{Log{Channel: "Application", File: "/mnt/x/Application.evtx"}, ev, false, false},
		{Log{Channel: "Application", File: "/mnt/x/Application.evtx", AnyFile: true}, other, true, true},
		{Log{Channel: "Security"}, ev, false, false}, // not a file
	} {
		if got := l.Selects(c.lg); got != c.selected {
			t.Errorf("Selects(%+v) = %v", c.lg, got)
		}
		if got := l.MatchLog(c.lg, c.ev, time.Time{}); got != c.match {
			t.Errorf("MatchLog(%+v, %d) = %v", c.lg, c.ev.System.EventID, got)
		}
	}
	if !l.NamesFile("/x/SECURITY.evtx") || l.NamesFile("/x/Application.evtx") {
		t.Error("NamesFile")
	}
	_, err = ParseQueryList([]byte(`<QueryList><Query Id="0"><Select Path="System">*</Select><Select Path="file://C:\x.evtx">*</Select></Query></QueryList>`))
	if err == nil || !strings.Contains(err.Error(), "mix a channel") {
		t.Errorf("mixed Paths: %v", err)
	}
}

// TestLocalFiles: the files a file Path may name, in the forms of the
// file URI scheme (RFC 8089) and of Windows paths, and the file names a
// Path names by any of them (NamesFile). Before LocalFiles, a Path
// "file:///C:/x/My%20Log.evtx" named no file "My Log.evtx", and
// "file://localhost/tmp/x.evtx" the file "localhost/tmp/x.evtx".
func TestLocalFiles(t *testing.T) {
	for _, c := range []struct {
		path string
		want []string
	}{
		{`file://C:\logs\System.evtx`, []string{`C:\logs\System.evtx`, `C:/logs/System.evtx`}},
		{`file:///tmp/my%20logs/System.evtx`, []string{`/tmp/my logs/System.evtx`, `/tmp/my%20logs/System.evtx`}},
		{`FILE://LocalHost/tmp/x.evtx`, []string{`/tmp/x.evtx`}},
		{`file:/tmp/x.evtx`, []string{`/tmp/x.evtx`}},
		{`file://server/share/x.evtx`, []string{`server/share/x.evtx`}},
		{`other\System.evtx`, []string{`other\System.evtx`, `other/System.evtx`}},
		{`a%20b.evtx`, []string{`a%20b.evtx`}}, // no URL: no escapes
		// "%4O" is no escape; "%4A" is one, and the name as written follows.
		{`file://C:\L\Microsoft-Windows-X%4Operational.evtx`, []string{`C:\L\Microsoft-Windows-X%4Operational.evtx`, `C:/L/Microsoft-Windows-X%4Operational.evtx`}},
		{`file:///L/X%4Admin.evtx`, []string{`/L/XJdmin.evtx`, `/L/X%4Admin.evtx`}},
		{`file://`, []string{``}},
	} {
		if got := LocalFiles(c.path); !slices.Equal(got, c.want) {
			t.Errorf("LocalFiles(%q) = %q, want %q", c.path, got, c.want)
		}
	}
	l, err := ParseQueryList([]byte(`<QueryList><Query Id="0"><Select Path="file:///C:/Users/x/My%20Saved%20System.evtx">*</Select>` +
		`<Select Path="file://C:\L\Microsoft-Windows-X%4Admin.evtx">*</Select></Query></QueryList>`))
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]bool{
		"/cases/My Saved System.evtx": true, "/cases/my saved system.EVTX": true, "/cases/My%20Saved%20System.evtx": true,
		"/cases/Microsoft-Windows-X%4Admin.evtx": true, "/cases/System.evtx": false, "/cases/Saved System.evtx": false,
	} {
		if got := l.NamesFile(file); got != want {
			t.Errorf("NamesFile(%q) = %v", file, got)
		}
		if got := l.Selects(Log{Channel: "System", File: file}); got != want {
			t.Errorf("Selects(%q) = %v", file, got)
		}
	}
}
