package rules_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// The reference time is the newest record header time even when the
// clock went back while a chunk was being filled, so that the cheap
// estimate (the chunks' last records) is too low: the decoding pass sees
// the newer record and the engine decodes again for it.
func TestReferenceTimeClockWentBack(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := []*evtx.Event{
		// Chunk 0: the failure at the newest time, then the clock is set
		// back ten hours.
		evtxtest.RCM1058(newest, "Access is denied."),
		evtxtest.SCM7036(newest.Add(-11*time.Hour), "Windows Update", "running", "wuauserv"),
		evtxtest.SCM7036(newest.Add(-10*time.Hour), "Windows Update", "stopped", "wuauserv"),
		// Chunk 1: later in the file, older than the failure.
		evtxtest.SCM7036(newest.Add(-3*time.Hour), "Windows Update", "running", "wuauserv"),
		evtxtest.SCM7036(newest.Add(-2*time.Hour), "Windows Update", "stopped", "wuauserv"),
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "System.evtx")
	if err := evtxtest.WriteFile(path, evs, evtxtest.Options{MaxRecordsPerChunk: 3}); err != nil {
		t.Fatal(err)
	}

	// The estimate alone is too low here (else this test proves nothing).
	f, err := evtx.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	est := f.NewestTime()
	f.Close()
	if !est.Before(newest) {
		t.Fatalf("NewestTime %v already finds %v: the fixture does not hide the newest record", est, newest)
	}

	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.NewEngine(rs, rules.Options{})
	if err != nil {
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
	if !res.ReferenceTime.Equal(newest) {
		t.Errorf("reference time %v, want the newest record %v", res.ReferenceTime, newest)
	}
	for _, fd := range res.Findings {
		if fd.Rule.ID == "rdp-cert-private-key" && (fd.Verdict != rules.Detected || fd.EvidenceCount != 1) {
			t.Errorf("rdp-cert-private-key: %s with %d events, want detected with 1", fd.Verdict, fd.EvidenceCount)
		}
	}
}
