package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// userLanguageRule uses every addition of language.go: where on the
// Binary text cut at '/', a subject whose last state decides, a threshold
// with distinct values, and coverage.
const userLanguageRule = `id: my-service
title: my service failed
severity: error
cause: the service failed
coverage_missing: no service event at all; the log may be filtered
queries:
  - id: fail
    channel: System
    xpath: "Event[System[Provider[@Name='Service Control Manager'] and (EventID=7000 or EventID=7023)]]"
    where: [{binary_text: true, before: "/", text: [TermService, UmRdpService]}]
    subject: {binary_text: true, before: "/"}
  - id: running
    channel: System
    role: recovery
    resolves: [fail]
    xpath: "Event[System[Provider[@Name='Service Control Manager'] and EventID=7036]]"
    where: [{binary_text: true, text: [TermService/4, UmRdpService/4]}]
    subject: {binary_text: true, before: "/"}
  - id: any-scm
    channel: System
    role: coverage
    xpath: "Event[System[Provider[@Name='Service Control Manager']]]"
refinements:
  - id: disabled
    queries: [fail]
    when: [{data: param2, codes: ["1058"]}]
    cause: the service is disabled
resolution:
  - {id: s, title: Start it, text: start it, source: test}
`

const userBurstRule = `id: my-burst
title: many failed logons
severity: warning
cause: a burst
queries:
  - id: f
    channel: Security
    xpath: "Event[System[Provider[@Name='Microsoft-Windows-Security-Auditing'] and EventID=4625]]"
    threshold: {count: 5, within: 10m, distinct: {data: IpAddress}, distinct_count: 3, counts: failed logons, distinct_names: addresses}
resolution:
  - {id: s, title: Restrict, text: restrict it, source: test}
`

func writeLogs(t *testing.T, dir string, logs map[string][]*evtx.Event) {
	t.Helper()
	for name, evs := range logs {
		b, err := evtxtest.Bytes(sorted(evs), evtxtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sorted(evs []*evtx.Event) []*evtx.Event {
	out := append([]*evtx.Event(nil), evs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].System.TimeCreated.Before(out[j-1].System.TimeCreated); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func userEngine(t *testing.T, rule string) *Engine {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(rs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestLanguageSubjectLastStateDecides(t *testing.T) {
	e := userEngine(t, userLanguageRule)
	at := func(d time.Duration) time.Time { return t0.Add(-d) }
	base := func() []*evtx.Event {
		return []*evtx.Event{
			evtxtest.SCM7036(at(9*24*time.Hour), "Windows Update", "running", "wuauserv"),
			evtxtest.SCM7036(t0, "Windows Update", "stopped", "wuauserv"),
		}
	}
	for _, c := range []struct {
		name    string
		extra   []*evtx.Event
		verdict Verdict
		refine  string
	}{
		// Matched by key name, not display name (German display name).
		{"disabled", []*evtx.Event{evtxtest.SCM7000(at(3*time.Hour), "Remotedesktopdienste", "%%1058", "TermService")}, Detected, "disabled"},
		// Another service's failure: not a match (where).
		{"other service", []*evtx.Event{evtxtest.SCM7000(at(3*time.Hour), "Remote Desktop Services", "%%1058", "Spooler")}, NotDetected, ""},
		// TermService running after its failure: resolved.
		{"running later", []*evtx.Event{
			evtxtest.SCM7000(at(3*time.Hour), "Remote Desktop Services", "%%1058", "TermService"),
			evtxtest.SCM7036(at(2*time.Hour), "Remote Desktop Services", "running", "TermService")}, Resolved, "disabled"},
		// Another service running does not resolve TermService's failure.
		{"other running", []*evtx.Event{
			evtxtest.SCM7000(at(3*time.Hour), "Remote Desktop Services", "%%1058", "TermService"),
			evtxtest.SCM7036(at(2*time.Hour), "Remote Desktop Services Port Redirector", "running", "UmRdpService")}, Detected, "disabled"},
		// Two failed subjects, one recovered: the other still fails.
		{"one of two", []*evtx.Event{
			evtxtest.SCM7023(at(4*time.Hour), "x", "%%1069", "UmRdpService"),
			evtxtest.SCM7000(at(3*time.Hour), "x", "%%5", "TermService"),
			evtxtest.SCM7036(at(2*time.Hour), "x", "running", "TermService")}, Detected, "-"},
		// Running before the failure: the failure is the last state.
		{"running before", []*evtx.Event{
			evtxtest.SCM7036(at(4*time.Hour), "x", "running", "TermService"),
			evtxtest.SCM7000(at(3*time.Hour), "x", "%%1058", "TermService")}, Detected, "disabled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeLogs(t, dir, map[string][]*evtx.Event{"System.evtx": append(base(), c.extra...)})
			f := finding(t, analyzePath(t, e, dir), "my-service")
			if f.Verdict != c.verdict {
				t.Fatalf("verdict %s, want %s (%s)", f.Verdict, c.verdict, f.Why)
			}
			if c.refine != "" {
				got := "-"
				if len(f.Refinements) > 0 {
					got = f.Refinements[0].Refinement.ID
				}
				if got != c.refine {
					t.Errorf("refinement %s, want %s", got, c.refine)
				}
			}
			if c.verdict == Detected && f.Evidence[0].Subject == "" {
				t.Errorf("evidence without subject")
			}
		})
	}
}

func TestLanguageCoverage(t *testing.T) {
	e := userEngine(t, userLanguageRule)
	dir := t.TempDir()
	// A System log without any SCM event: not checked, with the reason.
	ev := evtxtest.EventLog(t0.Add(-9*24*time.Hour), 6005)
	writeLogs(t, dir, map[string][]*evtx.Event{"System.evtx": {ev, evtxtest.EventLog(t0, 6006)}})
	f := finding(t, analyzePath(t, e, dir), "my-service")
	if f.Verdict != NotChecked || len(f.Reasons) == 0 || !strings.Contains(f.Reasons[0], "no service event at all") {
		t.Errorf("verdict %s reasons %q, want not_checked for missing coverage", f.Verdict, f.Reasons)
	}
}

func TestLanguageThreshold(t *testing.T) {
	e := userEngine(t, userBurstRule)
	for _, c := range []struct {
		name    string
		n, ips  int
		step    time.Duration
		verdict Verdict
	}{
		{"one wrong password", 1, 1, time.Minute, NotDetected},
		{"many from one address", 20, 1, time.Second, NotDetected},
		{"spread over hours", 12, 6, time.Hour, NotDetected},
		{"burst", 6, 3, time.Minute, Detected},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			evs := []*evtx.Event{evtxtest.Security4624(t0.Add(-9*24*time.Hour), "alice", "10.0.0.4", 10)}
			for i := 0; i < c.n; i++ {
				ip := fmt.Sprintf("203.0.113.%d", i%c.ips+1)
				evs = append(evs, evtxtest.Security4625(t0.Add(-time.Hour-time.Duration(i)*c.step), "administrator", ip, 0xC000006D, 0xC000006A, 3))
			}
			evs = append(evs, evtxtest.Security4624(t0, "alice", "10.0.0.4", 10))
			writeLogs(t, dir, map[string][]*evtx.Event{"Security.evtx": evs})
			f := finding(t, analyzePath(t, e, dir), "my-burst")
			if f.Verdict != c.verdict {
				t.Fatalf("verdict %s, want %s (%s; %q)", f.Verdict, c.verdict, f.Why, f.Caveats)
			}
			if c.verdict == NotDetected && (len(f.Caveats) == 0 || !strings.Contains(f.Caveats[0], "below the rule's threshold")) {
				t.Errorf("caveats %q: want the below-threshold count", f.Caveats)
			}
			if c.verdict == Detected && !strings.Contains(f.Why, "Peak: 6 failed logons within 10 minutes from 3 addresses") {
				t.Errorf("why %q: want the peak", f.Why)
			}
		})
	}
}

func TestThresholdPeak(t *testing.T) {
	th := &Threshold{Count: 3, Within: time.Minute, Distinct: &Condition{Data: "x"}, DistinctCount: 2}
	s := func(sec int, v string) sample { return sample{t: t0.Add(time.Duration(sec) * time.Second), v: v} }
	if p, met, _ := thresholdPeak(th, []sample{s(0, "a"), s(30, "a"), s(59, "b")}); !met || p.count != 3 || p.distinct != 2 {
		t.Errorf("got %+v %v", p, met)
	}
	if p, met, _ := thresholdPeak(th, []sample{s(0, "a"), s(30, "b"), s(61, "b")}); met || p.count != 2 {
		t.Errorf("span of 61s: got %+v %v", p, met)
	}
	if _, met, _ := thresholdPeak(th, []sample{s(0, ""), s(1, ""), s(2, "a")}); met {
		t.Error("matches without the distinct field counted as distinct values")
	}
}

func TestValidateLanguage(t *testing.T) {
	const head = "id: x\ntitle: t\nseverity: error\ncause: c\nresolution: [{id: s, title: t, text: x, source: test}]\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"where selects two fields", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", where: [{data: a, binary_text: true, text: [x]}]}
`, "queries[e].where[0]: must select one field"},
		{"subject with values", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", subject: {data: a, text: [x]}}
`, "queries[e].subject: selects a field; text and codes do not apply"},
		{"recovery without subject", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", subject: {data: a}}
  - {id: r, channel: System, role: recovery, resolves: [e], xpath: "*[System[EventID=2]]"}
`, "queries[r].subject: empty, but \"e\" has one"},
		{"threshold too wide", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", threshold: {count: 2, within: 48h, counts: x}}
`, "queries[e].threshold.within: 48h0m0s"},
		{"threshold distinct count above count", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", threshold: {count: 2, within: 1h, counts: x, distinct: {data: ip}, distinct_count: 3, distinct_names: y}}
`, "distinct_count: 3 is more than count 2"},
		{"threshold distinct address cut", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", threshold: {count: 2, within: 1h, counts: x, distinct: {data: ClientIP, address: true, before: ":"}, distinct_count: 2, distinct_names: y}}
`, "threshold.distinct: address reads the port itself"},
		{"threshold unnamed", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", threshold: {count: 2, within: 1h}}
`, "threshold.counts: empty"},
		{"unless_followed names an evidence query", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", unless_followed: {queries: [f], within: 10m}}
  - {id: f, channel: System, xpath: "*[System[EventID=2]]"}
`, `queries[e].unless_followed.queries: no context query "f"`},
		{"unless without values", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", unless: [{data: a}]}
`, "queries[e].unless[0]: no text, codes or address"},
		{"possible without why", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", possible: {show: {data: a}}}
`, "queries[e].possible.why: empty"},
		{"possible on a recovery", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]"}
  - {id: r, channel: System, role: recovery, resolves: [e], xpath: "*[System[EventID=2]]", possible: {why: w}}
`, "queries[r].possible: only on an evidence query"},
		{"possible with attribution", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", possible: {why: w}, attribution: {require: [{data: a, text: [x]}]}}
`, "queries[e].possible: only on an evidence query without attribution"},
		{"coverage without text", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]"}
  - {id: c, channel: System, role: coverage, xpath: "*[System[EventID=2]]"}
`, "coverage_missing: empty"},
	} {
		r, err := Parse("x.yaml", []byte(head+c.yaml))
		if err == nil {
			err = Validate([]*Rule{r})
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestBinaryTextAndInserts(t *testing.T) {
	ev := evtxtest.SCM7036(t0, "Remote Desktop Services", "running", "TermService")
	if s, ok := BinaryText(ev.Binary); !ok || s != "TermService/4" {
		t.Errorf("BinaryText = %q %v", s, ok)
	}
	if _, ok := BinaryText([]byte{1, 0, 2, 0}); ok {
		t.Error("control characters read as text")
	}
	if got := InsertText("%%1058"); got != "%%1058 (ERROR_SERVICE_DISABLED)" {
		t.Errorf("InsertText = %q", got)
	}
	if got := InsertText("%%99999"); got != "%%99999" {
		t.Errorf("unknown insert = %q", got)
	}
}

// userStartTypeRule uses unless, split and possible: a start type change
// of TermService to a text the rule does not know is weaker evidence;
// "disabled" is evidence; the known other texts are not matches.
const userStartTypeRule = `id: my-start-type
title: my service's start type changed
severity: error
cause: the start type changed
queries:
  - id: disabled
    channel: System
    xpath: "Event[System[Provider[@Name='Service Control Manager'] and EventID=7040]]"
    where: [{data: param4, text: [TermService]}, {data: param3, text: [disabled]}]
  - id: unknown
    channel: System
    xpath: "Event[System[Provider[@Name='Service Control Manager'] and EventID=7040]]"
    where: [{data: param4, split: ";", text: [TermService]}]
    unless: [{data: param3, text: [disabled, auto start, demand start]}]
    possible: {why: "the new start type is a text the rule does not know", show: {data: param3}}
resolution:
  - {id: s, title: Read it, text: sc qc TermService, source: test}
`

func TestLanguageUnlessSplitPossible(t *testing.T) {
	e := userEngine(t, userStartTypeRule)
	at := func(d time.Duration) time.Time { return t0.Add(-d) }
	for _, c := range []struct {
		name    string
		extra   []*evtx.Event
		verdict Verdict
		why     string
	}{
		{"disabled", []*evtx.Event{evtxtest.SCM7040(at(3*time.Hour), "Remote Desktop Services", "demand start", "disabled", "TermService")}, Detected, ""},
		// A known text that is not disabled: excluded by unless.
		{"auto start", []*evtx.Event{evtxtest.SCM7040(at(3*time.Hour), "Remote Desktop Services", "demand start", "auto start", "TermService")}, NotDetected, ""},
		// An unknown text (German "Deaktiviert"): possible, and said.
		{"unknown text", []*evtx.Event{evtxtest.SCM7040(at(3*time.Hour), "Remotedesktopdienste", "Manuell", "Deaktiviert", "TermService")}, Possible, "param3=Deaktiviert"},
		// Split: one element of a list matches.
		{"split list", []*evtx.Event{evtxtest.SCM7040(at(3*time.Hour), "x", "a", "b", "Spooler; TermService")}, Possible, "param3=b"},
		{"other service", []*evtx.Event{evtxtest.SCM7040(at(3*time.Hour), "x", "a", "Deaktiviert", "Spooler")}, NotDetected, ""},
		// Weaker evidence beside full evidence: detected.
		{"both", []*evtx.Event{
			evtxtest.SCM7040(at(4*time.Hour), "x", "a", "Deaktiviert", "TermService"),
			evtxtest.SCM7040(at(3*time.Hour), "x", "demand start", "disabled", "TermService")}, Detected, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			base := []*evtx.Event{evtxtest.EventLog(at(9*24*time.Hour), 6005), evtxtest.EventLog(t0, 6006)}
			writeLogs(t, dir, map[string][]*evtx.Event{"System.evtx": append(base, c.extra...)})
			f := finding(t, analyzePath(t, e, dir), "my-start-type")
			if f.Verdict != c.verdict {
				t.Fatalf("verdict %s, want %s (%s)", f.Verdict, c.verdict, f.Why)
			}
			if c.why != "" && !strings.Contains(f.Why, c.why) {
				t.Errorf("why %q lacks %q", f.Why, c.why)
			}
			if c.verdict == Possible && !strings.Contains(f.Why, "weaker evidence") {
				t.Errorf("why %q does not say the evidence is weaker", f.Why)
			}
		})
	}
}

// TestUnlessCodes: an unless condition with codes excludes the events
// whose field has one of them (the loader parses unless codes as it
// parses where codes).
func TestUnlessCodes(t *testing.T) {
	src := "id: u\ntitle: t\nseverity: error\ncause: c\nqueries:\n  - id: q\n    channel: System\n    xpath: \"*\"\n    unless: [{data: Action, codes: [\"2\", \"0x5\"]}]\nresolution:\n  - {id: s, title: T, text: t, source: test}\n"
	r, err := Parse("u.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	q := r.Query("q")
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for action, want := range map[string]bool{"2": false, "5": false, "3": true} {
		ev := evtxtest.Firewall(t0, 2004, [2]string{"Action", action})
		if got := q.admits(ev); got != want {
			t.Errorf("Action %s: admitted %v, want %v", action, got, want)
		}
	}
}
