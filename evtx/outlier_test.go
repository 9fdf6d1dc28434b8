package evtx_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestLostRecordsOutlierNumber: one record whose record header's number
// has a bit flipped, its checksums right (crafted, or rotten before they
// were computed), does not widen its chunk's span over the run of records
// lost after it. The record of chunk 2 (records 21..30) numbered 25 with
// bit 40 set, chunk 3 (31..40) zeroed: LostRecords said nothing, the span
// of chunk 2 reaching 1099511627801; record 30 numbered 14 (bit 4) made a
// span 14..29 and named record 30, which the chunk holds, lost (29..41).
// The records set apart are held all the same: a run is cut at one inside
// it. No number of a run returned is that of a record Next yields or
// evtxexport -m all reads (its "Event number" is the record header's).
//
// Where the chunk header is believed and the record lies before its free
// space offset (renumbered), the record is read as its EventRecordID,
// which lies in the header's range (damagedRecordID), and elsewhere
// (the header's checksum wrong, the record past its free space offset)
// too, when the records beside it continue that EventRecordID
// (neighbouredRecordID): it stands for itself, and evtxexport's number for it, the flipped one, is not a record
// (27 numbered 31 is 27; record 31 was lost with chunk 3).
func TestLostRecordsOutlierNumber(t *testing.T) {
	le := binary.LittleEndian
	// recordOff returns the offset in chunk c of its n-th record (from 0).
	recordOff := func(c []byte, n int) int {
		off := 512
		for range n {
			off += int(le.Uint32(c[off+4:]))
		}
		return off
	}
	cases := []struct {
		name     string
		o        evtxtest.Options
		chunk, n int  // the record: chunk position, record of it
		bit      uint // flipped in its number
		salvaged bool // its size fields zeroed too
		slack    bool // a copy of it and of the next, in the chunk's slack, salvaged
		want     string
		// The record numbers After and Before have: an outlier standing
		// for the run's end has its own.
		after, before uint64
	}{
		{"first record, bit 40", evtxtest.Options{}, 2, 0, 40, false, false, "30..41", 30, 41},
		{"middle record, bit 40", evtxtest.Options{}, 2, 4, 40, false, false, "30..41", 30, 41},
		{"last record, bit 40", evtxtest.Options{}, 2, 9, 40, false, false, "30..41", 30, 41},
		{"first record, bit 4", evtxtest.Options{}, 2, 0, 4, false, false, "30..41", 30, 41},
		{"middle record, bit 4", evtxtest.Options{}, 2, 4, 4, false, false, "30..41", 30, 41},
		{"last record, bit 4", evtxtest.Options{}, 2, 9, 4, false, false, "30..41", 30, 41},
		// 27 with bit 2 is 31: a record numbered 31 is in the file, read
		// as 27.
		{"middle record numbered inside the run", evtxtest.Options{}, 2, 6, 2, false, false, "30..41", 30, 41},
		{"first record after the run, bit 40", evtxtest.Options{}, 4, 0, 40, false, false, "30..41", 30, 41},
		{"last record after the run, bit 40", evtxtest.Options{}, 4, 9, 40, false, false, "30..41", 30, 41},
		// The chunk header not believed: the largest cluster of numbers.
		{"middle record, bit 40, chunk header checksum wrong", evtxtest.Options{BadChunkHeaderCRC: []int{2}}, 2, 4, 40, false, false, "30..41", 30, 41},
		// Size fields zero: salvaged (not yielded: its EventRecordID is
		// not its number).
		{"salvaged record, bit 40", evtxtest.Options{}, 2, 4, 40, true, false, "30..41", 30, 41},
		// A salvaged record of the slack, numbered apart: its own
		// EventRecordID (25) is not 31, it does not stand for it.
		{"salvaged record in slack, bit 40", evtxtest.Options{}, 2, 4, 40, true, true, "30..41", 30, 41},
		// Chunk 2's last three records past its header's count (a dirty
		// chunk): they continue its run. The flipped one is read as its
		// EventRecordID, which the records beside it continue
		// (neighbouredRecordID): the last, record 30, stands for itself
		// (before, it was an outlier that stood for the run's end by its
		// flipped number, 1099511627806).
		{"uncounted record, bit 40", evtxtest.Options{Dirty: true}, 2, 8, 40, false, false, "30..41", 30, 41},
		{"last uncounted record, bit 40", evtxtest.Options{Dirty: true}, 2, 9, 40, false, false, "30..41", 30, 41},
	}
	dir := ""
	if _, err := exec.LookPath("evtxexport"); err == nil {
		dir = t.TempDir()
	}
	for _, c := range cases {
		b, _ := lostLog(t, c.o, 3)
		ch := b[4096+c.chunk*65536 : 4096+(c.chunk+1)*65536]
		off := recordOff(ch, c.n)
		id := le.Uint64(ch[off+8:])
		le.PutUint64(ch[off+8:], id^(1<<c.bit))
		// Read as its EventRecordID: by the chunk header, or where it
		// does not vouch (its checksum wrong, past its free space
		// offset) by the records beside it.
		renumbered := !c.salvaged
		if c.slack {
			// Records n and n+1 copied past the free space offset, the
			// record itself as it was.
			free := int(le.Uint32(ch[48:]))
			end := recordOff(ch, c.n+2)
			copy(ch[free:], ch[off:end])
			le.PutUint64(ch[off+8:], id)
			off = free
		}
		if c.salvaged {
			size := int(le.Uint32(ch[off+4:]))
			le.PutUint32(ch[off+4:], 0)
			le.PutUint32(ch[off+size-4:], 0)
		}
		if c.o.Dirty {
			// The chunk header counts records 21..27: its last record
			// and free space offset those of record 27.
			le.PutUint64(ch[16:], 27)
			le.PutUint64(ch[32:], 27)
			le.PutUint32(ch[44:], uint32(recordOff(ch, 6)))
			le.PutUint32(ch[48:], uint32(recordOff(ch, 7)))
		}
		if len(c.o.BadChunkHeaderCRC) == 0 {
			evtxtest.SetChunkChecksums(ch)
		}
		for _, walk := range []bool{false, true} {
			restore := evtx.SetLostScanOff(walk)
			rd, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			held := map[uint64]bool{}
			for {
				ev, err := rd.Next()
				if err != nil {
					break
				}
				held[ev.RecordID] = true
			}
			got := rd.LostRecords()
			restore()
			line := ""
			for _, l := range got {
				line += fmt.Sprintf("%d..%d ", l.AfterID, l.BeforeID)
				for id := l.AfterID + 1; id < l.BeforeID; id++ {
					if held[id] {
						t.Errorf("%s (walk %v): record %d, which Next yields, named lost", c.name, walk, id)
					}
				}
			}
			if line != c.want+" " {
				t.Errorf("%s (walk %v): lost %q, want %q", c.name, walk, line, c.want)
				continue
			}
			if l := got[0]; l.After == nil || l.After.RecordID != c.after || l.Before == nil || l.Before.RecordID != c.before {
				t.Errorf("%s (walk %v): the records either side %s, want %d and %d", c.name, walk, lostLine(got), c.after, c.before)
			}
		}
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, "outlier.evtx")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("evtxexport", "-m", "all", p).Output()
		if err != nil {
			t.Fatalf("evtxexport: %v", err)
		}
		lib := map[uint64]bool{}
		for _, m := range regexp.MustCompile(`Event number\s*: (\d+)`).FindAllSubmatch(out, -1) {
			n, _ := strconv.ParseUint(string(m[1]), 10, 64)
			lib[n] = true
		}
		if renumbered {
			// evtxexport reads the header's number; the reader the
			// EventRecordID.
			delete(lib, id^(1<<c.bit))
			lib[id] = true
		}
		var lo, hi uint64
		fmt.Sscanf(c.want, "%d..%d", &lo, &hi)
		for n := lo + 1; n < hi; n++ {
			if lib[n] {
				t.Errorf("%s: record %d named lost, evtxexport -m all reads it", c.name, n)
			}
		}
		if !lib[c.after] || !lib[c.before] {
			t.Errorf("%s: evtxexport -m all reads no record %d or %d, either side of the run", c.name, c.after, c.before)
		}
	}
}
