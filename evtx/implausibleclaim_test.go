package evtx

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readAllOf reads every event of the log in b (written to a file named
// name) and returns the File, read to io.EOF, and the events' count.
func readAllOf(t *testing.T, name string, b []byte) (*File, int) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	logs, err := Find(p)
	if err != nil || len(logs) != 1 {
		t.Fatalf("Find %s: %d logs, %v", p, len(logs), err)
	}
	f, err := logs[0].Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	n := 0
	for {
		_, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return f, n
}

// A header claim LostRecords does not believe, though the header's
// checksum is right, is a problem naming the file, the field's offset,
// the claim and what the records show: the file header's next record id
// 2^40 on a log of 651 records, a chunk header claiming records 1 to
// 2^63. Everything is read as before (the same events, the same lost
// runs), and the problem is the only one added.
func TestImplausibleHeaderClaimIsAProblem(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join(realSamplesDir, "fukusuket__evtx-parser__samples__System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	base, baseN := readAllOf(t, "System.evtx", orig)
	baseLost := base.LostRecords()

	next := append([]byte(nil), orig...)
	binary.LittleEndian.PutUint64(next[24:], 1<<40)
	fixFileHeaderCRC(next)

	chunk := append([]byte(nil), orig...)
	c := chunk[fileHeaderBlock : fileHeaderBlock+chunkSize]
	binary.LittleEndian.PutUint64(c[24:], 1)
	binary.LittleEndian.PutUint64(c[32:], 1<<63)
	binary.LittleEndian.PutUint32(c[124:], chunkHeaderCRC(c))

	for _, tc := range []struct {
		name   string
		b      []byte
		offset int64
		chunk  int
		want   []string
	}{
		{"next", next, 24, -1, []string{"next record id 1099511627776", "newest record the chunks hold is numbered 651", "not believed"}},
		{"chunk", chunk, fileHeaderBlock + 32, 0, []string{"claims records 1 to 9223372036854775808", "wider than", "numbered 1 to 116", "not believed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, n := readAllOf(t, "System.evtx", tc.b)
			if n != baseN {
				t.Errorf("%d events, %d unedited", n, baseN)
			}
			if got := len(f.LostRecords()); got != len(baseLost) {
				t.Errorf("%d lost runs, %d unedited", got, len(baseLost))
			}
			st, bst := f.Stats(), base.Stats()
			if st.Problems != bst.Problems+1 {
				t.Fatalf("%d problems, %d unedited: want one more; %v", st.Problems, bst.Problems, f.Errors())
			}
			var found *FormatError
			for _, e := range f.Errors() {
				if strings.Contains(e.Error(), "not believed") {
					found = e
				}
			}
			if found == nil {
				t.Fatalf("no problem names the claim: %v", f.Errors())
			}
			if found.Offset != tc.offset || found.Chunk != tc.chunk || !errors.Is(found, ErrCorrupt) || !strings.HasSuffix(found.File, "System.evtx") {
				t.Errorf("problem at file %q offset %#x chunk %d (%v); want offset %#x chunk %d, ErrCorrupt", found.File, found.Offset, found.Chunk, found.Err, tc.offset, tc.chunk)
			}
			for _, w := range tc.want {
				if !strings.Contains(found.Error(), w) {
					t.Errorf("problem %q lacks %q", found.Error(), w)
				}
			}
		})
	}
}

// No public sample's headers claim what cannot be true: none gets the
// problem (a chunk header whose possible range does not hold its records,
// as in a shadow copy's chunk written anew, is not one).
func TestNoImplausibleClaimInSamples(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(realSamplesDir, "*.evtx"))
	if len(paths) < 40 {
		t.Fatalf("%d samples", len(paths))
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := readAllOf(t, filepath.Base(p), b)
		for _, e := range f.Errors() {
			if strings.Contains(e.Error(), "not believed") {
				t.Errorf("%s: %v", filepath.Base(p), e)
			}
		}
	}
}

// A chunk header whose record numbers are 0 counts no record (a chunk
// being written, not yet numbered: a dirty log's newest chunk) and is no
// implausible claim.
func TestUnnumberedChunkHeaderNoProblem(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join(realSamplesDir, "fukusuket__evtx-parser__samples__System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	c := orig[fileHeaderBlock : fileHeaderBlock+chunkSize]
	binary.LittleEndian.PutUint64(c[24:], 0)
	binary.LittleEndian.PutUint64(c[32:], 0)
	binary.LittleEndian.PutUint32(c[124:], chunkHeaderCRC(c))
	f, _ := readAllOf(t, "System.evtx", orig)
	for _, e := range f.Errors() {
		if strings.Contains(e.Error(), "not believed") {
			t.Errorf("%v", e)
		}
	}
}
