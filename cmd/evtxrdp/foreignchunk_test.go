package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// A System log of vm1 (no TLS error) with its chunk 1 overwritten by the
// last chunk of another machine's System log (records 901..1000, a
// Schannel 36871 of vm3 in vm1's last day): analyze said rdp-tls-disabled
// DETECTED (exit 3), "now" was vm3's record 1000, and the machine was
// "forwarded events: vm1.contoso.com, vm3.contoso.com". Now the chunk is
// not the log's: no finding (exit 0), "now" is vm1's record 400, and the
// inputs name the chunk and its offset.
func TestAnalyzeForeignChunkNoVerdict(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	build := func(computer string, n int, end time.Time, tls int) []byte {
		evs := evtxtest.Noise(end.Add(-time.Duration(n-1)*10*time.Minute), 10*time.Minute, n)
		evs[tls] = evtxtest.Schannel36871(evs[tls].System.TimeCreated, 10013)
		for _, ev := range evs {
			ev.System.Computer = computer
		}
		b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 100})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	log := build("vm1.contoso.com", 400, t0, 10) // its one 36871 is days before the window
	other := build("vm3.contoso.com", 1000, t0.Add(-2*time.Hour), 990)
	copy(log[4096+65536:4096+2*65536], other[4096+9*65536:4096+10*65536])
	dir := t.TempDir()
	p := filepath.Join(dir, "System.evtx")
	if err := os.WriteFile(p, log, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("analyze", dir)
	if code != exitOK {
		t.Errorf("exit %d, want %d (no finding)\n%s%s", code, exitOK, out, errOut)
	}
	for _, want := range []string{
		"Machine: vm1.contoso.com\n",
		"the last-written record, EventRecordID 400 in ",
		"chunk 1 is not this log's",
		"offset 0x11000",
	} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "vm3") || strings.Contains(out, "DETECTED") {
		t.Errorf("vm3's chunk read as vm1's:\n%s", out)
	}
	// The problem said "(--recover prints them)", a flag analyze does not
	// have (a usage error, exit 2): it names the command that has it.
	flat := strings.Join(strings.Fields(out), " ")
	if strings.Contains(strings.ReplaceAll(flat, "evtxrdp dump --recover", ""), "--recover") || !strings.Contains(flat, "evtxrdp dump --recover prints them") {
		t.Errorf("the problem does not name evtxrdp dump --recover as what prints the chunk's records:\n%s", out)
	}
	if code, _, errOut := runCmd("analyze", "--recover", dir); code != exitUsage {
		t.Errorf("analyze --recover: exit %d, want %d (analyze has no such flag)\n%s", code, exitUsage, errOut)
	}
	code, out, errOut = runCmd("dump", "--recover", p)
	if code == exitUsage || code == exitFailure || !strings.Contains(out, "vm3.contoso.com") {
		t.Errorf("dump --recover: exit %d, no record of vm3's chunk printed\n%s", code, errOut)
	}
}
