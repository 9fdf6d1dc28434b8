package fleet

import (
	"context"
	"errors"
	"github.com/evtxrdp/evtxrdp/internal/ctxtest"
	"reflect"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/rules"
)

// TestGroupAnalyzeContextStop: GroupContext and AnalyzeContext stopped at
// any point (after 0, 1, 2, ... looks at their context) return an error
// wrapping rules.ErrStopped and context.Canceled, with no machine (Group)
// or with the results emitted before the stop a prefix of the plain run's
// (Analyze), and leave no goroutine behind; or, when they ended first,
// give exactly what Group and Analyze give.
func TestGroupAnalyzeContextStop(t *testing.T) {
	paths := []string{"../testdata/evtx/scenarios/cert-1058-access-denied", "../testdata/evtx/scenarios/tls-36871-10013",
		"../testdata/evtx/michkoll__fakenevtx__tests__data__System.evtx", "../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"}
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.NewEngine(rs, rules.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Channels: eng.Channels(), Accepts: eng.Accepts(), Workers: 2}
	find := func() []*Unit {
		units, _, err := Find(paths)
		if err != nil {
			t.Fatal(err)
		}
		return units
	}
	verdicts := func(r *Result) any { return []any{r.Machine.Label(), r.Result, r.Err} }
	var plain []any
	ms := Group(find(), opts)
	Analyze(eng, ms, 2, func(i int, r *Result) { plain = append(plain, verdicts(r)) }, nil)
	if len(plain) < 2 {
		t.Fatalf("%d machines: the test needs several", len(plain))
	}
	base := runtime.NumGoroutine()
	settled := func() int { return ctxtest.SettledGoroutines(base) }
	var groupStopped, analyzeStopped, ended, emittedBefore int
	for _, after := range []int64{0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 1 << 20} {
		ctx := ctxtest.NewAfter(after)
		ms, err := GroupContext(ctx, find(), opts)
		if err != nil {
			if !errors.Is(err, context.Canceled) || !errors.Is(err, rules.ErrStopped) || ms != nil {
				t.Fatalf("after %d: GroupContext: %d machines, %v", after, len(ms), err)
			}
			groupStopped++
		} else {
			var got []any
			err = AnalyzeContext(ctx, eng, ms, 1, func(i int, r *Result) {
				if i != len(got) {
					t.Errorf("after %d: result %d emitted after %d", after, i, len(got))
				}
				got = append(got, verdicts(r))
			}, nil)
			switch {
			case err == nil:
				ended++
				if !reflect.DeepEqual(got, plain) {
					t.Errorf("after %d: a run that ended differs from Analyze", after)
				}
			case errors.Is(err, context.Canceled) && errors.Is(err, rules.ErrStopped):
				analyzeStopped++
				emittedBefore += len(got)
				if len(got) >= len(plain) || len(got) > 0 && !reflect.DeepEqual(got, plain[:len(got)]) {
					t.Errorf("after %d: stopped, but the %d results emitted are not the plain run's first", after, len(got))
				}
			default:
				t.Fatalf("after %d: AnalyzeContext: %v", after, err)
			}
		}
		if n := settled(); n > base {
			var b strings.Builder
			pprof.Lookup("goroutine").WriteTo(&b, 1)
			t.Errorf("after %d: %d goroutines, %d before:\n%s", after, n, base, b.String())
		}
	}
	// Cancelled by the first emit: that result alone is emitted, and the
	// machines still running stop.
	for k := 1; k < len(plain); k++ {
		ms := Group(find(), opts)
		ctx, cancel := context.WithCancel(context.Background())
		var got []any
		err := AnalyzeContext(ctx, eng, ms, 2, func(i int, r *Result) {
			got = append(got, verdicts(r))
			if len(got) == k {
				cancel()
			}
		}, nil)
		cancel()
		if !errors.Is(err, context.Canceled) || !errors.Is(err, rules.ErrStopped) || len(got) != k || !reflect.DeepEqual(got, plain[:k]) {
			t.Errorf("cancelled by emit %d: %v, %d emitted", k, err, len(got))
		}
		emittedBefore += len(got)
		if n := settled(); n > base {
			t.Errorf("cancelled by emit %d: %d goroutines, %d before", k, n, base)
		}
	}
	if emittedBefore == 0 {
		t.Error("no stopped analysis had emitted a result: the stop after some machines is not tested")
	}
	t.Logf("%d machines; grouping stopped %d, analysis stopped %d (%d results emitted before), ended %d", len(plain), groupStopped, analyzeStopped, emittedBefore, ended)
	if groupStopped == 0 || analyzeStopped == 0 || ended == 0 {
		t.Errorf("grouping stopped %d, analysis stopped %d, ended %d: each wanted", groupStopped, analyzeStopped, ended)
	}
}
