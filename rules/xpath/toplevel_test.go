package xpath

import (
	"slices"
	"strings"
	"testing"
)

// TestTopLevelBoolean: event selectors joined by and/or, with
// parentheses, as scripts write them for Get-WinEvent -FilterXPath and in
// the Select and Suppress of QueryLists ("*[System[EventID=4624]] and
// *[EventData[Data[@Name='LogonType']='10']]"): an event matches when the
// selectors' boolean combination holds for it, exactly as the one
// selector with their predicates combined. They were refused ("expected
// '[' or end of query, found 'and'"). Keys and time bounds, which let the
// reader pass over records, come out as for the combined query.
func TestTopLevelBoolean(t *testing.T) {
	events := corpus()
	for _, c := range []struct{ combo, single string }{
		{`*[System[EventID=4624]] and *[EventData[Data[@Name='LogonType']='10']]`,
			`*[System[EventID=4624] and EventData[Data[@Name='LogonType']='10']]`},
		{`*[System[EventID=1058]] or *[System[EventID=1057]]`, `*[System[EventID=1058] or System[EventID=1057]]`},
		{`(*[System[EventID=36870]] and *[EventData[Data[@Name='Type']='server']]) or (*[System[EventID=6011]])`,
			`*[(System[EventID=36870] and EventData[Data[@Name='Type']='server']) or System[EventID=6011]]`},
		{`Event[System[Provider[@Name='Schannel']]] and *[System[TimeCreated[timediff(@SystemTime) <= 10800000]]]`,
			`*[System[Provider[@Name='Schannel']] and System[TimeCreated[timediff(@SystemTime) <= 10800000]]]`},
		{`*[System[Level=2]][System[EventID=1058]] or (*[System[EventID=4624]])`,
			`*[(System[Level=2] and System[EventID=1058]) or System[EventID=4624]]`},
	} {
		combo, err := Compile(c.combo)
		if err != nil {
			t.Errorf("Compile(%s): %v", c.combo, err)
			continue
		}
		single := MustCompile(c.single)
		got, want := matching(t, combo, events, refTime), matching(t, single, events, refTime)
		if !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("%s matches %q, want %q (as %s)", c.combo, got, want, c.single)
		}
		gk, gok := combo.Keys()
		wk, wok := single.Keys()
		if gok != wok || !slices.Equal(gk.EventIDs, wk.EventIDs) || !slices.Equal(gk.Providers, wk.Providers) {
			t.Errorf("%s: keys %+v %v, want %+v %v", c.combo, gk, gok, wk, wok)
		}
		gs, gu, gb := combo.TimeBounds(refTime)
		ws, wu, wb := single.TimeBounds(refTime)
		if gb != wb || !gs.Equal(ws) || !gu.Equal(wu) {
			t.Errorf("%s: time bounds %v %v %v, want %v %v %v", c.combo, gs, gu, gb, ws, wu, wb)
		}
	}
	for _, c := range []struct{ q, want string }{
		{`*[System[EventID=1]] and`, "expected '*', 'Event' or '('"},
		{`* and *[System[EventID=1]]`, "an event selector joined by and/or needs a predicate"},
		{`*[System[EventID=1]] and System[EventID=2]`, "expected '*', 'Event' or '('"},
		{`(*[System[EventID=1]]`, "expected ')'"},
		{`*[System[EventID=1]] and *[1]`, "leaf nodes only"},
	} {
		_, err := Compile(c.q)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compile(%s) = %v, want an error with %q", c.q, err, c.want)
		}
	}
}
