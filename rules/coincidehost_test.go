package rules

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestCoincidenceOnlyWithinOneComputer: in a log of forwarded events (two
// computers' System and RemoteConnectionManager records interleaved,
// analysed as one log), VM-A's Schannel 36870 of a TLS server that names
// no calling process was counted as RDP's for an RDP connection (261)
// that VM-B logged two seconds before it: rdp-cert-private-key was
// DETECTED, "an RDP connection attempt 2 seconds before it". An attempt
// attributes only the events of its own computer (by host: "vm-a" and
// "VM-A.contoso.com" are one), so it is possible, and the attribution
// says that the attempt near it is another computer's.
func TestCoincidenceOnlyWithinOneComputer(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	forwarded := func(attemptOn string) []*evtx.Event {
		s := evtxtest.Schannel36870(t0.Add(-time.Hour), 0x8009030d, 10001)
		s.System.Computer = "VM-A"
		r := evtxtest.RCMOperational(t0.Add(-time.Hour-2*time.Second), 261)
		r.System.Computer = attemptOn
		return numbered(append(hostsNoise(t0, hostsNamed("VM-A", "VM-B")), s, r))
	}
	e := builtinEngine(t, Options{})
	for _, c := range []struct {
		attemptOn string
		want      Verdict
		says      []string
	}{
		{"VM-B", Possible, []string{"no RDP connection attempt of its computer (VM-A) is logged within 10 seconds of it",
			"; an RDP connection attempt 2 seconds before it (RemoteConnectionManager 261 at 2024-05-01T10:59:58.0000000Z) is of another computer, VM-B"}},
		{"vm-a.contoso.com", Detected, []string{"an RDP connection attempt 2 seconds before it (RemoteConnectionManager 261"}},
	} {
		f := findingOfLog(t, e, "ForwardedEvents.evtx", forwarded(c.attemptOn), "rdp-cert-private-key")
		var attr []string
		for _, r := range f.Evidence {
			attr = append(attr, r.Attribution)
		}
		said := f.Verdict == c.want
		for _, w := range c.says {
			said = said && strings.Contains(strings.Join(attr, "\n"), w)
		}
		if !said {
			t.Errorf("attempt on %s: %s (%s), attribution %q; want %s, %q", c.attemptOn, f.Verdict, f.Why, attr, c.want, c.says)
		}
	}
}

// TestRecoveryOnlyOfItsOwnComputer: in forwarded events, VM-B's new RDP
// certificate (RCM 1056) resolved VM-A's failure to create one (1057):
// rdp-cert-private-key was "resolved" on a failure no event shows
// recovered. A recovery resolves only its own computer's failures; a
// machine renamed in between (its System log names OLD, then NEW, one
// after the other) is one computer, as is a name with its domain.
func TestRecoveryOnlyOfItsOwnComputer(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	cert := [2]*evtx.Event{evtxtest.RCM1057(t0.Add(-2*time.Hour), "0x80090016"), evtxtest.RCM1056(t0.Add(-time.Hour), "cert", make([]byte, 20))}
	// Service Control Manager: the subject (the service's key name; not one
	// Noise logs)
	// decides which recovery resolves which failure.
	service := [2]*evtx.Event{evtxtest.SCM7000(t0.Add(-2*time.Hour), "Remote Desktop Configuration", "%%1053", "SessionEnv"),
		evtxtest.SCM7036(t0.Add(-time.Hour), "Remote Desktop Configuration", "running", "SessionEnv")}
	log := func(pair [2]*evtx.Event, hostsOf func(i int, t time.Time) string, failOn, fixOn string) []*evtx.Event {
		fail, fix := *pair[0], *pair[1]
		fail.System.Computer = failOn
		fix.System.Computer = fixOn
		return numbered(append(hostsNoise(t0, hostsOf), &fail, &fix))
	}
	forwarded := hostsNamed("VM-A", "VM-B")
	renamed := func(i int, t time.Time) string {
		switch {
		case i == 1:
			return ""
		case t.Before(t0.Add(-90 * time.Minute)):
			return "OLD"
		}
		return "NEW"
	}
	e := builtinEngine(t, Options{})
	for _, c := range []struct {
		name string
		rule string
		evs  []*evtx.Event
		want Verdict
	}{
		{"forwarded, recovery of another computer", "rdp-cert-private-key", log(cert, forwarded, "VM-A", "VM-B"), Detected},
		{"forwarded, recovery of its computer", "rdp-cert-private-key", log(cert, forwarded, "VM-A", "vm-a.contoso.com"), Resolved},
		{"renamed in between", "rdp-cert-private-key", log(cert, renamed, "OLD", "NEW"), Resolved},
		{"service, forwarded, recovery of another computer", "rdp-service-not-running", log(service, forwarded, "VM-A", "VM-B"), Detected},
		{"service, forwarded, recovery of its computer", "rdp-service-not-running", log(service, forwarded, "VM-A", "VM-A"), Resolved},
	} {
		if f := findingOfLog(t, e, "System.evtx", c.evs, c.rule); f.Verdict != c.want {
			t.Errorf("%s: %s (%s); want %s", c.name, f.Verdict, f.Why, c.want)
		}
	}
}

// TestFollowerOnlyOfItsOwnComputer: in forwarded events, VM-B's RDP
// listener starting (RCM Operational 258) a minute after VM-A booted
// (EventLog 6005) counted as VM-A's listener starting: rdp-listener was
// not detected on a boot after which VM-A's listener never started. A
// follower counts only on its own computer.
func TestFollowerOnlyOfItsOwnComputer(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(-d) }
	forwarded := func(startedOn string) []*evtx.Event {
		var evs []*evtx.Event
		for i, host := range []string{"VM-A", "VM-B"} {
			for _, ev := range evtxtest.Noise(at(72*time.Hour-time.Duration(i)*time.Minute), time.Hour, 72) {
				ev.System.Computer = host
				evs = append(evs, ev)
			}
			old := evtxtest.RCMOperational(at(9*24*time.Hour+time.Duration(i)*time.Minute), 258)
			old.System.Computer = host
			evs = append(evs, old)
		}
		boot := evtxtest.EventLog(at(5*time.Hour), 6005)
		boot.System.Computer = "VM-A"
		started := evtxtest.RCMOperational(at(5*time.Hour-time.Minute), 258)
		started.System.Computer = startedOn
		return numbered(append(evs, boot, started))
	}
	e := builtinEngine(t, Options{})
	for _, c := range []struct {
		startedOn string
		want      Verdict
	}{{"VM-B", Detected}, {"VM-A", NotDetected}} {
		if f := findingOfLog(t, e, "ForwardedEvents.evtx", forwarded(c.startedOn), "rdp-listener"); f.Verdict != c.want {
			t.Errorf("listener started on %s: %s (%s), caveats %q; want %s", c.startedOn, f.Verdict, f.Why, f.Caveats, c.want)
		}
	}
}

// TestThresholdPerComputer: in forwarded events, two machines' failed
// RDP connections (RdpCoreTS 140), each machine's below the rule's
// threshold (30 from 5 addresses within 10 minutes), were counted as one
// burst: rdp-brute-force was DETECTED, "a brute-force attack is
// saturating RDP", on machines neither of which saw one. The peak is now
// one computer's (a name with its domain is one computer).
func TestThresholdPerComputer(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	forwarded := func(a, b string) []*evtx.Event {
		evs := hostsNoise(t0, hostsNamed(a, b))
		for i, host := range []string{a, b} {
			for k := range 20 {
				ev := evtxtest.RdpCoreTS140(t0.Add(-time.Hour+time.Duration(k*10+i)*time.Second), fmt.Sprintf("198.51.100.%d", k%6+10*i))
				ev.System.Computer = host
				evs = append(evs, ev)
			}
		}
		return numbered(evs)
	}
	e := builtinEngine(t, Options{})
	for _, c := range []struct {
		a, b string
		want Verdict
	}{{"VM-A", "VM-B", NotDetected}, {"VM-A", "vm-a.contoso.com", Detected}} {
		f := findingOfLog(t, e, "ForwardedEvents.evtx", forwarded(c.a, c.b), "rdp-brute-force")
		if got := f.Verdict; got != c.want && !(c.want == NotDetected && got == NotChecked) {
			t.Errorf("%s and %s: %s (%s), caveats %q; want %s", c.a, c.b, got, f.Why, f.Caveats, c.want)
		}
		if c.want == NotDetected && !strings.Contains(strings.Join(f.Caveats, "\n"), "rdpcorets-140-burst: 40 matches in the window, at most 20 failed RDP connections within 10 minutes") {
			t.Errorf("%s and %s: caveats %q lack the peak of one computer", c.a, c.b, f.Caveats)
		}
	}
}

// hostsNoise returns two computers' Noise interleaved, as forwarded
// events hold them: for each i of 0 and 1, 48 hours of a record every 10
// minutes up to t0, i minutes later, each named hostOf(i, its time) (its
// System/Computer), left out where that is "".
func hostsNoise(t0 time.Time, hostOf func(i int, t time.Time) string) []*evtx.Event {
	var evs []*evtx.Event
	for i := range 2 {
		for _, ev := range evtxtest.Noise(t0.Add(-48*time.Hour+time.Duration(i)*time.Minute), 10*time.Minute, 48*6) {
			ev.System.Computer = hostOf(i, ev.System.TimeCreated)
			if ev.System.Computer != "" {
				evs = append(evs, ev)
			}
		}
	}
	return evs
}

// hostsNamed is the hostOf of hostsNoise that names computer i hosts[i].
func hostsNamed(hosts ...string) func(i int, _ time.Time) string {
	return func(i int, _ time.Time) string { return hosts[i] }
}

// numbered returns evs by TimeCreated (sorted), their record numbers 1 on.
func numbered(evs []*evtx.Event) []*evtx.Event {
	evs = sorted(evs)
	for i, ev := range evs {
		ev.RecordID = uint64(i + 1)
	}
	return evs
}

// findingOfLog writes evs as the log name in a new folder, analyses it
// with e and returns its finding of rule.
func findingOfLog(t *testing.T, e *Engine, name string, evs []*evtx.Event, rule string) *Finding {
	t.Helper()
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, name), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	return finding(t, analyzePath(t, e, dir), rule)
}
