package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/report"
)

// copyFile copies src to dst, creating dst's directory.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The same log given twice to dump and query (the same path twice, a
// path and a symbolic link to it, a file and the directory holding it,
// standard input twice, a zip named twice, a byte-identical copy in
// another folder) is read once: the output is that of the log given once,
// and stderr names the duplicate.
func TestDumpQuerySameLogTwice(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	sys := filepath.Join(logs, "System.evtx")
	copyFile(t, dumpSample, sys)
	link := filepath.Join(dir, "link.evtx")
	if err := os.Symlink(sys, link); err != nil {
		t.Fatal(err)
	}
	shadow := filepath.Join(dir, "shadow", "System.evtx")
	copyFile(t, dumpSample, shadow)
	zp := filepath.Join(dir, "logs.zip")
	data, err := os.ReadFile(dumpSample)
	if err != nil {
		t.Fatal(err)
	}
	variantZip(t, zp, map[string][]byte{"Logs/System.evtx": data})

	commands := [][]string{
		{"dump"},
		{"dump", "-f", "xml", "--since", "2h"},
		{"query", "-f", "jsonl"},
		{"query", "-f", "text", "-r", "-c", "5", "-q", "*[System[EventID=7036]]"},
	}
	for _, c := range []struct {
		once  string   // the log given once
		twice []string // the same log given twice
		note  string   // what stderr says of the duplicate
	}{
		{sys, []string{sys, sys}, sys + ": given more than once; read once"},
		{sys, []string{sys, link}, link + ": the same file as " + sys + " (another path or a link); read once"},
		{sys, []string{logs, sys}, sys + ": given more than once; read once"},
		{sys, []string{sys, logs + "/./System.evtx"}, logs + "/./System.evtx: the same file as " + sys},
		{zp, []string{zp, zp}, zp + "!Logs/System.evtx: given more than once; read once"},
		{sys, []string{sys, shadow}, shadow + ": a copy of " + sys + "; adds none of its 1601 records; read as one log with it, each record once"},
		{sys, []string{sys, "-", "-"}, "-: given more than once; read once"},
	} {
		for _, cmd := range commands {
			_, want, wantErr := runCmd(append(slices.Clone(cmd), c.once)...)
			args := append(slices.Clone(cmd), c.twice...)
			var code int
			var got, errOut string
			withStdin(t, sys, func() { code, got, errOut = runCmd(args...) })
			if code != exitOK {
				t.Fatalf("%q: exit %d: %s", args, code, errOut)
			}
			if want == "" {
				t.Fatalf("%q: the log given once printed nothing: %s", cmd, wantErr)
			}
			if got != want {
				t.Errorf("%q: %d bytes of output, want the %d of the log given once", args, len(got), len(want))
			}
			if !strings.Contains(errOut, c.note) {
				t.Errorf("%q: stderr lacks %q:\n%s", args, c.note, errOut)
			}
		}
	}
}

// dump and query --help say how a log given twice is read.
func TestHelpSaysCopiesReadOnce(t *testing.T) {
	for _, cmd := range []string{"dump", "query"} {
		code, out, _ := runCmd(cmd, "--help")
		if code != exitOK || !strings.Contains(out, "A log given more than once is read once") || !strings.Contains(out, "stderr names each duplicate") {
			t.Errorf("%s --help: exit %d, no word on logs given twice:\n%s", cmd, code, out)
		}
	}
}

// Overlapping copies of one log (an older copy that still holds records
// the newer one has overwritten, its chunks laid out differently) are read
// as one log, as analyze reads them: every record once (the copy with the
// most records first, then the records only the other holds), and stderr
// says what the other copy adds.
func TestDumpQueryOverlappingCopies(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	all := evtxtest.Noise(at.Add(-300*time.Minute), time.Minute, 300)
	for i, ev := range all {
		ev.RecordID = uint64(1000 + i) // the same numbers in every copy
	}
	whole := filepath.Join(dir, "whole", "System.evtx")
	newer := filepath.Join(dir, "new", "System.evtx")
	older := filepath.Join(dir, "old", "System.evtx")
	for _, f := range []struct {
		path string
		evs  []*evtx.Event
		per  int
	}{{whole, all, 40}, {newer, all[100:], 40}, {older, all[:len(all)-5], 33}} {
		os.MkdirAll(filepath.Dir(f.path), 0o755)
		if err := evtxtest.WriteFile(f.path, f.evs, evtxtest.Options{MaxRecordsPerChunk: f.per}); err != nil {
			t.Fatal(err)
		}
	}
	recordIDs := func(out string) []string {
		var ids []string
		for _, l := range lines(out) {
			i := strings.Index(l, `"event_record_id":`)
			j := strings.Index(l[i:], ",")
			ids = append(ids, l[i:i+j])
		}
		return ids
	}
	for _, cmd := range [][]string{{"dump"}, {"query", "-f", "jsonl"}} {
		_, want, _ := runCmd(append(slices.Clone(cmd), whole)...)
		code, got, errOut := runCmd(append(slices.Clone(cmd), newer, older)...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", cmd, code, errOut)
		}
		g, w := recordIDs(got), recordIDs(want)
		if len(w) != 300 || len(g) != len(w) {
			t.Fatalf("%q: %d events, want %d (the whole log's)", cmd, len(g), len(w))
		}
		if cmd[0] == "query" && !slices.Equal(g, w) {
			t.Errorf("query: events not in the order of the whole log")
		}
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			t.Errorf("%q: other events than the whole log's", cmd)
		}
		// The copy with the most records is read first.
		for _, note := range []string{newer + ": a copy of " + older + "; adds 5 of its 200 records"} {
			if !strings.Contains(errOut, note) {
				t.Errorf("%q: stderr lacks %q:\n%s", cmd, note, errOut)
			}
		}
	}
	// Logs that share no record are not copies: both are dumped whole.
	other := filepath.Join(dir, "other", "System.evtx")
	os.MkdirAll(filepath.Dir(other), 0o755)
	if err := evtxtest.WriteFile(other, evtxtest.Noise(at, time.Minute, 7), evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	code, got, errOut := runCmd("dump", whole, other)
	if code != exitOK || len(lines(got)) != 307 || strings.Contains(errOut, "copy") {
		t.Errorf("two different logs: exit %d, %d events, stderr:\n%s", code, len(lines(got)), errOut)
	}
}

// A damaged log read with its byte copy: the summary's chunk counts are
// those of the file it names (the log alone's), its problems those of both
// files, and a line gives the copy's own chunks and problems. They summed
// the files: '32 used, 32 in header, 24 damaged' for a log of 16 chunks.
func TestDumpCopiesCountChunksPerFile(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, dumpDamaged, filepath.Join(dir, "System.evtx"))
	copyFile(t, dumpDamaged, filepath.Join(dir, "System (1).evtx"))
	_, _, alone := runDumpArgs(t, "-f", "none", dumpDamaged)
	chunksRe := regexp.MustCompile(`chunks: \d+ used, \d+ in header[^;]*, \d+ damaged`)
	probRe := regexp.MustCompile(`; (\d+) problems`)
	chunks, prob := chunksRe.FindString(alone), probRe.FindStringSubmatch(alone)
	if chunks == "" || prob == nil || prob[1] == "0" {
		t.Fatalf("the log alone: %q", alone)
	}
	var n int
	fmt.Sscan(prob[1], &n)
	code, _, errOut := runDumpArgs(t, "-f", "none", dir)
	ls := strings.Split(errOut, "\n")
	// The first lines name the two files, whose records are not System's.
	for len(ls) > 0 && strings.Contains(ls[0], "its records are of the Microsoft-Windows-AppXDeployment/Operational channel, not of System") {
		ls = ls[1:]
	}
	if code != exitOK || len(ls) < 3 {
		t.Fatalf("exit %d: %q", code, errOut)
	}
	main := ls[1] // after the line naming the copy
	if chunksRe.FindString(main) != chunks || !strings.Contains(main, fmt.Sprintf("; %d problems (in its 2 files)", 2*n)) {
		t.Errorf("summary %q, want %q and %d problems in its 2 files", main, chunks, 2*n)
	}
	if want := fmt.Sprintf("  copy %s: %s; %d problems", filepath.Join(dir, "System.evtx"), chunks, n); ls[2] != want {
		t.Errorf("copy line %q, want %q", ls[2], want)
	}
}

// Logs read as copies of one log say, per copy, how many records it adds,
// and those counts add up to what is printed. Crafted pairs of a log of
// 122 records: the same events with EventRecordIDs shifted by one, and
// with the same EventRecordIDs (and header times) at other TimeCreated,
// are other records: not copies, both printed whole (the first was said
// to "add none of its 122 records" while 244 were printed); a copy with
// one record's data changed (the same EventRecordID, time, provider and
// event id) is a copy that adds that one record, printed beside the
// original.
func TestCopiesCountWhatIsPrinted(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	mk := func() []*evtx.Event {
		evs := evtxtest.Noise(at.Add(-122*time.Minute), time.Minute, 122)
		for i, ev := range evs {
			ev.RecordID = uint64(100 + i)
			ev.Written = ev.System.TimeCreated
		}
		return evs
	}
	shifted := mk()
	for _, ev := range shifted {
		ev.RecordID++ // and so the EventRecordID
	}
	later := mk()
	for _, ev := range later {
		ev.System.TimeCreated = ev.System.TimeCreated.Add(30 * time.Second) // the header time stays
	}
	changed := mk()
	c := evtxtest.SCM7036(changed[60].System.TimeCreated, "Print Spooler", "running", "Spooler")
	c.RecordID, c.Written = changed[60].RecordID, changed[60].Written
	changed[60] = c
	for _, tc := range []struct {
		name   string
		other  []*evtx.Event
		events int
		note   string // "" for logs that are not copies
	}{
		{"shifted", shifted, 244, ""},
		{"later", later, 244, ""},
		{"changed", changed, 123, "adds 1 of its 122 records"},
	} {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a", "System.evtx"), filepath.Join(dir, "b", "System.evtx")
		for _, f := range []struct {
			path string
			evs  []*evtx.Event
		}{{a, mk()}, {b, tc.other}} {
			os.MkdirAll(filepath.Dir(f.path), 0o755)
			if err := evtxtest.WriteFile(f.path, f.evs, evtxtest.Options{MaxRecordsPerChunk: 50}); err != nil {
				t.Fatal(err)
			}
		}
		for _, cmd := range [][]string{{"dump"}, {"query", "-f", "jsonl"}, {"dump", "--since", "30m"}} {
			code, out, errOut := runCmd(append(slices.Clone(cmd), a, b)...)
			if code != exitOK {
				t.Fatalf("%s %q: exit %d: %s", tc.name, cmd, code, errOut)
			}
			n := len(lines(out))
			if len(cmd) == 1 || cmd[0] == "query" {
				if n != tc.events {
					t.Errorf("%s %q: %d events printed, want %d", tc.name, cmd, n, tc.events)
				}
			}
			// What the notes say adds up to what is read.
			re := regexp.MustCompile(`a copy of \S+; adds (none|\d+) of its (\d+) records`)
			ms := re.FindAllStringSubmatch(errOut, -1)
			switch {
			case tc.note == "" && len(ms) > 0:
				t.Errorf("%s %q: logs that share no record said to be copies:\n%s", tc.name, cmd, errOut)
			case tc.note != "" && (len(ms) != 1 || !strings.Contains(errOut, b+": a copy of "+a+"; "+tc.note)):
				t.Errorf("%s %q: stderr lacks %q:\n%s", tc.name, cmd, tc.note, errOut)
			}
			if cmd[0] == "dump" && tc.note != "" {
				// events + skipped = the first copy's records + what
				// the other adds.
				sum := regexp.MustCompile(`(\d+) events, \d+ records decoded in part, (\d+) skipped`).FindStringSubmatch(errOut)
				var ev, sk int
				if sum != nil {
					fmt.Sscan(sum[1], &ev)
					fmt.Sscan(sum[2], &sk)
				}
				if sum == nil || ev != n || ev+sk != 122+1 {
					t.Errorf("%s %q: summary %q with %d printed, want events + skipped = 123", tc.name, cmd, sum, n)
				}
			}
		}
	}
}

// analyze and query name a record of copies read as one by its
// EventRecordID and the copy that holds it, with its record number there:
// a shadow copy of a System log's first 250 records (EventRecordID
// 4801..5050, numbered so) and a filtered export of its last 100
// (5001..5100, renumbered 1..100), whose EventRecordID 5061..5063 (the
// export's records 61..63) are a year ahead. The merged log is named by
// the shadow copy (the copy with more records, read first). Before, the
// clock-jump warning, the input's last-written record and query's
// reference time said "EventRecordID 5100 (record 100 in the file)" and
// "from EventRecordID 5061 (record 61 in the file)" beside the shadow
// copy's path, which has no record 61 or 100, and the JSON records did
// not say which copy holds them.
func TestAnalyzeQueryMergedCopiesNameTheCopy(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-299*time.Hour), time.Hour, 300)
	for i, ev := range evs {
		if i >= 260 && i < 263 {
			ev.System.TimeCreated = ev.System.TimeCreated.Add(365 * 24 * time.Hour)
		}
		ev.RecordID = uint64(4801 + i)
		ev.System.EventRecordID = ev.RecordID
		ev.Written = ev.System.TimeCreated
	}
	var tail []*evtx.Event
	for _, ev := range evs[200:] {
		c := *ev
		tail = append(tail, &c)
	}
	dir := t.TempDir()
	s, e := filepath.Join(dir, "shadow", "System.evtx"), filepath.Join(dir, "export", "System.evtx")
	for path, list := range map[string][]*evtx.Event{s: evs[:250], e: evtxtest.Exported(tail)} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := evtxtest.WriteFile(path, list, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	jump := "clock jump in " + s + ": 3 records (from EventRecordID 5061 in " + e + " (record 61 in the file) on) have a TimeCreated later than that of the last-written record (EventRecordID 5100 in " + e + " (record 100 in the file), 2024-05-01T12:00:00.0000000Z), up to 2025-04-29T23:00:00.0000000Z (EventRecordID 5063 in " + e + " (record 63 in the file), 363 days later), though written before it: they are consecutive records (EventRecordIDs 5061 to 5063), and the records written after them are back at earlier times: as when the machine's clock ran ahead while they were written and was set back after them, unless their own times are wrong; \"now\" is the last-written record's time, not the largest time (give --at to choose another)"

	code, out, errOut := runCmd("analyze", "--format", "json", filepath.Dir(s), filepath.Dir(e))
	r, err := report.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("analyze json: exit %d, %v\n%s", code, err, errOut)
	}
	if len(r.Warnings) != 1 || r.Warnings[0] != jump {
		t.Errorf("analyze json: warnings\n%s\nwant\n%s", strings.Join(r.Warnings, "\n"), jump)
	}
	if len(r.ClockJumps) != 1 {
		t.Fatalf("analyze json: clock jumps %+v, want one", r.ClockJumps)
	}
	j := r.ClockJumps[0]
	if j.Log != s || j.First.File != e || j.First.EventRecordID != 5061 || j.First.RecordNumber != 61 || j.Newest.File != e || j.LastWritten.File != e || j.LastWritten.RecordNumber != 100 {
		t.Errorf("analyze json: clock jump %+v, want the records in %s", j, e)
	}
	if len(r.Inputs) != 1 || r.Inputs[0].LastWritten == nil || r.Inputs[0].LastWritten.File != e {
		t.Errorf("analyze json: inputs %+v, want one whose last-written record is in %s", r.Inputs, e)
	}

	code, out, errOut = runCmd("analyze", filepath.Dir(s), filepath.Dir(e))
	if want := "last written: EventRecordID 5100 in " + e + " (record 100 in the file) at 2024-05-01T12:00:00.0000000Z"; code != exitOK || !strings.Contains(out, want) {
		t.Errorf("analyze text: exit %d, want %q in\n%s%s", code, want, out, errOut)
	}

	code, out, errOut = runCmd("query", "-f", "xml", "-q", "*[System[TimeCreated[timediff(@SystemTime) <= 3600000]]]", s, e)
	for _, want := range []string{
		"reference time: 2024-05-01T12:00:00.0000000Z (the last-written record, EventRecordID 5100 in " + e + " (record 100 in the file)); use --at to change\n",
		"warning: " + jump + "\n",
	} {
		if code != 0 || !strings.Contains(errOut, want) {
			t.Errorf("query: exit %d, want %q in stderr\n%s", code, want, errOut)
		}
	}
	// The last hour's two and the three a year ahead (timediff negative).
	if n := strings.Count(out, "<Event "); n != 5 {
		t.Errorf("query: %d events, want 5 (EventRecordID 5061..5063, 5099, 5100)", n)
	}
}

// writeNameDamaged writes evs as a System log at path, every name
// structure spelling nm (UTF-16LE) given a wrong hash when damage is set:
// the records of the templates naming it are then decoded in part.
func writeNameDamaged(t *testing.T, path string, evs []*evtx.Event, nm string, damage bool) {
	t.Helper()
	b, err := evtxtest.Bytes(evs, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if damage {
		var name []byte
		for _, r := range nm {
			name = append(name, byte(r), byte(r>>8))
		}
		for i := 0; ; {
			j := strings.Index(string(b[i:]), string(name))
			if j < 0 {
				break
			}
			b[i+j-4] ^= 0x5a // the name structure's hash, before its length
			n++
			i += j + len(name)
		}
		if n == 0 {
			t.Fatalf("no %s to damage", nm)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// schannelDay is ten days of Service Control Manager 7036 records, one an
// hour, whose last day also holds 30 Schannel 36871 records (internal
// error state 10013: rdp-tls-disabled's evidence), each written at its
// TimeCreated, ending at at.
func schannelDay(at time.Time) []*evtx.Event {
	var evs []*evtx.Event
	scm := func(t time.Time) {
		ev := evtxtest.SCM7036(t, "Remote Desktop Services", "running", "TermService")
		ev.Written = t
		evs = append(evs, ev)
	}
	for i := 0; i < 240; i++ {
		scm(at.Add(-10*24*time.Hour + time.Duration(i)*time.Hour))
	}
	for i := 0; i < 30; i++ {
		t := at.Add(-20*time.Hour + time.Duration(i)*30*time.Minute)
		ev := evtxtest.Schannel36871(t, 10013)
		ev.Written = t
		evs = append(evs, ev)
	}
	scm(at)
	return evs
}

type copiesReport struct {
	Inputs []struct {
		Path     string   `json:"path"`
		Channel  string   `json:"channel"`
		Records  int      `json:"records"`
		Partial  int      `json:"partial_records"`
		Problems []string `json:"problems"`
	} `json:"inputs"`
	Findings []struct {
		RuleID        string   `json:"rule_id"`
		Verdict       string   `json:"verdict"`
		Reasons       []string `json:"reasons"`
		Caveats       []string `json:"caveats"`
		EvidenceCount int      `json:"evidence_count"`
	} `json:"findings"`
}

func analyzeCopies(t *testing.T, paths ...string) copiesReport {
	t.Helper()
	code, out, errOut := runCmd(append([]string{"analyze", "-f", "json"}, paths...)...)
	if code != exitOK && code != exitDetected {
		t.Fatalf("analyze %q: exit %d: %s", paths, code, errOut)
	}
	var r copiesReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAnalyzeIntactCopyAfterDamagedOne: a System log and a copy of it
// whose name ErrorState has a wrong hash (its 30 Schannel 36871 records
// decoded in part), the damaged copy found first (a byte copy holds as
// many records, so it may be read first). Read as one, the log is what
// the intact copy alone is: its Schannel records are the evidence, and
// nothing is said decoded in part. The merged log yielded the 30 records
// twice, intact and in part, and analyze said 'System.evtx: 30 records
// decoded in part; events in the unreadable parts are not seen', naming
// the damaged copy's path for a log every record of which was read.
func TestAnalyzeIntactCopyAfterDamagedOne(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	damaged, intact := filepath.Join(dir, "a", "System.evtx"), filepath.Join(dir, "b", "System.evtx")
	writeNameDamaged(t, damaged, schannelDay(at), "ErrorState", true)
	writeNameDamaged(t, intact, schannelDay(at), "ErrorState", false)
	if r := analyzeCopies(t, damaged); len(r.Inputs) != 1 || r.Inputs[0].Partial != 30 {
		t.Fatalf("the damaged copy alone: %+v", r.Inputs)
	}
	want := analyzeCopies(t, intact)
	got := analyzeCopies(t, damaged, intact)
	if len(got.Inputs) != 1 || got.Inputs[0].Path != damaged || got.Inputs[0].Partial != 0 || got.Inputs[0].Records != want.Inputs[0].Records {
		t.Errorf("inputs %+v; want the damaged copy read first, the intact copy's %d records, none decoded in part", got.Inputs, want.Inputs[0].Records)
	}
	if len(got.Findings) != len(want.Findings) {
		t.Fatalf("%d findings, want %d", len(got.Findings), len(want.Findings))
	}
	for i, f := range got.Findings {
		w := want.Findings[i]
		if f.RuleID != w.RuleID || f.Verdict != w.Verdict || f.EvidenceCount != w.EvidenceCount || !slices.Equal(f.Reasons, w.Reasons) {
			t.Errorf("%s: %s, %d evidence, reasons %q; the intact copy alone: %s, %d, %q", f.RuleID, f.Verdict, f.EvidenceCount, f.Reasons, w.Verdict, w.EvidenceCount, w.Reasons)
		}
		for _, c := range f.Caveats {
			if strings.Contains(c, "decoded in part") {
				t.Errorf("%s: caveat %q", f.RuleID, c)
			}
		}
	}
	if f := want.Findings; len(f) == 0 {
		t.Fatal("no findings")
	}
}

// TestCopyDamageNamesTheCopyHoldingIt: a System log and an older copy of
// it (records 1000 to 1199 of the log's 1000 to 1299, its chunks laid out
// otherwise) whose name EventSourceName has a wrong hash, so its Service
// Control Manager records are decoded in part. Read as one, those the
// newer copy holds intact are its records; the others, older, are the
// damage, and it lies in the older copy: the caveats name it, with its
// count (the same in each rule's caveat, and in the report's input), and
// never the newer copy, by whose path the log is named. They named the
// newer copy's path for the older copy's damage.
func TestCopyDamageNamesTheCopyHoldingIt(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var all []*evtx.Event
	for i := 0; i < 300; i++ {
		ts := at.Add(time.Duration(i-299) * 4 * time.Minute)
		ev := evtxtest.SCM7036(ts, "Remote Desktop Services", "running", "TermService")
		if i%3 == 0 {
			ev = evtxtest.Schannel36871(ts, 10013)
		}
		ev.RecordID, ev.Written = uint64(1000+i), ts
		all = append(all, ev)
	}
	newer, older := filepath.Join(dir, "new", "System.evtx"), filepath.Join(dir, "old", "System.evtx")
	writeNameDamaged(t, newer, all[100:], "EventSourceName", false)
	writeNameDamaged(t, older, all[:200], "EventSourceName", true)
	alone := analyzeCopies(t, older)
	if len(alone.Inputs) != 1 || alone.Inputs[0].Partial < 100 { // 2 in 3 of its 200
		t.Fatalf("the older copy alone: %+v", alone.Inputs)
	}
	got := analyzeCopies(t, newer, older)
	if len(got.Inputs) != 1 || got.Inputs[0].Path != newer {
		t.Fatalf("inputs %+v; want one log named by the newer copy", got.Inputs)
	}
	n := got.Inputs[0].Partial
	if n < 67 || n >= alone.Inputs[0].Partial {
		t.Fatalf("%d records decoded in part; want those of the older copy's records the newer does not hold, the 67 SCM records of its first 100 (of its %d)", n, alone.Inputs[0].Partial)
	}
	want := fmt.Sprintf("%s: %d records decoded in part; events in the unreadable parts are not seen", older, n)
	caveats := 0
	for _, f := range got.Findings {
		for _, c := range f.Caveats {
			if strings.Contains(c, "decoded in part") {
				caveats++
				if c != want {
					t.Errorf("%s: caveat %q, want %q", f.RuleID, c, want)
				}
			}
		}
	}
	if caveats == 0 {
		t.Errorf("no caveat names the records decoded in part")
	}
	// The report's input says which copy holds them.
	if p := fmt.Sprintf("in the copy %s: %d records decoded in part", older, n); !slices.Contains(got.Inputs[0].Problems, p) {
		t.Errorf("input problems %q lack %q", got.Inputs[0].Problems, p)
	}
	for _, p := range got.Inputs[0].Problems {
		if strings.Contains(p, newer) {
			t.Errorf("input problem %q names the newer copy, which holds no damage", p)
		}
	}
}

// TestDumpQueryAnalyzeUseTheVerifiedCopy: two copies of an RCM Operational
// log (evtxtest.ConflictLog), the one read first (a/, as many records as
// b/) with a byte of record 15's address changed ("203.0.113.77" to
// "203.0.113.78"), its chunk's records checksum now wrong. dump and query
// printed record 15 twice, the damaged copy's first, and analyze's
// evidence held the damaged address (the scan kept the copy read first).
// Now evtx.Merge decides, and all three use the copy whose chunk checksums
// verify: record 15 once, with the intact address, and the problem at the
// damaged copy names the intact one.
func TestDumpQueryAnalyzeUseTheVerifiedCopy(t *testing.T) {
	b, at, err := evtxtest.ConflictLog()
	if err != nil {
		t.Fatal(err)
	}
	d := bytes.Clone(b)
	d[at+2*11] = '8'
	dir := t.TempDir()
	const name = "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"
	damaged, intact := filepath.Join(dir, "a", name), filepath.Join(dir, "b", name)
	writeLog(t, damaged, d)
	writeLog(t, intact, b)
	problem := "record 15: offset 0x12000: copies of a record differ: "
	_, out, errOut := runCmd("dump", "-f", "xml", damaged, intact)
	if n := strings.Count(out, "<EventRecordID>15</EventRecordID>"); n != 1 || !strings.Contains(out, "<Param3>203.0.113.77</Param3>") || strings.Contains(out, "203.0.113.78") {
		t.Errorf("dump: record 15 printed %d times, the intact address %v, the damaged %v; want once, the intact copy's",
			n, strings.Contains(out, "203.0.113.77"), strings.Contains(out, "203.0.113.78"))
	}
	if !strings.Contains(errOut, damaged+": chunk 1: "+problem) || !strings.Contains(errOut, "is in "+intact+" too, as record 15 at offset 0x12000") ||
		!strings.Contains(errOut, "1 record whose copies differ: see the problems") {
		t.Errorf("dump: stderr lacks the problem naming both copies, or the count:\n%s", errOut)
	}
	// The damaged copy's chunk 1 (records 11 to 20) was held for the
	// decision and printed after every other record (1..10, 21..30, then
	// 15 from the intact copy and 11..20 less 15); it is printed in its
	// place, record 15 from the intact copy there too.
	_, out, _ = runCmd("dump", "-f", "jsonl", damaged, intact)
	var order []string
	for _, m := range regexp.MustCompile(`"event_record_id":(\d+),`).FindAllStringSubmatch(out, -1) {
		order = append(order, m[1])
	}
	want := make([]string, 30)
	for i := range want {
		want[i] = strconv.Itoa(i + 1)
	}
	if !slices.Equal(order, want) {
		t.Errorf("dump: EventRecordIDs printed in the order %v, want %v", order, want)
	}
	_, out, _ = runCmd("query", "-f", "xml", "-q", "*[System[EventRecordID=15]]", damaged, intact)
	if n := strings.Count(out, "<EventRecordID>15</EventRecordID>"); n != 1 || strings.Contains(out, "203.0.113.78") {
		t.Errorf("query: record 15 printed %d times, the damaged address %v; want once, the intact copy's:\n%s", n, strings.Contains(out, "203.0.113.78"), out)
	}
	_, out, _ = runCmd("analyze", "-f", "json", damaged, intact)
	if !strings.Contains(out, "Param3=203.0.113.77") || strings.Contains(out, "203.0.113.78") {
		t.Errorf("analyze: the intact address in the report %v, the damaged %v; want the intact copy's only",
			strings.Contains(out, "Param3=203.0.113.77"), strings.Contains(out, "203.0.113.78"))
	}
	if !strings.Contains(out, `"conflicting_records": 1`) {
		t.Errorf("analyze: the JSON input does not count the record whose copies differ")
	}
	// The changed copy with its chunk's checksums made right: nothing
	// tells the copies apart; dump prints both, the one read later
	// flagged with the other's place, and analyze counts the one read
	// first.
	evtxtest.SetChunkChecksums(d[4096+65536 : 4096+2*65536])
	vouched := filepath.Join(dir, "a2", name)
	writeLog(t, vouched, d)
	_, out, errOut = runCmd("dump", vouched, intact)
	var got []string
	for _, line := range lines(out) {
		if strings.Contains(line, `"event_record_id":15,`) {
			got = append(got, line)
		}
	}
	flag := `,"conflict_of":{"file":` + strconv.Quote(vouched) + `,"offset":73728}`
	if len(got) != 2 || !strings.Contains(got[0], "203.0.113.78") || strings.Contains(got[0], "conflict_of") ||
		!strings.Contains(got[1], "203.0.113.77") || !strings.Contains(got[1], flag) {
		t.Errorf("dump of copies whose checksums both verify: record 15 printed as %q; want the first copy's, then the other's flagged %s", got, flag)
	}
	if !strings.Contains(errOut, "both are yielded, since the chunk checksums of both copies verify") {
		t.Errorf("dump of copies whose checksums both verify: stderr lacks why both are printed:\n%s", errOut)
	}
	if _, out, _ = runCmd("analyze", "-f", "json", vouched, intact); !strings.Contains(out, "Param3=203.0.113.78") || strings.Contains(out, "Param3=203.0.113.77") {
		t.Errorf("analyze of copies whose checksums both verify: want the evidence of the copy read first only")
	}
}
