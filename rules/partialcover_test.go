package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestPartialRecordsDoNotCover: a System log whose records are decoded in
// part (one damaged name empties every record of the templates naming it:
// partialSCMLog) does not cover a rule's window, so the rule is not
// checked rather than "not detected": those records could be its
// evidence, their providers and event ids unknown. A log none of whose
// records gives a TimeCreated was placed in time by its record header
// times and judged "read" (with --at); a log most of whose analysed period
// is such records was too. A few such records leave the log covering the
// window, with a caveat. With shortcuts and without.
func TestPartialRecordsDoNotCover(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	schannel := func(at time.Time) *evtx.Event { return evtxtest.Schannel36871(at, 10013) }
	var onlyPartial, mostlyPartial, fewPartial []*evtx.Event
	// Records 20 days before t0 (before every window and the analysed
	// period) open the logs: SCM records decoded in part, or Schannel
	// records with a TimeCreated, which define the names the templates
	// share.
	for i := 0; i < 5; i++ {
		at := t0.Add(-20*24*time.Hour + time.Duration(i)*time.Minute)
		onlyPartial = append(onlyPartial, scmAt(at))
		mostlyPartial = append(mostlyPartial, schannel(at))
		fewPartial = append(fewPartial, schannel(at))
	}
	for i := 0; i < 30; i++ {
		at := t0.Add(-time.Duration(30-i) * time.Hour)
		onlyPartial = append(onlyPartial, scmAt(at))
		mostlyPartial = append(mostlyPartial, scmAt(at))
		if i%6 == 0 {
			fewPartial = append(fewPartial, scmAt(at))
		} else {
			fewPartial = append(fewPartial, schannel(at))
		}
	}
	mostlyPartial = append(mostlyPartial, schannel(t0))
	fewPartial = append(fewPartial, schannel(t0))
	for _, tc := range []struct {
		name    string
		evs     []*evtx.Event
		at      time.Time // --at (zero: the last-written record)
		covered bool
		reason  string // of the not-checked verdict
	}{
		{"no record with a TimeCreated, --at", onlyPartial, t0, false, "none of its records gives a TimeCreated"},
		{"most of the period decoded in part", mostlyPartial, time.Time{}, false, "30 of the 31 records of its window were decoded in part"},
		{"a few records decoded in part", fewPartial, time.Time{}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := partialSCMLog(t, tc.evs)
			for _, plain := range []bool{false, true} {
				res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain, At: tc.at}), dir)
				var f *Finding
				for _, g := range res.Findings {
					if g.Rule.ID == "rdp-os-unstable" {
						f = g
					}
				}
				if f == nil {
					t.Fatal("no finding of rdp-os-unstable")
				}
				if tc.covered {
					if f.Verdict != NotDetected || !strings.Contains(strings.Join(f.Caveats, "\n"), "decoded in part") {
						t.Errorf("NoShortcuts %v: %s, reasons %q, caveats %q; want not detected with a caveat", plain, f.Verdict, f.Reasons, f.Caveats)
					}
					continue
				}
				if f.Verdict != NotChecked || !strings.Contains(strings.Join(f.Reasons, "\n"), tc.reason) {
					t.Errorf("NoShortcuts %v: %s, reasons %q; want not checked: %q", plain, f.Verdict, f.Reasons, tc.reason)
				}
			}
		})
	}
}
