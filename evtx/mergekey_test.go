package evtx_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// keyDamaged returns a copy of conflictLog's bytes b whose record 15
// (chunk 1) has one of the fields Merge keys records by changed in its
// event, its record header (number, time, size) and everything else
// unchanged: "created" adds 100 ns to its TimeCreated, "id" makes its
// EventRecordID 115. vouch sets the chunk's checksums right again.
func keyDamaged(t *testing.T, b []byte, field string, vouch bool) []byte {
	t.Helper()
	le := binary.LittleEndian
	d := bytes.Clone(b)
	ch, rec := recordOf(t, d, 15)
	body := rec[24:]
	var old []byte
	switch field {
	case "created":
		old = le.AppendUint64(nil, le.Uint64(rec[16:]))
	case "id":
		old = le.AppendUint64(nil, 15)
	}
	i := bytes.Index(body, old)
	if i < 0 || bytes.Contains(body[i+1:], old) {
		t.Fatalf("%s: the value is not in record 15's event once", field)
	}
	if field == "created" {
		le.PutUint64(body[i:], le.Uint64(old)+1)
	} else {
		le.PutUint64(body[i:], 115)
	}
	if vouch {
		evtxtest.SetChunkChecksums(ch)
	}
	return d
}

// record15 reads the merged log and returns, for each event yielded whose
// record number is 15, its file, EventRecordID, TimeCreated and "!" when
// marked (Event.ConflictOf), plus the record numbers in the order
// yielded, the Stats and the ErrConflict problems.
func record15(t *testing.T, l *evtx.Log) ([]string, []uint64, evtx.Stats, []*evtx.FormatError) {
	t.Helper()
	r := readMerged(t, l, func(ev *evtx.Event) string {
		if ev.RecordID != 15 {
			return ""
		}
		return fmt.Sprintf("%s %d %s", ev.Source.File, ev.System.EventRecordID, evtx.FormatTime(ev.System.TimeCreated))
	})
	return r.got, r.order, r.stats, r.conflicts
}

// TestMergeKeyConflict: two copies of a log whose record 15 differs in a
// field Merge keys records by (its TimeCreated 100 ns later, or its
// EventRecordID 115 instead of 15), its record header (number, time,
// size) the same. Merge took them for two records, yielded both unmarked
// and said nothing. Now they are one record whose copies differ: the
// chunk checksums decide as for copies whose content differs (the copy
// they vouch for is used, the other set aside), or, when they cannot,
// both are yielded, the later marked; Stats.Conflicts is 1 and the
// problem (ErrConflict) at the copy set aside or marked names the other
// copy, its record number and offset, and that copy's value of the field
// that differs.
func TestMergeKeyConflict(t *testing.T) {
	b, _, err := evtxtest.ConflictLog()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	intact := conflictCopy(t, dir, "intact", b)
	for _, field := range []string{"created", "id"} {
		damaged := conflictCopy(t, dir, field+"-damaged", keyDamaged(t, b, field, false))
		vouched := conflictCopy(t, dir, field+"-vouched", keyDamaged(t, b, field, true))
		good := fmt.Sprintf("%s 15 2024-05-01T12:15:00.0000000Z", intact.Path)
		differs, own := "TimeCreated 2024-05-01T12:15:00.0000000Z", "EventRecordID 15, TimeCreated 2024-05-01T12:15:00.0000001Z"
		bad := func(l *evtx.Log) string { return fmt.Sprintf("%s 15 2024-05-01T12:15:00.0000001Z", l.Path) }
		if field == "id" {
			differs, own = "EventRecordID 15", "EventRecordID 115, TimeCreated 2024-05-01T12:15:00.0000000Z"
			bad = func(l *evtx.Log) string { return fmt.Sprintf("%s 115 2024-05-01T12:15:00.0000000Z", l.Path) }
		}
		for _, c := range []struct {
			name    string
			parts   []*evtx.Log
			want    []string
			at      *evtx.Log // the copy the problem is at
			other   *evtx.Log // the copy it names
			because string
		}{
			{"damaged first", []*evtx.Log{damaged, intact}, []string{good}, damaged, intact, "that copy is used and this one set aside"},
			{"intact first", []*evtx.Log{intact, damaged}, []string{good}, damaged, intact, "that copy is used and this one set aside"},
			{"both verify", []*evtx.Log{intact, vouched}, []string{good, bad(vouched) + " !" + intact.Path}, vouched, intact, "both are yielded, since the chunk checksums of both copies verify"},
		} {
			got, order, st, cs := record15(t, evtx.Merge(c.parts...))
			name := field + ", " + c.name
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("%s: record 15 yielded as\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if st.Conflicts != 1 || st.Records != 30+len(c.want)-1 || len(order) != st.Records {
				t.Errorf("%s: %d conflicts, %d events; want 1 and %d", name, st.Conflicts, st.Records, 30+len(c.want)-1)
			}
			if len(cs) != 1 {
				t.Errorf("%s: ErrConflict problems %v, want 1", name, cs)
				continue
			}
			e := cs[0]
			if msg := e.Error(); e.File != c.at.Path || e.Record != 15 || e.Chunk != 1 ||
				!strings.Contains(msg, fmt.Sprintf("is in %s too, as record 15 at offset %#x (the same record number, header time and size), with %s", c.other.Path, e.Offset, differs)) ||
				!strings.Contains(msg, c.because) || !strings.Contains(msg, own+" is in") {
				t.Errorf("%s: problem %q at %s record %d; want it at %s, naming %s, %q and %q", name, msg, e.File, e.Record, c.at.Path, c.other.Path, differs, c.because)
			}
		}
	}
}

// TestMergeHeldInPlace: a record held for a decision (its chunk's
// checksums do not vouch for it, in a copy another follows) came out
// after every other record of the copies; it comes out in its place in
// the order of its copy, and a copy another part gives in its place
// (one its checksums vouch for) comes out there too.
func TestMergeHeldInPlace(t *testing.T) {
	b, at, err := evtxtest.ConflictLog()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	intact := conflictCopy(t, dir, "intact", b)
	d := bytes.Clone(b)
	d[at+2*11] = '8'
	damaged := conflictCopy(t, dir, "damaged", d)
	d2 := bytes.Clone(b)
	d2[at+2*11] = '9'
	other := conflictCopy(t, dir, "other", d2)
	// Chunk 1 (records 11 to 20) of the copy read first is held: the
	// records come out in its order all the same, the one the copy read
	// later gives marked after them (where that copy's records come).
	var want []uint64
	for i := uint64(1); i <= 30; i++ {
		want = append(want, i)
	}
	for _, c := range []struct {
		name  string
		parts []*evtx.Log
		want  []uint64
	}{
		{"damaged first", []*evtx.Log{damaged, intact}, want},
		{"neither verifies", []*evtx.Log{other, damaged}, append(append([]uint64(nil), want...), 15)},
	} {
		_, order, _, _ := record15(t, evtx.Merge(c.parts...))
		if fmt.Sprint(order) != fmt.Sprint(c.want) {
			t.Errorf("%s: record numbers in the order yielded %v, want %v", c.name, order, c.want)
		}
	}
}
