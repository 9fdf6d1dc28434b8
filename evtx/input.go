package evtx

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// fileKind names what a non-regular mode is, for error messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}

// notRegular is the error for a path that is not a regular file.
func notRegular(name string, m fs.FileMode) error {
	return fmt.Errorf("%w: %s is %s", ErrNotRegular, name, fileKind(m))
}

// openRegular opens name for reading if it is a regular file. It checks
// the mode before opening (a socket cannot be opened at all), and opens
// with O_NONBLOCK where the system has it, so that a FIFO swapped in after
// the check does not block either; the caller checks the mode again.
func openRegular(name string) (*os.File, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(name, fi.Mode())
	}
	return os.OpenFile(name, os.O_RDONLY|openNonBlock, 0)
}

// notEVTX says what an input without any EVTX signature is: empty, all
// zero, or something else (with its first bytes). It reads at most the
// whole input, in blocks, stopping at the first non-zero byte.
func notEVTX(r io.ReaderAt, size int64, head []byte) error {
	if size == 0 {
		return fmt.Errorf("%w: empty", ErrNotEVTX)
	}
	if isAllZero(r, size) {
		return fmt.Errorf("%w: all zero (%d bytes)", ErrNotEVTX, size)
	}
	if len(head) > 8 {
		head = head[:8]
	}
	if len(head) >= 4 && string(head[:4]) == "PK\x03\x04" {
		return fmt.Errorf("%w: a zip archive (Find lists the logs in it)", ErrNotEVTX)
	}
	return fmt.Errorf("%w: no file header or chunk signature (starts with % x)", ErrNotEVTX, head)
}

func isAllZero(r io.ReaderAt, size int64) bool {
	buf := make([]byte, 64<<10)
	var zero [64 << 10]byte
	for off := int64(0); off < size; {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if !bytes.Equal(buf[:n], zero[:n]) {
			return false
		}
		off += int64(n)
		if err != nil {
			return err == io.EOF && off >= size
		}
	}
	return true
}

// MaxWorkers caps Options.Workers: each worker holds up to about two
// decoded chunks (a few MiB of events for a full 64 KiB chunk), so the cap
// bounds the reader's memory whatever is asked for and whatever the
// machine's size. Eight workers are past the point where decoding stops
// getting faster on the machines evtxrdp has been measured on (bench/run).
const MaxWorkers = 8

// Progress says how far opening or reading a log has got.
type Progress struct {
	Log   string // Log.Path (Options.Name for a Reader)
	Stage string // StageInflating or StageReading
	Done  int64  // bytes inflated or read so far
	Total int64  // bytes in all (for inflating: what the archive claims)
}

// Progress stages.
const (
	StageInflating = "inflating" // Log.Open extracts an archive member
	StageReading   = "reading"   // Next reads chunks
)
