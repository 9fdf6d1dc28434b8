package evtx_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestCutRecordWording: a record whose trailing size copy differs from
// its header's size (the copy never written) is said to have been being
// written when the log stopped only where the file shows it: the file
// header's dirty flag is set, the chunk is the newest (its header counts
// the highest record number) and no record follows it in the chunk.
// Elsewhere (the log closed cleanly, an older chunk) it is cut short or
// damaged, as the bytes cannot tell; it was "half written" everywhere.
// Nor was it being written where the chunk's header, intact, counts
// records written after it, whose bytes are gone: the
// HelloForBusiness sample's record 6, its chunk's bytes zeros from chunk
// offset 0x1000 on while the header counts records up to 20, was said to
// be. Ten records, four a chunk: records 4 (chunk 0's last) and 10
// (chunk 2's last, the newest) get a zero trailing size copy; or record
// 9 does, and its chunk's bytes after its record header are zeroed up to
// the chunk's free space offset (record 10 with them).
func TestCutRecordWording(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	const writing = "the record was being written when the log stopped: the file header's dirty flag is set (the log was in use) and this is the last record of the log's newest chunk)"
	const unsure = "the record is cut short or damaged)"
	const counted = "the record is cut short or damaged: the chunk header counts 1 record written after it, up to record 10)"
	for _, tc := range []struct {
		name  string
		dirty bool
		id    uint64
		zero  bool // zero the chunk after the record header
		want  string
	}{
		{"dirty, the newest chunk's last record", true, 10, false, writing},
		{"closed cleanly, the newest chunk's last record", false, 10, false, unsure},
		{"dirty, an older chunk's last record", true, 4, false, unsure},
		{"dirty, the newest chunk's header counts a record after it", true, 9, true, counted},
		{"closed cleanly, the newest chunk's header counts a record after it", false, 9, true, counted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := evtxtest.Write(&buf, evtxtest.Noise(t0, time.Minute, 10), evtxtest.Options{MaxRecordsPerChunk: 4, Dirty: tc.dirty}); err != nil {
				t.Fatal(err)
			}
			b := buf.Bytes()
			off := findRecordBytes(t, b, tc.id)
			size := int(binary.LittleEndian.Uint32(b[off+4:]))
			binary.LittleEndian.PutUint32(b[off+size-4:], 0)
			if tc.zero {
				chunk := 4096 + (off-4096)/65536*65536
				free := chunk + int(binary.LittleEndian.Uint32(b[chunk+48:]))
				if free <= off+size {
					t.Fatalf("record %d is its chunk's last", tc.id)
				}
				clear(b[off+24 : free])
			}
			r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Name: "test.evtx"})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for {
				if _, err := r.Next(); err != nil {
					break
				}
			}
			found := false
			for _, e := range r.Errors() {
				msg := e.Error()
				if strings.Contains(msg, "half written") {
					t.Errorf("a problem still says half written: %v", e)
				}
				if errors.Is(e, evtx.ErrCorrupt) && e.Record == tc.id && e.Offset == int64(off) &&
					strings.Contains(msg, "a record header claims "+strconv.Itoa(size)+" bytes but the trailing size copy is 0: "+tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem at record %d (%#x) says %q: %v", tc.id, off, tc.want, r.Errors())
			}
		})
	}
}

// findRecordBytes returns the file offset of the record header numbered
// id in b (the record signature, then its size, then its number).
func findRecordBytes(t *testing.T, b []byte, id uint64) int {
	t.Helper()
	for off := 4096; off+24 <= len(b); off += 8 {
		if bytes.Equal(b[off:off+4], []byte("**\x00\x00")) && binary.LittleEndian.Uint64(b[off+8:]) == id {
			return off
		}
	}
	t.Fatalf("no record %d", id)
	return 0
}

// TestCutRecordWordingForeignChunk: the newest chunk that tells a record
// cut while being written is the log's newest, not another log's chunk
// (foreignChunks) that numbers its records higher. A dirty log of 300
// records (100 a chunk) whose slot 0 holds another machine's chunk
// numbered 251..350 (sharing 251..300 with slot 2, so another log's): its
// cut last record (350) was said to be "the last record of the log's
// newest chunk", being written when the log stopped, and the log's own
// newest chunk's cut last record (300) only "cut short or damaged".
func TestCutRecordWordingForeignChunk(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	const writing = "the record was being written when the log stopped: the file header's dirty flag is set (the log was in use) and this is the last record of the log's newest chunk)"
	const unsure = "the record is cut short or damaged)"
	evs := evtxtest.Noise(t0.Add(-time.Hour), time.Second, 100)
	for _, ev := range evs {
		ev.System.Computer = "vm2.contoso.com"
	}
	evs[0].RecordID = 251
	other, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		slot int
		id   uint64
		want string
	}{
		{"the other log's chunk's last record", 0, 350, unsure},
		{"the log's newest chunk's last record", 2, 300, writing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := foreignLog(t, "vm1.contoso.com", 300, t0, evtxtest.Options{Dirty: true}, nil)
			copy(chunkOf(b, 0), chunkOf(other, 0))
			off := 4096 + tc.slot*65536 + findRecordBytes(t, append(make([]byte, 4096), chunkOf(b, tc.slot)...), tc.id) - 4096
			size := int(binary.LittleEndian.Uint32(b[off+4:]))
			binary.LittleEndian.PutUint32(b[off+size-4:], 0)
			r := readForeign(t, b, false)
			if r.stats.ForeignChunks != 1 {
				t.Fatalf("ForeignChunks %d, want 1 (slot 0 another log's): %v", r.stats.ForeignChunks, r.errs)
			}
			found := false
			for _, e := range r.errs {
				msg := e.Error()
				if e.Record == tc.id && strings.Contains(msg, "trailing size copy is 0") {
					found = strings.Contains(msg, tc.want)
					if !found {
						t.Errorf("record %d: %v, want it to say %q", tc.id, e, tc.want)
					}
				}
			}
			if !found {
				t.Errorf("no problem at record %d says %q: %v", tc.id, tc.want, r.errs)
			}
		})
	}
}

// TestCutRecordWordingPrimed: a Log whose first walk (Prime's) reads the
// counted chunks before their judgement, asking of a cut record whether
// its chunk is the newest, gives the words and everything else a Log
// read without Prime gives, another log's chunk numbered past the log's
// newest or not (TestCutRecordWordingForeignChunk's logs).
func TestCutRecordWordingPrimed(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(t0.Add(-time.Hour), time.Second, 100)
	for _, ev := range evs {
		ev.System.Computer = "vm2.contoso.com"
	}
	evs[0].RecordID = 251
	other, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 100})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	checked := 0
	for _, foreign := range []bool{false, true} {
		for _, cut := range [][2]int{{0, 100}, {1, 200}, {2, 300}, {0, 350}} {
			if (cut[1] == 350) != foreign && cut[0] == 0 {
				continue // slot 0 is the log's (1..100) or the other's (251..350)
			}
			b := foreignLog(t, "vm1.contoso.com", 300, t0, evtxtest.Options{Dirty: true}, nil)
			if foreign {
				copy(chunkOf(b, 0), chunkOf(other, 0))
			}
			off := 4096 + cut[0]*65536 + findRecordBytes(t, append(make([]byte, 4096), chunkOf(b, cut[0])...), uint64(cut[1])) - 4096
			size := int(binary.LittleEndian.Uint32(b[off+4:]))
			binary.LittleEndian.PutUint32(b[off+size-4:], 0)
			p := filepath.Join(dir, fmt.Sprintf("System-%v-%d.evtx", foreign, cut[1]))
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, workers := range []int{1, 2} {
				for _, o := range []evtx.Options{{Workers: workers}, {Workers: workers, Since: t0.Add(-30 * time.Minute)}, {Workers: workers, Recover: true}} {
					primed := findOne(t, p)
					primed.Prime(workers)
					got, want := readLog(t, primed, o), readLog(t, findOne(t, p), o)
					if got != want {
						t.Errorf("foreign %v, record %d cut, %+v: primed, the Log reads\n%s", foreign, cut[1], o, firstDiff(lines(got), lines(want)))
					}
					checked++
				}
			}
		}
	}
	if checked != 36 {
		t.Errorf("%d reads compared, want 36", checked)
	}
}
