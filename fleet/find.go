package fleet

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// Limits of the walk below a fleet directory.
const (
	// MaxDepth is how many directory levels below a given path are
	// searched for machines' logs.
	MaxDepth = 16
	// MaxUnits is how many places holding logs (directories, volumes,
	// archives) one run accepts; more is an error, not a silent cut.
	MaxUnits = 100000
)

// Unit is a place where logs were found: a directory of .evtx files, a
// mounted Windows volume (its Windows/System32/winevt/Logs), a .zip
// archive, or a log file given by name (with the other logs given of its
// directory, and that directory when it is given too: one place, however
// the files are named). A unit is not a machine: a folder
// can hold the logs of several machines and a machine's logs can be spread
// over several units; Group decides from the logs.
type Unit struct {
	Path string
	Logs []*evtx.Log // as evtx.Find returns them, sorted by Path
}

// Find returns the units at each path, in the order given:
//   - a file: evtx.Find of it (the log, or a .zip archive's .evtx members;
//     the archives inside an archive are not read, and each is named in
//     problems);
//   - the root of a mounted Windows volume: its logs directory (evtx.Find),
//     and nothing below it; another Windows installation's logs beside it
//     (Windows.old) and the logs found elsewhere on it (OtherLog: a
//     user's Desktop or Downloads, C:\temp, System32\LogFiles; at most
//     maxOtherNamed named, the others counted) are named in problems;
//   - a directory that holds .evtx files: those (evtx.Find), and nothing
//     below it (a machine's logs folder; its subdirectories holding logs
//     and its .zip archives are named in problems, not read);
//   - any other directory: the units of its subdirectories and the .zip
//     archives in it (also by a symbolic link), at any depth up to
//     MaxDepth, in name order (symbolic links to directories are not
//     followed, so a loop cannot make the walk endless; each is named in
//     problems).
//
// A path that holds no log at all (missing, unreadable, a folder without
// logs: evtx.Find's error) is named in problems, as are errors about single
// entries below a directory (an unreadable subdirectory, a damaged archive),
// and the walk goes on with the next path: units holds what the other paths
// hold (none when no path holds a log; analyze then says "no readable log").
// err is set only when the paths hold more than MaxUnits units.
//
// Logs that lie in one directory, given by name or with their folder, in
// any order, are one unit (the first's place, the folder's when it is
// given): Group then groups them alike whichever way they were named.
//
// Units are places, not machines or logs: a volume and its shadow copy are
// two units, each with its own System log, and reading every unit's logs
// reads the records the two share twice. Group (machines, copies merged)
// or Copies (copies merged alone) reads them once.
func Find(paths []string) (units []*Unit, problems []error, err error) {
	for _, p := range paths {
		n := len(units)
		var probs []error
		units, probs = walk(p, 0, units)
		problems = append(problems, summarizeTooDeep(p, probs)...)
		if len(units) > MaxUnits {
			return nil, problems, fmt.Errorf("fleet: more than %d directories, volumes and archives hold logs below %s", MaxUnits, p)
		}
		if len(units) == n && len(probs) == 0 {
			// Nothing found: say why the way evtx.Find does.
			if _, ferr := evtx.Find(p); ferr != nil {
				problems = append(problems, ferr)
			} else {
				problems = append(problems, fmt.Errorf("%s: no .evtx logs found", p))
			}
		}
	}
	return samePlace(units), givenElsewhere(paths, problems), nil
}

// GivenElsewhere is what Find does to the problems of the paths given
// (SkippedBelow's, for dump and query): it drops each log found outside a
// volume's logs folder that a path given inside the volume holds, since
// that log is read.
func GivenElsewhere(paths []string, problems []error) []error {
	return givenElsewhere(paths, problems)
}

// givenElsewhere drops from problems each other installation
// (OtherInstallation) that a path given is, or lies in, and each log found outside a volume's
// logs folder (OtherLog) that a path given inside the volume holds (the
// file itself, or a folder it lies below, which Find walks to it): it is
// read, not "not read". A path that is or holds the volume root does not
// count: Find reads the volume's logs folder alone.
func givenElsewhere(paths []string, problems []error) []error {
	var abs []string
	for _, p := range paths {
		if a, err := filepath.Abs(p); err == nil {
			abs = append(abs, a)
		}
	}
	below := func(a, g string) bool { return a == g || strings.HasPrefix(a, g+string(filepath.Separator)) }
	out := problems[:0]
	for _, e := range problems {
		// Another installation given as a PATH itself, or a folder in
		// it (its logs folder): read, not "not read". Before, analyze
		// VOL VOL/Windows.old read both and still said Windows.old was
		// not read.
		if o, ok := e.(*OtherInstallation); ok {
			a, aerr := filepath.Abs(o.Path)
			if aerr == nil && slices.ContainsFunc(abs, func(g string) bool { return below(g, a) }) {
				continue
			}
		}
		if o, ok := e.(*OtherLog); ok {
			a, aerr := filepath.Abs(o.Path)
			vol, verr := filepath.Abs(o.Volume)
			if aerr == nil && verr == nil && slices.ContainsFunc(abs, func(g string) bool { return below(a, g) && !below(vol, g) }) {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

// samePlace merges the units whose logs lie in one directory: logs given
// by name one by one and the folder holding them are one place, as when
// the folder alone is given, so that grouping (a log no record of which
// names a computer goes with the machines whose logs share its place)
// does not depend on how, or in what order, the same files are named.
// A merged unit keeps the place of the first unit (the folder's when a
// folder is among them, else the directory), its logs once each, sorted
// by Path as evtx.Find sorts a folder's. Archives and logs of one
// file each in a unit of its own are left as they are.
func samePlace(units []*Unit) []*Unit {
	// dirOf returns the directory u's logs lie in, and whether u.Path
	// is that directory; not ok for an archive's members, logs of
	// several directories, and a path that cannot be looked at (stdin).
	dirOf := func(u *Unit) (d string, dir, ok bool) {
		fi, err := os.Stat(u.Path)
		if err != nil || len(u.Logs) == 0 {
			return "", false, false
		}
		d = filepath.Dir(u.Logs[0].Path)
		for _, l := range u.Logs {
			if filepath.Dir(l.Path) != d {
				return "", false, false
			}
		}
		dir = fi.IsDir()
		if !dir && (len(u.Logs) != 1 || u.Logs[0].Path != u.Path) {
			return "", false, false // an archive's members
		}
		if a, err := filepath.Abs(d); err == nil {
			d = a
		}
		return d, dir, true
	}
	type place struct {
		u      *Unit
		dir    bool // u.Path is a directory
		merged bool
		seen   map[string]bool
	}
	byDir := map[string]*place{}
	var out []*Unit
	for _, u := range units {
		d, dir, ok := dirOf(u)
		if !ok {
			out = append(out, u)
			continue
		}
		m := byDir[d]
		if m == nil {
			byDir[d] = &place{u: u, dir: dir}
			out = append(out, u)
			continue
		}
		if !m.dir {
			if dir {
				m.u.Path = u.Path // the folder's place, as when it alone is given
			} else {
				m.u.Path = filepath.Dir(m.u.Path)
			}
			m.dir = true
		}
		if m.seen == nil {
			m.seen = map[string]bool{}
			for _, l := range m.u.Logs {
				m.seen[l.Path] = true
			}
		}
		for _, l := range u.Logs {
			if !m.seen[l.Path] {
				m.seen[l.Path] = true
				m.u.Logs = append(m.u.Logs, l)
			}
		}
		m.merged = true
	}
	// Sorted once each, after every unit of its place is in.
	for _, m := range byDir {
		if m.merged {
			sort.SliceStable(m.u.Logs, func(i, j int) bool { return m.u.Logs[i].Path < m.u.Logs[j].Path })
		}
	}
	return out
}

func walk(p string, depth int, units []*Unit) ([]*Unit, []error) {
	fi, err := os.Stat(p)
	if err != nil {
		return units, []error{err}
	}
	if !fi.IsDir() {
		logs, err := evtx.Find(p)
		nested := nestedArchives(p)
		if err != nil {
			return units, append([]error{err}, nested...)
		}
		return append(units, &Unit{Path: p, Logs: logs}), nested
	}
	if isVolume(p) {
		logs, err := evtx.Find(p)
		if err != nil {
			return units, []error{err}
		}
		return append(units, &Unit{Path: p, Logs: logs}), append(otherInstallations(p), otherLogs(p)...)
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return units, []error{err}
	}
	var probs []error
	if isLogsFolder(p, entries) {
		logs, err := evtx.Find(p)
		if err != nil {
			return units, []error{err}
		}
		return append(units, &Unit{Path: p, Logs: logs}), skippedBelow(p, entries)
	}
	if depth >= MaxDepth {
		for _, e := range entries {
			if e.IsDir() {
				// Said, not silently cut: the logs may be down there.
				return units, []error{tooDeep(p)}
			}
		}
		return units, probs
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		sub := filepath.Join(p, e.Name())
		switch {
		case e.IsDir():
			var ps []error
			units, ps = walk(sub, depth+1, units)
			probs = append(probs, ps...)
		case e.Type()&fs.ModeSymlink != 0 && !linkResolves(sub):
			// A mount point that is gone, say: said, not skipped.
			_, serr := os.Stat(sub)
			probs = append(probs, fmt.Errorf("fleet: %s: a symbolic link whose target cannot be read: %w", sub, serr))
		case e.Type()&fs.ModeSymlink != 0 && linksToDir(sub):
			// Not followed (a loop could make the walk endless), but
			// said: the machine behind it is not in the fleet.
			probs = append(probs, fmt.Errorf("fleet: %s: a symbolic link to a directory, not followed (give it as a PATH of its own)", sub))
		case (e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0) && strings.EqualFold(filepath.Ext(e.Name()), ".zip"):
			// A link to an archive cannot loop: read like the archive.
			logs, err := evtx.Find(sub)
			if err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					probs = append(probs, err)
					probs = append(probs, nestedArchives(sub)...)
				}
				continue
			}
			units = append(units, &Unit{Path: sub, Logs: logs})
			probs = append(probs, nestedArchives(sub)...)
		case (e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0) && unreadArchive(e.Name()) != "":
			probs = append(probs, fmt.Errorf("fleet: %s: %s, not read (only .zip archives are read: extract it and give what it holds as a PATH of its own)", sub, unreadArchive(e.Name())))
		}
		if len(units) > MaxUnits {
			break
		}
	}
	return units, probs
}

// isLogsFolder reports whether directory p, whose entries are given,
// is a machine's logs folder: it holds an .evtx file (a regular file, or
// a link to one).
func isLogsFolder(p string, entries []fs.DirEntry) bool {
	for _, e := range entries {
		if isEVTXName(e.Name()) {
			if fi, err := os.Stat(filepath.Join(p, e.Name())); err == nil && fi.Mode().IsRegular() {
				return true
			}
		}
	}
	return false
}

// SkippedBelow returns what Find names below path when path is a
// machine's logs folder (a directory holding .evtx files), which is read
// alone: its subdirectories
// that hold .evtx files or archives (up to two levels below them), and
// its .zip archives, each an error naming it, the logs folder and what to
// do ("give it as a PATH of its own"). evtx.Find reads such a folder the
// same way (its .evtx files, not what lies below), so evtxrdp dump and
// query, which read a folder with it, name the same as analyze, which
// reads it with Find. For a .zip archive, the archives inside it, which
// neither reads, each an error naming it (ARCHIVE!MEMBER). For the root
// of a mounted Windows volume, what Find names on it: another Windows
// installation's logs (Windows.old) and the logs elsewhere on the volume
// (OtherLog), which evtx.Find, reading the volume's
// Windows/System32/winevt/Logs alone, leaves out as Find does; before,
// dump and query of a volume passed over a Windows.old with no word.
// nil for anything else: another file, a folder without .evtx files
// (which Find walks into), a path that cannot be read.
func SkippedBelow(path string) []error {
	fi, err := os.Stat(path)
	if err == nil && !fi.IsDir() {
		return nestedArchives(path)
	}
	if err != nil {
		return nil
	}
	if isVolume(path) {
		return append(otherInstallations(path), otherLogs(path)...)
	}
	entries, err := os.ReadDir(path)
	if err != nil || !isLogsFolder(path, entries) {
		return nil
	}
	return skippedBelow(path, entries)
}

// maxNestedNamed is how many archives inside one archive nestedArchives
// names one by one; the others are counted in one more error.
const maxNestedNamed = 10

// nestedArchives names the archive members of the archive at path (a
// collection zip holding one zip per machine, or a tar, 7-Zip, RAR or
// gzip-compressed log: unreadArchive), which are not read: evtx.Find
// reads an archive's .evtx members only. Each is an error naming it as
// ARCHIVE!MEMBER and what to do; nil when path is not a regular file, not
// an archive with a central directory, or holds no archive member. A
// zip holding vm2.tar and System.evtx was read as System.evtx alone, with
// no word of vm2.tar.
func nestedArchives(path string) []error {
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return nil // never opened: a FIFO would block
	}
	if !strings.EqualFold(filepath.Ext(path), ".zip") && !zipMagic(path) {
		return nil
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil // evtx.Find says what is wrong with it
	}
	defer zr.Close()
	var probs []error
	n := 0
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		zipped := strings.EqualFold(filepath.Ext(f.Name), ".zip")
		what := unreadArchive(f.Name)
		if !zipped && what == "" {
			continue
		}
		n++
		if n > maxNestedNamed {
			continue
		}
		if zipped {
			probs = append(probs, fmt.Errorf("fleet: %s!%s: an archive inside the archive %s, not read (extract it and give it as a PATH of its own)", path, f.Name, path))
		} else {
			// A tar, 7-Zip or gzip-compressed log in the zip, named as
			// one found in a folder is (walk, skippedBelow).
			probs = append(probs, fmt.Errorf("fleet: %s!%s: %s inside the archive %s, not read (only .zip archives are read: extract it and give what it holds as a PATH of its own)", path, f.Name, what, path))
		}
	}
	if n > maxNestedNamed {
		more := n - maxNestedNamed
		probs = append(probs, fmt.Errorf("fleet: %s: %s more %s inside it, not read (%s)", path, plural.Itoa(more), plural.Noun(more, "archive"),
			plural.Word(more, "extract it and give it as a PATH of its own", "extract them and give them as PATHs of their own")))
	}
	return probs
}

// zipMagic reports whether the file at path starts with a zip local file
// header's signature.
func zipMagic(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && string(b[:]) == "PK\x03\x04"
}

// evtxMagic reports whether the regular file at path starts with an EVTX
// file header's signature, "ElfFile" and a NUL (libevtx, Windows XML
// Event Log (EVTX) format, "File header":
// https://github.com/libyal/libevtx/blob/main/documentation/Windows%20XML%20Event%20Log%20(EVTX).asciidoc).
// A copy kept as System.evtx.bak or System.evtx.1 beside the logs was
// passed over with no word.
func evtxMagic(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [8]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && string(b[:]) == "ElfFile\x00"
}

// skippedBelow names what a machine's logs folder p holds besides its
// .evtx files and is not read with them (a logs folder is read alone):
// its subdirectories that hold .evtx files or archives, its .zip
// archives, and its regular files that start with an EVTX file header
// but whose names do not end in .evtx. A folder holding System.evtx and Archive/Security.evtx, or
// logs.zip, was analysed without them and with no word: the rules said
// "Security: no log of this channel among the inputs". A symbolic link
// is named as what it leads to (a link to a folder of logs, a link to a
// .zip), and a link whose target cannot be read (an unmounted disk) is
// named as such, as walk names them in a fleet folder: links beside the
// logs were passed over with no word, whatever they led to.
func skippedBelow(p string, entries []fs.DirEntry) []error {
	var probs []error
	for _, e := range entries {
		sub := filepath.Join(p, e.Name())
		link := e.Type()&fs.ModeSymlink != 0
		switch {
		case link && !linkResolves(sub):
			if isEVTXName(e.Name()) {
				continue // evtx.Find lists it among the logs, unreadable
			}
			_, serr := os.Stat(sub)
			probs = append(probs, fmt.Errorf("fleet: %s: a symbolic link beside the logs of %s whose target cannot be read, not read with them: %w", sub, p, serr))
		case (e.IsDir() || link && linksToDir(sub)) && holdsLogs(sub):
			what := "a folder"
			if link {
				what = "a symbolic link to a folder"
			}
			probs = append(probs, fmt.Errorf("fleet: %s: %s below the logs folder %s, not read with it (a folder holding .evtx files is read alone; give %s as a PATH of its own)", sub, what, p, sub))
		case (e.Type().IsRegular() || link && !linksToDir(sub)) && strings.EqualFold(filepath.Ext(e.Name()), ".zip"):
			probs = append(probs, fmt.Errorf("fleet: %s: an archive beside the logs of %s, not read with them (give it as a PATH of its own)", sub, p))
		case (e.Type().IsRegular() || link && !linksToDir(sub)) && unreadArchive(e.Name()) != "":
			probs = append(probs, fmt.Errorf("fleet: %s: %s beside the logs of %s, not read with them (only .zip archives are read: extract it and give what it holds as a PATH of its own)", sub, unreadArchive(e.Name()), p))
		case e.Type().IsRegular() && !isEVTXName(e.Name()) && evtxMagic(sub):
			probs = append(probs, fmt.Errorf("fleet: %s: a log (it starts with an EVTX file header) beside the logs of %s whose name does not end in .evtx, not read with them (give it as a PATH of its own)", sub, p))
		}
	}
	return probs
}

// unreadArchive names, by its file name's ending, an archive or
// compressed file that evtxrdp does not read ("a tar archive", "a
// gzip-compressed file"), "" for any other name. A fleet folder of
// vm1.tar.gz and vm2/ was analysed as vm2 alone, with no word of vm1.
func unreadArchive(name string) string {
	n := strings.ToLower(name)
	for _, a := range []struct{ ext, what string }{
		{".tar", "a tar archive"}, {".tar.gz", "a compressed tar archive"}, {".tgz", "a compressed tar archive"},
		{".tar.xz", "a compressed tar archive"}, {".txz", "a compressed tar archive"}, {".tar.bz2", "a compressed tar archive"},
		{".7z", "a 7-Zip archive"}, {".rar", "a RAR archive"}, {".cab", "a cabinet archive"},
		{".evtx.gz", "a gzip-compressed log"}, {".evtx.xz", "an xz-compressed log"},
	} {
		if strings.HasSuffix(n, a.ext) {
			return a.what
		}
	}
	return ""
}

// holdsLogs reports whether directory d holds an .evtx file or a .zip
// archive, directly or in a subdirectory (up to two levels below), or is
// or holds there the root of a mounted Windows volume (whose logs lie
// four levels below it, in Windows/System32/winevt/Logs: a disk mounted
// below a logs folder was not named).
func holdsLogs(d string) bool {
	var walk func(d string, depth int) bool
	walk = func(d string, depth int) bool {
		if isVolume(d) {
			return true
		}
		entries, err := os.ReadDir(d)
		if err != nil {
			return false
		}
		for _, e := range entries {
			if !e.IsDir() && (isEVTXName(e.Name()) || strings.EqualFold(filepath.Ext(e.Name()), ".zip")) {
				return true
			}
		}
		if depth >= 2 {
			return false
		}
		for _, e := range entries {
			if e.IsDir() && walk(filepath.Join(d, e.Name()), depth+1) {
				return true
			}
		}
		return false
	}
	return walk(d, 0)
}

// tooDeep is a directory at MaxDepth whose subdirectories were not
// searched.
type tooDeep string

func (d tooDeep) Error() string {
	return fmt.Sprintf("fleet: %s: not searched: more than %d directory levels below the path given", string(d), MaxDepth)
}

// summarizeTooDeep keeps the first tooDeep problem of the walk below p,
// saying how many more directories were cut, and the other problems.
func summarizeTooDeep(p string, probs []error) []error {
	var out []error
	var first tooDeep
	n := 0
	for _, e := range probs {
		if d, ok := e.(tooDeep); ok {
			if n == 0 {
				first = d
			}
			n++
			continue
		}
		out = append(out, e)
	}
	switch {
	case n == 1:
		out = append(out, first)
	case n > 1:
		out = append(out, fmt.Errorf("fleet: %s: %d directories more than %d levels below it were not searched, the first %s", p, n, MaxDepth, string(first)))
	}
	return out
}

// linkResolves reports whether the symbolic link p leads to a file that
// can be read (os.Stat).
func linkResolves(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// linksToDir reports whether the symbolic link p leads to a directory.
func linksToDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func isEVTXName(name string) bool {
	return len(name) > 5 && strings.EqualFold(name[len(name)-5:], ".evtx")
}

// isVolume reports whether dir is the root of a Windows volume: it holds
// Windows/System32/winevt/Logs (each name matched case-insensitively).
// otherInstallations names the folders directly below the volume root p
// that hold a Windows folder tree with logs of their own
// (X/Windows/System32/winevt/Logs: a Windows.old, say), which the
// volume's logs are read without.
// They were passed over with no word.
func otherInstallations(p string) []error {
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil
	}
	var probs []error
	for _, e := range entries {
		sub := filepath.Join(p, e.Name())
		if e.IsDir() && !strings.EqualFold(e.Name(), "Windows") && isVolume(sub) {
			probs = append(probs, &OtherInstallation{Path: sub, Volume: p})
		}
	}
	return probs
}

// OtherInstallation is another Windows installation's folder on a
// mounted volume (Windows.old: X/Windows/System32/winevt/Logs below the
// root), whose logs are not read with the volume's. Its Error is what
// stderr and the report's not-read list say.
type OtherInstallation struct {
	Path   string // the folder (Windows.old)
	Volume string // the volume root given
}

func (o *OtherInstallation) Error() string {
	return fmt.Sprintf("fleet: %s: another Windows installation's logs (its Windows/System32/winevt/Logs) on the volume %s, not read with the volume's (give it as a PATH of its own)", o.Path, o.Volume)
}

func isVolume(dir string) bool {
	for _, want := range []string{"Windows", "System32", "winevt", "Logs"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return false
		}
		next := ""
		for _, e := range entries {
			if strings.EqualFold(e.Name(), want) {
				if fi, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && fi.IsDir() {
					next = filepath.Join(dir, e.Name())
					break
				}
			}
		}
		if next == "" {
			return false
		}
		dir = next
	}
	return true
}
