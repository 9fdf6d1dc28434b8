package evtx

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"testing"
	"time"
)

// settleVariants are omerbenamram's system.evtx with the second half of
// chunk 1 overwritten by that of chunk 3 (records decoded in part there
// whose copies chunk 3 holds in full), and the same with chunk 3 zeroed
// (no copy in full), as in TestPartialHeldInFullNotCounted; and the
// offset of chunk 3.
func settleVariants(t *testing.T) (held, lone []byte, c3 int64) {
	t.Helper()
	b, err := os.ReadFile("../testdata/evtx/omerbenamram__evtx__samples__system.evtx")
	if err != nil {
		t.Fatal(err)
	}
	const hdr = 4096
	c1 := hdr + chunkSize
	c3 = hdr + 3*chunkSize
	held = bytes.Clone(b)
	copy(held[c1+chunkSize/2:c1+chunkSize], b[c3+chunkSize/2:c3+chunkSize])
	lone = bytes.Clone(held)
	clear(lone[c3 : c3+chunkSize])
	return held, lone, c3
}

// readAllText reads r to io.EOF: every event's record number, Partial and
// Recovered, then Stats and Errors.
func readAllText(t *testing.T, r *Reader) string {
	t.Helper()
	defer r.Close()
	var b bytes.Buffer
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d %q %q\n", ev.RecordID, ev.Partial, ev.Recovered)
	}
	fmt.Fprintf(&b, "%+v\n%v\n", r.Stats(), r.Errors())
	return b.String()
}

// TestSettleMemoEqualsRead: readers of one file sharing a memo count the
// records decoded in part that the file holds in full (settlePartial) as
// a reader without a memo does, whatever the window, filter and workers,
// and the memo answers all but the first settling read (the records in
// part are the same whatever the window and filter).
func TestSettleMemoEqualsRead(t *testing.T) {
	held, lone, _ := settleVariants(t)
	far := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	opts := []Options{
		{Workers: 1},
		{Workers: 2, Since: far},
		{Workers: 1, Filter: func(s Summary) bool { return s.EventID%2 == 0 }},
	}
	for _, c := range []struct {
		name string
		d    []byte
	}{{"held in full", held}, {"no copy in full", lone}} {
		m := &windowMemo{chunks: map[int]*chunkMemo{}}
		for i, o := range opts {
			o.Name = "system.evtx"
			plain, err := NewReaderOptions(bytes.NewReader(c.d), int64(len(c.d)), o)
			if err != nil {
				t.Fatal(err)
			}
			want := readAllText(t, plain)
			r, err := NewReaderOptions(bytes.NewReader(c.d), int64(len(c.d)), o)
			if err != nil {
				t.Fatal(err)
			}
			r.src.memo = m
			if got := readAllText(t, r); got != want {
				t.Fatalf("%s, read %d: with the memo\n%s\nwithout\n%s", c.name, i, got, want)
			}
		}
		if m.settleReads != 1 || len(m.settled) < 50 {
			t.Errorf("%s: %d settling reads of the file for %d reads, %d keys kept; want 1 and at least 50", c.name, m.settleReads, len(opts), len(m.settled))
		}
	}
}

// TestSettleMemoAfterReadError: a settling read during which a chunk
// could not be read (the one holding the copies in full) keeps nothing:
// a later reader whose reads succeed counts as a plain reader does.
func TestSettleMemoAfterReadError(t *testing.T) {
	held, _, c3 := settleVariants(t)
	plain, err := NewReaderOptions(bytes.NewReader(held), int64(len(held)), Options{Workers: 1, Name: "system.evtx"})
	if err != nil {
		t.Fatal(err)
	}
	want := readAllText(t, plain)
	m := &windowMemo{chunks: map[int]*chunkMemo{}}
	fr := &flakyReader{b: bytes.NewReader(held), bad: c3}
	fr.fail.Store(true)
	r1, err := NewReaderOptions(fr, int64(len(held)), Options{Workers: 1, Name: "system.evtx"})
	if err != nil {
		t.Fatal(err)
	}
	r1.src.memo = m
	readAllText(t, r1)
	if len(m.settled) != 0 {
		t.Fatalf("the memo keeps %d keys of a settling read that failed", len(m.settled))
	}
	fr.fail.Store(false)
	r2, err := NewReaderOptions(fr, int64(len(held)), Options{Workers: 1, Name: "system.evtx"})
	if err != nil {
		t.Fatal(err)
	}
	r2.src.memo = m
	if got := readAllText(t, r2); got != want {
		t.Fatalf("after a failed read, with the memo\n%s\nwithout\n%s", got, want)
	}
}
