package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/report"
)

// Variants of the kinds of fault of the shared cases (cases/CASES.md),
// other than the cases themselves: other machines, zips, chunk sizes,
// exports and window edges. Each would fail if its kind came back.

var variantT0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// variantSystem is three days of hourly SCM 7036 noise ending an hour
// before end (the last at end-1h), on computer, with extra events merged
// in by TimeCreated.
func variantSystem(end time.Time, computer string, extra ...*evtx.Event) []*evtx.Event {
	evs := evtxtest.Noise(end.Add(-72*time.Hour), time.Hour, 72)
	for _, x := range extra {
		i := len(evs)
		for j, e := range evs {
			if e.System.TimeCreated.After(x.System.TimeCreated) {
				i = j
				break
			}
		}
		evs = append(evs[:i], append([]*evtx.Event{x}, evs[i:]...)...)
	}
	for _, e := range evs {
		e.System.Computer = computer
	}
	return evs
}

func variantBytes(t *testing.T, evs []*evtx.Event, o evtxtest.Options) []byte {
	t.Helper()
	b, err := evtxtest.Bytes(evs, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func variantZip(t *testing.T, path string, members map[string][]byte) {
	t.Helper()
	if err := evtxtest.WriteZip(path, members); err != nil {
		t.Fatal(err)
	}
}

// Three machines (two-computers kind) in one zip, each logging three days
// after the one before: each machine is judged from its own last-written
// record; only vm2 has a 36871 in its last day.
func TestVariantThreeMachinesInZip(t *testing.T) {
	members := map[string][]byte{}
	names := []string{"vm1.contoso.com", "vm2.contoso.com", "vm3.contoso.com"}
	for i, name := range names {
		end := variantT0.Add(time.Duration(i) * 72 * time.Hour)
		var extra []*evtx.Event
		if i == 1 {
			extra = append(extra, evtxtest.Schannel36871(end.Add(-2*time.Hour), 10013))
		}
		members[name[:3]+"/System.evtx"] = variantBytes(t, variantSystem(end, name, extra...), evtxtest.Options{})
	}
	zp := filepath.Join(t.TempDir(), "logs.zip")
	variantZip(t, zp, members)
	_, out, errOut := runCmd("analyze", "--format", "json", zp)
	var fl report.Fleet
	if err := json.Unmarshal([]byte(out), &fl); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if len(fl.Reports) != 3 {
		t.Fatalf("%d reports, want 3", len(fl.Reports))
	}
	refs := map[string]bool{}
	for _, r := range fl.Reports {
		want := "not_detected"
		if r.Machine.Name == "vm2.contoso.com" {
			want = "detected"
		}
		if v, _ := verdict(r, "rdp-tls-disabled"); v != want {
			t.Errorf("%s: %s, want %s", r.Machine.Name, v, want)
		}
		refs[r.ReferenceTime] = true
	}
	if len(refs) != 3 {
		t.Errorf("reference times %v, want one per machine", refs)
	}
}

// One log (vss kind) in three folders, one of them a Windows volume's log
// folder, and as two members of a zip: its two 36871 count once.
func TestVariantCopiesInFoldersAndZip(t *testing.T) {
	b := variantBytes(t, variantSystem(variantT0, "vm1.contoso.com",
		evtxtest.Schannel36871(variantT0.Add(-3*time.Hour), 10013), evtxtest.Schannel36871(variantT0.Add(-2*time.Hour+time.Minute), 10013)),
		evtxtest.Options{MaxRecordsPerChunk: 7})
	dir := t.TempDir()
	for _, d := range []string{"a", "b/Windows/System32/winevt/Logs", "c"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, d, "System.evtx"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	variantZip(t, filepath.Join(dir, "c", "backup.zip"), map[string][]byte{"System.evtx": b, "shadow/System.evtx": b})
	code, out, errOut := runCmd("analyze", "--format", "json", dir)
	r, err := report.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("exit %d, %v\n%s", code, err, errOut)
	}
	if v, n := verdict(r, "rdp-tls-disabled"); v != "detected" || n != 2 {
		t.Errorf("%s with %d events, want detected with 2", v, n)
	}
}

// A filtered export (exported-filtered kind) over chunks of five records
// whose every record header time is 0: "now" is the newest event's
// TimeCreated, and its two 36871 are in the window.
func TestVariantExportAllZeroHeaders(t *testing.T) {
	evs := variantSystem(variantT0, evtxtest.DefaultComputer,
		evtxtest.Schannel36871(variantT0.Add(-50*time.Minute), 10013), evtxtest.Schannel36871(variantT0.Add(-10*time.Minute), 10013))
	var kept []*evtx.Event
	for i, e := range evs {
		e.System.EventRecordID = uint64(9000 + i)
		if i%3 == 0 || e.System.EventID == 36871 {
			kept = append(kept, e)
		}
	}
	kept = evtxtest.Exported(kept)
	for _, e := range kept {
		e.Written = evtxtest.NoTime
	}
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), kept, evtxtest.Options{MaxRecordsPerChunk: 5}); err != nil {
		t.Fatal(err)
	}
	_, out, errOut := runCmd("analyze", "--format", "json", dir)
	r, err := report.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if v, n := verdict(r, "rdp-tls-disabled"); v != "detected" || n != 2 {
		t.Errorf("%s with %d events, want detected with 2", v, n)
	}
	if want := evtx.FormatTime(variantT0.Add(-10 * time.Minute)); r.ReferenceTime != want {
		t.Errorf("reference time %s, want %s (the newest event)", r.ReferenceTime, want)
	}
	if strings.Contains(out, "1601-01-01") {
		t.Errorf("a 1601 time in the report")
	}
}

// timediff at the window's edge (header-lags kind): a 36871 exactly 24
// hours before the last-written record, its header time two days older,
// matches timediff(@SystemTime) <= 86400000; one a millisecond older,
// its header time two days newer (inside the window), does not; with
// and without skipping.
func TestVariantTimediffEdge(t *testing.T) {
	last := variantT0.Add(-time.Hour)
	in := evtxtest.Schannel36871(last.Add(-24*time.Hour), 10013)
	in.Written = in.System.TimeCreated.Add(-48 * time.Hour)
	out := evtxtest.Schannel36871(last.Add(-24*time.Hour-time.Millisecond), 10013)
	out.Written = out.System.TimeCreated.Add(48 * time.Hour)
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := evtxtest.WriteFile(p, variantSystem(variantT0, evtxtest.DefaultComputer, in, out), evtxtest.Options{MaxRecordsPerChunk: 6}); err != nil {
		t.Fatal(err)
	}
	q := "Event[System[Provider[@Name='Schannel'] and EventID=36871 and TimeCreated[timediff(@SystemTime) <= 86400000]]]"
	for _, extra := range [][]string{nil, {"--no-skip"}} {
		code, got, errOut := runCmd(append([]string{"query", "-f", "xml", p, "-q", q}, extra...)...)
		if code != exitOK || strings.Count(got, "\n") != 1 || !strings.Contains(got, "SystemTime='"+evtx.FormatTime(in.System.TimeCreated)) {
			t.Errorf("%v: exit %d, %s\n%s", extra, code, got, errOut)
		}
	}
}

// A provider name in another letter case in the log itself
// (provider-case kind): Windows compares provider names without case, so
// the built-in rules' 'Schannel' and RemoteConnectionManager match it.
func TestVariantProviderCaseInLog(t *testing.T) {
	tls := evtxtest.Schannel36871(variantT0.Add(-2*time.Hour), 10013)
	tls.System.Provider.Name = "SChannel"
	cert := evtxtest.RCM1058(variantT0.Add(-3*time.Hour), "Access is denied.")
	cert.System.Provider.Name = strings.ToLower(cert.System.Provider.Name)
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), variantSystem(variantT0, evtxtest.DefaultComputer, tls, cert), evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	_, out, errOut := runCmd("analyze", "--format", "json", dir)
	r, err := report.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, rule := range []string{"rdp-tls-disabled", "rdp-cert-private-key"} {
		if v, n := verdict(r, rule); v != "detected" || n != 1 {
			t.Errorf("%s: %s with %d events, want detected with 1", rule, v, n)
		}
	}
}

// A System log and a filtered export of it (vss kind: a copy whose record
// headers were renumbered, header times borrowed) in two folders: one
// machine, the export a copy adding nothing, its two 36871 counted once;
// dump prints each record once. Before, the export shared no record key
// with the log: analyze made two machines of one name, each detecting, and
// dump printed the exported records twice.
func TestVariantLogAndItsExport(t *testing.T) {
	mk := func() []*evtx.Event {
		return variantSystem(variantT0, "vm1.contoso.com",
			evtxtest.Schannel36871(variantT0.Add(-2*time.Hour), 10013), evtxtest.Schannel36871(variantT0.Add(-time.Hour+time.Minute), 10013))
	}
	dir := t.TempDir()
	for _, d := range []string{"a", "b"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	all := mk()
	if err := evtxtest.WriteFile(filepath.Join(dir, "a", "System.evtx"), all, evtxtest.Options{MaxRecordsPerChunk: 9}); err != nil {
		t.Fatal(err)
	}
	var kept []*evtx.Event
	for i, e := range mk() {
		e.System.EventRecordID = uint64(i + 1)
		if e.System.EventID == 36871 || i%5 == 0 {
			kept = append(kept, e)
		}
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "b", "System.evtx"), evtxtest.Exported(kept), evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("analyze", "--format", "json", dir)
	r, err := report.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("exit %d, %v (two reports?)\n%.300s\n%s", code, err, out, errOut)
	}
	if v, n := verdict(r, "rdp-tls-disabled"); v != "detected" || n != 2 {
		t.Errorf("%s with %d events, want detected with 2", v, n)
	}
	if r.Machine == nil || len(r.Machine.Logs) != 1 || len(r.Machine.Logs[0].Copies) != 2 || r.Machine.Logs[0].Copies[1].Added != 0 {
		t.Errorf("machine %+v", r.Machine)
	}
	_, out, _ = runCmd("dump", "-f", "xml", filepath.Join(dir, "a"), filepath.Join(dir, "b"))
	if n := strings.Count(out, "\n"); n != len(all) {
		t.Errorf("dump: %d events, want %d (each once)", n, len(all))
	}
}

// A clock that ran a year behind for a day and was set forward
// (clock-forward kind, the other way): query warns on stderr, as analyze
// does, naming the first such record, with and without skipping; a log
// without the jump gets no such warning.
func TestVariantClockRanBehindQuery(t *testing.T) {
	evs := variantSystem(variantT0, evtxtest.DefaultComputer)
	for _, e := range evs {
		if tc := e.System.TimeCreated; tc.After(variantT0.Add(-60*time.Hour)) && tc.Before(variantT0.Add(-40*time.Hour)) {
			e.System.TimeCreated = tc.Add(-365 * 24 * time.Hour)
		}
	}
	dir := t.TempDir()
	p, clean := filepath.Join(dir, "System.evtx"), filepath.Join(dir, "clean.evtx")
	if err := evtxtest.WriteFile(p, evs, evtxtest.Options{MaxRecordsPerChunk: 8}); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(clean, variantSystem(variantT0, evtxtest.DefaultComputer), evtxtest.Options{MaxRecordsPerChunk: 8}); err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"--no-skip"}} {
		_, _, errOut := runCmd(append([]string{"query", "-f", "xml", p, "-q", "*[System[EventID=36871]]"}, extra...)...)
		if !strings.Contains(errOut, "was set back between them") || !strings.Contains(errOut, "19 records (from EventRecordID 14 on)") {
			t.Errorf("%v: stderr %q", extra, errOut)
		}
		_, _, errOut = runCmd(append([]string{"query", "-f", "xml", clean, "-q", "*[System[EventID=36871]]"}, extra...)...)
		if strings.Contains(errOut, "clock jump") {
			t.Errorf("%v: clean log: stderr %q", extra, errOut)
		}
	}
}

// The times the report prints for a log are TimeCreated, never record
// header times: a filtered export whose header times lag its events by two
// days (the newest record's 0), analysed beside another machine. The
// fleet table's NEWEST EVENT for it and its Inputs line gave the header
// times (2024-04-29T11:00 for an export whose newest event is at
// 2024-05-01T11:50, its reference time); they now give the TimeCreated
// of its last-written record and the span of its events' TimeCreated
// (JSON first_created, last_created; first and last stay the header
// times, as the schema says).
func TestVariantExportTimesInReport(t *testing.T) {
	dir := t.TempDir()
	evs := evtxtest.Exported(variantSystem(variantT0, "vm1.contoso.com", evtxtest.Schannel36871(variantT0.Add(-10*time.Minute), 10013)))
	for _, e := range evs[:len(evs)-1] {
		e.Written = e.System.TimeCreated.Add(-48 * time.Hour)
	}
	b := variantBytes(t, evs, evtxtest.Options{MaxRecordsPerChunk: 10})
	other := variantBytes(t, variantSystem(variantT0.Add(72*time.Hour), "vm2.contoso.com"), evtxtest.Options{})
	for name, data := range map[string][]byte{"vm1": b, "vm2": other} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "System.evtx"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	first, newest := evtx.FormatTime(variantT0.Add(-72*time.Hour)), evtx.FormatTime(variantT0.Add(-10*time.Minute))
	_, out, errOut := runCmd("analyze", "--timeline", "0", dir)
	var row, inputs string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "vm1.contoso.com ") {
			row = l
		}
		if strings.Contains(l, filepath.Join("vm1", "System.evtx")+"  [System]") {
			inputs = l
		}
	}
	if !strings.HasSuffix(row, " "+newest) {
		t.Errorf("fleet row %q, want NEWEST EVENT %s (the last-written record's TimeCreated)\n%s", row, newest, errOut)
	}
	if !strings.HasSuffix(inputs, "earliest event at "+first+", latest at "+newest) {
		t.Errorf("inputs line %q, want the TimeCreated span %s to %s", inputs, first, newest)
	}
	_, out, errOut = runCmd("analyze", "--format", "json", dir)
	var fl report.Fleet
	if err := json.Unmarshal([]byte(out), &fl); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for i, e := range fl.Machines {
		if e.Machine != "vm1.contoso.com" {
			continue
		}
		if e.NewestEvent != newest {
			t.Errorf("newest_event %s, want %s", e.NewestEvent, newest)
		}
		in := fl.Reports[i].Inputs[0]
		if in.FirstCreated != first || in.LastCreated != newest {
			t.Errorf("input first_created %s, last_created %s, want %s and %s", in.FirstCreated, in.LastCreated, first, newest)
		}
	}
}

// A clock that jumped a year ahead for the last records and was not set
// back (clock-forward kind, never corrected): "now" is the last-written
// record's time, a year after the TLS errors that preceded the jump, so
// nothing is in the window. The report says why (a time gap across the
// analysed period, both records named, in the text and in JSON
// time_gaps) and gives the --at that analyses the time before the jump,
// where the TLS errors are found; a log without the jump has no gap.
func TestVariantClockJumpedAheadAtEnd(t *testing.T) {
	evs := variantSystem(variantT0, evtxtest.DefaultComputer,
		evtxtest.WithType(evtxtest.Schannel36871(variantT0.Add(-90*time.Minute), 10013), "server"),
		evtxtest.WithType(evtxtest.Schannel36871(variantT0.Add(-80*time.Minute), 10013), "server"))
	last := evs[len(evs)-1]
	jumped := evtxtest.Noise(variantT0.Add(365*24*time.Hour), 5*time.Minute, 4)
	dir := t.TempDir()
	jdir, cdir := filepath.Join(dir, "jumped"), filepath.Join(dir, "clean")
	for _, d := range []string{jdir, cdir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := evtxtest.WriteFile(filepath.Join(jdir, "System.evtx"), append(evs, jumped...), evtxtest.Options{MaxRecordsPerChunk: 8}); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(filepath.Join(cdir, "System.evtx"), variantSystem(variantT0, evtxtest.DefaultComputer), evtxtest.Options{MaxRecordsPerChunk: 8}); err != nil {
		t.Fatal(err)
	}
	before := last.System.TimeCreated.UTC().Format(time.RFC3339Nano)
	_, out, _ := runCmd("analyze", jdir)
	flat := strings.Join(strings.Fields(out), " ")
	for _, w := range []string{"WARNING: time gap in", "(EventRecordID 74) and", "(EventRecordID 75), 365 days", "give --at " + before} {
		if !strings.Contains(flat, w) {
			t.Errorf("text report lacks %q:\n%s", w, out)
		}
	}
	_, out, _ = runCmd("analyze", "--format", "json", jdir)
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.TimeGaps) != 1 || r.TimeGaps[0].Before.EventRecordID != 74 || r.TimeGaps[0].After.EventRecordID != 75 {
		t.Errorf("time_gaps %+v", r.TimeGaps)
	}
	if v := verdictOf(t, out, "rdp-tls-disabled"); v != "not_detected" {
		t.Errorf("without --at: rdp-tls-disabled %s", v)
	}
	_, out, _ = runCmd("analyze", "--format", "json", "--at", before, jdir)
	if v := verdictOf(t, out, "rdp-tls-disabled"); v != "detected" {
		t.Errorf("--at %s: rdp-tls-disabled %s", before, v)
	}
	if strings.Contains(out, "time_gaps") {
		t.Errorf("--at %s: a time gap: %s", before, out)
	}
	if _, out, _ := runCmd("analyze", "--format", "json", cdir); strings.Contains(out, "time_gaps") || strings.Contains(out, "time gap") {
		t.Errorf("clean log: %s", out)
	}
	// query's timediff counts from the same "now": it warns on stderr,
	// with and without skipping, and not for the clean log or a query
	// without timediff.
	q := "*[System[EventID=36871 and TimeCreated[timediff(@SystemTime) <= 86400000]]]"
	for _, extra := range [][]string{nil, {"--no-skip"}} {
		_, _, errOut := runCmd(append([]string{"query", "-f", "xml", filepath.Join(jdir, "System.evtx"), "-q", q}, extra...)...)
		if !strings.Contains(errOut, "warning: time gap in") || !strings.Contains(errOut, "(EventRecordID 75), 365 days") {
			t.Errorf("query %v: stderr %q", extra, errOut)
		}
		// The analysed period starts 24 h before "now" (the last
		// record), not at the reader's bound a second earlier
		// (xpath.RecordTimeSlack), which it named before.
		start := jumped[len(jumped)-1].System.TimeCreated.Add(-24 * time.Hour)
		if want := "across the start of the analysed period (" + evtx.FormatTime(start) + ")"; !strings.Contains(errOut, want) {
			t.Errorf("query %v: stderr lacks %q: %q", extra, want, errOut)
		}
		_, _, errOut = runCmd(append([]string{"query", "-f", "xml", filepath.Join(cdir, "System.evtx"), "-q", q}, extra...)...)
		if strings.Contains(errOut, "time gap") {
			t.Errorf("query %v: clean log: stderr %q", extra, errOut)
		}
		_, _, errOut = runCmd(append([]string{"query", "-f", "xml", filepath.Join(jdir, "System.evtx"), "-q", "*[System[EventID=36871]]"}, extra...)...)
		if strings.Contains(errOut, "time gap") {
			t.Errorf("query %v without timediff: stderr %q", extra, errOut)
		}
	}
}

// verdictOf returns the verdict of rule id in the JSON report out.
func verdictOf(t *testing.T, out, id string) string {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		if f.RuleID == id {
			return f.Verdict
		}
	}
	return ""
}
