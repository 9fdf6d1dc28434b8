package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/report"
)

// TestDumpNamesLostRecords: dump names the records a log lacks between
// chunks that hold records, with the file, chunk and offset of the
// records either side. A dirty log whose file header counts fewer chunks
// than it holds, with chunks zeroed between (the public sample
// 2-vss_7-System.evtx: records 1156 to 1417 missing), printed "0
// problems" and said nothing of them; analyze then called the log
// covering its window. query says so on stderr too. An intact log names
// none.
func TestDumpNamesLostRecords(t *testing.T) {
	intact, lost := writeLost(t, fiftyRecordLog(t, evtxtest.Options{Dirty: true, UndercountChunks: 4}),
		4096+2*65536, 4096+4*65536) // chunks 2 and 3: records 21..40
	code, _, errOut := runCmd("dump", "-f", "none", lost)
	want := "lost: records 21 to 40 (20) are not in the file (chunks zeroed or overwritten): record 20 (" + lost + ": chunk 1: offset 0x"
	if code != exitOK || !strings.Contains(errOut, want) || !strings.Contains(errOut, "is followed by record 41 ("+lost+": chunk 4: offset 0x41200, 2024-05-01T00:40:00.0000000Z)") {
		t.Errorf("dump of a log missing records 21..40: exit %d, stderr lacks %q:\n%s", code, want, errOut)
	}
	if code, _, errOut := runCmd("dump", "-f", "none", intact); code != exitOK || strings.Contains(errOut, "lost:") {
		t.Errorf("dump of the intact log: exit %d, stderr:\n%s", code, errOut)
	}
	// query says it too: no query can match what the lost records held.
	code, out, errOut := runCmd("query", "-f", "xml", lost)
	if want := "evtxrdp query: " + lost + ": records 21 to 40 (20) are not in the file"; code != exitOK || strings.Count(out, "<Event ") != 30 || !strings.Contains(errOut, want) {
		t.Errorf("query of a log missing records 21..40: exit %d, %d events, stderr lacks %q:\n%s", code, strings.Count(out, "<Event "), want, errOut)
	}
	if _, _, errOut := runCmd("query", intact); strings.Contains(errOut, "not in the file") {
		t.Errorf("query of the intact log: stderr:\n%s", errOut)
	}
}

// TestDumpAndQueryNameNewestLost: a log whose last chunk is zero while its
// file header counts the records it held (next record id 51 past record
// 40, the newest the file holds) lost its newest records: dump named no
// run and query said nothing, as of an intact log; both name them now,
// after record 40, with the header's count.
func TestDumpAndQueryNameNewestLost(t *testing.T) {
	_, lost := writeLost(t, fiftyRecordLog(t, evtxtest.Options{}), 4096+4*65536, 4096+5*65536) // chunk 4: records 41..50
	want := "records 41 to 50 (10) are not in the file (chunks zeroed, overwritten or cut off): the newest records, after record 40 (" + lost + ": chunk 3: offset 0x"
	if code, _, errOut := runCmd("dump", "-f", "none", lost); code != exitOK || !strings.Contains(errOut, "lost: "+want) || !strings.Contains(errOut, "next record id is 51") {
		t.Errorf("dump: exit %d, stderr lacks %q:\n%s", code, want, errOut)
	}
	if code, out, errOut := runCmd("query", "-f", "xml", lost); code != exitOK || strings.Count(out, "<Event ") != 40 || !strings.Contains(errOut, want) {
		t.Errorf("query: exit %d, %d events, stderr lacks %q:\n%s", code, strings.Count(out, "<Event "), want, errOut)
	}
}

// TestDumpNamesLostRecordsOfCopies: dump of a log and a shadow copy of it
// that lack the same chunks (read as one) names the run no copy holds, as
// not in any of the copies; with an intact copy beside, none.
func TestDumpNamesLostRecordsOfCopies(t *testing.T) {
	b := fiftyRecordLog(t, evtxtest.Options{})
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name, "System.evtx")
		writeLog(t, p, b)
		return p
	}
	intact := write("intact", b)
	lost := slices.Clone(b)
	clear(lost[4096+2*65536 : 4096+3*65536]) // chunk 2: records 21..30
	a := write("a", lost)
	// The shadow copy differs from it in one record's header time, so
	// that it is a copy, not the same file.
	lost[4096+512+16] ^= 1
	s := write("shadow", lost)
	_, _, errOut := runCmd("dump", "-f", "none", a, s)
	if want := "lost: records 21 to 30 (10) are not in any of the copies (chunks zeroed or overwritten)"; !strings.Contains(errOut, want) {
		t.Errorf("dump of two copies lacking records 21..30: stderr lacks %q:\n%s", want, errOut)
	}
	if _, _, errOut := runCmd("dump", "-f", "none", a, intact); strings.Contains(errOut, "lost:") {
		t.Errorf("dump of a copy lacking records 21..30 and an intact copy: stderr:\n%s", errOut)
	}
}

// TestDumpRecoverNamesLostRecordsPrinted: dump --recover of
// 2-vss_7-System.evtx prints 25 old records from chunk slack numbered
// 1289 to 1313, inside the run 1156 to 1417 that no current record holds;
// the lost line says so, and without --recover it does not. They are in
// the file, so they are not counted lost: 237 of the run's 262 numbers
// are (the line said "records 1156 to 1417 (262) are not in the file").
func TestDumpRecoverNamesLostRecordsPrinted(t *testing.T) {
	p := "../../testdata/evtx/omerbenamram__evtx__samples__2-vss_7-System.evtx"
	lost := "lost: 237 of records 1156 to 1417 are not in the file"
	old := "; the other 25 are in the file, as old records (chunk slack: --recover reads them)"
	_, _, errOut := runCmd("dump", "-f", "none", "--recover", p)
	if want := old + "; 25 of those old records were printed, recovered from chunk slack (--recover)"; !strings.Contains(errOut, lost) || !strings.Contains(errOut, want) {
		t.Errorf("dump --recover: stderr lacks %q:\n%s", want, errOut)
	}
	if _, _, errOut := runCmd("dump", "-f", "none", p); !strings.Contains(errOut, lost) || !strings.Contains(errOut, old) || strings.Contains(errOut, "were printed") {
		t.Errorf("dump: stderr:\n%s", errOut)
	}
}

// TestAnalyzeReferenceOfNewestLost: of a System log whose last chunk is
// zero while its file header counts the records it held, the report's
// reference line said "(the last-written record, EventRecordID 40 in
// ...)", though records 41 to 50 were written after it; it now says that
// record 40 is the newest the file holds and not the last written, and
// the JSON says so (reference_newest_lost). The intact log's does not.
func TestAnalyzeReferenceOfNewestLost(t *testing.T) {
	intact, lost := writeLost(t, fiftyRecordLog(t, evtxtest.Options{}), 4096+4*65536, 4096+5*65536) // chunk 4: records 41..50
	want := "(EventRecordID 40 in " + lost + ", the newest record the file holds; the records written after it are lost, so it is not the last-written record)"
	if _, out, _ := runCmd("analyze", "--timeline", "0", lost); !strings.Contains(out, want) {
		t.Errorf("analyze of the log missing records 41..50: no %q in\n%s", want, out)
	}
	if _, out, _ := runCmd("analyze", "-f", "json", "--timeline", "0", lost); !strings.Contains(out, `"reference_newest_lost": true`) {
		t.Errorf("analyze -f json of the log missing records 41..50: no reference_newest_lost")
	}
	_, out, _ := runCmd("analyze", "--timeline", "0", intact)
	if !strings.Contains(out, "(the last-written record, EventRecordID 50 in "+intact+")") || strings.Contains(out, "newest record the file holds") {
		t.Errorf("analyze of the intact log:\n%s", out)
	}
	if _, out, _ := runCmd("analyze", "-f", "json", "--timeline", "0", intact); strings.Contains(out, "reference_newest_lost") {
		t.Errorf("analyze -f json of the intact log says reference_newest_lost")
	}
}

// writeLost writes b, a System log, as intact/System.evtx and, with its
// bytes b[from:to] zeroed (in b too), as lost/System.evtx, in a new
// temporary folder, and returns the two paths.
func writeLost(t *testing.T, b []byte, from, to int) (intact, lost string) {
	t.Helper()
	dir := t.TempDir()
	intact = filepath.Join(dir, "intact", "System.evtx")
	lost = filepath.Join(dir, "lost", "System.evtx")
	writeLog(t, intact, b)
	clear(b[from:to])
	writeLog(t, lost, b)
	return intact, lost
}

// writeLog writes b to the file path, creating its folder.
func writeLog(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fiftyRecordLog returns evtxtest.MinuteLog's System log of 50 EventLog
// 6013 records, a minute apart from 2024-05-01T00:00:00Z, 10 to a chunk
// (records 41..50 in chunk 4, at 4096+4*65536), written with o.
func fiftyRecordLog(t *testing.T, o evtxtest.Options) []byte {
	t.Helper()
	b, err := evtxtest.MinuteLog(50, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exportedFiftyRecordLog returns a log as fiftyRecordLog lays it out (10
// records to a chunk, a minute apart from evtxtest.MinuteLogStart) but
// exported (evtxtest.Exported): record k of the file holds EventRecordID
// 1000+3k, as a filtered export of every third record of a log holds them.
func exportedFiftyRecordLog(t *testing.T) []byte {
	t.Helper()
	evs := make([]*evtx.Event, 0, 50)
	for i := range 50 {
		ev := evtxtest.EventLog(evtxtest.MinuteLogStart.Add(time.Duration(i)*time.Minute), 6013)
		ev.System.EventRecordID = uint64(1000 + 3*(i+1))
		evs = append(evs, ev)
	}
	b, err := evtxtest.Bytes(evtxtest.Exported(evs), evtxtest.Options{MaxRecordsPerChunk: 10})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLostRecordsOfExportNameEventRecordIDs: an export renumbers its
// records from 1, so "record 20 is followed by record 31" names numbers
// Event Viewer never shows. dump, query and analyze named the records
// either side of a run lost from an export by the file's numbers alone;
// they name their EventRecordIDs too (1060 and 1093 here). A log that
// was not renumbered keeps the plain form (TestDumpNamesLostRecords).
func TestLostRecordsOfExportNameEventRecordIDs(t *testing.T) {
	_, lost := writeLost(t, exportedFiftyRecordLog(t), 4096+2*65536, 4096+3*65536) // chunk 2: records 21..30
	_, _, errOut := runCmd("dump", "-f", "none", lost)
	for _, want := range []string{
		"lost: records 21 to 30 (10) are not in the file (chunks zeroed or overwritten): record 20 (EventRecordID 1060; " + lost + ": chunk 1: offset 0x",
		"is followed by record 31 (EventRecordID 1093; " + lost + ": chunk 3: offset 0x31200, ",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("dump of an export missing records 21..30: stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, _, errOut := runCmd("query", "-f", "xml", lost); !strings.Contains(errOut, "record 20 (EventRecordID 1060; ") {
		t.Errorf("query of the export: stderr does not name EventRecordID 1060:\n%s", errOut)
	}
	_, out, _ := runCmd("analyze", "-f", "json", "--timeline", "0", lost)
	if want := "records 21 to 30 (10) missing between record 20 (EventRecordID 1060, 2024-05-01T00:19:00.0000000Z) and record 31 (EventRecordID 1093, 2024-05-01T00:30:00.0000000Z)"; !strings.Contains(out, want) {
		t.Errorf("analyze -f json of the export: no %q in\n%s", want, out)
	}
	// The export's newest records lost: the record before them by its
	// EventRecordID too.
	_, lostNewest := writeLost(t, exportedFiftyRecordLog(t), 4096+4*65536, 4096+5*65536) // chunk 4: records 41..50
	if _, _, errOut := runCmd("dump", "-f", "none", lostNewest); !strings.Contains(errOut, "after record 40 (EventRecordID 1120; ") {
		t.Errorf("dump of an export missing records 41..50: stderr does not name EventRecordID 1120:\n%s", errOut)
	}
	if _, out, _ := runCmd("analyze", "-f", "json", "--timeline", "0", lostNewest); !strings.Contains(out, "missing after record 40 (EventRecordID 1120, 2024-05-01T00:39:00.0000000Z)") {
		t.Errorf("analyze -f json of an export missing records 41..50: no EventRecordID 1120 in its lost runs\n%s", out)
	}
}

// TestAnalyzeLostWordsFitTheCause: analyze's inputs and caveats say why
// records are missing as dump and query do. A copy cut short inside its
// chunks lost the records past its end, which are neither zeroed nor
// overwritten, and the newest records lost lie after the newest the
// file holds, not between its records: the inputs said "N records
// missing between its records (chunks zeroed or overwritten)" of both.
// Records lost between chunks of a whole file are still "between its
// records (chunks zeroed or overwritten)".
func TestAnalyzeLostWordsFitTheCause(t *testing.T) {
	b := fiftyRecordLog(t, evtxtest.Options{})
	dir := t.TempDir()
	cut := filepath.Join(dir, "cut", "System.evtx")
	writeLog(t, cut, b[:4096+3*65536+1000])                                // inside chunk 3: records 31..50 gone
	_, zeroed := writeLost(t, slices.Clone(b), 4096+4*65536, 4096+5*65536) // chunk 4: the newest, 41..50
	_, middle := writeLost(t, slices.Clone(b), 4096+2*65536, 4096+3*65536) // chunk 2: 21..30, between
	for _, c := range []struct {
		path, want, wrong string
	}{
		{cut, "20 records missing (chunks zeroed, overwritten or cut off): records 31 to 50 (20) missing after record 30", "between its records"},
		{zeroed, "10 records missing (chunks zeroed, overwritten or cut off): records 41 to 50 (10) missing after record 40", "between its records"},
		{middle, "10 records missing between its records (chunks zeroed or overwritten): records 21 to 30 (10)", "cut off"},
	} {
		code, out, errOut := runCmd("analyze", "-f", "json", "--at", "2024-05-01T01:00:00Z", c.path)
		if code == exitFailure || code == exitUsage {
			t.Fatalf("analyze %s: exit %d\n%s", c.path, code, errOut)
		}
		r, err := report.ReadJSON(strings.NewReader(out))
		if err != nil {
			t.Fatalf("analyze %s: %v", c.path, err)
		}
		var problems, caveats []string
		for _, in := range r.Inputs {
			problems = append(problems, in.Problems...)
		}
		for _, f := range r.Findings {
			caveats = append(caveats, f.Caveats...)
		}
		got := strings.Join(problems, "\n")
		if !strings.Contains(got, c.want) || strings.Contains(got, c.wrong) {
			t.Errorf("analyze %s: inputs' problems lack %q or say %q:\n%s", c.path, c.want, c.wrong, got)
		}
		if c.path != middle && strings.Contains(strings.Join(caveats, "\n"), "missing between its records") {
			t.Errorf("analyze %s: a caveat puts the newest records lost between its records:\n%s", c.path, strings.Join(caveats, "\n"))
		}
	}
}

// TestDumpSummaryNamesNewestHeld: where a log's newest records are lost
// (its last chunk zeroed, or the copy cut short), dump's summary names
// the record it ends at as the newest the file holds, as analyze's
// inputs do ("newest held"), not as the last written: it called record
// 40 the "last written record" while its "lost:" line said records 41
// to 50 were written after it. A whole log's summary still names its
// last-written record.
func TestDumpSummaryNamesNewestHeld(t *testing.T) {
	b := fiftyRecordLog(t, evtxtest.Options{})
	intact, zeroed := writeLost(t, slices.Clone(b), 4096+4*65536, 4096+5*65536) // chunk 4: records 41..50
	cut := filepath.Join(t.TempDir(), "System.evtx")
	writeLog(t, cut, b[:4096+4*65536+700]) // inside chunk 4
	for _, p := range []string{zeroed, cut} {
		code, _, errOut := runCmd("dump", "-f", "none", p)
		want := "; newest record the file holds: EventRecordID 40 at 2024-05-01T00:39:00.0000000Z (the records written after it are lost)\n"
		if code != exitOK || !strings.Contains(errOut, want) || strings.Contains(errOut, "last written record") {
			t.Errorf("dump %s: exit %d, stderr lacks %q or names a last written record:\n%s", p, code, want, errOut)
		}
	}
	code, _, errOut := runCmd("dump", "-f", "none", intact)
	if want := "; last written record: EventRecordID 50 at 2024-05-01T00:49:00.0000000Z\n"; code != exitOK || !strings.Contains(errOut, want) {
		t.Errorf("dump %s: exit %d, stderr lacks %q:\n%s", intact, code, want, errOut)
	}
}

// TestQueryReferenceNotLastWrittenWhereNewestLost: query's "reference
// time" line, and query's and dump's per-machine lines, call the record
// "now" comes from the last-written record only when it is: of a copy
// whose newest records are lost (its last chunk zeroed, or cut short)
// they said "(the last-written record, EventRecordID 40 in ...)" while
// their "lost:" lines named records 41 to 50 written after it. A whole
// log's record is still the last-written one.
func TestQueryReferenceNotLastWrittenWhereNewestLost(t *testing.T) {
	b := fiftyRecordLog(t, evtxtest.Options{})
	intact, zeroed := writeLost(t, slices.Clone(b), 4096+4*65536, 4096+5*65536) // chunk 4: records 41..50
	const q = "*[System[TimeCreated[timediff(@SystemTime) <= 3600000]]]"
	not := "; the records written after the newest the file holds are lost, so it is not the last-written record)"
	_, _, errOut := runCmd("query", "-f", "xml", "-q", q, zeroed)
	if want := "reference time: 2024-05-01T00:39:00.0000000Z (EventRecordID 40 in " + zeroed + not + "; use --at to change\n"; !strings.Contains(errOut, want) {
		t.Errorf("query %s: stderr lacks %q:\n%s", zeroed, want, errOut)
	}
	_, _, errOut = runCmd("query", "-f", "xml", "-q", q, intact)
	if want := "reference time: 2024-05-01T00:49:00.0000000Z (the last-written record, EventRecordID 50 in " + intact + "); use --at to change\n"; !strings.Contains(errOut, want) {
		t.Errorf("query %s: stderr lacks %q:\n%s", intact, want, errOut)
	}
	// Beside another machine's log: each machine's line.
	other := filepath.Join(cases, "two-computers", "vm1", "System.evtx")
	for _, args := range [][]string{{"query", "-f", "xml", "-q", q}, {"dump", "-f", "none", "--since", "1h"}} {
		_, _, errOut := runCmd(append(args, zeroed, other)...)
		if want := ": 2024-05-01T00:39:00.0000000Z (EventRecordID 40 in " + zeroed + not + "\n"; !strings.Contains(errOut, want) || !strings.Contains(errOut, "(the last-written record, EventRecordID 123 in "+other+")\n") {
			t.Errorf("%q: stderr lacks %q, or the other machine's last-written record:\n%s", args, want, errOut)
		}
	}
}
