package xpath_test

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/rules"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

func Example() {
	q, err := xpath.Compile(`*[System[Provider[@Name='Schannel'] and EventID=36870 and TimeCreated[timediff(@SystemTime) <= 86400000]]]`)
	if err != nil {
		panic(err)
	}
	now := time.Date(2022, 10, 17, 8, 0, 0, 0, time.UTC)
	ev := &evtx.Event{ // Root is built from these fields when absent
		System: evtx.System{
			Provider:    evtx.Provider{Name: "Schannel"},
			EventID:     36870,
			Level:       2,
			TimeCreated: time.Date(2022, 10, 16, 20, 27, 36, 222854900, time.UTC),
			Channel:     "System",
		},
		EventData: []evtx.Field{
			{Name: "Type", Value: evtx.StringValue("server")},
			{Name: "ErrorCode", Value: evtx.Value{Kind: evtx.KindHexInt32, Uint: 0x8009030d}},
		},
	}
	fmt.Println(q.Match(ev, now))
	fmt.Println(q.Match(ev, now.Add(48*time.Hour)))
	since, _, _ := q.TimeBounds(now)
	fmt.Println("records before", since.Format(time.RFC3339), "need no decoding")

	// A HexInt32 compares numerically with a number, by its XML text with a
	// string, ignoring case as Windows compares strings.
	for _, src := range []string{
		`*[EventData[Data[@Name='ErrorCode']=2148074253]]`,
		`*[EventData[Data[@Name='ErrorCode']='0x8009030d']]`,
		`*[EventData[Data[@Name='ErrorCode']='0x8009030D']]`,
		`*[EventData[Data[@Name='ErrorCode']='0x8009030E']]`,
	} {
		fmt.Println(xpath.MustCompile(src).Match(ev, now))
	}
	// Output:
	// true
	// false
	// records before 2022-10-16T07:59:59Z need no decoding
	// true
	// true
	// true
	// false
}

func ExampleCompile_error() {
	_, err := xpath.Compile(`*[System[EventID=1058]`)
	fmt.Println(err)
	var se *xpath.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(se.Offset)
	}
	_, err = xpath.Compile(`//Event`)
	fmt.Println(err)
	_, err = xpath.Compile(`*[System[EventID=0x421]]`)
	fmt.Println(err)
	// Output:
	// xpath: offset 22: expected ']' to close the predicate opened at offset 1, found end of query
	// 22
	// xpath: offset 0: '//' (the descendant axis) is not supported: only child and attribute steps
	// xpath: offset 17: hexadecimal number 0x421 is not accepted: XPath 1.0 has no hexadecimal numbers and no source shows that Windows' event query reads one; write it in decimal: 1057
}

func ExampleQueryList() {
	l, err := xpath.ParseQueryList([]byte(`<QueryList>
  <Query Id="0" Path="System">
    <Select>*[System[Level &lt;= 3]]</Select>
    <Suppress>*[System[Provider[@Name='Service Control Manager']]]</Suppress>
  </Query>
</QueryList>`))
	if err != nil {
		panic(err)
	}
	ev := &evtx.Event{System: evtx.System{Provider: evtx.Provider{Name: "Schannel"}, Level: 2}}
	scm := &evtx.Event{System: evtx.System{Provider: evtx.Provider{Name: "Service Control Manager"}, Level: 2}}
	fmt.Println(l.Channels())
	fmt.Println(l.Match("System", ev, time.Time{}), l.Match("System", scm, time.Time{}), l.Match("Application", ev, time.Time{}))
	// Output:
	// [System]
	// true false false
}

// Run a query over a log offline, as wevtutil qe /q runs it on the
// machine: "now" is the TimeCreated of the log's last-written record that
// gives one (the moment the machine last logged, as evtxrdp query takes
// it), never the clock of the machine reading it; TimeBounds gives the
// reader a window of TimeCreated so that records outside it are not
// decoded, and Match decides each event.
func ExampleQuery_Match() {
	q := xpath.MustCompile(`*[System[Provider[@Name='Schannel'] and (EventID=36871) and TimeCreated[timediff(@SystemTime) <= 3600000]]]`)
	logs, err := evtx.Find("../../testdata/evtx/scenarios/tls-36871-10013/System.evtx")
	if err != nil {
		panic(err)
	}
	_, last, _, err := rules.TimedWrittenEnds(logs[0], evtx.Options{}, false)
	if err != nil {
		panic(err) // the log cannot be opened
	}
	if last == nil {
		return // no record gives a time: take the time to judge at from the user (--at)
	}
	now := last.Time()
	o := evtx.Options{}
	o.Since, o.Until, _ = q.TimeBounds(now)
	f, err := logs[0].Open(o)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	fmt.Println("now:", evtx.FormatTime(now))
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if q.Match(ev, now) {
			fmt.Println(ev.System.EventRecordID, evtx.FormatTime(ev.System.TimeCreated), ev.System.Provider.Name, ev.System.EventID)
		}
	}
	st := f.Stats()
	fmt.Printf("%d records decoded, %d outside the window passed over\n", st.Records, st.Skipped)
	// Output:
	// now: 2024-05-01T12:00:00.0000000Z
	// 122 2024-05-01T11:30:00.0000000Z Schannel 36871
	// 2 records decoded, 121 outside the window passed over
}
