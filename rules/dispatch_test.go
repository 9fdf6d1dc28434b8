package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

// The dispatch picks every query that matches an event: over every event
// of every log in testdata/evtx (its scenarios included) and
// ../shared/samples, each query of the built-in rules and of the timeline,
// whatever its channel, and queries with keys of other shapes or none, that
// matches the event (at the event's own time)
// is among the queries the dispatch picks for it, which keep the order of
// the full list, and MatchKeys, where it decides, says what Match says;
// with NoShortcuts the dispatch picks every query and gives no keys. And it
// leaves out most queries, or it would save nothing.
func TestDispatchPicksEveryMatch(t *testing.T) {
	e := builtinEngine(t, Options{})
	var all []*compiledQuery
	for _, cr := range e.rules {
		all = append(all, cr.queries...)
	}
	if e.timeline == nil {
		t.Fatal("no timeline")
	}
	all = append(all, e.timeline.queries...)
	// Queries without keys (every built-in query has some), which the
	// dispatch always picks, and keys of other shapes.
	for i, src := range []string{
		"*[System[Level<=3]]",
		"*[System[EventID!=7036]]",
		"Event[System[Provider[@Name='eventlog' or @Name='Service Control Manager']]]",
		"*[System[EventID=6005 or EventID=6006 or EventID=7036]]",
	} {
		x := xpath.MustCompile(src)
		cq := &compiledQuery{query: &Query{ID: fmt.Sprintf("extra-%d", i)}, x: x}
		cq.keys, cq.hasKeys = x.Keys()
		all = append(all, cq)
	}
	d, plain := newDispatch(all, false), newDispatch(all, true)

	paths, _ := filepath.Glob("../testdata/evtx/*.evtx")
	scenarios, _ := filepath.Glob("../testdata/evtx/scenarios/*/*.evtx")
	samples, _ := filepath.Glob("../../shared/samples/*.evtx")
	paths = append(append(paths, scenarios...), samples...)
	if len(paths) < 100 {
		t.Fatalf("%d logs", len(paths))
	}
	events, matches, picked, decided := 0, 0, 0, 0
	for _, p := range paths {
		for _, ev := range readableEvents(p) {
			events++
			qs, k := d.queries(ev)
			picked += len(qs)
			if pqs, pk := plain.queries(ev); !slices.Equal(pqs, all) || pk.ok {
				t.Fatal("with NoShortcuts the dispatch leaves queries out or gives keys")
			}
			// qs is a subsequence of all.
			i := 0
			for _, cq := range all {
				if i < len(qs) && qs[i] == cq {
					i++
				}
			}
			if i != len(qs) {
				t.Fatalf("%s record %d: the picked queries are not in the list's order", filepath.Base(p), ev.RecordID)
			}
			for _, cq := range all {
				m := cq.x.Match(ev, eventTime(ev))
				if k.ok {
					if mk, ok := cq.x.MatchKeys(ev, k.provider, k.eventID); ok {
						decided++
						if mk != m {
							t.Errorf("%s record %d (%s %d): %s matches %v, MatchKeys says %v", filepath.Base(p), ev.RecordID, ev.System.Provider.Name, ev.System.EventID, cq.query.ID, m, mk)
						}
					}
				}
				if !m {
					continue
				}
				matches++
				if !slices.Contains(qs, cq) {
					t.Errorf("%s record %d (%s %d): %s matches but is not picked", filepath.Base(p), ev.RecordID, ev.System.Provider.Name, ev.System.EventID, cq.query.ID)
				}
			}
		}
	}
	t.Logf("%d logs, %d events, %d queries; %d matches; %.1f queries picked per event; %d evaluations decided by keys", len(paths), events, len(all), matches, float64(picked)/float64(events), decided)
	if events < 50000 || matches < 1000 || picked > events*len(all)/4 || decided < events*len(all)/2 {
		t.Errorf("%d events, %d matches, %d of %d queries picked: the check proves little", events, matches, picked, events*len(all))
	}
}

// TestQueryMatchesEqualsMatch: the scanner's decision for a query picked
// by the dispatch (compiledQuery.matches, from the event's keys where the
// query is no more than them) is Match's, for the built-in and timeline
// queries over the events of testdata/evtx and events whose keys EventKeys
// cannot give (an EventID read as text or signed, a second EventID, a
// second Provider), each with the provider name and event id of an RCM
// 1058, which a built-in query decided by its keys names.
func TestQueryMatchesEqualsMatch(t *testing.T) {
	e := builtinEngine(t, Options{})
	var all []*compiledQuery
	for _, cr := range e.rules {
		all = append(all, cr.queries...)
	}
	all = append(all, e.timeline.queries...)
	d := newDispatch(all, false)
	const rcm = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
	el := func(name string, v evtx.Value, attrs []evtx.Attr, kids ...*evtx.Element) *evtx.Element {
		return &evtx.Element{Name: name, Value: v, Attrs: attrs, Children: kids}
	}
	prov := func(n string) *evtx.Element {
		return el("Provider", evtx.Value{}, []evtx.Attr{{Name: "Name", Value: evtx.StringValue(n)}})
	}
	id := func(v evtx.Value) *evtx.Element { return el("EventID", v, nil) }
	u16 := evtx.Value{Kind: evtx.KindUint16, Uint: 1058}
	var events []*evtx.Event
	for _, sys := range [][]*evtx.Element{
		{prov(rcm), id(evtx.StringValue("1058"))},
		{prov(rcm), id(evtx.Value{Kind: evtx.KindInt32, Int: 1058})},
		{prov(rcm), id(u16), id(evtx.Value{Kind: evtx.KindUint16, Uint: 7})},
		{prov(rcm), prov("Other"), id(u16)},
	} {
		events = append(events, &evtx.Event{Root: el("Event", evtx.Value{}, nil, el("System", evtx.Value{}, nil, sys...))})
	}
	crafted := len(events)
	paths, _ := filepath.Glob("../testdata/evtx/*.evtx")
	for _, p := range paths {
		events = append(events, readableEvents(p)...)
	}
	matches, craftedMatches := 0, 0
	for i, ev := range events {
		qs, k := d.queries(ev)
		ref := eventTime(ev)
		for _, cq := range all {
			want := cq.x.Match(ev, ref)
			if !slices.Contains(qs, cq) {
				if want {
					t.Errorf("event %d: %s matches but is not picked", i, cq.query.ID)
				}
				continue
			}
			if got := cq.matches(ev, k, ref); got != want {
				t.Errorf("event %d (keys %+v): %s: %v, Match %v", i, k, cq.query.ID, got, want)
			}
			if want {
				matches++
				if i < crafted {
					craftedMatches++
				}
			}
		}
	}
	if matches < 1000 || craftedMatches < crafted {
		t.Errorf("%d matches, %d of the %d crafted events': the check proves little", matches, craftedMatches, crafted)
	}
}

// readableEvents returns the events of the log at path, as far as it
// reads, less those decoded in part (scanner.read gives those to no
// query); none when it does not open.
func readableEvents(path string) []*evtx.Event {
	f, err := evtx.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var evs []*evtx.Event
	for {
		ev, err := f.Next()
		if err != nil {
			return evs
		}
		if ev.Partial == "" {
			evs = append(evs, ev)
		}
	}
}
