package fleet

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestManyHostsKeptAlike: a log naming more than maxHosts computers keeps
// the maxHosts whose records come first (smallest record number), however
// many goroutines read it and in whichever order they first meet the
// names. The profile kept the first maxHosts names to reach it: with
// several workers a different set from run to run, and with one worker
// the first in file order, here the last written (record numbers fall
// as the file goes on, as after an export).
func TestManyHostsKeptAlike(t *testing.T) {
	const n = maxHosts + 44
	end := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for pos := range 2 * n {
		ev := evtxtest.Noise(end.Add(-time.Duration(2*n-pos)*time.Minute), time.Second, 1)[0]
		ev.System.Computer = fmt.Sprintf("vm-%03d.contoso.com", pos%n)
		ev.RecordID = uint64(10000 - pos)
		evs = append(evs, ev)
	}
	p := filepath.Join(t.TempDir(), "ForwardedEvents.evtx")
	if err := evtxtest.WriteFile(p, evs, evtxtest.Options{MaxRecordsPerChunk: 10}); err != nil {
		t.Fatal(err)
	}
	// Host i's smallest record number is that of its second record,
	// 10000-(n+i): the last maxHosts hosts come first.
	var want []string
	for i := n - maxHosts; i < n; i++ {
		want = append(want, hostKey(fmt.Sprintf("vm-%03d.contoso.com", i)))
	}
	slices.Sort(want)
	for _, workers := range []int{1, 4, 4, 4, 8} {
		ls, err := evtx.Find(p)
		if err != nil || len(ls) != 1 {
			t.Fatalf("%v %d logs", err, len(ls))
		}
		var got []string
		for _, h := range readProfile(context.Background(), ls[0], "ForwardedEvents", workers, 0).hosts {
			got = append(got, h.key)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%d workers: %d hosts, first %v; want %d from %s", workers, len(got), got[:min(3, len(got))], len(want), want[0])
		}
	}
}
