package evtx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeedChunks returns, per sample file, the start of its first chunk up
// to the end of its first few records (names and templates are referenced
// by chunk offset, so the records keep their place).
func fuzzSeedChunks(tb testing.TB) [][]byte {
	files, _ := filepath.Glob(filepath.Join(decSamplesDir, "*.evtx"))
	var seeds [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		recs := decWalkRecords(data)
		if strings.Contains(f, "crasher") && len(data) >= 4096+65536 {
			// Its record fails the walker's size checks on purpose? Keep
			// the whole record area anyway.
			seeds = append(seeds, data[4096:4096+4096])
		}
		end := 0
		for i, r := range recs {
			if r.index != recs[0].index || i >= 3 {
				break
			}
			end = r.off + r.size
		}
		if end > 0 {
			seeds = append(seeds, append([]byte(nil), recs[0].chunk[:end]...))
		}
	}
	return seeds
}

// FuzzDecodeRecord feeds a chunk prefix to the decoder: every record found
// from offset 512 on (following the sizes, as the reader does) is decoded
// with one chunkDecoder, and each event is rendered. The decoder must not
// panic, must return ErrCorrupt/ErrLimit errors only, and must stay
// bounded (the fuzzer's memory and time limits catch the rest). The
// chunk's memo of names and templates changes nothing: each record
// decodes, in full, in part or not at all, as it does with a decoder of
// its own (decodedText).
func FuzzDecodeRecord(f *testing.F) {
	for _, s := range fuzzSeedChunks(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, chunk []byte) {
		if len(chunk) > 65536 {
			chunk = chunk[:65536]
		}
		d := newChunkDecoder(chunk)
		for off := 512; off+28 <= len(chunk); {
			size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
			if size < 28 || size > len(chunk)-off {
				break
			}
			ev, err := d.decodeRecord(off, size)
			fresh, ferr := newChunkDecoder(chunk).decodeRecord(off, size)
			if got, want := decodedText(ev, err), decodedText(fresh, ferr); got != want {
				t.Fatalf("record at %#x, after the chunk's earlier records:\n%s\nwith a decoder of its own:\n%s", off, got, want)
			}
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrLimit) {
					t.Fatalf("record at %#x: error %v wraps neither ErrCorrupt nor ErrLimit", off, err)
				}
				if strings.Contains(err.Error(), "decoder panic") {
					t.Fatalf("record at %#x: %v", off, err)
				}
			} else {
				if ev.Root == nil {
					t.Fatalf("record at %#x: nil Root without error", off)
				}
				_ = ev.AppendXML(nil)
				_ = ev.XMLIndent()
				_ = ev.AppendText(nil, 0)
			}
			// The summary a filter sees must say what decoding says
			// (or nothing: then the record is decoded in full).
			if s, ok := d.summarize(off, size); ok && err == nil &&
				(s.Provider != ev.System.Provider.Name || s.EventID != ev.System.EventID || s.Computer != ev.System.Computer) {
				t.Fatalf("record at %#x: summary %q %d %q, decoded %q %d %q", off, s.Provider, s.EventID, s.Computer,
					ev.System.Provider.Name, ev.System.EventID, ev.System.Computer)
			}
			off += size
		}
	})
}

// decodedText is what decodeRecord returned, as text: the error, or the
// event's XML with its Partial and Unresolved.
func decodedText(ev *Event, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("%s\npartial %q, unresolved %v", ev.AppendXML(nil), ev.Partial, ev.Unresolved)
}
