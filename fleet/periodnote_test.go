package fleet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/fleet"
)

// An older copy of a log holding only its first chunks (omerbenamram's
// system.evtx, 2017-07-12 to 2018-03-06, and its first three chunks, to
// 2017-07-12) shares no record with the log in the analysed period, so
// grouping from the period reads it as a log of its own, and from every
// record as a copy. The grouping lines say that it was not compared; they
// say nothing of the kind for a copy found, or when every record is read.
func TestOlderCopyBeforePeriodSaid(t *testing.T) {
	b, err := os.ReadFile("../testdata/evtx/omerbenamram__evtx__samples__system.evtx")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"new": b, "old": b[:4096+3*65536], "vss": b} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "System.evtx"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	eng := engine(t)
	say := func(paths []string, period time.Duration) (*fleet.Machine, string) {
		t.Helper()
		units, probs, err := fleet.Find(paths)
		if err != nil || len(probs) > 0 {
			t.Fatalf("Find: %v %v", probs, err)
		}
		ms := fleet.Group(units, fleet.Options{Channels: eng.Channels(), Period: period})
		if len(ms) != 1 {
			t.Fatalf("%v period %v: machines %q", paths, period, labels(ms))
		}
		return ms[0], strings.Join(ms[0].Grouping, "\n")
	}
	newer, old, vss := filepath.Join(dir, "new"), filepath.Join(dir, "old"), filepath.Join(dir, "vss")
	want := filepath.Join(old, "System.evtx") + ": not compared with " + filepath.Join(newer, "System.evtx") + " before the analysed period: all its records (to 2017-07-12T17:20:37.3448837Z)"
	m, g := say([]string{newer, old}, 10*24*time.Hour)
	if len(m.Logs) != 2 || !m.CopiesUnchecked || !strings.Contains(g, want) {
		t.Errorf("from the period: %d logs, CopiesUnchecked %v, grouping:\n%s\nwant %q", len(m.Logs), m.CopiesUnchecked, g, want)
	}
	m, g = say([]string{newer, old}, 0)
	if len(m.Logs) != 1 || len(m.Logs[0].Copies) != 2 || m.CopiesUnchecked || strings.Contains(g, "not compared") {
		t.Errorf("from every record: %d logs, CopiesUnchecked %v, grouping:\n%s", len(m.Logs), m.CopiesUnchecked, g)
	}
	// A copy whose records reach into the period is found: nothing to say.
	m, g = say([]string{newer, vss}, 10*24*time.Hour)
	if len(m.Logs) != 1 || m.CopiesUnchecked || strings.Contains(g, "not compared") {
		t.Errorf("a copy in the period: %d logs, CopiesUnchecked %v, grouping:\n%s", len(m.Logs), m.CopiesUnchecked, g)
	}
}
