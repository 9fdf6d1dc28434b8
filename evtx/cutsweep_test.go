package evtx_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// sweepLog writes records first to first+n-1, 10 a chunk, the oldest
// chunk at slot oldest (a ring that wrapped when not 0), the file header
// counting under chunks fewer than the file holds (lagging), the newest
// chunk's last uncount records left out of its header and the file
// header's next record (written past its free space offset, as a log in
// use has them), and the dirty flag set or not.
func sweepLog(t *testing.T, first uint64, n, oldest, under, uncount int, dirty bool) []byte {
	t.Helper()
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(first) * time.Minute)
	var evs []*evtx.Event
	for i := range n {
		ev := evtxtest.EventLog(base.Add(time.Duration(i)*time.Minute), 6013)
		ev.RecordID = first + uint64(i)
		evs = append(evs, ev)
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 10, OldestChunk: oldest, UndercountChunks: under, UncountRecords: uncount, Dirty: dirty})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cutWrong reads b cut to n bytes and says what its CutLoss claims that
// is false, "" when nothing: the records of first..first+count-1 that the
// copy does not yield are those lost, and the newest is first+count-1
// (see judgeCut). It also returns the CutLoss.
func cutWrong(t *testing.T, b []byte, n int, first uint64, count int) (string, evtx.CutLoss) {
	t.Helper()
	read, got, hdr := readCut(t, b, n, false)
	var all []uint64
	for id := first; id < first+uint64(count); id++ {
		all = append(all, id)
	}
	return judgeCut(got, hdr, read, all, b, n), got
}

// readCut reads b cut to n bytes and returns the record numbers it
// yields, its CutLoss and its file header. Filtered, it declines every
// record in Options.Filter (none decoded, their numbers taken from the
// summary): a shortcut, which must change nothing of CutLoss.
func readCut(t *testing.T, b []byte, n int, filtered bool) (map[uint64]bool, evtx.CutLoss, evtx.FileHeader) {
	t.Helper()
	var mu sync.Mutex
	read := map[uint64]bool{}
	var o evtx.Options
	if filtered {
		o.Filter = func(s evtx.Summary) bool {
			mu.Lock()
			read[s.RecordID] = true
			mu.Unlock()
			return false
		}
	}
	rd, err := evtx.NewReaderOptions(bytes.NewReader(b[:n]), int64(n), o)
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if ev != nil {
			mu.Lock()
			read[ev.RecordID] = true
			mu.Unlock()
		}
	}
	return read, rd.CutLoss(), rd.Header()
}

// judgeCut says what CutLoss got of a copy of b cut to n bytes claims
// that is false, "" when nothing; read are the record numbers the copy
// yields, all those of the whole log (the newest the highest), hdr the
// copy's file header:
//   - Known and Newest is false when the newest record is read;
//   - Known, not Newest (old records of a log that wrapped lost, between
//     AfterID and BeforeID) is false when the newest is lost or one lies
//     outside those bounds (none lost is not: the numbers between may be
//     lost from the whole log as well, its chunks zeroed);
//   - Counted is false when the file header's next record number is
//     past the newest read, when a record the header of the chunk cut
//     counts is lost, or with Known.
//
// Not Known claims nothing else.
func judgeCut(got evtx.CutLoss, hdr evtx.FileHeader, read map[uint64]bool, all []uint64, b []byte, n int) string {
	var newestID uint64
	var lost []uint64
	for _, id := range all {
		newestID = max(newestID, id)
		if !read[id] {
			lost = append(lost, id)
		}
	}
	if got.Counted {
		// No header counts a record after the newest read, and the
		// chunk the cut falls in holds every record its header counts.
		var maxRead uint64
		for id := range read {
			maxRead = max(maxRead, id)
		}
		if hdr.SignatureOK && hdr.ChecksumOK && hdr.NextRecordID > maxRead+1 {
			return fmt.Sprintf("Counted, but the file header's next record is %d, the newest read %d", hdr.NextRecordID, maxRead)
		}
		if (n-4096)%65536 == 0 {
			return "Counted at a chunk boundary"
		}
		off := 4096 + (n-4096)/65536*65536
		cf, cl := binary.LittleEndian.Uint64(b[off+24:]), binary.LittleEndian.Uint64(b[off+32:])
		for id := cf; id <= cl && id-cf < 10000; id++ {
			if !read[id] {
				return fmt.Sprintf("Counted, but record %d of the chunk cut, whose header counts %d to %d, is lost", id, cf, cl)
			}
		}
	}
	switch {
	case !got.Known:
		return ""
	case got.Counted:
		return "Counted with Known"
	case got.Newest:
		if read[newestID] {
			return fmt.Sprintf("the newest said lost, but the newest record, %d, is read (%d lost)", newestID, len(lost))
		}
	default:
		if !read[newestID] {
			return fmt.Sprintf("old records said lost, but the newest, %d, is", newestID)
		}
		for _, id := range lost {
			if id <= got.AfterID || (got.BeforeID != 0 && id >= got.BeforeID) {
				return fmt.Sprintf("old records said lost between %d and %d, but record %d is", got.AfterID, got.BeforeID, id)
			}
		}
	}
	return ""
}

// TestCutLossSweepSamples cuts the real sample logs (and the scenario
// logs) at every chunk boundary, inside every chunk and around every
// chunk's free space offset, and counts what CutLoss claims that is false
// (judgeCut): the records lost are those of the whole log (read the same
// way) that the copy does not yield. Every copy is read twice, plainly
// and with every record declined by a filter (none decoded): the CutLoss
// must be the same.
func TestCutLossSweepSamples(t *testing.T) {
	var paths []string
	for _, g := range []string{"../testdata/evtx/scenarios/wrapped-full-log/*.evtx", "../../shared/samples/*.evtx"} {
		m, _ := filepath.Glob(g)
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Fatal("no sample log")
	}
	seen := map[string]bool{}
	var cuts, wrong, known, counted, logs int
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if sum := fmt.Sprintf("%x", sha256.Sum256(b)); seen[sum] || len(b) < 4096+65536 || len(b) > 3<<20 {
			continue
		} else {
			seen[sum] = true
		}
		logs++
		whole, _, _ := readCut(t, b, len(b), true)
		var all []uint64
		for id := range whole {
			all = append(all, id)
		}
		slots := (len(b) - 4096) / 65536
		for slot := range slots {
			off := 4096 + slot*65536
			free := off + int(binary.LittleEndian.Uint32(b[off+48:]))
			ns := []int{off, off + 1000}
			if free > off+512 && free < off+65536 {
				ns = append(ns, free-1, free, free+100)
			}
			for _, n := range ns {
				if n <= 4096 || n >= len(b) {
					continue
				}
				cuts++
				read, got, hdr := readCut(t, b, n, false)
				if _, fgot, _ := readCut(t, b, n, true); fgot != got {
					t.Errorf("%s cut at %d: CutLoss %+v read plainly, %+v with every record filtered out", filepath.Base(p), n, got, fgot)
				}
				if got.Known {
					known++
				}
				if got.Counted {
					counted++
				}
				if why := judgeCut(got, hdr, read, all, b, n); why != "" {
					wrong++
					if wrong <= 20 {
						t.Errorf("%s cut at %d (slot %d +%d): %s: %+v", filepath.Base(p), n, slot, n-off, why, got)
					}
				}
			}
		}
	}
	t.Logf("%d logs, %d cuts: %d known, %d counted, %d wrong", logs, cuts, known, counted, wrong)
	if wrong > 0 {
		t.Errorf("%d of %d cuts judged wrong", wrong, cuts)
	}
}

// TestCutLossSweep cuts crafted logs at every chunk boundary, inside
// every chunk, and around every chunk's free space offset (one byte
// before, at, and 100 bytes after), and counts what CutLoss claims that
// is false (cutWrong). The logs: 60 records or 55 (the newest chunk
// half full), not wrapped or wrapped with the oldest chunk at each slot,
// file headers current or lagging by 1 to 5 chunks, closed cleanly or
// dirty, and dirty ones with the newest chunk's last 2 records past its
// header's free space offset. A dirty header (a log open when the disk
// was copied) made CutLoss say the newest were lost where the copy ends
// in the free space of its newest chunk after every record, and a clean
// one lagging its chunks made it say none were where chunks after the
// cut held records: a copy cut short cannot show what followed the cut.
func TestCutLossSweep(t *testing.T) {
	const chunk = 65536
	var cuts, wrong, known, counted int
	kinds := map[string]int{}
	for _, first := range []uint64{1, 501} {
		for _, count := range []int{60, 55} {
			for oldest := range 6 {
				for _, under := range []int{0, 1, 2, 4, 5} {
					for _, dirty := range []bool{false, true} {
						for _, uncount := range []int{0, 2} {
							if uncount > 0 && !dirty {
								continue
							}
							b := sweepLog(t, first, count, oldest, under, uncount, dirty)
							for slot := range 6 {
								off := 4096 + slot*chunk
								free := off + int(binary.LittleEndian.Uint32(b[off+48:]))
								ns := []int{off, off + 1000, off + 1500, off + 2500, off + 4000, off + 30000, free - 1, free, free + 100}
								for _, n := range ns {
									if n <= 4096 || n >= len(b) {
										continue
									}
									cuts++
									why, got := cutWrong(t, b, n, first, count)
									if got.Known {
										known++
									}
									if got.Counted {
										counted++
									}
									if why != "" {
										kinds[fmt.Sprintf("%.25s dirty=%v lag=%v uncount=%d", why, dirty, under > 0, uncount)]++
										wrong++
										if wrong <= 20 {
											t.Errorf("first %d, %d records, oldest at %d, %d uncounted, dirty %v, %d records past the free space, cut at %d (slot %d +%d): %s: %+v", first, count, oldest, under, dirty, uncount, n, slot, n-off, why, got)
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
	for k, v := range kinds {
		t.Logf("%s: %d", k, v)
	}
	t.Logf("%d cuts: %d known, %d with every counted record read, %d wrong", cuts, known, counted, wrong)
	if wrong > 0 {
		t.Errorf("%d of %d cuts judged wrong", wrong, cuts)
	}
}
