package evtx_test

import (
	"fmt"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

// An event built by hand, without Root (as package evtxtest builds them),
// renders from its typed fields (Event.Tree).
func ExampleEvent_XML() {
	ev := &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: "Schannel"},
			EventID:     36871,
			Level:       2,
			TimeCreated: time.Date(2024, 5, 1, 11, 30, 0, 0, time.UTC),
			Channel:     "System",
			Computer:    "vm1",
		},
		EventData: []evtx.Field{
			{Name: "Type", Value: evtx.StringValue("server")},
			{Name: "ErrorState", Value: evtx.Value{Kind: evtx.KindUint16, Uint: 10013}},
		},
	}
	fmt.Println(ev.XML())
	// Output:
	// <Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Schannel'/><EventID>36871</EventID><Version>0</Version><Level>2</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x0</Keywords><TimeCreated SystemTime='2024-05-01T11:30:00.0000000Z'/><EventRecordID>0</EventRecordID><Correlation/><Execution ProcessID='0' ThreadID='0'/><Channel>System</Channel><Computer>vm1</Computer><Security/></System><EventData><Data Name='Type'>server</Data><Data Name='ErrorState'>10013</Data></EventData></Event>
}

// A query reads the TimeCreated of an event built by hand from its fields
// (Event.Tree), and so does TimeCreatedOf.
func ExampleTimeCreatedOf() {
	ev := &evtx.Event{System: evtx.System{TimeCreated: time.Date(2024, 5, 1, 11, 30, 0, 0, time.UTC)}}
	fmt.Println(evtx.TimeCreatedOf(ev))
	fmt.Println(xpath.MustCompile("*[System[TimeCreated[@SystemTime='2024-05-01T11:30:00Z']]]").Match(ev, time.Time{}))
	// Output:
	// 2024-05-01 11:30:00 +0000 UTC true
	// true
}

// LastWritten reads the file: before Close it finds the log's last-written
// record; after it, nothing, as for an empty log.
func ExampleFile_Close() {
	f, err := evtx.Open("../testdata/evtx/scenarios/tls-36871-10013/System.evtx")
	if err != nil {
		panic(err)
	}
	fmt.Println(f.LastWritten().System.EventRecordID)
	f.Close()
	fmt.Println(f.LastWritten() == nil, f.NewestTime().IsZero())
	// Output:
	// 123
	// true true
}
