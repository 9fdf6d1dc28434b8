package evtx

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
	"time"
)

// TestMemoProblemsBounded: a memo holds at most maxMemoProblems problems
// however many damaged chunks WrittenEnds and the windowed reads keep, and
// reads sharing it still read as reads without.
func TestMemoProblemsBounded(t *testing.T) {
	b := bytes.Clone(testLogs(t)["michkoll__fakenevtx__tests__data__System.evtx"])
	le := binary.LittleEndian
	// Every chunk loses the signatures of two records (two gaps), its
	// records checksum recomputed: two problems a chunk, none in a record
	// a window decodes.
	damagedChunks := 0
	for off := fileHeaderBlock; off+chunkSize <= len(b); off += chunkSize {
		c := b[off : off+chunkSize]
		spans := recordSpans(c)
		if string(c[:8]) != string(chunkMagic) || len(spans) < 8 {
			continue
		}
		// Two records' signatures and size fields: unreadable (a damaged
		// signature alone, both size copies intact, is read).
		for _, k := range []int{2, 5} {
			c[spans[k][0]] = 'X'
			clear(c[spans[k][0]+4 : spans[k][0]+8])
		}
		free := int(le.Uint32(c[48:]))
		le.PutUint32(c[52:], crc32.ChecksumIEEE(c[chunkHeaderSize:free]))
		le.PutUint32(c[124:], chunkHeaderCRC(c))
		damagedChunks++
	}
	if damagedChunks < 20 {
		t.Fatalf("%d chunks damaged", damagedChunks)
	}
	defer func(n int) { maxMemoProblems = n }(maxMemoProblems)
	maxMemoProblems = 11
	m := &windowMemo{chunks: map[int]*chunkMemo{}}
	r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: 2, Name: "damaged"})
	if err != nil {
		t.Fatal(err)
	}
	r.src.memo = m
	r.WrittenEnds()
	all := fuzzRead(t, b, Options{Workers: 1})
	if len(all) < 100 {
		t.Fatalf("%d events", len(all))
	}
	var ws [][2]time.Time
	for _, i := range []int{0, len(all) / 3, len(all) / 2, len(all) - 1} {
		if tc, ok := TimeCreatedOf(all[i]); ok {
			ws = append(ws, [2]time.Time{tc, {}}, [2]time.Time{{}, tc}, [2]time.Time{tc, tc.Add(time.Hour)})
		}
	}
	for _, w := range append(ws, ws...) {
		o := Options{Workers: 2, Since: w[0], Until: w[1], Name: "damaged"}
		if got, want := readTextMemo(t, b, o, m), readTextMemo(t, b, o, nil); got != want {
			t.Fatalf("window %v..%v: the memo changes the read:\n%s\nwithout:\n%s", w[0], w[1], got, want)
		}
	}
	held, damaged := 0, 0
	for _, cm := range m.chunks {
		held += len(cm.errs)
		if len(cm.errs) > 0 {
			damaged++
		}
	}
	if held > maxMemoProblems || held != m.problems {
		t.Fatalf("the memo holds %d problems (counted %d), at most %d should be", held, m.problems, maxMemoProblems)
	}
	if damaged == 0 || m.served == 0 {
		t.Fatalf("the memo holds %d damaged chunks and served %d reads: the test proves little", damaged, m.served)
	}
	t.Logf("%d damaged chunks; the memo holds %d chunks, %d of them damaged (%d problems), and served %d reads", damagedChunks, len(m.chunks), damaged, held, m.served)
}
