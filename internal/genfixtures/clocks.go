package main

import (
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// clockSets are logs whose clocks disagree: record header (write) times
// that lag or lead TimeCreated, exports with renumbered records and
// borrowed or zero header times, a clock that ran ahead and was set back.
// Time means TimeCreated and "now" is the last-written record: each set
// has the verdict a support engineer needs from its events' own times.
func clockSets() []set {
	at := func(d time.Duration) time.Time { return T0.Add(-d) }
	tls := func() *evtx.Event { return evtxtest.Schannel36871(at(2*hour), 10013) }
	tlsOnly := []expect{{ruleCert, notDetected, ""}, {ruleTLS, detected, "tls-server-no-protocol"}, {ruleBroker, notChecked, ""}}
	var out []set

	// Header times lag TimeCreated by hours (a record written late: a
	// busy event log service, a VM paused between the event and its
	// write).
	{
		ev := tls()
		ev.Written = ev.System.TimeCreated.Add(-26 * hour)
		out = append(out, set{
			name: "header-lags-hours", about: "a Schannel 36871 two hours old whose record header time is 26 hours older than its TimeCreated",
			logs: []logFile{{name: fileSystem, events: system(ev)}}, expect: tlsOnly,
		})
	}
	// Header times lead TimeCreated by hours.
	{
		ev := tls()
		ev.Written = ev.System.TimeCreated.Add(30 * hour)
		out = append(out, set{
			name: "header-leads-hours", about: "a Schannel 36871 two hours old whose record header time is 30 hours after its TimeCreated (and after the last-written record)",
			logs: []logFile{{name: fileSystem, events: system(ev)}}, expect: tlsOnly,
		})
	}
	// By days: beyond the window and the look-back (a VSS remnant, a
	// VM whose clock was days off at boot).
	{
		ev := tls()
		ev.Written = ev.System.TimeCreated.Add(-9 * day)
		out = append(out, set{
			name: "header-lags-days", about: "a Schannel 36871 two hours old whose record header time is 9 days older than its TimeCreated (beyond the window and the look-back)",
			logs: []logFile{{name: fileSystem, events: system(ev)}}, expect: tlsOnly,
		})
		ev = tls()
		ev.Written = ev.System.TimeCreated.Add(9 * day)
		out = append(out, set{
			name: "header-leads-days", about: "a Schannel 36871 two hours old whose record header time is 9 days after its TimeCreated",
			logs: []logFile{{name: fileSystem, events: system(ev)}}, expect: tlsOnly,
		})
	}
	// An Event Viewer "Save Filtered Log File As" export: the records
	// are renumbered from 1 (EventRecordID keeps the original number),
	// the header times are other records' times, and the newest record's
	// header time is zero.
	{
		evs := system(evtxtest.Schannel36871(at(30*time.Minute), 10013))
		evs = append(evs[:len(evs)-1], evtxtest.Schannel36871(at(0), 10013)) // the newest record: a 36871 at T0
		// Keep every 4th noise event (the filter), and the two 36871.
		var kept []*evtx.Event
		for i, ev := range evs {
			if i%4 == 0 || ev.System.EventID == 36871 {
				kept = append(kept, ev)
			}
		}
		for i, ev := range kept {
			ev.System.EventRecordID = uint64(5000 + 3*i)
			ev.RecordID = uint64(i + 1)
			ev.Written = kept[(i+7)%len(kept)].System.TimeCreated // borrowed
		}
		kept[len(kept)-1].Written = zeroHeader
		out = append(out, set{
			name: "exported-filtered", about: "a filtered export: records renumbered from 1, header times borrowed from other records, the newest record's header time zero",
			logs: []logFile{{name: fileSystem, events: kept}}, expect: tlsOnly,
		})
	}
	// A one-record export: its header time is zero; its TimeCreated is
	// "now".
	{
		ev := evtxtest.Schannel36871(at(0), 10013)
		ev.System.EventRecordID, ev.RecordID, ev.Written = 48211, 1, zeroHeader
		out = append(out, set{
			name: "one-record-export", about: "an export holding one Schannel 36871 whose record header time is zero",
			logs: []logFile{{name: fileSystem, events: []*evtx.Event{ev}}},
			// One record covers no window: the other rules cannot be
			// checked from it.
			expect: oneRecordExpect(),
		})
	}
	// The clock ran a year ahead for a day and was set back: the records
	// written meanwhile carry times a year in the future; the last-written
	// records (the failures) are "now".
	{
		evs := system()
		var out2 []*evtx.Event
		for _, ev := range evs {
			if t := ev.System.TimeCreated; t.After(at(3*day)) && t.Before(at(2*day)) {
				ev.System.TimeCreated = t.Add(365 * day)
			}
			if !ev.System.TimeCreated.After(at(0)) || ev.System.TimeCreated.After(T0.Add(300*day)) {
				out2 = append(out2, ev)
			}
		}
		out2 = out2[:len(out2)-1] // the last noise event: the failures are the last written
		out2 = append(out2, evtxtest.Schannel36871(at(90*time.Minute), 10013), evtxtest.Schannel36871(at(0), 10013))
		out = append(out, set{
			name: "clock-ran-ahead", about: "the clock ran a year ahead for a day and was set back; the last-written records are the failures",
			logs: []logFile{{name: fileSystem, events: out2}}, expect: tlsOnly,
		})
	}
	// Three records with times two years ahead (a damaged or forged
	// time) amid a normal log: they are reported, "now" stays the
	// last-written record.
	{
		evs := system(evtxtest.RCM1058(at(3*hour), "Access is denied."))
		for _, i := range []int{40, 41, 80} {
			evs[i].System.TimeCreated = evs[i].System.TimeCreated.Add(730 * day)
			evs[i].Written = evs[i].System.TimeCreated
		}
		out = append(out, set{
			name: "three-far-future", about: "three records two years ahead amid a normal log, an RCM 1058 three hours before the last-written record",
			logs:   []logFile{{name: fileSystem, events: evs}},
			expect: []expect{{ruleCert, detected, "machinekeys-access-denied"}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		})
	}
	return out
}

// oneRecordExpect: a log of one record detects what that record shows
// and checks nothing else (it covers no window).
func oneRecordExpect() []expect {
	out := []expect{{ruleTLS, detected, "tls-server-no-protocol"}}
	for _, r := range append([]string{ruleCert, ruleBroker}, quietRules...) {
		out = append(out, expect{r, notChecked, ""})
	}
	return out
}

// zeroHeader is a record header time of FILETIME 0 as the writer writes it
// (evtxtest writes TimeCreated when Written is the zero time).
var zeroHeader = evtx.FiletimeToTime(0)
