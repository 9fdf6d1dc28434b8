package evtx

import (
	"io"
	"math"
	"os"
	"syscall"
)

// seekData is lseek's SEEK_DATA on Linux (lseek(2)): the offset moves
// to the first byte at or after the one asked that is not in a hole;
// ENXIO when there is none before the end of the file.
const seekData = 3

// sparseFile is a log file opened by this package, read with ReadAt
// only, so that its file offset is free for lseek to find its data
// (dataFinder).
type sparseFile struct{ *os.File }

func (f sparseFile) nextData(off int64) (int64, bool) {
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
		return d, true
	case syscall.ENXIO:
		return math.MaxInt64, true
	}
	return 0, false // the file system cannot tell (EINVAL): read it
}

// readAtFile is what a log file opened by this package is read through.
func readAtFile(f *os.File) io.ReaderAt { return sparseFile{f} }
