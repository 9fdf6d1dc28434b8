package evtx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readLogIDs reads every event of l, returning the record ids and problems.
func readLogIDs(t *testing.T, l *Log, o Options) ([]uint64, []*FormatError) {
	t.Helper()
	f, err := l.Open(o)
	if err != nil {
		t.Fatalf("%s: %v", l.Path, err)
	}
	defer f.Close()
	var ids []uint64
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.RecordID)
	}
	return ids, f.Errors()
}

// A zip member damaged near its end yields every record before the
// damage, and the damage is reported, both from memory and through the
// temporary file (`unzip -p` gives back the same prefix).
func TestZipMemberDamagedNearEnd(t *testing.T) {
	const sample = "michkoll__fakenevtx__tests__data__System.evtx" // 2 MiB
	data := readSample(t, sample)
	for _, store := range []string{"memory", "tempfile"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			w, _ := zw.Create("Logs/System.evtx")
			w.Write(data)
			zw.Close()
			z := buf.Bytes()
			// The member's deflate data starts after its local header;
			// damage the bytes at 97% of it.
			hdr := 30 + len("Logs/System.evtx")
			compressed := bytes.Index(z, []byte("PK\x01\x02")) - hdr // to the central directory (includes a 16-byte data descriptor)
			at := hdr + compressed*97/100
			for i := at; i < at+64; i++ {
				z[i] ^= 0x5a
			}
			zp := filepath.Join(dir, "logs.zip")
			if err := os.WriteFile(zp, z, 0o644); err != nil {
				t.Fatal(err)
			}
			logs, err := Find(zp)
			if err != nil {
				t.Fatal(err)
			}
			l := logs[0]
			l.TempDir = dir
			if store == "tempfile" {
				l.zipSize = zipInMemory + 1 // as if large: goes to a temporary file
			}
			var inflating int
			l.Progress = func(p Progress) {
				if p.Stage == StageInflating {
					inflating++
				}
			}
			clean, _ := readLogIDs(t, &Log{Path: "clean", file: writeTemp(t, dir, data)}, Options{})
			got, errs := readLogIDs(t, l, Options{})
			if len(got) == 0 || len(got) < len(clean)*9/10 {
				t.Fatalf("%d of %d records read from the damaged member, want at least 90%%", len(got), len(clean))
			}
			for i, id := range got {
				if id != clean[i] {
					t.Fatalf("record %d: id %d, want %d (the clean log's prefix)", i, id, clean[i])
				}
			}
			var damage *FormatError
			for _, e := range errs {
				if strings.Contains(e.Error(), "zip member damaged") {
					damage = e
				}
			}
			if damage == nil || !errors.Is(damage, ErrCorrupt) || !strings.Contains(damage.Error(), l.Path) {
				t.Errorf("no zip damage reported naming the member; errors: %v", errs)
			}
			if inflating == 0 {
				t.Errorf("no inflation progress reported")
			}
			t.Logf("%s: %d of %d records, damage: %v", store, len(got), len(clean), damage)
			if entries, _ := os.ReadDir(dir); len(entries) != 2 { // logs.zip and the clean copy
				t.Errorf("temporary files left: %v", entries)
			}
		})
	}
}

func writeTemp(t *testing.T, dir string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, "clean.evtx")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestZipMemberEncrypted: a member of a password-protected archive (general
// purpose flag bit 0) is said to be encrypted; it was reported as "not an
// EVTX file: empty (... zip member damaged ...)", as if the disk were bad.
func TestZipMemberEncrypted(t *testing.T) {
	data := readSample(t, "michkoll__fakenevtx__tests__data__System.evtx")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	// Stored, with the encryption bit set: the bytes are a plain log, so
	// only the flag can tell.
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "System.evtx", Method: zip.Store, Flags: 0x1})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	zw.Close()
	zp := filepath.Join(t.TempDir(), "logs.zip")
	if err := os.WriteFile(zp, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	logs, err := Find(zp)
	if err != nil {
		t.Fatal(err)
	}
	f, err := logs[0].Open(Options{})
	if err == nil {
		f.Close()
		t.Fatal("an encrypted member opened")
	}
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "encrypted") || !strings.Contains(err.Error(), "logs.zip!System.evtx") {
		t.Errorf("error %q", err)
	}
}

// TestZipMemberChecksumWhole: a stored member with one byte changed
// inflates to its full size and then fails its CRC-32. The problem was
// "chunk 17: offset 0x111000: ... inflating stopped after 1118208 of
// 1118208 bytes: zip: checksum error; the records before it are read",
// naming a chunk past the end of the data and a stop that did not
// happen. It is now the whole member's problem (ErrChecksum, no chunk, no
// offset), every record is read as from the bytes unzipped, and the
// chunk checksum names the chunk changed.
func TestZipMemberChecksumWhole(t *testing.T) {
	data := readSample(t, "michkoll__fakenevtx__tests__data__System.evtx")
	dir := t.TempDir()
	damaged := bytes.Clone(data)
	damaged[fileHeaderBlock+chunkSize+chunkHeaderSize+100] ^= 0xff // a record of chunk 1
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "System.evtx", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	zw.Close()
	z := buf.Bytes()
	at := bytes.Index(z, data)
	if at < 0 {
		t.Fatal("stored member's bytes not found in the archive")
	}
	copy(z[at:], damaged) // the CRC-32 stays the undamaged bytes'
	zp := filepath.Join(dir, "logs.zip")
	if err := os.WriteFile(zp, z, 0o644); err != nil {
		t.Fatal(err)
	}
	logs, err := Find(zp)
	if err != nil {
		t.Fatal(err)
	}
	want, wantErrs := readLogIDs(t, &Log{Path: "unzipped", file: writeTemp(t, dir, damaged)}, Options{})
	got, errs := readLogIDs(t, logs[0], Options{})
	if len(got) != len(want) {
		t.Errorf("%d records read from the member, %d from its bytes unzipped", len(got), len(want))
	}
	if len(errs) != len(wantErrs)+1 {
		t.Errorf("%d problems, want the %d of the bytes unzipped and the CRC's: %v", len(errs), len(wantErrs), errs)
	}
	var crc *FormatError
	for _, e := range errs {
		if strings.Contains(e.Error(), "zip member damaged") {
			crc = e
		}
	}
	if crc == nil {
		t.Fatalf("no zip damage reported; errors: %v", errs)
	}
	msg := crc.Error()
	if !errors.Is(crc, ErrChecksum) || !errors.Is(crc, errWholeMember) || crc.Chunk != -1 ||
		!strings.Contains(msg, logs[0].Path+": the whole zip member: checksum mismatch: zip member damaged: the CRC-32 of its ") ||
		strings.Contains(msg, "chunk") && !strings.Contains(msg, "the chunk and record checksums") || strings.Contains(msg, "stopped") || strings.Contains(msg, "offset") {
		t.Errorf("the CRC's problem: %v", msg)
	}
}

// TestZipMemberInflatesPastItsSize: a member whose deflate data inflates
// to more bytes than its header claims (its compressed data damaged:
// one such member inflated to 1,118,370 of a claimed 1,118,208) was
// reported as "inflating stopped after N of M bytes: zip: not a valid zip
// file", as if the archive were not one. archive/zip gives ErrFormat for
// this alone while reading a member; the problem now says what it is,
// and the records before it are read.
func TestZipMemberInflatesPastItsSize(t *testing.T) {
	data := readSample(t, "michkoll__fakenevtx__tests__data__System.evtx")
	claimed := len(data) - chunkSize
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "System.evtx", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data[:claimed]),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(claimed)})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	zp := filepath.Join(t.TempDir(), "logs.zip")
	if err := os.WriteFile(zp, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	logs, err := Find(zp)
	if err != nil {
		t.Fatal(err)
	}
	ids, errs := readLogIDs(t, logs[0], Options{})
	if len(ids) == 0 {
		t.Fatal("no record read")
	}
	var damage *FormatError
	for _, e := range errs {
		if strings.Contains(e.Error(), "zip member damaged") {
			damage = e
		}
	}
	want := fmt.Sprintf("zip member damaged: its data inflates to more than the %d bytes its header claims (the compressed data is damaged), read up to byte ", claimed)
	if damage == nil || !errors.Is(damage, ErrCorrupt) || !strings.Contains(damage.Error(), want) || strings.Contains(damage.Error(), "not a valid zip file") {
		t.Errorf("the member's problem: %v, want %q", damage, want)
	}
}
