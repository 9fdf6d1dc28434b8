package xpath

import (
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/evtxrdp/evtxrdp/evtx"
)

func TestKeys(t *testing.T) {
	rcm := "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
	for _, c := range []struct {
		q     string
		provs []string
		ids   []uint16
	}{
		{"Event[System[Provider[@Name='" + rcm + "'] and EventID=1058 and TimeCreated[timediff(@SystemTime) <= 86400000]]]", []string{rcm}, []uint16{1058}},
		{"*[System[Provider[@Name='Schannel'] and (EventID=36870 or EventID=36871)]]", []string{"Schannel"}, []uint16{36870, 36871}},
		{"*[System/EventID=4624]", nil, []uint16{4624}},
		{"*[System[EventID=4624 or Level=2]]", nil, nil},
		{"*[System[EventID!=4624]]", nil, nil},
		// A number literal is read exactly (number.go): 1058.0 is 1058,
		// 1058.00000000000000000001 is no event id (a float64 would
		// round it to 1058).
		{"*[System[EventID=1058.0]]", nil, []uint16{1058}},
		{"*[System[EventID=1058.00000000000000000001]]", nil, nil},
		{"*[System[EventID=65535.0 or EventID=65536]]", nil, nil},
		{"*[System[Provider[@Name='A']] or System[Provider[@Name='B'] and EventID=7]]", []string{"A", "B"}, nil},
		{"*[System[Provider[@Name=' Microsoft-Windows-TerminalServices-SessionBroker ']]]", []string{" Microsoft-Windows-TerminalServices-SessionBroker "}, nil},
		{"*[EventData[Data[@Name='EventID']=5]]", nil, nil},
		{"*", nil, nil},
	} {
		q, err := Compile(c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		k, ok := q.Keys()
		if ok != (c.provs != nil || c.ids != nil) || !slices.Equal(k.Providers, c.provs) || !slices.Equal(k.EventIDs, c.ids) {
			t.Errorf("%s: Keys() = %+v, %v; want %v %v", c.q, k, ok, c.provs, c.ids)
		}
	}
}

// Keys are necessary conditions: whatever event a query matches, its keys
// accept that event's provider and id (checked over every real sample
// event and queries of many shapes).
func TestKeysNecessary(t *testing.T) {
	queries := []string{
		"*[System[Provider[@Name='Service Control Manager'] and EventID=7036]]",
		"*[System[(EventID=7036 or EventID=7040) and Level=4]]",
		"*[System[Provider[@Name='Microsoft-Windows-Security-Auditing']] and EventData[Data[@Name='LogonType']=2]]",
		"*[System[EventID=4624] or System[EventID=4625]]",
		"Event[System[Provider[@Name='EventLog'] and (EventID=6005 or EventID=6006 or EventID=6013)]]",
		"*[System[Provider[@Name='Microsoft-Windows-Kernel-General'] or Provider[@Name='EventLog']]]",
		"*[System/EventID=1]",
		// Keywords (HexInt64) compared exactly, beside keys.
		"*[System[EventID=7036.0 and Keywords=9259400833873739776]]",
		"*[System[(EventID=4624 or EventID=4625.0) and Keywords>=9232379236109516800]]",
		"*[System[EventID=7036 and band(Keywords,9223372036854775808.0)]]",
	}
	paths, _ := filepath.Glob("../../testdata/evtx/*.evtx")
	if len(paths) < 40 {
		t.Fatalf("%d samples", len(paths))
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var qs []*Query
	var ks []Keys
	for _, s := range queries {
		q := MustCompile(s)
		k, ok := q.Keys()
		if !ok {
			t.Fatalf("%s: no keys", s)
		}
		qs, ks = append(qs, q), append(ks, k)
	}
	matched := 0
	for _, p := range paths {
		f, err := evtx.Open(p)
		if err != nil {
			continue
		}
		for {
			ev, err := f.Next()
			if err == io.EOF {
				break
			}
			for i, q := range qs {
				if q.Match(ev, now) {
					matched++
					if !ks[i].Accepts(ev.System.Provider.Name, ev.System.EventID) {
						t.Errorf("%s matches %s record %d (%s %d), its keys %+v refuse it", queries[i], filepath.Base(p), ev.RecordID, ev.System.Provider.Name, ev.System.EventID, ks[i])
					}
				}
			}
		}
		f.Close()
	}
	if matched < 100 {
		t.Errorf("only %d matches: the check proves little", matched)
	}
	t.Logf("%d matches checked", matched)
}

// The pre-filter never refuses what Match accepts when provider names
// differ in case between the query and the event (Windows compares them
// case-insensitively; PowerShell's Get-WinEvent sends them lower-cased):
// generated queries of several shapes over events whose provider names
// are spelled in random cases.
func TestKeysProviderCaseProperty(t *testing.T) {
	names := []string{"Schannel", "Microsoft-Windows-Security-Auditing", "EventLog", "Service Control Manager", "Microsoft-Windows-TerminalServices-RemoteConnectionManager"}
	rng := rand.New(rand.NewPCG(7, 7))
	respell := func(s string) string {
		b := []rune(s)
		for i, r := range b {
			switch rng.IntN(3) {
			case 0:
				b[i] = unicode.ToLower(r)
			case 1:
				b[i] = unicode.ToUpper(r)
			}
		}
		return string(b)
	}
	cond := func() string {
		n := respell(names[rng.IntN(len(names))])
		id := []int{36871, 4624, 6011, 7036, 1058}[rng.IntN(5)]
		switch rng.IntN(6) {
		case 0:
			return fmt.Sprintf("System[Provider[@Name='%s'] and EventID=%d]", n, id)
		case 1:
			return fmt.Sprintf("System/Provider[@Name='%s']", n)
		case 2:
			return fmt.Sprintf("System/Provider/@Name='%s'", n)
		case 3:
			return fmt.Sprintf("System[Provider[@Name='%s' or @Name='%s']]", n, respell(names[rng.IntN(len(names))]))
		case 4:
			return fmt.Sprintf("(System[Provider[@Name='%s']] or System[Provider[@Name='%s']]) and System/EventID=%d", n, respell(names[rng.IntN(len(names))]), id)
		}
		return fmt.Sprintf("System[EventID=%d] and System[Provider[@Name=\"%s\"]]", id, n)
	}
	var events []*evtx.Event
	for range 200 {
		events = append(events, &evtx.Event{System: evtx.System{
			Provider: evtx.Provider{Name: respell(names[rng.IntN(len(names))])},
			EventID:  []uint16{36871, 4624, 6011, 7036, 1058}[rng.IntN(5)],
		}})
	}
	now := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	matched, differentCase := 0, 0
	for range 400 {
		src := "*[" + cond() + "]"
		q := MustCompile(src)
		k, ok := q.Keys()
		if !ok {
			t.Fatalf("%s: no keys", src)
		}
		for _, ev := range events {
			if !q.Match(ev, now) {
				continue
			}
			matched++
			if !slices.Contains(k.Providers, ev.System.Provider.Name) {
				differentCase++
			}
			if !k.Accepts(ev.System.Provider.Name, ev.System.EventID) {
				t.Fatalf("%s matches provider %q id %d, its keys %+v refuse it", src, ev.System.Provider.Name, ev.System.EventID, k)
			}
		}
	}
	if matched < 1000 || differentCase < matched/2 {
		t.Errorf("%d matches, %d with the name in another case: the check proves little", matched, differentCase)
	}
	t.Logf("%d matches checked, %d with the provider name spelled in another case than the query's", matched, differentCase)
}

// TestKeySetEqualsAccepts: a KeySet answers as Keys.Accepts on each of its
// Keys, asked from several goroutines, for provider names in other cases
// (the Kelvin sign folds to k), names no Keys has, every event id the Keys
// name and others, and past the names it remembers.
func TestKeySetEqualsAccepts(t *testing.T) {
	ks := []Keys{
		{Providers: []string{"Microsoft-Windows-Kernel-General"}, EventIDs: []uint16{1, 12}},
		{Providers: []string{"Schannel", "Microsoft-Windows-Schannel"}, EventIDs: []uint16{36870, 36871}},
		{EventIDs: []uint16{6008, 65535, 0}},
		{Providers: []string{"EventLog"}},
		{Providers: []string{"Service Control Manager"}, EventIDs: []uint16{7036}},
	}
	providers := []string{"", "Schannel", "SCHANNEL", "schannel", "microsoft-windows-\u212aernel-general", "Microsoft-Windows-Kernel-General",
		"eventlog", "EventLog", "Service Control Manager", "service control manager ", "Other"}
	for i := range 300 {
		providers = append(providers, fmt.Sprintf("Provider-%d", i)) // past maxKeySetProviders
	}
	ids := []uint16{0, 1, 2, 12, 63, 64, 6008, 7036, 36870, 36871, 36872, 65534, 65535}
	for _, set := range [][]Keys{ks, nil, ks[:1], ks[3:4]} {
		s := NewKeySet(set)
		var wg sync.WaitGroup
		var bad atomic.Int32
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range 2 { // the second round is answered from memory
					for pi := range providers {
						p := providers[(pi+g*7+r)%len(providers)]
						for _, id := range ids {
							want := slices.ContainsFunc(set, func(k Keys) bool { return k.Accepts(p, id) })
							if s.Accepts(p, id) != want {
								bad.Add(1)
								t.Errorf("KeySet.Accepts(%q, %d) = %v, Keys.Accepts %v", p, id, !want, want)
							}
						}
					}
				}
			}()
		}
		wg.Wait()
		if bad.Load() > 0 {
			return
		}
	}
}

// EventKeys never refuses what Match accepts: over every event of the
// samples in testdata/evtx and ../shared/samples, each query naming a
// provider name (spelled in upper case) and event id some sample event has
// in its System part, the event's own among them, and the queries of
// TestKeysNecessary, a query that matches an event has keys that accept
// EventKeys' pair whenever EventKeys gives one. EventKeys gives one for
// nearly every real event, so that the rules engine's dispatch applies.
func TestEventKeysNecessary(t *testing.T) {
	events := allSampleEvents(t)
	type pair struct {
		p  string
		id uint16
	}
	byPair := map[pair]*Query{}
	var pool []*Query
	pairQuery := func(ev *evtx.Event) *Query {
		k := pair{ev.System.Provider.Name, ev.System.EventID}
		if q, ok := byPair[k]; ok || strings.ContainsAny(k.p, `'`) {
			return q
		}
		q := MustCompile(fmt.Sprintf("*[System[Provider[@Name='%s'] and EventID=%d]]", strings.ToUpper(k.p), k.id))
		byPair[k] = q
		pool = append(pool, q)
		return q
	}
	for _, ev := range events {
		pairQuery(ev)
	}
	var fixed []*Query
	for _, s := range []string{
		"*[System[Provider[@Name='Service Control Manager'] and EventID=7036]]",
		"*[System[(EventID=7036 or EventID=7040) and Level=4]]",
		"*[System[EventID=4624] or System[EventID=4625]]",
		"Event[System[Provider[@Name='EventLog'] and (EventID=6005 or EventID=6006 or EventID=6013)]]",
		"*[System[Provider[@Name='Microsoft-Windows-Kernel-General'] or Provider[@Name='EventLog']]]",
		"*[System/Provider/@Name='Microsoft-Windows-Security-Auditing']",
	} {
		fixed = append(fixed, MustCompile(s))
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(3, 5))
	withKeys, matched, own := 0, 0, 0
	for _, ev := range events {
		p, id, ok := EventKeys(ev)
		if ok {
			withKeys++
		}
		qs := append([]*Query{pairQuery(ev)}, fixed...)
		for range 4 {
			qs = append(qs, pool[rng.IntN(len(pool))])
		}
		for i, q := range qs {
			if q == nil || !q.Match(ev, now) {
				continue
			}
			matched++
			if i == 0 {
				own++
			}
			k, _ := q.Keys()
			if ok && !k.Accepts(p, id) {
				t.Errorf("%s matches %s record %d, its keys %+v refuse EventKeys' (%q, %d)", q, ev.Source.File, ev.RecordID, k, p, id)
			}
		}
	}
	t.Logf("%d events, %d with keys; %d matches (%d of the event's own pair), %d pair queries", len(events), withKeys, matched, own, len(pool))
	if len(events) < 10000 || withKeys < len(events)*99/100 || own < withKeys*9/10 || len(pool) < 200 {
		t.Errorf("%d events, %d with keys, %d matching their own pair, %d pairs: the check proves little", len(events), withKeys, own, len(pool))
	}
}

// keyTrees are events whose trees make a single provider name and event id
// hard to read, each with a query it matches: EventKeys must give a pair
// that query's keys accept, or none.
func keyTrees() []struct {
	name string
	ev   *evtx.Event
	q    string
} {
	el := func(name string, v evtx.Value, attrs []evtx.Attr, kids ...*evtx.Element) *evtx.Element {
		return &evtx.Element{Name: name, Value: v, Attrs: attrs, Children: kids}
	}
	none := evtx.Value{}
	str := evtx.StringValue
	u16 := func(n uint64) evtx.Value { return evtx.Value{Kind: evtx.KindUint16, Uint: n} }
	name := func(v evtx.Value) []evtx.Attr { return []evtx.Attr{{Name: "Name", Value: v}} }
	prov := func(n string) *evtx.Element { return el("Provider", none, name(str(n))) }
	eid := func(n uint64) *evtx.Element { return el("EventID", u16(n), nil) }
	event := func(kids ...*evtx.Element) *evtx.Event {
		return &evtx.Event{Root: el("Event", none, nil, kids...)}
	}
	bin := func(e *evtx.Element) evtx.Value { return evtx.Value{Kind: evtx.KindBinXML, Elem: e} }
	return []struct {
		name string
		ev   *evtx.Event
		q    string
	}{
		{"two Provider elements", event(el("System", none, nil, prov("A"), prov("B"), eid(7))), "*[System[Provider[@Name='B'] and EventID=7]]"},
		{"two Name attributes", event(el("System", none, nil,
			el("Provider", none, []evtx.Attr{{Name: "Name", Value: str("A")}, {Name: "x:Name", Value: str("B")}}), eid(7))), "*[System[Provider[@Name='B'] and EventID=7]]"},
		{"prefixed Name after xmlns", event(el("System", none, nil,
			el("Provider", none, []evtx.Attr{{Name: "xmlns:x", Value: str("A")}, {Name: "x:Name", Value: str("B")}}), eid(7))), "*[System[Provider[@Name='B'] and EventID=7]]"},
		{"Name a number", event(el("System", none, nil, el("Provider", none, name(u16(123))), eid(7))), "*[System[Provider[@Name='123'] and EventID=7]]"},
		{"Name a time", event(el("System", none, nil,
			el("Provider", none, name(evtx.Value{Kind: evtx.KindFileTime, Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)})), eid(7))),
			"*[System[Provider[@Name='2024-01-02T03:04:05Z'] and EventID=7]]"},
		{"EventID as text", event(el("System", none, nil, prov("A"), el("EventID", str(" 04625 "), nil))), "*[System[Provider[@Name='A'] and EventID=4625]]"},
		{"EventID a signed number", event(el("System", none, nil, prov("A"), el("EventID", evtx.Value{Kind: evtx.KindInt32, Int: 4625}, nil))), "*[System[EventID=4625]]"},
		{"EventID with a child", event(el("System", none, nil, prov("A"), el("EventID", none, nil, el("X", u16(4625), nil)))), "*[System[EventID=4625]]"},
		// A value and a child: the element's number is its text, "725".
		{"EventID with a value and a child", event(el("System", none, nil, prov("A"), el("EventID", u16(7), nil, el("X", str("25"), nil)))), "*[System[EventID=725]]"},
		{"two EventID elements", event(el("System", none, nil, prov("A"), eid(1), eid(4625))), "*[System[EventID=4625]]"},
		{"two System elements", event(el("System", none, nil, prov("A"), eid(1)), el("System", none, nil, prov("B"), eid(2))), "*[System[Provider[@Name='B'] and EventID=2]]"},
		{"System embedded beside one", &evtx.Event{Root: el("Event", bin(el("System", none, nil, prov("B"), eid(2))), nil,
			el("System", none, nil, prov("A"), eid(1)))}, "*[System[Provider[@Name='B'] and EventID=2]]"},
		{"Provider embedded beside one", event(el("System", bin(prov("B")), nil, prov("A"), eid(2))), "*[System[Provider[@Name='B'] and EventID=2]]"},
		{"System embedded", &evtx.Event{Root: el("Event", bin(el("System", none, nil, prov("B"), eid(2))), nil)}, "*[System[Provider[@Name='B'] and EventID=2]]"},
		{"prefixed names", event(el("e:System", none, nil, el("e:Provider", none, []evtx.Attr{{Name: "e:Name", Value: str("B")}}), el("e:EventID", u16(2), nil))),
			"*[System[Provider[@Name='b'] and EventID=2]]"},
		{"prefixed and plain Provider", event(el("System", none, nil, prov("A"), el("e:Provider", none, name(str("B"))), eid(2))), "*[System[Provider[@Name='B']]]"},
		{"no Provider", event(el("System", none, nil, eid(2))), "*[System[EventID=2]]"},
		{"no Root", &evtx.Event{System: evtx.System{Provider: evtx.Provider{Name: "B"}, EventID: 2}}, "*[System[Provider[@Name='b'] and EventID=2]]"},
	}
}

func TestEventKeysOddTrees(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	declined := 0
	for _, c := range keyTrees() {
		q := MustCompile(c.q)
		k, hasKeys := q.Keys()
		if !hasKeys || !q.Match(c.ev, now) {
			t.Fatalf("%s: %s has no keys or does not match", c.name, c.q)
		}
		p, id, ok := EventKeys(c.ev)
		if !ok {
			declined++
			continue
		}
		if !k.Accepts(p, id) {
			t.Errorf("%s: %s matches, its keys %+v refuse EventKeys' (%q, %d)", c.name, c.q, k, p, id)
		}
	}
	// The prefixed Name after xmlns, the embedded System alone, the
	// prefixed names, no Provider and no Root are read; the others not.
	if n := len(keyTrees()); declined != n-5 {
		t.Errorf("EventKeys declined %d of %d trees, want %d", declined, n, n-5)
	}
}

// MatchKeys decides only queries that are no more than their keys, and
// then says what Match says: over the shapes below (decided or not) and
// every event of the samples (testdata/evtx, ../shared/samples), of
// keyTrees and of trees whose root is not Event or whose Provider has no
// Name, with queries naming the events' own provider names and ids.
func TestMatchKeysEqualsMatch(t *testing.T) {
	shapes := []struct {
		q       string
		decided bool
	}{
		{"Event[System[Provider[@Name='Service Control Manager'] and EventID=7036]]", true},
		{"*[System[Provider[@Name='service control manager'] and (EventID=7036 or EventID=7040)]]", true},
		{"Event[System[(EventID=7036 or EventID=7040) and Provider[@Name='Service Control Manager']]]", true},
		{"Event[System[EventID=7036]]", true},
		{"*[System[EventID = 7036]]", true},
		{"*[System[7036=EventID]]", true},
		{"Event[System[Provider[@Name='EventLog']]]", true},
		{"Event[System[Provider['EventLog'=@Name]]]", true},
		{"Event[System[Provider[@Name='']]]", false},
		{"Event[System[Provider[@Name='EventLog'] and Provider[@Name='X']]]", false},
		{"Event[System[EventID=6005 and EventID=6006]]", false},
		{"Event[System[EventID=70000]]", false},
		{"Event[System[EventID=6005.5]]", false},
		{"Event[System[EventID=7036.0]]", true},
		{"Event[System[EventID=7036.00000000000000000001]]", false},
		{"Event[System[EventID=7036.0 or EventID=7040]]", true},
		{"Event[System[EventID!=6005]]", false},
		{"Event[System[Provider[@Name!='EventLog']]]", false},
		{"Event[System[Provider[@Name='EventLog'] and Level=4]]", false},
		{"Event[System[Provider[@Name='EventLog']] and System[EventID=6005]]", false},
		{"Event[System/EventID=6005]", false},
		{"Event[System[Provider/@Name='EventLog']]", false},
		{"Event[System[Provider[@Guid='x']]]", false},
		{"Event[System[Provider[1][@Name='EventLog']]]", false},
		{"Event[System[1][EventID=6005]]", false},
		{"Event[System[Provider[@Name='EventLog'] or EventID=6005]]", false},
		{"Event[EventData[Data=6005]]", false},
		// A key condition followed by another predicate of its step.
		{"Event[System[EventID=6005][Level=4]]", false},
		{"Event[System[Provider[@Name='EventLog'][@Guid='x']]]", false},
		{"Event[System[Provider[@Name='EventLog']]][System[Level=4]]", false},
		{"*", false},
	}
	var qs []*Query
	for _, s := range shapes {
		q := MustCompile(s.q)
		if q.byKeys != s.decided {
			t.Errorf("%s: decided by its keys %v, want %v", s.q, q.byKeys, s.decided)
		}
		qs = append(qs, q)
	}
	events := append([]*evtx.Event(nil), allSampleEvents(t)...)
	for _, c := range keyTrees() {
		events = append(events, c.ev)
	}
	other := func(root string, attrs []evtx.Attr) *evtx.Event {
		return &evtx.Event{Root: &evtx.Element{Name: root, Children: []*evtx.Element{{Name: "System", Children: []*evtx.Element{
			{Name: "Provider", Attrs: attrs}, {Name: "EventID", Value: evtx.Value{Kind: evtx.KindUint16, Uint: 6005}}}}}}}
	}
	events = append(events,
		other("Other", []evtx.Attr{{Name: "Name", Value: evtx.StringValue("EventLog")}}),
		other("e:Event", []evtx.Attr{{Name: "Name", Value: evtx.StringValue("EventLog")}}),
		other("Event", nil),
		other("Event", []evtx.Attr{{Name: "Guid", Value: evtx.StringValue("x")}}),
		other("Event", []evtx.Attr{{Name: "Name", Value: evtx.StringValue("")}}))
	own := map[string]*Query{}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	decided, matched := 0, 0
	for _, ev := range events {
		p, id, ok := EventKeys(ev)
		if !ok {
			continue
		}
		// The event's own provider and id, as an exact query.
		src := fmt.Sprintf("*[System[Provider[@Name='%s'] and EventID=%d]]", strings.ToUpper(p), id)
		if p == "" || strings.Contains(p, "'") {
			src = fmt.Sprintf("Event[System[EventID=%d]]", id)
		}
		if own[src] == nil {
			own[src] = MustCompile(src)
		}
		for _, q := range append(qs, own[src]) {
			m := q.Match(ev, now)
			mk, ok := q.MatchKeys(ev, p, id)
			if !ok {
				continue
			}
			decided++
			if m {
				matched++
			}
			if mk != m {
				t.Errorf("%s on an event (%q, %d, root %v): Match %v, MatchKeys %v", q, p, id, ev.Root != nil && ev.Root.Name == "Event", m, mk)
			}
		}
	}
	t.Logf("%d events, %d decided, %d of them matches", len(events), decided, matched)
	if decided < 100000 || matched < 50000 {
		t.Errorf("%d decided, %d matches: the check proves little", decided, matched)
	}
	strict := *qs[0]
	strict.xnum = xpathNumber
	if _, ok := strict.MatchKeys(events[0], "x", 1); ok {
		t.Error("a strict query is decided by its keys")
	}
}

var sampleEvents struct {
	once   sync.Once
	events []*evtx.Event
	n      int
}

// allSampleEvents returns (reading them once) the events of the samples in
// testdata/evtx and ../shared/samples, as far as each reads.
func allSampleEvents(t *testing.T) []*evtx.Event {
	t.Helper()
	sampleEvents.once.Do(func() {
		paths, _ := filepath.Glob(filepath.Join(samplesDir, "*.evtx"))
		shared, _ := filepath.Glob("../../../shared/samples/*.evtx")
		paths = append(paths, shared...)
		sampleEvents.n = len(paths)
		for _, p := range paths {
			f, err := evtx.Open(p)
			if err != nil {
				continue
			}
			for {
				ev, err := f.Next()
				if err != nil {
					break
				}
				sampleEvents.events = append(sampleEvents.events, ev)
			}
			f.Close()
		}
	})
	if sampleEvents.n < 40 {
		t.Fatalf("%d samples", sampleEvents.n)
	}
	return sampleEvents.events
}
