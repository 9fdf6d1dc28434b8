package report

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRender renders every testdata/<case>.json report as text and
// Markdown and compares with <case>.txt and <case>.md; the JSON itself must
// survive ReadJSON/WriteJSON byte for byte.
func TestRender(t *testing.T) {
	cases, err := filepath.Glob("testdata/*.json")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(c)
			if err != nil {
				t.Fatal(err)
			}
			r, err := ReadJSON(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			var js bytes.Buffer
			if err := WriteJSON(&js, r); err != nil {
				t.Fatal(err)
			}
			check(t, c, data, js.Bytes())
			for _, f := range []struct {
				format Format
				ext    string
			}{{FormatText, ".txt"}, {FormatMarkdown, ".md"}} {
				var b bytes.Buffer
				if err := Write(&b, r, f.format); err != nil {
					t.Fatal(err)
				}
				path := strings.TrimSuffix(c, ".json") + f.ext
				want, err := os.ReadFile(path)
				if err != nil && !*update {
					t.Fatalf("%v (run go test -update)", err)
				}
				check(t, path, want, b.Bytes())
				// Deterministic: a second rendering is identical.
				var b2 bytes.Buffer
				if err := Write(&b2, r, f.format); err != nil || !bytes.Equal(b.Bytes(), b2.Bytes()) {
					t.Errorf("%s: second rendering differs", f.format)
				}
			}
		})
	}
}

func check(t *testing.T, path string, want, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func TestTextStatesWindowAndInputs(t *testing.T) {
	data, err := os.ReadFile("testdata/edge.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Reference time: 2024-05-01T12:00:00.0000000Z (given with --at)",
		"Window: 2024-04-30T12:00:00.0000000Z to 2024-05-01T12:00:00.0000000Z (24 hours)",
		// A log not read at all is listed as not read, not as 0 records.
		"[System (from the events)]  not read (unreadable): evtx: not an EVTX file\n",
		"problem: 1 damaged chunk",
		"... 2 more format errors",
		"[System (from the events)]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if i, j := strings.Index(out, "VERDICT"), strings.Index(out, "== Inputs =="); i < 0 || j < i {
		t.Error("the verdict table does not come first")
	}
	b.Reset()
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "a\\|b.evtx") && !strings.Contains(b.String(), "`a|b.evtx`") {
		t.Error("markdown: file name with | not protected")
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "| `2024-05-01T10:00:00.0000000Z` | `a|b.evtx`") {
			// A code span does not protect | in GitHub tables.
			t.Errorf("unescaped pipe in table row: %s", line)
		}
	}
}

func TestReadJSONRejects(t *testing.T) {
	for _, in := range []string{
		`{"schema_version":"1"}`,
		`{"schema_version":"2","findings":{}}`,
		`not json`,
	} {
		if _, err := ReadJSON(strings.NewReader(in)); err == nil || !strings.HasPrefix(err.Error(), "report: ") {
			t.Errorf("ReadJSON(%s) = %v", in, err)
		}
	}
}

// TestReadJSONNewerFields: SCHEMA.md lets a newer evtxrdp add fields under
// the same schema version, so a report with fields this version does not
// know reads, with the fields it knows intact.
func TestReadJSONNewerFields(t *testing.T) {
	in := `{"schema_version":"2","tool":"evtxrdp","added_later":{"x":[1,2]},` +
		`"findings":[{"rule_id":"rdp-tls-disabled","verdict":"detected","new_field":"y"}]}`
	r, err := ReadJSON(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if r.Tool != "evtxrdp" || len(r.Findings) != 1 || r.Findings[0].RuleID != "rdp-tls-disabled" || r.Findings[0].Verdict != "detected" {
		t.Errorf("read %+v", r)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"text": FormatText, "md": FormatMarkdown, "Markdown": FormatMarkdown, "json": FormatJSON} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil || !strings.Contains(err.Error(), `"yaml"`) {
		t.Errorf("ParseFormat(yaml) = %v", err)
	}
}

func TestWindowText(t *testing.T) {
	for sec, want := range map[int64]string{86400: "24 hours", 3600: "1 hour", 172800: "48 hours", 604800: "7 days", 5400: "90 minutes", 61: "61 seconds"} {
		if got := windowText(sec); got != want {
			t.Errorf("windowText(%d) = %q, want %q", sec, got, want)
		}
	}
}

// Records decoded in part are counted in the input and said among its
// problems; old records of chunk slack are counted, not a problem.
func TestPartialAndStaleRecords(t *testing.T) {
	in := newInput(&rules.Input{Path: "System.evtx", Stats: evtx.Stats{Records: 10, Partial: 2, Stale: 5}})
	if in.Partial != 2 || in.Stale != 5 {
		t.Fatalf("input %+v", in)
	}
	got := strings.Join(in.Problems, "; ")
	if !strings.Contains(got, "2 records decoded in part") || strings.Contains(got, "slack") {
		t.Errorf("problems: %s", got)
	}
	if in := newInput(&rules.Input{Stats: evtx.Stats{Records: 10}}); len(in.Problems) != 0 {
		t.Errorf("problems of a clean log: %v", in.Problems)
	}
}

// A reference time is unknown either because the logs the rules read hold
// no record time, or because no such log was among the inputs (an
// Application log alone): the second must not claim that no record times
// were found and send the user to --at, which would change nothing.
func TestReferenceTextNone(t *testing.T) {
	notRead := &Report{ReferenceSource: "none", Inputs: []Input{{Path: "Application.evtx", Channel: "Application", Records: 49}}}
	if got := referenceText(notRead); strings.Contains(got, "no record times found") || !strings.Contains(got, "no log") {
		t.Errorf("no log a rule reads: %q", got)
	}
	empty := &Report{ReferenceSource: "none", Inputs: []Input{{Path: "System.evtx", Channel: "System", Used: true}}}
	if got := referenceText(empty); got != "no record times found; give --at" {
		t.Errorf("a read log without record times: %q", got)
	}
	// An all-zero System.evtx: --at would not make it readable.
	bad := &Report{ReferenceSource: "none", Inputs: []Input{{Path: "System.evtx", Channel: "System", Used: true, Error: "evtx: not an EVTX file: all zero"}}}
	if got := referenceText(bad); got != "no log a rule reads could be read" {
		t.Errorf("an unreadable log: %q", got)
	}
}

// A log whose name gives no channel and that could not be opened to read
// one (standard input that was empty, a damaged export) is said to be
// unreadable in text and Markdown, not "no rule reads this channel".
func TestUnusedUnreadableInput(t *testing.T) {
	r := &Report{ReferenceSource: "none", Inputs: []Input{{Path: "-", Error: "evtx: -: not an EVTX file: empty"}}}
	r.Inputs[0].Problems = problems(r.Inputs[0])
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "not read (unreadable): evtx: -: not an EVTX file: empty") || strings.Contains(out, "no rule reads the channel") {
		t.Errorf("text:\n%s", out)
	}
	b.Reset()
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "not read | `unreadable: evtx: -: not an EVTX file: empty` |") {
		t.Errorf("markdown:\n%s", b.String())
	}
}

// TestEvidenceCellCountsAttributed: of two Schannel 36870 in the window,
// one from TermService's svchost (attributed) and one naming no process
// with no RDP connection near it (not attributable), the verdict counts 1;
// the EVIDENCE column of the text and Markdown tables and the evidence
// heading say the same, and the JSON keeps all 2 with 1 possible. (The
// fixture schannel-svchost-one-attributed served here until an svchost.exe
// of another process id, between two connections of TermService's, became
// another program's error, not an unattributed one.)
func TestEvidenceCellCountsAttributed(t *testing.T) {
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var cert []*rules.Rule
	for _, r := range rs {
		if r.ID == "rdp-cert-private-key" {
			cert = append(cert, r)
		}
	}
	eng, err := rules.NewEngine(cert, rules.Options{Timeline: -1})
	if err != nil || len(cert) != 1 {
		t.Fatalf("engine: %v (%d rules)", err, len(cert))
	}
	ref := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	sys := append(evtxtest.Noise(ref.Add(-72*time.Hour), time.Hour, 73),
		evtxtest.WithCaller(evtxtest.Schannel36870(ref.Add(-time.Hour+time.Minute), 0x8009030D, 10001), evtxtest.TermServicePID, `C:\Windows\System32\svchost.exe`),
		evtxtest.Schannel36870(ref.Add(-3*time.Hour+time.Minute), 0x8009030D, 10001))
	sort.SliceStable(sys, func(i, j int) bool { return sys[i].System.TimeCreated.Before(sys[j].System.TimeCreated) })
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sys, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	ops := []*evtx.Event{evtxtest.RCM261(ref.Add(-4 * time.Hour)), evtxtest.RCM261(ref.Add(-30 * time.Minute))}
	if err := evtxtest.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"), ops, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Analyze(logs)
	if err != nil {
		t.Fatal(err)
	}
	r := New(res)
	f := r.Findings[0]
	if f.Verdict != "detected" || f.EvidenceCount != 2 || Unattributed(f) != 1 ||
		!strings.HasPrefix(f.VerdictReason, "1 event in the window belongs to RDP") {
		t.Fatalf("finding: %s, %d events, %d unattributed, %q", f.Verdict, f.EvidenceCount, Unattributed(f), f.VerdictReason)
	}
	for _, c := range []struct {
		format    Format
		row, head string
	}{
		{FormatText, "DETECTED  1  rdp-cert-private-key  1 (+1 unattributed)  24 hours", "Evidence (2 events in the window, 1 not attributable to RDP, newest first):"},
		{FormatMarkdown, "| **DETECTED** | 1 | `rdp-cert-private-key` | 1 (+1 unattributed) | 24 hours |", "2 events in the window, 1 not attributable to RDP."},
	} {
		var b bytes.Buffer
		if err := Write(&b, r, c.format); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), c.row) || !strings.Contains(b.String(), c.head) {
			t.Errorf("%s: want row %q and %q in:\n%s", c.format, c.row, c.head, b.String())
		}
	}
}

// TestEmptyTimelineIsAnArray: a report whose timeline was asked for but
// holds no event says so with "timeline":[] in JSON and JSON Lines (the
// schema: absent only with --timeline 0), so that a loader reading a
// fleet's lines sees one shape for every machine; with the timeline off
// the field is absent. Both survive ReadJSON.
func TestEmptyTimelineIsAnArray(t *testing.T) {
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find("../testdata/evtx/scenarios/tls-36871-10013")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		timeline int
		want     string // "" for absent
	}{
		{-1, ""},
		{50, `"timeline":[]`},
	} {
		// --at long before every record: the timeline's period holds none.
		eng, err := rules.NewEngine(rs, rules.Options{Timeline: c.timeline, At: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		res, err := eng.Analyze(logs)
		if err != nil {
			t.Fatal(err)
		}
		r := New(res)
		if len(r.Timeline) != 0 {
			t.Fatalf("timeline %d: %d lines, want none", c.timeline, len(r.Timeline))
		}
		for name, write := range map[string]func(*bytes.Buffer) error{
			"json":  func(b *bytes.Buffer) error { return WriteJSON(b, r) },
			"jsonl": func(b *bytes.Buffer) error { return WriteJSONLine(b, r) },
		} {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
			compact := strings.Join(strings.Fields(b.String()), "")
			has := strings.Contains(compact, `"timeline":`)
			if c.want == "" && has || c.want != "" && !strings.Contains(compact, c.want) {
				t.Errorf("timeline %d, %s: want %q (\"\" for absent); \"timeline\" key present: %v", c.timeline, name, c.want, has)
			}
			back, err := ReadJSON(strings.NewReader(b.String()))
			if err != nil {
				t.Fatal(err)
			}
			if (back.Timeline == nil) != (r.Timeline == nil) {
				t.Errorf("timeline %d, %s: ReadJSON gives timeline %#v, want %#v", c.timeline, name, back.Timeline, r.Timeline)
			}
		}
	}
}

// TestLiveChecksOnce: a finding's live commands are printed once each, in
// rule order, with what each does not check under it; queries that share
// a command but not the conditions it leaves are named.
func TestLiveChecksOnce(t *testing.T) {
	f := Finding{RuleID: "r", Verdict: "detected", Queries: []QueryResult{
		{ID: "a1", LiveCommand: "wevtutil qe A"},
		{ID: "b1", LiveCommand: "wevtutil qe B", LiveUnchecked: []string{"x is '1'"}},
		{ID: "a2", LiveCommand: "wevtutil qe A"},
		{ID: "b2", LiveCommand: "wevtutil qe B", LiveUnchecked: []string{"y is '2'", "z is not 3"}},
		{ID: "c1", LiveCommand: "wevtutil qe C", LiveUnchecked: []string{"x is '1'"}},
		{ID: "c2", LiveCommand: "wevtutil qe C", LiveUnchecked: []string{"x is '1'"}},
	}}
	got := liveChecks(&f)
	want := []liveCheck{
		{command: "wevtutil qe A"},
		{command: "wevtutil qe B", notes: []string{
			"Not checked by this command for b1: x is '1'. Read it in the events the commands print: /c:1 prints the newest match only, raise it to read more.",
			"Not checked by this command for b2: y is '2'; z is not 3. Read them in the events the commands print: /c:1 prints the newest match only, raise it to read more.",
		}},
		{command: "wevtutil qe C", notes: []string{
			"Not checked by this command: x is '1'. Read it in the events the commands print: /c:1 prints the newest match only, raise it to read more.",
		}},
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(liveCheck{})); d != "" {
		t.Errorf("liveChecks (-want +got):\n%s", d)
	}
	r := &Report{Findings: []Finding{f}}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"wevtutil qe A", "wevtutil qe B", "wevtutil qe C"} {
		if n := strings.Count(md.String(), c+"\n"); n != 1 {
			t.Errorf("markdown prints %q %d times:\n%s", c, n, md.String())
		}
	}
	if !strings.Contains(md.String(), "wevtutil qe C\nrem # Not checked by this command: x is '1'.") {
		t.Errorf("markdown lacks the rem line under C:\n%s", md.String())
	}
}

// TestLiveHeadingSaysWholeLog: a corroboration query's live command has
// no window (rules.Rule.WevtutilCommand), and the heading over the
// commands must not say that every one looks in the window.
func TestLiveHeadingSaysWholeLog(t *testing.T) {
	ev := Finding{Queries: []QueryResult{{ID: "a", Role: rules.RoleEvidence}}}
	if h := liveHeading(&ev); !strings.Contains(h, "in the window") || strings.Contains(h, "whole log") {
		t.Errorf("evidence only: %q", h)
	}
	both := Finding{Queries: []QueryResult{{ID: "a", Role: rules.RoleEvidence}, {ID: "b", Role: rules.RoleCorroboration}}}
	if h := liveHeading(&both); !strings.Contains(h, "corroboration over the whole log") {
		t.Errorf("with corroboration: %q", h)
	}
}

// TestTimelineWhenAnyText: a report read back (ReadJSON) may hold any text
// in a timeline line's times (edited by hand, written by another tool);
// rendering it must not panic. TimelineWhen cut "x" .. "y" at byte 10.
func TestTimelineWhenAnyText(t *testing.T) {
	for _, c := range []struct{ first, last, want string }{
		{"x", "y", "x .. y"},
		{"2024-05-01", "2024-05-02", "2024-05-01 .. 2024-05-02"},
		{"2024-05-01T10:00:00.0000000Z", "2024-05-01T11:00:00.0000000Z", "2024-05-01T10:00:00Z .. 11:00:00Z"},
		{"2024-05-01T10:00:00.0000000Z", "2024-05-02T11:00:00.0000000Z", "2024-05-01T10:00:00Z .. 2024-05-02T11:00:00Z"},
	} {
		if got := TimelineWhen(TimelineLine{Time: c.first, LastTime: c.last}); got != c.want {
			t.Errorf("TimelineWhen(%q, %q) = %q, want %q", c.first, c.last, got, c.want)
		}
	}
	r, err := ReadJSON(strings.NewReader(`{"schema_version":"2","findings":[],"inputs":[],` +
		`"timeline":[{"time":"a","last_time":"b","count":2,"entry":"x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Format{FormatText, FormatMarkdown} {
		var b bytes.Buffer
		if err := Write(&b, r, f); err != nil || !strings.Contains(b.String(), "a .. b") {
			t.Errorf("%s: %v\n%s", f, err, b.String())
		}
	}
}

// TestDamageWordsUnread: bytes unread are not called record area: a log
// followed by another in its file (cat a.evtx b.evtx) counts the second's
// bytes in evtx.Stats.UnreadBytes. Before, analyze of such a file said "in
// the copy ab.evtx: 69632 bytes of record area unreadable" for a second log
// that is no record area of the first.
func TestDamageWordsUnread(t *testing.T) {
	got := strings.Join(damageWords(1, 0, 0, 69632, ""), ", ")
	if want := "1 damaged chunk, 69632 bytes unread"; got != want {
		t.Errorf("damageWords = %q, want %q", got, want)
	}
}

// An unreadable log whose file name names no channel (standard input, an
// export named empty.evtx) may be the log a rule reads: the reference
// line must not say that no such log was given, nor the inputs show the
// file name (or nothing) as its channel.
func TestUnreadableUnknownChannel(t *testing.T) {
	for _, name := range []string{"-", "empty.evtx"} {
		ch := strings.TrimSuffix(name, ".evtx")
		if name == "-" {
			ch = ""
		}
		in := &rules.Input{Path: name, Channel: ch, Err: errors.New("evtx: " + name + ": file header: offset 0x0: not an EVTX file: empty"), ChannelUnknown: true}
		r := &Report{ReferenceSource: "none", Inputs: []Input{newInput(in)}}
		r.Inputs[0].Problems = problems(r.Inputs[0])
		if got := referenceText(r); got != "no log a rule reads could be read" {
			t.Errorf("%s: reference: %q", name, got)
		}
		if !r.Inputs[0].ChannelUnknown {
			t.Errorf("%s: channel_unknown not set", name)
		}
		var b bytes.Buffer
		if err := WriteText(&b, r); err != nil {
			t.Fatal(err)
		}
		if out := b.String(); !strings.Contains(out, "  "+name+"  [channel unknown]  not read (unreadable): ") {
			t.Errorf("%s: text:\n%s", name, out)
		}
		b.Reset()
		if err := WriteMarkdown(&b, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), " | channel unknown | | | | not read |") {
			t.Errorf("%s: markdown:\n%s", name, b.String())
		}
	}
}
