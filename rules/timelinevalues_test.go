package rules

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestTimelineGroupFieldsThatVary: a field a line shows that is not among
// its entry's group_by (LogonType of failed logons, grouped by status and
// address) shows its value where the group's events agree, and each value
// with its events where they do not, whatever the order of the events;
// before, the line showed the first read event's value as the group's.
func TestTimelineGroupFieldsThatVary(t *testing.T) {
	at := func(i int) time.Time { return t0.Add(-time.Hour + time.Duration(i)*time.Minute) }
	for _, flip := range []bool{false, true} {
		var sec []*evtx.Event
		for i := range 6 {
			// 4 network logons and 2 RDP ones, the first read of either
			// kind as flip says.
			lt, rdp := uint32(3), i == 0 || i == 3
			if flip {
				rdp = i == 1 || i == 4
			}
			if rdp {
				lt = 10
			}
			sec = append(sec, evtxtest.Security4625(at(i), "administrator", "10.0.0.5", 0xC000006D, 0xC000006A, lt))
			if i < 3 {
				sec = append(sec, evtxtest.Security4625(at(i), "administrator", "10.0.0.9", 0xC000006D, 0xC000006A, 10))
			}
		}
		dir := t.TempDir()
		writeLogs(t, dir, map[string][]*evtx.Event{
			"System.evtx":   evtxtest.Noise(t0.Add(-48*time.Hour), time.Hour, 49),
			"Security.evtx": sec,
		})
		res := analyzePath(t, builtinEngine(t, Options{}), dir)
		got := map[string]int{}
		for _, l := range res.Timeline {
			if l.Entry == "rdp-logon-failed" {
				got[l.Text] += l.Count
			}
		}
		many := "3 (4 events), 10 (2 events)" // the most held first
		want := map[string]int{
			"failed RDP or network logons (Status=0xc000006d, SubStatus=0xc000006a, IpAddress=10.0.0.5, LogonType=" + many + ")": 6,
			"failed RDP or network logons (Status=0xc000006d, SubStatus=0xc000006a, IpAddress=10.0.0.9, LogonType=10)":           3,
		}
		if !cmp.Equal(got, want) {
			t.Errorf("flip %v: lines (-want +got):\n%s", flip, cmp.Diff(want, got))
		}
	}
}

// TestFieldValuesText: the values of a field outside group_by as a line
// shows them, the same in every order of the events; the counts are exact
// though only the maxValues smallest values are kept.
func TestFieldValuesText(t *testing.T) {
	rep := func(n int, vs ...string) []string {
		var out []string
		for _, v := range vs {
			for range n {
				out = append(out, v)
			}
		}
		return out
	}
	many := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("user%02d", i))
		}
		return out
	}
	for _, c := range []struct {
		values []string
		want   string
	}{
		{rep(3, "10"), "LogonType=10"},
		{rep(3, ""), ""},
		{append(rep(2, "10"), ""), "LogonType=10 (2 events), without it (1 event)"},
		{append(rep(1, "a", "b", "c"), rep(2, "d", "e")...), "LogonType=d (2 events), e (2 events), a (1 event), 2 other values (2 events)"},
		{append(rep(1, "a", "b", "c"), rep(3, "d")...), "LogonType=d (3 events), a (1 event), b (1 event), 1 other value (1 event)"},
		{many(maxValues), fmt.Sprintf("LogonType=user00 (1 event), user01 (1 event), user02 (1 event), %d other values (%d events)", maxValues-3, maxValues-3)},
		{many(maxValues + 1), fmt.Sprintf("LogonType=more than %d different values", maxValues)},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		for range 20 {
			e := &TimelineEntry{Fields: []string{"LogonType"}}
			l := &TimelineLine{}
			vs := append([]string(nil), c.values...)
			rng.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
			for _, v := range vs {
				ev := &evtx.Event{}
				if v != "" {
					ev.EventData = []evtx.Field{{Name: "LogonType", Value: evtx.StringValue(v)}}
				}
				l.noteValues(e, ev)
			}
			if got := l.values[0].text("LogonType"); got != c.want {
				t.Errorf("%q in order %q: %q, want %q", c.values, vs, got, c.want)
				break
			}
		}
	}
}
