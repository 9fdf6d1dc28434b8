package xpath

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// corpus returns the named test events, all within 24 h before refTime
// unless stated.
func corpus() map[string]*evtx.Event {
	h := func(d int) time.Time { return refTime.Add(-time.Duration(d) * time.Hour) }
	return map[string]*evtx.Event{
		"36870":       schannel36870(h(1)),
		"36871":       schannel36871(h(2)),
		"36872":       schannel36872(h(3)),
		"1057":        rcm(1057, "Keyset does not exist", h(4)),
		"1058":        rcm(1058, "Access is denied.", h(5)),
		"1058-old":    rcm(1058, "Access is denied.", h(30)),
		"2056":        broker2056(h(6)),
		"1296":        client1296(h(7)),
		"6011":        rename6011("OLDNAME", "NEWNAME", h(8)),
		"6011-back":   rename6011("NEWNAME", "OLDNAME", h(9)),
		"4624":        logon4624(h(10)),
		"36870-old":   schannel36870(h(25)),
		"36870-fresh": schannel36870(refTime.Add(time.Second)), // in the future of refTime
	}
}

func matching(t *testing.T, q *Query, events map[string]*evtx.Event, now time.Time) []string {
	t.Helper()
	var names []string
	for name, ev := range events {
		if q.Match(ev, now) {
			names = append(names, name)
		}
	}
	sortStrings(names)
	return names
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func allNames(events map[string]*evtx.Event) []string {
	var names []string
	for n := range events {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}

// TestTable is domain.md §4.4, one case per row (rows 14-16 and 19-21 in
// TestInvalid and the QueryList tests).
func TestTable(t *testing.T) {
	events := corpus()
	all := allNames(events)
	without := func(skip ...string) []string {
		var out []string
		for _, n := range all {
			keep := true
			for _, s := range skip {
				keep = keep && n != s
			}
			if keep {
				out = append(out, n)
			}
		}
		return out
	}
	cases := tableCases(without, all)
	for _, c := range cases {
		q, err := Compile(c.q)
		if err != nil {
			t.Errorf("row %d: Compile(%q): %v", c.row, c.q, err)
			continue
		}
		got := matching(t, q, events, refTime)
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("row %d: %s\n got %v\nwant %v", c.row, c.q, got, c.want)
		}
	}
}

// TestArticleQueries runs the article's queries (domain.md §1.2-§1.4) over
// events 1 h and 25 h old: each finds its fresh event only, and scenario
// 3's queries, with their padded provider names, find nothing.
func TestArticleQueries(t *testing.T) {
	const tmpl = `Event[System[Provider[@Name='%s'] and EventID=%s and TimeCreated[timediff(@SystemTime) <= 86400000]]]`
	fresh, old := refTime.Add(-time.Hour), refTime.Add(-25*time.Hour)
	events := map[string]*evtx.Event{
		"1057": rcm(1057, "Keyset does not exist", fresh), "1057-old": rcm(1057, "x", old),
		"1058": rcm(1058, "Access is denied.", fresh), "1058-old": rcm(1058, "x", old),
		"36870": schannel36870(fresh), "36870-old": schannel36870(old),
		"36871": schannel36871(fresh), "36871-old": schannel36871(old),
		"36872": schannel36872(fresh), "36872-old": schannel36872(old),
		"2056": broker2056(fresh), "2056-old": broker2056(old),
		"1296": client1296(fresh), "1296-old": client1296(old),
	}
	cases := []struct{ provider, id, want string }{
		{"Microsoft-Windows-TerminalServices-RemoteConnectionManager", "1058", "1058"},
		{"Microsoft-Windows-TerminalServices-RemoteConnectionManager", "1057", "1057"},
		{"Schannel", "36870", "36870"},
		{"Schannel", "36872", "36872"},
		{"Schannel", "36871", "36871"},
		{" Microsoft-Windows-TerminalServices-SessionBroker ", "2056", ""},
		{" Microsoft-Windows-TerminalServices-SessionBroker-Client ", "1296", ""},
		// The corrected scenario 3 queries.
		{"Microsoft-Windows-TerminalServices-SessionBroker", "2056", "2056"},
		{"Microsoft-Windows-TerminalServices-SessionBroker-Client", "1296", "1296"},
	}
	for _, c := range cases {
		src := strings.Replace(strings.Replace(tmpl, "%s", c.provider, 1), "%s", c.id, 1)
		q, err := Compile(src)
		if err != nil {
			t.Fatalf("Compile(%q): %v", src, err)
		}
		got := strings.Join(matching(t, q, events, refTime), " ")
		if got != c.want {
			t.Errorf("%s: got %q, want %q", src, got, c.want)
		}
	}
}

// TestInvalid: rows 3, 14, 15, 16 and 19 of §4.4 and the rest of what the
// subset excludes. Each gives a *SyntaxError at the right offset.
func TestInvalid(t *testing.T) {
	cases := invalidCases()
	for _, c := range cases {
		_, err := Compile(c.q)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("row %d: Compile(%q) = %v, want *SyntaxError", c.row, c.q, err)
			continue
		}
		if se.Expr != c.q || se.Offset != c.off || !strings.Contains(se.Msg, c.want) {
			t.Errorf("row %d: Compile(%q):\n got offset %d %q\nwant offset %d, message containing %q", c.row, c.q, se.Offset, se.Msg, c.off, c.want)
		}
		if want := "xpath: offset " + itoa(se.Offset) + ": "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Error() = %q, want prefix %q", err.Error(), want)
		}
	}
	// 22 clauses are accepted (row 19's limit is 22).
	if _, err := Compile(clauses(22)); err != nil {
		t.Errorf("22 clauses: %v", err)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

type tableCase struct {
	row  int
	q    string
	want []string
}

// tableCases are the valid queries of domain.md §4.4 with the events of
// corpus() they match.
func tableCases(without func(...string) []string, all []string) []tableCase {
	return []tableCase{
		{1, `*`, all},
		{2, `Event[System[EventID=1058]]`, []string{"1058", "1058-old"}},
		{4, `*[System[Provider[@Name='Schannel'] and (EventID=36870 or EventID=36871)]]`, []string{"36870", "36870-fresh", "36870-old", "36871"}},
		{5, `*[System[Provider[@Name=' Microsoft-Windows-TerminalServices-SessionBroker ']]]`, nil},
		{5, `*[System[Provider[@Name='Microsoft-Windows-TerminalServices-SessionBroker']]]`, []string{"2056"}},
		// Row 6: within 24 h and Level 1-3; Level 0 (4624) also passes <= 3.
		{6, `*[System[(Level <= 3) and TimeCreated[timediff(@SystemTime) <= 86400000]]]`,
			without("1058-old", "36870-old", "6011", "6011-back")},
		// Row 7: the event 1 s after the reference time has a negative timediff.
		{7, `*[System[TimeCreated[timediff(@SystemTime) <= 86400000]]]`, without("1058-old", "36870-old")},
		{7, `*[System[TimeCreated[timediff(@SystemTime) < 0]]]`, []string{"36870-fresh"}},
		{8, `*[System[band(Keywords,36028797018963968)]]`, []string{"1057", "1058", "1058-old", "6011", "6011-back"}},
		{9, `*[EventData[Data[@Name='ErrorStatus']=10001]]`, []string{"36870", "36870-fresh", "36870-old"}},
		{9, `*[EventData[Data[@Name='ErrorStatus']='10001']]`, []string{"36870", "36870-fresh", "36870-old"}},
		// Row 10: a HexInt32 compares with a string by its rendered text (lower
		// case, as in Windows' XML), with a number numerically.
		{10, `*[EventData[Data[@Name='ErrorCode']='0x8009030d']]`, []string{"36870", "36870-fresh", "36870-old"}},
		// Strings compare case-insensitively (doc.go): the upper-case
		// spelling of the event message matches the XML's lower case.
		{10, `*[EventData[Data[@Name='ErrorCode']='0x8009030D']]`, []string{"36870", "36870-fresh", "36870-old"}},
		{10, `*[EventData[Data[@Name='ErrorCode']='0x8009030E']]`, nil},
		{10, `*[EventData[Data[@Name='ErrorCode']=2148074253]]`, []string{"36870", "36870-fresh", "36870-old"}},
		{10, `*[EventData[Data[@Name='ErrorCode']='2148074253']]`, nil},
		{11, `*[EventData[Data[@Name='Type'] and (Data='server')]]`, []string{"36870", "36870-fresh", "36870-old", "36871", "36872"}},
		{11, `*[EventData[Data[@Name='TargetUserName'] and (Data='jdoe')]]`, []string{"4624"}},
		{12, `*[EventData[Data[1]='OLDNAME']]`, []string{"6011"}},
		{12, `*[EventData[Data[2]='OLDNAME']]`, []string{"6011-back"}},
		{12, `*[EventData[Data='OLDNAME']]`, []string{"6011", "6011-back"}},
		{13, `*[UserData/*/param3='Remote Desktop Connection Broker is not ready for RPC communication.']`, []string{"1296"}},
		{17, `*[System[EventID!=4624]]`, without("4624")},
		{18, `*[System[TimeCreated[@SystemTime>='2022-10-16T07:00:00.000Z' and @SystemTime<='2022-10-16T08:00:00.999Z']]]`, []string{"36870-old"}},
		{18, `*[System[TimeCreated[@SystemTime>'2022-10-16T07:00:00Z' and @SystemTime<='2022-10-16T08:00:00.999Z']]]`, nil},
		{18, `*[System[TimeCreated[@SystemTime='2022-10-16T07:00:00']]]`, []string{"36870-old"}},
		{18, `*[System[TimeCreated[@SystemTime<='2022-10-16T09:00:00+02:00']]]`, []string{"1058-old", "36870-old"}},
	}
}

type invalidCase struct {
	row  int
	q    string
	off  int
	want string // substring of the message
}

func clauses(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, "EventID="+itoa(i+1))
	}
	return "*[System[(" + strings.Join(parts, " or ") + ")]]"
}

// invalidCases are queries outside the subset, with the offset and message
// of their error.
func invalidCases() []invalidCase {
	return []invalidCase{
		{3, `System[EventID=1058]`, 0, "expected '*' or 'Event', found 'System'"},
		{14, `//Event`, 0, "'//'"},
		{14, `*[System/..]`, 9, "'..'"},
		{14, `*[ancestor::x]`, 2, "axis ancestor::"},
		{14, `*[following-sibling::x]`, 2, "axis following-sibling::"},
		{14, `*[System//Level]`, 8, "'//'"},
		{14, `*[.='x']`, 2, "'.'"},
		{15, `*[count(EventData/Data)>2]`, 2, "count()"},
		{15, `*[last()]`, 2, "last()"},
		{15, `*[$v=1]`, 2, "variables"},
		{15, `*[name()='x']`, 2, "name()"},
		{15, `*[comment()]`, 2, "comment()"},
		{15, `*[1]`, 2, "leaf nodes only"},
		{15, `*[System[1]/Level=4]`, 9, "leaf nodes only"},
		{16, `*[contains(EventData/Data,'x')]`, 2, "contains()"},
		{16, `*[not(System/Level=4)]`, 2, "not()"},
		{19, clauses(23), strings.Index(clauses(23), "EventID=23"), "more than 22 clauses"},
		{0, ``, 0, "empty query"},
		{0, `Event/System`, 5, "steps below the event"},
		{0, `*[System[EventID=1058]`, 22, "expected ']' to close the predicate opened at offset 1, found end of query"},
		{0, `*[System[EventID=1058 or]]`, 24, "expected a path, a literal, a function call or '('"},
		{0, `*[System[EventID=]]`, 17, "expected a path"},
		{0, `*[System[EventID=1058 OR EventID 1057]]`, 33, "expected ']'"},
		{0, `*[System[EventID='1058]]`, 17, "unterminated string literal"},
		{0, `*[System[EventID+1=2]]`, 16, "arithmetic"},
		{0, `*[System[-1=EventID]]`, 9, "arithmetic"},
		{0, `*[System[EventID=1 | EventID=2]]`, 19, "union"},
		{0, `*[System[EventID=1=1]]`, 18, "chained comparisons"},
		{0, `*[e:System]`, 3, "namespace prefixes"},
		{0, `*[System/@Name/x]`, 14, "attribute has no children"},
		{0, `*[System/@Name[1]]`, 14, "predicates on attributes"},
		{0, `*[band(Keywords)]`, 15, "band() takes 2 arguments"},
		{0, `*[band(Keywords, 'x')]`, 17, "a path or a number literal"},
		{0, `*[timediff(1)]`, 11, "path to a time attribute"},
		{0, `*[timediff(@SystemTime, @SystemTime)]`, 11, "literal FILETIME"},
		{0, `*[System[timediff(@SystemTime)]]`, 9, "a condition or a position"},
		{0, `*['x']`, 2, "not a string"},
		{0, `*[(System)[1]]`, 10, "filter expressions"},
		{0, `*[/Event]`, 2, "absolute location paths"},
		{0, `*[System[text()='x']]`, 9, "node type test text()"},
		{0, `*[System[EventID=1 ! 2]]`, 19, "character \"!\""},
		// An XML escape copied from a QueryList into a query given alone.
		{0, `*[System[TimeCreated[@SystemTime&gt;='2024-01-01T00:00:00Z']]]`, 32, `the XML escape "&gt;" (write '>': XML escapes belong in a QueryList file`},
		{0, `*[System[EventID&lt;=3]]`, 16, `the XML escape "&lt;" (write '<': `},
		{0, `*[System[EventID&#62;3]]`, 16, `the XML escape "&#62;" (XML escapes belong`},
		{0, `*[System[EventID&#x3E;3]]`, 16, `the XML escape "&#x3E;" (XML escapes belong`},
		{0, `*[System[EventID=1 &amp; EventID=2]]`, 19, `the XML escape "&amp;" (XML escapes belong`},
		{0, `*[System[EventID=1 & 2]]`, 19, `character "&"`},
		{0, `*[System[EventID=1 &#; 2]]`, 19, `character "&"`},
		{0, `*[` + strings.Repeat("(", 40) + `1` + strings.Repeat(")", 40) + `]`, 2 + MaxDepth - 1, "nested deeper"},
		{0, `*[Data[@Name='a'][1][2][3][4][5][6][7][8][9][10][11][12][13][14][15][16]]`, 68, "more than 16 predicates"},
	}
}

// The expression limit: 32 conditions per XPath (Query Schema), counted
// over comparisons, band() calls, bare path tests and the conditions in
// the predicates of paths.
func TestMaxExpressions(t *testing.T) {
	ids := func(n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, "EventID="+strconv.Itoa(1000+i))
		}
		return strings.Join(parts, " or ")
	}
	ranges := func(single, rng int) string {
		var parts []string
		for i := range single {
			parts = append(parts, "EventID="+strconv.Itoa(1000+i))
		}
		for i := range rng {
			parts = append(parts, "(EventID >= "+strconv.Itoa(2000+10*i)+" and EventID <= "+strconv.Itoa(2005+10*i)+")")
		}
		return strings.Join(parts, " or ")
	}
	const tc = " and TimeCreated[timediff(@SystemTime) <= 86400000]"
	for _, c := range []struct {
		q  string
		ok bool
	}{
		{"*[System[(" + ids(22) + ")]]", true},                   // KB 970453: 22 work
		{"*[System[(" + ids(23) + ")]]", false},                  // 23 do not (23 operands of one or)
		{"*[System[(" + ids(22) + ")" + tc + "]]", true},         // elastic/beats#35048: 22 IDs and a time clause work
		{"*[System[(" + ranges(11, 10) + ")" + tc + "]]", true},  // 21 clauses, 10 of them ranges: 32
		{"*[System[(" + ranges(12, 10) + ")" + tc + "]]", false}, // 22 clauses, 10 of them ranges: 33
		{"*[EventData[Data[@Name='A']='1' and Data[@Name='B']='2']]", true},
		{"*[UserData/LowOnMemory]", true},
	} {
		_, err := Compile(c.q)
		if (err == nil) != c.ok {
			t.Errorf("%.80s...: err %v, want ok %v", c.q, err, c.ok)
		}
	}
	q := MustCompile("*[System[Provider[@Name='Schannel'] and (EventID=36870 or EventID=36871)] and EventData[Data[@Name='Type']='server'] and UserData/X]")
	if n := countExpressions(q.event.preds[0]); n != 6 {
		t.Errorf("countExpressions = %d, want 6", n)
	}
}
