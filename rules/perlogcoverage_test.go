package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestDomainTrustSecurityWithoutFailures: rdp-domain-trust looks for
// NETLOGON 3210 in System and for 4625 of a logon refused for want of a
// domain controller in Security (needs: any). A Security log without
// any 4625 (failure auditing may be off) cannot show the second, yet it
// alone made the rule "not detected: Security read and covers it" while
// rdp-logon-account said of the same log "not checked: logon failure
// auditing may be off". Its per-log coverage query (any 4625) now
// decides whether the Security log counts: alone, it leaves the rule not
// checked, saying why; beside a System log that covers the window the
// rule is not detected, with that said as a caveat; a Security log with a
// failed logon of another kind (auditing on) covers as before.
func TestDomainTrustSecurityWithoutFailures(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	old := t0.Add(-72 * time.Hour) // before the 24-hour window: the logs reach back over it
	noFailure := []*evtx.Event{evtxtest.Security4624(old, "alice", "203.0.113.5", 10), evtxtest.Security4624(t0, "alice", "203.0.113.5", 10)}
	withFailure := []*evtx.Event{evtxtest.Security4624(old, "alice", "203.0.113.5", 10), evtxtest.Security4625(t0, "bob", "203.0.113.6", 0xc000006d, 0xc000006a, 10)}
	system := []*evtx.Event{evtxtest.EventLog(old, 6005), evtxtest.EventLog(t0, 6005)}
	const why = "Security: it holds no failed logon (4625) of any kind"
	for _, c := range []struct {
		name     string
		security []*evtx.Event
		system   bool
		verdict  Verdict
		reason   bool // the Security text among the reasons (else among the caveats)
	}{
		{"Security without 4625 alone", noFailure, false, NotChecked, true},
		{"Security without 4625 beside System", noFailure, true, NotDetected, false},
		{"Security with a 4625 alone", withFailure, false, NotDetected, false},
	} {
		dir := t.TempDir()
		if err := evtxtest.WriteFile(filepath.Join(dir, "Security.evtx"), c.security, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		if c.system {
			if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), system, evtxtest.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, plain := range []bool{false, true} {
			f := finding(t, analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain}), dir), "rdp-domain-trust")
			reasons, caveats := strings.Join(f.Reasons, "\n"), strings.Join(f.Caveats, "\n")
			if f.Verdict != c.verdict {
				t.Errorf("%s, NoShortcuts %v: %s, want %s; reasons %q, caveats %q", c.name, plain, f.Verdict, c.verdict, reasons, caveats)
			}
			said := c.security[len(c.security)-1].System.EventID == 4624
			if got := strings.Contains(reasons, why); got != (said && c.reason) {
				t.Errorf("%s, NoShortcuts %v: reasons %q (the Security log's want %v)", c.name, plain, reasons, said && c.reason)
			}
			if got := strings.Contains(caveats, why); got != (said && !c.reason) {
				t.Errorf("%s, NoShortcuts %v: caveats %q (the Security log's want %v)", c.name, plain, caveats, said && !c.reason)
			}
		}
	}
}

// TestPerLogValidated: per_log is for a coverage query of an evidence
// log of the rule.
func TestPerLogValidated(t *testing.T) {
	base := `id: my-rule
title: a test rule
severity: error
window: 24h
needs: any
coverage_missing: no failed logon
cause: a cause
queries:
  - id: ev
    channel: System
    xpath: "Event[System[EventID=1]]"
  - id: cov
    channel: %s
    role: %s
    per_log: true
    xpath: "Event[System[EventID=2]]"
resolution:
  - id: step
    title: Read
    text: Read it.
    source: a source
`
	for _, c := range []struct{ channel, role, want string }{
		{"System", "coverage", ""},
		{"System", "evidence", "only a coverage query speaks for its log"},
		{"Security", "coverage", `channel "Security" holds no evidence query of the rule`},
	} {
		r, err := Parse("mine.yaml", []byte(strings.Replace(strings.Replace(base, "role: %s", "role: "+c.role, 1), "%s", c.channel, 1)))
		if err != nil {
			t.Fatal(err)
		}
		err = Validate([]*Rule{r})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %s: %v", c.channel, c.role, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s %s: %v, want %q", c.channel, c.role, err, c.want)
		}
	}
}
