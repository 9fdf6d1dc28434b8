package evtx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestZipWithoutCentralDirectory: a .zip cut short (a download or copy that
// stopped, an archive still being written) has no central directory, and
// archive/zip refuses all of it ("zip: not a valid zip file"). Its members
// are found by their local file headers: every member before the cut is
// read whole, the one the cut falls in up to the cut, and each says that
// the archive is damaged. Both layouts: deflated with a data descriptor
// (Go's zip.Writer, Windows' Compress-Archive streams the same way) and
// stored with the sizes in the local header.
func TestZipWithoutCentralDirectory(t *testing.T) {
	logs := map[string][]byte{
		"Logs/Security.evtx": readSample(t, "williballenthin__python-evtx__tests__data__security.evtx"),
		"Logs/System.evtx":   readSample(t, "williballenthin__python-evtx__tests__data__system.evtx"),
	}
	names := []string{"Logs/Security.evtx", "Logs/System.evtx"} // archive order
	dir := t.TempDir()
	clean := map[string][]uint64{}
	for _, n := range names {
		clean[n], _ = readLogIDs(t, &Log{Path: n, file: writeTemp(t, dir, logs[n])}, Options{})
	}
	for _, method := range []uint16{zip.Deflate, zip.Store} {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		starts := map[string]int{} // offset of each member's data
		for _, n := range names {
			var err error
			if method == zip.Deflate {
				w, err := zw.Create(n)
				if err != nil {
					t.Fatal(err)
				}
				zw.Flush()
				starts[n] = buf.Len() + 30 + len(n)
				_, err = w.Write(logs[n])
				if err != nil {
					t.Fatal(err)
				}
				continue
			}
			zw.Flush()
			starts[n] = buf.Len() + 30 + len(n)
			w, err := zw.CreateRaw(&zip.FileHeader{Name: n, Method: zip.Store, CRC32: crc32.ChecksumIEEE(logs[n]),
				CompressedSize64: uint64(len(logs[n])), UncompressedSize64: uint64(len(logs[n]))})
			if err != nil {
				t.Fatal(err)
			}
			if _, err = w.Write(logs[n]); err != nil {
				t.Fatal(err)
			}
		}
		zw.Close()
		z := buf.Bytes()
		eocd := bytes.LastIndex(z, []byte("PK\x05\x06"))
		central := int(binary.LittleEndian.Uint32(z[eocd+16:]))
		if !bytes.Equal(z[central:central+4], []byte("PK\x01\x02")) {
			t.Fatalf("method %d: no central directory at %d", method, central)
		}
		second := starts[names[1]]
		for _, c := range []struct {
			name string
			cut  int
			// whole: members read whole; part: the member cut (-1: none)
			whole int
			part  int
		}{
			{"cut in the central directory", central + 30, 2, -1},
			{"cut at the central directory", central, 2, -1},
			{"cut in the second member", second + (central-second)/2, 1, 1},
			{"cut in the first member", starts[names[0]] + (second-starts[names[0]])/2, 0, 0},
		} {
			zp := filepath.Join(dir, "cut.zip")
			if err := os.WriteFile(zp, z[:c.cut], 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := zip.OpenReader(zp); err == nil {
				t.Fatalf("%s: archive/zip reads it", c.name)
			}
			found, err := Find(zp)
			if err != nil {
				t.Fatalf("method %d, %s: %v", method, c.name, err)
			}
			want := c.whole
			if c.part >= 0 {
				want++
			}
			if len(found) != want {
				t.Fatalf("method %d, %s: %d members found, want %d", method, c.name, len(found), want)
			}
			for i, l := range found {
				if l.Path != zp+"!"+names[i] {
					t.Fatalf("method %d, %s: member %d is %s", method, c.name, i, l.Path)
				}
				if i < c.whole && l.Size != int64(len(logs[names[i]])) {
					t.Errorf("method %d, %s: %s: Size %d, want %d", method, c.name, l.Path, l.Size, len(logs[names[i]]))
				}
				got, errs := readLogIDs(t, l, Options{})
				ref := clean[names[i]]
				if i < c.whole && len(got) != len(ref) || len(got) == 0 || len(got) > len(ref) {
					t.Errorf("method %d, %s: %s: %d records, the log has %d", method, c.name, l.Path, len(got), len(ref))
				}
				for j := range min(len(got), len(ref)) {
					if got[j] != ref[j] {
						t.Fatalf("method %d, %s: %s record %d is %d, want %d", method, c.name, l.Path, j, got[j], ref[j])
					}
				}
				var note, cut bool
				for _, e := range errs {
					s := e.Error()
					note = note || strings.Contains(s, "no central directory") && strings.Contains(s, "local file header at archive offset") && strings.Contains(s, l.Path)
					cut = cut || strings.Contains(s, "ends inside this member")
				}
				if !note || cut != (i == c.part) {
					t.Errorf("method %d, %s: %s: problems %v (want the missing central directory named, the cut %v)", method, c.name, l.Path, errs, i == c.part)
				}
			}
		}
	}
	// Not a zip at all: the error names the file and the offset.
	zp := filepath.Join(dir, "junk.zip")
	os.WriteFile(zp, bytes.Repeat([]byte("junk"), 100), 0o644)
	if _, err := Find(zp); err == nil || !strings.Contains(err.Error(), zp+": offset 0x0") {
		t.Errorf("junk.zip: %v", err)
	}
}

// FuzzZipLocal: any archive without a readable central directory is
// scanned by its local file headers without a crash, a hang or more than
// the member limit in memory; every member found opens or fails with an
// error; and Open changes nothing of what the member holds: it yields the
// events a plain read of the member's bytes (stored, or inflated up to
// the first damage) yields, and fails only where that read fails or a
// limit or an unsupported method stops it.
func FuzzZipLocal(f *testing.F) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("System.evtx")
	w.Write(readSample(f, "Velocidex__evtx__testdata__Security_1_record.evtx"))
	w, _ = zw.CreateRaw(&zip.FileHeader{Name: "a/b.evtx", Method: zip.Store, CompressedSize64: 5, UncompressedSize64: 5})
	w.Write([]byte("ElfFi"))
	zw.Close()
	z := buf.Bytes()
	for _, n := range []int{len(z) - 22, len(z) / 2, 40, 100} {
		f.Add(z[:n])
	}
	// A stored member with its sizes in the local header, cut short.
	buf.Reset()
	zw = zip.NewWriter(&buf)
	w, _ = zw.CreateHeader(&zip.FileHeader{Name: "Logs/System.evtx", Method: zip.Store})
	w.Write(readSample(f, "Velocidex__evtx__testdata__Security_1_record.evtx"))
	zw.Close()
	f.Add(buf.Bytes()[:buf.Len()-22])
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "f.zip")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		logs, err := Find(p)
		if err != nil {
			return
		}
		for _, l := range logs {
			l.TempDir = dir
			r, err := l.Open(Options{Workers: 1})
			var got []string
			if err == nil {
				for {
					ev, err := r.Next()
					if err != nil {
						break
					}
					got = append(got, fmt.Sprintf("%d@%#x %s", ev.RecordID, ev.Source.Offset, ev.AppendXML(nil)))
				}
				r.Close()
			}
			m := l.zipLocal
			if m == nil || m.flags&zipEncrypted != 0 || m.method != zipStored && m.method != zipDeflated {
				continue
			}
			data := b[m.data:m.end]
			if m.method == zipDeflated {
				data, _ = io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(data)), MaxZipMember+1))
			}
			pr, perr := NewReaderOptions(bytes.NewReader(data), int64(len(data)), Options{Workers: 1})
			if err != nil {
				if perr == nil && l.zipSize <= MaxZipMember && len(data) <= MaxZipMember {
					t.Fatalf("%s: Open: %v; its %d bytes read plainly", l.Path, err, len(data))
				}
				continue
			}
			var want []string
			if perr == nil {
				for {
					ev, err := pr.Next()
					if err != nil {
						break
					}
					want = append(want, fmt.Sprintf("%d@%#x %s", ev.RecordID, ev.Source.Offset, ev.AppendXML(nil)))
				}
				pr.Close()
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: Open yields %d events, a plain read of its %d bytes %d (plain read error %v)", l.Path, len(got), len(data), len(want), perr)
			}
		}
	})
}
