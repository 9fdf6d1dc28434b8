package evtx_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// plainEnds reads every event of b and returns the lowest- and
// highest-numbered ones (the first in file order among equal numbers).
func plainEnds(t *testing.T, b []byte, o evtx.Options) (first, last *evtx.Event) {
	t.Helper()
	r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return first, last
		}
		if err != nil {
			t.Fatal(err)
		}
		if first == nil || ev.RecordID < first.RecordID {
			first = ev
		}
		if last == nil || ev.RecordID > last.RecordID {
			last = ev
		}
	}
}

// tornDirtyLog returns a dirty log of 80 records in two chunks whose
// second chunk's header lags (last record id 79) and whose slack holds a
// copy of record 80 under the record header id hdrID: the torn record a
// shadow copy leaves, current by its own EventRecordID (80, above the
// header's 79), as scanChunk reads it.
func tornDirtyLog(t *testing.T, hdrID uint64) []byte {
	t.Helper()
	evs := evtxtest.Noise(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), time.Minute, 80)
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40})
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if len(b) < 4096+2*65536 {
		t.Fatalf("%d bytes: not two chunks", len(b))
	}
	c := b[4096+65536 : 4096+2*65536]
	free := int(le.Uint32(c[48:]))
	last := int(le.Uint32(c[44:]))
	if le.Uint64(c[last+8:]) != 80 {
		t.Fatalf("last record %d", le.Uint64(c[last+8:]))
	}
	size := int(le.Uint32(c[last+4:]))
	copy(c[free:], c[last:last+size])
	le.PutUint64(c[free+8:], hdrID)
	le.PutUint64(c[32:], 79) // the header lags behind record 80
	h := crc32.NewIEEE()
	h.Write(c[:120])
	h.Write(c[128:512])
	le.PutUint32(c[124:], h.Sum32())
	le.PutUint32(b[120:], le.Uint32(b[120:])|evtx.FlagDirty)
	le.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
	return b
}

// TestWrittenEndsTornRecordInDirtyLog: WrittenEnds considers the records
// Next yields, so a torn record in the slack of a dirty log that Next
// yields as current (its EventRecordID lies above the chunk header's last
// record id) is a candidate like any other: the lowest-numbered one
// (record header id 0), or the highest-numbered one that decodes.
func TestWrittenEndsTornRecordInDirtyLog(t *testing.T) {
	for _, hdrID := range []uint64{0, 79} {
		b := tornDirtyLog(t, hdrID)
		if hdrID == 79 {
			// Records 79 and 80 themselves do not decode: the torn copy
			// is the highest-numbered record Next yields.
			le := binary.LittleEndian
			c := b[4096+65536:]
			free := int(le.Uint32(c[48:]))
			for p := 512; p < free; p += int(le.Uint32(c[p+4:])) {
				if id := le.Uint64(c[p+8:]); id >= 79 {
					c[p+24] = 0xff
				}
			}
		}
		for _, workers := range []int{1, 3} {
			o := evtx.Options{Workers: workers}
			wf, wl := plainEnds(t, b, o)
			r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
			if err != nil {
				t.Fatal(err)
			}
			gf, gl := r.WrittenEnds()
			for _, p := range [][2]*evtx.Event{{gf, wf}, {gl, wl}} {
				if p[0] == nil || p[1] == nil || windowLine(p[0]) != windowLine(p[1]) {
					t.Errorf("header id %d, %d workers: WrittenEnds gives %v, a full read %v", hdrID, workers, p[0], p[1])
				}
			}
		}
	}
}

// TestWrittenEndsSalvagedRecordInOldChunk: a record whose size fields are
// zero, in a chunk past the file header's count left by an earlier use of
// the file, is as old as the chunk's other records: Next does not yield it
// as current (and Recover reads it as unallocated), and WrittenEnds, which
// passes over old chunks, agrees with a full read. With Recover its
// problem, and that of a gap in the chunk, are reported once.
func TestWrittenEndsSalvagedRecordInOldChunk(t *testing.T) {
	b := oldChunkLog(t)
	for _, recover := range []bool{false, true} {
		r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 1, Recover: recover})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			ev, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.Source.Chunk == 1 {
				if ev.Recovered != evtx.RecoveredUnallocated {
					t.Errorf("recover %v: record %d of the old chunk yielded as %q", recover, ev.RecordID, ev.Recovered)
				}
				n++
			}
		}
		if want := map[bool]int{false: 0, true: 19}[recover]; n != want {
			t.Errorf("recover %v: %d records of the old chunk, want %d", recover, n, want)
		}
		// The records checksum (the gap broke it), the gap and the salvaged
		// record are each reported once: by the
		// first pass, not again by Recover's slack pass.
		var errs []string
		for _, e := range r.Errors() {
			errs = append(errs, e.Error())
		}
		if len(errs) != 3 || !strings.Contains(errs[1], "hold no readable record") || !strings.Contains(errs[2], "size fields are 0") {
			t.Errorf("recover %v: problems %q, want the records checksum, the gap and the salvaged record once each", recover, errs)
		}
	}
	wf, wl := plainEnds(t, b, evtx.Options{Workers: 1})
	r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	gf, gl := r.WrittenEnds()
	if gf == nil || gl == nil || wf == nil || wl == nil || windowLine(gf) != windowLine(wf) || windowLine(gl) != windowLine(wl) || wl.RecordID != 10 {
		t.Errorf("WrittenEnds %v..%v, a full read %v..%v (want records 1..10)", gf, gl, wf, wl)
	}
}

// oldChunkLog returns a log of 10 current records (1..10) whose file
// header counts one chunk, followed by a chunk left by an earlier use of
// the file (records 3..22, written two days before): its record 21 lost
// its size fields, its record 5 its signature.
func oldChunkLog(t *testing.T) []byte {
	t.Helper()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var cur, old []*evtx.Event
	for i := 0; i < 10; i++ {
		cur = append(cur, evtxtest.Schannel36871(t0.Add(48*time.Hour+time.Duration(i)*time.Minute), uint32(i)))
	}
	for i := 0; i < 20; i++ {
		old = append(old, evtxtest.Schannel36871(t0.Add(time.Duration(i)*time.Minute), uint32(i)))
	}
	old[0].RecordID = 3 // numbers the current log uses: an earlier use
	b, err := evtxtest.Bytes(cur, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ob, err := evtxtest.Bytes(old, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := bytes.Clone(ob[4096 : 4096+65536])
	// Record 21 (the old chunk's last but one) loses its size fields.
	le := binary.LittleEndian
	found := false
	for p := 512; p+24 <= len(c) && string(c[p:p+4]) == "**\x00\x00"; {
		size := int(le.Uint32(c[p+4:]))
		if le.Uint64(c[p+8:]) == 21 {
			le.PutUint32(c[p+4:], 0)
			le.PutUint32(c[p+size-4:], 0)
			found = true
			break
		}
		p += size
	}
	if !found {
		t.Fatal("no record 21")
	}
	// Record 5 loses its signature and its size field: a gap of the old
	// chunk (a damaged signature alone, both size copies intact, is read).
	for p := 512; p+24 <= len(c); p += int(le.Uint32(c[p+4:])) {
		if le.Uint64(c[p+8:]) == 5 {
			c[p] = 'X'
			le.PutUint32(c[p+4:], 0)
			break
		}
	}
	return append(b, c...) // the file header counts 1 chunk
}

// oddLogs returns logs of the shapes the shortcuts must not miss: the
// torn record of a dirty log, an old chunk with a salvaged record and a
// gap, a log holding a byte copy of its first chunk (duplicates), records
// with zero and 1601 TimeCreated, a log cut inside a chunk, and the shared
// cases.
func oddLogs(t *testing.T) map[string][]byte {
	t.Helper()
	logs := map[string][]byte{
		"torn 0":    tornDirtyLog(t, 0),
		"torn 79":   tornDirtyLog(t, 79),
		"old chunk": oldChunkLog(t),
	}
	evs := evtxtest.Noise(craftT0, 10*time.Minute, 120)
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40})
	if err != nil {
		t.Fatal(err)
	}
	dup := append(bytes.Clone(b), b[4096:4096+65536]...)
	binary.LittleEndian.PutUint16(dup[42:], 4) // the header counts the copy
	binary.LittleEndian.PutUint32(dup[124:], crc32.ChecksumIEEE(dup[:120]))
	logs["chunk copy"] = dup
	logs["cut"] = bytes.Clone(b[:4096+65536+30000])
	zero := evtxtest.Noise(craftT0, 10*time.Minute, 90)
	for i := 0; i < 90; i += 4 {
		zero[i].System.TimeCreated = time.Time{}
	}
	for i := 2; i < 90; i += 8 {
		zero[i].System.TimeCreated = time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if b, err := evtxtest.Bytes(zero, evtxtest.Options{MaxRecordsPerChunk: 30}); err != nil {
		t.Fatal(err)
	} else {
		logs["zero times"] = b
	}
	// Another log's chunk in a counted slot (foreignChunks: the first
	// walk of a Log with a memo scans it as current and walks again,
	// writtenEnds), and a wrapped log whose header lags (none judged).
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	foreign := foreignLog(t, "vm1.contoso.com", 400, t0, evtxtest.Options{}, nil)
	copy(chunkOf(foreign, 1), chunkOf(foreignLog(t, "vm3.contoso.com", 1000, t0.Add(-2*time.Hour), evtxtest.Options{}, nil), 9))
	logs["foreign chunk"] = foreign
	logs["wrapped, header lags"] = ringLog(t, 101, 3, 2, false)
	cases, _ := filepath.Glob("../../shared/cases/*/*.evtx")
	more, _ := filepath.Glob("../../shared/cases/*/*/*.evtx")
	for _, p := range append(cases, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		logs[p] = b
	}
	return logs
}

// TestWindowMemoOddLogs: over oddLogs, a Log opened again and again with
// other windows (those of windowsFor, and windows at the zero time, at
// 1601-01-01 and reversed) reads as a fresh Log does, with 1 and 3
// workers, a Filter and Recover; WrittenEnds of every read is a full
// read's.
func TestWindowMemoOddLogs(t *testing.T) {
	dir := t.TempDir()
	logs := oddLogs(t)
	y1601 := time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)
	served := 0
	filter := func(s evtx.Summary) bool { return s.EventID%2 == 0 }
	eachLogFile(t, dir, logs, 3, func(_ int, name, p string, b []byte, _ *evtx.Reader) {
		_, all, _ := readLines(t, b, evtx.Options{Workers: 1})
		ws := windowsFor(all)
		ws = append(ws, [2]time.Time{y1601, y1601}, [2]time.Time{time.Time{}.Add(time.Nanosecond), {}}, [2]time.Time{{}, y1601},
			[2]time.Time{y1601.Add(time.Hour), y1601})
		ws = append(ws, ws...)
		shared := findOne(t, p)
		checkMemoWindows(t, name, p, shared, ws, filter)
		wf, wl := plainEnds(t, b, evtx.Options{Workers: 1})
		f, err := shared.Open(evtx.Options{})
		if err != nil {
			t.Fatal(err)
		}
		gf, gl := f.WrittenEnds()
		f.Close()
		for _, e := range [][2]*evtx.Event{{gf, wf}, {gl, wl}} {
			if (e[0] == nil) != (e[1] == nil) || e[0] != nil && windowLine(e[0]) != windowLine(e[1]) {
				t.Errorf("%s: WrittenEnds %v, a full read %v", name, e[0], e[1])
			}
		}
		served += evtx.MemoChunks(shared)
	})
	t.Logf("%d logs, %d chunk reads served by the memo", len(logs), served)
	if served < 20 {
		t.Errorf("the memo served %d chunk reads: the test proves little", served)
	}
}

// TestWrittenEndsDirtyCopies: every sample marked not closed cleanly (its
// slack then read by the dirty rule, torn records included), and a copy
// whose chunk headers also lag by two records and whose free space offset
// stops before the last record, gives WrittenEnds the ends a full read
// finds.
func TestWrittenEndsDirtyCopies(t *testing.T) {
	le := binary.LittleEndian
	n := 0
	for name, b := range sampleLogs(t) {
		if len(b) < 4096+512 || string(b[:8]) != "ElfFile\x00" {
			continue
		}
		dirty := bytes.Clone(b)
		le.PutUint32(dirty[120:], le.Uint32(dirty[120:])|evtx.FlagDirty)
		le.PutUint32(dirty[124:], crc32.ChecksumIEEE(dirty[:120]))
		lag := bytes.Clone(dirty)
		for off := 4096; off+65536 <= len(lag); off += 65536 {
			c := lag[off : off+65536]
			if string(c[:8]) != "ElfChnk\x00" {
				continue
			}
			if last := le.Uint64(c[32:]); last > 2 {
				le.PutUint64(c[32:], last-2)
			}
			if lr := le.Uint32(c[44:]); lr >= 512 && lr < le.Uint32(c[48:]) {
				le.PutUint32(c[48:], lr) // the free space offset before the last record
				le.PutUint32(c[52:], crc32.ChecksumIEEE(c[512:lr]))
			}
			h := crc32.NewIEEE()
			h.Write(c[:120])
			h.Write(c[128:512])
			le.PutUint32(c[124:], h.Sum32())
		}
		for _, v := range []struct {
			what string
			b    []byte
		}{{"dirty", dirty}, {"lagging", lag}} {
			if _, err := evtx.NewReaderOptions(bytes.NewReader(v.b), int64(len(v.b)), evtx.Options{}); err != nil {
				continue
			}
			wf, wl := plainEnds(t, v.b, evtx.Options{Workers: 1})
			r, _ := evtx.NewReaderOptions(bytes.NewReader(v.b), int64(len(v.b)), evtx.Options{Workers: 3})
			gf, gl := r.WrittenEnds()
			for _, e := range [][2]*evtx.Event{{gf, wf}, {gl, wl}} {
				if (e[0] == nil) != (e[1] == nil) || e[0] != nil && windowLine(e[0]) != windowLine(e[1]) {
					t.Errorf("%s (%s): WrittenEnds record %v, a full read %v", name, v.what, e[0] != nil && e[1] != nil, e[1] != nil)
				}
			}
			n++
		}
	}
	if n < 40 {
		t.Fatalf("%d logs checked", n)
	}
}
