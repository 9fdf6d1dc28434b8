package xpath

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestSemantics covers the evaluation rules beyond the §4.4 table: operator
// spellings, functions, axes, typed comparisons and what strict XPath 1.0
// (text only) says instead.
func TestSemantics(t *testing.T) {
	ev36870 := schannel36870(refTime.Add(-time.Hour))
	ev1057 := rcm(1057, "Keyset does not exist", refTime.Add(-2*time.Hour))
	ft := filetime(ev36870.System.TimeCreated)
	odd := finish(&evtx.Event{
		System: evtx.System{Provider: evtx.Provider{Name: "Odd"}, EventID: 1, TimeCreated: refTime},
		EventData: []evtx.Field{
			{Name: "Flag", Value: evtx.Value{Kind: evtx.KindBool, Uint: 1}},
			{Name: "Ratio", Value: evtx.Value{Kind: evtx.KindReal64, Float: 1e6}},
			{Name: "Delta", Value: evtx.Value{Kind: evtx.KindInt32, Int: -5}},
			{Name: "Code", Value: evtx.StringValue("0x10")},
			{Name: "Padded", Value: evtx.StringValue(" 42 ")},
			{Name: "When", Value: evtx.Value{Kind: evtx.KindFileTime, Time: refTime.Add(-time.Minute)}},
			{Name: "Blob", Value: evtx.Value{Kind: evtx.KindBinary, Bytes: []byte{0x12, 0x34}}},
			{Name: "Empty"},
		},
	})
	// A UserData tree held as an embedded BinXML value, with a prefixed name.
	embedded := finish(&evtx.Event{System: evtx.System{EventID: 2, TimeCreated: refTime}})
	embedded.Root.Children = append(embedded.Root.Children, &evtx.Element{Name: "UserData", Value: evtx.Value{
		Kind: evtx.KindBinXML,
		Elem: &evtx.Element{Name: "ns:LowOnMemory", Children: []*evtx.Element{{Name: "Free", Value: u32(12)}}},
	}})
	cases := []struct {
		q           string
		ev          *evtx.Event
		typed, text bool // Match in typed (normal) mode, and in strict text mode
	}{
		{`*[System[EventID=1057 OR EventID=1058]]`, ev1057, true, true},
		{`*[System[EventID=1057 AND Level=3]]`, ev1057, false, false},
		{`*[System[Band(Keywords, 36028797018963968)]]`, ev1057, true, true},
		{`*[System[band(Keywords, 0)]]`, ev1057, false, false},
		{`*[System[band(Keywords, 9223372036854775808)]]`, ev36870, true, true},
		{`*[System[band(Level, 2)]]`, ev36870, true, true},
		{`*[System[band(Keywords, Level)]]`, ev1057, false, false},
		// Decisions recorded in doc.go ("Numbers and strings"): relational
		// operators compare numbers (XPath 1.0 3.4), so '3' is 3 and a
		// word is NaN; = with a string literal compares text, so the
		// EventID 1057 is '1057' and not '0x421'.
		{`*[System[Level<'3']]`, ev36870, true, true},
		{`*[System[Level<'Error']]`, ev36870, false, false},
		{`*[System[EventID='1057']]`, ev1057, true, true},
		{`*[System[EventID='0x421']]`, ev1057, false, false},
		{`*[child::System[child::Provider[attribute::Name='Schannel']]]`, ev36870, true, true},
		{`*[System/Provider/@*='{1F678132-5938-4686-9FDC-C8FF68F15C85}']`, ev36870, true, true},
		{`*[@xmlns]`, ev36870, false, false}, // a namespace declaration is not an attribute
		{`*[System/EventID[@Qualifiers=49152]]`, ev1057, true, true},
		{`*[System/*[@Qualifiers]=1057]`, ev1057, true, true},
		{`*[EventData/Data[position()=2]='0x8009030d']`, ev36870, true, true},
		{`*[EventData/Data[@Name='ErrorCode'][1]='0x8009030d']`, ev36870, true, true},
		{`*[EventData/Data[2][@Name='ErrorCode']]`, ev36870, true, true},
		{`*[EventData/Data[@Name='ErrorCode'][2]]`, ev36870, false, false},
		// timediff with two arguments is t2 - t1 in ms.
		{`*[System/TimeCreated[timediff(@SystemTime, ` + itoa64(ft+10000*5000) + `) = 5000]]`, ev36870, true, true},
		{`*[System/TimeCreated[timediff(` + itoa64(ft-10000*60000) + `, @SystemTime) = 60000]]`, ev36870, true, true},
		{`*[System/TimeCreated[timediff(@SystemTime) = 3600000]]`, ev36870, true, true},
		// Typed numbers against numbers (strict XPath reads "0x8009030d",
		// "true", "1e+06" as NaN).
		{`*[EventData[Data[@Name='ErrorCode']=2148074253]]`, ev36870, true, false},
		{`*[EventData[Data[@Name='ErrorCode'] > 2148074252]]`, ev36870, true, false},
		{`*[EventData[Data[@Name='Flag']=1]]`, odd, true, false},
		{`*[EventData[Data[@Name='Flag']='true']]`, odd, true, true},
		{`*[EventData[Data[@Name='Ratio']=1000000]]`, odd, true, false},
		{`*[EventData[Data[@Name='Delta'] < 0]]`, odd, true, true},
		{`*[EventData[Data[@Name='Delta']='-5']]`, odd, true, true},
		{`*[EventData[Data[@Name='Code']=16]]`, odd, true, false},
		{`*[EventData[Data[@Name='Code']='0x10']]`, odd, true, true},
		{`*[EventData[Data[@Name='Padded']=42]]`, odd, true, true},
		{`*[EventData[Data[@Name='Padded']='42']]`, odd, false, false},
		{`*[EventData[Data[@Name='Blob']='1234']]`, odd, true, true},
		{`*[EventData[Data[@Name='Empty']='']]`, odd, true, true},
		{`*[EventData[Data[@Name='Empty']=0]]`, odd, false, false},
		{`*[EventData[Data[@Name='Empty']!=0]]`, odd, true, true}, // NaN != 0
		// Times against ISO strings: typed compares times; strict, NaN.
		{`*[EventData[Data[@Name='When'] < '` + evtx.FormatTime(refTime) + `']]`, odd, true, false},
		{`*[EventData[Data[@Name='When'] = '` + refTime.Add(-time.Minute).Format("2006-01-02T15:04:05") + `']]`, odd, true, false},
		{`*[EventData[Data[@Name='When'] = '` + evtx.FormatTime(refTime.Add(-time.Minute)) + `']]`, odd, true, true},
		// Node-set against node-set, boolean against node-set.
		{`*[EventData[Data[@Name='Type'] = Data[@Name='Type']]]`, ev36870, true, true},
		{`*[EventData[Data[@Name='Type'] != Data[@Name='Type']]]`, ev36870, false, false},
		{`*[EventData[Data != Data]]`, ev36870, true, true},
		{`*[System[Security = (EventID=36870)]]`, ev36870, true, true},
		{`*[System[Nothing = (EventID=36870)]]`, ev36870, false, false},
		{`*[System[Nothing = (EventID=1)]]`, ev36870, true, true}, // false = false
		{`*[(System/EventID=36870) = (System/Level=2)]`, ev36870, true, true},
		{`*[1 = 1.0]`, ev36870, true, true},
		{`*['a' = 'a' and 'a' != 'b' and 2 > '1']`, ev36870, true, true},
		{`*[System[EventID > 'x']]`, ev36870, false, false},
		// Elements with children compare by their text.
		{`*[UserData='CONTOSOjdoeRemote Desktop Connection Broker is not ready for RPC communication.']`, client1296(refTime), true, true},
		// Embedded BinXML values are children; prefixes are ignored.
		{`*[UserData/LowOnMemory/Free=12]`, embedded, true, true},
		{`*[UserData/*[Free > 11]]`, embedded, true, true},
		// Missing nodes never compare.
		{`*[System[Nothing=1 or Nothing!=1 or Nothing<1]]`, ev36870, false, false},
		{`*[System[TimeCreated[timediff(@Nothing) <= 1]]]`, ev36870, false, false},
	}
	for _, c := range cases {
		q, err := Compile(c.q)
		if err != nil {
			t.Errorf("Compile(%q): %v", c.q, err)
			continue
		}
		if got := q.Match(c.ev, refTime); got != c.typed {
			t.Errorf("%s: Match = %v, want %v", c.q, got, c.typed)
		}
		strict := *q
		strict.xnum = xpathNumber
		if got := strict.Match(c.ev, refTime); got != c.text {
			t.Errorf("%s: strict Match = %v, want %v", c.q, got, c.text)
		}
	}
	// An event without Root is evaluated on a tree built from its fields.
	bare := *ev36870
	bare.Root = nil
	if !MustCompile(`*[System[Provider[@Name='Schannel']] and EventData/Data[@Name='ErrorStatus']=10001]`).Match(&bare, refTime) {
		t.Error("event without Root: no match")
	}
	if MustCompile(`*`).Match(nil, refTime) {
		t.Error("nil event matched")
	}
}

func itoa64(i int64) string { return itoa(int(i)) }

func TestNumberConversions(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		s            string
		xpath, type_ float64
	}{
		{"12", 12, 12}, {" 12\r\n", 12, 12}, {"-1.5", -1.5, -1.5}, {".5", 0.5, 0.5}, {"5.", 5, 5},
		{"", nan, nan}, {"-", nan, nan}, {"1e5", nan, nan}, {"+5", nan, nan}, {"0x10", nan, 16},
		{"0X1f", nan, 31}, {"0x", nan, nan}, {"1 2", nan, nan}, {"Infinity", nan, nan},
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	for _, c := range cases {
		if got := xpathNumber(c.s); !same(got, c.xpath) {
			t.Errorf("xpathNumber(%q) = %v, want %v", c.s, got, c.xpath)
		}
		if got := typedNumber(c.s).float(); !same(got, c.type_) {
			t.Errorf("typedNumber(%q) = %v, want %v", c.s, got, c.type_)
		}
	}
	times := []struct {
		s    string
		want time.Time
		ok   bool
	}{
		{"2024-01-01T00:00:00", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"2024-01-01T00:00:00.5Z", time.Date(2024, 1, 1, 0, 0, 0, 5e8, time.UTC), true},
		{"2022-10-16T20:27:36.222854900Z", time.Date(2022, 10, 16, 20, 27, 36, 222854900, time.UTC), true},
		{"2024-01-01t00:00:00z", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"2024-01-01T02:00:00+02:00", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"2024-01-01T00:00:00-01:30", time.Date(2024, 1, 1, 1, 30, 0, 0, time.UTC), true},
		{"2024-02-30T00:00:00", time.Time{}, false},
		{"2024-01-01T24:00:00", time.Time{}, false},
		{"2024-01-01T00:00:00.", time.Time{}, false},
		{"2024-01-01T00:00:00.1234567890", time.Time{}, false},
		{"2024-01-01 00:00:00", time.Time{}, false},
		{"2024-01-01", time.Time{}, false},
		{"2024-01-01T00:00:00+0200", time.Time{}, false},
	}
	for _, c := range times {
		got, ok := parseTime(c.s)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v, %v", c.s, got, ok, c.want, c.ok)
		}
	}
}

// TestHexNumberLiteralRejected: a 0x number literal (EventID=0x421,
// band(Keywords,0x80000000000000)) is not XPath 1.0 and no Microsoft
// document says Windows accepts one, so Compile refuses it with a
// *SyntaxError at its offset rather than guess what Windows selects
// (doc.go, "Numbers and strings"); the decimal and string spellings
// compile.
func TestHexNumberLiteralRejected(t *testing.T) {
	// The error is at the literal (its "0") and names it and its decimal
	// value: it said "expected ']' ..., found 'x421'" at the x before.
	for q, want := range map[string]struct {
		off int
		msg string
	}{
		`*[System[EventID=0x421]]`:                   {17, "hexadecimal number literal 0x421 is not supported (whether Windows accepts one is not documented): write its decimal value 1057, "},
		`*[System[EventID=0X421 and Level=2]]`:       {17, "literal 0X421 is not supported (whether Windows accepts one is not documented): write its decimal value 1057, "},
		`*[System[band(Keywords,0x80000000000000)]]`: {23, "literal 0x80000000000000 is not supported (whether Windows accepts one is not documented): write its decimal value 36028797018963968, "},
		`*[System[EventID=0x]]`:                      {17, "literal 0x is not supported (whether Windows accepts one is not documented): write its decimal value, "},
		`*[System[EventID=(0xfg)]]`:                  {18, "literal 0xfg is not supported (whether Windows accepts one is not documented): write its decimal value, "},
	} {
		_, err := Compile(q)
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset != want.off || !strings.Contains(se.Msg, want.msg) {
			t.Errorf("Compile(%q) = %v, want a *SyntaxError at offset %d saying %q", q, err, want.off, want.msg)
		}
	}
	for _, q := range []string{`*[System[EventID=1057]]`, `*[System[band(Keywords,36028797018963968)]]`, `*[EventData[Data[@Name='ErrorCode']='0x8009030d']]`} {
		if _, err := Compile(q); err != nil {
			t.Errorf("Compile(%q): %v", q, err)
		}
	}
}
