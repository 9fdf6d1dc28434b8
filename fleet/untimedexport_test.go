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
	good := export50(t, evtxtest.Options{}, nil)
	null := export50(t, untimed25, nil)
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
		n, merged := mergedCount(t, l.EvtxLog())
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

// untimed25 writes record 25 (index 24) without a TimeCreated.
var untimed25 = evtxtest.Options{NoTimeCreated: func(i int, _ *evtx.Event) bool { return i == 24 }}

// export50 returns the bytes of an export (evtxtest.Exported, header
// times 0) of a 50-record System log (EventLog 6013 a minute apart,
// EventRecordID 100 to 149), 10 records a chunk, written with o; edit,
// when not nil, changes each exported event first.
func export50(t *testing.T, o evtxtest.Options, edit func(i int, ev *evtx.Event)) []byte {
	t.Helper()
	var evs []*evtx.Event
	for i := range 50 {
		ev := evtxtest.EventLog(evtxtest.MinuteLogStart.Add(time.Duration(i)*time.Minute), 6013)
		ev.System.EventRecordID = uint64(100 + i)
		evs = append(evs, ev)
	}
	ex := evtxtest.Exported(evs)
	for i, ev := range ex {
		ev.Written = evtxtest.NoTime
		if edit != nil {
			edit(i, ev)
		}
	}
	o.MaxRecordsPerChunk = 10
	b, err := evtxtest.Bytes(ex, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mergedCount reads l and returns how many events it yields and what each
// part added (evtx.Reader.PartAdded).
func mergedCount(t *testing.T, l *evtx.Log) (int, []int) {
	t.Helper()
	f, err := l.Open(evtx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for {
		if _, err := f.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n, f.PartAdded()
}

// TestUntimedExportUnsureIsNoMore: why grouping counts a record without a
// TimeCreated read that only an export's copy holds at most (Copy.Unsure)
// and not exactly, as evtx.Merge does. Two exports of one log, record 25
// without a TimeCreated in the second, once with the first's content
// (Merge: one record, 50) and once with another ProcessID (Merge: two
// records, 51, as its content differs: evtx.Event.TimelessIdentity).
// Grouping reads, of each record, its summary (channel, provider,
// computer, record number, header time, event id, EventRecordID,
// TimeCreated) and decodes none: the two cases read alike, so every
// count grouping makes is the same in both, and no count from what it
// read can equal Merge's in both. Both lie within the bound it gives.
func TestUntimedExportUnsureIsNoMore(t *testing.T) {
	good := export50(t, evtxtest.Options{}, nil)
	same := export50(t, untimed25, nil)
	other := export50(t, untimed25, func(i int, ev *evtx.Event) {
		if i == 24 {
			ev.System.ProcessID++
		}
	})
	eng := engine(t)
	o := fleet.Options{Channels: eng.Channels(), Accepts: eng.Accepts()}
	type counts struct{ records, added, unsure, differ int }
	for _, untimedFirst := range []bool{false, true} {
		var got []counts
		for _, c := range []struct {
			name   string
			second []byte
			want   int // what Merge reads
		}{{"same content", same, 50}, {"another ProcessID", other, 51}} {
			dir := t.TempDir()
			first, second := good, c.second
			if untimedFirst {
				first, second = second, first
			}
			_, l := groupCopies(t, c.name, o, writeLogFile(t, dir, "a", first), writeLogFile(t, dir, "b", second))
			if n, _ := mergedCount(t, l.EvtxLog()); n != c.want {
				t.Fatalf("%s, untimed first %v: Merge yields %d events, want %d", c.name, untimedFirst, n, c.want)
			} else if cp := l.Copies[1]; l.Records < n || l.Records-cp.Unsure > n {
				t.Errorf("%s, untimed first %v: grouping counts %d records, %d unsure; want Merge's %d within", c.name, untimedFirst, l.Records, cp.Unsure, n)
			}
			got = append(got, counts{l.Records, l.Copies[1].Added, l.Copies[1].Unsure, l.Copies[1].Differ})
		}
		if got[0] != got[1] {
			t.Errorf("untimed first %v: grouping counts %+v with the same content, %+v with another: it reads the two alike", untimedFirst, got[0], got[1])
		}
		if got[0].unsure != 1 {
			t.Errorf("untimed first %v: %d unsure, want 1", untimedFirst, got[0].unsure)
		}
	}
}
