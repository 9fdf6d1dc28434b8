package rules_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
	"github.com/google/go-cmp/cmp"
)

// TestSystemTimeBoundRuleShortcutFree: a rule whose evidence query holds
// @SystemTime bounds that Validate accepts (Z, at most 7 digits, white
// space around one of them) counts as evidence exactly the events
// between the bounds, with the reader's shortcuts (provider/event-id
// keys on the record summaries, the reader's window) and without.
func TestSystemTimeBoundRuleShortcutFree(t *testing.T) {
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(end.Add(-2*24*time.Hour), 10*time.Minute, 200)
	for i := range 10 { // 36871 at end-10h, end-9h, ... end-1h
		evs = append(evs, evtxtest.Schannel36871(end.Add(-time.Duration(10-i)*time.Hour), 10013))
	}
	evs = append(evs, evtxtest.Noise(end, time.Minute, 1)...)
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := evtxtest.WriteFile(p, evs, evtxtest.Options{MaxRecordsPerChunk: 40}); err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find(p)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var r *rules.Rule
	for _, x := range rs {
		if x.ID == "rdp-tls-disabled" {
			c := *x
			r = &c
		}
	}
	q := *r.Query("schannel-36871")
	// end-6h to end-3h: the 36871s at end-6h, -5h, -4h, -3h (bounds included).
	q.XPath = "Event[System[Provider[@Name='Schannel'] and EventID=36871 and TimeCreated[@SystemTime >= ' 2024-05-01T06:00:00Z' and @SystemTime <= '2024-05-01T09:00:00.0000000Z']]]"
	var qs []*rules.Query
	for _, x := range r.Queries {
		if x.ID == q.ID {
			x = &q
		}
		qs = append(qs, x)
	}
	r.Queries = qs
	if err := rules.Validate([]*rules.Rule{r}); err != nil {
		t.Fatal(err)
	}
	var answers []string
	for _, noShortcuts := range []bool{false, true} {
		e, err := rules.NewEngine([]*rules.Rule{r}, rules.Options{NoShortcuts: noShortcuts})
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Analyze(logs)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			if f.Rule.ID == r.ID && f.EvidenceCount != 4 {
				t.Errorf("NoShortcuts %v: %d evidence events, want the 4 between the bounds", noShortcuts, f.EvidenceCount)
			}
		}
		var b strings.Builder
		for _, f := range res.Findings {
			b.WriteString(f.Rule.ID + " " + string(f.Verdict) + " " + strconv.Itoa(f.EvidenceCount) + "\n")
		}
		answers = append(answers, b.String())
	}
	if d := cmp.Diff(answers[1], answers[0]); d != "" {
		t.Errorf("shortcuts change the answer (-without +with):\n%s", d)
	}
}
