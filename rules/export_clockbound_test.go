package rules

import (
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// SetMaxHeldChanges sets maxHeldChanges, the clock changes a read holds
// before they are judged, to n (0: every read is over, and each jump and
// gap is explained by a second read) until restore is called (or t
// ends).
func SetMaxHeldChanges(t testing.TB, n int) (restore func()) {
	old := maxHeldChanges
	maxHeldChanges = n
	restore = func() { maxHeldChanges = old }
	t.Cleanup(restore)
	return restore
}

// MaxHeldChanges and MaxNamedChanges are the bounds of clockchange.go.
func MaxHeldChanges() int { return maxHeldChanges }

const MaxNamedChanges = maxNamedChanges

// HeldClockChanges returns how many clock changes analyze holds for l
// (logClockChanges, every record read) before judging them, and whether
// l records more.
func HeldClockChanges(l *evtx.Log, plain bool) (held int, over bool, err error) {
	cs, err := logClockChanges(l, evtx.Options{}, plain, nil, time.Time{}, time.Time{})
	return len(cs.list), cs.over, err
}
