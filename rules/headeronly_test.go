package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	res := analyzePath(t, e, dir)
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
	why := strings.Join(f.Reasons, "\n")
	if f.Verdict != NotChecked || !strings.Contains(why, "System: the log holds no records") || strings.Contains(why, "--at") {
		t.Errorf("finding %s, reasons %q; want not checked because the log holds no records, without --at", f.Verdict, f.Reasons)
	}
}
