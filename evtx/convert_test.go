package evtx

import (
	"testing"
	"time"
)

// TestFillEventPrefixedNames: the typed fields of an event (System,
// EventData, UserData) are read through element and attribute names with
// a namespace prefix, as the query evaluator (rules/xpath, NameIs) reads
// them. Before, only exact names were read: the shared case
// prefixed-provider (cases/CASES.md; an <e:Provider>) gave a Provider.Name
// of "" in dump and in analyze's evidence while the query matched its
// Schannel 36871, and a prefixed <e:Data> or <e:EventData> left EventData
// empty, so a rule's attribution (Data Type=server) judged the event
// another program's. Names with an empty prefix or an empty local part,
// and xmlns declarations, are not read, as NameIs does not pass them.
func TestFillEventPrefixedNames(t *testing.T) {
	w := newBXW()
	off, size := w.record(7, testFT, func() {
		w.fragment()
		w.open("Event", false, -1)
		w.closeStart()
		w.open("e:System", false, -1)
		w.closeStart()
		w.open("e:Provider", true, -1)
		w.attr("xmlns:Name", true)
		w.text("NotThis")
		w.attr("e:Name", false)
		w.text("Schannel")
		w.closeEmpty()
		w.open("a:b:EventID", false, -1)
		w.closeStart()
		w.text("36871")
		w.end()
		w.open(":Level", false, -1) // empty prefix: not Level
		w.closeStart()
		w.text("2")
		w.end()
		w.open("e:TimeCreated", true, -1)
		w.attr("e:SystemTime", false)
		w.text("2024-05-01T11:00:00.0000000Z")
		w.closeEmpty()
		w.open("e:Execution", true, -1)
		w.attr("ProcessID", false)
		w.text("680")
		w.closeEmpty()
		w.open("e:Computer", false, -1)
		w.closeStart()
		w.text("vm1.contoso.com")
		w.end()
		w.end()
		w.open("e:EventData", false, -1)
		w.closeStart()
		for _, d := range [][2]string{{"Type", "server"}, {"ErrorState", "10013"}} {
			w.open("e:Data", true, -1)
			w.attr("Name", false)
			w.text(d[0])
			w.closeStart()
			w.text(d[1])
			w.end()
		}
		w.end()
		w.end()
		w.eof()
	})
	ev, err := newChunkDecoder(w.b).decodeRecord(off, size)
	if err != nil {
		t.Fatal(err)
	}
	s := ev.System
	if s.Provider.Name != "Schannel" || s.EventID != 36871 || s.Level != 0 || s.ProcessID != 680 || s.Computer != "vm1.contoso.com" ||
		!s.TimeCreated.Equal(time.Date(2024, 5, 1, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("System %+v", s)
	}
	if v, ok := ev.Data("Type"); !ok || v.String() != "server" {
		t.Errorf("Data Type = %v %v, want server (EventData %+v)", v, ok, ev.EventData)
	}
	if v, ok := ev.Data("ErrorState"); !ok || v.String() != "10013" {
		t.Errorf("Data ErrorState = %v %v, want 10013", v, ok)
	}
	for _, c := range []struct{ name, local, want string }{
		{"e:Provider", "Provider", "Provider"}, {"a:b:EventID", "EventID", "EventID"}, {"Provider", "Provider", "Provider"},
		{":Provider", "Provider", ":Provider"}, {"Provider:", "Provider", "Provider:"}, {"e:xProvider", "Provider", "xProvider"},
	} {
		got := localName(c.name)
		if got != c.want || (got == c.local) != NameIs(c.name, c.local) {
			t.Errorf("localName(%q) = %q, want %q; NameIs %v", c.name, got, c.want, NameIs(c.name, c.local))
		}
	}
}
