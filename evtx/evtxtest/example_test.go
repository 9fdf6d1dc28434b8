package evtxtest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// A scenario-1 System log: background noise, then the RCM and Schannel
// errors, written as a dirty log whose last three records the chunk header
// does not count yet.
func Example() {
	t := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	events := evtxtest.Noise(t, time.Minute, 20)
	events = append(events,
		evtxtest.RCM1057(t.Add(time.Hour), "Access is denied."),
		evtxtest.Schannel36870(t.Add(time.Hour+time.Second), 0x8009030d, 10001),
		evtxtest.RCM1058(t.Add(time.Hour+2*time.Second), "Keyset does not exist"),
	)
	dir, err := os.MkdirTemp("", "evtxtest")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "System.evtx")
	err = evtxtest.WriteFile(path, events, evtxtest.Options{Dirty: true, UncountRecords: 3})
	fmt.Println(filepath.Base(path), err)
	// Output: System.evtx <nil>
}
