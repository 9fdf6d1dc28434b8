package rules

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

// tick is FILETIME's unit, the resolution of TimeCreated.
const tick = 100 * time.Nanosecond

// A rule's window is what its live command's timediff(@SystemTime) <= N
// selects (N the window in whole milliseconds, rule.go's DefaultWindow),
// as package xpath evaluates it: timediff counts milliseconds and Windows
// does not document what becomes of a part of one (rules/xpath/doc.go,
// "timediff"), so a record less than 1 ms before now − N is selected.
// The scan counted from now − N exactly: a 36871 1 tick to 1 ms before
// it was "before the window" for the rule and selected by the rule's own
// live XPath evaluated at the same reference time. Records at now − N,
// ±1 tick and ±1 ms, and 1 ms + 1 tick before it, each alone in a System
// log, with shortcuts and without, with the default look-back and none
// (the reader then skips what lies before the window): in the window
// exactly when the live XPath selects them.
func TestWindowStartIsTimediffs(t *testing.T) {
	ref := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var rule *Rule
	for _, r := range rs {
		if r.ID == "rdp-tls-disabled" {
			rule = r
		}
	}
	if rule == nil || rule.Window != 24*time.Hour {
		t.Fatalf("rdp-tls-disabled: %v", rule)
	}
	q := rule.Queries[0]
	live := xpath.MustCompile(rule.LiveXPath(q))
	start := ref.Add(-rule.Window)
	for _, c := range []struct {
		off time.Duration
		in  bool
	}{
		{-time.Millisecond - tick, false},
		{-time.Millisecond, false},
		{-time.Millisecond + tick, true},
		{-500 * time.Microsecond, true},
		{-tick, true},
		{0, true},
		{tick, true},
		{time.Millisecond, true},
	} {
		at := start.Add(c.off)
		ev := evtxtest.Schannel36871(at, 10013)
		if got := live.Match(ev, ref); got != c.in {
			t.Fatalf("%s at now−24h%+v: the live XPath selects it: %v, want %v", rule.LiveXPath(q), c.off, got, c.in)
		}
		dir := t.TempDir()
		if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), []*evtx.Event{ev, evtxtest.EventLog(ref, 6013)}, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		for _, o := range []Options{{}, {NoShortcuts: true}, {LookBack: -1}, {LookBack: -1, NoShortcuts: true}} {
			o.At = ref
			res := analyzePath(t, builtinEngine(t, o), dir)
			h := hit(t, finding(t, res, rule.ID), q.ID)
			if in := h.Count == 1; in != c.in || h.Count+h.BeforeCount > 1 || o.LookBack == 0 && h.Count+h.BeforeCount != 1 {
				t.Errorf("plain %v, look-back %v: 36871 at now−24h%+v: %d in the window, %d before it; the live XPath selects it: %v", o.NoShortcuts, o.LookBack, c.off, h.Count, h.BeforeCount, c.in)
			}
		}
	}
}

// windowStart is the earliest time the live timediff condition selects,
// for windows of whole milliseconds and not, at reference times on a tick
// and between ticks (--at 12:00:00.00000005): every time from 2 ms before
// to 1 ms after it, tick by tick, is in the window exactly when
// TimeCreated[timediff(@SystemTime) <= N] holds for it.
func TestWindowStartEqualsTimediffCondition(t *testing.T) {
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, ref := range []time.Time{base, base.Add(50 * time.Nanosecond), base.Add(123*time.Microsecond + 4*tick)} {
		for _, w := range []time.Duration{24 * time.Hour, 30 * time.Minute, 1500 * time.Microsecond, time.Millisecond, 0} {
			cond := xpath.MustCompile(fmt.Sprintf("*[System[TimeCreated[timediff(@SystemTime) <= %d]]]", w.Milliseconds()))
			start := windowStart(ref, w)
			for off := -2 * time.Millisecond; off <= time.Millisecond; off += tick {
				at := ref.Add(-w).Add(off)
				if at.After(ref) {
					break
				}
				ev := &evtx.Event{System: evtx.System{Provider: evtx.Provider{Name: "P"}, EventID: 1, TimeCreated: at}}
				if in, want := !at.Before(start), cond.Match(ev, ref); in != want {
					t.Fatalf("ref %v window %v: %v (now−window%+v) in the window %v, timediff <= %d holds %v", ref, w, at, off, in, w.Milliseconds(), want)
				}
			}
		}
	}
}
