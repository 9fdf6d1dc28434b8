package fleet_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestForwardedOneAfterAnother: a collector's log holding the records of
// one computer, then those of another (each numbering its own events from
// EventRecordID 1, times apart) is forwarded events, not a rename: the
// records of a renamed machine go on from the old name's EventRecordIDs.
// Grouped as a rename, the report said "a rename, one machine" and took
// the second computer's last record as the first's "now". A rename with
// EventRecordIDs that go on stays one machine.
func TestForwardedOneAfterAnother(t *testing.T) {
	eng := engine(t)
	end := time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC)
	log := func(firstRID func(host int) uint64) string {
		var evs []*evtx.Event
		for host, name := range []string{"vm1.contoso.com", "vm2.contoso.com"} {
			from := end.Add(-time.Duration(3-host) * 24 * time.Hour)
			for i, ev := range evtxtest.Noise(from, 10*time.Minute, 50) {
				ev.System.Computer = name
				ev.System.EventRecordID = firstRID(host) + uint64(i)
				evs = append(evs, ev)
			}
		}
		for i, ev := range evs {
			ev.RecordID = uint64(i + 1)
		}
		p := filepath.Join(t.TempDir(), "ForwardedEvents.evtx")
		if err := evtxtest.WriteFile(p, evs, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name      string
		firstRID  func(int) uint64
		forwarded bool
	}{
		{"each from 1", func(int) uint64 { return 1 }, true},
		{"going on (a rename)", func(h int) uint64 { return 1 + 50*uint64(h) }, false},
	} {
		ms := group(t, eng, log(c.firstRID))
		if len(ms) != 1 || ms[0].Forwarded != c.forwarded {
			t.Errorf("%s: %d machines, first forwarded %v; want 1, forwarded %v", c.name, len(ms), len(ms) > 0 && ms[0].Forwarded, c.forwarded)
		}
	}
}
