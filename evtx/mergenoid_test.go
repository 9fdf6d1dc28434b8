package evtx_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestMergeNoEventRecordIDRenumbered: two copies of a log whose record 15
// has no EventRecordID (its substitution 0: Identity falls back to the
// record number), the second copy's record header numbering it 115 (a
// byte of the header changed), its event the same. Merge keyed it by the
// record number alone and yielded it from both copies, unmarked: its
// evidence counted twice (found by FuzzMergeCopies on CI, 2026-12-02).
// Now a record without EventRecordID whose event (channel, TimeCreated
// and content) is the same as another part's is that record: yielded
// once, the other copy counted in Stats.Duplicates, in either order and
// whether or not the damaged copy's checksums were set right again, and
// so is one whose TimeCreated could not be read in either copy. A
// record of the same event in the same file twice stays that file's
// (both yielded), as its Reader yields them.
func TestMergeNoEventRecordIDRenumbered(t *testing.T) {
	b, _, err := evtxtest.ConflictLog()
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	noID, _, err := noEventRecordID(b, 15)
	if err != nil {
		t.Fatal(err)
	}
	// untimed: its TimeCreated could not be read in either copy either
	// (takeUntimed's path).
	untimed := damageTimeType(t, noID, 15, true)
	for _, tc := range []struct {
		name  string
		log   []byte
		vouch bool
	}{{"timed, vouched", noID, true}, {"timed", noID, false}, {"untimed, vouched", untimed, true}, {"untimed", untimed, false}} {
		vouch, noID := tc.vouch, tc.log
		renum := bytes.Clone(noID)
		ch, rec := recordOf(t, renum, 15)
		le.PutUint64(rec[8:], 115)
		if vouch {
			evtxtest.SetChunkChecksums(ch)
		}
		dir := t.TempDir()
		a := conflictCopy(t, dir, "a", noID)
		c := conflictCopy(t, dir, "b", renum)
		alone := readMerged(t, a, func(*evtx.Event) string { return "" })
		for _, order := range [][2]*evtx.Log{{a, c}, {c, a}} {
			r := readMerged(t, evtx.Merge(order[0], order[1]), func(ev *evtx.Event) string {
				if ev.System.EventRecordID != 0 {
					return ""
				}
				return fmt.Sprintf("%d", ev.RecordID)
			})
			name := fmt.Sprintf("%s, %s first", tc.name, order[0].Path)
			if len(r.got) != 1 {
				t.Errorf("%s: the record without EventRecordID yielded as %q, want once", name, r.got)
			}
			if r.stats.Records != alone.stats.Records || r.stats.Duplicates != alone.stats.Records+alone.stats.Duplicates {
				t.Errorf("%s: %d events, %d duplicates; want the log's %d events, and as many duplicates", name, r.stats.Records, r.stats.Duplicates, alone.stats.Records)
			}
			if len(r.conflicts) != 0 {
				t.Errorf("%s: conflicts %v, want none (the copies' events are the same)", name, r.conflicts)
			}
		}
	}
}

// noEventRecordID returns a copy of the log b (as evtxtest writes it)
// whose record of record header number rec has its EventRecordID (rec,
// a UInt64 substitution) set to 0, its chunk's checksums set right, and
// the offset in it of that record's header record number.
func noEventRecordID(b []byte, rec uint64) ([]byte, int, error) {
	le := binary.LittleEndian
	d := bytes.Clone(b)
	ch, r, at := findRecord(d, rec)
	if r == nil {
		return nil, 0, fmt.Errorf("no record %d", rec)
	}
	body := r[24:]
	old := le.AppendUint64(nil, rec)
	i := bytes.Index(body, old)
	if i < 0 || bytes.Contains(body[i+1:], old) {
		return nil, 0, fmt.Errorf("EventRecordID %d is not in record %d's event once", rec, rec)
	}
	le.PutUint64(body[i:], 0)
	evtxtest.SetChunkChecksums(ch)
	return d, at + 8, nil
}
