package rules

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// compiledRuleOf returns the compiled rule id of e.
func compiledRuleOf(t *testing.T, e *Engine, id string) *compiledRule {
	t.Helper()
	for _, cr := range e.rules {
		if cr.rule.ID == id {
			return cr
		}
	}
	t.Fatalf("no rule %s", id)
	return nil
}

// compiledQueryOf returns the compiled query id of cr.
func compiledQueryOf(t *testing.T, cr *compiledRule, id string) *compiledQuery {
	t.Helper()
	for _, cq := range cr.queries {
		if cq.query.ID == id {
			return cq
		}
	}
	t.Fatalf("%s: no query %s", cr.rule.ID, id)
	return nil
}

// handScan is a scanResult built by hand as the scan leaves it for a
// System log without matches: reference time t0, and one System log whose
// records span the three days before it. Nothing is read or decoded.
func handScan(e *Engine) *scanResult {
	sr := e.newScanResult()
	sr.ref = t0
	sr.inputs = []*Input{{
		Path: "System.evtx", Channel: "System", Used: true, Decoded: true,
		FirstWritten: &RecordRef{EventRecordID: 1, RecordNumber: 1, Time: t0.Add(-72 * time.Hour)},
		LastWritten:  &RecordRef{EventRecordID: 500, RecordNumber: 500, Time: t0},
	}}
	return sr
}

// handEvent is an event of the hand-built System log.
func handEvent(provider string, id uint16, at time.Time, data ...DataField) *EventRef {
	return &EventRef{File: "System.evtx", Channel: "System", RecordID: uint64(at.Unix() % 1000), EventRecordID: uint64(at.Unix() % 1000),
		Time: at, Provider: provider, EventID: id, Computer: "AZ-RDPVM01", Data: data}
}

// addMatch adds r as the scan adds a match of cq in the window: counted,
// kept as evidence (evidence queries) or as the newest recovery.
func addMatch(sr *scanResult, cq *compiledQuery, r *EventRef) {
	st := sr.queries[cq]
	r.Query = cq.query.ID
	h := &st.hit
	h.Count++
	if h.First.IsZero() || r.Time.Before(h.First) {
		h.First = r.Time
	}
	if r.Time.After(h.Last) {
		h.Last = r.Time
	}
	switch cq.query.Role {
	case RoleRecovery:
		if st.latest == nil || r.Time.After(st.latest.Time) {
			st.latest = r
		}
	case RoleEvidence:
		st.evidence = append(st.evidence, r)
	}
}

// systemLog returns f's status of the System channel.
func systemLog(t *testing.T, f *Finding) *LogStatus {
	t.Helper()
	for _, ls := range f.Logs {
		if ls.Channel == "System" {
			return ls
		}
	}
	t.Fatalf("%s reads no System log", f.Rule.ID)
	return nil
}

const rcm = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"

// TestJudge judges scan results built by hand (no log is read or decoded)
// for the article's certificate rule and the brute-force rule, and checks
// each verdict: detected, possible, resolved, not detected, not checked.
func TestJudge(t *testing.T) {
	e := builtinEngine(t, Options{})
	cert := compiledRuleOf(t, e, "rdp-cert-private-key")
	rcm1058 := compiledQueryOf(t, cert, "rcm-1058")
	rcm1056 := compiledQueryOf(t, cert, "rcm-1056")
	sch36870 := compiledQueryOf(t, cert, "schannel-36870")
	denied := cert.rule.Refinements[0]
	if denied.ID != "machinekeys-access-denied" {
		t.Fatalf("first refinement %s", denied.ID)
	}
	brute := compiledRuleOf(t, e, "rdp-brute-force")
	termdd := compiledQueryOf(t, brute, "termdd-burst")
	coverage := compiledQueryOf(t, brute, "any-connection-or-failure")
	// burst adds n TermDD 56 matches a second apart from 5 addresses.
	burst := func(sr *scanResult, n int) {
		ls := sr.queries[termdd].language()
		for i := 0; i < n; i++ {
			at := t0.Add(-time.Hour + time.Duration(i)*time.Second)
			addr := fmt.Sprintf("198.51.100.%d", i%5)
			addMatch(sr, termdd, handEvent("TermDD", 56, at, DataField{Name: "Data[2]", Value: addr}))
			ls.samples = append(ls.samples, sample{t: at, v: addr})
		}
	}
	// pendingSchannel adds a Schannel 36870 that names no calling process,
	// as the scan leaves it: possible until the judge attributes it.
	pendingSchannel := func(sr *scanResult) {
		r := handEvent("Schannel", 36870, t0.Add(-time.Hour), DataField{Name: "Type", Value: "server"})
		r.Possible = true
		addMatch(sr, sch36870, r)
		st := sr.queries[sch36870]
		st.pending = append(st.pending, caller{t: r.Time, computer: r.Computer})
	}

	for _, c := range []struct {
		name  string
		rule  *compiledRule
		build func(sr *scanResult)
		want  Verdict
		check func(t *testing.T, f *Finding)
	}{
		{"no match, the System log covers the window", cert, func(*scanResult) {}, NotDetected, func(t *testing.T, f *Finding) {
			if f.EvidenceCount != 0 || systemLog(t, f).Status != LogRead {
				t.Errorf("evidence %d, System %s", f.EvidenceCount, systemLog(t, f).Status)
			}
		}},
		{"no System log", cert, func(sr *scanResult) { sr.inputs = nil }, NotChecked, func(t *testing.T, f *Finding) {
			if len(f.Reasons) == 0 || !strings.HasPrefix(f.Reasons[0], "System: no log of this channel") {
				t.Errorf("reasons %q", f.Reasons)
			}
		}},
		{"System log starts inside the window", cert, func(sr *scanResult) {
			sr.inputs[0].FirstWritten.Time = t0.Add(-time.Hour)
		}, NotChecked, func(t *testing.T, f *Finding) {
			if systemLog(t, f).Status != LogPartial {
				t.Errorf("System %s", systemLog(t, f).Status)
			}
		}},
		// Records, none with a time: --at would give one.
		{"no reference time", cert, func(sr *scanResult) { sr.ref = time.Time{}; sr.inputs[0].Stats.Skipped = 10 }, NotChecked, func(t *testing.T, f *Finding) {
			if !strings.Contains(f.Why, "no reference time") || !strings.Contains(f.Why, "--at") {
				t.Errorf("why %q", f.Why)
			}
		}},
		// No record at all (a file cut after its header): --at would not help.
		{"no reference time, no record", cert, func(sr *scanResult) { sr.ref = time.Time{}; sr.inputs[0].Stats = evtx.Stats{} }, NotChecked, func(t *testing.T, f *Finding) {
			if !strings.Contains(f.Why, "System: the log holds no records") || strings.Contains(f.Why, "--at") || systemLog(t, f).Status != LogEmpty {
				t.Errorf("why %q, System %s", f.Why, systemLog(t, f).Status)
			}
		}},
		{"RCM 1058 access denied", cert, func(sr *scanResult) {
			r := handEvent(rcm, 1058, t0.Add(-5*time.Hour), DataField{Name: "Data[1]", Value: "Access is denied."})
			addMatch(sr, rcm1058, r)
			sr.queries[rcm1058].refs[denied] = &RefinementHit{Refinement: denied, Count: 1, Newest: r}
		}, Detected, func(t *testing.T, f *Finding) {
			if f.EvidenceCount != 1 || len(f.Refinements) != 1 || f.Refinements[0].Refinement != denied {
				t.Errorf("evidence %d, refinements %v", f.EvidenceCount, f.Refinements)
			}
			if f.Steps[0].ID != denied.First[0] || f.Cause != strings.TrimSpace(denied.Cause) {
				t.Errorf("first step %s, cause %q", f.Steps[0].ID, f.Cause)
			}
		}},
		{"RCM 1058, then 1056", cert, func(sr *scanResult) {
			addMatch(sr, rcm1058, handEvent(rcm, 1058, t0.Add(-5*time.Hour)))
			addMatch(sr, rcm1056, handEvent(rcm, 1056, t0.Add(-2*time.Hour)))
		}, Resolved, func(t *testing.T, f *Finding) {
			if f.ResolvedBy == nil || f.ResolvedBy.EventID != 1056 || !strings.Contains(f.Why, "3 hours after the last failure") {
				t.Errorf("resolved by %v: %s", f.ResolvedBy, f.Why)
			}
		}},
		{"RCM 1056, then 1058", cert, func(sr *scanResult) {
			addMatch(sr, rcm1056, handEvent(rcm, 1056, t0.Add(-5*time.Hour)))
			addMatch(sr, rcm1058, handEvent(rcm, 1058, t0.Add(-2*time.Hour)))
		}, Detected, nil},
		{"Schannel 36870, no RDP connection log", cert, pendingSchannel, Possible, func(t *testing.T, f *Finding) {
			if h := hit(t, f, "schannel-36870"); h.Count != 1 || h.Possible != 1 {
				t.Errorf("count %d, possible %d", h.Count, h.Possible)
			}
			if !strings.Contains(f.Why, "logs are not among the readable inputs") {
				t.Errorf("why %q", f.Why)
			}
		}},
		{"Schannel 36870, an RDP connection 2 seconds later", cert, func(sr *scanResult) {
			pendingSchannel(sr)
			at := t0.Add(-time.Hour + 2*time.Second)
			sr.context[cert] = &contextEvents{list: []contextTime{{t: at, query: "rcm-261", pid: 1032,
				ref: &EventRef{Query: "rcm-261", Time: at, Provider: rcm, EventID: 261}}}}
		}, Detected, func(t *testing.T, f *Finding) {
			if h := hit(t, f, "schannel-36870"); h.Possible != 0 {
				t.Errorf("possible %d", h.Possible)
			}
			if e := f.Evidence[0]; e.Possible || !strings.Contains(e.Attribution, "an RDP connection attempt 2 seconds after it (RemoteConnectionManager 261") {
				t.Errorf("evidence possible %v: %s", e.Possible, e.Attribution)
			}
		}},
		{"TermDD burst", brute, func(sr *scanResult) { burst(sr, 60) }, Detected, func(t *testing.T, f *Finding) {
			if !strings.Contains(f.Why, "Peak: 60 protocol errors within 10 minutes from 5 addresses") {
				t.Errorf("why %q", f.Why)
			}
		}},
		{"TermDD below the threshold, failure auditing seen", brute, func(sr *scanResult) {
			burst(sr, 10)
			sr.queries[coverage].language().coverage = 1
		}, NotDetected, func(t *testing.T, f *Finding) {
			if f.EvidenceCount != 0 || len(f.Caveats) == 0 || !strings.Contains(f.Caveats[0], "below the rule's threshold") {
				t.Errorf("evidence %d, caveats %q", f.EvidenceCount, f.Caveats)
			}
		}},
		{"TermDD below the threshold, no sign of failure auditing", brute, func(sr *scanResult) { burst(sr, 10) }, NotChecked, func(t *testing.T, f *Finding) {
			if len(f.Reasons) == 0 || f.Reasons[len(f.Reasons)-1] != strings.TrimSpace(brute.rule.CoverageMissing) {
				t.Errorf("reasons %q", f.Reasons)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sr := handScan(e)
			c.build(sr)
			fs := judge([]*compiledRule{c.rule}, sr)
			if len(fs) != 1 {
				t.Fatalf("%d findings", len(fs))
			}
			f := fs[0]
			if f.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s", f.Verdict, c.want, f.Why)
			}
			if c.check != nil {
				c.check(t, f)
			}
		})
	}
}

// TestJudgeChangesNoScan: judging a scan result leaves it as it was, so
// judging it again gives the same findings, though attribution and
// thresholds revise the judge's copies of its counts and evidence.
func TestJudgeChangesNoScan(t *testing.T) {
	e := builtinEngine(t, Options{})
	cert := compiledRuleOf(t, e, "rdp-cert-private-key")
	sch := compiledQueryOf(t, cert, "schannel-36870")
	brute := compiledRuleOf(t, e, "rdp-brute-force")
	termdd := compiledQueryOf(t, brute, "termdd-burst")

	sr := handScan(e)
	r := handEvent("Schannel", 36870, t0.Add(-time.Hour), DataField{Name: "Type", Value: "server"})
	r.Possible = true
	addMatch(sr, sch, r)
	sr.queries[sch].pending = []caller{{t: r.Time, computer: r.Computer}}
	addMatch(sr, termdd, handEvent("TermDD", 56, t0.Add(-time.Hour)))
	sr.queries[termdd].language().samples = []sample{{t: t0.Add(-time.Hour), v: "198.51.100.1"}}

	first := judge(e.rules, sr)
	if f := first[0]; f.Rule.ID != "rdp-cert-private-key" || f.Verdict != Possible || f.Evidence[0].Attribution == "" {
		t.Fatalf("%s: %s, attribution %q", f.Rule.ID, f.Verdict, f.Evidence[0].Attribution)
	}
	if st := sr.queries[sch]; st.evidence[0].Attribution != "" || !st.evidence[0].Possible || st.hit.Possible != 0 {
		t.Errorf("the judge changed the scan's evidence: attribution %q, possible %v, hit.Possible %d",
			st.evidence[0].Attribution, st.evidence[0].Possible, st.hit.Possible)
	}
	if st := sr.queries[termdd]; st.hit.Count != 1 || len(st.evidence) != 1 {
		t.Errorf("the judge changed the scan's threshold query: count %d, %d evidence", st.hit.Count, len(st.evidence))
	}
	if again := judge(e.rules, sr); !reflect.DeepEqual(first, again) {
		t.Error("judging the same scan twice gives different findings")
	}
}
