package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// Old records in a chunk past the file header's chunk count (a log whose
// file was bigger or reused before) are not in the slack of a current
// chunk: dump's summary said "20 old records in chunk slack" of them. Now
// it says each kind as what it is.
func TestDumpOldChunksNotSlack(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	build := func(first uint64, at time.Time, n int) []byte {
		var evs []*evtx.Event
		for i := 0; i < n; i++ {
			evs = append(evs, evtxtest.Schannel36871(at.Add(time.Duration(i)*time.Minute), uint32(i)))
		}
		evs[0].RecordID = first
		b, err := evtxtest.Bytes(evs, evtxtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cur := build(1, t0.Add(48*time.Hour), 10)
	old := build(3, t0, 20)[4096 : 4096+65536] // numbers the log already used, written before
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, append(cur, old...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dump", "-f", "none", p}, "0 old records in chunk slack and 20 in old chunks past the file header's chunk count (--recover reads them)"},
		{[]string{"dump", "-f", "none", "--recover", p}, "0 old records in chunk slack and 20 in old chunks past the file header's chunk count (20 printed, 0 undecodable)"},
	} {
		code, _, errOut := runCmd(c.args...)
		if code != exitOK || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, want %q in:\n%s", c.args, code, c.want, errOut)
		}
	}
}
