package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A clean multi-chunk sample: 1601 records in 9 chunks, no errors.
const cleanSample = "williballenthin__python-evtx__tests__data__system.evtx"

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realSamplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type readResult struct {
	events []*Event
	stats  Stats
	errs   []*FormatError
}

func readBytes(t testing.TB, b []byte, o Options) readResult {
	t.Helper()
	if o.Name == "" {
		o.Name = "test.evtx"
	}
	r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	defer r.Close()
	evs := readAll(t, r)
	return readResult{evs, r.Stats(), r.Errors()}
}

// ids returns "recordID@offset" of each event, in order.
func ids(evs []*Event) []string {
	var s []string
	for _, ev := range evs {
		s = append(s, fmt.Sprintf("%d@%#x", ev.RecordID, ev.Source.Offset))
	}
	return s
}

func fixFileHeaderCRC(b []byte) {
	binary.LittleEndian.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
}

func fixChunkHeaderCRC(c []byte) {
	binary.LittleEndian.PutUint32(c[124:], chunkHeaderCRC(c))
}

func chunkAt(b []byte, i int) []byte {
	off := fileHeaderBlock + i*chunkSize
	return b[off:min(len(b), off+chunkSize)]
}

func findErr(errs []*FormatError, target error, substr string) *FormatError {
	for _, e := range errs {
		if errors.Is(e, target) && strings.Contains(e.Error(), substr) {
			return e
		}
	}
	return nil
}

func TestCleanSample(t *testing.T) {
	b := readSample(t, cleanSample)
	res := readBytes(t, b, Options{Workers: 4})
	if len(res.errs) != 0 {
		t.Fatalf("errors on a clean sample: %v", res.errs)
	}
	st := res.stats
	if st.Records != 1601 || len(res.events) != 1601 || st.Chunks != 9 || st.HeaderChunks != 9 || st.Recovered != 0 || st.BadChunks != 0 || st.UnreadBytes != 0 {
		t.Errorf("stats %+v", st)
	}
	if !st.Dirty || st.Full {
		t.Errorf("flags: dirty %v full %v, want dirty", st.Dirty, st.Full)
	}
	h := (&Reader{}).Header()
	_ = h
	r, _ := NewReader(bytes.NewReader(b), int64(len(b)))
	hd := r.Header()
	if !hd.SignatureOK || !hd.ChecksumOK || hd.MajorVersion != 3 || hd.MinorVersion != 1 || hd.HeaderSize != 128 || hd.BlockSize != 4096 || hd.ChunkCount != 9 || !hd.Dirty() {
		t.Errorf("header %+v", hd)
	}
	// File order: chunk by chunk, offsets increasing.
	for i := 1; i < len(res.events); i++ {
		if res.events[i].Source.Offset <= res.events[i-1].Source.Offset {
			t.Fatalf("event %d at %#x after %#x", i, res.events[i].Source.Offset, res.events[i-1].Source.Offset)
		}
	}
	first, last := res.events[0].Written, res.events[0].Written
	for _, ev := range res.events {
		if ev.Written.Before(first) {
			first = ev.Written
		}
		if ev.Written.After(last) {
			last = ev.Written
		}
		if ev.Source.File != "test.evtx" {
			t.Fatalf("Source.File = %q", ev.Source.File)
		}
	}
	if !st.First.Equal(first) || !st.Last.Equal(last) {
		t.Errorf("First/Last %v %v, want %v %v", st.First, st.Last, first, last)
	}
}

func TestWorkersSameOutput(t *testing.T) {
	b := readSample(t, "omerbenamram__evtx__samples__sample_with_a_bad_chunk_magic.evtx")
	want := readBytes(t, b, Options{Workers: 1})
	for _, w := range []int{0, 2, 3, 8} {
		got := readBytes(t, b, Options{Workers: w})
		if strings.Join(ids(got.events), " ") != strings.Join(ids(want.events), " ") {
			t.Errorf("workers %d: different events", w)
		}
		if fmt.Sprint(got.errs) != fmt.Sprint(want.errs) || got.stats != want.stats {
			t.Errorf("workers %d: different errors or stats", w)
		}
	}
}

// A dirty log's header undercounts chunks: the reader must still read the
// chunks past the count.
func TestDirtyHeaderUndercountsChunks(t *testing.T) {
	orig := readSample(t, cleanSample)
	want := readBytes(t, orig, Options{})
	b := bytes.Clone(orig)
	n := binary.LittleEndian.Uint16(b[42:])
	binary.LittleEndian.PutUint16(b[42:], n-1)
	fixFileHeaderCRC(b)
	got := readBytes(t, b, Options{})
	if len(got.errs) != 0 {
		t.Errorf("errors: %v", got.errs)
	}
	if strings.Join(ids(got.events), " ") != strings.Join(ids(want.events), " ") {
		t.Fatalf("got %d events, want the same %d", len(got.events), len(want.events))
	}
	inLast := 0
	for _, ev := range got.events {
		if ev.Source.Chunk == int(n-1) {
			inLast++
		}
	}
	if got.stats.HeaderChunks != int(n-1) || got.stats.Chunks != int(n) || got.stats.Recovered != inLast || inLast == 0 {
		t.Errorf("stats %+v, %d records in the uncounted chunk", got.stats, inLast)
	}
}

// The header claims 65535 chunks; the file has 9. Nothing is allocated for
// the claim.
func TestHugeChunkCountClaim(t *testing.T) {
	b := bytes.Clone(readSample(t, cleanSample))
	binary.LittleEndian.PutUint16(b[42:], 0xffff)
	fixFileHeaderCRC(b)
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	got := readBytes(t, b, Options{Workers: 2})
	runtime.ReadMemStats(&ms1)
	if got.stats.Records != 1601 || got.stats.HeaderChunks != 0xffff {
		t.Errorf("stats %+v", got.stats)
	}
	// Reading 1 MiB allocates far less than 65535 chunks (4 GiB) would.
	if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > 256<<20 {
		t.Errorf("allocated %d bytes", alloc)
	}
}

func TestTruncatedLastChunk(t *testing.T) {
	orig := readSample(t, cleanSample)
	want := readBytes(t, orig, Options{})
	last := want.events[len(want.events)-1].Source.Chunk
	cut := fileHeaderBlock + last*chunkSize + 30000
	b := orig[:cut]
	got := readBytes(t, b, Options{Name: "cut.evtx"})
	var expect []*Event
	for _, ev := range want.events {
		size := binary.LittleEndian.Uint32(orig[ev.Source.Offset+4:])
		if ev.Source.Offset+int64(size) <= int64(cut) {
			expect = append(expect, ev)
		}
	}
	if strings.Join(ids(got.events), " ") != strings.Join(ids(expect), " ") {
		t.Errorf("got %d events, want %d (every record that lies entirely before the cut)", len(got.events), len(expect))
	}
	e := findErr(got.errs, ErrCorrupt, "truncated chunk")
	if e == nil || e.File != "cut.evtx" || e.Chunk != last || e.Offset != int64(cut) {
		t.Fatalf("no truncation error naming file, chunk %d and offset %#x: %v", last, cut, got.errs)
	}
	if !strings.Contains(e.Error(), "cut.evtx") || !strings.Contains(e.Error(), fmt.Sprintf("%#x", cut)) {
		t.Errorf("message %q lacks file or offset", e.Error())
	}
	if got.stats.BadChunks != 1 {
		t.Errorf("BadChunks = %d", got.stats.BadChunks)
	}
}

func TestCorruptChunkHeaderCRC(t *testing.T) {
	orig := readSample(t, cleanSample)
	want := readBytes(t, orig, Options{})
	b := bytes.Clone(orig)
	c := chunkAt(b, 2)
	c[100] ^= 0xff // reserved header bytes: only the CRC notices
	got := readBytes(t, b, Options{})
	if strings.Join(ids(got.events), " ") != strings.Join(ids(want.events), " ") {
		t.Errorf("records lost: %d of %d", len(got.events), len(want.events))
	}
	e := findErr(got.errs, ErrChecksum, "chunk header CRC32")
	if e == nil || e.Chunk != 2 || e.Offset != int64(fileHeaderBlock+2*chunkSize+124) || len(got.errs) != 1 {
		t.Fatalf("errors %v", got.errs)
	}
	inChunk := 0
	for _, ev := range got.events {
		if ev.Source.Chunk == 2 {
			inChunk++
		}
	}
	if got.stats.BadChunks != 1 || got.stats.Recovered != inChunk {
		t.Errorf("stats %+v, %d records in the chunk", got.stats, inChunk)
	}
}

func TestRecordsCRCMismatch(t *testing.T) {
	orig := readSample(t, cleanSample)
	want := readBytes(t, orig, Options{})
	b := bytes.Clone(orig)
	c := chunkAt(b, 1)
	binary.LittleEndian.PutUint32(c[52:], binary.LittleEndian.Uint32(c[52:])^1)
	fixChunkHeaderCRC(c)
	got := readBytes(t, b, Options{})
	if strings.Join(ids(got.events), " ") != strings.Join(ids(want.events), " ") {
		t.Errorf("records lost: %d of %d", len(got.events), len(want.events))
	}
	e := findErr(got.errs, ErrChecksum, "records CRC32")
	if e == nil || e.Chunk != 1 || len(got.errs) != 1 {
		t.Fatalf("errors %v", got.errs)
	}
	if got.stats.BadChunks != 0 {
		t.Errorf("BadChunks = %d", got.stats.BadChunks)
	}
}

// A zeroed region in the middle of a chunk's records: the records it
// touches are lost and reported, the walk resynchronises after it.
func TestZeroedRegionMidChunk(t *testing.T) {
	orig, want, inChunk := cleanChunk3(t)
	from := inChunk[10].Source.Offset + 8 // keep the signature, zero the size
	to := inChunk[12].Source.Offset + 16
	b := bytes.Clone(orig)
	clear(b[from:to])
	got := readBytes(t, b, Options{})
	gotIDs := make(map[string]bool)
	for _, s := range ids(got.events) {
		gotIDs[s] = true
	}
	bad := make(map[uint64]bool)
	for _, e := range got.errs {
		if e.Record != 0 {
			bad[e.Record] = true
		}
	}
	for _, ev := range want.events {
		id := fmt.Sprintf("%d@%#x", ev.RecordID, ev.Source.Offset)
		touched := ev.Source.Offset < to && ev.Source.Offset+int64(binary.LittleEndian.Uint32(orig[ev.Source.Offset+4:])) > from
		switch {
		case touched && gotIDs[id]:
			t.Errorf("record %s in the zeroed region was yielded", id)
		case !touched && !gotIDs[id] && !bad[ev.RecordID]:
			t.Errorf("intact record %s lost without a FormatError", id)
		}
	}
	if !gotIDs[fmt.Sprintf("%d@%#x", inChunk[13].RecordID, inChunk[13].Source.Offset)] {
		t.Errorf("no resync: record after the zeroed region not read")
	}
	e := findErr(got.errs, ErrCorrupt, "hold no readable record")
	if e == nil || e.Offset != inChunk[10].Source.Offset || e.Chunk != 3 {
		t.Fatalf("errors %v", got.errs)
	}
	if want := inChunk[13].Source.Offset - inChunk[10].Source.Offset; got.stats.UnreadBytes != want {
		t.Errorf("UnreadBytes = %d, want %d", got.stats.UnreadBytes, want)
	}
	if findErr(got.errs, ErrChecksum, "records CRC32") == nil {
		t.Errorf("records checksum mismatch not reported")
	}
}

// A chunk that is a byte-identical copy of another yields nothing twice.
// Past the file header's chunk count it is an old chunk (its record numbers
// are used already): counted as stale; with Recover, each of its records is
// a duplicate.
func TestDuplicateChunk(t *testing.T) {
	orig := readSample(t, cleanSample)
	want := readBytes(t, orig, Options{})
	b := bytes.Clone(orig)
	copy(chunkAt(b, 12), chunkAt(b, 4)) // slot 12 is unused in the sample
	got := readBytes(t, b, Options{Workers: 3})
	if strings.Join(ids(got.events), " ") != strings.Join(ids(want.events), " ") {
		t.Errorf("got %d events, want %d", len(got.events), len(want.events))
	}
	n := 0
	for _, ev := range want.events {
		if ev.Source.Chunk == 4 {
			n++
		}
	}
	if got.stats.Stale != n || got.stats.Duplicates != 0 || got.stats.Records != len(want.events) || got.stats.Recovered != 0 {
		t.Errorf("stats %+v, want %d stale", got.stats, n)
	}
	rec := readBytes(t, b, Options{Workers: 3, Recover: true})
	if strings.Join(ids(rec.events), " ") != strings.Join(ids(want.events), " ") || rec.stats.Duplicates != n || rec.stats.SlackRead != 0 {
		t.Errorf("with Recover: %d events, stats %+v, want %d duplicates", len(rec.events), rec.stats, n)
	}
	// A copy within the counted chunks is a duplicate in a plain read.
	b2 := bytes.Clone(orig)
	copy(chunkAt(b2, 12), chunkAt(b2, 4))
	binary.LittleEndian.PutUint16(b2[42:], 13) // the header counts slot 12
	binary.LittleEndian.PutUint32(b2[124:], crc32.ChecksumIEEE(b2[:120]))
	got2 := readBytes(t, b2, Options{Workers: 3})
	if got2.stats.Duplicates != n || got2.stats.Stale != 0 || got2.stats.Records != len(want.events) {
		t.Errorf("copy within the counted chunks: stats %+v, want %d duplicates", got2.stats, n)
	}
}

func TestNotEVTX(t *testing.T) {
	dir := t.TempDir()
	nonZeroTail := make([]byte, 200000)
	nonZeroTail[len(nonZeroTail)-1] = 1
	for name, c := range map[string]struct {
		data []byte
		says string
	}{
		"empty.evtx":      {nil, "not an EVTX file: empty"},
		"text.evtx":       {bytes.Repeat([]byte("not an event log\n"), 10000), "not an EVTX file: no file header or chunk signature (starts with 6e 6f 74 20 61 6e 20 65)"},
		"zeros.evtx":      {make([]byte, 200000), "not an EVTX file: all zero (200000 bytes)"},
		"zeros-tail.evtx": {nonZeroTail, "not an EVTX file: no file header or chunk signature (starts with 00 00 00 00 00 00 00 00)"},
		"zip.evtx":        {[]byte("PK\x03\x04rest"), "not an EVTX file: a zip archive"},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(p)
		var fe *FormatError
		if !errors.Is(err, ErrNotEVTX) || !errors.As(err, &fe) || fe.File != p {
			t.Errorf("%s: err = %v, want ErrNotEVTX naming the file", name, err)
		} else if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: message %q lacks the file name or %q", name, err, c.says)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing.evtx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// A file whose header is destroyed but whose chunks are intact is read.
func TestNoFileHeader(t *testing.T) {
	orig := readSample(t, cleanSample)
	want := readBytes(t, orig, Options{})
	b := bytes.Clone(orig)
	clear(b[:fileHeaderBlock])
	got := readBytes(t, b, Options{})
	if len(got.events) != len(want.events) {
		t.Errorf("got %d events, want %d", len(got.events), len(want.events))
	}
	if findErr(got.errs, ErrCorrupt, "file header signature missing") == nil {
		t.Errorf("errors %v", got.errs)
	}
	// A bare chunk (carved) without any file header.
	got = readBytes(t, orig[fileHeaderBlock:fileHeaderBlock+chunkSize], Options{})
	n := 0
	for _, ev := range want.events {
		if ev.Source.Chunk == 0 {
			n++
		}
	}
	if len(got.events) != n || findErr(got.errs, ErrCorrupt, "no file header") == nil {
		t.Errorf("bare chunk: %d events (want %d), errors %v", len(got.events), n, got.errs)
	}
}

func TestFileHeaderChecks(t *testing.T) {
	b := bytes.Clone(readSample(t, cleanSample))
	binary.LittleEndian.PutUint16(b[38:], 4) // version 4.1
	got := readBytes(t, b, Options{})
	if findErr(got.errs, ErrChecksum, "file header CRC32") == nil || findErr(got.errs, ErrUnsupportedVersion, "4.1") == nil {
		t.Errorf("errors %v", got.errs)
	}
	if got.stats.Records != 1601 {
		t.Errorf("records %d", got.stats.Records)
	}
	for _, e := range got.errs {
		if e.Chunk != -1 || !strings.Contains(e.Error(), "file header") {
			t.Errorf("error %v not attributed to the file header", e)
		}
	}
}

// The Velocidex OOM crasher: read without crash, checksum errors reported.
func TestCrasher(t *testing.T) {
	b := readSample(t, "velocidex-evtx-oom-crasher.evtx")
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	got := readBytes(t, b, Options{})
	runtime.ReadMemStats(&ms1)
	if len(got.errs) == 0 || findErr(got.errs, ErrChecksum, "") == nil {
		t.Fatalf("errors %v", got.errs)
	}
	if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d bytes for a 68 KiB file", alloc)
	}
	t.Logf("%d events, %d errors, first: %v", len(got.events), len(got.errs), got.errs[0])
}

func TestWindowSkip(t *testing.T) {
	b := readSample(t, cleanSample)
	all := readBytes(t, b, Options{})
	since := all.events[500].Written
	until := all.events[700].Written
	got := readBytes(t, b, Options{Since: since, Until: until, Workers: 2})
	var want []*Event
	for _, ev := range all.events {
		if !ev.Written.Before(since) && !ev.Written.After(until) {
			want = append(want, ev)
		}
	}
	if strings.Join(ids(got.events), " ") != strings.Join(ids(want), " ") {
		t.Errorf("got %d events in the window, want %d", len(got.events), len(want))
	}
	if got.stats.Skipped != len(all.events)-len(want) || got.stats.Records != len(want) {
		t.Errorf("stats %+v", got.stats)
	}
	if !got.stats.First.Equal(all.stats.First) || !got.stats.Last.Equal(all.stats.Last) {
		t.Errorf("First/Last must cover skipped records too")
	}
	// Until before 1601 matches nothing; Since alone.
	if r := readBytes(t, b, Options{Until: time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)}); r.stats.Records != 0 {
		t.Errorf("until 1500: %d records", r.stats.Records)
	}
	if r := readBytes(t, b, Options{Since: since}); r.stats.Records+r.stats.Skipped != 1601 || r.stats.Records == 0 {
		t.Errorf("since only: %+v", r.stats)
	}
}

func goroutines() int {
	for range 50 {
		runtime.Gosched()
	}
	return runtime.NumGoroutine()
}

func TestCloseStopsWorkers(t *testing.T) {
	b := readSample(t, "michkoll__fakenevtx__tests__data__System.evtx")
	// Readers other tests abandoned are stopped by cleanups run after a
	// collection, from a goroutine the runtime starts on first use: let
	// that happen before counting.
	runtime.GC()
	runtime.GC()
	before := goroutines()
	r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if n := runtime.NumGoroutine(); n <= before {
		t.Fatalf("no worker goroutines running (%d <= %d)", n, before)
	}
	r.Close()
	after := goroutines()
	for deadline := time.Now().Add(2 * time.Second); after > before && time.Now().Before(deadline); after = goroutines() {
		time.Sleep(10 * time.Millisecond) // a goroutine of the runtime's, if any, exiting
	}
	if after > before {
		t.Errorf("%d goroutines after Close, %d before", after, before)
	}
	if _, err := r.Next(); err == nil || err == io.EOF {
		t.Errorf("Next after Close: %v", err)
	}
}

func TestAbandonedReaderStopsWorkers(t *testing.T) {
	b := readSample(t, "michkoll__fakenevtx__tests__data__System.evtx")
	before := goroutines()
	func() {
		r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: 4})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}()
	after := 0
	for range 100 {
		runtime.GC()
		if after = goroutines(); after <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d goroutines remain after the reader was dropped, %d before", after, before)
}

func TestFileCloseOnlyWhatItOpened(t *testing.T) {
	p := filepath.Join(realSamplesDir, cleanSample)
	f, err := OpenOptions(p, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Next(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.f.Close(); err == nil {
		t.Error("file still open after Close")
	}
	// NewReader's Close leaves the caller's ReaderAt alone.
	osf, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer osf.Close()
	fi, _ := osf.Stat()
	r, err := NewReader(osf, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if _, err := osf.ReadAt(make([]byte, 8), 0); err != nil {
		t.Errorf("caller's file closed by Reader.Close: %v", err)
	}
}

// A record whose size fields are both 0 (Windows wrote one in this sample)
// is read up to the next record, with a FormatError saying so; a window
// that excludes it skips it and reports the same problem.
func TestZeroSizeRecord(t *testing.T) {
	b := readSample(t, "omerbenamram__evtx__samples__sample-with-zero-data-size-event.evtx")
	const off = fileHeaderBlock + 0x820
	all := readBytes(t, b, Options{})
	var got *Event
	for _, ev := range all.events {
		if ev.Source.Offset == off {
			got = ev
		}
	}
	if got == nil || got.RecordID != 3 || got.System.EventID != 6005 || got.System.Provider.Name != "EventLog" {
		t.Fatalf("zero-size record 3 not read: %+v", got)
	}
	e := findErr(all.errs, ErrCorrupt, "size fields are 0")
	if e == nil || e.Offset != off || e.Record != 3 {
		t.Fatalf("errors %v", all.errs)
	}
	win := readBytes(t, b, Options{Since: got.Written.Add(time.Second)})
	if fmt.Sprint(win.errs) != fmt.Sprint(all.errs) {
		t.Errorf("a window changes the problems reported:\n%v\n%v", win.errs, all.errs)
	}
	if win.stats.Records+win.stats.Skipped != all.stats.Records {
		t.Errorf("window: %d yielded + %d skipped, want %d", win.stats.Records, win.stats.Skipped, all.stats.Records)
	}
}

// countingReaderAt counts the chunk-sized reads made through it.
type countingReaderAt struct {
	r      io.ReaderAt
	chunks atomic.Int32
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if len(p) == chunkSize {
		c.chunks.Add(1)
	}
	return c.r.ReadAt(p, off)
}

// The pipeline reads at most about 2×Workers chunks ahead of Next.
func TestBoundedReadAhead(t *testing.T) {
	b := readSample(t, "michkoll__fakenevtx__tests__data__System.evtx") // 33 chunk slots
	cr := &countingReaderAt{r: bytes.NewReader(b)}
	const workers = 2
	r, err := NewReaderOptions(cr, int64(len(b)), Options{Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	// Give the workers every chance to run ahead, then check the bound
	// (waiting longer can only make a violation visible).
	for range 20 {
		goroutines()
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("%d chunks read ahead", cr.chunks.Load())
	if n := cr.chunks.Load(); n > 2*workers+1 {
		t.Errorf("%d chunks read after the first event, want at most %d", n, 2*workers+1)
	}
	if n := readAll(t, r); len(n) == 0 {
		t.Error("no more events")
	}
}

// A record header with no time (0) says nothing about when the event
// happened: the window judges the record by its TimeCreated, like every
// other.
func TestWindowZeroHeaderTime(t *testing.T) {
	b := append([]byte(nil), readSample(t, cleanSample)...)
	all := readBytes(t, b, Options{})
	victim := all.events[10]
	off := victim.Source.Offset
	if string(b[off:off+4]) != "**\x00\x00" {
		t.Fatalf("no record header at %#x", off)
	}
	for i := off + 16; i < off+24; i++ {
		b[i] = 0
	}
	far := all.stats.Last.Add(24 * time.Hour)
	if got := readBytes(t, b, Options{Since: far}); len(got.events) != 0 {
		t.Fatalf("window past every record yielded %v", ids(got.events))
	}
	tc := victim.System.TimeCreated
	got := readBytes(t, b, Options{Since: tc, Until: tc})
	found := false
	for _, ev := range got.events {
		if !ev.System.TimeCreated.Equal(tc) {
			t.Errorf("record %d TimeCreated %v outside [%v, %v]", ev.RecordID, ev.System.TimeCreated, tc, tc)
		}
		found = found || ev.RecordID == victim.RecordID
	}
	if !found {
		t.Fatalf("window at its TimeCreated yielded %v, want record %d (header time zeroed)", ids(got.events), victim.RecordID)
	}
	// One zero-time record among current ones is damage, not an export.
	if got.stats.ZeroWritten != 1 || got.stats.Exported() {
		t.Errorf("ZeroWritten %d, Exported %v; want 1, false", got.stats.ZeroWritten, got.stats.Exported())
	}
	// A record without a time does not stretch the span the log covers
	// back to 1601 (which would make it "cover" any window).
	if !got.stats.First.Equal(all.stats.First) {
		t.Errorf("First = %v with a zero-time record, want %v", got.stats.First, all.stats.First)
	}
}

// Chunk buffers are reused as soon as a chunk is scanned: an event must
// not alias them. Events kept until the end of a parallel read render the
// same as events rendered the moment they were read.
func TestEventsOutliveChunkBuffers(t *testing.T) {
	b := readSample(t, "michkoll__fakenevtx__tests__data__System.evtx")
	var now []string
	r1, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := r1.Next()
		if err == io.EOF {
			break
		}
		now = append(now, ev.XML())
	}
	later := readBytes(t, b, Options{Workers: 4}).events
	if len(later) != len(now) || len(now) < 1000 {
		t.Fatalf("%d events kept, %d rendered at once", len(later), len(now))
	}
	for i, ev := range later {
		if x := ev.XML(); x != now[i] {
			t.Fatalf("event %d changed after its chunk buffer was reused:\n%s\n%s", i, x, now[i])
		}
	}
}

// A log cut at a chunk boundary (or right after its file header) loses
// whole chunks without a truncated one: the reader must still say so,
// naming the file and the offset where it ends, not report 0 problems.
func TestTruncatedAtChunkBoundary(t *testing.T) {
	orig := readSample(t, cleanSample)
	n := int(binary.LittleEndian.Uint16(orig[42:]))
	for _, keep := range []int{0, 3, n - 1} {
		cut := fileHeaderBlock + keep*chunkSize
		got := readBytes(t, orig[:cut], Options{Name: "cut.evtx"})
		e := findErr(got.errs, ErrCorrupt, "truncated file")
		if e == nil || e.File != "cut.evtx" || e.Offset != int64(cut) {
			t.Fatalf("%d of %d chunks kept: no truncation error naming file and offset %#x: %v", keep, n, cut, got.errs)
		}
		if !strings.Contains(e.Error(), fmt.Sprintf("%d chunks", n)) {
			t.Errorf("message %q does not give the header's chunk count", e.Error())
		}
	}
	// The whole file: no such error.
	if e := findErr(readBytes(t, orig, Options{}).errs, ErrCorrupt, "truncated file"); e != nil {
		t.Errorf("intact file: %v", e)
	}
}

// TestFileCutInsideHeaderBlock: a file cut inside the 4096-byte block of
// its header (after the 128-byte header itself) holds none of the chunks
// the header counts: that is said, not "0 problems".
func TestFileCutInsideHeaderBlock(t *testing.T) {
	b := readSample(t, "williballenthin__python-evtx__tests__data__system.evtx")
	for _, n := range []int{128, 2000, 4095, 4096} {
		res := readBytes(t, b[:n], Options{})
		if findErr(res.errs, ErrCorrupt, "truncated file") == nil {
			t.Errorf("cut at %d bytes: errors %v", n, res.errs)
		}
	}
}

// TestAllZeroChunkInsideCount: a chunk the intact file header counts as in
// use but that is all zero (a crash, a damaged copy) is a problem and a bad
// chunk; an all-zero slot past the count (preallocated) is not.
func TestAllZeroChunkInsideCount(t *testing.T) {
	b := bytes.Clone(readSample(t, "williballenthin__python-evtx__tests__data__system.evtx"))
	full := readBytes(t, b, Options{})
	if h := binary.LittleEndian.Uint16(b[42:]); h < 9 {
		t.Fatalf("header counts %d chunks", h)
	}
	lost := 0
	for _, ev := range full.events {
		if ev.Source.Chunk == 8 {
			lost++
		}
	}
	clear(chunkAt(b, 8))
	res := readBytes(t, b, Options{})
	if e := findErr(res.errs, ErrCorrupt, "chunk 8 is all zero"); e == nil || e.Offset != 4096+8*65536 {
		t.Fatalf("errors %v", res.errs)
	}
	if res.stats.BadChunks != 1 || len(res.events) != len(full.events)-lost || lost == 0 {
		t.Fatalf("bad chunks %d, %d events of %d (%d lost)", res.stats.BadChunks, len(res.events), len(full.events), lost)
	}
	// A preallocated slot past the count.
	pre := append(bytes.Clone(readSample(t, "williballenthin__python-evtx__tests__data__system.evtx")), make([]byte, 65536)...)
	res = readBytes(t, pre, Options{})
	if len(res.errs) != len(full.errs) || res.stats.BadChunks != full.stats.BadChunks {
		t.Fatalf("an all-zero slot past the count: errors %v", res.errs)
	}
}

// TestNotEVTXNamesALogFurtherOn: an input with no log at its start or at
// a chunk boundary, but a file header or a chunk further on (a carve that
// began early, a copy with bytes before the log), is still refused, and
// the error names where the log starts and how to copy it out; the bytes
// from there read as the log. Before, it said only "no file header or
// chunk signature", which a forensic user read as "no log in here".
func TestNotEVTXNamesALogFurtherOn(t *testing.T) {
	log := readSample(t, cleanSample)
	junk := bytes.Repeat([]byte("carved bytes, Elf\n"), 300) // 5,400 bytes, "Elf" among them
	for _, c := range []struct {
		name string
		data []byte
		at   int
		says string
	}{
		{"header", slices.Concat(junk, log), len(junk), "a log file header (ElfFile, checksum right) is at offset 0x1518"},
		{"chunks", slices.Concat(junk, log[fileHeaderBlock:]), len(junk), "a chunk header (ElfChnk, checksum right) is at offset 0x1518"},
	} {
		_, err := NewReaderOptions(bytes.NewReader(c.data), int64(len(c.data)), Options{Name: c.name})
		if !errors.Is(err, ErrNotEVTX) {
			t.Fatalf("%s: err = %v, want ErrNotEVTX", c.name, err)
		}
		if !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), fmt.Sprintf("tail -c +%d ", c.at+1)) {
			t.Errorf("%s: %q lacks %q or tail -c +%d", c.name, err, c.says, c.at+1)
		}
		want, got := readBytes(t, log, Options{}), readBytes(t, c.data[c.at:], Options{})
		if len(got.events) != len(want.events) || len(got.events) == 0 {
			t.Errorf("%s: the bytes from offset %d read %d events, the log %d", c.name, c.at, len(got.events), len(want.events))
		}
	}
	// A file header whose CRC32 is wrong is not named (random bytes can
	// start with the signature): the first chunk after it is.
	b := slices.Concat(junk, log)
	b[len(junk)+124] ^= 0xff
	if _, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Name: "bad"}); err == nil ||
		!strings.Contains(err.Error(), fmt.Sprintf("a chunk header (ElfChnk, checksum right) is at offset %#x", len(junk)+fileHeaderBlock)) {
		t.Errorf("a file header with a wrong CRC32, chunks off their boundaries: %v", err)
	}
}

// cleanChunk3 returns the bytes of cleanSample, its read, and the events
// of its chunk 3 (at least 20), which the tests of damage inside a chunk
// zero parts of.
func cleanChunk3(t *testing.T) ([]byte, readResult, []*Event) {
	t.Helper()
	orig := readSample(t, cleanSample)
	want := readBytes(t, orig, Options{})
	var inChunk []*Event
	for _, ev := range want.events {
		if ev.Source.Chunk == 3 {
			inChunk = append(inChunk, ev)
		}
	}
	if len(inChunk) < 20 {
		t.Fatalf("chunk 3 has %d records", len(inChunk))
	}
	return orig, want, inChunk
}

// readCounter counts every read made through it.
type readCounter struct {
	r     io.ReaderAt
	n     int
	bytes int64
}

func (c *readCounter) ReadAt(p []byte, off int64) (int, error) {
	c.n++
	c.bytes += int64(len(p))
	return c.r.ReadAt(p, off)
}

// TestNotEVTXSearchReadsInBlocks: looking for a log further on in an input
// that is not one reads it in blocks, not once more per "Elf" in it. Before,
// each "Elf" was read again: 10 million of them before a log took 19 s
// (dump of a 30 MB file); now 0.8 s. A header that starts just before a
// block's end, crossing into the next block, is still found.
func TestNotEVTXSearchReadsInBlocks(t *testing.T) {
	log := readSample(t, cleanSample)
	const block = 64 << 10
	for _, lead := range []int{3 * block, 3*block - 7} {
		junk := bytes.Repeat([]byte("Elf"), lead/3+1)[:lead]
		data := slices.Concat(junk, log)
		rc := &readCounter{r: bytes.NewReader(data)}
		off, _, ok := signatureWithin(rc, 0, int64(len(data)), true)
		if !ok || off != int64(lead) {
			t.Fatalf("lead %d: found %v at %d, want the log at %d", lead, ok, off, lead)
		}
		if rc.n > lead/block+2 {
			t.Errorf("lead %d: %d reads for %d bytes before the log, want at most %d (one a 64 KiB block)", lead, rc.n, lead, lead/block+2)
		}
	}
}
