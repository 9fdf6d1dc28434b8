package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/evtxrdp/evtxrdp/internal/ctxtest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/rules"
)

// groupPeriod is the grouping period the tests below group with, as
// analyze does with the built-in rules (README: 12 days).
const groupPeriod = 12 * 24 * time.Hour

// decision describes what grouping decided of the logs of one channel
// that it read: for each machine, the files of each channel (every copy,
// sorted), and for each two files that it says parted (clones), both
// paths and the EventRecordID where they part. Counts, which read
// records of the period only, and how copies are gathered into logs (an
// older copy whose records lie before the other's period is a log of its
// own: Options.Period) are left out: those a period may change.
func decision(ms []*fleet.Machine) string {
	var machines []string
	pairs := map[string]bool{}
	for _, m := range ms {
		files := map[string][]string{}
		for _, l := range m.Logs {
			if !l.Read {
				continue
			}
			ch := strings.ToLower(l.Channel)
			for _, c := range l.Copies {
				files[ch] = append(files[ch], c.Path)
			}
			for _, p := range l.Parted() {
				for _, a := range l.Copies {
					for _, b := range p.Other.Copies {
						x, y := a.Path, b.Path
						if y < x {
							x, y = y, x
						}
						pairs[fmt.Sprintf("parted %s %s at %d", x, y, p.At)] = true
					}
				}
			}
		}
		var chs []string
		for ch, fs := range files {
			slices.Sort(fs)
			chs = append(chs, ch+": "+strings.Join(fs, " "))
		}
		slices.Sort(chs)
		if len(chs) > 0 {
			machines = append(machines, "machine "+strings.Join(chs, "; "))
		}
	}
	slices.Sort(machines)
	var ps []string
	for p := range pairs {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return strings.Join(append(machines, ps...), "\n")
}

// together lists the files of one channel that ms put in one machine,
// two by two.
func together(ms []*fleet.Machine) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		files := map[string][]string{}
		for _, l := range m.Logs {
			if l.Read {
				ch := strings.ToLower(l.Channel)
				for _, c := range l.Copies {
					files[ch] = append(files[ch], c.Path)
				}
			}
		}
		for ch, fs := range files {
			slices.Sort(fs)
			for i, a := range fs {
				for _, b := range fs[i+1:] {
					out[ch+": "+a+" "+b] = true
				}
			}
		}
	}
	return out
}

// groupBoth groups the logs at paths from the grouping period and from
// every record, failing t unless the two decide alike (decision), and
// returns the machines of the period. With renames, whom logs go with
// may differ, as Options.Period says (a rename told only by records
// before the period): the two must then still part the same files, and
// logs of one channel that the period puts in one machine must be in one
// machine from every record.
func groupBoth(t *testing.T, eng *rules.Engine, renames bool, paths ...string) []*fleet.Machine {
	t.Helper()
	units, probs, err := fleet.Find(paths)
	if err != nil || len(probs) > 0 {
		t.Fatalf("Find: %v %v", probs, err)
	}
	ms := fleet.Group(units, fleet.Options{Channels: eng.Channels(), Period: groupPeriod, Accepts: eng.Accepts()})
	all := fleet.Group(units, fleet.Options{Channels: eng.Channels(), Accepts: eng.Accepts()})
	got, want := decision(ms), decision(all)
	if !renames {
		if got != want {
			t.Errorf("decided from the grouping period:\n%s\nfrom every record:\n%s", got, want)
		}
		return ms
	}
	parted := func(s string) string { return s[strings.Index(s+"\nparted ", "\nparted "):] }
	if a, b := parted(got), parted(want); a != b {
		t.Errorf("parted from the grouping period:%s\nfrom every record:%s", a, b)
	}
	every := together(all)
	n := 0
	for p := range together(ms) {
		n++
		if !every[p] {
			t.Errorf("in one machine from the grouping period, not from every record: %s", p)
		}
	}
	if n == 0 {
		t.Errorf("no two logs of one channel in one machine: the test compares nothing")
	}
	return ms
}

// oldClones returns the System logs of crafted sets in which a log's own
// records all lie before another's grouping period, by folder: clones
// (one history, then two writers) and logs that are not clones (copies
// of one log, unrelated machines of one name).
func oldClones() map[string]map[string][]*evtx.Event {
	vm1 := cloneLog(1, 6000, 0) // about 29 days past the clone
	// Unrelated: the same name, the same EventRecordIDs, other times (a
	// second VM made from one generalized image, its log its own).
	other := func(start time.Time, n int) []*evtx.Event {
		evs := evtxtest.Noise(start, 10*time.Minute+3*time.Second, n)
		for i, ev := range evs {
			ev.System.Computer = "vm"
			ev.RecordID = uint64(i + 1)
		}
		return evs
	}
	first := vm1[0].System.TimeCreated
	// vm2's clock set back after the clone, by days.
	back := func(days int) []*evtx.Event {
		evs := cloneLog(2, 60, 30)
		for _, ev := range evs[cloneShared:] {
			ev.System.TimeCreated = ev.System.TimeCreated.Add(-time.Duration(days) * 24 * time.Hour)
		}
		return evs
	}
	renamed := cloneLog(2, 100, 50)
	for _, ev := range renamed[cloneShared:] {
		ev.System.Computer = "vm-renamed"
	}
	return map[string]map[string][]*evtx.Event{
		"old clone":                              {"vm1": vm1, "vm2": cloneLog(2, 100, 50)},
		"old clone found first":                  {"a": cloneLog(2, 100, 50), "b": vm1},
		"the newer clone is old":                 {"vm1": cloneLog(1, 100, 0), "vm2": cloneLog(2, 6000, 5990)},
		"three, two old":                         {"vm1": vm1, "vm2": cloneLog(2, 3000, 0), "vm3": cloneLog(3, 100, 50)},
		"old clone exported":                     {"vm1": vm1, "vm2saved": evtxtest.Exported(cloneLog(2, 100, 50))},
		"old clone and an old copy of the other": {"vm1": vm1, "vm1old": vm1[:cloneShared+100], "vm2": cloneLog(2, 100, 50)},
		"clone whose clock went back 20 days":    {"vm1": cloneLog(1, 500, 0), "vm2": back(20)},
		"clone whose clock went back 40 days":    {"vm1": cloneLog(1, 500, 0), "vm2": back(40)},
		"old clone renamed":                      {"vm1": vm1, "vm2": renamed},
		// Not clones.
		"unrelated, one of them older":    {"vm1": vm1, "vmx": other(first.Add(3*time.Minute), 300)},
		"unrelated, one before the other": {"vm1": vm1[cloneShared+3000:], "vmx": other(first, 300)},
		"copied twice, the later wrapped": {"early": vm1[:3000], "late": vm1[2000:]},
		"copied twice, none shared":       {"early": vm1[:1000], "late": vm1[2000:]},
	}
}

// writeSet writes a set of oldClones into a new folder.
func writeSet(t *testing.T, logs map[string][]*evtx.Event) string {
	t.Helper()
	dir := t.TempDir()
	for d, evs := range logs {
		write(t, filepath.Join(dir, d, "System.evtx"), evs)
	}
	return dir
}

// TestOldCloneIsTwoMachines: a clone whose own log ends before the other
// clone's grouping period (vm2 ran half a day past the clone, vm1 29
// days) shares no record that grouping reads with it. The two logs were
// then one machine, with nothing said: analysed from vm1's newest
// record, vm2's Schannel 36871 lay outside every window, and
// rdp-tls-disabled said "not detected". A comparison of all records finds
// them parted: two machines, the 36871 found on vm2, both machines'
// grouping saying where they part, as Group with Period 0 decides.
func TestOldCloneIsTwoMachines(t *testing.T) {
	eng := engine(t)
	sets := oldClones()
	for _, c := range []struct {
		set      string
		groups   [][]string
		detected []string
	}{
		{"old clone", [][]string{{"vm1"}, {"vm2"}}, []string{"vm2"}},
		{"the newer clone is old", [][]string{{"vm1"}, {"vm2"}}, []string{"vm2"}},
		{"three, two old", [][]string{{"vm1"}, {"vm2"}, {"vm3"}}, []string{"vm3"}},
		{"old clone exported", [][]string{{"vm1"}, {"vm2saved"}}, []string{"vm2saved"}},
	} {
		t.Run(c.set, func(t *testing.T) {
			dir := writeSet(t, sets[c.set])
			ms := groupBoth(t, eng, false, dir)
			res := make([]*rules.Result, len(ms))
			fleet.Analyze(eng, ms, 2, func(i int, r *fleet.Result) {
				if r.Err != nil || r.Result == nil {
					t.Fatalf("machine %d: %+v", i, r)
				}
				res[i] = r.Result
			}, nil)
			checkClones(t, c.set, ms, res, c.groups, c.detected...)
		})
	}
}

// TestOldCloneBesideOldCopy: vm1's log, an older copy of it taken 100
// records past the clone (all before vm1's grouping period: a log of its
// own, in vm1's machine), and vm2, an old clone: vm2 parts from both
// files of vm1, and is a machine of its own.
func TestOldCloneBesideOldCopy(t *testing.T) {
	dir := writeSet(t, oldClones()["old clone and an old copy of the other"])
	ms := groupBoth(t, engine(t), false, dir)
	if len(ms) != 2 {
		t.Fatalf("%d machines, want 2:\n%s", len(ms), fullShape(ms))
	}
	if got, want := systemCopies(ms[machineOf(t, ms, "vm1")]), []string{"vm1", "vm1old"}; !slices.Equal(got, want) {
		t.Errorf("vm1's machine's System copies %q, want %q", got, want)
	}
	said := strings.Join(ms[machineOf(t, ms, "vm2")].Grouping, "\n")
	for _, d := range []string{"vm1", "vm1old"} {
		w := filepath.Join(dir, d, "System.evtx") + " (another machine's log, analysed in its own section) are not copies of one log: they hold the same records up to EventRecordID 195"
		if !strings.Contains(said, w) {
			t.Errorf("vm2's grouping does not say %q:\n%s", w, said)
		}
	}
}

// TestOldLogsNotClones: logs of one name and channel that share no
// record in their grouping periods and are not clones are not called
// clones: unrelated machines of one name (one whose log ends before the
// other's period while the other's older records cover its time: two
// writers at one time, two machines, as from every record; one wholly
// before the other: one machine, as from every record), and one log
// copied at two times, the later copy wrapped (its oldest records
// overwritten), with records both hold or with none: one machine.
func TestOldLogsNotClones(t *testing.T) {
	eng := engine(t)
	sets := oldClones()
	for _, c := range []struct {
		set      string
		machines int
	}{
		{"unrelated, one of them older", 2},
		{"unrelated, one before the other", 1},
		{"copied twice, the later wrapped", 1},
		{"copied twice, none shared", 1},
	} {
		t.Run(c.set, func(t *testing.T) {
			dir := writeSet(t, sets[c.set])
			ms := groupBoth(t, eng, false, dir)
			if len(ms) != c.machines {
				t.Errorf("%d machines, want %d:\n%s", len(ms), c.machines, fullShape(ms))
			}
			for _, m := range ms {
				if said := strings.Join(m.Grouping, "\n"); strings.Contains(said, "are not copies of one log") {
					t.Errorf("called clones:\n%s", said)
				}
			}
		})
	}
}

// TestPeriodDecidesAsEveryRecord: grouping from the grouping period
// decides of every crafted set (old clones, not clones, the clone sets
// of clone_test.go) and of the shared samples (48 real logs, together
// and each folder with a copy of itself) what grouping from every
// record decides: the same machines of the same files, the same files
// parted at the same record (decision).
func TestPeriodDecidesAsEveryRecord(t *testing.T) {
	eng := engine(t)
	for name, set := range oldClones() {
		t.Run(name, func(t *testing.T) { groupBoth(t, eng, false, writeSet(t, set)) })
	}
	t.Run("clones", func(t *testing.T) {
		groupBoth(t, eng, false, writeSet(t, map[string][]*evtx.Event{
			"vm1": cloneLog(1, 500, 0), "vm2": cloneLog(2, 60, 30), "vm3": cloneLog(3, 2000, 0),
			"vm2old": cloneLog(2, 60, 30)[:cloneShared+10], "vm3saved": evtxtest.Exported(cloneLog(3, 2000, 0)),
		}))
	})
	t.Run("samples", func(t *testing.T) {
		samples := "../../shared/samples"
		files, _ := filepath.Glob(filepath.Join(samples, "*.evtx"))
		if len(files) < 40 {
			t.Fatalf("%d shared samples, want the 48", len(files))
		}
		groupBoth(t, eng, true, samples)
		// Every sample beside a copy of itself, and the samples twice.
		dir := t.TempDir()
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []string{"a", "b"} {
				writeLogFile(t, dir, d, b)
				if err := os.Rename(filepath.Join(dir, d, "System.evtx"), filepath.Join(dir, d, filepath.Base(f))); err != nil {
					t.Fatal(err)
				}
			}
		}
		groupBoth(t, eng, true, dir)
	})
}

// TestContainedPairEqualsWholeRead: of two logs of one channel and name
// read apart, one of which holds only records of the other (an older
// copy, its records before the other's grouping period), Group reads the
// larger only within the smaller's time; it must group as reading both
// whole does (the same machines, logs, copies, counts and grouping
// lines), for older copies (whole, cut short, damaged, one record's
// TimeCreated changed, without a usable TimeCreated) and every set of
// oldClones, and it must read whole the pairs it cannot settle so.
func TestContainedPairEqualsWholeRead(t *testing.T) {
	eng := engine(t)
	o := fleet.Options{Channels: eng.Channels(), Period: groupPeriod, Accepts: eng.Accepts()}
	vm1 := cloneLog(1, 6000, 0)
	sets := oldClones()
	sets["older copy"] = map[string][]*evtx.Event{"live": vm1, "old": vm1[:300]}
	sets["older copy found first"] = map[string][]*evtx.Event{"a": vm1[:300], "b": vm1}
	changed := slices.Clone(vm1[:300])
	ev := *changed[250]
	ev.System.TimeCreated = ev.System.TimeCreated.Add(time.Second)
	changed[250] = &ev
	sets["older copy, a record changed"] = map[string][]*evtx.Event{"live": vm1, "old": changed}
	untimed := slices.Clone(vm1[:300])
	ev0 := *untimed[100]
	ev0.System.TimeCreated = evtx.FiletimeToTime(0)
	untimed[100] = &ev0
	sets["older copy, a record of FILETIME 0"] = map[string][]*evtx.Event{"live": vm1, "old": untimed}
	// Whether each set's pairs are settled without reading the larger
	// log whole (true), or read whole (false).
	settled := map[string]bool{"older copy": true, "older copy found first": true, "copied twice, the later wrapped": false,
		"older copy, a record changed": false, "older copy, a record of FILETIME 0": false, "old clone": false}
	for name, set := range sets {
		t.Run(name, func(t *testing.T) {
			dir := writeSet(t, set)
			units, probs, err := fleet.Find([]string{dir})
			if err != nil || len(probs) > 0 {
				t.Fatalf("Find: %v %v", probs, err)
			}
			before := fleet.SetContainedOff(false)
			ms := fleet.Group(units, o)
			after := fleet.SetContainedOff(true)
			whole := fleet.Group(units, o)
			fleet.SetContainedOff(false)
			if got, want := fullShape(ms), fullShape(whole); got != want {
				t.Errorf("grouped with older copies settled apart:\n%s\nreading every record:\n%s", got, want)
			}
			if want, ok := settled[name]; ok && (after == before) != want {
				t.Errorf("read the larger log whole %d times, want it settled %v", after-before, want)
			}
		})
	}
	// A damaged older copy: its last chunk's records checksum wrong.
	t.Run("older copy, damaged", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "live", "System.evtx"), vm1)
		b, err := evtxtest.Bytes(vm1[:300], evtxtest.Options{MaxRecordsPerChunk: 40, BadRecordsCRC: []int{7}})
		if err != nil {
			t.Fatal(err)
		}
		writeLogFile(t, dir, "old", b)
		units, _, err := fleet.Find([]string{dir})
		if err != nil {
			t.Fatal(err)
		}
		ms := fleet.Group(units, o)
		fleet.SetContainedOff(true)
		whole := fleet.Group(units, o)
		fleet.SetContainedOff(false)
		if got, want := fullShape(ms), fullShape(whole); got != want {
			t.Errorf("grouped with older copies settled apart:\n%s\nreading every record:\n%s", got, want)
		}
	})
}

// TestOldCloneNote: the note that another machine has the same name says
// of clones that their logs part from one history, not that they cover
// the same period: an old clone's log ends before the other's period
// starts. Unrelated machines of one name whose logs cover one time keep
// the "same period" wording.
func TestOldCloneNote(t *testing.T) {
	eng := engine(t)
	sets := oldClones()
	for _, c := range []struct{ set, want, not string }{
		{"old clone", "logs hold the same records up to a point and different ones after it", "cover the same period"},
		{"old clone renamed", "logs hold the same records up to a point and different ones after it", "cover the same period"},
		{"unrelated, one of them older", "logs cover the same period with different records", "up to a point"},
	} {
		t.Run(c.set, func(t *testing.T) {
			ms := fleet.Group(mustFind(t, writeSet(t, sets[c.set])), fleet.Options{Channels: eng.Channels(), Period: groupPeriod, Accepts: eng.Accepts()})
			if len(ms) != 2 {
				t.Fatalf("%d machines, want 2:\n%s", len(ms), fullShape(ms))
			}
			for _, m := range ms {
				said := strings.Join(m.Grouping, "\n")
				if !strings.Contains(said, c.want) || strings.Contains(said, c.not) {
					t.Errorf("%s: grouping says, want %q and not %q:\n%s", m.Label(), c.want, c.not, said)
				}
			}
		})
	}
}

func mustFind(t *testing.T, paths ...string) []*fleet.Unit {
	t.Helper()
	units, probs, err := fleet.Find(paths)
	if err != nil || len(probs) > 0 {
		t.Fatalf("Find: %v %v", probs, err)
	}
	return units
}

// TestOldCloneGroupContextStop: the comparison of old clones over all
// their records (clonesOverAll) reads under the grouping's context:
// GroupContext stopped at any of its looks at the context, those of that
// comparison included, returns a stop and no machine, or, ended first,
// the machines Group gives.
func TestOldCloneGroupContextStop(t *testing.T) {
	eng := engine(t)
	dir := writeSet(t, oldClones()["old clone"])
	opts := fleet.Options{Channels: eng.Channels(), Period: groupPeriod, Accepts: eng.Accepts(), Workers: 2}
	want := decision(fleet.Group(mustFind(t, dir), opts))
	whole := ctxtest.NewAfter(-1)
	if ms, err := fleet.GroupContext(whole, mustFind(t, dir), opts); err != nil || decision(ms) != want {
		t.Fatalf("GroupContext never stopped: %v\n%s\nwant\n%s", err, decision(ms), want)
	}
	total := whole.Calls()
	step := max(total/40, 1)
	stops := 0
	for after := int64(0); after <= total+1; after += step {
		c := ctxtest.NewAfter(after)
		ms, err := fleet.GroupContext(c, mustFind(t, dir), opts)
		if err != nil {
			stops++
			if !errors.Is(err, context.Canceled) || !errors.Is(err, rules.ErrStopped) || ms != nil {
				t.Fatalf("stopped after %d: %v, %d machines", after, err, len(ms))
			}
			continue
		}
		if got := decision(ms); got != want {
			t.Fatalf("not stopped after %d looks of %d, yet decided\n%s\nwant\n%s", after, total, got, want)
		}
	}
	if stops == 0 {
		t.Fatalf("no stop in %d looks", total)
	}
}
