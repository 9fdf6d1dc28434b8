package fleet

import (
	"time"

	"github.com/evtxrdp/evtxrdp/rules"
)

// PeriodJitter is what Period adds for clocks of one machine's logs that
// disagree: two days.
const PeriodJitter = 48 * time.Hour

// Period returns the grouping period (Options.Period) that evtxrdp analyze
// gives Group for the rules rs and the engine options o: the longest
// window (of rs, or o.Window when longer), plus the look-back (o.LookBack,
// at least rules.DefaultLookBack, whatever o says: a shorter look-back
// narrows the analysis, not the grouping), plus PeriodJitter. With the
// built-in rules and zero options it is 12 days (3-day windows, 7 days of
// look-back, 2 days). Pass every rule loaded as rs, also when the engine
// runs only some of them, so that the same logs make the same machines
// whichever rules run. The records before it change no finding of an
// Engine made with o, so grouping by it finds what an analysis needs and
// reads no more; Group with Period 0 reads every record and can find other
// machines (see Options.Period).
func Period(rs []*rules.Rule, o rules.Options) time.Duration {
	period := max(0, o.Window)
	for _, r := range rs {
		period = max(period, r.Window)
	}
	return period + max(rules.DefaultLookBack, o.LookBack) + PeriodJitter
}
