package rules

import (
	"strings"
	"testing"
	"time"
)

// TestPartialRecordsInWindowDoNotCover: whether records decoded in part
// keep a log from covering a window is judged on the rule's window, not
// on the log's analysed period (the longest window of its channel's rules
// and the look-back on both sides). A System log of ten days of intact
// Service Control Manager records whose last day also holds 30 Schannel
// 36871 records decoded in part (the name ErrorState, which only their
// template uses, damaged: the newest chunk's Schannel records unreadable
// as such) has 30 of the 271 records of its period in part, but 30 of the
// 55 of the 24-hour window of rdp-tls-disabled, whose evidence they may
// well be: it was "not detected", with a caveat. It is not checked now,
// with shortcuts and without; rdp-os-unstable's three-day window (30 of
// 103) is still not detected, with the caveat.
func TestPartialRecordsInWindowDoNotCover(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := schannelAmidSCM(t0)
	dir := damagedNameLog(t, evs, "ErrorState")
	for _, plain := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain}), dir)
		if p := res.Inputs[0].Stats.Partial; p != 30 {
			t.Fatalf("NoShortcuts %v: %d records decoded in part, want 30", plain, p)
		}
		if !res.ReferenceTime.Equal(t0) {
			t.Fatalf("NoShortcuts %v: reference %v, want %v", plain, res.ReferenceTime, t0)
		}
		f := finding(t, res, "rdp-tls-disabled")
		if want := "30 of the 55 records of its window were decoded in part"; f.Verdict != NotChecked || !strings.Contains(strings.Join(f.Reasons, "\n"), want) {
			t.Errorf("NoShortcuts %v: rdp-tls-disabled %s, reasons %q, caveats %q; want not checked: %q", plain, f.Verdict, f.Reasons, f.Caveats, want)
		}
		f = finding(t, res, "rdp-os-unstable")
		if f.Verdict != NotDetected || !strings.Contains(strings.Join(f.Caveats, "\n"), "decoded in part") {
			t.Errorf("NoShortcuts %v: rdp-os-unstable %s, reasons %q, caveats %q; want not detected with a caveat", plain, f.Verdict, f.Reasons, f.Caveats)
		}
	}
}
