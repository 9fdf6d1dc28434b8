package fleet_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
)

// TestUntimedRecordsPlacedNowhere: a record without a usable TimeCreated
// (none, FILETIME 0, after the year 9999) is counted but placed in no
// time span; its record header time does not stand in. Three records of
// the current System log without a TimeCreated, whose header times lay in
// the days of the archived System log beside it, stretched the current
// log's period over the archive's, and analyze found two machines of one
// name ("another machine has the same computer name: their System logs
// cover the same period with different records"); a TimeCreated of
// FILETIME 0 with such a header time did the same when every record was
// read (Period 0), and a damaged TimeCreated in the year 30828 in the
// archive did it however the logs were read. Now each is one machine,
// whose grouping names the file and how many of its records have no
// usable TimeCreated. With a grouping period, the records of FILETIME 0
// (before every period's start, which the reader's window left out while
// it gives those without a TimeCreated) dropped out of the grouping:
// Untimed 0 and no word of them, where Period 0 counted 3; now they are
// read too (periodSummaries) and counted as the records without one.
func TestUntimedRecordsPlacedNowhere(t *testing.T) {
	archived := t0.Add(-30 * 24 * time.Hour)
	for _, c := range []struct {
		name string
		// damage changes the records at 100..102 of the current log
		// (archive false) or of the archived one; noTC also leaves their
		// TimeCreated out.
		damage  func(ev *evtx.Event)
		noTC    bool
		archive bool
		// periods are the grouping periods where the records are read
		// (FILETIME 0 lies before every period's start, and is read all
		// the same).
		periods []time.Duration
	}{
		{"no TimeCreated", func(ev *evtx.Event) { ev.Written = archived.Add(-24 * time.Hour) }, true, false, []time.Duration{10 * 24 * time.Hour, 0}},
		{"FILETIME 0", func(ev *evtx.Event) {
			ev.Written = archived.Add(-24 * time.Hour)
			ev.System.TimeCreated = evtx.FiletimeToTime(0)
		}, false, false, []time.Duration{10 * 24 * time.Hour, 0}},
		// Before 1980, taken for a cleared or damaged value (evtx.MinUsableTime):
		// before every period's start too, and read all the same.
		{"FILETIME 1", func(ev *evtx.Event) {
			ev.Written = archived.Add(-24 * time.Hour)
			ev.System.TimeCreated = evtx.FiletimeToTime(1)
		}, false, false, []time.Duration{10 * 24 * time.Hour, 0}},
		{"1970", func(ev *evtx.Event) {
			ev.Written = archived.Add(-24 * time.Hour)
			ev.System.TimeCreated = time.Unix(0, 0).UTC()
		}, false, false, []time.Duration{10 * 24 * time.Hour, 0}},
		{"year 30828", func(ev *evtx.Event) {
			ev.System.TimeCreated = time.Date(30828, 9, 14, 2, 48, 5, 0, time.UTC)
		}, false, true, []time.Duration{10 * 24 * time.Hour, 0}},
	} {
		dir := t.TempDir()
		older := systemLog("vm1.contoso.com", archived, 0, 1)
		current := systemLog("vm1.contoso.com", t0, 0, uint64(len(older))+1)
		damaged := current
		if c.archive {
			damaged = older
		}
		for _, ev := range damaged[100:103] {
			c.damage(ev)
		}
		o := evtxtest.Options{MaxRecordsPerChunk: 40}
		if c.noTC {
			o.NoTimeCreated = func(i int, _ *evtx.Event) bool { return i >= 100 && i < 103 }
		}
		oldPath, curPath := filepath.Join(dir, "old", "System.evtx"), filepath.Join(dir, "new", "System.evtx")
		oldOpts, curOpts := evtxtest.Options{MaxRecordsPerChunk: 40}, o
		if c.archive {
			oldOpts, curOpts = o, oldOpts
		}
		writeWith(t, oldPath, older, oldOpts)
		writeWith(t, curPath, current, curOpts)
		units, probs, err := fleet.Find([]string{dir})
		if err != nil || len(probs) > 0 {
			t.Fatalf("%s: Find: %v %v", c.name, probs, err)
		}
		damagedPath := curPath
		if c.archive {
			damagedPath = oldPath
		}
		for _, period := range c.periods {
			ms := fleet.Group(units, fleet.Options{Channels: engine(t).Channels(), Period: period})
			if len(ms) != 1 {
				t.Errorf("%s, period %v: machines %q, want one\n%s", c.name, period, labels(ms), fullShape(ms))
				continue
			}
			var untimed int
			for _, l := range ms[0].Logs {
				for _, cp := range l.Copies {
					if cp.Path == damagedPath {
						untimed = cp.Untimed
					} else if cp.Untimed != 0 {
						t.Errorf("%s, period %v: %s: Untimed %d, want 0", c.name, period, cp.Path, cp.Untimed)
					}
				}
			}
			if untimed != 3 {
				t.Errorf("%s, period %v: %s: Untimed %d, want 3", c.name, period, damagedPath, untimed)
			}
			if g := strings.Join(ms[0].Grouping, "\n"); !strings.Contains(g, damagedPath+": 3 records") || !strings.Contains(g, "without a usable TimeCreated") {
				t.Errorf("%s, period %v: grouping does not say the 3 records are placed in no time:\n%s", c.name, period, g)
			}
		}
	}
}

// TestUntimedRecordsDoNotInterleaveHosts: a log whose records name one
// computer, then another (a rename), two of the second name's records
// without a TimeCreated and with header times in the first name's days.
// Placed at those header times, the second name's span overlapped the
// first's, and the machine was taken for forwarded events ("its records
// name 2 computers, interleaved"), analysed without a name; now it is the
// renamed machine, and the rename line gives each name's TimeCreated
// period and the second's two records without one.
func TestUntimedRecordsDoNotInterleaveHosts(t *testing.T) {
	dir := t.TempDir()
	evs := systemLog("vm-old.contoso.com", t0, 1, 1)
	half := len(evs) / 2
	for i, ev := range evs[half:] {
		ev.System.Computer = "vm-new.contoso.com"
		if i < 2 {
			ev.Written = t0.Add(-47 * time.Hour)
		}
	}
	p := filepath.Join(dir, "System.evtx")
	writeWith(t, p, evs, evtxtest.Options{MaxRecordsPerChunk: 40, NoTimeCreated: func(i int, _ *evtx.Event) bool { return i == half || i == half+1 }})
	ms := group(t, engine(t), dir)
	if len(ms) != 1 || ms[0].Forwarded || ms[0].Name != "vm-new.contoso.com" || !slices.Equal(ms[0].Computers, []string{"vm-old.contoso.com", "vm-new.contoso.com"}) {
		t.Fatalf("machines:\n%s", fullShape(ms))
	}
	g := strings.Join(ms[0].Grouping, "\n")
	newFirst := evtx.FormatTime(evs[half+2].System.TimeCreated)
	for _, want := range []string{
		"a rename, one machine",
		"vm-new.contoso.com (records " + strconv.Itoa(half+1) + " to " + strconv.Itoa(len(evs)) + ", " + newFirst + " to ",
		", 2 without a usable TimeCreated)",
		p + ": 2 records of the grouping period without a usable TimeCreated",
	} {
		if !strings.Contains(g, want) {
			t.Errorf("grouping lacks %q:\n%s", want, g)
		}
	}
}

// writeWith is write with the writer's options o.
func writeWith(t *testing.T, path string, evs []*evtx.Event, o evtxtest.Options) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(path, evs, o); err != nil {
		t.Fatal(err)
	}
}
