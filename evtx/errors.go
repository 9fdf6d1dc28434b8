package evtx

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrNotEVTX means the input does not start with an EVTX file header
	// and holds no recognisable chunk either.
	// The error's text says what the input is instead when that is known
	// ("not an EVTX file: empty", "...: all zero").
	ErrNotEVTX = errors.New("evtx: not an EVTX file")
	// ErrNotRegular means a path names something other than a regular
	// file where a log was expected: a named pipe (FIFO), socket, device
	// or directory. Such paths are refused before they are read, so that
	// nothing blocks on them.
	ErrNotRegular = errors.New("evtx: not a regular file")
	// ErrUnsupportedVersion means the file header names a format version
	// the reader does not know (it still tries to read the chunks).
	ErrUnsupportedVersion = errors.New("evtx: unsupported EVTX version")
	// ErrChecksum means a stored CRC32 does not match the bytes it covers.
	ErrChecksum = errors.New("evtx: checksum mismatch")
	// ErrCorrupt means a structure is inconsistent: a size, count or offset
	// points outside the bytes it must lie in, or a token is unknown.
	ErrCorrupt = errors.New("evtx: corrupt data")
	// ErrUnwritten means that part of a log in use (its file header's
	// dirty flag set) was not on disk when the file was copied or the
	// machine stopped: a page of a chunk reads as zeros. It is the state a
	// crash or a copy of a live log leaves, not damage; the records
	// written there are not in the file.
	ErrUnwritten = errors.New("evtx: not written to disk")
	// ErrLimit means a structure exceeds a bound the reader enforces to stay
	// safe on hostile input (nesting depth, substitution count, work per
	// record). The data may be valid but is not decoded.
	ErrLimit = errors.New("evtx: limit exceeded")
	// ErrConflict means that two copies of a log read as one (Merge)
	// hold one record (the same channel, EventRecordID and TimeCreated)
	// with different content, or with one of those different and the
	// same record number, record header time and size, or with
	// TimeCreated different and the same channel, EventRecordID and
	// content otherwise: one copy is damaged. The FormatError is at
	// the copy set aside (or, when nothing tells which copy is right,
	// yielded beside the other and marked: Event.ConflictOf) and names
	// the other copy, what was done and why (Merge says how it decides).
	ErrConflict = errors.New("evtx: copies of a record differ")
	// ErrClosed is what Reader.Next returns after Close (of the Reader
	// or of its File): the end of reading asked for by the caller, not
	// the end of the log (io.EOF) and not damage (which never stops
	// Next).
	ErrClosed = errors.New("evtx: reader closed")
	// ErrNoReader is what Next returns on a Reader that NewReader,
	// NewReaderOptions or Open did not make (the zero Reader, or the
	// zero File): it holds no log to read.
	ErrNoReader = errors.New("evtx: Reader not made by NewReader or Open")
	// ErrNilReaderAt is what NewReader and NewReaderOptions return (errors.Is)
	// for a nil io.ReaderAt.
	ErrNilReaderAt = errors.New("evtx: nil io.ReaderAt")
	// ErrNoLogs is what Find's error is (errors.Is) for a place that holds
	// no log: a directory without *.evtx files, nor a Windows logs
	// directory below it, or a .zip archive without .evtx members. The
	// error's text names the path.
	ErrNoLogs = errors.New("evtx: no .evtx logs")
)

// errWholeMember marks (errors.Is) a FormatError that is about a whole
// archive member rather than a place in it: its CRC-32, checked only once
// every byte was inflated. Its Offset is 0 and its Chunk -1, and Error
// names neither.
var errWholeMember = errors.New("the whole member")

// FormatError reports a problem at a place in a file. The reader collects
// them and keeps reading; Err wraps one of the sentinels above.
//
// File is Options.Name: the path given to Open, Log.Path for Log.Open
// ("archive.zip!dir/System.evtx" for an archive member), "" for NewReader
// without a Name. Offset is in the log's bytes: for an archive member, in
// its inflated bytes, not in the archive. Record is the record's number
// (record header id; for a record whose header number is damaged, the
// number it was read as) when the problem is in a known record, else 0:
// in an export it is not the EventRecordID Event Viewer shows.
type FormatError struct {
	File   string // Options.Name (see FormatError)
	Offset int64  // byte offset in the log where the problem is
	Chunk  int    // chunk index (0-based), or -1 for the file header
	Record uint64 // record number when known, else 0 (see FormatError)
	Err    error
}

func (e *FormatError) Error() string {
	s := "evtx: "
	if e.File != "" {
		s += e.File + ": "
	}
	switch {
	case errors.Is(e.Err, errWholeMember):
		// A problem of the whole archive member (its CRC-32): no place
		// in it, and not its file header.
		s += "the whole zip member: "
	case e.Chunk >= 0:
		s += fmt.Sprintf("chunk %d: ", e.Chunk)
	default:
		s += "file header: "
	}
	if e.Record != 0 {
		s += fmt.Sprintf("record %d: ", e.Record)
	}
	if !errors.Is(e.Err, errWholeMember) {
		s += fmt.Sprintf("offset %#x: ", e.Offset)
	}
	msg := "format error"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	// Wrapped errors of this package repeat the prefix: say it once.
	msg = strings.TrimPrefix(strings.ReplaceAll(msg, ": evtx: ", ": "), "evtx: ")
	return s + msg
}

func (e *FormatError) Unwrap() error { return e.Err }
