package rules

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestDataPrefilterChangesNoMatch: analyses with the data prefilter on
// and off give the same findings, evidence, timeline, warnings, clock
// jumps, time gaps and reference, over every log of testdata/evtx (the
// real samples) and its generated scenarios, ../shared/samples and
// ../shared/cases, with the
// built-in rules over a 20-year window (every record of the samples in
// it) and the default one; only how many records were decoded rather
// than filtered differs. The prefilter must refuse some records, or the
// test proves nothing.
func TestDataPrefilterChangesNoMatch(t *testing.T) {
	var paths []string
	for _, g := range []string{"../testdata/evtx/*.evtx", scenarioDir + "/*/*.evtx", scenarioDir + "/*/*/*.evtx", "../../shared/samples/*.evtx", "../../shared/cases/*/*.evtx", "../../shared/cases/*/*/*.evtx"} {
		p, _ := filepath.Glob(g)
		paths = append(paths, p...)
	}
	refused := 0
	for _, o := range []Options{{Window: 20 * 365 * 24 * time.Hour, Timeline: 1000}, {}} {
		e := builtinEngine(t, o)
		for _, p := range paths {
			logs, err := evtx.Find(p)
			if err != nil {
				continue
			}
			on := analyzePrefilter(t, e, logs, false)
			logs, _ = evtx.Find(p)
			off := analyzePrefilter(t, e, logs, true)
			if on == nil || off == nil {
				continue
			}
			for j := range on.Inputs {
				refused += on.Inputs[j].Stats.Filtered - off.Inputs[j].Stats.Filtered
				if on.Inputs[j].Stats.Records+on.Inputs[j].Stats.Filtered != off.Inputs[j].Stats.Records+off.Inputs[j].Stats.Filtered {
					t.Errorf("%s: %d records decoded and filtered with the prefilter, %d without", p,
						on.Inputs[j].Stats.Records+on.Inputs[j].Stats.Filtered, off.Inputs[j].Stats.Records+off.Inputs[j].Stats.Filtered)
				}
				on.Inputs[j].Stats.Records, on.Inputs[j].Stats.Filtered = 0, 0
				off.Inputs[j].Stats.Records, off.Inputs[j].Stats.Filtered = 0, 0
			}
			if !reflect.DeepEqual(on, off) {
				for _, c := range []struct {
					what   string
					on, of any
				}{{"findings", on.Findings, off.Findings}, {"timeline", on.Timeline, off.Timeline}, {"warnings", on.Warnings, off.Warnings}, {"inputs", on.Inputs, off.Inputs}} {
					if !reflect.DeepEqual(c.on, c.of) {
						t.Errorf("%s (window %v): the %s differ with the prefilter:\n%+v\nwithout:\n%+v", p, o.Window, c.what, c.on, c.of)
					}
				}
				t.Fatalf("%s (window %v): the analysis differs with the prefilter", p, o.Window)
			}
		}
	}
	t.Logf("%d records refused by the prefilter over %d logs", refused, len(paths))
	if refused < 10 {
		t.Errorf("the prefilter refused %d records: the test proves little", refused)
	}
}

// analyzePrefilter analyses logs with e, the data prefilter off when off.
func analyzePrefilter(t *testing.T, e *Engine, logs []*evtx.Log, off bool) *Result {
	t.Helper()
	defer func(old bool) { dataPrefilterOff = old }(dataPrefilterOff)
	dataPrefilterOff = off
	res, err := e.Analyze(logs)
	if err != nil && !errors.Is(err, ErrNoReadableLog) {
		t.Fatalf("%v", err)
	}
	return res
}
