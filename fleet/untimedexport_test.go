package fleet_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
)

// TestUntimedExportCopyIsAnUpperBound: two exports of one 50-record
// System log (header times 0), record 25's TimeCreated not read in one
// (a null substitution). evtx.Merge reads it as one record (the same
// channel, EventRecordID and content but for TimeCreated: the second copy
// adds none), but grouping, which reads summaries and no record header
// matches, said "adds 1 of its 50 records" as if it were a record of its
// own. Grouping still counts it (it decodes nothing), but now says the
// count is at most that, and why (Copy.Unsure 1), whichever copy is read
// first; two copies that agree say nothing of the kind.
func TestUntimedExportCopyIsAnUpperBound(t *testing.T) {
	var evs []*evtx.Event
	for i := range 50 {
		ev := evtxtest.EventLog(evtxtest.MinuteLogStart.Add(time.Duration(i)*time.Minute), 6013)
		ev.System.EventRecordID = uint64(100 + i)
		evs = append(evs, ev)
	}
	ex := evtxtest.Exported(evs)
	for _, ev := range ex {
		ev.Written = evtxtest.NoTime
	}
	export := func(o evtxtest.Options) []byte {
		o.MaxRecordsPerChunk = 10
		b, err := evtxtest.Bytes(ex, o)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := export(evtxtest.Options{})
	null := export(evtxtest.Options{NoTimeCreated: func(i int, _ *evtx.Event) bool { return i == 24 }})
	eng := engine(t)
	for _, c := range []struct {
		name         string
		first, other []byte
		unsure       int
		// added is what Merge reads from the second copy: the copy with
		// a TimeCreated, when the first lacks it.
		added int
	}{
		{"untimed second", good, null, 1, 0},
		{"untimed first", null, good, 1, 1},
		{"both timed", good, good, 0, 0},
	} {
		dir := t.TempDir()
		a, d := writeLogFile(t, dir, "a", c.first), writeLogFile(t, dir, "b", c.other)
		m, l := groupCopies(t, c.name, fleet.Options{Channels: eng.Channels(), Accepts: eng.Accepts()}, a, d)
		// What Merge adds from the second copy.
		f, err := l.EvtxLog().Open(evtx.Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			if _, err := f.Next(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			n++
		}
		merged := f.PartAdded()
		f.Close()
		if n != 50 || merged[1] != c.added {
			t.Fatalf("%s: Merge yields %d events, the second copy adds %d; want 50 and %d", c.name, n, merged[1], c.added)
		}
		if l.Records-l.Copies[1].Unsure > n || l.Records < n {
			t.Errorf("%s: the log counts %d records, %d unsure; want Merge's %d within", c.name, l.Records, l.Copies[1].Unsure, n)
		}
		cp := l.Copies[1]
		if cp.Unsure != c.unsure || cp.Added-cp.Unsure > merged[1] || cp.Added < merged[1] {
			t.Errorf("%s: the copy adds %d, %d unsure; want %d unsure, and Merge's %d within", c.name, cp.Added, cp.Unsure, c.unsure, merged[1])
		}
		said, total := false, false
		for _, g := range m.Grouping {
			total = total || strings.Contains(g, "System.evtx: at most 51 records") || c.unsure == 0 && strings.Contains(g, "System.evtx: 50 records")
			if strings.Contains(g, "a copy of") {
				said = strings.Contains(g, "adds at most 1 of its 50 records") && strings.Contains(g, "1 record of them may be a record an earlier copy holds with a TimeCreated that one of the two copies could not read")
				if c.unsure == 0 {
					said = strings.Contains(g, "adds none of its 50 records") && !strings.Contains(g, "at most")
				}
			}
		}
		if !said || !total {
			t.Errorf("%s: grouping %q does not say what the copy adds truthfully", c.name, m.Grouping)
		}
	}
}
