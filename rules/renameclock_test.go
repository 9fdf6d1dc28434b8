package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestClockChangesAcrossRename: a machine renamed (EventLog 6011, "The
// NetBIOS name and DNS host name of this machine have been changed from
// %1 to %2.") takes its new name at the restart after it, so that the
// records on the two sides of a time gap or a clock jump, and its clock
// changes, carry two names of one machine. A change explains a jump or
// gap only on the computer whose records make it, and so none was named:
// the gap's warning said nothing of the names, and a jump ahead whose
// records carry the old name said they were "of another computer" than
// the last-written record, whose clock the log does not compare. Where
// the log records the rename, the names are one computer: the change is
// named and the rename with it; where it does not, the gap's warning
// says that its two sides name different computers and that no change
// is named for it. With shortcuts and without alike.
func TestClockChangesAcrossRename(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	const rundll = `\Device\HarddiskVolume2\Windows\System32\rundll32.exe`
	const oldName, newName = "WIN-P4SIAA0SQCO", "AZ-RDPVM01.contoso.com"
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Hour) }
	on := func(ev *evtx.Event, computer string) *evtx.Event {
		ev.System.Computer = computer
		return ev
	}
	// renamed6011 is the rename at record i (old name), when rename is
	// set: it comes before record i.
	renamed6011 := func(i int) *evtx.Event {
		return on(evtxtest.EventLog6011(at(i).Add(-30*time.Minute), oldName, newName), oldName)
	}
	// gap: the clock set twenty days ahead at record 90, the machine
	// renamed before it (6011 at EventRecordID 90, before record 89,
	// when rename), the change (EventRecordID 93, or 92 without the
	// 6011) logged under the new name.
	gap := func(rename bool) []*evtx.Event {
		var out []*evtx.Event
		for i, ev := range evtxtest.Noise(t0, time.Hour, 100) {
			ev.System.Computer = oldName
			if i >= 90 {
				ev.System.TimeCreated = ev.System.TimeCreated.Add(20 * day)
				ev.System.Computer = newName
			}
			if i == 89 && rename {
				out = append(out, renamed6011(89))
			}
			out = append(out, ev)
			if i == 90 {
				out = append(out, on(evtxtest.KernelGeneral1(at(89).Add(time.Minute), at(90).Add(20*day+2*time.Minute), 2, "", 4), newName))
			}
		}
		return out
	}
	// ahead: the clock run five days ahead at record 85 (a change of the
	// old name, EventRecordID 86) and set back at 90 (of the new name,
	// after the rename: 6011 EventRecordID 92, change 93), records 85 to
	// 89 (EventRecordIDs 87 to 91) of the old name, the last-written
	// record of the new.
	ahead := func(rename bool) []*evtx.Event {
		var out []*evtx.Event
		for i, ev := range evtxtest.Noise(t0, time.Hour, 100) {
			ev.System.Computer = oldName
			switch i {
			case 85:
				out = append(out, on(evtxtest.KernelGeneral1(at(85).Add(-time.Minute), at(85).Add(-time.Minute+5*day), 1, rundll, 3308), oldName))
			case 90:
				if rename {
					out = append(out, renamed6011(90))
				}
				out = append(out, on(evtxtest.KernelGeneral1(at(90).Add(5*day-time.Minute), at(90).Add(-time.Minute), 1, rundll, 3308), newName))
			}
			if i >= 85 && i < 90 {
				ev.System.TimeCreated = ev.System.TimeCreated.Add(5 * day)
			}
			if i >= 90 {
				ev.System.Computer = newName
			}
			out = append(out, ev)
		}
		return out
	}
	// behind: the clock set back ten days at record 80 (a change of the
	// old name, EventRecordID 81), the machine renamed at 85 (6011
	// EventRecordID 87 when rename) and the clock set right at 90 (a
	// change of the new name, EventRecordID 93, or 92 without the 6011):
	// the jump's records, 80 to 89, carry both names.
	behind := func(rename bool) []*evtx.Event {
		var out []*evtx.Event
		for i, ev := range evtxtest.Noise(t0, time.Hour, 100) {
			ev.System.Computer = oldName
			if i >= 85 {
				ev.System.Computer = newName
			}
			switch i {
			case 80:
				out = append(out, on(evtxtest.KernelGeneral1(at(80).Add(-time.Minute), at(80).Add(-time.Minute-10*day), 1, rundll, 3308), oldName))
			case 85:
				if rename {
					out = append(out, on(evtxtest.EventLog6011(at(85).Add(-30*time.Minute-10*day), oldName, newName), oldName))
				}
			case 90:
				out = append(out, on(evtxtest.KernelGeneral1(at(90).Add(-time.Minute-10*day), at(90).Add(-time.Minute), 1, rundll, 3308), newName))
			}
			if i >= 80 && i < 90 {
				ev.System.TimeCreated = ev.System.TimeCreated.Add(-10 * day)
			}
			out = append(out, ev)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		evs  []*evtx.Event
		want string // clockChangesOf's jumps and gaps
		says []string
		not  []string
	}{
		{"gap, the rename recorded", gap(true), "gap [93]\n", []string{
			"the records on its two sides name " + oldName + " and " + newName + ", one machine renamed: EventLog 6011 (EventRecordID 90, 2024-05-04T16:30:00.0000000Z) renamed " + oldName + " to " + newName,
			"the log records a clock change that explains the time gap: Kernel-General 1 (EventRecordID 93,",
		}, []string{"no clock change is named"}},
		{"gap, no rename recorded", gap(false), "gap []\n", []string{
			"the records on its two sides name different computers (" + oldName + " before it, " + newName + " after it), and the log records no rename of one to the other (EventLog 6011): no clock change is named for it",
		}, nil},
		{"jump ahead, the rename recorded", ahead(true), "jump behind=false [86 93]\n", []string{
			"they are consecutive records (EventRecordIDs 86 to 91)",
			"; they name " + oldName + ", which the log records as this machine's name before its rename (EventLog 6011 (EventRecordID 92, 2024-05-04T17:30:00.0000000Z) renamed " + oldName + " to " + newName + "): one computer with the last-written record (" + newName + ")",
			"that explain the jump ahead: Kernel-General 1 (EventRecordID 86,",
			"; the log records the machine's rename, which makes those names one computer: EventLog 6011 (EventRecordID 92,",
		}, []string{"of another computer"}},
		{"jump ahead, no rename recorded", ahead(false), "jump behind=false []\n", []string{
			"they are all of another computer (" + oldName + ") than the last-written record (" + newName + "): a computer's records carry its own clock's times, which this log does not compare with " + newName + ";",
		}, []string{"one computer"}},
		{"jump behind, the rename recorded", behind(true), "jump behind=true [81 93]\n", []string{
			"that explain the jump behind: Kernel-General 1 (EventRecordID 81,",
			"; the log records the machine's rename, which makes those names one computer: EventLog 6011 (EventRecordID 87,",
		}, []string{"several computers"}},
		{"jump behind, no rename recorded", behind(false), "jump behind=true []\n", []string{
			"; its records name several computers (" + oldName + ", " + newName + "), and the log records no rename that makes them one machine (EventLog 6011): no clock change is named for it",
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var warnings [2]string
			for i, plain := range []bool{false, true} {
				res := analyzeSystem(t, tc.evs, plain)
				got = append(got, clockChangesOf(res))
				warnings[i] = inDir(res, strings.Join(res.Warnings, "\n"))
			}
			if got[0] != got[1] || warnings[0] != warnings[1] {
				t.Errorf("shortcuts change the warnings:\n%s\nwithout:\n%s", warnings[0], warnings[1])
			}
			var ids string
			for _, l := range strings.SplitAfter(got[0], "\n") {
				if !strings.HasPrefix(l, "clock change in ") {
					ids += l
				}
			}
			if ids != tc.want {
				t.Errorf("jumps and gaps with changes:\n%s\nwant:\n%s\n%s", ids, tc.want, warnings[0])
			}
			for _, s := range tc.says {
				if !strings.Contains(warnings[0], s) {
					t.Errorf("the warnings do not say %q:\n%s", s, warnings[0])
				}
			}
			for _, s := range tc.not {
				if strings.Contains(warnings[0], s) {
					t.Errorf("the warnings say %q:\n%s", s, warnings[0])
				}
			}
		})
	}
}
