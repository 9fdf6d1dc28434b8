package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/internal/shellword"
)

// damageLog damages a copy of log b: its file header block (how: "crc",
// the CRC32 flipped; "signature", overwritten; "zeroed", the block zeroed)
// and its first chunk (chunk: the same kinds, on the chunk's header for
// crc and signature, the whole chunk for zeroed; "" leaves it).
func damageLog(b []byte, header, chunk string) []byte {
	b = slices.Clone(b)
	switch header {
	case "crc":
		b[124] ^= 0xff
	case "signature":
		copy(b, "XXXX")
	case "zeroed":
		clear(b[:fileHeaderBlock])
	}
	c := b[fileHeaderBlock : fileHeaderBlock+chunkSize]
	switch chunk {
	case "crc":
		c[124] ^= 0xff
	case "signature":
		copy(c, "XXXXXXX")
	case "zeroed":
		clear(c)
	}
	return b
}

// laterLogProblems returns the problems that name another log in the
// file, in file order.
func laterLogProblems(errs []*FormatError) []*FormatError {
	var out []*FormatError
	for _, e := range errs {
		if strings.Contains(e.Error(), "log from here") {
			out = append(out, e)
		}
	}
	return out
}

// checkLaterLogs writes the logs one after the other into a file, reads
// it, and checks that the events are the first log's alone, byte for
// byte, that a problem names each later log at its offset, and that the
// command each gives, run by sh, writes that log's bytes exactly (cmp).
func checkLaterLogs(t *testing.T, logs ...[]byte) readResult {
	t.Helper()
	return checkLaterLogsCopies(t, nil, logs...)
}

// checkLaterLogsCopies is checkLaterLogs where the command for log i+2
// must write copies[i], when given, rather than that log's bytes.
func checkLaterLogsCopies(t *testing.T, copies [][]byte, logs ...[]byte) readResult {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "in.evtx")
	data := slices.Concat(logs...)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	alone := readBytes(t, logs[0], Options{Workers: 2, Name: p})
	all := readBytes(t, data, Options{Workers: 2, Name: p})
	if got, want := xmlOf(all.events), xmlOf(alone.events); got != want {
		t.Errorf("events of the file differ from the first log's: %d events, want %d", len(all.events), len(alone.events))
	}
	want := alone.stats
	want.UnreadBytes += int64(len(data) - len(logs[0]))
	want.Problems += len(logs) - 1
	if all.stats != want {
		t.Errorf("stats:\n got %+v\nwant %+v", all.stats, want)
	}
	probs := laterLogProblems(all.errs)
	if len(probs) != len(logs)-1 {
		t.Fatalf("%d problems name a later log, want %d:\n%v", len(probs), len(logs)-1, probs)
	}
	at := int64(0)
	for i, e := range probs {
		at += int64(len(logs[i]))
		if e.Offset != at {
			t.Errorf("log %d named at %#x, want %#x: %v", i+2, e.Offset, at, e)
		}
		msg := e.Error()
		j := strings.Index(msg, "file of its own (")
		k := strings.LastIndex(msg, ") and give that file")
		if j < 0 || k < j {
			t.Errorf("log %d: no command in %q", i+2, msg)
			continue
		}
		cmd := msg[j+len("file of its own (") : k]
		out, err := exec.Command("sh", "-c", "cd "+shellword.Path(dir)+" && "+cmd+" 2>/dev/null").CombinedOutput()
		if err != nil {
			t.Errorf("log %d: %s: %v %s", i+2, cmd, err, out)
			continue
		}
		name := cmd[strings.LastIndex(cmd, " ")+1:]
		if strings.HasPrefix(cmd, "dd ") {
			name = cmd[strings.Index(cmd, "of=")+3:]
			name = name[:strings.Index(name, " ")]
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("log %d: %s wrote no %s: %v", i+2, cmd, name, err)
			continue
		}
		want := logs[i+1]
		if i < len(copies) && copies[i] != nil {
			want = copies[i]
		}
		if !bytes.Equal(got, want) {
			t.Errorf("log %d: %s wrote %d bytes, not the %d wanted (cmp differs)", i+2, cmd, len(got), len(want))
		}
	}
	return all
}

// TestAppendedLogDamagedStart: a second log whose file header is damaged
// and whose first chunk is damaged too is found where its header lies,
// not a chunk slot on at its first intact chunk.
func TestAppendedLogDamagedStart(t *testing.T) {
	logs := testLogs(t)
	names := appendedPairNames
	kinds := []string{"crc", "signature", "zeroed"}
	for _, an := range names {
		for _, bn := range names {
			for _, hk := range kinds {
				for _, ck := range kinds {
					for _, first := range []string{"intact", "broken", "cut"} {
						t.Run(fmt.Sprintf("%s+%s/%s+%s/%s", an[:12], bn[:12], hk, ck, first), func(t *testing.T) {
							a := slices.Clone(logs[an])
							switch first {
							case "broken":
								a[124] ^= 0xff
							case "cut":
								a = a[:fileHeaderBlock+chunkSize+30000]
							}
							b := damageLog(logs[bn], hk, ck)
							if hk == "zeroed" && ck == "zeroed" {
								// Zeros hold no mark of either log:
								// the slot is read as the first's, and
								// the problem says it may be the
								// second's; its command copies it with
								// the log (TestAppendedLogZeroedStart).
								all := checkLaterLogsCopies(t, [][]byte{b}, slices.Concat(a, b[:chunkSize]), b[chunkSize:])
								if e := laterLogProblems(all.errs); !strings.Contains(e[0].Error(), "may be that log's file header and first chunk, zeroed") {
									t.Errorf("problem %q does not say the zeros before it may be the log's start", e[0])
								}
								return
							}
							// Its header zeroed after a slot of zeros
							// (the first log's unused one), nothing
							// tells where it starts: its command copies
							// the zeros with it (TestAppendedLogZeroedStart).
							var copies [][]byte
							if hk == "zeroed" && allZero(a[len(a)-chunkSize:]) {
								copies = [][]byte{slices.Concat(a[len(a)-chunkSize:], b)}
							}
							all := checkLaterLogsCopies(t, copies, a, b)
							if e := laterLogProblems(all.errs); hk != "zeroed" && strings.Contains(e[0].Error(), "zeroed, which") {
								t.Errorf("problem %q says the log may start before it", e[0])
							}
						})
					}
				}
			}
		}
	}
}

// withChunkCount is a copy of log b whose file header counts n chunks,
// its CRC32 made right again.
func withChunkCount(b []byte, n int) []byte {
	b = slices.Clone(b)
	binary.LittleEndian.PutUint16(b[42:], uint16(n))
	binary.LittleEndian.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
	return b
}

// TestLaterLogs: a file that holds several logs one after the other names
// where each log after the first starts, and gives a command for each that
// writes its bytes and no others (checked by cmp); the first log reads as
// it does alone, and no later log's bytes are read or counted twice.
// Before, only the first later log was named, its command copying every
// byte to the end of the file (the logs after it with it), and a second
// log whose file header is damaged after a first log cut inside a chunk,
// with a third after it, was missed: the cut RemoteConnectionManager...
// sample, the michkoll System log with its header's CRC32 wrong and the
// python-evtx one were read as one log up to the third's header, the
// second's chunks decoded in part as the first's. A first log cut a file
// header block before a chunk's end (a copy cut at a 4 KiB block) puts
// the next log's chunks on its own chunk offsets, in a file of whole
// chunks: the fukusuket System log so cut, then the michkoll one, read as
// one log of 3584 events, not 238, the second's records as the first's.
func TestLaterLogs(t *testing.T) {
	logs := testLogs(t)
	f := logs["fukusuket__evtx-parser__samples__System.evtx"]
	m := logs["michkoll__fakenevtx__tests__data__System.evtx"]
	c := logs[cleanSample]
	if f == nil || m == nil || c == nil {
		t.Fatal("samples missing")
	}
	cut := f[:fileHeaderBlock+chunkSize+30000]
	broken := slices.Clone(f)
	broken[124] ^= 0xff
	for name, parts := range map[string][][]byte{
		"three intact":                 {f, m, c},
		"cut 4 KiB before a chunk end": {f[:fileHeaderBlock+chunkSize+chunkSize-fileHeaderBlock], m},
		"cut so, then two":             {f[:fileHeaderBlock+chunkSize+chunkSize-fileHeaderBlock], m, c},
		"broken, cut so, then two":     {broken[:fileHeaderBlock+2*chunkSize+chunkSize-fileHeaderBlock], c, damageLog(m, "crc", "crc")},
		"four, different sizes":        {c, m, f, m},
		"broken first":                 {broken, m, c},
		"cut, then two":                {cut, m, c},
		"cut, damaged, intact":         {cut, damageLog(m, "crc", ""), c},
		"cut, zeroed header, intact":   {cut, damageLog(m, "zeroed", ""), c},
		"cut, damaged start, intact":   {cut, damageLog(m, "signature", "crc"), c},
		"cut, intact, damaged":         {cut, m, damageLog(c, "crc", "signature")},
		"intact, damaged, damaged":     {f, damageLog(m, "crc", "zeroed"), damageLog(c, "signature", "signature")},
		"count past the next log":      {withChunkCount(f, 20), m},
		"count past two logs":          {withChunkCount(f, 60), m, c},
		"count past, then damaged":     {withChunkCount(m, 40), damageLog(f, "crc", "crc")},
		"second counts past the third": {f, withChunkCount(m, 40), c},
	} {
		t.Run(name, func(t *testing.T) {
			all := checkLaterLogs(t, parts...)
			for i, e := range laterLogProblems(all.errs) {
				ord, file := logOrdinal(i + 2)
				if !strings.Contains(e.Error(), "holds a "+ord+" log from here") || !strings.Contains(e.Error(), file) {
					t.Errorf("problem %q does not name the %s log and %s", e, ord, file)
				}
			}
		})
	}
}

// TestAppendedLogZeroedStart: a second log whose file header and first
// chunk are zeroed cannot be told from an unused chunk slot of the first
// log (a log's file holds zero slots past its count). The command that
// copies it out starts at the zeros: before, it started a chunk slot on,
// where the log was certainly found, and left out 64 KiB that may be the
// log's. Whichever the zeros are (the second log's header and first chunk,
// or the first log's unused slot before a second log whose header alone
// is zeroed), the copy holds every byte of that log and reads as the log
// does alone.
func TestAppendedLogZeroedStart(t *testing.T) {
	logs := testLogs(t)
	names := appendedPairNames
	for _, an := range names {
		for _, bn := range names {
			a, b := logs[an], logs[bn]
			for _, tc := range []struct {
				name        string
				first, next []byte // the file: first, then next
				copied      []byte // what the command writes
			}{
				// The zeros are the second log's header and first chunk.
				{"its start zeroed", slices.Concat(a, damageLog(b, "zeroed", "zeroed")[:chunkSize]), damageLog(b, "zeroed", "zeroed")[chunkSize:], damageLog(b, "zeroed", "zeroed")},
				// The zeros are an unused slot of the first log.
				{"its header zeroed after an empty slot", slices.Concat(a, make([]byte, chunkSize)), damageLog(b, "zeroed", ""), slices.Concat(make([]byte, chunkSize), damageLog(b, "zeroed", ""))},
			} {
				t.Run(fmt.Sprintf("%s+%s/%s", an[:12], bn[:12], tc.name), func(t *testing.T) {
					all := checkLaterLogsCopies(t, [][]byte{tc.copied}, tc.first, tc.next)
					if e := laterLogProblems(all.errs); !strings.Contains(e[0].Error(), fmt.Sprintf("the copy below starts with them, at offset %#x", len(tc.first)-chunkSize)) {
						t.Errorf("problem %q does not say the copy starts at the zeros", e[0])
					}
					if !bytes.Equal(tc.copied, tc.next) {
						// The copy, an empty slot before the log,
						// reads as the log alone.
						got := readBytes(t, tc.copied, Options{Workers: 2})
						want := readBytes(t, tc.next, Options{Workers: 2})
						if xmlOf(got.events) != xmlOf(want.events) {
							t.Errorf("the copy reads %d events, the log alone %d", len(got.events), len(want.events))
						}
					}
				})
			}
		}
	}
}

// TestAppendedLogDamagedHeaderInSlot: a first log cut a file header block
// before a chunk's end (a copy cut at a 4 KiB block), followed by a log
// whose file header is damaged (its checksum wrong, or its signature
// overwritten) puts that log's chunks on the first log's chunk offsets:
// it was read as the first log's records, the first log's header intact
// or not, its first chunk intact, damaged or zeroed. It is found where its
// header lies, by what is left of it, with a command that copies out its
// bytes, for each layout: each pair of the samples, the first log cut in
// its second chunk or its last counted one, every kind of damage to the
// second log's first chunk. (A header zeroed leaves no mark: that log's
// chunks then cannot be told from the first's.)
func TestAppendedLogDamagedHeaderInSlot(t *testing.T) {
	logs := testLogs(t)
	names := appendedPairNames
	for _, an := range names {
		hdrN := int(binary.LittleEndian.Uint16(logs[an][42:]))
		for _, k := range []int{1, hdrN} {
			for _, bn := range names {
				for _, hk := range []string{"crc", "signature"} {
					for _, ck := range []string{"", "crc", "signature", "zeroed"} {
						for _, first := range []string{"intact", "broken"} {
							t.Run(fmt.Sprintf("%s@%d+%s/%s+%s/%s", an[:12], k, bn[:12], hk, ck, first), func(t *testing.T) {
								a := slices.Clone(logs[an])
								if first == "broken" {
									a[124] ^= 0xff
								}
								a = a[:fileHeaderBlock+k*chunkSize-fileHeaderBlock]
								all := checkLaterLogs(t, a, damageLog(logs[bn], hk, ck))
								if e := laterLogProblems(all.errs); len(e) == 1 && !strings.Contains(e[0].Error(), "what is left of it lies here") {
									t.Errorf("problem %q does not say what is left of the header", e[0])
								}
							})
						}
					}
				}
			}
		}
	}
}
