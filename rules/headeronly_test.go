package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestHeaderOnlyLogSaysWhy: a System log cut after its 4 KiB file header
// (a copy that stopped, a file preallocated and never written) holds no
// record, so there is no reference time. The report must still name the
// damage the reader finds (the header counts chunks the file does not
// hold, at offset 0x1000) and say the log holds no records: analyze
// read nothing of such a log without a reference time, so its Input had
// no problem, no statistics (0 header chunks), and every
// rule said "no reference time ...; give one (--at)", which cannot help.
func TestHeaderOnlyLogSaysWhy(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(scenarioDir, "tls-36871-10013", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	b = b[:4096]
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "System.evtx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	e := builtinEngine(t, Options{})
	logs, err := evtx.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Not one record read, and the reader met damage: no readable log,
	// as for a file that is not EVTX (evtxrdp exits 1, as dump does), not
	// a run that read the log and found nothing (exit 0).
	res, err := e.Analyze(logs)
	if !errors.Is(err, ErrNoReadableLog) || res == nil {
		t.Fatalf("Analyze(a System log cut after its file header) = %v; want ErrNoReadableLog with the result", err)
	}
	in := res.Inputs[0]
	var problems []string
	for _, fe := range in.Errors {
		problems = append(problems, fe.Error())
	}
	if len(problems) == 0 || !strings.Contains(strings.Join(problems, "\n"), "offset 0x1000") || in.Stats.HeaderChunks == 0 {
		t.Errorf("input %s: problems %q, header chunks %d; want the truncation at offset 0x1000 and the header's chunk count",
			in.Path, problems, in.Stats.HeaderChunks)
	}
	f := finding(t, res, "rdp-tls-disabled")
	// The copy is cut, the log was not empty: the reason names the
	// damage, not an empty (cleared) log.
	why := strings.Join(f.Reasons, "\n")
	if f.Verdict != NotChecked || !strings.Contains(why, "System: no record could be read") || !strings.Contains(why, "offset 0x1000") ||
		strings.Contains(why, "holds no records") || strings.Contains(why, "--at") {
		t.Errorf("finding %s, reasons %q; want not checked because no record could be read (the truncation at offset 0x1000), without --at", f.Verdict, f.Reasons)
	}
	// Cut inside the file header: the same.
	cut := t.TempDir()
	if err := os.WriteFile(filepath.Join(cut, "System.evtx"), b[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	if logs, err = evtx.Find(cut); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Analyze(logs); !errors.Is(err, ErrNoReadableLog) {
		t.Errorf("Analyze(a System log cut inside its file header) = %v; want ErrNoReadableLog", err)
	}
	// A log that is whole and holds no record is empty.
	empty := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(empty, "System.evtx"), nil, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	res = analyzePath(t, e, empty)
	if len(res.Inputs[0].Errors) > 0 {
		t.Fatalf("the empty log has problems: %v", res.Inputs[0].Errors)
	}
	f = finding(t, res, "rdp-tls-disabled")
	if why := strings.Join(f.Reasons, "\n"); f.Verdict != NotChecked || !strings.Contains(why, "System: the log holds no records") {
		t.Errorf("empty log: finding %s, reasons %q; want not checked because the log holds no records", f.Verdict, f.Reasons)
	}
}
