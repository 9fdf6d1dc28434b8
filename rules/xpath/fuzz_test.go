package xpath

import (
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// seedQueries returns every query the tests use, valid or not, plus
// generated ones.
func seedQueries() []string {
	var seeds []string
	none := func(...string) []string { return nil }
	for _, c := range tableCases(none, nil) {
		seeds = append(seeds, c.q)
	}
	for _, c := range invalidCases() {
		seeds = append(seeds, c.q)
	}
	seeds = append(seeds,
		`Event[System[Provider[@Name='Microsoft-Windows-TerminalServices-RemoteConnectionManager'] and EventID=1058 and TimeCreated[timediff(@SystemTime) <= 86400000]]]`,
		`Event[System[Provider[@Name=' Microsoft-Windows-TerminalServices-SessionBroker '] and EventID=2056 and TimeCreated[timediff(@SystemTime) <= 86400000]]]`,
		`*[UserData/*/PrinterName="MyPrinter" and System/Level=1]`,
		`*[System[band(Keywords,13510798882111488)]]`,
		`*[EventData[Data[@Name='ProcessName']='C:\Windows\System32\consent.exe']]`,
		`*[EventData/Data[position()=2]='x']`,
		`*[System[TimeCreated[timediff(@SystemTime, 133000000000000000) >= 0]]]`,
		`*[System[EventID=1 AND Level=2 OR Task=3]]`,
		`*[child::System[attribute::x or child::*/@*]]`,
		`*[System[Keywords=9223372036854775809 or Keywords>9223372036854775808.5]]`,
		`*[System[band(Keywords,9223372036854775809.0) and EventRecordID<18446744073709551616]]`,
		`*[System[EventID=1057.0 or EventID=1058.00000000000000000001]]`,
		// 0x literals, refused (TestHexNumberLiteralRefused), and their
		// neighbours: a 0 before a name, a hex digit run ending the query.
		`*[System[EventID=0x405]]`,
		`*[System[band(Keywords, 0x8010000000000000)]]`,
		`*[System[Keywords>=0x10000000000000000 or EventID=0X1f]]`,
		`*[System[EventID=0x]]`,
		`*[System[EventID=0x12g.5-1]]`,
		`*[System[EventID=0 and Level=0x`,
		`*[EventData[Data[0x1]='x']]`,
		`*[System[band(Keywords,'0x10')]]`,
	)
	g := &generator{rng: rand.New(rand.NewPCG(1, 2)), events: handmadeEvents()}
	for i := 0; i < 100; i++ {
		seeds = append(seeds, g.query().src)
	}
	return seeds
}

// FuzzCompile: Compile never panics; an error is a *SyntaxError inside the
// query; a compiled query keeps its source, evaluates on every test event
// and gives time bounds without panicking; its keys accept the EventKeys
// of every test event it matches (the odd trees of keyTrees included), and
// MatchKeys, where it decides, says what Match says.
func FuzzCompile(f *testing.F) {
	for _, s := range seedQueries() {
		f.Add(s)
	}
	events := handmadeEvents()
	// An event with odd values: empty, nested, embedded BinXML, arrays.
	odd := &evtx.Event{Root: &evtx.Element{Name: "Event", Children: []*evtx.Element{
		{Name: "System", Children: []*evtx.Element{{Name: "EventID"}, {Name: "TimeCreated", Attrs: []evtx.Attr{{Name: "SystemTime", Value: evtx.StringValue("x")}}}}},
		{Name: "EventData", Children: []*evtx.Element{
			{Name: "Data", Value: evtx.Value{Kind: evtx.KindBinXML, Elem: &evtx.Element{Name: "Inner", Value: evtx.StringValue("5")}}},
			{Name: "Data", Value: evtx.Value{Kind: evtx.KindUint32 | evtx.ArrayFlag, Array: []evtx.Value{{Kind: evtx.KindUint32, Uint: 1}}}},
			{Name: "Data", Value: evtx.Value{Kind: evtx.KindReal64, Float: 1e300}},
			{Name: "Data", Value: evtx.Value{Kind: evtx.KindInt64, Int: -5}},
		}},
	}}}
	events = append(events, odd, &evtx.Event{}, keywordsEvent(1<<63+1, 1<<53+1), keywordsEvent(1<<64-1, 1<<64-1))
	for _, c := range keyTrees() {
		events = append(events, c.ev)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Compile(s)
		if err != nil {
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("Compile(%q) error %T, want *SyntaxError", s, err)
			}
			if se.Offset < 0 || se.Offset > len(s) || se.Expr != s || se.Msg == "" {
				t.Fatalf("Compile(%q): bad error %+v", s, se)
			}
			return
		}
		if q.String() != s {
			t.Fatalf("String() = %q, want %q", q.String(), s)
		}
		now := refTime
		since, until, _ := q.TimeBounds(now)
		k, hasKeys := q.Keys()
		for _, ev := range events {
			// The keys refuse no event the query matches (EventKeys), and
			// where MatchKeys decides, it says what Match says.
			if p, id, ok := EventKeys(ev); ok {
				m := q.Match(ev, now)
				if hasKeys && m && !k.Accepts(p, id) {
					t.Fatalf("%s matches an event, its keys %+v refuse its EventKeys (%q, %d)", s, k, p, id)
				}
				if mk, decided := q.MatchKeys(ev, p, id); decided && mk != m {
					t.Fatalf("%s: Match %v, MatchKeys %v (%q, %d)", s, m, mk, p, id)
				}
			}
			// The time window is conservative: a match lies inside it.
			if q.Match(ev, now) && !ev.Written.IsZero() &&
				(!since.IsZero() && ev.Written.Before(since) || !until.IsZero() && ev.Written.After(until)) {
				t.Fatalf("%s matches an event at %v outside its window [%v, %v]", s, ev.Written, since, until)
			}
			// A query that does not use the reference time gives the
			// same answer whatever it is.
			if m0 := q.Match(ev, time.Time{}); !q.UsesReferenceTime() && m0 != q.Match(ev, now) {
				t.Fatalf("%s: UsesReferenceTime false, Match %v at %v and %v at FILETIME 0", s, !m0, now, m0)
			}
		}
		if q.UsesReferenceTime() && !q.HasTimediff() {
			t.Fatalf("%s: UsesReferenceTime without HasTimediff", s)
		}
		strict := *q
		strict.xnum = xpathNumber
		strict.Match(events[0], now)
	})
}

// FuzzParseQueryList: ParseQueryList never panics; errors are
// *QueryListError; a parsed list evaluates, and its shortcuts change no
// answer: the window TimeBounds gives a channel holds every event of that
// channel the list matches (a reader skips records outside it), a channel
// no Select applies to (Selects false) has no match, and a channel's name
// matches whatever the case of its ASCII letters (channel names compare
// case-insensitively; Match).
func FuzzParseQueryList(f *testing.F) {
	f.Add([]byte(`<QueryList><Query Id="0" Path="Application"><Select Path="Application">*[System[(Level &lt;= 3) and TimeCreated[timediff(@SystemTime) &lt;= 86400000]]]</Select><Suppress Path="Application">*[System[(Level = 2)]]</Suppress><Select Path="System">*[System[Level=1]]</Select></Query></QueryList>`))
	f.Add([]byte(`<QueryList><Query Id="0"><Select Path="System">*</Select><Suppress Path="Application">*</Suppress></Query></QueryList>`))
	f.Add([]byte("\xff\xfe<\x00Q\x00"))
	f.Add([]byte(`<?xml version="1.0"?><QueryList><Query><Select Path="System"><![CDATA[*[System[Level<3]]]]></Select></Query></QueryList>`))
	f.Add([]byte(`<QueryList><Query Id="0" Path="System"><Select>*[System[TimeCreated[@SystemTime&gt;='2022-10-17T05:00:00Z']]]</Select><Select Path="system">*[System[EventID=1058]]</Select><Suppress Path="SYSTEM">*[System[TimeCreated[timediff(@SystemTime) &lt;= 3600000]]]</Suppress></Query></QueryList>`))
	events := handmadeEvents()
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseQueryList(data)
		if err != nil {
			if _, ok := err.(*QueryListError); !ok {
				t.Fatalf("error %T %v, want *QueryListError", err, err)
			}
			return
		}
		for _, ch := range append(l.Channels(), "NoSuchChannel-Fuzz") {
			since, until, _ := l.TimeBounds(ch, refTime)
			selects := l.Selects(Log{Channel: ch})
			for _, ev := range events {
				m := l.Match(ch, ev, refTime)
				if !l.UsesReferenceTime() && m != l.Match(ch, ev, time.Time{}) {
					t.Fatalf("UsesReferenceTime false, Match of a %s event %v at %v and %v at FILETIME 0", ch, m, refTime, !m)
				}
				if !m {
					continue
				}
				if !selects {
					t.Fatalf("Selects(%q) false, yet an event of it matches", ch)
				}
				if !ev.Written.IsZero() && (!since.IsZero() && ev.Written.Before(since) || !until.IsZero() && ev.Written.After(until)) {
					t.Fatalf("a %s event at %v matches outside the channel's window [%v, %v]", ch, ev.Written, since, until)
				}
				if other := swapASCIICase(ch); !l.Match(other, ev, refTime) {
					t.Fatalf("a %s event matches, but not as one of %q", ch, other)
				}
			}
		}
	})
}

// swapASCIICase returns s with its ASCII letters' case swapped.
func swapASCIICase(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			b[i] ^= 0x20
		}
	}
	return string(b)
}

// FuzzTypedNumber: typedNumber never panics and gives a normal number
// (a fraction in [0, 1), no negative zero); what it reads as decimal
// text has that text's integer part exactly and its sign (math/big),
// and a number equals itself unless it is NaN.
func FuzzTypedNumber(f *testing.F) {
	for _, s := range []string{"9223372036854775809", " -9007199254740993.5\n", "0x8000000000000001", "18446744073709551616", "-0.0", ".5", "5.", "-", ".", "0x", "1e5", "0.99999999999999999999", "-0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := typedNumber(s)
		if n.exact && (n.frac < 0 || n.frac >= 1 || n.neg && n.mag == 0 && n.frac == 0) {
			t.Fatalf("typedNumber(%q) = %+v: not normal", s, n)
		}
		if c, ok := n.compare(n); ok != !n.isNaN() || c != 0 {
			t.Fatalf("typedNumber(%q) = %+v compares with itself: %d, %v", s, n, c, ok)
		}
		d, ok := decimalNumber(trimSpace(s))
		if !ok {
			return
		}
		r, good := new(big.Rat).SetString(trimSpace(s))
		if !good {
			t.Fatalf("decimalNumber(%q) reads what math/big does not", s)
		}
		ip := new(big.Int).Quo(r.Num(), r.Denom())
		if !d.exact {
			if ip.CmpAbs(new(big.Int).Lsh(big.NewInt(1), 64)) < 0 {
				t.Fatalf("decimalNumber(%q) = %+v: not exact below 2^64", s, d)
			}
			return
		}
		if ip.Abs(ip).Cmp(new(big.Int).SetUint64(d.mag)) != 0 || r.Sign() < 0 != d.neg || (r.Sign() == 0) != (d.mag == 0 && d.frac == 0) {
			t.Fatalf("decimalNumber(%q) = %+v, want %s", s, d, r.FloatString(25))
		}
	})
}
