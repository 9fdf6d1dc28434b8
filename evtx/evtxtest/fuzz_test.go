package evtxtest

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// FuzzWrite builds events of arbitrary shape from the fuzz input: the writer
// must either write a file whose structure verifies or return an error,
// never panic; and what it writes, the project's reader reads back: every
// record, in order, with the EventID, TimeCreated, UserID and provider
// (name, when valid UTF-8, and GUID) written.
func FuzzWrite(f *testing.F) {
	f.Add([]byte("\x01\x02hello\x14\x08\x8a\x13"), "S-1-5-18", "{C76BAA63-AE81-421C-B425-340B4B24157F}", uint16(3))
	f.Add([]byte{0x81, 0x01, 0x0e, 0x0f, 0x21, 0x00}, "S-1", "{}", uint16(200))
	f.Fuzz(func(t *testing.T, data []byte, sid, guid string, n uint16) {
		var events []*evtx.Event
		for i := 0; i < int(n%50)+1; i++ {
			ev := &evtx.Event{
				System: evtx.System{
					Provider:    evtx.Provider{Name: sid, GUID: guid},
					EventID:     uint16(i),
					TimeCreated: time.Unix(int64(i)*1000, 0),
					UserID:      sid,
				},
			}
			if i%3 == 0 {
				ev.System.UserID, ev.System.Provider.GUID = "", ""
			}
			for j, b := range data {
				v := evtx.Value{Kind: evtx.Kind(b), Str: guid, Uint: uint64(j), Bytes: data[:j]}
				if v.Kind.IsArray() {
					v.Array = []evtx.Value{{Kind: v.Kind.Base(), Str: sid}}
				}
				name := ""
				if j%2 == 0 {
					name = sid
				}
				if i%2 == 0 {
					ev.EventData = append(ev.EventData, evtx.Field{Name: name, Value: v})
				} else {
					if ev.UserData == nil {
						ev.UserData = &evtx.Element{Name: "EventXML"}
					}
					ev.UserData.Children = append(ev.UserData.Children, &evtx.Element{Name: "p" + name, Value: v})
				}
			}
			events = append(events, ev)
		}
		o := Options{MaxRecordsPerChunk: int(n % 7), UncountRecords: int(n % 3)}
		b, err := Bytes(events, o)
		if err != nil {
			return
		}
		_, chunks := walk(t, b)
		total := 0
		for _, c := range chunks {
			if !c.headerCRCOK || !c.dataCRCOK {
				t.Fatalf("bad CRC in a written chunk")
			}
			total += len(c.records)
		}
		if total != len(events) {
			t.Fatalf("%d records, want %d", total, len(events))
		}
		got := readAll(t, b, 1).events
		if len(got) != len(events) {
			t.Fatalf("read back %d events, wrote %d", len(got), len(events))
		}
		for i, ev := range got {
			g, w := ev.System, events[i].System
			if g.EventID != w.EventID || !g.TimeCreated.Equal(w.TimeCreated) || g.UserID != w.UserID || g.Provider.GUID != w.Provider.GUID ||
				utf8.ValidString(w.Provider.Name) && g.Provider.Name != w.Provider.Name {
				t.Fatalf("event %d reads back as %d at %v, user %q, provider %q %s; written %d at %v, user %q, provider %q %s", i,
					g.EventID, g.TimeCreated, g.UserID, g.Provider.Name, g.Provider.GUID, w.EventID, w.TimeCreated, w.UserID, w.Provider.Name, w.Provider.GUID)
			}
		}
	})
}
