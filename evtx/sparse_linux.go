package evtx

import (
	"io"
	"math"
	"os"
	"sync"
	"syscall"
)

// seekData is lseek's SEEK_DATA on Linux (lseek(2)): the offset moves
// to the first byte at or after the one asked that is not in a hole;
// ENXIO when there is none before the end of the file.
const seekData = 3

// sparseFile is a log file opened by this package, read with ReadAt
// only, so that its file offset is free for lseek to find its data
// (dataFinder). It reads the holes of a sparse file (its unwritten
// ranges, which read as zeros) as zeros without asking the kernel for
// them: a 20 GiB sparse file made by truncate(1), or a log followed by
// gigabytes of unwritten space, made every pass over it copy those zeros
// from the kernel 64 KiB at a time (analyze of a 1 MiB log followed by
// a 20 GiB hole used 84 s of CPU, dump of a 1 GiB hole 8 s). The bytes
// read are the same either way (TestSparseReadAtSameBytes).
type sparseFile struct {
	*os.File
	h *holeSpan
}

// holeSpan is the last hole SEEK_DATA found in a file: [from, to) reads
// as zeros; to is math.MaxInt64 for a hole that runs to the end of the
// file, which was size bytes long when it was found. Every reader of
// the file shares it (the chunk pipeline reads from several goroutines);
// a pass over a hole asks lseek once, not once a chunk (lseek SEEK_DATA
// walks the file's extents: once a chunk, it cost as much as the reads).
type holeSpan struct {
	mu             sync.Mutex
	from, to, size int64
}

// known returns the end of the known hole that holds off, if one does.
func (h *holeSpan) known(off int64) (to, size int64, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.to > h.from && off >= h.from && off < h.to {
		return h.to, h.size, true
	}
	return 0, 0, false
}

func (f sparseFile) nextData(off int64) (int64, bool) {
	if to, _, ok := f.h.known(off); ok {
		return to, true
	}
	c, err := f.SyscallConn()
	if err != nil {
		return 0, false
	}
	var d int64
	var serr error
	if err := c.Control(func(fd uintptr) { d, serr = syscall.Seek(int(fd), off, seekData) }); err != nil {
		return 0, false
	}
	switch serr {
	case nil:
	case syscall.ENXIO:
		d = math.MaxInt64
	default:
		return 0, false // the file system cannot tell (EINVAL): read it
	}
	if d > off {
		size := int64(-1)
		if d == math.MaxInt64 {
			// Past the last data, or past the end: the hole ends
			// where the file does, as long as it has this size.
			fi, err := f.File.Stat()
			if err != nil {
				return d, true
			}
			size = fi.Size()
		}
		f.h.mu.Lock()
		f.h.from, f.h.to, f.h.size = off, d, size
		f.h.mu.Unlock()
	}
	return d, true
}

// holeReadMin is the smallest read after which sparseFile.ReadAt asks
// lseek whether a hole starts there: a smaller one costs the kernel
// little even in a hole, and asking is a system call of its own.
const holeReadMin = 4 << 10

// ReadAt reads len(p) bytes at off as (*os.File).ReadAt does, with the
// same n and error, but the part of the range that lies in a hole of
// the file already found is zeroed in p rather than read. A hole is
// looked for (lseek SEEK_DATA) only after a read of at least
// holeReadMin bytes that starts with 8 zero bytes: chunks and file
// headers start with their signature, so a pass over a log asks nothing
// (asking before every read cost one lseek per chunk read, 5,416 in an
// analyze of bench/run's volume), while a pass over a hole reads its
// first block and zeroes the rest. Where the file system cannot tell
// its holes, every byte is read.
func (f sparseFile) ReadAt(p []byte, off int64) (int, error) {
	if len(p) == 0 || off < 0 {
		return f.File.ReadAt(p, off)
	}
	if d, size, ok := f.h.known(off); ok {
		if d < math.MaxInt64 {
			// A hole up to d, where data lies: the file reaches past d.
			h := int(min(d-off, int64(len(p))))
			clear(p[:h])
			if h == len(p) {
				return h, nil
			}
			n, err := f.File.ReadAt(p[h:], d)
			return h + n, err
		}
		// A hole that runs to the end of the file, size bytes long
		// when it was found: a read past that end is the file's to
		// answer (it may have grown).
		if size >= 0 && off+int64(len(p)) <= size {
			clear(p)
			return len(p), nil
		}
		return f.File.ReadAt(p, off)
	}
	n, err := f.File.ReadAt(p, off)
	if n >= holeReadMin && zeroStart(p[:n]) {
		f.nextData(off)
	}
	return n, err
}

// zeroStart reports whether b starts with 8 zero bytes.
func zeroStart(b []byte) bool {
	return len(b) >= 8 && b[0]|b[1]|b[2]|b[3]|b[4]|b[5]|b[6]|b[7] == 0
}

// readAtFile is what a log file opened by this package is read through.
func readAtFile(f *os.File) io.ReaderAt { return sparseFile{f, &holeSpan{}} }
