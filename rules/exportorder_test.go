package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// exportOrderLogs returns the events of a System log (EventRecordID 501 to
// 549: 46 Noise records an hour apart, two Schannel 36871 90 and 60
// minutes before newest, last a Noise record at newest) saved in the
// order order gives them (indexes into the source log's records), as an
// export (evtxtest.Exported: renumbered from 1, header times borrowed,
// the last one 0).
func exportOrderLogs(newest time.Time, order func(n int) []int) []*evtx.Event {
	evs := evtxtest.Noise(newest.Add(-48*time.Hour), time.Hour, 46)
	evs = append(evs, evtxtest.Schannel36871(newest.Add(-90*time.Minute), 10013), evtxtest.Schannel36871(newest.Add(-time.Hour), 10013))
	evs = append(evs, evtxtest.Noise(newest, time.Hour, 1)...)
	for i, ev := range evs {
		ev.System.EventRecordID = uint64(501 + i)
	}
	var saved []*evtx.Event
	for _, i := range order(len(evs)) {
		saved = append(saved, evs[i])
	}
	return evtxtest.Exported(saved)
}

// An export whose EventRecordIDs do not rise with its record numbers
// (records saved newest first, or in another order than the source log's)
// was written on the machine in the order of its EventRecordIDs: the
// source log numbers its records as it writes them, the export renumbers
// them from 1 in the order it saves them
// (https://learn.microsoft.com/windows/win32/api/winevt/nf-winevt-evtexportlog:
// a query selects what it saves, from one channel or several). "Now" is
// the TimeCreated of the record with the highest EventRecordID. Before,
// the record saved last (here the oldest, EventRecordID 501) was taken
// for the last-written one: the reference time lay two days before the
// newest event, every later record was reported as a clock jump ("the
// machine's clock ran ahead and was set back"), and the two 36871 of the
// last day were after the window.
func TestReferenceTimeExportNotInWriteOrder(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	orders := map[string]func(n int) []int{
		"newest first": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = n - 1 - i
			}
			return out
		},
		// The newest in the middle, the oldest last.
		"mixed": func(n int) []int {
			out := []int{}
			for i := 1; i < n; i += 2 {
				out = append(out, i)
			}
			for i := (n - 1) &^ 1; i >= 0; i -= 2 {
				out = append(out, i)
			}
			return out
		},
	}
	for name, order := range orders {
		dir := writeSystem(t, exportOrderLogs(newest, order))
		var answers [2]string
		for i, plain := range []bool{false, true} {
			res := analyzeDir(t, dir, plain)
			answers[i] = answer(res)
			if !res.ReferenceTime.Equal(newest) || res.ReferenceRecord == nil || res.ReferenceRecord.EventRecordID != 549 {
				t.Errorf("%s, plain %v: reference time %v from %+v, want %v (EventRecordID 549)", name, plain, res.ReferenceTime, res.ReferenceRecord, newest)
			}
			if len(res.ClockJumps) != 0 {
				t.Errorf("%s, plain %v: clock jumps %v, want none: the clock never jumped", name, plain, res.ClockJumps)
			}
			for _, fd := range res.Findings {
				if fd.Rule.ID == "rdp-tls-disabled" && (fd.Verdict != "detected" || fd.EvidenceCount != 2) {
					t.Errorf("%s, plain %v: rdp-tls-disabled %s with %d events, want detected with both 36871", name, plain, fd.Verdict, fd.EvidenceCount)
				}
			}
			if w := strings.Join(res.Warnings, "\n"); strings.Contains(w, "clock") {
				t.Errorf("%s, plain %v: warnings %q", name, plain, w)
			}
		}
		if answers[0] != answers[1] {
			t.Errorf("%s: shortcuts change the answer:\n%s\n%s", name, answers[0], answers[1])
		}
	}
}

// An export of two channels saved one channel after the other (System,
// then Security: each in the order it was written, so EventRecordIDs rise
// through the file, 1201 to 1229 then 880001 to 880030): the last record
// saved, Security's last logon at 11:00, is not the last written. Each
// channel's last-written record is its highest EventRecordID, and "now"
// is the latest of them, as across the logs of one machine: System's
// 36871 at 11:20. Before, "now" was 11:00 and the 36871 came "after the
// window"; saved the other way round (Security first) the answer is the
// same.
func TestReferenceTimeExportChannelAfterChannel(t *testing.T) {
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var sec, sys []*evtx.Event
	for i := 0; i < 30; i++ {
		ev := evtxtest.Security4624(end.Add(-30*time.Hour+time.Duration(i)*time.Hour), "alice", "10.0.0.5", 10)
		ev.System.EventRecordID = uint64(880001 + i)
		sec = append(sec, ev)
	}
	sys = evtxtest.Noise(end.Add(-29*time.Hour-30*time.Minute), time.Hour, 28)
	sys = append(sys, evtxtest.Schannel36871(end.Add(-40*time.Minute), 10013))
	for i, ev := range sys {
		ev.System.EventRecordID = uint64(1201 + i)
	}
	for name, saved := range map[string][]*evtx.Event{
		"System then Security": append(append([]*evtx.Event{}, sys...), sec...),
		"Security then System": append(append([]*evtx.Event{}, sec...), sys...),
	} {
		dir := writeSystem(t, evtxtest.Exported(saved))
		var answers [2]string
		for i, plain := range []bool{false, true} {
			res := analyzeDir(t, dir, plain)
			answers[i] = answer(res)
			if want := end.Add(-40 * time.Minute); !res.ReferenceTime.Equal(want) || res.ReferenceRecord == nil || res.ReferenceRecord.EventRecordID != 1229 {
				t.Errorf("%s, plain %v: reference time %v from %+v, want %v (EventRecordID 1229)", name, plain, res.ReferenceTime, res.ReferenceRecord, want)
			}
			if len(res.ClockJumps) != 0 {
				t.Errorf("%s, plain %v: clock jumps %v, want none", name, plain, res.ClockJumps)
			}
			for _, fd := range res.Findings {
				if fd.Rule.ID == "rdp-tls-disabled" && (fd.Verdict != "detected" || fd.EvidenceCount != 1) {
					t.Errorf("%s, plain %v: rdp-tls-disabled %s with %d events, want detected with the 36871", name, plain, fd.Verdict, fd.EvidenceCount)
				}
			}
		}
		if answers[0] != answers[1] {
			t.Errorf("%s: shortcuts change the answer:\n%s\n%s", name, answers[0], answers[1])
		}
	}
}
