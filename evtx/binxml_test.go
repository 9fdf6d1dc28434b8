package evtx

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// decSamplesDir holds the real sample logs (copied from /work/shared/samples).
const decSamplesDir = "../testdata/evtx"

// decRecord is one record found by decWalkRecords.
type decRecord struct {
	chunk []byte
	index int // chunk index
	off   int // record offset in the chunk
	size  int
}

// decWalkRecords is a minimal chunk walker for tests: chunks of 64 KiB after
// the 4 KiB file header, records from offset 512 following their sizes.
func decWalkRecords(data []byte) []decRecord {
	var out []decRecord
	for i := 0; 4096+(i+1)*65536 <= len(data); i++ {
		chunk := data[4096+i*65536 : 4096+(i+1)*65536]
		if string(chunk[:8]) != "ElfChnk\x00" {
			continue
		}
		for off := 512; off+28 <= len(chunk); {
			if string(chunk[off:off+4]) != "**\x00\x00" {
				break
			}
			size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
			if size < 28 || off+size > len(chunk) || binary.LittleEndian.Uint32(chunk[off+size-4:]) != uint32(size) {
				break
			}
			out = append(out, decRecord{chunk: chunk, index: i, off: off, size: size})
			off += size
		}
	}
	return out
}

func decSampleFiles(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(decSamplesDir, "*.evtx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in %s: %v", decSamplesDir, err)
	}
	sort.Strings(files)
	return files
}

// decDecodeFile decodes every record of a file with one chunkDecoder per chunk.
func decDecodeFile(t testing.TB, name string) (evs []*Event, errs []error) {
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var d *chunkDecoder
	last := -1
	for _, r := range decWalkRecords(data) {
		if r.index != last {
			d = newChunkDecoder(r.chunk)
			last = r.index
		}
		ev, err := d.decodeRecord(r.off, r.size)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		evs = append(evs, ev)
	}
	return evs, errs
}

func TestDebugDump(t *testing.T) {
	name := os.Getenv("EVTX_DUMP")
	if name == "" {
		t.Skip("set EVTX_DUMP")
	}
	evs, errs := decDecodeFile(t, name)
	for _, ev := range evs {
		t.Log(ev.XMLIndent())
	}
	for _, e := range errs {
		t.Log("ERR", e)
	}
}

// benchRecords loads the records of a larger sample for the benchmarks.
func benchRecords(b *testing.B) []decRecord {
	data, err := os.ReadFile(filepath.Join(decSamplesDir, "michkoll__fakenevtx__tests__data__System.evtx"))
	if err != nil {
		b.Fatal(err)
	}
	return decWalkRecords(data)
}

// BenchmarkDecodeRecord decodes every record of a 2 MiB System log, with a
// fresh chunkDecoder per chunk (so template compilation is included).
func BenchmarkDecodeRecord(b *testing.B) {
	recs := benchRecords(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var d *chunkDecoder
		last := -1
		for _, r := range recs {
			if r.index != last {
				d = newChunkDecoder(r.chunk)
				last = r.index
			}
			if _, err := d.decodeRecord(r.off, r.size); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(recs))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkDecodeAndXML adds the one-line XML rendering (what `dump`
// does per record).
func BenchmarkDecodeAndXML(b *testing.B) {
	recs := benchRecords(b)
	b.ReportAllocs()
	b.ResetTimer()
	var buf []byte
	for i := 0; i < b.N; i++ {
		var d *chunkDecoder
		last := -1
		for _, r := range recs {
			if r.index != last {
				d = newChunkDecoder(r.chunk)
				last = r.index
			}
			ev, err := d.decodeRecord(r.off, r.size)
			if err != nil {
				b.Fatal(err)
			}
			buf = ev.AppendXML(buf[:0])
		}
	}
	b.ReportMetric(float64(len(recs))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
