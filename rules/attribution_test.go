package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

func builtinRule(t *testing.T, id string) *Rule {
	t.Helper()
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return nil
}

func TestAttributionClassify(t *testing.T) {
	at := builtinRule(t, "rdp-tls-disabled").Query("schannel-36871").Attribution
	at70 := builtinRule(t, "rdp-cert-private-key").Query("schannel-36870").Attribution
	at72 := builtinRule(t, "rdp-cert-private-key").Query("schannel-36872").Attribution
	at69 := builtinRule(t, "rdp-cert-private-key").Query("schannel-36869").Attribution
	lsass := `C:\Windows\System32\lsass.exe`
	svchost := `C:\Windows\System32\svchost.exe`
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		at    *Attribution
		ev    *evtx.Event
		class attrClass
		why   string
	}{
		{"client credential", at, evtxtest.WithType(evtxtest.Schannel36871(t0, 10013), "client"), attrOther, "Type=client"},
		{"client credential of svchost", at, evtxtest.WithCaller(evtxtest.WithType(evtxtest.Schannel36871(t0, 10013), "client"), 9, svchost),
			attrOther, "Type=client from svchost.exe"},
		{"server 10013 is machine-wide", at, evtxtest.Schannel36871(t0, 10013), attrYes, "machine-wide (ErrorState=10013, Type=server)"},
		// Schannel's 10013 depends on the caller (the versions enabled and
		// allowed by that caller): lsass's or SQL Server's does not show
		// that RDP's listener fails, and svchost's is judged by its PID.
		{"server 10013 of lsass is lsass's", at, evtxtest.WithCaller(evtxtest.Schannel36871(t0, 10013), 716, lsass), attrOther, "lsass.exe"},
		{"server 10013 of sqlservr is sqlservr's", at, evtxtest.WithCaller(evtxtest.Schannel36871(t0, 10013), 4100,
			`C:\Program Files\Microsoft SQL Server\MSSQL12.MSSQLSERVER\MSSQL\Binn\sqlservr.exe`), attrOther, "sqlservr.exe"},
		{"server 10013 of svchost", at, evtxtest.WithCaller(evtxtest.Schannel36871(t0, 10013), 1032, svchost), attrProcess,
			"the calling process is svchost.exe (PID 1032)"},
		{"server 10011 of lsass", at, evtxtest.WithCaller(evtxtest.Schannel36871(t0, 10011), 716, lsass), attrOther, "lsass.exe"},
		{"server 10011 of svchost", at, evtxtest.WithCaller(evtxtest.Schannel36871(t0, 10011), 1032, svchost), attrProcess,
			"the calling process is svchost.exe (PID 1032)"},
		{"server 10011 without process", at, evtxtest.Schannel36871(t0, 10011), attrPending, ""},
		{"36870 of w3wp", at70, evtxtest.WithCaller(evtxtest.Schannel36870(t0, 0x8009030D, 10001), 4242, `C:\Windows\System32\inetsrv\w3wp.exe`),
			attrOther, "w3wp.exe"},
		{"36870 SVCHOST in capitals", at70, evtxtest.WithCaller(evtxtest.Schannel36870(t0, 0x8009030D, 10001), 1032, `C:\WINDOWS\system32\SVCHOST.EXE`),
			attrProcess, "the calling process is svchost.exe (PID 1032)"},
		{"no attribution", nil, evtxtest.Schannel36870(t0, 0x8009030D, 10001), attrYes, ""},
		// Variants of the shared cases client-schannel-36871 and
		// lsass-schannel-36870: other events, field orders, path forms.
		{"36870 client", at70, evtxtest.WithType(evtxtest.Schannel36870(t0, 0x8009030D, 10001), "client"), attrOther, "Type=client"},
		{"36872 client", at72, evtxtest.WithType(evtxtest.Schannel36872(t0, 0x80092004, 1, []byte{1}), "client"), attrOther, "Type=client"},
		{"36871 Server in capitals", at, evtxtest.WithType(evtxtest.Schannel36871(t0, 10013), "Server"), attrYes, "machine-wide (ErrorState=10013, Type=Server)"},
		{"36870 lsass, caller fields before Type", at70, callerFirst(evtxtest.WithCaller(evtxtest.Schannel36870(t0, 0x8009030D, 10001), 716, lsass)),
			attrOther, "lsass.exe"},
		{"36870 LSASS.EXE in capitals", at70, evtxtest.WithCaller(evtxtest.Schannel36870(t0, 0x8009030D, 10001), 716, `C:\WINDOWS\system32\LSASS.EXE`),
			attrOther, "lsass.exe"},
		{"36870 lsass by device path", at70, evtxtest.WithCaller(evtxtest.Schannel36870(t0, 0x8009030D, 10001), 716, `\Device\HarddiskVolume3\Windows\System32\lsass.exe`),
			attrOther, "lsass.exe"},
		{"36872 lsass", at72, evtxtest.WithCaller(evtxtest.Schannel36872(t0, 0x80092004, 1, []byte{1}), 716, lsass), attrOther, "lsass.exe"},
		{"36869 lsass", at69, evtxtest.WithCaller(evtxtest.Schannel36869(t0), 716, lsass), attrOther, "lsass.exe"},
		{"36871 10013 without Type", at, noType(evtxtest.Schannel36871(t0, 10013)), attrPending, ""},
		{"36871 10013 without Type of svchost", at, noType(evtxtest.WithCaller(evtxtest.Schannel36871(t0, 10013), 1032, svchost)), attrProcess,
			"the calling process is svchost.exe (PID 1032)"},
		{"36870 without Type of lsass", at70, noType(evtxtest.WithCaller(evtxtest.Schannel36870(t0, 0x8009030D, 10001), 716, lsass)), attrOther, "lsass.exe"},
		{"36870 empty image name", at70, evtxtest.WithCaller(evtxtest.Schannel36870(t0, 0x8009030D, 10001), 716, ""), attrPending, ""},
	} {
		class, why := c.at.classify(c.ev)
		if class != c.class || why != c.why {
			t.Errorf("%s: classify = %d %q, want %d %q", c.name, class, why, c.class, c.why)
		}
	}
}

func TestOthersText(t *testing.T) {
	for _, c := range []struct {
		from map[string]int
		want string
	}{
		{map[string]int{"lsass.exe": 3}, "other TLS errors on this machine: 3, from lsass.exe"},
		{map[string]int{"Type=client": 1}, "other TLS errors on this machine: 1, with Type=client"},
		{map[string]int{"Type=client": 1, "lsass.exe": 2}, "other TLS errors on this machine: 3, from lsass.exe (2), Type=client (1)"},
	} {
		n := 0
		for _, v := range c.from {
			n += v
		}
		if got := othersText("TLS errors", n, c.from); got != c.want {
			t.Errorf("othersText = %q, want %q", got, c.want)
		}
	}
}

// TestCoincidenceWithin: a Schannel 36870 without a calling process is
// attributed by an RDP connection attempt up to 10 seconds away, not 11.
func TestCoincidenceWithin(t *testing.T) {
	e := builtinEngine(t, Options{At: t0})
	for _, c := range []struct {
		gap  time.Duration
		want Verdict
	}{{-10 * time.Second, Detected}, {10 * time.Second, Detected}, {11 * time.Second, Possible}, {-11 * time.Second, Possible}} {
		dir := t.TempDir()
		at := t0.Add(-time.Hour)
		sys := append(evtxtest.Noise(t0.Add(-3*24*time.Hour), time.Hour, 73), evtxtest.Schannel36870(at, 0x8009030D, 10001))
		if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sortByTime(sys), evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		rcm := []*evtx.Event{evtxtest.RCM261(t0.Add(-2 * 24 * time.Hour)), evtxtest.RCM261(at.Add(c.gap))}
		if err := evtxtest.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"), rcm, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		f := finding(t, analyzePath(t, e, dir), "rdp-cert-private-key")
		if f.Verdict != c.want {
			t.Errorf("RCM 261 %v from the 36870: verdict %s, want %s (%s)", c.gap, f.Verdict, c.want, f.Why)
		}
		if c.want == Detected && !strings.Contains(f.Evidence[0].Attribution, "an RDP connection attempt") {
			t.Errorf("attribution %q", f.Evidence[0].Attribution)
		}
	}
}

func sortByTime(evs []*evtx.Event) []*evtx.Event {
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && evs[j].System.TimeCreated.Before(evs[j-1].System.TimeCreated); j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
	return evs
}

// TestValidateRuleLanguage: the attribution, recovery and corroboration
// keys are checked at load with errors that say where.
func TestValidateRuleLanguage(t *testing.T) {
	const head = "id: x\ntitle: t\nseverity: error\ncause: c\nresolution: [{id: s, title: t, text: x, source: test}]\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"attribution on a context query", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]"}
  - {id: c, channel: System, role: context, xpath: "*[System[EventID=2]]", attribution: {require: [{data: Type, text: [server]}]}}
`, "queries[c].attribution: only an evidence query has an attribution"},
		{"coincides names an evidence query", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", attribution: {coincides: {queries: [e], within: 10s}}}
`, `queries[e].attribution.coincides.queries: no context query "e"`},
		{"coincides too wide", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", attribution: {coincides: {queries: [c], within: 1h}}}
  - {id: c, channel: System, role: context, xpath: "*[System[EventID=2]]"}
`, "queries[e].attribution.coincides.within: 1h0m0s"},
		{"process without allow", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", attribution: {process: {image: CallerProcessImageName}}}
`, "queries[e].attribution.process.allow: empty"},
		{"process allow with a path", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", attribution: {process: {image: I, allow: ['C:\x\svchost.exe']}}}
`, "is not a file name"},
		{"empty attribution", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", attribution: {others: x}}
`, "queries[e].attribution: empty"},
		{"require condition selects nothing", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", attribution: {require: [{text: [server]}]}}
`, "queries[e].attribution.require[0]: must select one field"},
		{"recovery resolves nothing", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]"}
  - {id: r, channel: System, role: recovery, xpath: "*[System[EventID=2]]"}
`, "queries[r].resolves: a recovery query must name"},
		{"recovery resolves a corroboration query", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]"}
  - {id: k, channel: System, role: corroboration, xpath: "*[System[EventID=3]]"}
  - {id: r, channel: System, role: recovery, resolves: [k], xpath: "*[System[EventID=2]]"}
`, `queries[r].resolves: no evidence query "k"`},
		{"resolves on an evidence query", `queries:
  - {id: e, channel: System, resolves: [e], xpath: "*[System[EventID=1]]"}
`, "queries[e].resolves: only a recovery query resolves others"},
		{"unknown role", `queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]"}
  - {id: r, channel: System, role: recover, xpath: "*[System[EventID=2]]"}
`, `queries[r].role: "recover" (want evidence, corroboration, recovery, context or coverage)`},
		{"needs corroboration without any", `needs_corroboration: true
queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]"}
`, "needs_corroboration: the rule has no corroboration query and no computer_change"},
	} {
		r, err := Parse("x.yaml", []byte(head+c.yaml))
		if err == nil {
			err = Validate([]*Rule{r})
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
	// A bad code in an attribution condition is a load error.
	_, err := Parse("x.yaml", []byte(head+`queries:
  - {id: e, channel: System, xpath: "*[System[EventID=1]]", attribution: {machine_wide: [{data: S, codes: ["0xZZ"]}]}}
`))
	if err == nil || !strings.Contains(err.Error(), `x.yaml:7: x: queries[e].attribution.machine_wide[0].codes: "0xZZ" is not a code`) {
		t.Errorf("bad code: %v", err)
	}
}

// TestFirstFormatRuleStillWorks: a rule file in the format before
// attribution (no attribution, recovery, context or needs_corroboration)
// loads and judges as before: every match counts, verdict detected.
func TestFirstFormatRuleStillWorks(t *testing.T) {
	dir := t.TempDir()
	rule := `id: my-schannel
title: any Schannel 36871
severity: warning
cause: some TLS credential failed
queries:
  - id: q
    channel: System
    xpath: "Event[System[Provider[@Name='Schannel'] and EventID=36871]]"
refinements:
  - id: client
    queries: [q]
    when: [{data: Type, text: [client]}]
    cause: a client credential failed
resolution:
  - {id: look, title: Look, text: look at it, source: test}
`
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
	f := finding(t, analyzePath(t, e, filepath.Join(scenarioDir, "schannel-client-36871")), "my-schannel")
	if f.Verdict != Detected || f.Refinements[0].Refinement.ID != "client" || f.Why == "" {
		t.Errorf("verdict %s, refinements %v, why %q", f.Verdict, f.Refinements, f.Why)
	}
}

func TestListenerPID(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	cs := []contextTime{{t: at(0), pid: 10}, {t: at(60), pid: 10}, {t: at(120), pid: 20}, {t: at(240), pid: 20}}
	for _, c := range []struct {
		t    time.Time
		pid  uint32
		ok   bool
		name string
	}{
		{at(30), 10, true, "between two attempts of one process"},
		{at(90), 0, false, "between attempts of two processes (a restart)"},
		{at(90).Add(-29*time.Minute - 55*time.Second), 10, true, "5 s after an attempt, before a restart"},
		{at(250), 0, false, "after the last attempt, beyond 10 s"},
		{at(240).Add(5 * time.Second), 20, true, "5 s after the last attempt"},
		{at(-1), 0, false, "before the first attempt, beyond 10 s"},
	} {
		l, ok := listenerPID(cs, c.t, 10*time.Second)
		if ok != c.ok || (ok && l.pid != c.pid) {
			t.Errorf("%s: listenerPID = %v %v, want %d %v", c.name, l, ok, c.pid, c.ok)
		}
	}
}

// TestComputerChangeWithinOneLog: a rename shows as a change of the
// Computer field within one log; two logs that each name another host are
// not a rename (they may be two machines), so broker errors stay possible.
func TestComputerChangeWithinOneLog(t *testing.T) {
	e := builtinEngine(t, Options{At: t0})
	for _, c := range []struct {
		name      string
		sysNames  func(time.Time) string
		want      Verdict
		wantShown string
	}{
		{"one log changes", func(tm time.Time) string {
			if tm.Before(t0.Add(-48 * time.Hour)) {
				return "RDSH-OLD"
			}
			return evtxtest.DefaultComputer
		}, Detected, "the Computer field of "},
		{"two logs, one name each", func(time.Time) string { return "OTHER-HOST" }, Possible, ""},
	} {
		dir := t.TempDir()
		sys := evtxtest.Noise(t0.Add(-5*24*time.Hour), time.Hour, 121)
		for _, ev := range sys {
			ev.System.Computer = c.sysNames(ev.System.TimeCreated)
		}
		if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sys, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		idle := evtxtest.SessionBrokerClient1296(t0.Add(-4*24*time.Hour), "CONTOSO", "bob", "ok")
		idle.System.EventID = 1281
		cl := []*evtx.Event{idle, evtxtest.SessionBrokerClient1296(t0.Add(-time.Hour), "CONTOSO", "bob", "Remote Desktop Connection Broker is not ready for RPC communication.")}
		if err := evtxtest.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-SessionBroker-Client%4Operational.evtx"), cl, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		f := finding(t, analyzePath(t, e, dir), "rdp-broker-renamed")
		if f.Verdict != c.want {
			t.Errorf("%s: verdict %s, want %s (%s)", c.name, f.Verdict, c.want, f.Why)
		}
		if c.wantShown != "" && (len(f.Corroboration) == 0 || !strings.Contains(f.Corroboration[0].Text, c.wantShown)) {
			t.Errorf("%s: corroboration %v", c.name, f.Corroboration)
		}
	}
}

// TestUnattributedSaysWhenContextStartsLater: an RDP connection log that
// begins after the Schannel event cannot show an attempt near it, and the
// attribution says so.
func TestUnattributedSaysWhenContextStartsLater(t *testing.T) {
	e := builtinEngine(t, Options{At: t0})
	dir := t.TempDir()
	at := t0.Add(-5 * time.Hour)
	sys := sortByTime(append(evtxtest.Noise(t0.Add(-3*24*time.Hour), time.Hour, 73), evtxtest.Schannel36870(at, 0x8009030D, 10001)))
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sys, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	rcm := []*evtx.Event{evtxtest.RCM261(t0.Add(-2 * time.Hour)), evtxtest.RCM261(t0.Add(-time.Hour))}
	if err := evtxtest.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"), rcm, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	f := finding(t, analyzePath(t, e, dir), "rdp-cert-private-key")
	if f.Verdict != Possible {
		t.Fatalf("verdict %s", f.Verdict)
	}
	want := "RemoteConnectionManager/Operational does not reach back to it"
	if got := f.Evidence[0].Attribution; !strings.Contains(got, want) {
		t.Errorf("attribution %q lacks %q", got, want)
	}
}

// TestDamagedContextLogCaveat: a damaged RDP connection log is only a
// caveat about the connection attempts it would show (the real RCM
// Operational sample has unreadable bytes).
func TestDamagedContextLogCaveat(t *testing.T) {
	const rcm = "../testdata/evtx/omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"
	const sys = "../testdata/evtx/omerbenamram__evtx__samples__2-vss_7-System.evtx"
	var logs []*evtx.Log
	for _, p := range []string{sys, rcm} {
		l, err := evtx.Find(p)
		if err != nil {
			t.Fatalf("sample %s: %v", p, err)
		}
		logs = append(logs, l...)
	}
	res, err := builtinEngine(t, Options{}).Analyze(logs)
	if err != nil {
		t.Fatal(err)
	}
	f := finding(t, res, "rdp-cert-private-key")
	found := false
	for _, c := range f.Caveats {
		if strings.Contains(c, "RemoteConnectionManager%4Operational.evtx") {
			found = true
			if !strings.HasSuffix(c, "RDP connection attempts in the unreadable parts are not seen") {
				t.Errorf("caveat %q", c)
			}
		}
	}
	if !found {
		t.Errorf("no caveat for the damaged RCM log: %q", f.Caveats)
	}
}

// callerFirst moves ev's last two data fields (WithCaller's) before the
// others: the order one observed Schannel record has (domain.md §2.2).
func callerFirst(ev *evtx.Event) *evtx.Event {
	n := len(ev.EventData)
	ev.EventData = append(append([]evtx.Field{}, ev.EventData[n-2:]...), ev.EventData[:n-2]...)
	return ev
}

// TestUserDataPrefixedLeaf: a user_data condition reads a UserData leaf
// through a namespace prefix (<e:param3>), as the query evaluator's
// UserData/EventXML/param3 does and as evtx reads System and EventData
// names (evtx.NameIs; the prefixed-provider kind of cases/CASES.md).
func TestUserDataPrefixedLeaf(t *testing.T) {
	ev := evtxtest.SessionBrokerClient1296(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), "CONTOSO", "alice", "not ready")
	n := 0
	walkLeaves(ev.UserData, func(e *evtx.Element) {
		e.Name = "e:" + e.Name
		n++
	})
	c := &Condition{UserData: "param3", Text: []string{"not ready"}}
	if n != 3 || !c.Match(ev) {
		t.Errorf("%d leaves; user_data param3 does not match <e:param3>", n)
	}
	if c := (&Condition{UserData: "aram3", Text: []string{"not ready"}}); c.Match(ev) {
		t.Errorf("user_data aram3 matches <e:param3>")
	}
}

// noType removes ev's Type field (a layout without it).
func noType(ev *evtx.Event) *evtx.Event {
	var out []evtx.Field
	for _, f := range ev.EventData {
		if f.Name != "Type" {
			out = append(out, f)
		}
	}
	ev.EventData = out
	return ev
}

// TestSchannelWithoutType: a Schannel 36871 with internal state 10013 in a
// layout without the Type field is not shown to be another program's (it
// was listed as "other TLS errors ... with no Type"): alone it makes the
// finding possible; with an RDP connection attempt two seconds after it,
// the coincidence attributes it. A variant of the shared cases
// client-schannel-36871 and lsass-schannel-36870 (other field layouts).
func TestSchannelWithoutType(t *testing.T) {
	e := builtinEngine(t, Options{At: t0})
	at := t0.Add(-5 * time.Hour)
	for _, c := range []struct {
		name    string
		context bool
		want    Verdict
	}{{"alone", false, Possible}, {"at an RDP connection", true, Detected}} {
		dir := t.TempDir()
		sys := sortByTime(append(evtxtest.Noise(t0.Add(-3*24*time.Hour), time.Hour, 73), noType(evtxtest.Schannel36871(at, 10013))))
		if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sys, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		if c.context {
			ops := []*evtx.Event{evtxtest.RCM261(t0.Add(-2 * 24 * time.Hour)), evtxtest.RCM261(at.Add(2 * time.Second)), evtxtest.RCM261(t0.Add(-time.Hour))}
			if err := evtxtest.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"), ops, evtxtest.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		f := finding(t, analyzePath(t, e, dir), "rdp-tls-disabled")
		if f.Verdict != c.want || strings.Contains(strings.Join(f.Others, " "), "no Type") {
			t.Errorf("%s: %s (%s), others %q; want %s", c.name, f.Verdict, f.Why, f.Others, c.want)
		}
	}
}
