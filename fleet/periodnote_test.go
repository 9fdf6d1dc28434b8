package fleet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
)

// An older copy of a log holding only its first chunks (omerbenamram's
// system.evtx, 2017-07-12 to 2018-03-06, and its first three chunks, to
// 2017-07-12) shares no record with the log in the analysed period, so
// grouping from the period reads it as a log of its own, and from every
// record as a copy. The grouping lines say it is an older copy read as a
// log of its own; they say nothing of the kind for a copy found, or when
// every record is read.
func TestOlderCopyBeforePeriodSaid(t *testing.T) {
	b, err := os.ReadFile("../testdata/evtx/omerbenamram__evtx__samples__system.evtx")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"new": b, "old": b[:4096+3*65536], "vss": b} {
		writeLogFile(t, dir, name, data)
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
	// The time of the copy's last-written record, 326 (evtxexport), not
	// its largest TimeCreated (17:20:37.3448837, an earlier record).
	want := filepath.Join(old, "System.evtx") + ": an older copy of " + filepath.Join(newer, "System.evtx") + " (its newest records, at 2017-07-12T17:20:34.1994297Z, are in it), read as a log of its own"
	m, g := say([]string{newer, old}, 10*24*time.Hour)
	if len(m.Logs) != 2 || !m.UnmergedCopy || !strings.Contains(g, want) {
		t.Errorf("from the period: %d logs, UnmergedCopy %v, grouping:\n%s\nwant %q", len(m.Logs), m.UnmergedCopy, g, want)
	}
	m, g = say([]string{newer, old}, 0)
	if len(m.Logs) != 1 || len(m.Logs[0].Copies) != 2 || m.UnmergedCopy || strings.Contains(g, "older copy") {
		t.Errorf("from every record: %d logs, UnmergedCopy %v, grouping:\n%s", len(m.Logs), m.UnmergedCopy, g)
	}
	// A copy whose records reach into the period is found: nothing to say.
	m, g = say([]string{newer, vss}, 10*24*time.Hour)
	if len(m.Logs) != 1 || m.UnmergedCopy || strings.Contains(g, "older copy") {
		t.Errorf("a copy in the period: %d logs, UnmergedCopy %v, grouping:\n%s", len(m.Logs), m.UnmergedCopy, g)
	}
}

// In one folder, an older copy of a System log holding only records of
// the computer's former name (it was renamed after the copy was taken),
// all before the analysed period: grouped from the period, it is a
// machine of its own; both machines' grouping lines say it is an older
// copy of the other's log. An older log that is no copy (an archived
// log: other records) is not named.
func TestOlderCopyOfRenamedMachineSaid(t *testing.T) {
	dir := t.TempDir()
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(end.Add(-40*24*time.Hour), time.Hour, 40*24)
	for i, ev := range evs {
		ev.System.Computer = "vm-new"
		if i < 24*20 {
			ev.System.Computer = "vm-old"
		}
		ev.RecordID = uint64(i + 1)
	}
	archive := evtxtest.Noise(end.Add(-90*24*time.Hour), time.Hour, 24*5)
	for i, ev := range archive {
		ev.System.Computer = "vm-new"
		ev.RecordID = uint64(i + 1)
	}
	logs := filepath.Join(dir, "logs")
	cur, old := filepath.Join(logs, "System.evtx"), filepath.Join(logs, "System (1).evtx")
	write(t, cur, evs)
	write(t, old, evs[:24*5])
	write(t, filepath.Join(logs, "Archive-System-2024-01-01-00-00-00-000.evtx"), archive)
	units, probs, err := fleet.Find([]string{logs})
	if err != nil || len(probs) > 0 {
		t.Fatalf("Find: %v %v", probs, err)
	}
	eng := engine(t)
	all := fleet.Group(units, fleet.Options{Channels: eng.Channels()})
	if len(all) != 1 || strings.Contains(strings.Join(all[0].Grouping, "\n"), "older copy") {
		t.Fatalf("from every record: machines %q\n%s", labels(all), shape(all))
	}
	ms := fleet.Group(units, fleet.Options{Channels: eng.Channels(), Period: 10 * 24 * time.Hour})
	if len(ms) != 2 {
		t.Fatalf("from the period: machines %q, want vm-new and vm-old (the limit this says)", labels(ms))
	}
	want := old + " (vm-old) is an older copy of " + cur + " (vm-new)"
	for _, m := range ms {
		g := strings.Join(m.Grouping, "\n")
		if !m.UnmergedCopy || !strings.Contains(g, want) {
			t.Errorf("%s: UnmergedCopy %v, grouping:\n%s\nwant %q", m.Label(), m.UnmergedCopy, g, want)
		}
		if strings.Count(g, "older copy of") != 1 { // the archived log is none
			t.Errorf("%s: %d older copies named:\n%s", m.Label(), strings.Count(g, "older copy of"), g)
		}
	}
}

// An older copy whose largest TimeCreated is not its last-written
// record's (the clock ran ahead for one record, then was set back) is
// named too: the newer log, which wrapped and no longer holds that early
// record, holds the copy's last-written records. The copy holds records
// 1-120 (record 51 written at +200 h or +800 h), the newer log records
// 61-960 (hourly); from every record the two are one log, from a period of
// 10 days two logs of one machine, and the grouping must say so.
func TestOlderCopyWithClockJumpSaid(t *testing.T) {
	// At +200 h the jump lies before the newer log's period (from +719 h);
	// at +800 h 30 s inside it, where the newer log holds no record of the
	// copy (no event of its own at that time either).
	for _, jump := range []time.Duration{200 * time.Hour, 800*time.Hour + 30*time.Second} {
		t.Run(jump.String(), func(t *testing.T) { olderCopyWithClockJump(t, jump) })
	}
}

func olderCopyWithClockJump(t *testing.T, jump time.Duration) {
	dir := t.TempDir()
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(start, time.Hour, 960)
	for i, ev := range evs {
		ev.System.Computer = "vm1"
		ev.RecordID = uint64(i + 1)
	}
	evs[50].System.TimeCreated = start.Add(jump)
	evs[50].Written = evs[50].System.TimeCreated
	logs := filepath.Join(dir, "logs")
	cur, old := filepath.Join(logs, "System.evtx"), filepath.Join(logs, "System (1).evtx")
	write(t, cur, evs[60:])
	write(t, old, evs[:120])
	units, probs, err := fleet.Find([]string{logs})
	if err != nil || len(probs) > 0 {
		t.Fatalf("Find: %v %v", probs, err)
	}
	eng := engine(t)
	all := fleet.Group(units, fleet.Options{Channels: eng.Channels()})
	if len(all) != 1 || len(all[0].Logs) != 1 || len(all[0].Logs[0].Copies) != 2 {
		t.Fatalf("from every record: machines %q\n%s", labels(all), shape(all))
	}
	ms := fleet.Group(units, fleet.Options{Channels: eng.Channels(), Period: 10 * 24 * time.Hour})
	// From the period: two logs of one machine, or, where the jump lies in
	// the newer log's period (the two overlap in time without a record in
	// common there), two machines; the grouping lines of each say it.
	if n := len(ms); n == 0 || n > 2 || n == 1 && len(ms[0].Logs) != 2 {
		t.Fatalf("from the period: machines %q\n%s", labels(ms), shape(ms))
	}
	for _, m := range ms {
		g := strings.Join(m.Grouping, "\n")
		if !m.UnmergedCopy || !strings.Contains(g, old) || !strings.Contains(g, "an older copy of "+cur) || strings.Contains(g, "renamed") {
			t.Errorf("%s: UnmergedCopy %v, grouping:\n%s\nwant %s named an older copy of %s", m.Label(), m.UnmergedCopy, g, old, cur)
		}
	}
}

// An older copy (records 1-120 of a log of 960 hourly records) whose
// last-written record has a TimeCreated of FILETIME 0 is said to be a
// copy at the time of its last record with a usable TimeCreated. Its
// last-written record's time was taken as it was: "its newest records,
// at 1601-01-01T00:00:00.0000000Z, are in it".
func TestOlderCopyLastWrittenUntimedSaid(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(start, time.Hour, 960)
	for i, ev := range evs {
		ev.System.Computer = "vm1"
		ev.RecordID = uint64(i + 1)
	}
	logs := filepath.Join(dir, "logs")
	cur, old := filepath.Join(logs, "System.evtx"), filepath.Join(logs, "System (1).evtx")
	write(t, cur, evs)
	// Only the older copy's record 120 holds FILETIME 0 (damaged there):
	// a record of FILETIME 0 both held is read whatever the period
	// (untimed) and shared, and the two are merged as with Period 0.
	evs[119].Written = evs[119].System.TimeCreated
	evs[119].System.TimeCreated = evtx.FiletimeToTime(0)
	write(t, old, evs[:120])
	units, probs, err := fleet.Find([]string{logs})
	if err != nil || len(probs) > 0 {
		t.Fatalf("Find: %v %v", probs, err)
	}
	ms := fleet.Group(units, fleet.Options{Channels: engine(t).Channels(), Period: 10 * 24 * time.Hour})
	if len(ms) != 1 || len(ms[0].Logs) != 2 {
		t.Fatalf("machines %q\n%s", labels(ms), shape(ms))
	}
	want := old + ": an older copy of " + cur + " (its newest records, at " + evtx.FormatTime(evs[118].System.TimeCreated) + ", are in it)"
	if g := strings.Join(ms[0].Grouping, "\n"); !ms[0].UnmergedCopy || !strings.Contains(g, want) {
		t.Errorf("UnmergedCopy %v, grouping:\n%s\nwant %q", ms[0].UnmergedCopy, g, want)
	}
}
