package rules

import (
	"time"

	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

// windowStart returns the earliest TimeCreated of the window w ending at
// ref: the earliest time the rule's live command selects with its window
// condition, TimeCreated[timediff(@SystemTime) <= N], N the window in
// whole milliseconds (LiveXPath), as package xpath evaluates it at ref
// (xpath.TimediffStart). timediff counts milliseconds and what Windows
// does with the part of one is not documented (rules/xpath/doc.go,
// "timediff"), so that condition selects a record less than 1 ms before
// ref − w: the window counts it too, so that a record the live command
// may show is never "before the window" here (TestWindowStartIsTimediffs).
// Finding.WindowStart stays ref − w, the start the window names.
func windowStart(ref time.Time, w time.Duration) time.Time {
	return xpath.TimediffStart(ref, w.Milliseconds())
}

// lookBackStart returns the start of the window w ending at ref widened
// by lb: ref − w − lb, or windowStart when that is earlier (lb less than
// 1 ms, no look-back at all included), so that the records of the window
// are always read and a look-back of whole days keeps its start.
func lookBackStart(ref time.Time, w, lb time.Duration) time.Time {
	s := ref.Add(-w - lb)
	if ws := windowStart(ref, w); ws.Before(s) {
		return ws
	}
	return s
}
