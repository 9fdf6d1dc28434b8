package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestAnalyzePrimeChangesNothing: analyze's priming of the System logs
// while the rules load (primeSystemLogs) gives the report analyze gives
// without it, as JSON and JSON Lines, for the shared samples (48 logs, VSS
// copies, several machines), testdata/evtx, a volume with a System log
// given twice (its directory and a link) and an archive.
func TestAnalyzePrimeChangesNothing(t *testing.T) {
	dir := t.TempDir()
	vol := filepath.Join(dir, "vol", "Windows", "System32", "winevt", "Logs")
	copyFile(t, dumpSample, filepath.Join(vol, "System.evtx"))
	copyFile(t, dumpSample, filepath.Join(dir, "copy", "System.evtx"))
	zp := filepath.Join(dir, "logs.zip")
	variantZip(t, zp, map[string][]byte{"Logs/System.evtx": mustRead(t, dumpSample)})
	inputs := [][]string{
		{"../../../shared/samples"},
		{"../../testdata/evtx"},
		{filepath.Join(dir, "vol"), filepath.Join(vol, "System.evtx"), filepath.Join(dir, "copy")},
		{zp, filepath.Join(dir, "vol")},
	}
	if raceEnabled {
		// The priming goroutine against the grouping: the volume and the
		// archive are enough, and the samples take minutes.
		inputs = inputs[2:]
	}
	defer func() { primeOff = false }()
	for _, in := range inputs {
		for _, f := range []string{"json", "jsonl"} {
			args := append([]string{"analyze", "--format", f}, in...)
			var out [2]string
			var code [2]int
			for i, off := range []bool{true, false} {
				primeOff = off
				var o, e bytes.Buffer
				code[i] = run(args, &o, &e)
				out[i] = o.String() + "\n--- stderr\n" + e.String()
			}
			if code[0] != code[1] || out[0] != out[1] {
				t.Errorf("analyze %v: primed, exit %d:\n%.2000s\nnot primed, exit %d:\n%.2000s", args[1:], code[1], out[1], code[0], out[0])
			}
			if len(out[0]) < 200 {
				t.Errorf("analyze %v: %q: the test compares little", args[1:], out[0])
			}
		}
	}
}

// mustRead returns the bytes of file p.
func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
