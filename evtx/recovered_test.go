package evtx

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExtraRecordsAreReal looks at every record we yield from the real
// samples (with Options.Recover) that libevtx (evtxexport -m all) does
// not, and checks that it is a real record rather than garbage, or flagged
// as partial (Event.Partial, its values kept in Event.Unresolved and
// reported as a FormatError at its offset). A real record: its header and trailing size copy are
// intact (re-read here from the file), its body names the same record id
// as its header, it has a provider and a creation time, and its record id
// continues a sequence with a neighbour in the same chunk. It also sorts
// them by why libevtx misses them: past the chunk's free space offset or
// last record id (slack of an older use of the chunk, or written after the
// header was last updated), in a chunk past the file header's count or with
// a damaged header, or inside the range the chunk header accounts for
// (libevtx's decoder gave up on them).
func TestExtraRecordsAreReal(t *testing.T) {
	var total, beyond, damagedChunk, inRange, partial int
	for _, s := range realSamples(t) {
		want := make(map[string]bool)
		for _, g := range readGolden(t, s) {
			want[g.key()] = true
		}
		data, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReaderOptions(bytesReaderAt(data), int64(len(data)), Options{Workers: 2, Name: s, Recover: true})
		if err != nil {
			t.Fatal(err)
		}
		hdrChunks := int(r.Header().ChunkCount)
		evs := readAll(t, r)
		reported := make(map[int64]bool)
		for _, e := range r.Errors() {
			if strings.Contains(e.Error(), "decoded in part") {
				reported[e.Offset] = true
			}
		}
		// ids of every record header in each chunk, to check sequences
		ids := make(map[int]map[uint64]bool)
		for ci := 0; int64(fileHeaderBlock)+int64(ci)*chunkSize < int64(len(data)); ci++ {
			c := data[fileHeaderBlock+ci*chunkSize : min(len(data), fileHeaderBlock+(ci+1)*chunkSize)]
			ids[ci] = make(map[uint64]bool)
			for o := chunkHeaderSize; o+recordHeaderSize <= len(c); o += 8 {
				if string(c[o:o+4]) == "**\x00\x00" {
					ids[ci][binary.LittleEndian.Uint64(c[o+8:])] = true
				}
			}
		}
		n := 0
		for _, ev := range evs {
			if want[libOf(ev).key()] {
				continue
			}
			n++
			total++
			off := ev.Source.Offset
			if ev.Partial != "" {
				partial++
				if len(ev.Unresolved) == 0 || !reported[off] {
					t.Errorf("%s: partial record %d at %#x: %d values, reported %v", filepath.Base(s), ev.RecordID, off, len(ev.Unresolved), reported[off])
				}
				continue
			}
			rec := data[off:]
			size := int(binary.LittleEndian.Uint32(rec[4:]))
			if string(rec[:4]) != "**\x00\x00" || size < minRecordSize || int64(size) > int64(len(rec)) ||
				binary.LittleEndian.Uint32(rec[size-4:]) != uint32(size) {
				if !(size == 0 && binary.LittleEndian.Uint64(rec[8:]) == ev.RecordID) { // the salvaged zero-size record
					t.Errorf("%s: record at %#x: header or size copy not intact", filepath.Base(s), off)
				}
			}
			coff := int64(fileHeaderBlock) + int64(ev.Source.Chunk)*chunkSize
			h := parseChunkHeader(data[coff : coff+chunkHeaderSize])
			// A record the chunk header accounts for (before the free space
			// offset, id in the header's range, header intact) is vouched
			// for by the header; others must also carry their own record id
			// in the body and continue a sequence of record ids.
			vouched := off-coff < int64(h.FreeSpaceOffset) && ev.RecordID >= h.FirstRecordID && ev.RecordID <= h.LastRecordID && h.SignatureOK && h.ChecksumOK
			if !vouched {
				if ev.System.EventRecordID != ev.RecordID {
					t.Errorf("%s: record at %#x: header id %d, body EventRecordID %d", filepath.Base(s), off, ev.RecordID, ev.System.EventRecordID)
				}
				if m := ids[ev.Source.Chunk]; !m[ev.RecordID-1] && !m[ev.RecordID+1] {
					t.Errorf("%s: record %d at %#x: no neighbouring record id in its chunk", filepath.Base(s), ev.RecordID, off)
				}
			}
			if ev.System.Provider.Name == "" || ev.System.TimeCreated.IsZero() {
				t.Errorf("%s: record %d at %#x: no provider or creation time", filepath.Base(s), ev.RecordID, off)
			}
			switch {
			case off-coff >= int64(h.FreeSpaceOffset) || ev.RecordID > h.LastRecordID || ev.RecordID < h.FirstRecordID:
				beyond++
			case ev.Source.Chunk >= hdrChunks || !h.SignatureOK || !h.ChecksumOK:
				damagedChunk++
			default:
				inRange++
			}
		}
		if n > 0 {
			t.Logf("%s: %d records libevtx does not read", filepath.Base(s), n)
		}
	}
	t.Logf("%d extra records: %d partial; %d past the chunk's free space offset or record id range, %d in uncounted or damaged chunks, %d inside the chunk header's range", total, partial, beyond, damagedChunk, inRange)
	if total == 0 {
		t.Error("expected records libevtx does not read (slack records) in the samples")
	}
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func readAll(t testing.TB, r *Reader) []*Event {
	t.Helper()
	var evs []*Event
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
}
