//go:build linux

package evtx

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// plainFile reads a file as (*os.File).ReadAt does, every byte, and
// cannot tell its holes: the plain path sparseFile must match.
type plainFile struct{ f *os.File }

func (p plainFile) ReadAt(b []byte, off int64) (int, error) { return p.f.ReadAt(b, off) }

// holeLog writes a real System log, then hole bytes of unwritten space,
// then (tail) the log again, and returns the path.
func holeLog(t *testing.T, hole int64, tail bool) string {
	t.Helper()
	src, err := os.ReadFile("../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "System.evtx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(src); err != nil {
		t.Fatal(err)
	}
	if tail {
		if _, err := f.WriteAt(src, int64(len(src))+hole); err != nil {
			t.Fatal(err)
		}
	} else if err := f.Truncate(int64(len(src)) + hole); err != nil {
		t.Fatal(err)
	}
	if d, ok := (sparseFile{f, &holeSpan{}}).nextData(int64(len(src))); !ok || d <= int64(len(src)) {
		t.Skipf("the file system of %s reports no hole (SEEK_DATA gave %d, %v)", p, d, ok)
	}
	return p
}

// procIO returns this process's rchar (bytes read through read system
// calls, pread included) from /proc/self/io (proc(5)).
func procIO(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/io")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "rchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("/proc/self/io has no rchar")
	return 0
}

// The bytes sparseFile.ReadAt gives are the plain read's, n and error
// included, at offsets and lengths across the data, the hole, its ends
// and the end of the file.
func TestSparseReadAtSameBytes(t *testing.T) {
	for _, tail := range []bool{false, true} {
		p := holeLog(t, 3<<20+123, tail)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := f.Stat()
		size := fi.Size()
		sp := readAtFile(f)
		rng := rand.New(rand.NewSource(1))
		abuf, bbuf := make([]byte, 1<<20), make([]byte, 1<<20)
		for k := 0; k < 600; k++ {
			off := rng.Int63n(size + 100000)
			n := []int{1, 8, 4095, 4096, 65536, 65536, 65536, 1 << 20}[rng.Intn(8)]
			if k%3 == 0 {
				// In order through the file, as a pass reads it.
				off = int64(k/3) * 65536 % (size + 65536)
			}
			a, b := abuf[:n], bbuf[:n]
			for i := range a {
				a[i], b[i] = 0xee, 0xdd
			}
			na, ea := sp.ReadAt(a, off)
			nb, eb := f.ReadAt(b, off)
			if na != nb || ea != eb || !bytes.Equal(a[:na], b[:nb]) {
				t.Fatalf("tail %v: ReadAt(%d bytes, %#x): sparse %d, %v; plain %d, %v; bytes equal: %v", tail, n, off, na, ea, nb, eb, bytes.Equal(a[:na], b[:nb]))
			}
		}
		f.Close()
	}
}

// A hole is not copied from the kernel: reading 64 MiB of one in 64 KiB
// blocks read 64 MiB through pread before, and reads nothing now.
func TestSparseReadAtSkipsHole(t *testing.T) {
	p := holeLog(t, 64<<20, false)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	sp := readAtFile(f)
	buf := make([]byte, 64<<10)
	before := procIO(t)
	for off := fi.Size() - 64<<20; off < fi.Size(); off += int64(len(buf)) {
		if _, err := sp.ReadAt(buf, off); err != nil && err != io.EOF {
			t.Fatal(err)
		}
	}
	if got := procIO(t) - before; got > 1<<20 {
		t.Errorf("reading a 64 MiB hole read %d bytes from the kernel, want under 1 MiB", got)
	}
}

// A log followed by a hole, or by a hole and a second log, reads as the
// plain path reads it: the same events, statistics and problems.
func TestSparseLogSameAsPlain(t *testing.T) {
	type layout struct {
		hole  int64
		tail  bool
		count int // the file header's chunk count made this (0: as written)
	}
	// Holes that end the file at a chunk boundary and not (a partial
	// last slot), after the log or between it and a copy of it, and a
	// file header that counts chunk slots in the hole (all zero, their
	// records lost: a problem each): dataSlots leaves out the trailing
	// slots of a hole, and only those that give nothing.
	for _, l := range []layout{
		{16<<20 + 4096, false, 0}, {16<<20 + 4096, true, 0},
		{16 << 20, false, 0}, {16<<20 + 1000, false, 0}, {16<<20 + 1000, true, 0},
		{16<<20 + 1000, false, 40}, {16 << 20, false, 40},
	} {
		tail := l.tail
		p := holeLog(t, l.hole, tail)
		if l.count > 0 {
			setChunkCount(t, p, l.count)
		}
		read := func(sparse bool) string {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			var ra io.ReaderAt = plainFile{f}
			if sparse {
				ra = readAtFile(f)
			}
			rd, err := NewReaderOptions(ra, fi.Size(), Options{Name: "System.evtx", Recover: true})
			if err != nil {
				return "error: " + err.Error()
			}
			defer rd.Close()
			var out strings.Builder
			for {
				ev, err := rd.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				x := ev.XML()
				fmt.Fprintf(&out, "%d %s\n", ev.RecordID, x)
			}
			fmt.Fprintf(&out, "%+v\n", rd.Stats())
			for _, e := range rd.Errors() {
				fmt.Fprintln(&out, e)
			}
			return out.String()
		}
		sparse, plain := read(true), read(false)
		if sparse != plain {
			t.Errorf("%+v: sparse and plain reads differ:\nsparse: %.2000s\nplain:  %.2000s", l, sparse, plain)
		}
		if n := strings.Count(plain, "\n"); n < 600 {
			t.Errorf("%+v: only %d lines read", l, n)
		}
		if l.count > 0 && !strings.Contains(plain, fmt.Sprintf("chunk %d is all zero", l.count-1)) {
			t.Errorf("%+v: no problem names the last chunk the file header counts, all zero", l)
		}
	}
}

// An input that is not a log at its start is called the same through
// sparseFile, which passes over holes in looking for zeros and for a
// header further on, as through the plain read: all zero; a byte after
// a hole; a log after a hole (named at its offset).
func TestSparseNotEVTXSameAsPlain(t *testing.T) {
	src, err := os.ReadFile("../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		at   int64
		data []byte
		want string
	}{
		{"zero", 0, nil, "all zero (3145728 bytes)"},
		{"byte", 3<<20 - 1, []byte("x"), "no file header or chunk signature (starts with 00"},
		{"log", 1<<20 + 17, src, "a log file header (ElfFile, checksum right) is at offset 0x100011"},
	} {
		p := filepath.Join(t.TempDir(), c.name+".evtx")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(3 << 20); err != nil {
			t.Fatal(err)
		}
		if c.data != nil {
			if _, err := f.WriteAt(c.data, c.at); err != nil {
				t.Fatal(err)
			}
		}
		fi, _ := f.Stat()
		_, perr := NewReaderOptions(plainFile{f}, fi.Size(), Options{Name: p})
		_, serr := NewReaderOptions(readAtFile(f), fi.Size(), Options{Name: p})
		f.Close()
		if perr == nil || serr == nil || perr.Error() != serr.Error() || !strings.Contains(serr.Error(), c.want) {
			t.Errorf("%s:\n  sparse: %v\n  plain:  %v\n  want %q", c.name, serr, perr, c.want)
		}
	}
}

// setChunkCount sets the chunk count of the file header of the log at p
// to n, its last chunk number to n-1, and its checksum right.
func setChunkCount(t *testing.T, p string, n int) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := make([]byte, 128)
	if _, err := f.ReadAt(h, 0); err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint64(h[16:], uint64(n-1))
	binary.LittleEndian.PutUint16(h[42:], uint16(n))
	binary.LittleEndian.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	if _, err := f.WriteAt(h, 0); err != nil {
		t.Fatal(err)
	}
}

// countingSparse is a sparseFile that counts its reads and its looks for
// data.
type countingSparse struct {
	sparseFile
	reads, looks *atomic.Int64
}

func (c countingSparse) ReadAt(p []byte, off int64) (int, error) {
	c.reads.Add(1)
	return c.sparseFile.ReadAt(p, off)
}

func (c countingSparse) nextData(off int64) (int64, bool) {
	c.looks.Add(1)
	return c.sparseFile.nextData(off)
}

// TestSparseHoleTailSlots: a 1 MiB log followed by a 20 GiB hole that
// does not end at a chunk boundary (truncate -s 20G+1000), read whole
// twice (the second read with a window, as analyze's later passes): the
// chunk slots that lie wholly in the trailing hole are not read, so a
// read costs a few hundred reads and looks for data, not one a slot
// (327,680 slots: before, 55 s of CPU and 205 MiB for analyze, each
// pass calling ReadAt for every slot). The answer is the plain read's:
// TestSparseLogSameAsPlain compares them on 16 MiB holes of the same
// shapes.
func TestSparseHoleTailSlots(t *testing.T) {
	p := holeLog(t, 20<<30+1000, false)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	var reads, looks atomic.Int64
	ra := countingSparse{sparseFile{f, &holeSpan{}}, &reads, &looks}
	for _, o := range []Options{{Name: "System.evtx"}, {Name: "System.evtx", Since: time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC)}} {
		reads.Store(0)
		looks.Store(0)
		rd, err := NewReaderOptions(ra, fi.Size(), o)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			_, err := rd.Next()
			if err != nil {
				break
			}
			n++
		}
		st, errs := rd.Stats(), rd.Errors()
		rd.Close()
		if o.Since.IsZero() && n != 651 || n == 0 {
			t.Errorf("since %v: %d events, want 651 (all) or some", o.Since, n)
		}
		if len(errs) != 0 || st.Size != fi.Size() {
			t.Errorf("since %v: problems %v, size %d (want none, %d)", o.Since, errs, st.Size, fi.Size())
		}
		if r, l := reads.Load(), looks.Load(); r > 1000 || l > 100 {
			t.Errorf("since %v: %d reads and %d looks for data, want at most 1000 and 100 (the log has 17 chunk slots, the hole 327,680)", o.Since, r, l)
		} else {
			t.Logf("since %v: %d reads, %d looks for data", o.Since, r, l)
		}
	}
}
