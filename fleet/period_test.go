package fleet_test

import (
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/rules"
)

// Period is what analyze groups by: 12 days with the built-in rules and
// zero options (README, "Copies are found in the grouping period"), a
// look-back below the default not narrowing it, a longer one or a longer
// --window widening it.
func TestPeriod(t *testing.T) {
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	for _, c := range []struct {
		o    rules.Options
		want time.Duration
	}{
		{rules.Options{}, 12 * day},
		{rules.Options{LookBack: -1}, 12 * day},
		{rules.Options{LookBack: time.Hour}, 12 * day},
		{rules.Options{LookBack: 30 * day}, 35 * day},
		{rules.Options{Window: time.Hour}, 12 * day},
		{rules.Options{Window: 10 * day}, 19 * day},
	} {
		if got := fleet.Period(rs, c.o); got != c.want {
			t.Errorf("Period(builtin, %+v) = %v, want %v", c.o, got, c.want)
		}
	}
	if got := fleet.Period(nil, rules.Options{}); got != rules.DefaultLookBack+fleet.PeriodJitter {
		t.Errorf("Period(nil) = %v", got)
	}
}
