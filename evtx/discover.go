package evtx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// Limits for logs inside .zip archives.
const (
	// MaxZipMember is the largest uncompressed size of a .evtx member of a
	// .zip archive the reader accepts (1 GiB). A member whose header claims
	// more, or whose data inflates to more, is rejected with an error naming
	// it: archives are hostile input too (zip bombs).
	MaxZipMember = 1 << 30
	// zipInMemory is the size up to which a member is inflated into memory;
	// larger ones go to a temporary file (Log.TempDir says when it is
	// removed).
	zipInMemory = 16 << 20
)

// Log is an event log file found by Find.
//
// A Log may be used by several goroutines at once (Open, Prime,
// FirstChannel): each Open returns a File of its own, which, like a
// Reader, is for one goroutine, and the memos the Files of one Log share
// are locked (TestLogOpenConcurrently). Set TempDir and Progress before
// that, not while it is read.
type Log struct {
	// Path names the log for display: a file path, or
	// "archive.zip!dir/System.evtx" for a member of a .zip archive.
	Path string
	// Channel is the channel name derived from the file name
	// (ChannelFromFileName). The records carry their own System/Channel,
	// which can differ (forwarded events, copies).
	Channel string
	// Size is the log's size in bytes; for an archive member, the
	// uncompressed size the archive's header claims (Open inflates at most
	// MaxZipMember, whatever it claims).
	Size int64
	// TempDir is the directory where Open inflates an archive member too
	// large to hold in memory, into a file named evtxrdp-*.evtx; "" means
	// os.TempDir(). On Unix its name is removed as soon as it is written
	// (its bytes are freed when the File is closed, or dropped and
	// collected), so that nothing is left behind even by a process that is
	// killed; elsewhere File.Close removes it, or the File's collection
	// when it is dropped without Close.
	TempDir string
	// Progress, when set, is called as Open inflates an archive member
	// (StageInflating) and as the File's Next reads through the log
	// (StageReading, when the Options given to Open have no Progress of
	// their own), from the goroutine that calls them.
	Progress func(Progress)

	file   string // file system path of the log or of the archive
	member string // name of the member inside the archive, "" for a plain file
	// memberIndex tells apart members of one name (an archive may repeat
	// a name): 0 for the first of them in the archive, 1 the next...
	memberIndex int
	// sameName is the number of the archive's members named member (1
	// when the archive does not repeat it).
	sameName int
	// nonUTF8 is set when the archive does not mark member's name as
	// UTF-8 and it is not ASCII (zip.FileHeader.NonUTF8): unzip may
	// convert its bytes from an old code page.
	nonUTF8 bool
	zipSize uint64 // uncompressed size the archive's header claims
	// zipLocal is set for a member found by its local file header in an
	// archive without a central directory (ziplocal.go).
	zipLocal *zipLocal
	parts    []*Log // the copies a merged log reads (Merge)
	err      error  // why Open fails without trying (not a regular file)
	// computer is set for a view of one computer's records (ForComputer):
	// the host key (hosts.Key) of the System/Computer it reads.
	computer string

	// memo lets later opens skip chunks an earlier one found outside its
	// window (memo.go); nil for a Log not made by Find.
	memo *memoCell
	// peek remembers FirstChannel's answer for an archive member (which
	// has no memo: its bytes are inflated at each Open); nil for a Log not
	// made by Find.
	peek *channelCell
}

// channelCell holds what FirstChannel found for an archive member.
type channelCell struct {
	mu sync.Mutex
	ch *string
}

// Location returns where the log is: the file system path of the log, or
// of the .zip archive holding it and the member's name in it ("" for a
// plain file). A merged log (Merge) is where its first part is. An archive
// may hold several members of one name; MemberIndex says which.
func (l *Log) Location() (file, member string) { return l.file, l.member }

// MemberIndex says which of the archive's members named as Location's
// member the log is: 0 for the first in the archive's order, 1 for the
// second, and so on (0 for a plain file). Find names the second
// "archive.zip!name (2)".
func (l *Log) MemberIndex() int { return l.memberIndex }

// memberPath is the Path of the index'th (from 0) member named name of
// the archive at path: "path!name", then "path!name (2)"...
func memberPath(path, name string, index int) string {
	if index == 0 {
		return path + "!" + name
	}
	return fmt.Sprintf("%s!%s (%d)", path, name, index+1)
}

// Open opens the log for reading. o.Name defaults to l.Path.
func (l *Log) Open(o Options) (*File, error) {
	if len(l.parts) > 0 {
		return openMerged(l, o)
	}
	if o.Name == "" {
		o.Name = l.Path
	}
	if l.err != nil {
		return nil, l.err
	}
	if o.Progress == nil {
		o.Progress = l.Progress
	}
	if l.computer != "" {
		return l.openView(o)
	}
	if l.member == "" {
		return openFile(l.file, o, l)
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
// Find lists files, not logs: it does not tell copies of a log apart. The
// logs of a volume and those of its shadow copy (two calls of Find), a log
// and a second download of it, or an archive that repeats a member are each
// a Log, and reading each yields the records they share again. Merge reads
// copies one knows to be copies as one log, each record once;
// fleet.Copies finds which logs are copies (the logs that share a record)
// and merges them, as evtxrdp dump and query do (analyze: fleet.Group,
// the same finding); fleet's ExampleCopies shows it.
//
// Find does not read the logs; Log.Open does. A path that is a named pipe
// (FIFO), socket or device is refused with an error wrapping ErrNotRegular;
// an entry of a directory named like a log that is one of those (or a
// directory, or a dangling link) is returned, and its Open fails with the
// reason, so that it is reported rather than silently left out. Nothing
// blocks: such paths are never opened.
//
// Errors: a path that cannot be read is the error of os.Stat or
// os.ReadDir (an *fs.PathError; errors.Is(err, fs.ErrNotExist) for a
// missing one); a directory without *.evtx files (nor a Windows logs
// directory below it) and a .zip archive without .evtx members are an
// error naming the path for which errors.Is(err, ErrNoLogs) holds; an
// archive that cannot be read names it and wraps the reason.
func Find(path string) ([]*Log, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		return nil, notRegular(path, fi.Mode())
	}
	if !fi.IsDir() {
		if isZip(path) {
			return findZip(path)
		}
		return []*Log{{Path: path, Channel: ChannelFromFileName(path), Size: fi.Size(), file: path, memo: &memoCell{}}}, nil
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
		if !hasEVTXExt(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		l := &Log{Path: p, Channel: ChannelFromFileName(e.Name()), file: p, memo: &memoCell{}}
		fi, err := os.Stat(p) // follows symlinks
		switch {
		case err != nil:
			l.err = err
		case !fi.Mode().IsRegular():
			// Named like a log but a FIFO, socket, device or directory:
			// listed, so that it is reported, and never opened.
			l.err = notRegular(p, fi.Mode())
		default:
			l.Size = fi.Size()
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, noLogs(fmt.Sprintf("evtx: no .evtx logs in %s (nor in Windows/System32/winevt/Logs below it)", path))
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
		if errors.Is(err, zip.ErrFormat) {
			// No central directory: find the members by their local
			// headers (an archive cut short).
			names, members, lerr := scanZipLocal(path)
			var out []*Log
			seen := map[string]int{}
			for i, m := range members {
				name := names[i]
				if strings.HasSuffix(name, "/") || !hasEVTXExt(name) {
					continue
				}
				base := name[strings.LastIndexAny(name, `/\`)+1:]
				k := seen[name]
				seen[name]++
				out = append(out, &Log{Path: memberPath(path, name, k), Channel: ChannelFromFileName(base),
					Size: int64(min(m.size, 1<<62)), file: path, member: name, memberIndex: k, zipSize: m.size, zipLocal: m, peek: &channelCell{}})
			}
			if len(out) > 0 {
				for _, l := range out {
					l.sameName = seen[l.member]
				}
				slices.SortFunc(out, func(a, b *Log) int { return strings.Compare(a.Path, b.Path) })
				return out, nil
			}
			if lerr != nil {
				return nil, fmt.Errorf("evtx: %s: %w", path, lerr)
			}
			if len(members) > 0 {
				return nil, noLogs(fmt.Sprintf("evtx: no .evtx members in %s (read by their local file headers: the archive has no central directory)", path))
			}
			return nil, fmt.Errorf("evtx: %s: offset 0x0: %w (no end of central directory record, and no local file header at the start)", path, err)
		}
		return nil, fmt.Errorf("evtx: %s: %w", path, err)
	}
	defer zr.Close()
	var out []*Log
	seen := map[string]int{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !hasEVTXExt(f.Name) {
			continue
		}
		base := f.Name[strings.LastIndexAny(f.Name, `/\`)+1:]
		k := seen[f.Name]
		seen[f.Name]++
		out = append(out, &Log{
			Path:        memberPath(path, f.Name, k),
			Channel:     ChannelFromFileName(base),
			Size:        int64(min(f.UncompressedSize64, 1<<62)),
			file:        path,
			member:      f.Name,
			memberIndex: k,
			nonUTF8:     f.NonUTF8,
			zipSize:     f.UncompressedSize64,
			peek:        &channelCell{},
		})
	}
	if len(out) == 0 {
		return nil, noLogs(fmt.Sprintf("evtx: no .evtx members in %s", path))
	}
	for _, l := range out {
		l.sameName = seen[l.member]
	}
	slices.SortFunc(out, func(a, b *Log) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// zipEncrypted is bit 0 of a zip entry's general purpose flags: the
// member is encrypted (APPNOTE.TXT 4.4.4), which archive/zip does not
// read; inflating it fails as if its data were damaged.
const zipEncrypted = 0x1

// openZipMember inflates the member into memory or a temporary file, at
// most limit bytes. Inflation is streamed: when the member's data is
// damaged, the bytes inflated before the damage are read as a truncated
// log (every intact record in them is yielded) and the damage is reported
// by Errors, after the reader's own problems.
func openZipMember(l *Log, o Options, limit int64) (*File, error) {
	if l.zipSize > uint64(limit) {
		return nil, fmt.Errorf("evtx: %s: member claims %d bytes uncompressed, more than the %d-byte limit: %w", l.Path, l.zipSize, limit, ErrLimit)
	}
	rc, note, err := openZipData(l)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	zipReader := func(l *Log, o Options, ra io.ReaderAt, n int64, damage *FormatError) (*File, error) {
		f, err := zipReader(l, o, ra, n, damage)
		if note != nil {
			if err != nil {
				return nil, fmt.Errorf("%w (%v)", err, note)
			}
			f.trailing = append(f.trailing, &FormatError{File: o.Name, Chunk: -1, Err: note})
		}
		return f, err
	}
	tooBig := func() error {
		return fmt.Errorf("evtx: %s: member inflates to more than the %d-byte limit (its header claimed %s): %w", l.Path, limit, plural.N(l.zipSize, "byte"), ErrLimit)
	}
	src := &progressReader{r: io.LimitReader(rc, limit+1), log: l, ctx: o.Context}

	// Small members (by their header) go to memory; one that lies about
	// its size continues into a temporary file.
	var head []byte
	if l.zipSize <= zipInMemory {
		head = make([]byte, int(l.zipSize)+1)
		n, err := io.ReadFull(src, head)
		head = head[:n]
		if err != nil {
			// The whole member (or all of it up to the damage) is in head.
			return zipReader(l, o, bytes.NewReader(head), int64(n), zipDamage(l, o, int64(n), err))
		}
	}
	tmp, err := os.CreateTemp(l.TempDir, "evtxrdp-*.evtx")
	if err != nil {
		return nil, fmt.Errorf("evtx: %s: temporary copy: %w", l.Path, err)
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	var n int64
	if len(head) > 0 {
		if _, err := tmp.Write(head); err != nil {
			cleanup()
			return nil, fmt.Errorf("evtx: %s: temporary copy: %w", l.Path, err)
		}
		n = int64(len(head))
	}
	m, err := io.Copy(errWriter{tmp}, src)
	n += m
	var werr *writeError
	if errors.As(err, &werr) {
		cleanup()
		return nil, fmt.Errorf("evtx: %s: temporary copy: %w", l.Path, werr.err)
	}
	if n > limit {
		cleanup()
		return nil, tooBig()
	}
	if err == nil {
		err = io.EOF
	}
	f, rerr := zipReader(l, o, tmp, n, zipDamage(l, o, n, err))
	if rerr != nil {
		cleanup()
		return nil, rerr
	}
	f.f = tmp
	if unlinkOpenFiles && os.Remove(tmp.Name()) == nil {
		// The name is gone at once; the bytes stay readable through tmp
		// until it is closed (Close, or the os.File's own cleanup once the
		// File is dropped), and a File dropped without Close, or a
		// process killed while reading, leaves nothing behind.
		return f, nil
	}
	f.remove = tmp.Name()
	// A File dropped without Close removes its copy once collected.
	f.removeCleanup = runtime.AddCleanup(f, func(tmp *os.File) {
		tmp.Close()
		os.Remove(tmp.Name())
	}, tmp)
	return f, nil
}

// openZipData returns the member's data, inflated, and for a member found
// by its local file header (an archive without central directory) the
// problem that says so.
func openZipData(l *Log) (rc io.ReadCloser, note error, err error) {
	encrypted := func() error {
		return fmt.Errorf("evtx: %s: the member is encrypted (a password-protected archive): extract it with its password and give the .evtx file: %w", l.Path, errors.ErrUnsupported)
	}
	if m := l.zipLocal; m != nil {
		if m.flags&zipEncrypted != 0 {
			return nil, nil, encrypted()
		}
		f, err := os.Open(l.file)
		if err != nil {
			return nil, nil, fmt.Errorf("evtx: %s: %w", l.file, err)
		}
		r, err := m.open(f)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("evtx: %s: %w", l.Path, err)
		}
		return struct {
			io.Reader
			io.Closer
		}{r, closers{r, f}}, m.note(l.file), nil
	}
	zr, err := zip.OpenReader(l.file)
	if err != nil {
		return nil, nil, fmt.Errorf("evtx: %s: %w", l.file, err)
	}
	var zf *zip.File
	k := 0
	for _, f := range zr.File {
		if f.Name != l.member {
			continue
		}
		if k == l.memberIndex {
			zf = f
			break
		}
		k++
	}
	if zf == nil {
		zr.Close()
		return nil, nil, fmt.Errorf("evtx: %s: member not found: %w", l.Path, fs.ErrNotExist)
	}
	if zf.Flags&zipEncrypted != 0 {
		zr.Close()
		return nil, nil, encrypted()
	}
	r, err := zf.Open()
	if err != nil {
		zr.Close()
		return nil, nil, fmt.Errorf("evtx: %s: %w", l.Path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{r, closers{r, zr}}, nil, nil
}

// closers closes each in turn and returns the first error.
type closers []io.Closer

func (cs closers) Close() error {
	var first error
	for _, c := range cs {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// zipReader opens the inflated bytes of a member; damage, if any, is
// reported after the reader's own problems (or, if nothing EVTX-like was
// inflated, with the error).
func zipReader(l *Log, o Options, ra io.ReaderAt, n int64, damage *FormatError) (*File, error) {
	o.member = l
	rd, err := NewReaderOptions(ra, n, o)
	if err != nil {
		if damage != nil {
			return nil, fmt.Errorf("%w (%v)", err, damage.Err)
		}
		return nil, err
	}
	if damage != nil {
		rd.trailing = append(rd.trailing, damage)
	}
	return &File{Reader: rd}, nil
}

// zipDamage describes an inflation that stopped with err after n bytes
// (nil for a clean end: io.EOF and the size the header claims).
func zipDamage(l *Log, o Options, n int64, err error) *FormatError {
	if errors.Is(err, zip.ErrChecksum) {
		// archive/zip checks the CRC-32 only once the member's data ends
		// (its size read in full): every byte was inflated, and some of
		// them are wrong, where the CRC does not say. It is the whole
		// member's, not a place in it: no chunk past the data, and not
		// "the records before it" (the member was read to its end).
		return &FormatError{File: o.Name, Offset: 0, Chunk: -1, Err: fmt.Errorf("%w: zip member damaged%w: the CRC-32 of its %s, all read, is not the one the archive stores: some of its bytes are wrong, where is not known (the chunk and record checksums name the damage they find)", ErrChecksum, wholeMember{}, plural.N(n, "byte"))}
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		switch {
		case uint64(n) == l.zipSize || err == io.EOF && l.zipSize == 0:
			return nil
		case l.zipSize == 0 && l.zipLocal != nil:
			// A data descriptor was to give the size, after the data.
			err = fmt.Errorf("the archive ends inside the member's data, after %s inflated", plural.N(n, "byte"))
		default:
			err = fmt.Errorf("member ends after %d of the %s its header claims", n, plural.N(l.zipSize, "byte"))
		}
	} else if errors.Is(err, zip.ErrFormat) {
		// archive/zip says "not a valid zip file" when a member's data
		// inflates to more bytes than its header claims (its deflate
		// stream damaged): the only error it gives while reading a member (Go 1.26
		// archive/zip, checksumReader.Read): the archive itself was read.
		err = fmt.Errorf("its data inflates to more than the %s its header claims (the compressed data is damaged), read up to byte %d", plural.N(l.zipSize, "byte"), n)
	} else {
		err = fmt.Errorf("inflating stopped after %d of %s: %v", n, plural.N(l.zipSize, "byte"), err)
	}
	chunk := -1
	if n >= fileHeaderBlock {
		chunk = int((n - fileHeaderBlock) / chunkSize)
	}
	return &FormatError{File: o.Name, Offset: n, Chunk: chunk, Err: fmt.Errorf("%w: zip member damaged: %v; the records before it are read", ErrCorrupt, err)}
}

// wholeMember wraps errWholeMember into a message without adding text.
type wholeMember struct{}

func (wholeMember) Error() string { return "" }
func (wholeMember) Unwrap() error { return errWholeMember }

// progressReader reports inflation progress to the Log's Progress hook.
type progressReader struct {
	r    io.Reader
	log  *Log
	done int64
	last int64
	ctx  context.Context // Options.Context: inflating stops once it is done
}

func (p *progressReader) Read(b []byte) (int, error) {
	if err := ctxErr(p.ctx); err != nil {
		return 0, stoppedError(p.log.Path, err)
	}
	n, err := p.r.Read(b)
	p.done += int64(n)
	if p.log.Progress != nil && (p.done-p.last >= 1<<20 || err != nil) {
		p.last = p.done
		p.log.Progress(Progress{Log: p.log.Path, Stage: StageInflating, Done: p.done, Total: int64(min(p.log.zipSize, 1<<62))})
	}
	return n, err
}

// writeError marks a failed write to the temporary copy (io.Copy does not
// say which side failed).
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

type errWriter struct{ w io.Writer }

func (w errWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	if err != nil {
		err = &writeError{err}
	}
	return n, err
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

// FirstChannel returns the System/Channel of the log's first event that
// names one (one worker; an event decoded in part names none), or "" when
// the log yields no such event. It tells the channel of a log whose file name does not (a
// renamed or exported copy). The error is Open's when the log cannot be
// opened (not EVTX, unreadable), which a caller reports instead of
// calling the log one of a channel it does not read.
//
// A Log found by Find remembers the answer with its chunks' memo (memo.go;
// fleet grouping and the rules' plan each ask, and the answer costs a
// chunk's decoding): a later call opens the file, which drops the memo
// when the file changed, and decodes nothing. An answer given after a
// read error other than the end of the log is not kept. An archive
// member is inflated only up to the end of its first chunk when that
// chunk yields an event (whole otherwise, as Open does), and the answer
// is kept with the Log.
func (l *Log) FirstChannel() (string, error) {
	if l.member != "" && len(l.parts) == 0 && l.err == nil {
		return l.memberFirstChannel()
	}
	f, err := l.Open(Options{Workers: 1})
	if err != nil {
		return "", err
	}
	defer f.Close()
	var m *windowMemo
	if f.merged == nil && f.src != nil {
		m = f.src.memo
	}
	if m != nil {
		m.mu.Lock()
		ch := m.firstChannel
		m.mu.Unlock()
		if ch != nil {
			return *ch, nil
		}
	}
	ch, err := firstNamedChannel(f.Next)
	if m != nil && (err == nil || err == io.EOF) {
		m.mu.Lock()
		m.firstChannel = &ch
		m.mu.Unlock()
	}
	return ch, nil
}

// memberFirstChannel is FirstChannel of an archive member: it inflates
// the file header and first chunk alone (a member may inflate to a GiB)
// and reads the first event there; only when they hold none (an empty or
// damaged first chunk) is the member inflated whole, as Open does. The
// answer is remembered on l: an archive does not change during a run.
func (l *Log) memberFirstChannel() (string, error) {
	mc := l.peek
	if mc == nil {
		mc = &channelCell{}
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.ch != nil {
		return *mc.ch, nil
	}
	ch, ok := l.memberPeek()
	if !ok {
		f, err := l.Open(Options{Workers: 1})
		if err != nil {
			return "", err
		}
		ch, err = firstNamedChannel(f.Next)
		f.Close()
		if err != nil && err != io.EOF {
			return "", nil // a read error: not remembered
		}
	}
	mc.ch = &ch
	return ch, nil
}

// memberPeek reads the channel of the first event of the member's first
// chunk, inflating only the file header and that chunk; ok is false when
// they yield no event.
func (l *Log) memberPeek() (ch string, ok bool) {
	if l.zipSize > MaxZipMember {
		return "", false
	}
	rc, _, err := openZipData(l)
	if err != nil {
		return "", false
	}
	defer rc.Close()
	head := make([]byte, fileHeaderBlock+chunkSize)
	n, _ := io.ReadFull(rc, head)
	rd, err := NewReaderOptions(bytes.NewReader(head[:n]), int64(n), Options{Workers: 1, Name: l.Path})
	if err != nil {
		return "", false
	}
	ch, err = firstNamedChannel(rd.Next)
	if err != nil {
		return "", false // none in the first chunk: the caller reads on
	}
	return ch, true
}

// firstNamedChannel returns the System/Channel of the first event next
// yields that names one: an event decoded in part (its template damaged or
// overwritten) has values without names and tells no channel, while the
// records after it may (a System log whose first record alone is damaged
// is the System log). err is next's error (io.EOF at the end) when no
// event names a channel.
func firstNamedChannel(next func() (*Event, error)) (string, error) {
	for {
		ev, err := next()
		if err != nil {
			return "", err
		}
		if ev.System.Channel != "" {
			return ev.System.Channel, nil
		}
	}
}

// ArchivedChannel returns the channel of an archived log's name (a
// channel name as ChannelFromFileName gives it), which Windows forms as
// "Archive-<channel>-<yyyy>-<mm>-<dd>-<hh>-<mm>-<ss>-<ms>" when a log's
// retention is "archive the log when full"; ok is false for any other name.
func ArchivedChannel(name string) (channel string, ok bool) {
	rest, ok := strings.CutPrefix(name, "Archive-")
	if !ok {
		return "", false
	}
	parts := strings.Split(rest, "-")
	if len(parts) < 8 {
		return "", false
	}
	for _, p := range parts[len(parts)-7:] {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return "", false
		}
	}
	return strings.Join(parts[:len(parts)-7], "-"), true
}

// FileNameForChannel returns the file name Windows gives the log of a
// channel: "/" becomes "%4", and ".evtx" is appended.
func FileNameForChannel(ch string) string {
	return strings.ReplaceAll(ch, "/", "%4") + ".evtx"
}

// noLogsError is Find's error for a place that holds no log: its text as
// it was, and errors.Is(err, ErrNoLogs).
type noLogsError string

func noLogs(msg string) error              { return noLogsError(msg) }
func (e noLogsError) Error() string        { return string(e) }
func (e noLogsError) Is(target error) bool { return target == ErrNoLogs }
