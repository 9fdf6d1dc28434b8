package evtx_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
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
// record; after it, nothing, as for an empty log. Next after Close returns
// ErrClosed, not io.EOF: the caller stopped reading, the log did not end.
func ExampleFile_Close() {
	f, err := evtx.Open("../testdata/evtx/scenarios/tls-36871-10013/System.evtx")
	if err != nil {
		panic(err)
	}
	if last := f.LastWritten(); last != nil { // nil when no record decodes
		fmt.Println(last.System.EventRecordID)
	}
	f.Close()
	fmt.Println(f.LastWritten() == nil, f.NewestTime().IsZero())
	_, err = f.Next()
	fmt.Println(errors.Is(err, evtx.ErrClosed), err == io.EOF)
	// Output:
	// 123
	// true true
	// true false
}

// Read a log from start to end: each event's TimeCreated (when it
// happened; the zero time when the record carries none), EventRecordID
// (the id Event Viewer shows; 0 when not read), provider, event id and an
// EventData field by name. The damage the reader met is in Errors, each
// naming the file and byte offset, and counted in Stats.
func ExampleOpen() {
	f, err := evtx.Open("../testdata/evtx/scenarios/tls-36871-10013/System.evtx")
	if err != nil {
		panic(err) // not EVTX, not a regular file, unreadable: the error names the file
	}
	defer f.Close() // stops the decoding goroutines when leaving before io.EOF
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			panic(err) // only after Close
		}
		if ev.System.EventID != 36871 {
			continue
		}
		state, _ := ev.Data("ErrorState")
		fmt.Println(evtx.FormatTime(ev.System.TimeCreated), ev.System.EventRecordID, ev.System.Provider.Name, ev.System.EventID, state)
	}
	st := f.Stats()
	fmt.Printf("%d events, TimeCreated %s to %s, %d problems\n", st.Records, evtx.FormatTime(st.FirstCreated), evtx.FormatTime(st.LastCreated), st.Problems)
	for _, p := range f.Errors() {
		fmt.Println(p.File, p.Offset, p.Err)
	}
	// Output:
	// 2024-05-01T10:30:00.0000000Z 121 Schannel 36871 10013
	// 2024-05-01T11:30:00.0000000Z 122 Schannel 36871 10013
	// 123 events, TimeCreated 2024-04-21T12:00:00.0000000Z to 2024-05-01T12:00:00.0000000Z, 0 problems
}

// Damage does not stop reading: a log copied from a crashed machine
// yields every intact record, and each problem names the file, the chunk,
// the record id where known and the byte offset; errors.Is tells its kind.
func ExampleReader_Errors() {
	f, err := evtx.Open("../testdata/evtx/omerbenamram__evtx__samples__sample_with_a_bad_chunk_magic.evtx")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	for {
		if _, err := f.Next(); err == io.EOF {
			break
		}
	}
	st := f.Stats()
	fmt.Printf("%d events, %d decoded in part, %d problems\n", st.Records, st.Partial, st.Problems)
	p := f.Errors()[0]
	fmt.Println(p)
	fmt.Printf("chunk %d, offset %#x, a checksum: %v\n", p.Chunk, p.Offset, errors.Is(p, evtx.ErrChecksum))
	// Output:
	// 380 events, 82 decoded in part, 104 problems
	// evtx: ../testdata/evtx/omerbenamram__evtx__samples__sample_with_a_bad_chunk_magic.evtx: chunk 0: offset 0x1034: checksum mismatch: records CRC32 0x292f55e7, stored 0xded42440
	// chunk 0, offset 0x1034, a checksum: true
}

// Copies of one log (a volume's System.evtx and its shadow copy, taken
// before the last 10 records were written) read one after the other give
// the records they share twice; read through Merge, each record once.
// Which files are copies is for the caller to know, or for fleet.Copies
// to find (the logs that share a record).
func ExampleMerge() {
	dir, err := os.MkdirTemp("", "merge")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	events := evtxtest.Noise(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), time.Hour, 30)
	volume, shadow := filepath.Join(dir, "System.evtx"), filepath.Join(dir, "shadow1-System.evtx")
	if err := evtxtest.WriteFile(volume, events, evtxtest.Options{}); err != nil {
		panic(err)
	}
	if err := evtxtest.WriteFile(shadow, events[:20], evtxtest.Options{}); err != nil {
		panic(err)
	}
	logs, err := evtx.Find(dir) // two logs: Find lists files
	if err != nil {
		panic(err)
	}
	read := func(l *evtx.Log) {
		f, err := l.Open(evtx.Options{})
		if err != nil {
			panic(err)
		}
		defer f.Close()
		for {
			if _, err := f.Next(); err == io.EOF {
				break
			}
		}
		st := f.Stats()
		fmt.Printf("%s: %d events, %d duplicates, each part adds %v\n", filepath.Base(l.Path), st.Records, st.Duplicates, f.PartAdded())
	}
	for _, l := range logs {
		read(l)
	}
	read(evtx.Merge(logs[0], logs[1]))
	// Output:
	// System.evtx: 30 events, 0 duplicates, each part adds []
	// shadow1-System.evtx: 20 events, 0 duplicates, each part adds []
	// System.evtx: 30 events, 20 duplicates, each part adds [30 0]
}
