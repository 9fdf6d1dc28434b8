package rules

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

const liveFirewallXPath = "Event[System[Provider[@Name='Microsoft-Windows-Windows Firewall With Advanced Security'] and (EventID=2004 or EventID=2005)]]"

// liveKindsRule has a query for each kind of where and unless condition:
// verbatim text, codes (decimal and 0x), index and system fields, which
// the live XPath holds; split, before, binary_text, address and
// conditions not marked verbatim, which it leaves to the reader; one
// query whose 24 verbatim texts exceed wevtutil's 22 clauses; and query
// XPaths of the four shapes LiveXPath composes with (selectors joined by
// and/or the last).
var liveKindsRule = `id: live-kinds
title: every kind of condition
severity: error
cause: test
queries:
  - id: data-text-codes
    channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall
    xpath: "` + liveFirewallXPath + `"
    where: [{data: RuleId, text: [A-Rule, B-Rule], verbatim: true}, {data: Active, codes: ["1"], verbatim: true}]
  - id: unless-codes
    channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall
    xpath: "` + liveFirewallXPath + `"
    unless: [{data: Action, codes: ["2", "0x5"], verbatim: true}]
  - id: unless-text
    channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall
    xpath: "` + liveFirewallXPath + `"
    where: [{data: Direction, codes: ["1"], verbatim: true}]
    unless: [{data: RuleId, text: [A-Rule, C-Rule], verbatim: true}, {data: Active, codes: ["0"], verbatim: true}]
  - id: split
    channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall
    xpath: "` + liveFirewallXPath + `"
    where: [{data: LocalPorts, split: ",", text: ["3389"]}, {data: Direction, codes: ["1"], verbatim: true}]
  - id: not-verbatim
    channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall
    xpath: "` + liveFirewallXPath + `"
    where: [{data: RuleId, text: [A-Rule]}]
    unless: [{data: Action, codes: ["3"]}]
  - id: too-many
    channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall
    xpath: "` + liveFirewallXPath + `"
    where:
      - {data: Active, codes: ["1"], verbatim: true}
      - {data: RuleId, verbatim: true, text: [A-Rule, B-Rule, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12, R13, R14, R15, R16, R17, R18, R19, R20, R21, R22, R23, R24]}
  - id: too-long
    channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall
    xpath: "` + liveFirewallXPath + `"
    where:
      - {data: Active, codes: ["1"], verbatim: true}
      - {data: RuleId, verbatim: true, text: [A-Rule, B-Rule, ` + strings.Repeat("R", 4000) + `, ` + strings.Repeat("S", 4000) + `]}
  - id: other-shape
    channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall
    xpath: "Event[EventData[Data[@Name='Direction']=1] or System[EventID=2005]]"
    where: [{data: Action, codes: ["3"], verbatim: true}]
  - id: index
    channel: System
    xpath: "Event[System[Provider[@Name='Srv'] and EventID=2013]]"
    where: [{index: 2, text: ["C:"], verbatim: true}]
  - id: system-fields
    channel: System
    xpath: "*"
    where: [{system: EventID, codes: ["7040", "2013"], verbatim: true}, {system: Provider, text: [Service Control Manager, Srv], verbatim: true}]
    unless: [{system: Level, codes: ["2"], verbatim: true}]
  - id: param-unless
    channel: System
    xpath: "*[System[Provider[@Name='Service Control Manager'] and EventID=7040]]"
    where: [{data: param4, text: [MpsSvc, BFE], verbatim: true}]
    unless: [{data: param3, text: [disabled, auto start], verbatim: true}]
  - id: binary-before
    channel: System
    xpath: "Event[System[Provider[@Name='Service Control Manager'] and EventID=7036]]"
    where: [{binary_text: true, before: "/", text: [TermService]}, {data: param2, text: ["192.0.2.1"], address: true}]
  - id: or-in-system
    channel: System
    xpath: "Event[System[Provider[@Name='Service Control Manager'] and EventID=7040 or Provider[@Name='Srv'] and EventID=2013]]"
  - id: joined-or
    channel: System
    xpath: "*[System[Provider[@Name='Service Control Manager'] and EventID=7040]] or *[System[Provider[@Name='Service Control Manager'] and EventID=7036]]"
    where: [{data: param4, text: [MpsSvc, BFE], verbatim: true}]
  - id: joined-and
    channel: System
    xpath: "(*[System[Provider[@Name='Service Control Manager']]]) and Event[System[EventID=7040]]"
    unless: [{data: param3, text: [disabled], verbatim: true}]
  - id: corroborates
    channel: System
    role: corroboration
    xpath: "Event[System[Provider[@Name='Service Control Manager'] and EventID=7040]]"
    where: [{data: param4, text: [MpsSvc], verbatim: true}]
resolution:
  - {id: s, title: Look, text: look, source: test}
`

// liveKindsEvents are events for liveKindsRule: each condition holds for
// some and fails for others, of the same provider and event id, so that
// a condition dropped or turned around selects different events.
func liveKindsEvents(t *testing.T) []*evtx.Event {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	at := func() time.Time { return t0.Add(time.Duration(len(evs)) * time.Minute) }
	for _, id := range []uint16{2004, 2005, 2006} {
		for _, rule := range []string{"A-Rule", "B-Rule", "C-Rule", "R24"} {
			for _, active := range []string{"0", "1"} {
				for _, action := range []string{"2", "3", "5"} {
					for _, dir := range []string{"1", "2"} {
						ports := map[string]string{"1": "80,3389", "2": "3389"}[dir]
						if action == "5" {
							ports = "80"
						}
						evs = append(evs, evtxtest.Firewall(at(), id,
							[2]string{"RuleId", rule}, [2]string{"Active", active}, [2]string{"Action", action},
							[2]string{"Direction", dir}, [2]string{"LocalPorts", ports}))
					}
				}
			}
		}
	}
	for _, d := range []string{"C:", "D:"} {
		evs = append(evs, evtxtest.Srv2013(at(), d))
	}
	for _, key := range []string{"MpsSvc", "BFE", "Dhcp"} {
		for _, to := range []string{"disabled", "auto start", "demand start"} {
			evs = append(evs, evtxtest.SCM7040(at(), key+" display", "auto start", to, key))
		}
	}
	for _, key := range []string{"TermService", "BFE"} {
		for _, state := range []string{"running", "stopped"} {
			evs = append(evs, evtxtest.SCM7036(at(), key+" display", state, key))
		}
	}
	evs = append(evs, evtxtest.SCM(at(), 7040, evtxtest.LevelError, "", "x", "auto start", "disabled", "MpsSvc"))
	// Written and read back, so that each event has the tree the XPath
	// reads (Root) as the reader gives it.
	path := filepath.Join(t.TempDir(), "kinds.evtx")
	if err := evtxtest.WriteFile(path, evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	return readableEvents(path)
}

// TestLiveXPathSelectsWhatTheRuleMeans: for every query of the built-in
// rules and of liveKindsRule, the XPath the live-VM command runs (without
// its window) selects, over every event of testdata/evtx (the scenario
// fixtures included), ../shared/samples and liveKindsEvents, exactly the
// events that the query's XPath selects and that satisfy the where and
// unless conditions the command holds, as the rule judges them
// (Condition.Match); the other conditions are each said by LiveUnchecked.
// With the window, the XPath selects the same events at the event's own
// time and none once the window has passed. Every XPath compiles (the
// engine rejects what wevtutil rejects: more than 22 operands of one
// operator, 32 expressions) and can be carried by cmd's double quotes.
func TestLiveXPathSelectsWhatTheRuleMeans(t *testing.T) {
	builtin, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(builtin); err != nil {
		t.Fatal(err)
	}
	kinds, err := Parse("live-kinds.yaml", []byte(liveKindsRule))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate([]*Rule{kinds}); err != nil {
		t.Fatal(err)
	}

	paths, _ := filepath.Glob("../testdata/evtx/*.evtx")
	scenarios, _ := filepath.Glob("../testdata/evtx/scenarios/*/*.evtx")
	samples, _ := filepath.Glob("../../shared/samples/*.evtx")
	paths = append(append(paths, scenarios...), samples...)
	if len(paths) < 100 {
		t.Fatalf("%d logs", len(paths))
	}
	var corpus []*evtx.Event
	for _, p := range paths {
		corpus = append(corpus, readableEvents(p)...)
	}
	crafted := liveKindsEvents(t)

	type tally struct{ queries, held, unheld, selected, filtered, longest int }
	check := func(r *Rule, events []*evtx.Event) (n tally) {
		for _, q := range r.Queries {
			n.queries++
			base := xpath.MustCompile(q.XPath)
			plainX, conds := r.live(q, false)
			plain, err := xpath.Compile(plainX)
			if err != nil {
				t.Errorf("%s/%s: %s: %v", r.ID, q.ID, plainX, err)
				continue
			}
			liveX := r.LiveXPath(q)
			windowed, err := xpath.Compile(liveX)
			if err != nil {
				t.Errorf("%s/%s: %s: %v", r.ID, q.ID, liveX, err)
				continue
			}
			cmd := r.WevtutilCommand(q)
			arg := cmd[strings.Index(cmd, `/q:"`)+4 : len(cmd)-1]
			if utf16Len(cmd) > MaxCommandLine {
				t.Errorf("%s/%s: command of %d characters", r.ID, q.ID, utf16Len(cmd))
			}
			n.longest = max(n.longest, utf16Len(cmd))
			if strings.ContainsAny(arg, `"%`) {
				t.Errorf("%s/%s: cmd cannot carry %s", r.ID, q.ID, arg)
			}
			if want := liveX; q.Role == RoleCorroboration {
				if arg != plainX {
					t.Errorf("%s/%s: corroboration command %s, want %s", r.ID, q.ID, arg, plainX)
				}
			} else if arg != want {
				t.Errorf("%s/%s: command %s, want %s", r.ID, q.ID, arg, want)
			}
			var said []string
			for _, c := range conds {
				if c.pred != "" {
					n.held++
				} else {
					n.unheld++
					said = append(said, c.text)
				}
			}
			said = append(said, q.liveAttribution()...)
			said = append(said, r.liveJudged(q)...)
			if got := r.LiveUnchecked(q); !slices.Equal(got, said) {
				t.Errorf("%s/%s: LiveUnchecked %q, want %q", r.ID, q.ID, got, said)
			}
			for _, ev := range events {
				ref := eventTime(ev)
				want := base.Match(ev, ref)
				baseMatch := want
				for _, c := range conds {
					if want && c.pred != "" && c.c.Match(ev) == c.negate {
						want = false
					}
				}
				if baseMatch && !want {
					n.filtered++
				}
				if want {
					n.selected++
				}
				if got := plain.Match(ev, ref); got != want {
					t.Errorf("%s/%s: %s record %d (%s %d): live XPath %v, rule %v\n%s",
						r.ID, q.ID, ev.System.Channel, ev.RecordID, ev.System.Provider.Name, ev.System.EventID, got, want, plainX)
					continue
				}
				tc, ok := evtx.TimeCreatedOf(ev)
				if !ok {
					continue
				}
				if got := windowed.Match(ev, tc); got != want {
					t.Errorf("%s/%s: record %d at its own time: %v, want %v", r.ID, q.ID, ev.RecordID, got, want)
				}
				if windowed.Match(ev, tc.Add(r.Window+time.Second)) {
					t.Errorf("%s/%s: record %d selected after the window", r.ID, q.ID, ev.RecordID)
				}
			}
		}
		return n
	}

	var b tally
	for _, r := range builtin {
		n := check(r, corpus)
		b.queries += n.queries
		b.held += n.held
		b.unheld += n.unheld
		b.selected += n.selected
		b.filtered += n.filtered
		b.longest = max(b.longest, n.longest)
	}
	t.Logf("built-in rules: %d queries over %d events of %d logs: %d conditions held by the XPath, %d said; %d matches, %d events the held conditions refuse; longest command %d characters",
		b.queries, len(corpus), len(paths), b.held, b.unheld, b.selected, b.filtered, b.longest)
	if len(corpus) < 50000 || b.held < 40 || b.unheld < 10 || b.selected < 1000 || b.filtered < 20 {
		t.Errorf("the check proves little: %+v over %d events", b, len(corpus))
	}

	k := check(kinds, append(crafted, corpus...))
	t.Logf("live-kinds: %d queries over %d crafted and %d other events: %d conditions held, %d said; %d matches, %d refused",
		k.queries, len(crafted), len(corpus), k.held, k.unheld, k.selected, k.filtered)
	// Each query whose XPath holds conditions refuses some crafted events
	// its own XPath selects, and keeps some.
	for _, q := range kinds.Queries {
		_, conds := kinds.live(q, false)
		held := 0
		for _, c := range conds {
			if c.pred != "" {
				held++
			}
		}
		if held == 0 {
			continue
		}
		base := xpath.MustCompile(q.XPath)
		live := xpath.MustCompile(kinds.LiveXPath(q))
		kept, refused := 0, 0
		for _, ev := range crafted {
			ref := eventTime(ev)
			if !base.Match(ev, ref) {
				continue
			}
			if live.Match(ev, ref) {
				kept++
			} else {
				refused++
			}
		}
		if kept == 0 || refused == 0 {
			t.Errorf("live-kinds/%s: %d crafted events kept, %d refused: the check proves little", q.ID, kept, refused)
		}
	}
}

// TestLiveUncheckedSaysEachCondition: the conditions the XPath cannot
// hold are said, in the rule's order, and the ones it holds are in the
// XPath.
func TestLiveUncheckedSaysEachCondition(t *testing.T) {
	r, err := Parse("live-kinds.yaml", []byte(liveKindsRule))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query     string
		unchecked []string
		in        []string
	}{
		{"data-text-codes", nil, []string{
			"EventData[Data[@Name='RuleId']='A-Rule' or Data[@Name='RuleId']='B-Rule'] and EventData[Data[@Name='Active']=1]]"}},
		{"unless-codes", nil, []string{"EventData[Data[@Name='Action']!=2 and Data[@Name='Action']!=5]"}},
		{"split", []string{"an item of LocalPorts split at ',' is '3389'"}, []string{"EventData[Data[@Name='Direction']=1]"}},
		{"not-verbatim", []string{"RuleId is 'A-Rule'", "Action is not 3"}, nil},
		{"too-many", []string{"RuleId is 'A-Rule', 'B-Rule', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15', 'R16', 'R17', 'R18', 'R19', 'R20', 'R21', 'R22', 'R23' or 'R24'"},
			[]string{"EventData[Data[@Name='Active']=1]"}},
		{"too-long", []string{"RuleId is 'A-Rule', 'B-Rule', '" + strings.Repeat("R", 4000) + "' or '" + strings.Repeat("S", 4000) + "'"},
			[]string{"EventData[Data[@Name='Active']=1]"}},
		{"other-shape", nil, []string{"Event[(EventData[Data[@Name='Direction']=1] or System[EventID=2005]) and System[TimeCreated[timediff(@SystemTime) <= 86400000]] and EventData[Data[@Name='Action']=3]]"}},
		{"index", nil, []string{"EventData[Data[2]='C:']"}},
		{"system-fields", nil, []string{"*[System[TimeCreated[timediff(@SystemTime) <= 86400000]]][System[EventID=7040 or EventID=2013] and System[Provider/@Name='Service Control Manager' or Provider/@Name='Srv'] and System[Level!=2]]"}},
		// Selectors joined by and/or: the window and the conditions
		// are one more selector joined by and, so they hold for every
		// selector's events.
		{"joined-or", nil, []string{"(*[System[Provider[@Name='Service Control Manager'] and EventID=7040]] or *[System[Provider[@Name='Service Control Manager'] and EventID=7036]]) and *[System[TimeCreated[timediff(@SystemTime) <= 86400000]] and EventData[Data[@Name='param4']='MpsSvc' or Data[@Name='param4']='BFE']]"}},
		{"joined-and", nil, []string{"((*[System[Provider[@Name='Service Control Manager']]]) and Event[System[EventID=7040]]) and *[System[TimeCreated[timediff(@SystemTime) <= 86400000]] and EventData[Data[@Name='param3']!='disabled']]"}},
		{"param-unless", nil, []string{"*[System[Provider[@Name='Service Control Manager'] and EventID=7040 and TimeCreated[timediff(@SystemTime) <= 86400000]] and EventData[Data[@Name='param4']='MpsSvc' or Data[@Name='param4']='BFE'] and EventData[Data[@Name='param3']!='disabled' and Data[@Name='param3']!='auto start']]"}},
		{"or-in-system", nil, []string{"Event[System[(Provider[@Name='Service Control Manager'] and EventID=7040 or Provider[@Name='Srv'] and EventID=2013) and TimeCreated[timediff(@SystemTime) <= 86400000]]]"}},
		{"binary-before", []string{"the Binary data read as text up to the first '/' is 'TermService'", "param2 is '192.0.2.1' or an IP address"}, nil},
	} {
		q := r.Query(c.query)
		if got := r.LiveUnchecked(q); !slices.Equal(got, c.unchecked) {
			t.Errorf("%s: LiveUnchecked %q, want %q", c.query, got, c.unchecked)
		}
		x := r.LiveXPath(q)
		for _, s := range c.in {
			if !strings.Contains(x, s) {
				t.Errorf("%s: %s lacks %s", c.query, x, s)
			}
		}
	}
}

// TestVerbatimValidated: a verbatim condition the XPath cannot hold is a
// rule error naming it.
func TestVerbatimValidated(t *testing.T) {
	for _, c := range []struct{ cond, want string }{
		{`{data: LocalPorts, split: ",", text: ["3389"], verbatim: true}`, "split"},
		{`{binary_text: true, text: [TermService], verbatim: true}`, "binary_text"},
		{`{data: RuleId, text: ["it's"], verbatim: true}`, "quote"},
		{`{data: RuleId, text: ["50%"], verbatim: true}`, "'%'"},
		{`{data: RuleId, text: ["User32 "], verbatim: true}`, "trimmed"},
		{`{user_data: Param, text: [x], verbatim: true}`, "depth"},
		{`{any_field: true, text: [x], verbatim: true}`, "depth"},
		{`{data: ClientIP, before: ":", text: ["192.0.2.1"], verbatim: true}`, "before"},
		{`{data: IpAddress, address: true, verbatim: true}`, "address"},
		{`{data: "it's", text: [x], verbatim: true}`, "data name"},
		{`{data: RuleId, text: ["done."], verbatim: true}`, "final '.'"},
		{`{data: RuleId, text: ["a\x7fb"], verbatim: true}`, "control character"},
		{`{data: ShareName, text: ["C$"], verbatim: true}`, "'$'"},
		{`{data: RuleId, text: ["a` + "`" + `b"], verbatim: true}`, "'`'"},
		{`{data: RuleId, text: ["a\u201cb"], verbatim: true}`, "typographic"},
		// 2^53 + 1 is the first integer an XPath number (a float64)
		// cannot hold.
		{`{data: Code, codes: ["9007199254740993"], verbatim: true}`, "exactly"},
	} {
		src := "id: v\ntitle: t\nseverity: error\ncause: c\nqueries:\n  - id: q\n    channel: System\n    xpath: \"*\"\n    where: [" + c.cond + "]\nresolution:\n  - {id: s, title: T, text: t, source: test}\n"
		r, err := Parse("v.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		err = Validate([]*Rule{r})
		if err == nil || !strings.Contains(err.Error(), "verbatim") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a verbatim error naming %q", c.cond, err, c.want)
		}
	}
	// 2^53 is held exactly: the XPath compares it.
	r, err := Parse("v.yaml", []byte("id: v\ntitle: t\nseverity: error\ncause: c\nqueries:\n  - id: q\n    channel: System\n    xpath: \"*\"\n    where: [{data: Code, codes: [\"9007199254740992\"], verbatim: true}]\nresolution:\n  - {id: s, title: T, text: t, source: test}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate([]*Rule{r}); err != nil {
		t.Fatal(err)
	}
	if x := r.LiveXPath(r.Queries[0]); !strings.Contains(x, "Data[@Name='Code']=9007199254740992") {
		t.Errorf("2^53 not held: %s", x)
	}
}

// TestLiveUncheckedSaysAttribution: the attribution's require and process
// conditions, which make an event another program's, are said after the
// where and unless conditions.
func TestLiveUncheckedSaysAttribution(t *testing.T) {
	r := builtinRule(t, "rdp-cert-private-key")
	got := r.LiveUnchecked(r.Query("schannel-36870"))
	want := []string{
		"Type is 'server', where the event has Type",
		"the file name in CallerProcessImageName is svchost.exe, where the event has CallerProcessImageName",
	}
	if !slices.Equal(got, want) {
		t.Errorf("LiveUnchecked %q, want %q", got, want)
	}
}

// TestLiveCommandOneLine: a query written over several lines and a text
// with a line break give a one-line command and one-line notes (cmd runs
// each pasted line), and the query still selects what it did.
func TestLiveCommandOneLine(t *testing.T) {
	src := "id: l\ntitle: t\nseverity: error\ncause: c\nqueries:\n  - id: q\n    channel: System\n    xpath: |\n      Event[System[Provider[@Name='Service Control Manager']\n        and EventID=7040]]\n    where: [{data: param1, text: [\"a\\nrem x\"]}, {data: param4, text: [MpsSvc], verbatim: true}]\nresolution:\n  - {id: s, title: T, text: t, source: test}\n"
	r, err := Parse("l.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate([]*Rule{r}); err != nil {
		t.Fatal(err)
	}
	q := r.Query("q")
	cmd := r.WevtutilCommand(q)
	want := `wevtutil qe System /rd:true /c:1 /f:text /q:"Event[System[Provider[@Name='Service Control Manager']   and EventID=7040 and TimeCreated[timediff(@SystemTime) <= 86400000]] and EventData[Data[@Name='param4']='MpsSvc']]"`
	if cmd != want {
		t.Errorf("command\n%s\nwant\n%s", cmd, want)
	}
	if got := r.LiveUnchecked(q); !slices.Equal(got, []string{`param1 is 'a\nrem x'`}) {
		t.Errorf("LiveUnchecked %q", got)
	}
	// Line breaks of a quoted query (CR LF kept as written) too.
	src = "id: l\ntitle: t\nseverity: error\ncause: c\nqueries:\n  - id: q\n    channel: System\n    xpath: \"Event[System[Provider[@Name='Service Control Manager']\\r\\n  and EventID=7040]]\"\nresolution:\n  - {id: s, title: T, text: t, source: test}\n"
	if r, err = Parse("l.yaml", []byte(src)); err != nil {
		t.Fatal(err)
	}
	if err := Validate([]*Rule{r}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Queries[0].XPath, "\r\n") {
		t.Fatalf("the query lost its CR LF: %q", r.Queries[0].XPath)
	}
	want = `wevtutil qe System /rd:true /c:1 /f:text /q:"Event[System[Provider[@Name='Service Control Manager']    and EventID=7040 and TimeCreated[timediff(@SystemTime) <= 86400000]]]"`
	if cmd := r.WevtutilCommand(r.Queries[0]); cmd != want {
		t.Errorf("command\n%q\nwant\n%q", cmd, want)
	}
}

// TestLiveUncheckedSaysJudgements: a threshold and an unless_followed,
// which the rule judges over several events, are said.
func TestLiveUncheckedSaysJudgements(t *testing.T) {
	r := builtinRule(t, "rdp-brute-force")
	q := r.Queries[0]
	got := r.LiveUnchecked(q)
	if len(got) == 0 || !strings.HasPrefix(got[len(got)-1], "at least 30 such events within 10 minutes, with at least 5 distinct ") {
		t.Errorf("%s: LiveUnchecked %q", q.ID, got)
	}
	// A distinct field read as client addresses says so.
	got = r.LiveUnchecked(r.Query("rdpcorets-131-burst"))
	want := []string{"at least 60 such events within 10 minutes, with at least 5 distinct ClientIP (client addresses, the port aside)"}
	if !slices.Equal(got, want) {
		t.Errorf("LiveUnchecked %q, want %q", got, want)
	}
	l := builtinRule(t, "rdp-listener")
	got = l.LiveUnchecked(l.Query("boot-without-listener"))
	want = []string{"no match of rcm-started-listening (the RDP listener started listening, in Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational) within 10 minutes after it"}
	if !slices.Equal(got, want) {
		t.Errorf("LiveUnchecked %q, want %q", got, want)
	}
}

// TestLiveCommandCmdSafe: a rule whose channel or query XPath holds what
// cmd's double quotes cannot carry (a '"', which ends the quoted argument
// and lets '&' run what follows; a '%', which cmd expands; a line break
// inside a literal, which ends the command) is a rule error naming the
// field, and a channel holding a character cmd treats specially is
// quoted: pasted, the command is one wevtutil command.
func TestLiveCommandCmdSafe(t *testing.T) {
	rule := func(channel, x string) *Rule {
		t.Helper()
		src := "id: c\ntitle: t\nseverity: error\ncause: c\nqueries:\n  - id: q\n    channel: " + strconv.Quote(channel) +
			"\n    xpath: " + strconv.Quote(x) + "\nresolution:\n  - {id: s, title: T, text: t, source: test}\n"
		r, err := Parse("c.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, c := range []struct{ channel, xpath, field string }{
		{"System", `Event[System[Provider[@Name="a & calc & b"]]]`, "xpath"},
		{"System", `*[EventData[Data='%PATH%']]`, "xpath"},
		{"System", "*[EventData[Data='a\nb']]", "xpath"},
		{"System\ncalc", "*", "channel"},
		{`Sys"tem`, "*", "channel"},
		{"Sys%PATH%tem", "*", "channel"},
		// Pasted into PowerShell (the fix steps' shell), "..." expands
		// $name and $(...) and reads ` as an escape, and a typographic
		// double quote ends the string.
		{"System", `*[EventData[Data='$(calc)']]`, "xpath"},
		{"System", "*[EventData[Data='a`b']]", "xpath"},
		{"System", "*[EventData[Data='a\u201d; calc; \u201cb']]", "xpath"},
		{"Sys$env:x", "*", "channel"},
	} {
		err := Validate([]*Rule{rule(c.channel, c.xpath)})
		if err == nil || !strings.Contains(err.Error(), "queries[q]."+c.field) || !strings.Contains(err.Error(), "PowerShell") {
			t.Errorf("channel %q, xpath %q: %v, want an error on %s naming PowerShell", c.channel, c.xpath, err, c.field)
		}
	}
	for _, ch := range []string{"System&calc", "A|B", "A<B>C", "A^B", "A(B)", "A,B;C=D"} {
		r := rule(ch, "*")
		if err := Validate([]*Rule{r}); err != nil {
			t.Errorf("channel %q: %v", ch, err)
			continue
		}
		cmd := r.WevtutilCommand(r.Queries[0])
		if want := `wevtutil qe "` + ch + `" /rd:true`; !strings.HasPrefix(cmd, want) {
			t.Errorf("channel %q: %s, want it quoted", ch, cmd)
		}
	}
}

// TestLiveCommandLengthLimit: a condition is held while the command is at
// most MaxCommandLine UTF-16 code units long, and left to the reader one
// unit beyond, whether it is the query's only (first) condition or not;
// a character beyond the Basic Multilingual Plane counts two units, as
// Windows counts them.
func TestLiveCommandLengthLimit(t *testing.T) {
	build := func(pad string) (*Rule, *Query) {
		t.Helper()
		src := "id: n\ntitle: t\nseverity: error\ncause: c\nqueries:\n  - id: q\n    channel: System\n    xpath: \"*[System[EventID=7040]]\"\n    where: [{data: param1, text: [" +
			strconv.Quote("R"+pad) + "], verbatim: true}]\nresolution:\n  - {id: s, title: T, text: t, source: test}\n"
		r, err := Parse("n.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate([]*Rule{r}); err != nil {
			t.Fatal(err)
		}
		return r, r.Queries[0]
	}
	// cmd's limit, written out: "The maximum length of the string that
	// you can use at the command prompt is 8191 characters" (Microsoft
	// Learn, "Command prompt (Cmd.exe) command-line string limitation").
	const limit = 8191
	r, q := build("")
	base := utf16Len(r.WevtutilCommand(q))
	for _, c := range []struct {
		name string
		pad  string
		held bool
	}{
		{"ascii at the limit", strings.Repeat("x", limit-base), true},
		{"ascii one beyond", strings.Repeat("x", limit-base+1), false},
		{"astral at the limit", strings.Repeat("\U0001D400", (limit-base)/2) + strings.Repeat("x", (limit-base)%2), true},
		{"astral one beyond", strings.Repeat("\U0001D400", (limit-base+1)/2) + strings.Repeat("x", (limit-base+1)%2), false},
	} {
		r, q := build(c.pad)
		cmd := r.WevtutilCommand(q)
		held := strings.Contains(cmd, "Data[@Name='param1']")
		if held != c.held {
			t.Errorf("%s: condition held %v, want %v (%d units)", c.name, held, c.held, utf16Len(cmd))
		}
		if held && utf16Len(cmd) != limit {
			t.Errorf("%s: %d units, want %d", c.name, utf16Len(cmd), limit)
		}
		if un := r.LiveUnchecked(q); (len(un) == 0) != held {
			t.Errorf("%s: LiveUnchecked %d conditions, held %v", c.name, len(un), held)
		}
	}
}
