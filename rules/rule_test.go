package rules

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

func TestBuiltinRulesValid(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(rs); err != nil {
		t.Fatal(err)
	}
	// Validate skips the one-rule checks of a built-in as shipped
	// (builtin.go): this is where they run for them.
	for _, r := range rs {
		for _, err := range validateRule(r) {
			t.Error(err)
		}
	}
	if err := validateAll(rs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	want := "rdp-cert-private-key rdp-tls-disabled rdp-broker-renamed " +
		"rdp-brute-force rdp-domain-trust rdp-firewall-rules rdp-guest-firewall rdp-licensing rdp-listener rdp-logon-account " +
		"rdp-network-services rdp-os-disk-full rdp-os-unstable rdp-service-not-running"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("builtin rules = %s, want %s", got, want)
	}
	literal := regexp.MustCompile(`'([^']*)'`)
	for _, r := range rs {
		// The article's scenarios keep its window (timediff <= 86400000).
		if r.Scenario != 0 && r.Window != 24*time.Hour {
			t.Errorf("%s: window %v, want 24h", r.ID, r.Window)
		}
		for _, q := range r.Queries {
			for _, m := range literal.FindAllStringSubmatch(q.XPath, -1) {
				if strings.TrimSpace(m[1]) != m[1] {
					t.Errorf("%s/%s: padded literal %q in %s", r.ID, q.ID, m[0], q.XPath)
				}
			}
		}
	}
}

func TestBrokerRuleReadsOperationalChannels(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var r *Rule
	for _, x := range rs {
		if x.ID == "rdp-broker-renamed" {
			r = x
		}
	}
	if r == nil {
		t.Fatal("no rdp-broker-renamed rule")
	}
	want := map[string]string{
		"broker-2056": "Microsoft-Windows-TerminalServices-SessionBroker/Operational",
		"client-1296": "Microsoft-Windows-TerminalServices-SessionBroker-Client/Operational",
	}
	for id, ch := range want {
		q := r.Query(id)
		if q == nil || q.Channel != ch || q.Role != RoleEvidence {
			t.Errorf("query %s = %+v, want evidence on %s", id, q, ch)
		}
	}
}

func TestLiveXPath(t *testing.T) {
	r := &Rule{Window: 24 * time.Hour}
	for _, c := range []struct{ in, want string }{
		{"Event[System[Provider[@Name='Schannel'] and EventID=36871]]",
			"Event[System[Provider[@Name='Schannel'] and EventID=36871 and TimeCreated[timediff(@SystemTime) <= 86400000]]]"},
		{"*[System[EventID=1]][EventData[Data='x]']]",
			"*[System[EventID=1]][EventData[Data='x]']][System[TimeCreated[timediff(@SystemTime) <= 86400000]]]"},
		{"*", "*[System[TimeCreated[timediff(@SystemTime) <= 86400000]]]"},
		// 'and' binds tighter than 'or': the or is parenthesised.
		{"Event[System[EventID=1057 or EventID=1058]]",
			"Event[System[(EventID=1057 or EventID=1058) and TimeCreated[timediff(@SystemTime) <= 86400000]]]"},
		{"Event[System[Provider[@Name='or'] and EventID=1]]",
			"Event[System[Provider[@Name='or'] and EventID=1 and TimeCreated[timediff(@SystemTime) <= 86400000]]]"},
		// A condition beside System gets a System predicate of its own.
		{"*[System[EventID=36871] and EventData[Data[@Name='ErrorState']=10013]]",
			"*[(System[EventID=36871] and EventData[Data[@Name='ErrorState']=10013]) and System[TimeCreated[timediff(@SystemTime) <= 86400000]]]"},
	} {
		got := r.LiveXPath(&Query{XPath: c.in})
		if got != c.want {
			t.Errorf("LiveXPath(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
		if _, err := xpath.Compile(got); err != nil {
			t.Errorf("LiveXPath(%s) does not compile: %v", c.in, err)
		}
	}
	q := &Query{Channel: "Microsoft-Windows-TerminalServices-SessionBroker/Operational", XPath: "*[System[EventID=2056]]"}
	want := `wevtutil qe Microsoft-Windows-TerminalServices-SessionBroker/Operational /rd:true /c:1 /f:text /q:"*[System[EventID=2056 and TimeCreated[timediff(@SystemTime) <= 86400000]]]"`
	if got := r.WevtutilCommand(q); got != want {
		t.Errorf("WevtutilCommand\n got %s\nwant %s", got, want)
	}
}

func TestNormalizeText(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"Access is denied.\r\n", "access is denied"},
		{"  Keyset does not exist ", "Keyset does not exist."},
		{"Object already exists.", "OBJECT ALREADY EXISTS"},
	} {
		if NormalizeText(c.a) != NormalizeText(c.b) {
			t.Errorf("NormalizeText(%q) = %q, NormalizeText(%q) = %q; want equal", c.a, NormalizeText(c.a), c.b, NormalizeText(c.b))
		}
	}
	if NormalizeText("Access is denied") == NormalizeText("Access denied") {
		t.Error("different texts compare equal")
	}
}

// TestSameNormalized: sameNormalized(a, b) is NormalizeText(a) ==
// NormalizeText(b), over the built-in conditions' texts and random strings
// of cased letters, letters whose lower case is longer or shorter in UTF-8
// (İ, Ⱥ, the Kelvin sign), U+FFFD, bytes that are not UTF-8, spaces and
// dots, each against itself in upper and lower case, padded, normalized,
// random prefixes, extensions and changes of it, and another string.
func TestSameNormalized(t *testing.T) {
	var texts []string
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		for _, q := range r.Queries {
			for _, c := range append(append([]*Condition(nil), q.Where...), q.Unless...) {
				texts = append(texts, c.Text...)
			}
		}
		for _, f := range r.Refinements {
			for _, c := range f.When {
				texts = append(texts, c.Text...)
			}
		}
	}
	if len(texts) < 20 {
		t.Fatalf("%d condition texts", len(texts))
	}
	alphabet := []string{"a", "Z", "k", "K", "\u212a", "İ", "ı", "ß", "Σ", "ς", "Ⱥ", "ⱥ", "ǅ", "\ufffd", "\xff", "\xc3", " ", "\t", ".", "é", "É", "日"}
	rng := rand.New(rand.NewPCG(4, 9))
	random := func() string {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	var ss []string
	for _, x := range texts {
		ss = append(ss, x, strings.ToUpper(x), " "+x+".\r\n")
	}
	for range 3000 {
		ss = append(ss, random())
	}
	equal, checked := 0, 0
	check := func(a, b string) {
		checked++
		want := NormalizeText(a) == NormalizeText(b)
		if want {
			equal++
		}
		if got := sameNormalized(a, b); got != want {
			t.Errorf("sameNormalized(%q, %q) = %v, NormalizeText gives %q and %q", a, b, got, NormalizeText(a), NormalizeText(b))
		}
	}
	for _, s := range ss {
		check(s, s)
		check(strings.ToUpper(s), s)
		check(s, strings.ToLower(s))
		check(" "+s+". ", s)
		check(NormalizeText(s), s)
		check(s+random(), s)
		if s != "" {
			check(s[:rng.IntN(len(s))], s)
			b := []byte(s)
			b[rng.IntN(len(b))] ^= byte(1 << rng.IntN(8))
			check(string(b), s)
		}
		check(ss[rng.IntN(len(ss))], s)
	}
	if equal < len(ss) || checked-equal < 2*len(ss) {
		t.Errorf("%d of %d comparisons equal: the check proves little", equal, checked)
	}
}

func TestConditionCodes(t *testing.T) {
	c := &Condition{Index: 1, Text: []string{"Access is denied"}, Codes: []string{"0x80070005"}}
	n, err := parseCode("0x80070005")
	if err != nil {
		t.Fatal(err)
	}
	c.codes = []uint64{n}
	ev := func(v evtx.Value) *evtx.Event { return &evtx.Event{EventData: []evtx.Field{{Value: v}}} }
	for _, v := range []evtx.Value{
		evtx.StringValue("Access is denied.\r\n"),
		evtx.StringValue("ACCESS IS DENIED"),
		evtx.StringValue("0x80070005"),
		evtx.StringValue("0X80070005"),
		evtx.StringValue("-2147024891"),
		evtx.StringValue("2147942405"),
		evtx.StringValue("%%5"),
		{Kind: evtx.KindHexInt32, Uint: 0x80070005},
		{Kind: evtx.KindInt32, Int: -2147024891},
	} {
		if !c.Match(ev(v)) {
			t.Errorf("%v (%v) does not match", v.String(), v.Kind)
		}
	}
	for _, v := range []evtx.Value{
		evtx.StringValue("Access denied"),
		evtx.StringValue("0x80070006"),
		evtx.StringValue("%%6"),
		{Kind: evtx.KindUint32, Uint: 5},
		{},
	} {
		if c.Match(ev(v)) {
			t.Errorf("%q (%v) matches", v.String(), v.Kind)
		}
	}
	if c.Match(&evtx.Event{}) {
		t.Error("event without data matches")
	}
}

func TestNamedConditionReadsByName(t *testing.T) {
	ref := &Refinement{When: []*Condition{
		{Data: "ErrorCode", codes: []uint64{0x8009030D}},
		{Data: "ErrorStatus", codes: []uint64{10001}},
	}}
	ev := &evtx.Event{EventData: []evtx.Field{ // newer builds put caller fields first
		{Name: "CallerProcessId", Value: evtx.Value{Kind: evtx.KindUint32, Uint: 616}},
		{Name: "Type", Value: evtx.StringValue("server")},
		{Name: "ErrorCode", Value: evtx.Value{Kind: evtx.KindHexInt32, Uint: 0x8009030d}},
		{Name: "ErrorStatus", Value: evtx.Value{Kind: evtx.KindUint32, Uint: 10001}},
	}}
	if !ref.Match(ev) {
		t.Error("36870 with 0x8009030d/10001 does not match")
	}
	ev.EventData[3].Value.Uint = 10002
	if ref.Match(ev) {
		t.Error("36870 with state 10002 matches")
	}
}

func TestParseErrors(t *testing.T) {
	// line is LoadError.Line: the line the YAML decoder names (the first
	// of several), 0 where it names none.
	for _, c := range []struct {
		name, yaml, want string
		line             int
	}{
		{"unknown key", "id: x\nbogus: 1\n", `f.yaml:2: yaml: unknown key "bogus" in the rule; its keys: id, scenario, title,`, 2},
		{"window in days", "id: x\nwindow: 7d\n", "f.yaml:2: yaml: found `7d` (a string), want a duration such as 90m, 24h or 168h (no days here)", 2},
		{"two unknown keys", "id: x\nbogus: 1\nmore: 2\n", `f.yaml:2: yaml: unknown key "bogus" in the rule; its keys: `, 2},
		{"two unknown keys, second", "id: x\nbogus: 1\nmore: 2\n", `, notes; line 3: unknown key "more" in the rule`, 2},
		{"syntax", "id: x\ntitle: y\n  bad: z\n", "f.yaml:3: yaml: mapping values are not allowed", 3},
		{"bad code", "id: x\nrefinements:\n  - id: r\n    when:\n      - data: A\n        codes: [\"0xZZ\"]\n", `f.yaml:6: x: refinements[r].when[0].codes: "0xZZ" is not a code: want a decimal or 0x hexadecimal number`, 6},
		{"two docs", "id: x\n---\nid: y\n", "more than one", 0},
		{"empty", "", "empty file", 0},
	} {
		_, err := Parse("f.yaml", []byte(c.yaml))
		var le *LoadError
		if !errors.As(err, &le) || le.File != "f.yaml" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want *LoadError containing %q", c.name, err, c.want)
		} else if le.Line != c.line {
			t.Errorf("%s: LoadError.Line = %d, want %d (%v)", c.name, le.Line, c.line, err)
		}
		// One line: stderr escapes line breaks, and yaml's list of
		// unmarshal errors came out as "yaml: unmarshal errors:\n  line 2: ...".
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %q spans several lines", c.name, err.Error())
		}
	}
}

// TestParseErrorsInFileTerms: a rule file's errors name its keys and
// kinds of value, never the Go types it decodes into ("field xpth not
// found in type rules.Query", "cannot unmarshal !!seq into
// rules.Severity", "into []*rules.Query" were what an author read).
func TestParseErrorsInFileTerms(t *testing.T) {
	const q = "id: x\ntitle: t\nqueries:\n  - id: q\n    channel: System\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"query key", q + "    xpth: \"*\"\n", `f.yaml:6: yaml: unknown key "xpth" in a query (queries); its keys: id, channel, xpath, role,`},
		{"step key", "id: x\nresolution:\n  - idd: s\n", `f.yaml:3: yaml: unknown key "idd" in a resolution step; its keys: id, title, text, shell, run_on, commands, source`},
		{"condition key", q + "    where: [{dta: A}]\n", `unknown key "dta" in a condition (where, unless, when, subject, require, machine_wide, distinct, show); its keys: data, index,`},
		{"severity list", "id: x\nseverity: [a]\n", "f.yaml:2: yaml: found a list, want a severity (error, warning, info)"},
		{"queries not a list", "id: x\nqueries: 5\n", "f.yaml:2: yaml: found `5` (an integer), want a list of queries (mappings of their keys: id, channel, xpath,"},
		{"index text", q + "    where: [{data: A, index: two}]\n", "f.yaml:6: yaml: found `two` (a string), want an integer"},
		{"verbatim text", q + "    where: [{data: A, verbatim: yes please}]\n", "found `yes please` (a string), want true or false"},
		{"text mapping", q + "    where: [{data: A, text: {a: 1}}]\n", "found a mapping (key: value), want a list of strings"},
		{"notes list of lists", "id: x\nnotes: [[a]]\n", "f.yaml:2: yaml: found a list, want a string"},
		{"threshold list", q + "    threshold: [1]\n", "found a list, want a threshold (a mapping of its keys: count, within, distinct,"},
	} {
		_, err := Parse("f.yaml", []byte(c.yaml))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
		for _, goName := range []string{"rules.", "!!", "[]", "*", "time.Duration", "not found in type", "cannot unmarshal"} {
			if strings.Contains(msg, goName) {
				t.Errorf("%s: err = %v names Go's %q", c.name, err, goName)
			}
		}
	}
}

func TestValidateFindsProblems(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	bad := *rs[0]
	bad.Title = ""
	bad.Queries = append([]*Query{{ID: "x", Channel: "System", Role: RoleEvidence, XPath: "System[EventID=1"}}, bad.Queries...)
	bad.Refinements = append([]*Refinement{{ID: "r", Queries: []string{"nope"}, Cause: "c", First: []string{"no-step"},
		When: []*Condition{{Data: "A", Index: 1, Text: []string{"t"}}}}}, bad.Refinements...)
	// A query id used twice, and a step id that is not lower-case words.
	bad.Queries = append(bad.Queries, bad.Queries[1])
	bad.Resolution = append([]*Step{{ID: "Bad_Step", Title: "t", Text: "x"}}, bad.Resolution...)
	err = Validate([]*Rule{rs[0], &bad})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"duplicate id", "title: empty", "queries[x].xpath", `no query "nope"`, `no resolution step "no-step"`, "must select one field",
		"duplicate query id", `resolution[0].id: "Bad_Step" is not lower-case words`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	var re *RuleError
	if !errors.As(err, &re) || re.Rule != rs[0].ID {
		t.Errorf("errors.As(*RuleError) = %+v", re)
	}
}

func TestLoadDirOverrides(t *testing.T) {
	base, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data, err := builtinFS.ReadFile("scenarios/rdp-tls-disabled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	over := strings.Replace(string(data), "window: 24h", "window: 48h", 1)
	if err := os.WriteFile(filepath.Join(dir, "tls.yaml"), []byte(over), 0o644); err != nil {
		t.Fatal(err)
	}
	extra := strings.Replace(over, "id: rdp-tls-disabled", "id: my-tls-rule", 1)
	extra = strings.Replace(extra, "scenario: 2", "scenario: 0", 1)
	if err := os.WriteFile(filepath.Join(dir, "mine.yml"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("not a rule"), 0o644); err != nil {
		t.Fatal(err)
	}
	more, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	all := Merge(base, more)
	var got []string
	for _, r := range all {
		got = append(got, r.ID+"/"+r.Window.String())
	}
	want := "rdp-cert-private-key/24h0m0s rdp-tls-disabled/48h0m0s rdp-broker-renamed/24h0m0s my-tls-rule/48h0m0s rdp-"
	if !strings.HasPrefix(strings.Join(got, " "), want) || len(got) != len(base)+1 {
		t.Errorf("merged = %s, want %s", strings.Join(got, " "), want)
	}
	if err := Validate(all); err != nil {
		t.Error(err)
	}
}

func TestKeyDataTruncatesAtCharacterBoundary(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	got := KeyData(&evtx.Event{EventData: []evtx.Field{{Name: "X", Value: evtx.StringValue(long)}}})
	if len(got) != 1 || !strings.HasSuffix(got[0].Value, "...") || len(got[0].Value) > maxFieldLength+3 {
		t.Fatalf("KeyData = %q", got)
	}
	if v := strings.TrimSuffix(got[0].Value, "..."); strings.ToValidUTF8(v, "?") != v {
		t.Errorf("cut inside a character: %q", v)
	}
	var fields []evtx.Field
	for i := 0; i < 20; i++ {
		fields = append(fields, evtx.Field{Value: evtx.StringValue("v")})
	}
	got = KeyData(&evtx.Event{EventData: fields})
	if len(got) != maxKeyFields || got[0].Name != "Data[1]" {
		t.Errorf("KeyData of 20 unnamed fields = %d fields, first %q", len(got), got[0].Name)
	}
}

// TestSameHostMerged: noteComputerSpan merges a name into the host of an
// earlier one that is the same host (hosts.Key), and only then.
func TestSameHostMerged(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"RDCB01", "rdcb01.contoso.com", true},
		{"rdcb01.contoso.com", "RDCB01.fabrikam.com", true},
		{"RDCB01", "RDCB01", true},
		{"RDCB-OLD.contoso.com", "RDCB01.contoso.com", false},
		{"x", "y", false},
	} {
		s := &scanner{scanResult: &scanResult{computers: map[string][]*computerSeen{}}}
		in := &Input{Path: "System.evtx"}
		s.noteComputerSpan(in, &computerSeen{name: c.a, minID: 1, maxID: 1})
		s.noteComputerSpan(in, &computerSeen{name: c.b, minID: 2, maxID: 2})
		if got := len(s.computers[in.Path]) == 1; got != c.want {
			t.Errorf("%q then %q: %d hosts, want merged %v", c.a, c.b, len(s.computers[in.Path]), c.want)
		}
	}
}

// TestConditionValuesAppend: appendValues appends to what it is given
// exactly values (the field, cut at Before, split at Split), leaving the
// given values alone, and Match is some value matching: over the events
// of the scenario fixtures and hand-made conditions of every kind, with
// Before and Split.
func TestConditionValuesAppend(t *testing.T) {
	var conds []*Condition
	for _, c := range []Condition{
		{System: "Provider", Text: []string{"service control manager"}},
		{System: "EventID", Codes: []string{"7036"}},
		{Data: "param1", Text: []string{"remote desktop services"}},
		{Data: "param1", Before: " ", Text: []string{"remote"}},
		{Data: "param1", Split: " ", Text: []string{"desktop"}},
		{Data: "param1", Before: "S", Split: " ", Text: []string{"desktop"}},
		{Index: 1, Text: []string{"Windows Update"}},
		{Index: 2, Split: "n", Text: []string{"i"}},
		{BinaryText: true, Before: "/", Text: []string{"TermService"}},
		{UserData: "param1", Text: []string{"x"}},
		{AnyField: true, Split: ",", Text: []string{"3389"}},
		{AnyField: true, Before: "e", Text: []string{"th"}},
	} {
		c := c
		if _, err := parseCodes("test", []*Condition{&c}); err != nil {
			t.Fatal(err)
		}
		conds = append(conds, &c)
	}
	paths, _ := filepath.Glob("../testdata/evtx/scenarios/*/*.evtx")
	if len(paths) < 30 {
		t.Fatalf("%d fixture logs", len(paths))
	}
	prefix := []evtx.Value{evtx.StringValue("before")}
	values, matched := 0, 0
	for _, p := range paths {
		f, err := evtx.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		for {
			ev, err := f.Next()
			if err != nil {
				break
			}
			for i, c := range conds {
				want := c.values(ev)
				got := c.appendValues(append([]evtx.Value(nil), prefix...), ev)
				if got[0].Str != "before" || fmt.Sprint(got[1:]) != fmt.Sprint(want) {
					t.Fatalf("condition %d on %s record %d: appended %v, values %v", i, filepath.Base(p), ev.RecordID, got, want)
				}
				m := false
				for _, v := range want {
					m = m || c.matchValue(v)
				}
				if c.Match(ev) != m {
					t.Fatalf("condition %d on %s record %d: Match %v, a value matches %v", i, filepath.Base(p), ev.RecordID, !m, m)
				}
				values += len(want)
				if m {
					matched++
				}
			}
		}
		f.Close()
	}
	if values < 1000 || matched < 50 {
		t.Errorf("%d values, %d matches: the check proves little", values, matched)
	}
	t.Logf("%d values, %d matches", values, matched)
	// Several values split into several parts each.
	ev := &evtx.Event{EventData: []evtx.Field{{Value: evtx.StringValue("a, b,c")}, {Value: evtx.StringValue("d,e")}, {Value: evtx.StringValue("f")}}}
	for _, dst := range [][]evtx.Value{nil, make([]evtx.Value, 0, 8), prefix} {
		got := (&Condition{AnyField: true, Split: ","}).appendValues(dst, ev)
		if s := fmt.Sprint(got[len(dst):]); s != fmt.Sprint([]evtx.Value{evtx.StringValue("a"), evtx.StringValue("b"), evtx.StringValue("c"), evtx.StringValue("d"), evtx.StringValue("e"), evtx.StringValue("f")}) {
			t.Errorf("split values %s", s)
		}
	}
}

// TestTextIsString: text, which a condition's texts compare with, is
// Value.String for a value of every kind (an embedded BinXML fragment,
// arrays and numbers included), without building it for the text kinds.
func TestTextIsString(t *testing.T) {
	frag := &evtx.Element{Name: "Data", Value: evtx.StringValue("Access is denied.")}
	vs := []evtx.Value{
		{}, evtx.StringValue(" Keyset does not exist "),
		{Kind: evtx.KindAnsiString, Str: "ansi"}, {Kind: evtx.KindGUID, Str: "{6A5B1E2C-0000-0000-0000-000000000000}"},
		{Kind: evtx.KindSID, Str: "S-1-5-18"}, {Kind: evtx.KindEvtXML, Str: "<x/>"},
		{Kind: evtx.KindBinXML, Elem: frag}, {Kind: evtx.KindBinXML, Str: "not the text", Elem: frag},
		{Kind: evtx.KindUint32, Uint: 5}, {Kind: evtx.KindInt32, Int: -5}, {Kind: evtx.KindHexInt32, Uint: 0x80090016},
		{Kind: evtx.KindBinary, Bytes: []byte{1, 0xab}}, {Kind: evtx.KindBool, Uint: 1},
	}
	for _, v := range vs {
		if got, want := text(v), v.String(); got != want {
			t.Errorf("text of a %v value: %q, String %q", v.Kind, got, want)
		}
	}
}

// TestLoadDirSameIDTwice: two files of one directory that define the same
// rule id (a copy kept beside the edited file, "tls.yaml" and
// "tls copy.yaml") are refused with an error naming both files; Merge
// would keep whichever sorts last, silently dropping the other's edits.
func TestLoadDirSameIDTwice(t *testing.T) {
	data, err := builtinFS.ReadFile("scenarios/rdp-tls-disabled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	edited := strings.Replace(string(data), "window: 24h", "window: 48h", 1)
	for name, text := range map[string]string{"tls.yaml": string(data), "tls copy.yml": edited} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := LoadDir(dir)
	var le *LoadError
	if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), "tls copy.yml") || !strings.Contains(err.Error(), "tls.yaml") ||
		!strings.Contains(err.Error(), `"rdp-tls-disabled"`) {
		t.Fatalf("LoadDir = %d rules, %v; want a *LoadError naming rdp-tls-disabled and both files", len(rs), err)
	}
}

// TestValidateWindowWholeSeconds: a rule's window is whole seconds (the
// report's window_seconds; wevtutil's timediff counts milliseconds): a
// sloppy "window: 1500ms" or "1ns" was accepted and reported as 1 second
// or "0 hours" (window_seconds 0) while the rule looked back 1.5 s or
// 1 ns. A negative window is said once, not also as three XPath errors
// of the live command it makes ("with the window added: arithmetic is not
// supported").
func TestValidateWindowWholeSeconds(t *testing.T) {
	data, err := builtinFS.ReadFile("scenarios/rdp-tls-disabled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		window, want string // want "" for valid
	}{
		{"24h", ""},
		{"90m", ""},
		{"1s", ""},
		{"1500ms", "window: 1.5s is not a whole number of seconds"},
		{"1ns", "window: 1ns is not a whole number of seconds"},
		{"-24h", "window: -24h0m0s is not positive"},
		// Written but zero: refused, not taken for absent (24 h).
		{"0s", "window: 0s is not positive"},
		{"0h0m", "window: 0s is not positive"},
		// At most MaxSpan: a window near time.Duration's 292 years
		// overflowed once the look-back was added, into an analysed
		// period ending before it started ("not detected", silently).
		{"876000h", ""},
		{"876001h", "window: 876001h0m0s is longer than 36500 days"},
		{"2562047h", "window: 2562047h0m0s is longer than 36500 days"},
	} {
		r, err := Parse("x.yaml", []byte(strings.Replace(string(data), "window: 24h", "window: "+c.window, 1)))
		if err != nil {
			t.Fatal(err)
		}
		err = Validate([]*Rule{r})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("window %s: %v", c.window, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("window %s: %v, want %q", c.window, err, c.want)
		case c.want != "" && strings.Contains(err.Error(), "with the window added"):
			t.Errorf("window %s: the bad window is also reported as XPath errors: %v", c.window, err)
		}
	}
	// Left out: the default.
	r, err := Parse("x.yaml", []byte(strings.Replace(string(data), "window: 24h\n", "", 1)))
	if err != nil || r.Window != DefaultWindow || strings.Contains(string(data), "window: 24h\n") == false {
		t.Errorf("no window: %v, %v", r, err)
	}
}

// TestLoadDirRefusesHugeFile: a rule file larger than MaxRuleFile (a log
// or an archive saved as *.yaml by mistake) is refused by name, not read
// into memory whole.
func TestLoadDirRefusesHugeFile(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("# padding\n", MaxRuleFile/10+1)
	if err := os.WriteFile(filepath.Join(dir, "big.yaml"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadDir(dir)
	var le *LoadError
	if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), "big.yaml: larger than") {
		t.Errorf("LoadDir: %v; want a *LoadError naming big.yaml as too large", err)
	}
	// A rule file of exactly MaxRuleFile bytes is read.
	exact := t.TempDir()
	rule := "id: exact\ntitle: t\nseverity: error\ncause: c\nqueries:\n  - {id: q, channel: System, xpath: \"*\"}\nresolution:\n  - {id: s, title: T, text: t, source: test}\n#"
	rule += strings.Repeat("x", MaxRuleFile-len(rule)-1) + "\n"
	if err := os.WriteFile(filepath.Join(exact, "exact.yaml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	if rs, err := LoadDir(exact); err != nil || len(rs) != 1 {
		t.Errorf("LoadDir of a rule file of %d bytes: %d rules, %v", len(rule), len(rs), err)
	}
}

// TestNewEngineRefusesHugeSpans: an Options.Window or LookBack longer
// than MaxSpan is refused (added together they overflowed time.Duration,
// an analysed period that ends before it starts); MaxSpan itself is taken.
func TestNewEngineRefusesHugeSpans(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		o  Options
		ok bool
	}{
		{Options{Window: MaxSpan, LookBack: MaxSpan}, true},
		{Options{Window: MaxSpan + time.Second}, false},
		{Options{LookBack: MaxSpan + time.Second}, false},
		{Options{Window: 1<<63 - 1}, false},
	} {
		_, err := NewEngine(rs, c.o)
		if (err == nil) != c.ok || err != nil && !strings.Contains(err.Error(), "36500 days") {
			t.Errorf("NewEngine(window %v, look-back %v) = %v, want ok %v", c.o.Window, c.o.LookBack, err, c.ok)
		}
	}
	r := *rs[0]
	r.CorroborationLookBack = MaxSpan + time.Second
	if err := Validate([]*Rule{&r}); err == nil || !strings.Contains(err.Error(), "corroboration_look_back: 876000h0m1s is longer than 36500 days") {
		t.Errorf("a corroboration look-back past MaxSpan: %v", err)
	}
}

// TestValidateTimeConditionFromParsedQuery: a rule query with a timediff
// (either form) is refused, the rule's window being its time condition;
// one whose string literal reads "timediff" is not. Validate searched the
// XPath text, and refused *[EventData[Data='timediff']] with "has a time
// condition".
func TestValidateTimeConditionFromParsedQuery(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	const refused = "has a time condition"
	for _, c := range []struct {
		xpath string
		want  bool
	}{
		{"*[System[Provider[@Name='Service Control Manager'] and EventID=7036] and EventData[Data='timediff']]", false},
		{"*[System[EventID=7036 and TimeCreated[TimeDiff (@SystemTime) <= 86400000]]]", true},
		{"*[System[EventID=7036 and TimeCreated[timediff(@SystemTime, 133000000000000000) <= 0]]]", true},
	} {
		r := *rs[0]
		r.Queries = append([]*Query{{ID: "x", Channel: "System", Role: RoleContext, XPath: c.xpath}}, r.Queries...)
		err := Validate([]*Rule{&r})
		if got := err != nil && strings.Contains(err.Error(), refused); got != c.want {
			t.Errorf("%s: refused = %v, want %v (%v)", c.xpath, got, c.want, err)
		}
	}
}
