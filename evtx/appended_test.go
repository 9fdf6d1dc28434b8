package evtx

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestAppendedLogNotRead: a log followed in its file by another (cat
// a.evtx b.evtx) is read up to the second log's file header, and the
// second log is said not to be read, with its offset and size. Before,
// the second log's chunks, which follow a 4 KiB header block of their own,
// were read at the first log's chunk offsets: every record of the
// michkoll System log after the fukusuket one was decoded in part or not
// at all (3,400 and 129), 28 chunks were called damaged, and 24 runs of
// its records were reported lost ("chunks zeroed or overwritten").
//
// appendedPairNames are the samples whose pairs the tests of several
// logs in one file concatenate: two System logs of whole chunks and
// cleanSample.
var appendedPairNames = []string{
	"fukusuket__evtx-parser__samples__System.evtx",
	"michkoll__fakenevtx__tests__data__System.evtx",
	cleanSample,
}

// Each pair of logs whose first ends at a chunk boundary is read
// concatenated, with the first's file header intact and with its CRC32
// broken (then every chunk slot is looked at): the events are those of
// the first read alone, byte for byte, and the counts are the first's,
// with the second's bytes unread.
func TestAppendedLogNotRead(t *testing.T) {
	logs := testLogs(t)
	names := appendedPairNames
	for _, an := range names {
		for _, bn := range names {
			a, b := logs[an], logs[bn]
			if a == nil || b == nil {
				t.Fatalf("sample %s or %s missing", an, bn)
			}
			if (len(a)-fileHeaderBlock)%chunkSize != 0 {
				t.Fatalf("%s: %d bytes, not a file header block and whole chunks", an, len(a))
			}
			for _, broken := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s+%s/broken=%v", an[:12], bn[:12], broken), func(t *testing.T) {
					a := slices.Clone(a)
					if broken {
						a[124] ^= 0xff // the file header's CRC32
					}
					alone, both, e := readAppended(t, a, b)
					if !strings.Contains(e.Error(), fmt.Sprintf("skip=%d", len(a)/fileHeaderBlock)) {
						t.Errorf("problem %q, want skip=%d", e, len(a)/fileHeaderBlock)
					}
					if len(both.errs) != len(alone.errs)+1 {
						t.Errorf("%d problems, want the first log's %d and one more:\n%v", len(both.errs), len(alone.errs), both.errs)
					}
				})
			}
		}
	}
}

// TestAppendedLogNeedsItsHeader: a chunk slot that starts with the file
// header signature but whose CRC32 is wrong, with no intact chunk header a
// file header block on (random bytes, an overwritten chunk), is not taken
// for another log's start: the file is read as one log, the slot as a
// damaged chunk, as before.
func TestAppendedLogNeedsItsHeader(t *testing.T) {
	a := readSample(t, cleanSample)
	slot := make([]byte, chunkSize)
	copy(slot, a[:fileHeaderSize])
	slot[124] ^= 0xff
	both := readBytes(t, slices.Concat(a, slot), Options{Workers: 2})
	if e := findErr(both.errs, ErrCorrupt, "second log"); e != nil {
		t.Fatalf("a header whose CRC32 is wrong was taken for another log's: %v", e)
	}
	if both.stats.Size != int64(len(a)+len(slot)) || both.stats.BadChunks == 0 {
		t.Errorf("size %d, %d bad chunks: want %d bytes read, and the slot with the header a damaged chunk", both.stats.Size, both.stats.BadChunks, len(a)+len(slot))
	}
}

// TestAppendedLogDamagedHeader: a second log whose own file header is
// damaged (its CRC32 wrong, its signature partly overwritten, the whole
// header block zeroed) is found by its first chunk, intact a file header
// block past a chunk boundary of the first log, where none of the first
// log's chunks can lie; the first log is read as it reads alone, and the
// problem says where the second starts, that its header is damaged, and
// how to copy it out. Before, the michkoll System log after the fukusuket
// one, its header's CRC32 wrong, read 4051 events, not 651: 3400 decoded
// in part, 129 undecodable, 28 chunks damaged, 3637 problems, and runs of
// its records called lost ("records 733 to 734 (2) are not in the file").
// Also after a first log whose own header is damaged (every slot looked
// at), and after a first log cut inside a chunk.
func TestAppendedLogDamagedHeader(t *testing.T) {
	logs := testLogs(t)
	names := appendedPairNames
	damages := map[string]func(b []byte){
		"crc":       func(b []byte) { b[124] ^= 0xff },
		"signature": func(b []byte) { copy(b, "XXXX") },
		"zeroed":    func(b []byte) { clear(b[:fileHeaderBlock]) },
	}
	for _, an := range names {
		for _, bn := range names {
			for dn, damage := range damages {
				for _, first := range []string{"intact", "broken", "cut"} {
					t.Run(fmt.Sprintf("%s+%s/%s/%s", an[:12], bn[:12], dn, first), func(t *testing.T) {
						a, b := slices.Clone(logs[an]), slices.Clone(logs[bn])
						if a == nil || b == nil {
							t.Fatalf("sample %s or %s missing", an, bn)
						}
						damage(b)
						switch first {
						case "broken":
							a[124] ^= 0xff
						case "cut":
							a = a[:fileHeaderBlock+chunkSize+30000]
						}
						_, _, e := readAppended(t, a, b)
						if !strings.Contains(e.Error(), "its file header is damaged") {
							t.Errorf("problem %q does not say the second log's header is damaged", e)
						}
						want := fmt.Sprintf("skip=%d", len(a)/fileHeaderBlock)
						if dn == "zeroed" && allZero(a[len(a)-chunkSize:]) {
							// After a slot of zeros (the first log's
							// unused one, or the second's header and
							// first chunk zeroed): the copy starts
							// there (TestAppendedLogZeroedStart).
							want = fmt.Sprintf("skip=%d", (len(a)-chunkSize)/fileHeaderBlock)
						}
						if first == "cut" {
							want = fmt.Sprintf("tail -c +%d test.evtx > SECOND.evtx", len(a)+1)
						}
						if !strings.Contains(e.Error(), want) {
							t.Errorf("problem %q, want %s", e, want)
						}
					})
				}
			}
		}
	}
}

// readAppended reads log a alone and followed by log b, checks that the
// concatenation reads as a alone (events byte for byte, stats but b's
// bytes unread and one problem more), and returns both reads and the
// problem naming the second log, at a's end and naming b's size.
func readAppended(t *testing.T, a, b []byte) (alone, both readResult, e *FormatError) {
	t.Helper()
	alone = readBytes(t, a, Options{Workers: 2})
	both = readBytes(t, slices.Concat(a, b), Options{Workers: 2})
	if got, want := xmlOf(both.events), xmlOf(alone.events); got != want {
		t.Fatalf("events of the concatenation differ from the first log's: %d events, want %d", len(both.events), len(alone.events))
	}
	want := alone.stats
	want.UnreadBytes += int64(len(b))
	want.Problems++
	if both.stats != want {
		t.Errorf("stats:\n got %+v\nwant %+v", both.stats, want)
	}
	e = findErr(both.errs, ErrCorrupt, "the file holds a second log from here")
	if e == nil {
		t.Fatalf("no problem names the second log: %v", both.errs)
	}
	if e.Offset != int64(len(a)) || !strings.Contains(e.Error(), fmt.Sprintf("its %d bytes", len(b))) {
		t.Errorf("problem %q at %#x, want offset %#x naming %d bytes", e, e.Offset, len(a), len(b))
	}
	return alone, both, e
}

// xmlOf is the XML of evs, one event a line.
func xmlOf(evs []*Event) string {
	var sb strings.Builder
	for _, ev := range evs {
		sb.WriteString(ev.XML())
		sb.WriteByte('\n')
	}
	return sb.String()
}

// TestAppendedLogAfterLostHeader: a second log is found after a first
// whose file header signature is lost, and after bare chunks (no file
// header, the first chunk at offset 0), as after an intact log. Before,
// only a first log with its signature right was looked past: cat of the
// RemoteConnectionManager sample with its first 8 bytes overwritten and
// the LocalSessionManager sample read 2000 events, 43 of the second log's
// records decoded in part as the first's, its chunk slot 16 damaged
// ("chunk signature missing (45 6c 66 46 69 6c 65 00)"); after bare chunks,
// 401465 records were called lost between the two logs' numbers.
func TestAppendedLogAfterLostHeader(t *testing.T) {
	logs := testLogs(t)
	a0, b := logs["fukusuket__evtx-parser__samples__System.evtx"], logs[cleanSample]
	if a0 == nil || b == nil {
		t.Fatal("samples missing")
	}
	for name, a := range map[string][]byte{
		"signature lost": slices.Concat([]byte("XXXXXXXX"), a0[8:]),
		"bare chunks":    slices.Clone(a0[fileHeaderBlock:]),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, e := readAppended(t, a, b)
			if !strings.Contains(e.Error(), fmt.Sprintf("skip=%d", len(a)/fileHeaderBlock)) {
				t.Errorf("problem %q, want skip=%d", e, len(a)/fileHeaderBlock)
			}
		})
	}
}

// TestAppendedLogAfterCutLog: a second log after a first that was cut
// inside a chunk (a partial copy, then cat) is found though its file
// header lies at no chunk boundary; the first log is read as it reads
// alone, its last chunk truncated, and the problem names the offset and
// the tail -c +N that copies the second out. Before, the cut
// RemoteConnectionManager sample followed by the LocalSessionManager one
// read 447 events, not 404: 43 of the second log's records decoded in part
// as the first's, with 4 undecodable and 53 problems.
func TestAppendedLogAfterCutLog(t *testing.T) {
	logs := testLogs(t)
	full, b := logs["fukusuket__evtx-parser__samples__System.evtx"], logs[cleanSample]
	if full == nil || b == nil {
		t.Fatal("samples missing")
	}
	for _, cut := range []int{fileHeaderBlock + chunkSize + 30000, fileHeaderBlock + 2*chunkSize + 600} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			a := full[:cut]
			alone := readBytes(t, a, Options{Workers: 2})
			// Opening the cut log alone reads a few small pieces of it,
			// not the whole file (looking for a second log).
			rc := &readCounter{r: bytes.NewReader(a)}
			if _, err := NewReaderOptions(rc, int64(len(a)), Options{Workers: 2}); err != nil {
				t.Fatal(err)
			}
			if rc.bytes > int64(len(a))/4 {
				t.Errorf("opening the cut log read %d of its %d bytes", rc.bytes, len(a))
			}
			// Two logs after it: each is found, and named with its
			// own bytes (TestLaterLogs checks the commands).
			three := readBytes(t, slices.Concat(a, b, b), Options{Workers: 2})
			if got, want := xmlOf(three.events), xmlOf(alone.events); got != want {
				t.Errorf("events of the cut log and two more differ from the cut log's: %d events, want %d", len(three.events), len(alone.events))
			}
			later := laterLogProblems(three.errs)
			if len(later) != 2 || later[0].Offset != int64(cut) || later[1].Offset != int64(cut+len(b)) ||
				!strings.Contains(later[0].Error(), fmt.Sprintf("its %d bytes", len(b))) || !strings.Contains(later[1].Error(), fmt.Sprintf("its %d bytes", len(b))) {
				t.Errorf("cut log and two more: problems %v, want two, at %#x and %#x, each naming %d bytes", later, cut, cut+len(b), len(b))
			}
			if len(alone.events) == 0 {
				t.Fatal("the cut log reads no event")
			}
			if _, _, e := readAppended(t, a, b); !strings.Contains(e.Error(), fmt.Sprintf("tail -c +%d test.evtx > SECOND.evtx", cut+1)) || !strings.Contains(e.Error(), "cut there") {
				t.Errorf("problem %q, want tail -c +%d and the cut named", e, cut+1)
			}
		})
	}
}
