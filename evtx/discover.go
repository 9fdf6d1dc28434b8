package evtx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Limits for logs inside .zip archives.
const (
	// MaxZipMember is the largest uncompressed size of a .evtx member of a
	// .zip archive the reader accepts (1 GiB). A member whose header claims
	// more, or whose data inflates to more, is rejected with an error naming
	// it: archives are hostile input too (zip bombs).
	MaxZipMember = 1 << 30
	// zipInMemory is the size up to which a member is inflated into memory;
	// larger ones go to a temporary file removed by File.Close.
	zipInMemory = 64 << 20
)

// Log is an event log file found by Find.
type Log struct {
	// Path names the log for display: a file path, or
	// "archive.zip!dir/System.evtx" for a member of a .zip archive.
	Path string
	// Channel is the channel name derived from the file name
	// (ChannelFromFileName). The records carry their own System/Channel,
	// which can differ (forwarded events, copies).
	Channel string
	// Size is the log's size in bytes (uncompressed for archive members).
	Size int64

	file    string // file system path of the log or of the archive
	member  string // name of the member inside the archive, "" for a plain file
	zipSize uint64 // uncompressed size the archive's header claims
	parts   []*Log // the copies a merged log reads (Merge)
}

// Location returns where the log is: the file system path of the log, or
// of the .zip archive holding it and the member's name in it ("" for a
// plain file). A merged log (Merge) is where its first part is.
func (l *Log) Location() (file, member string) { return l.file, l.member }

// Open opens the log for reading. o.Name defaults to l.Path.
func (l *Log) Open(o Options) (*File, error) {
	if len(l.parts) > 0 {
		return openMerged(l, o)
	}
	if o.Name == "" {
		o.Name = l.Path
	}
	if l.member == "" {
		return OpenOptions(l.file, o)
	}
	return openZipMember(l, o, MaxZipMember)
}

// Find returns the event logs at path, sorted by Path:
//   - a file: that file (whatever its name), or, if it is a .zip archive,
//     every member whose name ends in .evtx (case-insensitive), at any depth;
//   - the root of a mounted Windows volume: the *.evtx files in
//     Windows/System32/winevt/Logs (each component matched
//     case-insensitively);
//   - any other directory: the *.evtx files in it (not in subdirectories).
//
// Find does not read the logs; Log.Open does.
func Find(path string) ([]*Log, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		if isZip(path) {
			return findZip(path)
		}
		return []*Log{{Path: path, Channel: ChannelFromFileName(path), Size: fi.Size(), file: path}}, nil
	}
	dir := path
	if logs, ok := findFold(path, "Windows", "System32", "winevt", "Logs"); ok {
		dir = logs
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*Log
	for _, e := range entries {
		if !hasEVTXExt(e.Name()) || e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p) // follows symlinks
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		out = append(out, &Log{Path: p, Channel: ChannelFromFileName(e.Name()), Size: fi.Size(), file: p})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("evtx: no .evtx logs in %s (nor in Windows/System32/winevt/Logs below it)", path)
	}
	slices.SortFunc(out, func(a, b *Log) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func hasEVTXExt(name string) bool {
	return len(name) > 5 && strings.EqualFold(name[len(name)-5:], ".evtx")
}

// findFold follows the path components below root, matching each name
// case-insensitively (a Windows volume mounted on a case-sensitive file
// system keeps the case Windows gave it: "Windows/System32/winevt/Logs").
func findFold(root string, parts ...string) (string, bool) {
	dir := root
	for _, want := range parts {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return "", false
		}
		found := ""
		for _, e := range entries {
			if strings.EqualFold(e.Name(), want) {
				p := filepath.Join(dir, e.Name())
				if fi, err := os.Stat(p); err == nil && fi.IsDir() {
					if e.Name() == want || found == "" {
						found = p
					}
				}
			}
		}
		if found == "" {
			return "", false
		}
		dir = found
	}
	return dir, true
}

func isZip(path string) bool {
	if strings.EqualFold(filepath.Ext(path), ".zip") {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && string(b[:]) == "PK\x03\x04"
}

func findZip(path string) ([]*Log, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("evtx: %s: %w", path, err)
	}
	defer zr.Close()
	var out []*Log
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !hasEVTXExt(f.Name) {
			continue
		}
		base := f.Name[strings.LastIndexAny(f.Name, `/\`)+1:]
		out = append(out, &Log{
			Path:    path + "!" + f.Name,
			Channel: ChannelFromFileName(base),
			Size:    int64(min(f.UncompressedSize64, 1<<62)),
			file:    path,
			member:  f.Name,
			zipSize: f.UncompressedSize64,
		})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("evtx: no .evtx members in %s", path)
	}
	slices.SortFunc(out, func(a, b *Log) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// openZipMember inflates the member into memory or a temporary file, at
// most limit bytes.
func openZipMember(l *Log, o Options, limit int64) (*File, error) {
	if l.zipSize > uint64(limit) {
		return nil, fmt.Errorf("evtx: %s: member claims %d bytes uncompressed, more than the %d-byte limit: %w", l.Path, l.zipSize, limit, ErrLimit)
	}
	zr, err := zip.OpenReader(l.file)
	if err != nil {
		return nil, fmt.Errorf("evtx: %s: %w", l.file, err)
	}
	defer zr.Close()
	var zf *zip.File
	for _, f := range zr.File {
		if f.Name == l.member {
			zf = f
			break
		}
	}
	if zf == nil {
		return nil, fmt.Errorf("evtx: %s: member not found: %w", l.Path, fs.ErrNotExist)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("evtx: %s: %w", l.Path, err)
	}
	defer rc.Close()
	limited := io.LimitReader(rc, limit+1)
	tooBig := func() error {
		return fmt.Errorf("evtx: %s: member inflates to more than the %d-byte limit (its header claimed %d bytes): %w", l.Path, limit, l.zipSize, ErrLimit)
	}
	if l.zipSize <= zipInMemory {
		// Read at most a little more than claimed into memory; a member that
		// lies about its size continues into a temporary file.
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(limited, zipInMemory+1))
		if err != nil {
			return nil, fmt.Errorf("evtx: %s: %w", l.Path, err)
		}
		if n > limit {
			return nil, tooBig()
		}
		if n <= zipInMemory {
			data := buf.Bytes()
			rd, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), o)
			if err != nil {
				return nil, err
			}
			return &File{Reader: rd}, nil
		}
		limited = io.MultiReader(bytes.NewReader(buf.Bytes()), limited)
	}
	tmp, err := os.CreateTemp("", "evtxrdp-*.evtx")
	if err != nil {
		return nil, err
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	n, err := io.Copy(tmp, limited)
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("evtx: %s: %w", l.Path, err)
	}
	if n > limit {
		cleanup()
		return nil, tooBig()
	}
	rd, err := NewReaderOptions(tmp, n, o)
	if err != nil {
		cleanup()
		return nil, err
	}
	return &File{Reader: rd, f: tmp, remove: tmp.Name()}, nil
}

// ChannelFromFileName returns the channel name of a log file name: the base
// name without the .evtx extension, with "%4" turned back into "/"
// ("Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"
// → "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational").
// Spaces are kept.
func ChannelFromFileName(name string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	if hasEVTXExt(name) {
		name = name[:len(name)-5]
	}
	return strings.ReplaceAll(name, "%4", "/")
}

// FileNameForChannel returns the file name Windows gives the log of a
// channel: "/" becomes "%4", and ".evtx" is appended.
func FileNameForChannel(ch string) string {
	return strings.ReplaceAll(ch, "/", "%4") + ".evtx"
}
