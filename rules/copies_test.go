package rules_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// A library caller that finds the logs of a volume and of its shadow copy
// with evtx.Find and gives them all to Analyze, without fleet's merging,
// gave each record of the two files twice: the System log's three
// Schannel 36871 of the last day were 6 events of rdp-tls-disabled (the
// shadow copy, taken an hour before the end, holds two of them: 5), where
// the copies merged (fleet.Copies, as evtxrdp analyze reads them) give 3.
// Now a record a query matched in an earlier input (evtx.Event.Identity,
// as evtx.Merge judges copies) is counted once, from that input, and the
// later input names the earlier one (Input.CopyOf) with a warning; with
// shortcuts and without, in either order. Two different machines' logs
// share no record and are left as they are.
func TestCopiesGivenApartCountOnce(t *testing.T) {
	evs := copiesLog(90, 95, 99)
	dir := t.TempDir()
	volume, shadow := filepath.Join(dir, "volume"), filepath.Join(dir, "shadow")
	other := filepath.Join(dir, "other")
	writeSystemLog(t, winevtLogs(volume), evs, evtxtest.Options{})
	writeSystemLog(t, winevtLogs(shadow), evs[:99], evtxtest.Options{})
	// Another machine's log, with the same EventRecordIDs and times.
	var vm2 []*evtx.Event
	for _, ev := range evs {
		c := *ev
		c.System.Computer = "vm2"
		vm2 = append(vm2, &c)
	}
	writeSystemLog(t, other, vm2, evtxtest.Options{})
	for plain, eng := range copiesEngines(t) {
		// The copies merged, as the CLI reads them.
		want := tlsFinding(t, analyzeMerged(t, eng, volume, shadow))
		if want.Verdict != rules.Detected || want.EvidenceCount != 3 {
			t.Fatalf("plain %v, merged: rdp-tls-disabled %s with %d events, want detected with 3", plain, want.Verdict, want.EvidenceCount)
		}
		for _, order := range [][]string{{"volume", "shadow"}, {"shadow", "volume"}} {
			first, second := filepath.Join(dir, order[0]), filepath.Join(dir, order[1])
			res := analyzeApart(t, eng, first, second)
			fd := tlsFinding(t, res)
			if fd.Verdict != want.Verdict || fd.EvidenceCount != want.EvidenceCount || len(fd.Evidence) != len(want.Evidence) {
				t.Errorf("plain %v, %v given apart: rdp-tls-disabled %s with %d events, want %s with %d as merged", plain, order, fd.Verdict, fd.EvidenceCount, want.Verdict, want.EvidenceCount)
			}
			firstLog := filepath.Join(winevtLogs(first), "System.evtx")
			// The shadow copy lacks the newest 36871: from the volume.
			for _, e := range fd.Evidence {
				if e.File != firstLog && e.EventRecordID != 100 {
					t.Errorf("plain %v, %v: evidence EventRecordID %d from %s, want it from the first given, %s", plain, order, e.EventRecordID, e.File, firstLog)
				}
			}
			in := res.Inputs[1]
			if in.CopyOf != res.Inputs[0].Path || in.SharedMatches < 2 || res.Inputs[0].CopyOf != "" {
				t.Errorf("plain %v, %v: second input CopyOf %q, SharedMatches %d (first: %q); want %q, at least 2 (the two 36871 both hold, and the other records a query matched)", plain, order, in.CopyOf, in.SharedMatches, res.Inputs[0].CopyOf, res.Inputs[0].Path)
			}
			if !strings.Contains(strings.Join(res.Warnings, "\n"), "copies of one log given as two logs") {
				t.Errorf("plain %v, %v: no warning about the copies in %q", plain, order, res.Warnings)
			}
		}
		// Another machine's log is no copy: its records are its own.
		res := analyzeApart(t, eng, volume, other)
		if fd := tlsFinding(t, res); fd.EvidenceCount != 6 || res.Inputs[1].CopyOf != "" {
			t.Errorf("plain %v, two machines: rdp-tls-disabled %d events, CopyOf %q; want 6 and none", plain, fd.EvidenceCount, res.Inputs[1].CopyOf)
		}
	}
}
