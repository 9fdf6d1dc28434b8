package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/hosts"
)

// scanSet plans and scans a generated fixture set with e, without judging.
func scanSet(t *testing.T, e *Engine, name string) (readPlan, *scanResult) {
	t.Helper()
	logs, err := evtx.Find(filepath.Join(scenarioDir, name))
	if err != nil {
		t.Fatal(err)
	}
	p := e.plan(logs)
	return p, e.scan(p, time.Time{}, false)
}

// TestScan tests the scan alone: the fixture logs read and the queries
// evaluated, and the scan's result checked as it is, not judged: matches
// counted in the window, evidence kept unattributed, recovery kept,
// context events near the window, other programs' matches, the computer
// names, the timeline, and the plan left as it was.
func TestScan(t *testing.T) {
	e := builtinEngine(t, Options{})
	cert := compiledRuleOf(t, e, "rdp-cert-private-key")

	t.Run("cert-1058-then-1056", func(t *testing.T) {
		p, sr := scanSet(t, e, "cert-1058-then-1056")
		if !sr.ref.Equal(t0) || !strings.HasSuffix(sr.refFrom, "System.evtx") || sr.refRecord == nil {
			t.Errorf("reference %s from %q", sr.ref, sr.refFrom)
		}
		st := sr.queries[compiledQueryOf(t, cert, "rcm-1058")]
		if st.hit.Count != 1 || !st.hit.Last.Equal(t0.Add(-5*time.Hour)) || len(st.evidence) != 1 || st.evidence[0].EventID != 1058 {
			t.Errorf("rcm-1058: count %d, last %s, %d evidence", st.hit.Count, st.hit.Last, len(st.evidence))
		}
		if rh := st.refs[cert.rule.Refinements[0]]; rh == nil || rh.Count != 1 || rh.Newest != st.evidence[0] {
			t.Errorf("rcm-1058: refinement %s hit %+v", cert.rule.Refinements[0].ID, rh)
		}
		if rec := sr.queries[compiledQueryOf(t, cert, "rcm-1056")]; rec.hit.Count != 1 || rec.latest == nil || !rec.latest.Time.Equal(t0.Add(-2*time.Hour)) {
			t.Errorf("rcm-1056: count %d, latest %v", rec.hit.Count, rec.latest)
		}
		for _, cq := range cert.queries {
			if id := cq.query.ID; id != "rcm-1058" && id != "rcm-1056" && sr.queries[cq].hit.Count != 0 {
				t.Errorf("%s: %d matches", id, sr.queries[cq].hit.Count)
			}
		}
		var certLines int
		for _, l := range sr.timeline {
			if l.Entry == "rdp-certificate" {
				certLines++
			}
		}
		if certLines != 2 {
			t.Errorf("%d certificate lines in the timeline, want 2 (1058 and 1056)", certLines)
		}
		// The scan fills in copies of the plan's inputs.
		for i, in := range sr.inputs {
			if in.Channel == "System" && (!in.Decoded || in.Stats.Records == 0 || in.LastWritten == nil) {
				t.Errorf("%s: decoded %v, %d records", in.Path, in.Decoded, in.Stats.Records)
			}
			if pin := p.inputs[i]; pin.Decoded || pin.Stats.Records != 0 || pin.LastWritten != nil {
				t.Errorf("the scan changed the plan's input %s", pin.Path)
			}
		}
	})

	t.Run("schannel-36870-rdp-connection", func(t *testing.T) {
		_, sr := scanSet(t, e, "schannel-36870-rdp-connection")
		st := sr.queries[compiledQueryOf(t, cert, "schannel-36870")]
		at := t0.Add(-time.Hour)
		if st.hit.Count != 1 || len(st.pending) != 1 || !st.pending[0].t.Equal(at) || st.hit.Possible != 0 {
			t.Errorf("schannel-36870: count %d, pending %v, possible %d", st.hit.Count, st.pending, st.hit.Possible)
		}
		// Unattributed until the judge compares it with the context.
		if len(st.evidence) != 1 || !st.evidence[0].Possible || st.evidence[0].Attribution != "" {
			t.Errorf("schannel-36870: evidence %+v", st.evidence)
		}
		// The two attempts 2 seconds before it; not those of 9 days before.
		ce := sr.context[cert]
		if ce == nil || len(ce.list) != 2 {
			t.Fatalf("context %+v", ce)
		}
		qs := map[string]bool{}
		for _, c := range ce.list {
			qs[c.query] = true
			if !c.t.Equal(at.Add(-2 * time.Second)) {
				t.Errorf("context %s at %s", c.query, c.t)
			}
		}
		if !qs["rcm-261"] || !qs["rdpcorets-131"] {
			t.Errorf("context queries %v", qs)
		}
	})

	t.Run("schannel-lsass-36870", func(t *testing.T) {
		_, sr := scanSet(t, e, "schannel-lsass-36870")
		for id, other := range map[string]int{"schannel-36870": 2, "schannel-36872": 1} {
			h := sr.queries[compiledQueryOf(t, cert, id)].hit
			if h.Count != 0 || h.Other != other || len(h.OtherFrom) != 1 {
				t.Errorf("%s: count %d, other %d from %v, want other %d", id, h.Count, h.Other, h.OtherFrom, other)
			}
		}
	})

	t.Run("broker-renamed", func(t *testing.T) {
		_, sr := scanSet(t, e, "broker-renamed")
		var renamed []string
		for path, cs := range sr.computers {
			if len(cs) > 1 {
				renamed = append(renamed, filepath.Base(path))
				if cs[0].name == cs[1].name || hosts.Key(cs[0].name) == hosts.Key(cs[1].name) {
					t.Errorf("%s: names %q %q", path, cs[0].name, cs[1].name)
				}
			}
		}
		if len(renamed) == 0 {
			t.Errorf("no log names two computers: %v", sr.computers)
		}
		broker := compiledRuleOf(t, e, "rdp-broker-renamed")
		if len(sr.corro[broker]) != 1 || sr.corro[broker][0].EventID != 6011 {
			t.Errorf("corroboration %+v", sr.corro[broker])
		}
	})
}

// TestScanShortcuts: the scan's per-query counts are the same with every
// shortcut off (each record decoded, each query evaluated on every event).
func TestScanShortcuts(t *testing.T) {
	fast, plain := builtinEngine(t, Options{}), builtinEngine(t, Options{NoShortcuts: true})
	for _, set := range []string{"cert-1058-then-1056", "schannel-36870-rdp-connection", "broker-renamed", "brute-4625-burst", "svc-termservice-recovered"} {
		_, a := scanSet(t, fast, set)
		_, b := scanSet(t, plain, set)
		for i, cr := range fast.rules {
			for j, cq := range cr.queries {
				x, y := a.queries[cq], b.queries[plain.rules[i].queries[j]]
				if x.hit.Count != y.hit.Count || x.hit.BeforeCount != y.hit.BeforeCount || x.hit.AfterCount != y.hit.AfterCount ||
					x.hit.Other != y.hit.Other || len(x.evidence) != len(y.evidence) || len(x.pending) != len(y.pending) {
					t.Errorf("%s %s: shortcuts %+v, plain %+v", set, cq.query.ID, x.hit, y.hit)
				}
			}
		}
		if len(a.timeline) != len(b.timeline) || a.timelineDropped != b.timelineDropped {
			t.Errorf("%s: timeline %d lines (%d dropped), plain %d (%d)", set, len(a.timeline), a.timelineDropped, len(b.timeline), b.timelineDropped)
		}
	}
}
