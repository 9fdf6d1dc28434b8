package evtx_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// damageTimeType changes, in the log b (as evtxtest writes it), the type
// of the TimeCreated value (FILETIME, 0x11, 8 bytes) of the record whose
// record header number is rec to SizeT (0x10): the bytes are there, the
// time is not read (Event.System.TimeCreated zero), the record's size,
// number and header time unchanged. vouch makes the chunk's checksums
// right again.
func damageTimeType(t *testing.T, b []byte, rec uint64, vouch bool) []byte {
	t.Helper()
	d := bytes.Clone(b)
	ch, r := recordOf(t, d, rec)
	desc := []byte{8, 0, 0x11, 0}
	i := bytes.Index(r, desc)
	if i < 0 || bytes.Contains(r[i+1:], desc) {
		t.Fatalf("record %d: its TimeCreated descriptor is not in it once", rec)
	}
	r[i+2] = 0x10
	if vouch {
		evtxtest.SetChunkChecksums(ch)
	}
	return d
}

// recordOf returns the chunk of the log d (as evtxtest writes it) that
// holds the record whose record header number is rec, and that record's
// bytes, both slices of d.
func recordOf(t *testing.T, d []byte, rec uint64) (chunk, record []byte) {
	t.Helper()
	chunk, record, _ = findRecord(d, rec)
	if record == nil {
		t.Fatalf("no record %d", rec)
	}
	return chunk, record
}

// findRecord is recordOf without a test: the chunk, the record and the
// record's offset in d, or nils when no record has header number rec.
func findRecord(d []byte, rec uint64) (chunk, record []byte, at int) {
	const hdr, size = 4096, 65536
	le := binary.LittleEndian
	for c := hdr; c+size <= len(d); c += size {
		ch := d[c : c+size]
		for o := 512; o+24 < len(ch) && bytes.Equal(ch[o:o+4], []byte("**\x00\x00")); o += int(le.Uint32(ch[o+4:])) {
			if le.Uint64(ch[o+8:]) == rec {
				return ch, ch[o : o+int(le.Uint32(ch[o+4:]))], c + o
			}
		}
	}
	return nil, nil, 0
}

// mergedRead is what readMerged reads of a log.
type mergedRead struct {
	got       []string // the events described
	order     []uint64 // every event's record number, in the order yielded
	stats     evtx.Stats
	added     []int // PartAdded
	conflicts []*evtx.FormatError
}

// readMerged reads the log l and returns describe's text of each event
// yielded for which it is not "", with "!" and the file of the other copy
// appended when the event is marked (Event.ConflictOf); every event's
// record number in the order yielded; the Stats, PartAdded and the
// ErrConflict problems.
func readMerged(t *testing.T, l *evtx.Log, describe func(*evtx.Event) string) mergedRead {
	t.Helper()
	f, err := l.Open(evtx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r mergedRead
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		r.order = append(r.order, ev.RecordID)
		s := describe(ev)
		if s == "" {
			continue
		}
		if ev.ConflictOf != nil {
			s += " !" + ev.ConflictOf.File
		}
		r.got = append(r.got, s)
	}
	for _, e := range f.Errors() {
		if errors.Is(e, evtx.ErrConflict) {
			r.conflicts = append(r.conflicts, e)
		}
	}
	r.stats, r.added = f.Stats(), f.PartAdded()
	return r
}

// byERID reads the merged log and returns, for each event yielded whose
// EventRecordID is id, its file, TimeCreated ("-" when not read) and "!"
// when marked (Event.ConflictOf); the Stats, PartAdded and the
// ErrConflict problems.
func byERID(t *testing.T, l *evtx.Log, id uint64) ([]string, evtx.Stats, []int, []*evtx.FormatError) {
	t.Helper()
	r := readMerged(t, l, func(ev *evtx.Event) string {
		if ev.System.EventRecordID != id {
			return ""
		}
		tc := "-"
		if !ev.System.TimeCreated.IsZero() {
			tc = evtx.FormatTime(ev.System.TimeCreated)
		}
		return ev.Source.File + " " + tc
	})
	return r.got, r.stats, r.added, r.conflicts
}

// filteredExport returns the bytes of a log saved from a filtered view
// of the 30 records of events (EventRecordID 1 to 30): every third
// record (2, 5, ...) left out, the others renumbered from 1 and their
// record header times 0, as "Save Filtered Log File As" and wevtutil epl
// with a query leave them (evtxtest.Exported).
func filteredExport(t *testing.T, events []*evtx.Event) []byte {
	t.Helper()
	var keep []*evtx.Event
	for i, ev := range events {
		c := *ev
		c.System.EventRecordID = uint64(i + 1)
		if i%3 != 1 {
			keep = append(keep, &c)
		}
	}
	ex := evtxtest.Exported(keep)
	for _, ev := range ex {
		ev.Written = evtxtest.NoTime
	}
	b, err := evtxtest.Bytes(ex, evtxtest.Options{MaxRecordsPerChunk: 10})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// minuteEvents are the events of evtxtest.MinuteLog(n).
func minuteEvents(n int) []*evtx.Event {
	var evs []*evtx.Event
	for i := range n {
		evs = append(evs, evtxtest.EventLog(evtxtest.MinuteLogStart.Add(time.Duration(i)*time.Minute), 6013))
	}
	return evs
}

// TestMergeCopyWithoutTimeCreated: two copies of a 30-record log, record
// 15's TimeCreated not read in one of them (a null substitution, or its
// value's type damaged, with the chunk checksums right or wrong; in a
// live log and in a filtered export, renumbered, header times 0). Merge
// keyed the record without TimeCreated by its whole identity only, so it
// matched no copy: 31 events, record 15 twice, no word. Now it is one
// record when its channel, EventRecordID and content but for TimeCreated
// agree (TimeCreated, unreadable in one copy, is not compared): 30
// events, a duplicate, no conflict, and the copy yielded is the one with
// TimeCreated, whichever part is read first.
func TestMergeCopyWithoutTimeCreated(t *testing.T) {
	intact, err := evtxtest.MinuteLog(30, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	null, err := evtxtest.MinuteLog(30, evtxtest.Options{NoTimeCreated: func(i int, _ *evtx.Event) bool { return i == 14 }})
	if err != nil {
		t.Fatal(err)
	}
	export := filteredExport(t, minuteEvents(30))
	const want = "2024-05-01T00:14:00.0000000Z"
	dir := t.TempDir()
	for _, c := range []struct {
		name           string
		intact, damage []byte
		n              int
	}{
		{"null substitution", intact, null, 30},
		{"type damaged", intact, damageTimeType(t, intact, 15, false), 30},
		{"type damaged, checksums right", intact, damageTimeType(t, intact, 15, true), 30},
		// In the export, EventRecordID 15 is record 10.
		{"export, type damaged", export, damageTimeType(t, export, 10, true), 20},
	} {
		a := conflictCopy(t, dir, strings.ReplaceAll(c.name, " ", "-")+"-intact", c.intact)
		d := conflictCopy(t, dir, strings.ReplaceAll(c.name, " ", "-")+"-damaged", c.damage)
		for _, parts := range [][]*evtx.Log{{a, d}, {d, a}} {
			name := fmt.Sprintf("%s, %s first", c.name, parts[0].Path)
			got, st, added, cs := byERID(t, evtx.Merge(parts...), 15)
			if len(got) != 1 || got[0] != a.Path+" "+want {
				t.Errorf("%s: EventRecordID 15 yielded as %q, want once, from %s at %s", name, got, a.Path, want)
			}
			if st.Records != c.n || st.Duplicates != c.n || st.Conflicts != 0 || len(cs) != 0 || added[0]+added[1] != c.n {
				t.Errorf("%s: %d events, %d duplicates, %d conflicts %v, added %v; want %d, %d, none", name, st.Records, st.Duplicates, st.Conflicts, cs, added, c.n, c.n)
			}
		}
	}
}

// TestMergeExportsTimeConflict: two filtered exports of one log
// (renumbered, record header times 0) whose EventRecordID 15 differs in
// TimeCreated alone (a second later in one) are copies of one record
// that differ, as a live log's copies of one record number, header time
// and size are: before, Merge could not tell (no header time to match
// them by), yielded both unmarked and said nothing; now the copy read
// later is marked (Event.ConflictOf: both chunks' checksums verify),
// Stats.Conflicts is 1, and its problem (ErrConflict) names the other
// copy and its TimeCreated. Copies whose content differs (another event
// under EventRecordID 15) were and are a conflict too.
func TestMergeExportsTimeConflict(t *testing.T) {
	a := filteredExport(t, minuteEvents(30))
	late := minuteEvents(30)
	late[14].System.TimeCreated = late[14].System.TimeCreated.Add(time.Second)
	other := minuteEvents(30)
	other[14] = evtxtest.EventLog(other[14].System.TimeCreated, 6005)
	dir := t.TempDir()
	la := conflictCopy(t, dir, "a", a)
	for _, c := range []struct {
		name, with string
		b          []byte
		own        string
	}{
		{"time", "(the same channel, EventRecordID and content but for TimeCreated), with TimeCreated 2024-05-01T00:14:00.0000000Z", filteredExport(t, late), "2024-05-01T00:14:01.0000000Z"},
		{"content", "with other content", filteredExport(t, other), "2024-05-01T00:14:00.0000000Z"},
	} {
		lb := conflictCopy(t, dir, c.name, c.b)
		got, st, _, cs := byERID(t, evtx.Merge(la, lb), 15)
		want := []string{la.Path + " 2024-05-01T00:14:00.0000000Z", lb.Path + " " + c.own + " !" + la.Path}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: EventRecordID 15 yielded as %q, want %q", c.name, got, want)
		}
		if st.Renumbered == 0 || st.ZeroWritten == 0 {
			t.Errorf("%s: %d renumbered, %d header times 0: not an export", c.name, st.Renumbered, st.ZeroWritten)
		}
		if st.Conflicts != 1 || st.Records != 21 || len(cs) != 1 {
			t.Errorf("%s: %d conflicts %v, %d events; want 1 and 21 (the marked copy counted once by readers)", c.name, st.Conflicts, cs, st.Records)
			continue
		}
		if e := cs[0]; e.File != lb.Path || e.Record != 10 || !strings.Contains(e.Error(), fmt.Sprintf("is in %s too, as record 10 at offset %#x", la.Path, e.Offset)) || !strings.Contains(e.Error(), c.with) {
			t.Errorf("%s: problem %q at %s record %d; want it at %s record 10 naming %s and %q", c.name, e.Error(), e.File, e.Record, lb.Path, la.Path, c.with)
		}
	}
}
