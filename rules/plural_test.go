package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestCountsReadRight: the rules' messages with a count say it in the
// singular for 1 and the plural for 2 ("1 records missing", "1 unreadable
// bytes", "its 1 records were all decoded in part" were printed).
func TestCountsReadRight(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	ref := &RecordRef{EventRecordID: 7, Time: at}
	gap := func(n int) string {
		return (&TimeGap{Path: "System.evtx", Since: at, Before: ref, After: ref, WeekBefore: n}).String()
	}
	damage := func(n int) string {
		return damageText(PartDamage{Path: "x", Damage: evtx.Damage{UnreadBytes: int64(n)}})
	}
	untimed := func(n int) string {
		return untimedText(&Query{ID: "q"}, &QueryHit{Untimed: n, UntimedNewest: &EventRef{EventRecordID: 9}})
	}
	shared := func(n int) string { return copiesWarning(&Input{Path: "b", CopyOf: "a", SharedMatches: n}) }
	partial := func(n int) string { return allPartial(n) }
	for _, c := range []struct {
		what      string
		f         func(int) string
		one, many string
	}{
		{"time gap", gap, "holds 1 record in the week before", "holds 2 records in the week before"},
		{"damage", damage, "1 unreadable byte", "2 unreadable bytes"},
		{"untimed", untimed, "1 event matching q has", "2 events matching q have"},
		{"copies", shared, "holds 1 record a query matched", "holds 2 records a query matched"},
		{"partial", partial, "1 record was", "2 records were all"},
	} {
		if got := c.f(1); !strings.Contains(got, c.one) {
			t.Errorf("%s of 1: %q, want %q in it", c.what, got, c.one)
		}
		if got := c.f(2); !strings.Contains(got, c.many) {
			t.Errorf("%s of 2: %q, want %q in it", c.what, got, c.many)
		}
	}
}
