package evtx_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestMemberFirstChannel: an archive member's FirstChannel, which inflates
// the member only up to the end of its first chunk when that chunk yields
// an event, equals the file's own, over every log of testdata (damaged
// ones, one whose first chunk is bad, logs of one record, files that are
// no EVTX), and is asked again without inflating anything.
func TestMemberFirstChannel(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/evtx/*.evtx")
	if len(paths) < 40 {
		t.Fatalf("%d logs", len(paths))
	}
	members := map[string][]byte{}
	want := map[string]string{}
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		logs, err := evtx.Find(p)
		if err != nil {
			t.Fatal(err)
		}
		ch, err := logs[0].FirstChannel()
		if err != nil {
			ch = "error"
		}
		name := fmt.Sprintf("m%02d.evtx", i)
		members[name], want[name] = b, ch
	}
	zp := filepath.Join(t.TempDir(), "logs.zip")
	if err := evtxtest.WriteZip(zp, members); err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find(zp)
	if err != nil || len(logs) != len(paths) {
		t.Fatalf("%d members: %v", len(logs), err)
	}
	for _, l := range logs {
		_, m := l.Location()
		for range 2 {
			ch, err := l.FirstChannel()
			if err != nil {
				ch = "error"
			}
			if ch != want[m] {
				t.Errorf("%s: member's first channel %q, the file's %q", m, ch, want[m])
			}
		}
	}
}
