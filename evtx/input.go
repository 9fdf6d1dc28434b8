package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"

	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/internal/shellword"
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
// A named pipe or character device is a stream that one read empties:
// the error says to give it on standard input, which is copied once.
func notRegular(name string, m fs.FileMode) error {
	if (m&fs.ModeNamedPipe != 0 || m&fs.ModeCharDevice != 0) && lineSafe(name) {
		return fmt.Errorf("%w: %s is %s (a stream: give it on standard input, as - < %s)", ErrNotRegular, name, fileKind(m), shellword.Path(name))
	}
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
// whole input, in blocks, stopping at the first non-zero byte. A log
// further on is named with the command that copies it out of the input
// o reads (copyOutCommand).
func notEVTX(r io.ReaderAt, size int64, head []byte, o Options) error {
	if size == 0 {
		return fmt.Errorf("%w: empty", ErrNotEVTX)
	}
	if isAllZero(r, size) {
		return fmt.Errorf("%w: all zero (%s)", ErrNotEVTX, plural.N(size, "byte"))
	}
	if len(head) > 8 {
		head = head[:8]
	}
	if len(head) >= 4 && string(head[:4]) == "PK\x03\x04" {
		return fmt.Errorf("%w: a zip archive (Find lists the logs in it)", ErrNotEVTX)
	}
	// A compressed log, as support engineers are handed them, said
	// "starts with 1f 8b 08 ...", which names no cause. Signatures: gzip
	// ID1 ID2 = 1f 8b (RFC 1952, 2.3.1,
	// https://www.rfc-editor.org/rfc/rfc1952#section-2.3.1); xz Header
	// Magic Bytes fd 37 7a 58 5a 00 (The .xz File Format, 2.1.1.1,
	// https://tukaani.org/xz/xz-file-format.txt).
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return fmt.Errorf("%w: a gzip-compressed file (starts with % x): decompress it (gunzip -k, or zcat FILE > LOG.evtx) and give the log (a .tar.gz: tar xzf FILE, and give the folder)", ErrNotEVTX, head)
	case len(head) >= 6 && string(head[:6]) == "\xfd7zXZ\x00":
		return fmt.Errorf("%w: an xz-compressed file (starts with % x): decompress it (unxz -k, or xzcat FILE > LOG.evtx) and give the log (a .tar.xz: tar xJf FILE, and give the folder)", ErrNotEVTX, head)
	}
	if isTar(r, size) {
		// Checked before the look for a log further on: the first
		// member's log lies 512 bytes (or more) in, and "copy it out
		// with tail -c" gave that log with every member after it.
		return fmt.Errorf("%w: a tar archive (\"ustar\" at offset 257): extract it (tar xf FILE, which reads a gzip- or xz-compressed one too) and give the folder of logs it holds", ErrNotEVTX)
	}
	if off, what, ok := signatureWithin(r, 0, size, true); ok {
		return fmt.Errorf("%w: no file header or chunk signature at the start (it starts with % x), but %s at offset %#x: "+
			"a log may start there (a carve or a copy with %s before the log); to read it, copy it into a file of its own "+
			"(%s) and give that file", ErrNotEVTX, head, what, off, plural.N(off, "byte"), copyOutCommand(o, off, size, "LOG.evtx", false))
	}
	return fmt.Errorf("%w: no file header or chunk signature (starts with % x)", ErrNotEVTX, head)
}

// isTar reports whether r (size bytes) starts with a tar header block:
// the magic field at offset 257 holds "ustar" followed by a NUL (POSIX
// ustar and pax: TMAGIC, "including the trailing null byte", tar.h,
// https://man7.org/linux/man-pages/man0/tar.h.0p.html; the field's offset,
// struct ustar_header in git's tar.h,
// https://www.kernel.org/pub/scm/git/git.git/tree/tar.h) or by two
// spaces and a NUL (GNU tar's own format, its default: "ustar  \x00"
// in the archives tar cf writes on Debian). A Logs folder packed with tar
// was called a log carved with 1,024 bytes before it, and the command
// given copied out its first member with every member after it.
func isTar(r io.ReaderAt, size int64) bool {
	if size < 512 {
		return false // less than one header block
	}
	var m [8]byte
	if n, _ := r.ReadAt(m[:], 257); n < len(m) {
		return false
	}
	return string(m[:6]) == "ustar\x00" || string(m[:]) == "ustar  \x00"
}

// sigFileHeader is what signatureWithin says of a file header found.
const sigFileHeader = "a log file header (ElfFile, checksum right) is"

// signatureWithin returns the offset of the first EVTX file header (or,
// with chunks, chunk header) in r (size bytes) at or after from whose
// signature and CRC32 are right, wherever it lies, and what it is: the
// input has no log at offset 0 or at a chunk boundary, but one may start
// further on; or a log cut inside a chunk is followed by another
// (span.nextLog). It reads the input from from in 64 KiB blocks
// (this runs only for an input already found not to be a log, or whose
// size is not a file header block and whole chunks) and stops at the
// first header found.
func signatureWithin(r io.ReaderAt, from, size int64, chunks bool) (off int64, what string, ok bool) {
	const block = 64 << 10
	// A block is read with the header size past it, so that a header
	// starting in the block is whole in buf: each candidate is checked
	// there, not read again (a read per "Elf" made an input of 10 million
	// of them take 19 s).
	buf := make([]byte, block+chunkHeaderSize)
	holes, _ := r.(dataFinder)
	for base := from; base < size; base += block {
		// A header starts with "E", never in a hole (zeros): the look
		// goes on at the hole's end, with the same answer.
		if holes != nil {
			if d, ok := holes.nextData(base); ok && d > base {
				if base = d; base >= size {
					break
				}
			}
		}
		n, _ := r.ReadAt(buf[:min(int64(len(buf)), size-base)], base)
		b := buf[:n]
		for i := 0; i < min(n, block); {
			j := bytes.Index(b[i:], []byte("Elf"))
			if j < 0 || i+j >= block {
				break
			}
			at := base + int64(i+j)
			h := b[i+j : min(n, i+j+chunkHeaderSize)]
			m := len(h)
			i += j + 1
			switch {
			case m >= fileHeaderSize && bytes.Equal(h[:8], fileMagic) && crc32.ChecksumIEEE(h[:120]) == binary.LittleEndian.Uint32(h[124:]):
				return at, sigFileHeader, true
			case chunks && m == chunkHeaderSize && bytes.Equal(h[:8], chunkMagic) && chunkHeaderCRC(h) == binary.LittleEndian.Uint32(h[124:]):
				return at, "a chunk header (ElfChnk, checksum right) is", true
			}
		}
	}
	return 0, "", false
}

// isAllZero reports whether the size bytes of r are all zero. The holes
// of a sparse file (dataFinder) are zeros and are not read.
func isAllZero(r io.ReaderAt, size int64) bool {
	buf := make([]byte, 64<<10)
	var zero [64 << 10]byte
	holes, _ := r.(dataFinder)
	for off := int64(0); off < size; {
		if holes != nil {
			if d, ok := holes.nextData(off); ok && d > off {
				if off = d; off >= size {
					return true
				}
			}
		}
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
