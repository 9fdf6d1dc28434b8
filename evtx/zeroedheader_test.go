package evtx

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAppendedLogZeroedHeaderInSlot: a first log cut a file header block
// before a chunk's end (a copy cut at a 4 KiB block) and followed by a
// log whose file header is zeroed: the layouts of
// TestAppendedLogDamagedHeaderInSlot with the header zeroed (144: each
// pair of the samples, the first cut in its second chunk or its last
// counted one, its header intact or not, the second's first chunk intact,
// damaged or zeroed). No byte tells the second log's chunks from the
// first's, and they were read as the first's (or as its old chunks past
// its count) with no mark of it: the problems named the cut chunk's
// unreadable record alone. What is left is the first log's record cut by
// 4 KiB of zeros that end its chunk slot; a problem names those bytes at
// their offset (the end of the first log's bytes) and says that the
// chunks after them may be another log's. The events and the stats are
// those of the read before (nothing is dropped on a guess): only the
// problem is added. A log whose record runs into zeros that do not end
// its chunk slot gets no such problem.
func TestAppendedLogZeroedHeaderInSlot(t *testing.T) {
	logs := testLogs(t)
	names := appendedPairNames
	for _, an := range names {
		hdrN := int(binary.LittleEndian.Uint16(logs[an][42:]))
		for _, k := range []int{1, hdrN} {
			for _, bn := range names {
				for _, ck := range []string{"", "crc", "signature", "zeroed"} {
					for _, first := range []string{"intact", "broken"} {
						t.Run(fmt.Sprintf("%s@%d+%s/zeroed+%s/%s", an[:12], k, bn[:12], ck, first), func(t *testing.T) {
							a := slices.Clone(logs[an])
							if first == "broken" {
								a[124] ^= 0xff
							}
							a = a[:fileHeaderBlock+k*chunkSize-fileHeaderBlock]
							data := slices.Concat(a, damageLog(logs[bn], "zeroed", ck))
							all := readBytes(t, data, Options{Workers: 2})
							var marks []*FormatError
							for _, e := range all.errs {
								if strings.Contains(e.Error(), "may be another log's") {
									marks = append(marks, e)
								}
							}
							if len(marks) != 1 || marks[0].Offset != int64(len(a)) {
								t.Fatalf("problems naming the zeros as another log's start: %v; want one, at offset %#x", marks, len(a))
							}
							if !strings.Contains(marks[0].Error(), fmt.Sprintf("from offset %#x on", len(a)+fileHeaderBlock)) {
								t.Errorf("problem %q does not name where the chunks that may be another log's start", marks[0])
							}
							// The same with a window: the problem is
							// the first pass's, whatever the window.
							w := readBytes(t, data, Options{Workers: 2, Since: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
							n := 0
							for _, e := range w.errs {
								if strings.Contains(e.Error(), "may be another log's") {
									n++
								}
							}
							if n != 1 {
								t.Errorf("with a window: %d such problems, want 1", n)
							}
						})
					}
				}
			}
		}
	}
	// Zeros inside a chunk slot, not at its end, and a crash's zeros from
	// where a chunk's unwritten records start to its end (57,000 bytes of
	// chunk 0 of sample_with_a_bad_chunk_magic, 8,344 of its chunk 9):
	// no such problem.
	a := slices.Clone(logs[names[0]])
	cut := fileHeaderBlock + chunkSize - 2*fileHeaderBlock
	clear(a[cut : fileHeaderBlock+chunkSize-fileHeaderBlock])
	crash := logs["omerbenamram__evtx__samples__sample_with_a_bad_chunk_magic.evtx"]
	if crash == nil {
		t.Fatal("sample_with_a_bad_chunk_magic missing")
	}
	for name, b := range map[string][]byte{"zeros inside a slot": a, "a crash's zeros": crash} {
		for _, e := range readBytes(t, b, Options{Workers: 2}).errs {
			if strings.Contains(e.Error(), "may be another log's") {
				t.Errorf("%s: %v", name, e)
			}
		}
	}
}
