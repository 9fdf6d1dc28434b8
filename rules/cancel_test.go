package rules

import (
	"context"
	"errors"
	"github.com/evtxrdp/evtxrdp/internal/ctxtest"
	"reflect"
	"runtime"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestAnalyzeContextStops: AnalyzeContext stopped at any point of an
// analysis (after 0, 1, 2, ... looks at its context, each a chunk of a
// read) returns no Result and an error wrapping ErrStopped and
// context.Canceled, or, when the analysis ended first, exactly what
// Analyze gives; it leaves no goroutine behind; and what the logs give
// afterwards (Analyze of the same *evtx.Log values, whose memos the
// stopped analysis used) is what they gave before. With a context that is
// never done it is Analyze.
func TestAnalyzeContextStops(t *testing.T) {
	find := func() []*evtx.Log {
		var logs []*evtx.Log
		for _, p := range []string{"../testdata/evtx/scenarios/cert-1058-access-denied", "../testdata/evtx/michkoll__fakenevtx__tests__data__System.evtx"} {
			ls, err := evtx.Find(p)
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, ls...)
		}
		return logs
	}
	e := builtinEngine(t, Options{Workers: 2})
	plain, perr := e.Analyze(find())
	if plain == nil {
		t.Fatal(perr)
	}
	if got, err := e.AnalyzeContext(context.Background(), find()); !reflect.DeepEqual(got, plain) || err != perr {
		t.Fatalf("AnalyzeContext(Background) differs from Analyze (%v, %v)", err, perr)
	}
	base := runtime.NumGoroutine()
	stopped, ended := 0, 0
	for _, after := range []int64{0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 1 << 20} {
		logs := find()
		res, err := e.AnalyzeContext(ctxtest.NewAfter(after), logs)
		switch {
		case err == nil || err == perr:
			ended++
			if !reflect.DeepEqual(res, plain) {
				t.Errorf("after %d: an analysis that ended differs from Analyze", after)
			}
		case errors.Is(err, context.Canceled) && errors.Is(err, ErrStopped):
			stopped++
			if res != nil {
				t.Errorf("after %d: stopped with a Result", after)
			}
		default:
			t.Fatalf("after %d: %v", after, err)
		}
		if n := ctxtest.SettledGoroutines(base); n > base {
			t.Errorf("after %d: %d goroutines, %d before", after, n, base)
		}
		if again, err := e.Analyze(logs); !reflect.DeepEqual(again, plain) || err != perr {
			t.Errorf("after %d (stopped: %v): Analyze of the same logs afterwards differs from Analyze", after, res == nil)
		}
	}
	if stopped < 8 || ended == 0 {
		t.Errorf("%d analyses stopped, %d ended: the context is not looked at through the analysis", stopped, ended)
	}
	t.Logf("%d stopped, %d ended", stopped, ended)
}
