package evtx

// Reading a .zip archive whose central directory is missing: a download
// or a copy cut short, or an archive still being written. archive/zip
// needs the end-of-central-directory record at the end of the file and
// refuses the whole archive without it, although every member before the
// cut is intact. The members are found instead by their local file headers,
// one after the other from the start of the file (APPNOTE.TXT 4.3.6: each
// member is a local file header, its data, and a data descriptor when bit
// 3 of the flags is set).

import (
	"bufio"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

const (
	zipLocalSig      = 0x04034b50 // "PK\x03\x04", local file header
	zipLocalLen      = 30         // fixed part of a local file header
	zipDescriptorBit = 0x8        // flags bit 3: sizes follow the data
	zipStored        = 0
	zipDeflated      = 8
	// zipLocalMax bounds the members one archive is scanned for.
	zipLocalMax = 1 << 16
)

// zipLocal is a member found by its local file header (scanZipLocal).
type zipLocal struct {
	header int64 // offset of the local file header
	data   int64 // offset of the member's data
	// end is where the member's data ends: data plus its compressed size
	// when known, else the end of the file (a stored member with a data
	// descriptor, or one cut short).
	end    int64
	flags  uint16
	method uint16
	size   uint64 // uncompressed size the header claims, 0 if unknown
	cut    bool   // the file ends inside the member's data
}

// scanZipLocal walks the local file headers of the archive at path from
// offset 0, and returns the members found, each with its name, up to the
// first offset that holds no local file header (the central directory, or
// the end of a file cut short). A deflated member with a data descriptor
// (its sizes follow its data) is inflated to find where it ends. err is
// non-nil only when the file cannot be read.
func scanZipLocal(path string) (names []string, members []*zipLocal, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := fi.Size()
	le := binary.LittleEndian
	var hdr [zipLocalLen]byte
	for off := int64(0); off+zipLocalLen <= size && len(members) < zipLocalMax; {
		if _, err := f.ReadAt(hdr[:], off); err != nil {
			return names, members, err
		}
		if le.Uint32(hdr[0:]) != zipLocalSig {
			break
		}
		m := &zipLocal{header: off, flags: le.Uint16(hdr[6:]), method: le.Uint16(hdr[8:]), size: uint64(le.Uint32(hdr[22:]))}
		csize := uint64(le.Uint32(hdr[18:]))
		nameLen, extraLen := int64(le.Uint16(hdr[26:])), int64(le.Uint16(hdr[28:]))
		m.data = off + zipLocalLen + nameLen + extraLen
		if m.data > size {
			break // cut inside the header
		}
		buf := make([]byte, nameLen+extraLen)
		if _, err := f.ReadAt(buf, off+zipLocalLen); err != nil {
			return names, members, err
		}
		name, extra := string(buf[:nameLen]), buf[nameLen:]
		// ZIP64 (APPNOTE.TXT 4.5.3): sizes of 0xFFFFFFFF are in extra
		// field 0x0001, uncompressed size first.
		for len(extra) >= 4 {
			id, n := le.Uint16(extra), int(le.Uint16(extra[2:]))
			if 4+n > len(extra) {
				break
			}
			if id == 0x0001 {
				v := extra[4 : 4+n]
				if m.size == 0xFFFFFFFF && len(v) >= 8 {
					m.size, v = le.Uint64(v), v[8:]
				}
				if csize == 0xFFFFFFFF && len(v) >= 8 {
					csize = le.Uint64(v)
				}
			}
			extra = extra[4+n:]
		}
		known := m.flags&zipDescriptorBit == 0 || csize != 0
		switch {
		case known:
			m.end = m.data + int64(min(csize, uint64(size)))
		case m.method == zipDeflated:
			n, inflated, ok := deflatedLen(f, m.data, size)
			if n < 0 {
				// Inflates past MaxZipMember: Open rejects it; where
				// it ends is not worth the work (a zip bomb).
				m.end = size
				names, members = append(names, name), append(members, m)
				return names, members, nil
			}
			m.end = m.data + n
			m.cut = !ok
			if ok {
				m.size = uint64(inflated) // what the data descriptor says
			}
		default:
			m.end = size // a stored member of unknown size: up to the end
		}
		if m.end > size {
			m.end, m.cut = size, true
		}
		names, members = append(names, name), append(members, m)
		if m.cut || !known && m.method != zipDeflated {
			break
		}
		next := m.end
		if m.flags&zipDescriptorBit != 0 {
			next += descriptorLen(f, next)
		}
		off = next
	}
	return names, members, nil
}

// deflatedLen inflates the deflate stream at off and returns the number of
// compressed bytes it takes, the number of bytes it inflates to, and
// whether it ends before size; -1 when it inflates to more than
// MaxZipMember bytes (inflating stops there).
func deflatedLen(f *os.File, off, size int64) (compressed, inflated int64, ok bool) {
	cr := &countingReader{r: bufio.NewReader(io.NewSectionReader(f, off, size-off))}
	n, err := io.Copy(io.Discard, io.LimitReader(flate.NewReader(cr), MaxZipMember+1))
	if n > MaxZipMember {
		return -1, n, false
	}
	return cr.n, n, err == nil
}

// descriptorLen returns the length of the data descriptor at off: 16 bytes
// with its optional signature "PK\x07\x08", 12 without (ZIP64 ones are 8
// bytes longer; a local file header after them tells).
func descriptorLen(f *os.File, off int64) int64 {
	var b [28]byte
	n, _ := f.ReadAt(b[:], off)
	sig := func(i int) bool { return i+4 <= n && binary.LittleEndian.Uint32(b[i:]) == zipLocalSig }
	withSig := n >= 4 && binary.LittleEndian.Uint32(b[0:]) == 0x08074b50
	for _, l := range []int64{16, 24, 12, 20} {
		if (l == 16 || l == 24) != withSig {
			continue
		}
		if sig(int(l)) {
			return l
		}
	}
	if withSig {
		return 16
	}
	return 12
}

// countingReader counts the bytes the inflater takes: flate reads exactly
// what the stream holds from an io.ByteReader.
type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// openLocal returns the member's data, inflated when deflated.
func (m *zipLocal) open(f *os.File) (io.ReadCloser, error) {
	sec := io.NewSectionReader(f, m.data, m.end-m.data)
	switch m.method {
	case zipStored:
		return io.NopCloser(sec), nil
	case zipDeflated:
		return flate.NewReader(bufio.NewReader(sec)), nil
	}
	return nil, fmt.Errorf("compression method %d (only stored and deflated are read): %w", m.method, errors.ErrUnsupported)
}

// note is the problem every member read this way carries: where it was
// found, and that the archive is damaged.
func (m *zipLocal) note(archive string) error {
	what := "the archive has no central directory (cut short, or damaged at its end)"
	if m.cut {
		what += " and ends inside this member"
	}
	return fmt.Errorf("%w: zip: %s: %s; this member was found by its local file header at archive offset %#x", ErrCorrupt, archive, what, m.header)
}
