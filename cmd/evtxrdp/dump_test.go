package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

const (
	dumpSample    = "../../testdata/evtx/williballenthin__python-evtx__tests__data__system.evtx" // 1601 records, clean
	dumpDamaged   = "../../testdata/evtx/omerbenamram__evtx__samples__sample_with_a_bad_chunk_magic.evtx"
	dumpClassic   = "../../testdata/evtx/omerbenamram__evtx__samples__sample-with-zero-data-size-event.evtx" // RCM 1056: qualifiers + binary
	dumpUserData  = "../../testdata/evtx/fukusuket__evtx-parser__samples__Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx"
	dumpForwarded = "../../testdata/evtx/omerbenamram__evtx__samples__MSExchange_Management_wec.evtx"
)

func runDumpArgs(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(append([]string{"dump"}, args...), &o, &e)
	return code, o.String(), e.String()
}

// readerEvents reads a file with the evtx reader, for comparison.
func readerEvents(t *testing.T, path string, o evtx.Options) []*evtx.Event {
	t.Helper()
	f, err := evtx.OpenOptions(path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []*evtx.Event
	for {
		ev, err := f.Next()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
}

func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

type jsonEvent struct {
	RecordID uint64 `json:"record_id"`
	Time     string `json:"time"`
	Provider struct {
		Name            string `json:"name"`
		GUID            string `json:"guid"`
		EventSourceName string `json:"event_source_name"`
	} `json:"provider"`
	EventID       uint16  `json:"event_id"`
	Qualifiers    *uint16 `json:"qualifiers"`
	Version       uint8   `json:"version"`
	Level         uint8   `json:"level"`
	Task          uint16  `json:"task"`
	Opcode        uint8   `json:"opcode"`
	Keywords      string  `json:"keywords"`
	TimeCreated   *string `json:"time_created"`
	EventRecordID uint64  `json:"event_record_id"`
	ActivityID    string  `json:"activity_id"`
	ProcessID     uint32  `json:"process_id"`
	ThreadID      uint32  `json:"thread_id"`
	Channel       string  `json:"channel"`
	Computer      string  `json:"computer"`
	UserID        string  `json:"user_id"`
	EventData     []struct {
		Name  string `json:"name"`
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"event_data"`
	Binary   *string         `json:"binary"`
	UserData json.RawMessage `json:"user_data"`
	File     string          `json:"file"`
}

var reTime7 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`)

func TestDumpJSONL(t *testing.T) {
	for _, path := range []string{dumpSample, dumpClassic, dumpUserData, dumpForwarded} {
		code, out, errOut := runDumpArgs(t, "--workers", "2", path)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", path, code, errOut)
		}
		want := readerEvents(t, path, evtx.Options{})
		ls := lines(out)
		if len(ls) != len(want) {
			t.Fatalf("%s: %d lines, want %d events", path, len(ls), len(want))
		}
		for i, l := range ls {
			var j jsonEvent
			dec := json.NewDecoder(strings.NewReader(l))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&j); err != nil {
				t.Fatalf("%s line %d: %v\n%s", path, i, err, l)
			}
			ev := want[i]
			s := ev.System
			if j.RecordID != ev.RecordID || j.Time != evtx.FormatTime(ev.Written) || !reTime7.MatchString(j.Time) ||
				j.EventID != s.EventID || j.Provider.Name != s.Provider.Name || j.Provider.GUID != s.Provider.GUID ||
				j.Channel != s.Channel || j.Computer != s.Computer || j.EventRecordID != s.EventRecordID ||
				j.Keywords != fmt.Sprintf("0x%x", s.Keywords) ||
				j.File != path || j.ProcessID != s.ProcessID || j.UserID != s.UserID || j.ActivityID != s.ActivityID {
				t.Fatalf("%s line %d does not match the event:\n%s", path, i, l)
			}
			if (j.Qualifiers != nil) != s.HasQualifiers || (s.HasQualifiers && *j.Qualifiers != s.Qualifiers) {
				t.Fatalf("%s line %d: qualifiers %v, event has %v/%d", path, i, j.Qualifiers, s.HasQualifiers, s.Qualifiers)
			}
			if s.TimeCreated.IsZero() != (j.TimeCreated == nil) || (j.TimeCreated != nil && *j.TimeCreated != evtx.FormatTime(s.TimeCreated)) {
				t.Fatalf("%s line %d: time_created %v", path, i, j.TimeCreated)
			}
			if len(j.EventData) != len(ev.EventData) {
				t.Fatalf("%s line %d: %d event_data, want %d", path, i, len(j.EventData), len(ev.EventData))
			}
			for k, f := range ev.EventData {
				if j.EventData[k].Name != f.Name || j.EventData[k].Type != f.Value.Kind.String() || j.EventData[k].Value != f.Value.String() {
					t.Fatalf("%s line %d: event_data[%d] = %+v, want %s %s %q", path, i, k, j.EventData[k], f.Name, f.Value.Kind, f.Value.String())
				}
			}
			if (j.Binary != nil) != (ev.Binary != nil) || (j.Binary != nil && *j.Binary != strings.ToUpper(evtx.Value{Kind: evtx.KindBinary, Bytes: ev.Binary}.String())) {
				t.Fatalf("%s line %d: binary %v", path, i, j.Binary)
			}
			if (len(j.UserData) > 0) != (ev.UserData != nil) {
				t.Fatalf("%s line %d: user_data %s", path, i, j.UserData)
			}
		}
	}
}

func TestDumpJSONShapes(t *testing.T) {
	_, out, _ := runDumpArgs(t, dumpClassic)
	if !strings.Contains(out, `"qualifiers":`) || !strings.Contains(out, `"binary":"`) {
		t.Errorf("classic events: no qualifiers or binary in the output")
	}
	_, out, _ = runDumpArgs(t, dumpUserData)
	if !strings.Contains(out, `"user_data":{"EventXML":{`) {
		t.Errorf("LocalSessionManager events: no user_data object:\n%s", lines(out)[0])
	}
}

func TestAppendJSONElement(t *testing.T) {
	e := &evtx.Element{Name: "EventXML", Attrs: []evtx.Attr{{Name: "xmlns", Value: evtx.StringValue("Event_NS")}}, Children: []*evtx.Element{
		{Name: "User", Value: evtx.StringValue(`DOM\u"ser`)},
		{Name: "Session", Value: evtx.Value{Kind: evtx.KindUint32, Uint: 3}},
		{Name: "Param", Value: evtx.StringValue("a")},
		{Name: "Param", Value: evtx.StringValue("b")},
		{Name: "Empty"},
		{Name: "Nested", Children: []*evtx.Element{{Name: "X", Value: evtx.Value{Kind: evtx.KindHexInt32, Uint: 0x8009030d}}}},
	}}
	got := string(appendJSONElement(nil, e, 0))
	want := `{"@xmlns":"Event_NS","User":"DOM\\u\"ser","Session":"3","Param":["a","b"],"Empty":"","Nested":{"X":"0x8009030d"}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Error("invalid JSON")
	}
}

func TestAppendJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":           `"plain"`,
		"a\"b\\c":         `"a\"b\\c"`,
		"tab\tnl\ncr\r":   `"tab\tnl\ncr\r"`,
		"\x00\x1f":        `"\u0000\u001f"`,
		"bad\xffutf8":     `"bad\ufffdutf8"`,
		"ünïcode €":       `"ünïcode €"`,
		"sep\u2028\u2029": `"sep\u2028\u2029"`,
	} {
		got := string(appendJSONString(nil, in))
		if got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
		var s string
		if err := json.Unmarshal([]byte(got), &s); err != nil {
			t.Errorf("%s: %v", got, err)
		}
	}
}

func TestDumpXMLAndText(t *testing.T) {
	want := readerEvents(t, dumpSample, evtx.Options{})
	code, out, _ := runDumpArgs(t, "--format", "xml", dumpSample)
	ls := lines(out)
	if code != exitOK || len(ls) != len(want) {
		t.Fatalf("xml: exit %d, %d lines, want %d", code, len(ls), len(want))
	}
	multi := 0
	for i, l := range ls {
		x := want[i].XML()
		if strings.ContainsAny(x, "\r\n") {
			multi++
			x = strings.NewReplacer("\n", "&#10;", "\r", "&#13;").Replace(x)
		}
		if l != x {
			t.Fatalf("xml line %d differs from Event.XML", i)
		}
	}
	if multi == 0 {
		t.Error("expected events with line breaks in values in the sample")
	}
	code, out, _ = runDumpArgs(t, "-f", "text", dumpSample)
	if code != exitOK || strings.Count(out, "\nEvent[")+1 != len(want) || !strings.HasPrefix(out, "Event[0]:\n  Log Name: System\n") ||
		!strings.Contains(out, "\n\nEvent[1600]:\n") {
		t.Fatalf("text: exit %d, output starts %q", code, out[:min(len(out), 200)])
	}
}

func TestDumpWindow(t *testing.T) {
	all := readerEvents(t, dumpSample, evtx.Options{})
	since, until := all[100].System.TimeCreated, all[200].System.TimeCreated
	var want int
	for _, ev := range all {
		if !ev.System.TimeCreated.Before(since) && !ev.System.TimeCreated.After(until) {
			want++
		}
	}
	code, out, errOut := runDumpArgs(t, "--since", since.Format(time.RFC3339Nano), "--until", strings.TrimSuffix(until.Format("2006-01-02T15:04:05.9999999"), "Z"), dumpSample)
	if code != exitOK || len(lines(out)) != want {
		t.Errorf("absolute window: exit %d, %d events, want %d\n%s", code, len(lines(out)), want, errOut)
	}
	if !strings.Contains(errOut, "skipped outside the window") || !strings.Contains(errOut, "last written record: EventRecordID 13649 at 2012-04-08T01:28:13.9234828Z") {
		t.Errorf("no summary: %s", errOut)
	}
	// RFC 3339 section 5.6 allows a lower-case "t" and "z", as analyze's
	// --at and the query language's @SystemTime literals accept them.
	lower := func(s string) string { return strings.ToLower(s) }
	code, out, errOut = runDumpArgs(t, "--since", lower(since.Format(time.RFC3339Nano)), "--until", lower(until.Format(time.RFC3339Nano)), dumpSample)
	if code != exitOK || len(lines(out)) != want {
		t.Errorf("lower-case t and z: exit %d, %d events, want %d\n%s", code, len(lines(out)), want, errOut)
	}
	// Relative: the last 36 hours before the last-written record's
	// TimeCreated.
	from := all[len(all)-1].System.TimeCreated.Add(-36 * time.Hour)
	want = 0
	for _, ev := range all {
		if !ev.System.TimeCreated.Before(from) {
			want++
		}
	}
	code, out, _ = runDumpArgs(t, "--since", "1d12h", dumpSample)
	if code != exitOK || len(lines(out)) != want || want == 0 || want == len(all) {
		t.Errorf("--since 1d12h: exit %d, %d events, want %d of %d", code, len(lines(out)), want, len(all))
	}
}

// TestDumpWindowEqualsFilteredDump: dump --since/--until prints exactly
// the full dump's lines of the events whose TimeCreated lies in the window
// (events without a readable TimeCreated are kept), on every sample log and
// on crafted logs whose header times lag, lead, are borrowed or are 0.
func TestDumpWindowEqualsFilteredDump(t *testing.T) {
	paths, _ := filepath.Glob("../../testdata/evtx/*.evtx")
	shared, _ := filepath.Glob("../../../shared/samples/*.evtx")
	for _, p := range shared {
		if !slices.ContainsFunc(paths, func(q string) bool { return filepath.Base(q) == filepath.Base(p) }) {
			paths = append(paths, p)
		}
	}
	dir := t.TempDir()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	crafted := map[string][]*evtx.Event{}
	lag := evtxtest.Noise(t0, 10*time.Minute, 120)
	for i := 60; i < 120; i += 3 {
		lag[i].Written = lag[i].System.TimeCreated.Add(-26 * time.Hour)
	}
	crafted["lag.evtx"] = lag
	lead := evtxtest.Noise(t0, 10*time.Minute, 120)
	for i := 10; i < 120; i += 4 {
		lead[i].Written = lead[i].System.TimeCreated.Add(3 * 24 * time.Hour)
	}
	crafted["lead.evtx"] = lead
	crafted["export.evtx"] = evtxtest.Exported(evtxtest.Noise(t0, 10*time.Minute, 120))
	crafted["one.evtx"] = evtxtest.Exported(evtxtest.Noise(t0, 10*time.Minute, 1))
	for name, evs := range crafted {
		p := filepath.Join(dir, name)
		if err := evtxtest.WriteFile(p, evs, evtxtest.Options{MaxRecordsPerChunk: 30}); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if len(paths) < 50 {
		t.Fatalf("%d logs", len(paths))
	}
	// Each small sample of whole chunks followed by a copy of itself
	// whose file header CRC32 is wrong: with Application_no_crc32 (no
	// chunk checksums) the copy's chunk is read as a damaged chunk of
	// the first log, its records decoded in part, without TimeCreated,
	// copies of the first log's, which the full dump drops; --since
	// 2021-03-31T23:53:25.4185391Z printed 47 events for its 43.
	for _, p := range slices.Clone(paths) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 70000 || len(b) <= 4096 || (len(b)-4096)%65536 != 0 {
			continue
		}
		bad := slices.Clone(b)
		bad[124] ^= 0xff
		c := filepath.Join(dir, "cat-"+filepath.Base(p))
		if err := os.WriteFile(c, slices.Concat(b, bad), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, c)
	}
	for _, p := range paths {
		code, full, _ := runDumpArgs(t, "--workers", "1", p)
		evs := readerEvents(t, p, evtx.Options{Workers: 1})
		fl := lines(full)
		if code != exitOK && len(evs) > 0 || len(fl) != len(evs) {
			t.Fatalf("%s: exit %d, %d lines for %d events", p, code, len(fl), len(evs))
		}
		var ts []time.Time
		for _, ev := range evs {
			if tc, ok := evtx.TimeCreatedOf(ev); ok {
				ts = append(ts, tc)
			}
		}
		if len(ts) == 0 {
			continue
		}
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		q := func(f float64) time.Time { return ts[int(f*float64(len(ts)-1))] }
		for _, w := range [][2]time.Time{{q(0.2), q(0.6)}, {q(0.9), {}}, {{}, q(0.1)}, {q(0.5), q(0.5)}} {
			var args, want []string
			if !w[0].IsZero() {
				args = append(args, "--since", w[0].Format(time.RFC3339Nano))
			}
			if !w[1].IsZero() {
				args = append(args, "--until", w[1].Format(time.RFC3339Nano))
			}
			for i, ev := range evs {
				tc, ok := evtx.TimeCreatedOf(ev)
				if !ok || (w[0].IsZero() || !tc.Before(w[0])) && (w[1].IsZero() || !tc.After(w[1])) {
					want = append(want, fl[i])
				}
			}
			_, got, errOut := runDumpArgs(t, append(args, p)...)
			if g := lines(got); !slices.Equal(g, want) {
				t.Fatalf("%s %v: %d lines, the filtered full dump %d\n%s", p, args, len(g), len(want), errOut)
			}
		}
	}
}

// TestDumpExported: an exported log is said to be one, and its zero header
// time prints as null, never as 1601.
func TestDumpExported(t *testing.T) {
	p := filepath.Join(t.TempDir(), "System.evtx")
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(t0, time.Hour, 5)
	for i, ev := range evs {
		ev.RecordID = 5000 + uint64(i)
	}
	if err := evtxtest.WriteFile(p, evtxtest.Exported(evs), evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"jsonl", "xml", "text"} {
		code, out, errOut := runDumpArgs(t, "-f", f, p)
		if code != exitOK || strings.Contains(out+errOut, "1601-01-01") {
			t.Errorf("-f %s: exit %d, 1601-01-01 printed:\n%s\n%s", f, code, out, errOut)
		}
		if !strings.Contains(errOut, "exported log") || !strings.Contains(errOut, "5 of 5 records renumbered, 1 with header time 0") {
			t.Errorf("-f %s: the summary does not say the log is exported:\n%s", f, errOut)
		}
	}
	_, out, _ := runDumpArgs(t, p)
	if !strings.Contains(out, `"time":null`) {
		t.Errorf("zero header time not null: %s", out)
	}
}

func TestDumpExitCodes(t *testing.T) {
	dir := t.TempDir()
	notEVTX := filepath.Join(dir, "notes.evtx")
	os.WriteFile(notEVTX, bytes.Repeat([]byte("hello "), 1000), 0o644)

	for _, c := range []struct {
		args []string
		code int
		err  string // in stderr
	}{
		{nil, exitUsage, "no PATH"},
		{[]string{"--format", "csv", dumpSample}, exitUsage, "unknown --format"},
		{[]string{"--since", "yesterday", dumpSample}, exitUsage, "--since"},
		{[]string{"--until", "2024-13-01", dumpSample}, exitUsage, "--until"},
		{[]string{"--workers", "-1", dumpSample}, exitUsage, "--workers"},
		{[]string{"--max-errors", "-1", dumpDamaged}, exitUsage, "--max-errors -1: want 0 (list all) or more"},
		{[]string{"--bogus", dumpSample}, exitUsage, "unknown flag"},
		{[]string{notEVTX}, exitFailure, "not an EVTX file"},
		{[]string{filepath.Join(dir, "missing.evtx")}, exitFailure, "missing.evtx"},
		{[]string{dumpSample, notEVTX}, exitFailure, notEVTX},
		{[]string{dumpDamaged}, exitOK, "checksum mismatch"},
	} {
		code, out, errOut := runDumpArgs(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.err) {
			t.Errorf("dump %v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.err)
		}
		if len(c.args) > 1 && c.args[0] == dumpSample && len(lines(out)) != 1601 {
			t.Errorf("dump %v: the readable input was not dumped (%d lines)", c.args, len(lines(out)))
		}
	}
	code, out, _ := runDumpArgs(t, "--help")
	if code != exitOK || !strings.Contains(out, "usage: evtxrdp dump") || !strings.Contains(out, "--since") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
	// Damage is reported with file and offset, the readable records are dumped.
	// 380 = 298 decoded in full + 82 in part (a template overwritten: their
	// values kept, flagged "partial" and listed as problems); the 50 old
	// records of chunk slack only with --recover.
	code, out, errOut := runDumpArgs(t, "--max-errors", "0", dumpDamaged)
	if code != exitOK || len(lines(out)) != 380 || !strings.Contains(errOut, dumpDamaged+": chunk 6: offset 0x61000: corrupt data: chunk signature missing") {
		t.Errorf("damaged: exit %d, %d events, stderr:\n%s", code, len(lines(out)), errOut)
	}
	if n, p := strings.Count(out, `"partial":`), strings.Count(errOut, "record decoded in part"); n != 82 || p != n || strings.Contains(out, `"recovered":`) {
		t.Errorf("damaged: %d partial events, %d reported, slack printed: %v", n, p, strings.Contains(out, `"recovered":`))
	}
	// --max-errors N lists the first N problems and counts the others:
	// the reader keeps only those (evtx.Options.MaxErrors), the summary
	// still counts every one.
	all := problemLines(errOut)
	if len(all) < 10 || !strings.Contains(errOut, fmt.Sprintf("; %d problems\n", len(all))) {
		t.Fatalf("damaged --max-errors 0: %d problems listed, stderr:\n%s", len(all), errOut)
	}
	_, _, errOut = runDumpArgs(t, "--max-errors", "3", dumpDamaged)
	if got := problemLines(errOut); !slices.Equal(got, all[:3]) || !strings.Contains(errOut, fmt.Sprintf("; %d problems\n", len(all))) ||
		!strings.Contains(errOut, fmt.Sprintf("  ... and %d more problems (--max-errors 0 lists all)\n", len(all)-3)) {
		t.Errorf("damaged --max-errors 3: listed %d of %d, stderr:\n%s", len(got), len(all), errOut)
	}
	code, out, errOut = runDumpArgs(t, "--recover", dumpDamaged)
	if n := strings.Count(out, `"recovered":"slack"`); code != exitOK || len(lines(out)) != 430 || n != 50 || !strings.Contains(errOut, "50 old records in chunk slack (50 printed, 0 undecodable)") {
		t.Errorf("damaged --recover: exit %d, %d events, %d from slack, stderr:\n%s", code, len(lines(out)), n, errOut)
	}
}

func TestDumpDirectoryAndZip(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "Windows", "System32", "winevt", "Logs")
	os.MkdirAll(logs, 0o755)
	b, err := os.ReadFile(dumpSample)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(logs, "System.evtx"), b, 0o644)
	code, out, errOut := runDumpArgs(t, "-f", "xml", dir)
	if code != exitOK || len(lines(out)) != 1601 || !strings.Contains(errOut, filepath.Join(logs, "System.evtx")+": 1601 events") {
		t.Errorf("volume root: exit %d, %d events\n%s", code, len(lines(out)), errOut)
	}
}

type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, os.ErrClosed }

func TestDumpWriteError(t *testing.T) {
	var e bytes.Buffer
	if code := run([]string{"dump", dumpSample}, failWriter{}, &e); code != exitFailure || !strings.Contains(e.String(), "write") {
		t.Errorf("exit %d, %s", code, e.String())
	}
}

// problemLines returns the problems dump listed on stderr (the lines
// naming an offset under a log's summary).
func problemLines(errOut string) []string {
	var out []string
	for _, l := range strings.Split(errOut, "\n") {
		// (A "  lost:" line names the records beside lost ones, with
		// their offsets: not a problem of the reader's.)
		if strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "  lost: ") && strings.Contains(l, ": offset 0x") {
			out = append(out, l)
		}
	}
	return out
}

// TestDumpDuplicatesSummary: the summary's duplicates are the copies of
// printed events. With a window, the copies outside it are not decoded
// and so not told apart: they are among the skipped records, which the
// summary says, and events + skipped + duplicates is that of a full dump.
// The log: the clean sample with its chunk 4 copied into the unused slot
// 9, which the file header counts (a copy within the log's chunks).
func TestDumpDuplicatesSummary(t *testing.T) {
	b, err := os.ReadFile(dumpSample)
	if err != nil {
		t.Fatal(err)
	}
	chunk := func(i int) []byte { return b[4096+i*65536 : 4096+(i+1)*65536] }
	copy(chunk(9), chunk(4))
	b[42], b[43] = 10, 0 // chunk count
	binary.LittleEndian.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	evs := readerEvents(t, dumpSample, evtx.Options{})
	var copies []time.Time // TimeCreated of each record of chunk 4
	for _, ev := range evs {
		if ev.Source.Chunk == 4 {
			copies = append(copies, ev.System.TimeCreated)
		}
	}
	if len(copies) == 0 {
		t.Fatal("no records in chunk 4")
	}
	re := regexp.MustCompile(`: (\d+) events, \d+ records decoded in part, (\d+) skipped outside the window( \(copies included\))?, \d+ undecodable, (\d+) duplicates of printed events,`)
	counts := func(args ...string) (events, skipped, dups int, said bool) {
		t.Helper()
		code, _, errOut := runDumpArgs(t, append(append([]string{"-f", "none"}, args...), p)...)
		m := re.FindStringSubmatch(errOut)
		if code != exitOK || m == nil {
			t.Fatalf("%v: exit %d, summary %q", args, code, errOut)
		}
		fmt.Sscan(m[1], &events)
		fmt.Sscan(m[2], &skipped)
		fmt.Sscan(m[4], &dups)
		return events, skipped, dups, m[3] != ""
	}
	e, s, d, said := counts()
	if e != len(evs) || s != 0 || d != len(copies) || said {
		t.Errorf("full dump: %d events, %d skipped, %d duplicates (copies said %v), want %d, 0, %d", e, s, d, said, len(evs), len(copies))
	}
	mid := copies[len(copies)/2]
	for _, args := range [][]string{{"--since", mid.Format(time.RFC3339Nano)}, {"--until", mid.Format(time.RFC3339Nano)}} {
		in := 0 // copies in the window: a full dump filtered afterwards drops them
		for _, tc := range copies {
			if args[0] == "--since" && !tc.Before(mid) || args[0] == "--until" && !tc.After(mid) {
				in++
			}
		}
		we, ws, wd, said := counts(args...)
		if wd != in || !said || we+ws+wd != e+s+d {
			t.Errorf("%v: %d events, %d skipped, %d duplicates (copies said %v); want %d duplicates and %d in all", args, we, ws, wd, said, in, e+s+d)
		}
	}
}

// dump's summary names a log's last-written record as the reports do: by
// its EventRecordID, the id Event Viewer shows, with the record number in
// the file beside it where an export renumbered the records. It said
// "last written record 32" for the filtered export whose last record is
// EventRecordID 5093 (and "record 1" for a one-record export whose record
// is EventRecordID 48211), with and without a window alike.
func TestDumpSummaryNamesLastWrittenByEventRecordID(t *testing.T) {
	for _, c := range []struct{ set, want string }{
		{"exported-filtered", "; last written record: EventRecordID 5093 (record 32 in the file) at 2024-05-01T12:00:00.0000000Z\n"},
		{"one-record-export", "; last written record: EventRecordID "},
		{"tls-36871-10013", "; last written record: EventRecordID 123 at 2024-05-01T12:00:00.0000000Z\n"},
	} {
		log := filepath.Join(scenarios, c.set, "System.evtx")
		for _, window := range [][]string{nil, {"--since", "2099-01-01"}, {"--until", "1990-01-01"}} {
			code, _, errOut := runDumpArgs(t, append(append([]string{"-f", "none"}, window...), log)...)
			if code != exitOK || !strings.Contains(errOut, c.want) {
				t.Errorf("%s %v: exit %d, summary %q; want %q", c.set, window, code, errOut, c.want)
			}
			if c.set == "one-record-export" && strings.Contains(errOut, "(record 1 in the file)") == strings.Contains(errOut, "EventRecordID 1 at") {
				t.Errorf("%s %v: summary %q names the record by its number alone", c.set, window, errOut)
			}
		}
	}
}

// TestDumpZeroTimeBound: the zero time is a bound like any other. "--until
// 0001-01-01T00:00:00Z" printed every record of the log (the zero time
// reached evtx.Options.Until, which reads zero as "no bound") while
// "--until 1600-06-01" printed none, and "--since 2022-07-13 --until
// 0001-01-01" printed the records since 2022-07-13 instead of being refused.
func TestDumpZeroTimeBound(t *testing.T) {
	for _, until := range []string{"0001-01-01T00:00:00Z", "0001-01-01", "1600-06-01"} {
		code, out, errOut := runDumpArgs(t, "--until", until, dumpSample)
		if code != exitOK || out != "" || !strings.Contains(errOut, ": 0 events,") {
			t.Errorf("--until %s: exit %d, %d bytes out, stderr %q; want no event", until, code, len(out), errOut)
		}
	}
	// --since the zero time bounds nothing: every record is printed.
	_, all, _ := runDumpArgs(t, dumpSample)
	if _, out, _ := runDumpArgs(t, "--since", "0001-01-01T00:00:00Z", dumpSample); out != all || all == "" {
		t.Errorf("--since 0001-01-01: %d bytes; want the whole dump's %d", len(out), len(all))
	}
	code, _, errOut := runDumpArgs(t, "--since", "2000-01-01", "--until", "0001-01-01T00:00:00Z", dumpSample)
	if code != exitUsage || !strings.Contains(errOut, "is after --until") {
		t.Errorf("--since 2000-01-01 --until 0001-01-01: exit %d, %q; want a usage error", code, errOut)
	}
}
