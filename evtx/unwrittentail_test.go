package evtx_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// fullChunksLog returns a log written by evtxtest whose n chunks are all
// full (the records of a longer log up to the last record of its n-th
// chunk), with o's options, followed by pad all-zero 64 KiB chunk slots
// (the unused slots a log's file holds past its chunks).
func fullChunksLog(t *testing.T, n, pad int, o evtxtest.Options) []byte {
	t.Helper()
	evs := evtxtest.Noise(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), time.Second, 300*(n+1))
	b, err := evtxtest.Bytes(evs, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 4096+(n+1)*65536 {
		t.Fatalf("the log of %d events has fewer than %d chunks", len(evs), n+1)
	}
	last := binary.LittleEndian.Uint64(b[4096+(n-1)*65536+16:]) // chunk n-1's last record number
	if b, err = evtxtest.Bytes(evs[:last], o); err != nil {
		t.Fatal(err)
	}
	if len(b) != 4096+n*65536 {
		t.Fatalf("%d records: %d bytes, want %d chunks", last, len(b), n)
	}
	return append(b, make([]byte, pad*65536)...)
}

// cutLastPage zeroes the last 4 KiB of chunk c of b and checks that a
// record runs into them (its bytes just before them are not all zero).
func cutLastPage(t *testing.T, b []byte, c int) int {
	t.Helper()
	end := 4096 + (c+1)*65536
	if free := int(binary.LittleEndian.Uint32(b[4096+c*65536+48:])); free <= 65536-4096 {
		t.Fatalf("chunk %d's records end at %#x, before its last 4 KiB", c, free)
	}
	if bytes.Count(b[end-4096-64:end-4096], []byte{0}) == 64 {
		t.Fatalf("chunk %d: no record runs into its last 4 KiB", c)
	}
	clear(b[end-4096 : end])
	return end - 4096
}

// TestUnwrittenLastPage: a record of a chunk cut by the 4 KiB of zeros
// that end its chunk slot. Where the file header says the log was in use
// (its dirty flag set, the header intact) and what follows the chunk is
// the log's own (unused slots, or its next chunk), the zeros are a page
// the event log service had not yet written to disk, as a crash or a
// copy of a live log leaves it: the problem says so (ErrUnwritten), not
// damage. Before, the same problem named the zeros as damage where a
// later log's zeroed file header may lie ("the chunks from offset ... on
// may be another log's"). A log closed cleanly (flag clear), one whose
// file header is not intact, and a dirty one followed by a chunk that does
// not continue its numbers still get that problem, at the zeros' offset
// and naming the file.
func TestUnwrittenLastPage(t *testing.T) {
	const name = "System.evtx"
	read := func(t *testing.T, b []byte) ([]*evtx.Event, []*evtx.FormatError) {
		t.Helper()
		rd, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Name: name, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer rd.Close()
		var evs []*evtx.Event
		for {
			ev, err := rd.Next()
			if err != nil {
				break
			}
			evs = append(evs, ev)
		}
		return evs, rd.Errors()
	}
	// zerosProblem returns the one problem at the zeros' offset about them.
	zerosProblem := func(t *testing.T, errs []*evtx.FormatError, at int) *evtx.FormatError {
		t.Helper()
		var got []*evtx.FormatError
		for _, e := range errs {
			if strings.Contains(e.Error(), "are zeros") {
				got = append(got, e)
			}
		}
		if len(got) != 1 || got[0].Offset != int64(at) || got[0].File != name {
			t.Fatalf("problems about the zeros: %v; want one, at offset %#x of %s", got, at, name)
		}
		return got[0]
	}
	wantUnwritten := func(t *testing.T, e *evtx.FormatError, after string) {
		t.Helper()
		if !errors.Is(e, evtx.ErrUnwritten) || errors.Is(e, evtx.ErrCorrupt) {
			t.Errorf("%v: want evtx.ErrUnwritten, not ErrCorrupt", e)
		}
		for _, s := range []string{"dirty flag is set", "had not yet written to disk", after} {
			if !strings.Contains(e.Error(), s) {
				t.Errorf("%v: does not say %q", e, s)
			}
		}
		if strings.Contains(e.Error(), "another log's") {
			t.Errorf("%v: names the chunks after the zeros as another log's", e)
		}
	}
	wantDamage := func(t *testing.T, e *evtx.FormatError) {
		t.Helper()
		if !errors.Is(e, evtx.ErrCorrupt) || errors.Is(e, evtx.ErrUnwritten) {
			t.Errorf("%v: want evtx.ErrCorrupt, not ErrUnwritten", e)
		}
		if !strings.Contains(e.Error(), "may be another log's") {
			t.Errorf("%v: does not say that the chunks after the zeros may be another log's", e)
		}
	}

	t.Run("crash: the newest chunk, unused slots after it", func(t *testing.T) {
		b := fullChunksLog(t, 2, 2, evtxtest.Options{Dirty: true})
		at := cutLastPage(t, b, 1)
		evs, errs := read(t, b)
		wantUnwritten(t, zerosProblem(t, errs, at), "no chunk slot after it holds a chunk")
		if len(evs) == 0 {
			t.Fatal("no event read")
		}
		// The same bytes with the flag clear: the same events.
		c := bytes.Clone(b)
		c[120] &^= evtxtest.FlagDirty
		evs2, _ := read(t, c)
		if fmt.Sprint(recIDs(evs)) != fmt.Sprint(recIDs(evs2)) {
			t.Errorf("events with the dirty flag %v, without %v", recIDs(evs), recIDs(evs2))
		}
	})
	t.Run("crash: a chunk followed by the log's next chunk", func(t *testing.T) {
		b := fullChunksLog(t, 3, 0, evtxtest.Options{Dirty: true})
		at := cutLastPage(t, b, 1)
		_, errs := read(t, b)
		wantUnwritten(t, zerosProblem(t, errs, at), "the next chunk slot holds the log's next chunk")
	})
	t.Run("damage: closed cleanly", func(t *testing.T) {
		b := fullChunksLog(t, 2, 2, evtxtest.Options{})
		at := cutLastPage(t, b, 1)
		_, errs := read(t, b)
		wantDamage(t, zerosProblem(t, errs, at))
	})
	t.Run("damage: file header not intact", func(t *testing.T) {
		b := fullChunksLog(t, 2, 2, evtxtest.Options{Dirty: true, BadFileHeaderCRC: true})
		at := cutLastPage(t, b, 1)
		_, errs := read(t, b)
		wantDamage(t, zerosProblem(t, errs, at))
	})
	t.Run("damage: dirty, followed by a chunk that does not continue it", func(t *testing.T) {
		b := fullChunksLog(t, 3, 0, evtxtest.Options{Dirty: true})
		at := cutLastPage(t, b, 1)
		// Chunk 2 renumbered as another log's first chunk (record
		// numbers from 1), its header checksum made right.
		c := b[4096+2*65536 : 4096+3*65536]
		first, last := binary.LittleEndian.Uint64(c[8:]), binary.LittleEndian.Uint64(c[16:])
		binary.LittleEndian.PutUint64(c[8:], 1)
		binary.LittleEndian.PutUint64(c[16:], last-first+1)
		binary.LittleEndian.PutUint32(c[124:], crc32.ChecksumIEEE(append(bytes.Clone(c[:120]), c[128:512]...)))
		_, errs := read(t, b)
		wantDamage(t, zerosProblem(t, errs, at))
	})
	// The next slot holds a chunk numbered on from the cut one, but
	// another log's (foreignChunks: it claims numbers up to past chunk 3's
	// first, which chunk 3, in order with the log's others, holds): it is
	// not the log's next chunk, and the problem did say "the next chunk
	// slot holds the log's next chunk".
	t.Run("damage: dirty, followed by another log's chunk numbered on from it", func(t *testing.T) {
		b := fullChunksLog(t, 5, 0, evtxtest.Options{Dirty: true})
		lastOf := func(c int) uint64 { return binary.LittleEndian.Uint64(b[4096+c*65536+16:]) }
		evs := evtxtest.Noise(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Second, 100)
		for _, ev := range evs {
			ev.System.Computer = "vm2.contoso.com"
		}
		evs[0].RecordID = lastOf(1) + 1
		evs[99].RecordID = lastOf(3) + 10
		other, err := evtxtest.Bytes(evs, evtxtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		copy(b[4096+2*65536:4096+3*65536], other[4096:4096+65536])
		at := cutLastPage(t, b, 1)
		_, errs := read(t, b)
		var foreign bool
		for _, e := range errs {
			foreign = foreign || e.Chunk == 2 && strings.Contains(e.Error(), "is not this log's")
		}
		if !foreign {
			t.Fatalf("chunk 2 not judged another log's: %v", errs)
		}
		e := zerosProblem(t, errs, at)
		wantDamage(t, e)
		if strings.Contains(e.Error(), "the log's next chunk") {
			t.Errorf("%v: calls another log's chunk the log's next", e)
		}
	})
	t.Run("damage: dirty, another log's chunk after unused slots", func(t *testing.T) {
		b := fullChunksLog(t, 2, 1, evtxtest.Options{Dirty: true})
		at := cutLastPage(t, b, 1)
		other := fullChunksLog(t, 1, 0, evtxtest.Options{})
		b = append(b, other[4096:]...)
		_, errs := read(t, b)
		wantDamage(t, zerosProblem(t, errs, at))
	})
}

func recIDs(evs []*evtx.Event) []uint64 {
	var ids []uint64
	for _, ev := range evs {
		ids = append(ids, ev.RecordID)
	}
	return ids
}
