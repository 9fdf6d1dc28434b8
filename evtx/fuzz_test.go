package evtx

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzReader feeds arbitrary bytes to the reader. Seeds: the small real
// samples in testdata/evtx and the Velocidex OOM crasher. The reader must
// not panic, hang or allocate without bound, a window on TimeCreated must
// yield exactly the plain read filtered afterwards (fuzzWindow), and what
// it reports must be consistent: LostRecords names no record the read
// yields.
// gapRun matches the records a gap names (gapRecords).
var gapRun = regexp.MustCompile(`records? (\d+)(?: to (\d+) \(\d+\))? (?:was|were) written here and (?:is|are) not read`)

func FuzzReader(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(realSamplesDir, "*.evtx"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= 70000 {
			f.Add(b)
			if len(b) > fileHeaderBlock && (len(b)-fileHeaderBlock)%chunkSize == 0 {
				// Followed by another log's file header
				// (TestAppendedLogNotRead).
				f.Add(slices.Concat(b, b[:fileHeaderBlock]))
				// Its signature lost, or bare chunks, followed by
				// another log (TestAppendedLogAfterLostHeader).
				f.Add(slices.Concat([]byte("XXXXXXXX"), b[8:], b[:fileHeaderBlock]))
				f.Add(slices.Concat(b[fileHeaderBlock:], b[:fileHeaderBlock]))
				// Followed by another log whose file header is
				// damaged, found by its first chunk when that
				// chunk's header is intact
				// (TestAppendedLogDamagedHeader); when it is not
				// (Application_no_crc32), read as damaged chunks
				// of the first log, whose records copy the first
				// log's (TestWindowDropsCopiesOfPassedRecords).
				bad := slices.Clone(b)
				bad[124] ^= 0xff
				f.Add(slices.Concat(b, bad))
			}
			if len(b) > fileHeaderBlock+1000 {
				// Cut inside a chunk, followed by another log
				// (TestAppendedLogAfterCutLog).
				f.Add(slices.Concat(b[:len(b)-1000], b[:fileHeaderBlock]))
			}
			if len(b) > fileHeaderBlock && (len(b)-fileHeaderBlock)%chunkSize == 0 {
				// More logs than two, each named with its own
				// bytes (TestLaterLogs); one whose header and
				// first chunk are damaged, found by its second
				// chunk and stepped back to its start
				// (TestAppendedLogDamagedStart); one cut inside a
				// chunk, then a damaged log and an intact one; a
				// header counting chunks past the next log
				// (TestLaterLogs).
				two := slices.Concat(withChunkCount(b, 2), b[fileHeaderBlock:])
				f.Add(slices.Concat(b, b, b))
				f.Add(slices.Concat(b, damageLog(two, "crc", "crc")))
				f.Add(slices.Concat(b, damageLog(two, "zeroed", "signature"), b))
				f.Add(slices.Concat(b[:len(b)-1000], damageLog(b, "crc", ""), b))
				f.Add(slices.Concat(b[:len(b)-1000], damageLog(two, "signature", "zeroed"), b))
				f.Add(slices.Concat(withChunkCount(b, 5), b, damageLog(b, "crc", "signature")))
				// Cut a file header block before its chunk's end:
				// the next logs' chunks lie on its chunk offsets.
				f.Add(slices.Concat(b[:len(b)-fileHeaderBlock], b, b))
				// So cut, followed by a log whose file header is
				// damaged (TestAppendedLogDamagedHeaderInSlot).
				f.Add(slices.Concat(b[:len(b)-fileHeaderBlock], damageLog(b, "signature", ""), b))
			}
		}
	}
	f.Add([]byte{})
	f.Add([]byte("ElfFile\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, workers := range []int{1, 3} {
			r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: workers, Name: "fuzz"})
			if err != nil {
				if !errors.Is(err, ErrNotEVTX) {
					t.Fatalf("NewReader: %v", err)
				}
				return
			}
			_ = r.NewestTime() // must not panic or hang, and must not move Next
			fw, lw := r.WrittenEnds()
			var highest, lowest *Event
			var offsets []int64
			var ids []uint64
			byChunk := map[int][]uint64{} // the records read of each chunk
			n := 0
			for {
				ev, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				if highest == nil || ev.RecordID > highest.RecordID {
					highest = ev
				}
				if lowest == nil || ev.RecordID < lowest.RecordID {
					lowest = ev
				}
				if ev == nil || ev.Source.Offset < 0 || ev.Source.Offset >= int64(len(b)) {
					t.Fatalf("event %+v outside the input", ev)
				}
				if workers == 1 {
					// Render what was decoded (must not panic), as
					// well-formed XML 1.0.
					if err := wellFormed(ev.AppendXML(nil)); err != nil {
						t.Fatalf("record %d: XML not well-formed: %v\n%s", ev.RecordID, err, ev.AppendXML(nil))
					}
					_ = ev.AppendText(nil, n)
				}
				if ev.Recovered != "" {
					t.Fatalf("record %d from chunk slack in a plain read", ev.RecordID)
				}
				offsets = append(offsets, ev.Source.Offset)
				ids = append(ids, ev.RecordID)
				byChunk[ev.Source.Chunk] = append(byChunk[ev.Source.Chunk], ev.RecordID)
				n++
			}
			// LostRecords names runs in order, none holding a record
			// the read yielded.
			lost := r.LostRecords()
			for i, l := range lost {
				if l.BeforeID <= l.AfterID+1 || i > 0 && l.AfterID < lost[i-1].BeforeID {
					t.Fatalf("lost runs %+v: run %d empty or out of order", lost, i)
				}
			}
			for _, id := range ids {
				i, _ := slices.BinarySearchFunc(lost, id, func(l LostSpan, id uint64) int {
					if l.BeforeID <= id {
						return -1
					}
					if l.AfterID >= id {
						return 1
					}
					return 0
				})
				if i < len(lost) && lost[i].AfterID < id && id < lost[i].BeforeID {
					t.Fatalf("record %d, which Next yields, named lost (%d..%d)", id, lost[i].AfterID, lost[i].BeforeID)
				}
			}
			// LastWritten is the plain read's highest record number.
			if (lw == nil) != (highest == nil) || lw != nil && (lw.RecordID != highest.RecordID || lw.Source != highest.Source) {
				t.Fatalf("LastWritten %+v, highest record read %+v", lw, highest)
			}
			if (fw == nil) != (lowest == nil) || fw != nil && (fw.RecordID != lowest.RecordID || fw.Source != lowest.Source) {
				t.Fatalf("first-written %+v, lowest record read %+v", fw, lowest)
			}
			st := r.Stats()
			if st.Records != n {
				t.Fatalf("Stats.Records = %d, yielded %d", st.Records, n)
			}
			// Recovered and Partial also count the copies of yielded
			// records (Stats: "a copy decoded in part of a record yielded
			// before counts too"), which are in Duplicates, not Records.
			if st.Recovered > st.Records+st.Skipped+st.Filtered+st.BadRecords+st.Duplicates || st.Partial+st.PartialHeld > st.Records+st.Duplicates ||
				st.PartialHeld < 0 || st.BadChunks > st.Chunks || st.UnreadBytes > int64(len(b)) || st.SlackRead != 0 {
				t.Fatalf("inconsistent stats %+v", st)
			}
			// Records decoded in part that the file holds in full too
			// (settlePartial) are told apart whatever the window and the
			// filter: the counts are those of the plain read.
			for _, o := range []Options{{Workers: workers, Since: time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)}, {Workers: workers, Filter: func(Summary) bool { return false }}} {
				ws := fuzzStats(t, b, o)
				if ws.Partial != st.Partial || ws.PartialHeld != st.PartialHeld {
					t.Fatalf("window %v, filter %v: %d records decoded in part, %d held in full; plain read %d, %d",
						!o.Since.IsZero(), o.Filter != nil, ws.Partial, ws.PartialHeld, st.Partial, st.PartialHeld)
				}
			}
			// The runs of lost records (LostRecords) each skip at least
			// one number, and only the last may be the newest records,
			// after every record read, with no record after it. A log
			// none of whose records reads (a chunk holding record 1 that
			// does not decode, a header counting 39) may still have lost
			// its newest records (seed a50ba20943a6e8fa).
			for i, l := range r.LostRecords() {
				if l.BeforeID <= l.AfterID+1 || l.Newest && (l.Before != nil || i != len(r.LostRecords())-1 || highest != nil && l.AfterID < highest.RecordID) {
					t.Fatalf("lost run %d: %+v (highest record read %+v)", i, l, highest)
				}
			}
			// CutLoss reads the chunk the input ends in again (cutTail):
			// it must not panic, Counted is never Known, and old records
			// said lost are a run of numbers after the last one read
			// before the cut (AfterID) and below BeforeID.
			if cl := r.CutLoss(); cl.Counted && cl.Known || cl.Known && !cl.Newest && cl.BeforeID != 0 && cl.BeforeID <= cl.AfterID+1 || cl.Why == "" {
				t.Fatalf("CutLoss %+v", cl)
			}
			// A record read as its EventRecordID (damagedRecordID) is
			// yielded with the number its problem names, whether its
			// records checksum was wrong or right.
			for _, e := range r.Errors() {
				if !strings.Contains(e.Error(), "read as its EventRecordID") {
					continue
				}
				for i, off := range offsets {
					if off == e.Offset && ids[i] != e.Record {
						t.Fatalf("problem %q, but the record at %#x is yielded as %d", e, off, ids[i])
					}
				}
			}
			last := int64(-1)
			for _, e := range r.Errors() {
				if e.File != "fuzz" || e.Err == nil {
					t.Fatalf("bad FormatError %#v", e)
				}
				if strings.Contains(e.Error(), "decoder panic") {
					t.Fatalf("decoder panicked: %v", e)
				}
				if e.Offset < last {
					t.Fatalf("errors out of file order: %v after offset %#x", e, last)
				}
				// The records a gap names as written there and not read
				// (gapRecords) are none of those its chunk yields.
				if m := gapRun.FindStringSubmatch(e.Error()); m != nil {
					lo, _ := strconv.ParseUint(m[1], 10, 64)
					hi := lo
					if m[2] != "" {
						hi, _ = strconv.ParseUint(m[2], 10, 64)
					}
					for _, id := range byChunk[e.Chunk] {
						if id >= lo && id <= hi {
							t.Fatalf("%v: record %d of chunk %d was read", e, id, e.Chunk)
						}
					}
				}
				last = e.Offset
			}
			r.Close()
			if workers == 1 {
				// The template cache changes nothing (tmplcache.go).
				cached := readText(t, b)
				templateCacheOff = true
				plain := readText(t, b)
				templateCacheOff = false
				if cached != plain {
					t.Fatalf("the template cache changes the read:\n%s\nwithout:\n%s", cached, plain)
				}
				// Nor does reusePlain.
				plainReuseOff = true
				general := readText(t, b)
				plainReuseOff = false
				if cached != general {
					t.Fatalf("reusePlain changes the read:\n%s\nwithout:\n%s", cached, general)
				}
			}

			// With Recover: the same events first, then only records of
			// chunk slack, flagged; every partial event reported.
			rr, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: workers, Recover: true})
			if err != nil {
				t.Fatalf("NewReader with Recover: %v", err)
			}
			var partialAt []int64
			for i := 0; ; i++ {
				ev, err := rr.Next()
				if err == io.EOF {
					if i < n {
						t.Fatalf("Recover yields %d events, the plain read %d", i, n)
					}
					break
				}
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				if i < n && (ev.Source.Offset != offsets[i] || ev.Recovered != "") || i >= n && ev.Recovered != RecoveredSlack && ev.Recovered != RecoveredUnallocated {
					t.Fatalf("Recover event %d: record %d at %#x flagged %q", i, ev.RecordID, ev.Source.Offset, ev.Recovered)
				}
				if i >= n && workers == 1 {
					if err := wellFormed(ev.AppendXML(nil)); err != nil {
						t.Fatalf("slack record %d: XML not well-formed: %v", ev.RecordID, err)
					}
				}
				if ev.Partial != "" {
					partialAt = append(partialAt, ev.Source.Offset)
				}
			}
			rs := rr.Stats()
			if rs.SlackRead+rs.SlackUnreadable > st.Stale || rs.Stale != st.Stale || rs.Records != n+rs.SlackRead {
				t.Fatalf("Recover stats %+v, plain %+v", rs, st)
			}
			reported := map[int64]bool{}
			for _, e := range rr.Errors() {
				reported[e.Offset] = true
			}
			for _, off := range partialAt {
				if !reported[off] {
					t.Fatalf("partial event at %#x not reported", off)
				}
			}
			rr.Close()

			// A filtered read: yielded plus passed-over records cover at
			// least what the plain read yielded. (A record whose summary
			// cannot be read is decoded whatever the filter would say, so
			// what it yields need not pass the filter.)
			fr, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: workers,
				Filter: func(s Summary) bool { return s.EventID%2 == 0 }})
			if err != nil {
				t.Fatalf("NewReader with a filter: %v", err)
			}
			for {
				_, err := fr.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
			}
			if fs := fr.Stats(); fs.Records+fs.Filtered+fs.BadRecords+fs.Stale+fs.Duplicates < n {
				t.Fatalf("filtered read: %+v; the plain read yielded %d", fs, n)
			}
			fr.Close()
		}
		fuzzWindow(t, b)
	})
}

// fuzzWindow: a read with a window on TimeCreated yields exactly the
// events of the plain read whose TimeCreated (TimeCreatedOf) lies in it,
// or that have none, for windows cut at the events' own times.
func fuzzWindow(t *testing.T, b []byte) {
	all := fuzzRead(t, b, Options{Workers: 1})
	var ts []time.Time
	for _, ev := range all {
		if tc, ok := TimeCreatedOf(ev); ok {
			ts = append(ts, tc)
		}
	}
	if len(ts) == 0 {
		return
	}
	for _, w := range [][2]time.Time{{ts[len(ts)/2], {}}, {{}, ts[len(ts)/3]}, {ts[0], ts[0]}} {
		var want []string
		for _, ev := range all {
			tc, ok := TimeCreatedOf(ev)
			if !ok || (w[0].IsZero() || !tc.Before(w[0])) && (w[1].IsZero() || !tc.After(w[1])) {
				want = append(want, fmt.Sprintf("%d@%d %s", ev.RecordID, ev.Source.Offset, ev.AppendXML(nil)))
			}
		}
		var got []string
		for _, ev := range fuzzRead(t, b, Options{Workers: 2, Since: w[0], Until: w[1]}) {
			got = append(got, fmt.Sprintf("%d@%d %s", ev.RecordID, ev.Source.Offset, ev.AppendXML(nil)))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("window %v..%v: %d events, the plain read filtered after %d", w[0], w[1], len(got), len(want))
		}
	}
	// The window memo (memo.go) changes nothing: reads sharing one, each
	// window after the others (the later ones served by what the earlier
	// ones kept, and by what WrittenEnds kept before them), read as reads
	// without, and WrittenEnds from the memo finds a plain reader's ends.
	memo := &windowMemo{chunks: map[int]*chunkMemo{}}
	wantFirst, wantLast := fuzzEnds(t, b, nil)
	for range 2 { // the walk that fills the memo, then the ends it kept
		if first, last := fuzzEnds(t, b, memo); first != wantFirst || last != wantLast {
			t.Fatalf("WrittenEnds with a memo: %s, %s; without: %s, %s", first, last, wantFirst, wantLast)
		}
	}
	ws := [][2]time.Time{{ts[len(ts)/2], {}}, {{}, ts[len(ts)/3]}, {ts[0], ts[0]}, {ts[len(ts)-1].Add(time.Second), {}}, {{}, ts[0].Add(-time.Second)}}
	for _, w := range append(ws, ws...) {
		o := Options{Workers: 2, Since: w[0], Until: w[1], Name: "fuzz"}
		if got, want := readTextMemo(t, b, o, memo), readTextMemo(t, b, o, nil); got != want {
			t.Fatalf("window %v..%v: the memo changes the read:\n%s\nwithout:\n%s", w[0], w[1], got, want)
		}
	}
}

// fuzzEnds returns WrittenEnds of b, read with memo m, as text.
func fuzzEnds(t *testing.T, b []byte, m *windowMemo) (first, last string) {
	r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: 2, Name: "fuzz"})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	r.src.memo = m
	f, l := r.WrittenEnds()
	text := func(ev *Event) string {
		if ev == nil {
			return "none"
		}
		return fmt.Sprintf("%d@%d %s", ev.RecordID, ev.Source.Offset, ev.AppendXML(nil))
	}
	return text(f), text(l)
}

// readTextMemo reads b with o and memo m: each event, then the stats and
// errors, as text.
func readTextMemo(t *testing.T, b []byte, o Options, m *windowMemo) string {
	r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
	if err != nil {
		return err.Error()
	}
	defer r.Close()
	r.src.memo = m
	var out strings.Builder
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		fmt.Fprintf(&out, "%d %q %s\n", ev.RecordID, ev.Partial, ev.AppendXML(nil))
	}
	fmt.Fprintf(&out, "%+v %v", r.Stats(), r.Errors())
	return out.String()
}

func fuzzRead(t *testing.T, b []byte, o Options) []*Event {
	r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	defer r.Close()
	var evs []*Event
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		evs = append(evs, ev)
	}
}

// wellFormed parses x with encoding/xml in strict mode (which refuses what
// XML 1.0 forbids, character references included).
func wellFormed(x []byte) error {
	d := xml.NewDecoder(bytes.NewReader(x))
	d.Strict = true
	for {
		if _, err := d.Token(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// readText reads b with one worker: each event, then the stats and errors,
// as text.
func readText(t *testing.T, b []byte) string {
	return readTextMemo(t, b, Options{Workers: 1, Name: "fuzz"}, nil)
}

// fuzzStats reads b with o to the end and returns its Stats.
func fuzzStats(t *testing.T, b []byte, o Options) Stats {
	r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	defer r.Close()
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("Next: %v", err)
		}
	}
	return r.Stats()
}
