package evtx_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// cutLossOf reads b cut to n bytes to its end and returns its CutLoss.
func cutLossOf(t *testing.T, b []byte, n int) evtx.CutLoss {
	t.Helper()
	rd, err := evtx.NewReader(bytes.NewReader(b[:n]), int64(n))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := rd.Next(); err == io.EOF {
			break
		}
	}
	return rd.CutLoss()
}

// TestCutLossTellsWhich: a copy cut short loses the records of the chunk
// slots after the cut. The caveat said "the newest, unless the log had
// wrapped around" for every cut; CutLoss tells which, when the chunks'
// record numbers or a file header closed cleanly can, and says it cannot
// otherwise. ringLog's logs are 6 chunks of 10 records.
func TestCutLossTellsWhich(t *testing.T) {
	const chunk = 65536
	at := func(slots int) int { return 4096 + slots*chunk }
	w, err := os.ReadFile(filepath.Join("..", "testdata", "evtx", "scenarios", "wrapped-full-log", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name            string
		log             []byte
		n               int
		known, newest   bool
		afterID, before uint64
		why             string
	}{
		// Slots 0 and 1 hold records 91 to 122 (1 the newest), 2 to 4
		// records 1 to 90: cut after slot 3, records 61 to 90 are lost.
		{"wrapped, newest chunk before the cut", w, at(4), true, false, 60, 91, "fall back from 122 (chunk 1, the newest, before the cut) to 1 (chunk 2)"},
		// Cut inside slot 2: slots 0 and 1 read, rising; the header, closed
		// cleanly, names slot 1 newest and record 122 the last: records
		// older than 91 are lost.
		{"wrapped, cut after the newest chunk", w, at(2) + 1000, true, false, 0, 91, "closed cleanly, names chunk 1, before the cut, as the newest and record 122"},
		{"wrapped, cut before the newest chunk", w, at(1) - 2000, true, true, 0, 0, "its file header counts records up to 122 written"},
		// Not wrapped: record 1 in slot 0, the numbers rise to the cut.
		{"not wrapped", ringLog(t, 1, 0, 0, false), at(3) + 700, true, true, 0, 0, ""},
		// The oldest chunk at slot 2 (records 1 to 10), the newest at
		// slot 1 (51 to 60), the header clean: cut after slot 1, the
		// oldest records, 1 to 40 of slots 2 to 5, are lost.
		{"wrapped, clean header names the newest chunk before the cut", ringLog(t, 1, 2, 0, false), at(2), true, false, 0, 41, "names chunk 1, before the cut, as the newest"},
		// Numbered from 501 (older records overwritten), no fall in the
		// chunks before the cut, the header dirty and lagging (counting 2
		// chunks, next record 521), the cut inside slot 3's chunk
		// header: the newest or the oldest, not known.
		{"wrapped, dirty lagging header", ringLog(t, 501, 0, 4, true), at(3) + 300, false, false, 0, 0, "not closed cleanly (dirty)"},
		// 700 bytes into slot 3 the copy holds the start of its first
		// record, 531, numbered after every record read, and not its
		// end: a record newer than all read is lost, whatever the
		// header says.
		{"dirty lagging header, a record after the newest read cut", ringLog(t, 501, 0, 4, true), at(3) + 700, true, true, 0, 0, "inside record 531 (1536 bytes from offset 512, after record 530, the newest read)"},
		// The newest chunk at slot 0 (records 51 to 60), the oldest at
		// slot 1; the dirty header counts one chunk, slot 1, next record
		// 11: it lags the chunks. Cut after slot 0: the records lost are
		// the oldest, 1 to 50, but CutLoss said the newest, "its file
		// header names chunk 1, at or after the cut, as the newest".
		{"wrapped, dirty header lagging names a chunk after the cut", ringLog(t, 1, 1, 5, true), at(1), false, false, 0, 0, "not closed cleanly (dirty)"},
		{"wrapped, dirty header lagging, oldest at 2", ringLog(t, 1, 2, 4, true), at(3) + 1000, false, false, 0, 0, "not closed cleanly (dirty)"},
		// Cut inside the newest chunk, slot 0, after its last record
		// (60), the header clean: the records lost are the oldest, 1 to
		// 50, not the newest as the header's "chunk 0, at or after the
		// cut" was read to say.
		{"wrapped, cut in the newest chunk after its last record", ringLog(t, 1, 1, 0, false), at(0) + 30000, true, false, 0, 51, "names chunk 0, the one the cut falls in"},
	} {
		got := cutLossOf(t, c.log, c.n)
		if got.Known != c.known || got.Newest != c.newest || (c.known && !c.newest && (got.AfterID != c.afterID || got.BeforeID != c.before)) || !strings.Contains(got.Why, c.why) {
			t.Errorf("%s: %+v, want known %v, newest %v, records between %d and %d, why with %q", c.name, got, c.known, c.newest, c.afterID, c.before, c.why)
		}
	}
}
