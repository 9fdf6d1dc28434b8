package rules_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// changeIDs lists the EventRecordIDs of cs.
func changeIDs(cs []*rules.ClockChange) []uint64 {
	var ids []uint64
	for _, c := range cs {
		ids = append(ids, c.Record.EventRecordID)
	}
	return ids
}

// clockChangesOf renders what r says of clock changes: each jump's and
// gap's changes, and the warnings that name them.
func clockChangesOf(r *rules.Result) string {
	return inDir(r, clockChangesText(r))
}

// inDir returns s with the folder of r's inputs written DIR: analyses of
// one log written to two temporary folders compare.
func inDir(r *rules.Result, s string) string {
	for _, in := range r.Inputs {
		s = strings.ReplaceAll(s, filepath.Dir(in.Path), "DIR")
	}
	return s
}

func clockChangesText(r *rules.Result) string {
	var b strings.Builder
	for _, j := range r.ClockJumps {
		fmt.Fprintf(&b, "jump behind=%v %v\n", j.Behind, changeIDs(j.Changes))
	}
	for _, g := range r.TimeGaps {
		fmt.Fprintf(&b, "gap %v\n", changeIDs(g.Changes))
	}
	for _, w := range r.Warnings {
		if strings.HasPrefix(w, "clock change in ") {
			b.WriteString(w + "\n")
		}
	}
	return b.String()
}

// TestClockChangesExplainJumps: a clock jump, or a time gap, that the log
// holds the clock change of (Kernel-General 1, Security 4616) is reported
// with that record: EventRecordID, old and new time, reason, process. Each
// System log is crafted from evtxtest.Noise (100 records an hour apart):
//
//   - a clock run five days ahead and corrected: a change ahead (by
//     rundll32.exe), five records ahead, a change back (by the time
//     service); a time synchronisation of two seconds among the records
//     ahead is not named, nor is a change of another computer;
//   - a clock set back ten days and set right again: both changes;
//   - a lost CMOS time: records in 2000 after the machine started, then
//     the time service set the clock to the right time (reason 1);
//   - a clock set twenty days ahead and kept there: the time gap across
//     the analysed period's start names the change.
//
// Analyze gives the same with every shortcut and without. The verdicts,
// the jumps' and gaps' own records and their warnings are those of the
// same logs without the change records' fields (the changes made
// unreadable: a Kernel-General event 1 of another provider name), but
// for the warnings that name the changes.
func TestClockChangesExplainJumps(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	const svchost = `\Device\HarddiskVolume2\Windows\System32\svchost.exe`
	const rundll = `\Device\HarddiskVolume2\Windows\System32\rundll32.exe`
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Hour) }
	for _, tc := range []struct {
		name  string
		build func() []*evtx.Event
		want  string   // clockChangesOf's jumps and gaps
		says  []string // in the warnings naming changes
	}{
		{"clock run ahead and corrected", func() []*evtx.Event {
			evs := evtxtest.Noise(t0, time.Hour, 100)
			var out []*evtx.Event
			for i, ev := range evs {
				switch i {
				case 85:
					out = append(out, evtxtest.KernelGeneral1(at(85).Add(-time.Minute), at(85).Add(-time.Minute+5*day), 1, rundll, 3308))
				case 87:
					// A time synchronisation of 2 seconds while ahead.
					out = append(out, evtxtest.KernelGeneral1(at(87).Add(5*day-time.Minute-2*time.Second), at(87).Add(5*day-time.Minute), 1, svchost, 1540))
				case 88:
					// Another computer's change (forwarded events).
					o := evtxtest.KernelGeneral1(at(88).Add(5*day-time.Minute), at(88).Add(-time.Minute), 1, svchost, 1540)
					o.System.Computer = "VM2"
					out = append(out, o)
				case 90:
					out = append(out, evtxtest.KernelGeneral1(at(90).Add(5*day-time.Minute), at(90).Add(-time.Minute), 1, svchost, 1540))
				}
				if i >= 85 && i < 90 {
					ev.System.TimeCreated = ev.System.TimeCreated.Add(5 * day)
				}
				out = append(out, ev)
			}
			return out
		}, "jump behind=false [86 94]\n", []string{
			"the log records clock changes that explain the jump ahead: Kernel-General 1 (EventRecordID 86, 2024-05-09T12:59:00.0000000Z) set the clock ahead from 2024-05-04T12:59:00.0000000Z to 2024-05-09T12:59:00.0000000Z (5 days), reason 1 (an application or system component changed the time), by " + rundll + ", not the Windows Time service's svchost.exe (process ID 3308)",
			"; Kernel-General 1 (EventRecordID 94, 2024-05-04T17:59:00.0000000Z) set the clock back from 2024-05-09T17:59:00.0000000Z to 2024-05-04T17:59:00.0000000Z (5 days), reason 1 (an application or system component changed the time), by " + svchost + " (process ID 1540)",
		}},
		{"clock set back and set right", func() []*evtx.Event {
			evs := evtxtest.Noise(t0, time.Hour, 100)
			var out []*evtx.Event
			for i, ev := range evs {
				switch i {
				case 80:
					out = append(out, evtxtest.KernelGeneral1(at(80).Add(-time.Minute), at(80).Add(-time.Minute-10*day), 1, rundll, 3308))
				case 90:
					out = append(out, evtxtest.KernelGeneral1(at(90).Add(-time.Minute-10*day), at(90).Add(-time.Minute), 1, rundll, 3308))
				}
				if i >= 80 && i < 90 {
					ev.System.TimeCreated = ev.System.TimeCreated.Add(-10 * day)
				}
				out = append(out, ev)
			}
			return out
		}, "jump behind=true [81 92]\n", []string{
			"the log records clock changes that explain the jump behind: Kernel-General 1 (EventRecordID 81, 2024-04-24T07:59:00.0000000Z) set the clock back from 2024-05-04T07:59:00.0000000Z to 2024-04-24T07:59:00.0000000Z (10 days)",
			"; Kernel-General 1 (EventRecordID 92, 2024-05-04T17:59:00.0000000Z) set the clock ahead from 2024-04-24T17:59:00.0000000Z to 2024-05-04T17:59:00.0000000Z (10 days)",
		}},
		// The same, with a record of a cleared time (FILETIME 1) among
		// the jump's and a change that set right a clock that read 2015,
		// which no record of the jump has: the cleared time stretches
		// the jump's span of times back to 1601, but the change explains
		// no record of it and is not named.
		{"clock set back, a cleared time among the records", func() []*evtx.Event {
			evs := evtxtest.Noise(t0, time.Hour, 100)
			var out []*evtx.Event
			for i, ev := range evs {
				switch i {
				case 80:
					out = append(out, evtxtest.KernelGeneral1(at(80).Add(-time.Minute), at(80).Add(-time.Minute-10*day), 1, rundll, 3308))
				case 90:
					out = append(out, evtxtest.KernelGeneral1(at(90).Add(-time.Minute-10*day), at(90).Add(-time.Minute), 1, rundll, 3308))
				case 97:
					out = append(out, evtxtest.KernelGeneral1(time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), at(97).Add(-time.Minute), 1, svchost, 1540))
				}
				if i >= 80 && i < 90 {
					ev.System.TimeCreated = ev.System.TimeCreated.Add(-10 * day)
				}
				if i == 95 {
					ev.System.TimeCreated = evtx.FiletimeToTime(1)
				}
				out = append(out, ev)
			}
			return out
		}, "jump behind=true [81 92]\n", nil},
		{"lost CMOS time", func() []*evtx.Event {
			evs := evtxtest.Noise(t0, time.Hour, 100)
			cmos := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
			var out []*evtx.Event
			for i, ev := range evs {
				if i >= 90 && i < 95 {
					ev.System.TimeCreated = cmos.Add(time.Duration(i-90) * time.Minute)
				}
				if i == 95 {
					out = append(out, evtxtest.KernelGeneral1(cmos.Add(5*time.Minute), at(95).Add(-time.Minute), 1, svchost, 1540))
				}
				out = append(out, ev)
			}
			return out
		}, "jump behind=true [96]\n", []string{
			"the log records a clock change that explains the jump behind: Kernel-General 1 (EventRecordID 96, 2024-05-04T22:59:00.0000000Z) set the clock ahead from 2000-01-01T00:05:00.0000000Z to 2024-05-04T22:59:00.0000000Z (8890 days 22 hours 54 minutes), reason 1",
		}},
		{"clock set ahead and kept", func() []*evtx.Event {
			evs := evtxtest.Noise(t0, time.Hour, 100)
			var out []*evtx.Event
			for i, ev := range evs {
				if i == 90 {
					out = append(out, evtxtest.KernelGeneral1(at(89).Add(time.Minute), at(90).Add(20*day-time.Minute), 2, "", 4))
				}
				if i >= 90 {
					ev.System.TimeCreated = ev.System.TimeCreated.Add(20 * day)
				}
				out = append(out, ev)
			}
			return out
		}, "gap [91]\n", []string{
			"the log records a clock change that explains the time gap: Kernel-General 1 (EventRecordID 91, 2024-05-24T17:59:00.0000000Z) set the clock ahead from 2024-05-04T17:01:00.0000000Z to 2024-05-24T17:59:00.0000000Z (20 days 58 minutes), reason 2 (system time synchronized with the hardware clock)",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs := tc.build()
			fast := analyzeSystem(t, evs, false)
			plain := analyzeSystem(t, evs, true)
			got := clockChangesOf(fast)
			if p := clockChangesOf(plain); p != got {
				t.Errorf("shortcuts change the changes:\n%s\nwithout:\n%s", got, p)
			}
			lines := strings.SplitAfter(got, "\n")
			var ids string
			for _, l := range lines {
				if !strings.HasPrefix(l, "clock change in ") {
					ids += l
				}
			}
			if ids != tc.want {
				t.Errorf("jumps and gaps with changes:\n%s\nwant:\n%s", ids, tc.want)
			}
			for _, s := range tc.says {
				if !strings.Contains(got, s) {
					t.Errorf("the warnings do not say %q:\n%s", s, got)
				}
			}
			// Without readable changes (their provider renamed), the
			// same verdicts, jumps, gaps and warnings, less the changes'.
			var none []*evtx.Event
			for _, ev := range evs {
				c := *ev
				if c.System.Provider.Name == evtxtest.ProviderKernelGeneral {
					c.System.Provider.Name = "Microsoft-Windows-Kernel-Generalx"
				}
				none = append(none, &c)
			}
			bare := analyzeSystem(t, none, false)
			if clockChangesOf(bare) == got {
				t.Fatalf("the renamed changes are still named")
			}
			noChanges := func(r *rules.Result) string {
				var keep []string
				for _, l := range strings.Split(inDir(r, answer(r)), "\n") {
					if !strings.HasPrefix(l, "  changes ") {
						keep = append(keep, l)
					}
				}
				return strings.Join(keep, "\n")
			}
			if a, b := noChanges(bare), noChanges(fast); a != b {
				t.Errorf("the changes change the answer:\n%s\nwith them:\n%s", a, b)
			}
			var kept []string
			for _, w := range fast.Warnings {
				if !strings.HasPrefix(w, "clock change in ") {
					kept = append(kept, inDir(fast, w))
				}
			}
			var bareWarnings []string
			for _, w := range bare.Warnings {
				bareWarnings = append(bareWarnings, inDir(bare, w))
			}
			if !slices.Equal(kept, bareWarnings) {
				t.Errorf("the warnings differ beyond the changes':\n%q\n%q", kept, bare.Warnings)
			}
		})
	}
}

// TestClockChangesRealSamples: the real logs that hold clock changes and
// a clock jump or time gap, as analyze reads each alone.
//
//   - omerbenamram's system.evtx: records 218 to 295 lie ten hours before
//     the first-written record; Kernel-General 1 EventRecordID 218 set the
//     clock back from 17:18:24 to 07:18:24 (reason 1), and 296 (outside
//     the analysed period, as 218) set it ahead again. Its time gap from
//     2017-12-28 to 2018-03-06 is Kernel-General 1 EventRecordID 1864,
//     which set the clock from 2017-12-28T09:00:05 to 2018-03-06T08:13:09.
//   - Velocidex's Security.evtx: records 32226 to 32276 lie 4.5 hours
//     after the last-written record; Security 4616 EventRecordID 32277,
//     by VBoxService.exe, set the clock back from 2019-02-08T05:37:17 to
//     2019-02-07T11:37:19. Its 4616s 31909 and 32569, which set the clock
//     back from the year 2296, are not this jump's.
//   - omerbenamram's Security_with_size_t.evtx: version 0 4616s (local
//     date and time strings) by VBoxService.exe; 564 and 604 set the
//     clock back ten hours (the jump ahead), 125, 367 and 408 too (the
//     jump behind), and 456, outside the analysed period, set it ahead
//     again after the jump behind's records.
//   - omerbenamram's sample-with-zero-data-size-event.evtx and
//     security_bad_string_cache.evtx, michkoll's System.evtx: jumps or gaps
//     and time synchronisations of seconds, or changes elsewhere: none
//     named.
func TestClockChangesRealSamples(t *testing.T) {
	for _, tc := range []struct {
		file string
		want string
		says []string
	}{
		{"omerbenamram__evtx__samples__system.evtx", "jump behind=true [218 296]\ngap [1864]\n", []string{
			"Kernel-General 1 (EventRecordID 218, 2017-07-12T07:18:24.6832675Z) set the clock back from 2017-07-12T17:18:24.4026095Z to 2017-07-12T07:18:24.6878526Z (10 hours)",
			"Kernel-General 1 (EventRecordID 1864, 2018-03-06T08:13:09.7971153Z) set the clock ahead from 2017-12-28T09:00:05.0788872Z to 2018-03-06T08:13:09.7620000Z",
		}},
		{"Velocidex__evtx__testdata__Security.evtx", "jump behind=false [32277]\n", []string{
			`Security 4616 (EventRecordID 32277, 2019-02-07T11:37:19.7256242Z) set the clock back from 2019-02-08T05:37:17.6845307Z to 2019-02-07T11:37:19.7240000Z (17 hours 59 minutes 58 seconds), by C:\Windows\System32\VBoxService.exe, not the Windows Time service's svchost.exe (process ID 0x4c8)`,
		}},
		{"omerbenamram__evtx__samples__Security_with_size_t.evtx", "jump behind=false [564 604]\njump behind=true [125 367 408 456]\n", []string{
			"Security 4616 (EventRecordID 564, 2015-09-12T17:42:22.5476250Z) set the clock back from 2015-09-13T03:42:21.0000000Z to 2015-09-12T17:42:22.0000000Z (9 hours 59 minutes 59 seconds), local times 9/12/2015 8:42:21 PM to 9/12/2015 10:42:22 AM as written",
		}},
		{"omerbenamram__evtx__samples__sample-with-zero-data-size-event.evtx", "jump behind=true []\ngap []\n", nil},
		{"omerbenamram__evtx__samples__security_bad_string_cache.evtx", "gap []\n", nil},
		{"michkoll__fakenevtx__tests__data__System.evtx", "gap []\n", nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var got []string
			for _, plain := range []bool{false, true} {
				got = append(got, clockChangesOf(analyzeDir(t, filepath.Join("../testdata/evtx", tc.file), plain)))
			}
			if got[0] != got[1] {
				t.Errorf("shortcuts change the changes:\n%s\nwithout:\n%s", got[0], got[1])
			}
			var ids string
			for _, l := range strings.SplitAfter(got[0], "\n") {
				if !strings.HasPrefix(l, "clock change in ") {
					ids += l
				}
			}
			if ids != tc.want {
				t.Errorf("jumps and gaps with changes:\n%s\nwant:\n%s", ids, tc.want)
			}
			for _, s := range tc.says {
				if !strings.Contains(got[0], s) {
					t.Errorf("the warnings do not say %q:\n%s", s, got[0])
				}
			}
		})
	}
}

// TestClockChangesOfAnotherComputer: in a log that holds several
// computers' records (forwarded events, or logs of several machines read
// as one), a clock change explains a jump or a gap only when it is of the
// computer of the records it is made of and measured from: every record
// of the jump, and for a jump ahead the last-written record; the records
// on both sides of a gap. Each System log is one of
// TestClockChangesExplainJumps's (evtxtest.Noise, 100 records an hour
// apart) with changes of another computer (VM2) that the times alone
// would name, or with a record of VM2 among the jump's or after the gap;
// a change that names the same host in another form (lower case, a
// domain suffix: hosts.Key) is still named.
func TestClockChangesOfAnotherComputer(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	const svchost = `\Device\HarddiskVolume2\Windows\System32\svchost.exe`
	const rundll = `\Device\HarddiskVolume2\Windows\System32\rundll32.exe`
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Hour) }
	on := func(ev *evtx.Event, computer string) *evtx.Event {
		ev.System.Computer = computer
		return ev
	}
	vm1 := evtxtest.DefaultComputer
	// runAhead is a clock run five days ahead at record 85 (a change of
	// computer c1) and set back at 90 (of c2, then VM2's change of the
	// same times, by the time service); record 87, five days ahead, is
	// of computer mid. EventRecordIDs: 86 and 92 are the changes of c1
	// and c2, 93 VM2's.
	runAhead := func(c1, c2, mid string) []*evtx.Event {
		var out []*evtx.Event
		for i, ev := range evtxtest.Noise(t0, time.Hour, 100) {
			switch i {
			case 85:
				out = append(out, on(evtxtest.KernelGeneral1(at(85).Add(-time.Minute), at(85).Add(-time.Minute+5*day), 1, rundll, 3308), c1))
			case 87:
				ev.System.Computer = mid
			case 90:
				out = append(out, on(evtxtest.KernelGeneral1(at(90).Add(5*day-time.Minute), at(90).Add(-time.Minute), 1, rundll, 3308), c2),
					on(evtxtest.KernelGeneral1(at(90).Add(5*day-time.Minute), at(90).Add(-time.Minute), 1, svchost, 1540), "VM2"))
			}
			if i >= 85 && i < 90 {
				ev.System.TimeCreated = ev.System.TimeCreated.Add(5 * day)
			}
			out = append(out, ev)
		}
		return out
	}
	// setBack is the jump behind of a clock set back ten days at record
	// 80 (a change of computer c1) and set right at 90 (of c2, then
	// VM2's change of the same times, by the time service); record 85,
	// ten days behind, is of computer mid. EventRecordIDs: 81 and 92 are
	// the changes of c1 and c2, 93 VM2's.
	setBack := func(c1, c2, mid string) []*evtx.Event {
		var out []*evtx.Event
		for i, ev := range evtxtest.Noise(t0, time.Hour, 100) {
			switch i {
			case 80:
				out = append(out, on(evtxtest.KernelGeneral1(at(80).Add(-time.Minute), at(80).Add(-time.Minute-10*day), 1, rundll, 3308), c1))
			case 85:
				ev.System.Computer = mid
			case 90:
				out = append(out, on(evtxtest.KernelGeneral1(at(90).Add(-time.Minute-10*day), at(90).Add(-time.Minute), 1, rundll, 3308), c2),
					on(evtxtest.KernelGeneral1(at(90).Add(-time.Minute-10*day), at(90).Add(-time.Minute), 1, svchost, 1540), "VM2"))
			}
			if i >= 80 && i < 90 {
				ev.System.TimeCreated = ev.System.TimeCreated.Add(-10 * day)
			}
			out = append(out, ev)
		}
		return out
	}
	// setAhead is the time gap of a clock set twenty days ahead at record
	// 90 and kept there: the records from 90 on are of computer after;
	// after record 90 (EventRecordID 91, the oldest after the gap) come
	// a change of computer c (92) and VM2's of the same old time (93),
	// by the time service.
	setAhead := func(c, after string) []*evtx.Event {
		var out []*evtx.Event
		for i, ev := range evtxtest.Noise(t0, time.Hour, 100) {
			if i >= 90 {
				ev.System.TimeCreated = ev.System.TimeCreated.Add(20 * day)
				ev.System.Computer = after
			}
			out = append(out, ev)
			if i == 90 {
				out = append(out, on(evtxtest.KernelGeneral1(at(89).Add(time.Minute), at(90).Add(20*day+2*time.Minute), 2, "", 4), c),
					on(evtxtest.KernelGeneral1(at(89).Add(time.Minute), at(90).Add(20*day+3*time.Minute), 2, svchost, 1540), "VM2"))
			}
		}
		return out
	}
	other := strings.ToLower(vm1) + ".contoso.com"
	for _, tc := range []struct {
		name string
		evs  []*evtx.Event
		want string // clockChangesOf's jumps and gaps
	}{
		{"jump ahead: VM1's changes, not VM2's", runAhead(vm1, vm1, vm1), "jump behind=false [86 92]\n"},
		{"jump ahead: the same host in other forms", runAhead(other, strings.ToLower(vm1), vm1), "jump behind=false [86 92]\n"},
		{"jump ahead: a record of VM2 among its records", runAhead(vm1, vm1, "VM2"), "jump behind=false []\n"},
		{"jump behind: VM1's changes, not VM2's", setBack(vm1, vm1, vm1), "jump behind=true [81 92]\n"},
		{"jump behind: the same host in other forms", setBack(strings.ToLower(vm1), other, vm1), "jump behind=true [81 92]\n"},
		{"jump behind: VM2's changes alone", setBack("VM2", "VM2", vm1), "jump behind=true []\n"},
		{"jump behind: a record of VM2 among its records", setBack(vm1, vm1, "VM2"), "jump behind=true []\n"},
		{"gap: VM1's change, not VM2's", setAhead(vm1, vm1), "gap [92]\n"},
		{"gap: the same host in another form", setAhead(other, vm1), "gap [92]\n"},
		{"gap: VM2's changes alone", setAhead("VM2", vm1), "gap []\n"},
		{"gap: records of VM1 before it, of VM2 after it", setAhead("VM2", "VM2"), "gap []\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, plain := range []bool{false, true} {
				got = append(got, clockChangesOf(analyzeSystem(t, tc.evs, plain)))
			}
			if got[0] != got[1] {
				t.Errorf("shortcuts change the changes:\n%s\nwithout:\n%s", got[0], got[1])
			}
			var ids string
			for _, l := range strings.SplitAfter(got[0], "\n") {
				if !strings.HasPrefix(l, "clock change in ") {
					ids += l
				}
			}
			if ids != tc.want {
				t.Errorf("jumps and gaps with changes:\n%s\nwant:\n%s\n%s", ids, tc.want, got[0])
			}
			if strings.Contains(got[0], "by "+svchost) {
				t.Errorf("VM2's change is named:\n%s", got[0])
			}
		})
	}
}

// TestExplainClockJumpsShortcutEqualsPlain: ExplainClockJumps (query's
// reading of every clock change of a log with a jump) names the same
// changes whether it decodes every record or only the clock changes its
// filter lets through, over every real log of testdata/evtx; on the
// logs with a jump it names at least the changes the jumps' own records
// hold (what query named before), and on omerbenamram's system.evtx
// also 296, which set the clock ahead again after the jump behind.
func TestExplainClockJumpsShortcutEqualsPlain(t *testing.T) {
	paths, err := filepath.Glob("../testdata/evtx/*.evtx")
	if err != nil || len(paths) < 40 {
		t.Fatalf("%d logs: %v", len(paths), err)
	}
	withJumps := 0
	for _, p := range paths {
		logs, err := evtx.Find(p)
		if err != nil || len(logs) != 1 {
			t.Fatalf("%s: %v", p, err)
		}
		l := logs[0]
		var got [2]string
		for i, plain := range []bool{false, true} {
			first, last, _, err := rules.TimedWrittenEnds(l, evtx.Options{}, plain)
			if err != nil || last == nil {
				continue
			}
			ahead, _ := rules.FindClockJump(l, last, evtx.Options{}, plain)
			var behind *rules.ClockJump
			if first != nil {
				behind, _ = rules.FindClockJumpBehind(l, first, last, evtx.Options{}, plain)
			}
			var own string
			for _, j := range []*rules.ClockJump{ahead, behind} {
				if j != nil {
					own += fmt.Sprint(changeIDs(j.Changes))
				}
			}
			if err := rules.ExplainClockJumps(l, evtx.Options{}, plain, ahead, behind); err != nil {
				t.Errorf("%s: %v", p, err)
			}
			for _, j := range []*rules.ClockJump{ahead, behind} {
				if j != nil {
					got[i] += fmt.Sprintf("behind=%v %v; ", j.Behind, changeIDs(j.Changes))
					if i == 0 {
						withJumps++
					}
				}
			}
			named := strings.Fields(strings.NewReplacer("[", " ", "]", " ", ";", " ").Replace(got[i]))
			for _, id := range strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(own)) {
				if !slices.Contains(named, id) {
					t.Errorf("%s: a jump's own change %s is no longer named: %s", p, id, got[i])
				}
			}
		}
		if got[0] != got[1] {
			t.Errorf("%s: shortcuts change the changes: %s, without: %s", filepath.Base(p), got[0], got[1])
		}
		if strings.HasSuffix(p, "omerbenamram__evtx__samples__system.evtx") && got[0] != "behind=true [218 296]; " {
			t.Errorf("system.evtx: %s", got[0])
		}
	}
	if withJumps < 4 {
		t.Errorf("%d jumps: the comparison proves little", withJumps)
	}
	t.Logf("%d logs, %d jumps", len(paths), withJumps)
}
