package xpath

import (
	neturl "net/url"
	"slices"
	"strings"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// IsLogFile reports whether a Select or Suppress Path names a log file
// rather than a channel. Windows writes a file as a URL with the file
// scheme: "An external file ... is specified by a URL that uses "file" as
// its protocol. For example, file://c:/dir1/dir2/file.evtx." (Event
// Selection, learn.microsoft.com/previous-versions/aa385231); Event
// Viewer's saved logs and Get-WinEvent -Path write
// "file://C:\logs\System.evtx" (PowerShell GetEventCommand.cs, filePrefix).
// A Path that is a plain file name or path ending in .evtx, .evt or .etl
// (the file formats that page lists) names a file too.
func IsLogFile(path string) bool {
	p := strings.ToLower(strings.TrimSpace(path))
	if strings.HasPrefix(p, "file:") {
		return true
	}
	return strings.HasSuffix(p, ".evtx") || strings.HasSuffix(p, ".evt") || strings.HasSuffix(p, ".etl")
}

// fileBase returns the last element of a file Path, whatever its
// separators ("file://C:\logs\System.evtx" -> "System.evtx").
func fileBase(path string) string {
	p := strings.TrimSpace(path)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// sameFileName reports whether the file Path path names a file called
// as file's last element (compared case-insensitively, as Windows file
// names are), by any form of the Path LocalFiles gives: a file URL's
// percent-decoded name ("My%20Saved%20System.evtx" is "My Saved
// System.evtx") or its text as written (a name Windows gives a log, such
// as "...%4Operational.evtx", is no escape).
func sameFileName(path, file string) bool {
	base := fileBase(file)
	for _, p := range LocalFiles(path) {
		if strings.EqualFold(fileBase(p), base) {
			return true
		}
	}
	return false
}

// Log says which log an event comes from, for the Paths of a QueryList:
// its channel and, for a log read from a file, the file's path.
type Log struct {
	Channel string
	File    string
	// AnyFile makes every file Path apply to this log (File set): the
	// query names a file of the machine it was written on and this log is
	// given in its place. Callers set it when no log given has a file name
	// the list names (QueryList.NamesFile).
	AnyFile bool
}

// selects reports whether a Select or Suppress Path applies to lg. A
// channel Path applies to the logs of that channel (compared
// case-insensitively, as channel names are). A file Path bound to given
// files (BindFile) applies to those. Another file Path names a file of
// the machine the query was written on: it applies to the given log file
// of the same name (compared case-insensitively, as Windows file names
// are), or to any log file given with AnyFile.
func (l *QueryList) selects(path string, lg Log) bool {
	if !IsLogFile(path) {
		return strings.EqualFold(path, lg.Channel)
	}
	if files, ok := l.bound[path]; ok {
		return files[lg.File]
	}
	return lg.File != "" && (lg.AnyFile || sameFileName(path, lg.File))
}

// FilePaths returns the file Paths of l's Select and Suppress elements,
// each once.
func (l *QueryList) FilePaths() []string {
	var out []string
	seen := map[string]bool{}
	for _, q := range l.Queries {
		for _, ss := range [][]Selector{q.Selects, q.Suppresses} {
			for _, s := range ss {
				if IsLogFile(s.Path) && !seen[s.Path] {
					seen[s.Path] = true
					out = append(out, s.Path)
				}
			}
		}
	}
	return out
}

// LocalFile returns the file a file Path names on this machine: the
// first of LocalFiles.
func LocalFile(path string) string { return LocalFiles(path)[0] }

// LocalFiles returns the files a file Path may name on this machine, the
// likeliest first (at least one). A file URL (RFC 8089, "The "file" URI
// Scheme", https://datatracker.ietf.org/doc/rfc8089/) loses its scheme
// and an empty or "localhost" authority ("file:///tmp/x.evtx" and
// "file://localhost/tmp/x.evtx" are /tmp/x.evtx), and its percent-encoded
// octets are decoded (%20 is a space, section 2 and RFC 3986 2.1); the
// text as written follows, since Event Viewer and Get-WinEvent write
// "file://" before the path as it is ("file://C:\logs\System.evtx",
// PowerShell GetEventCommand.cs, filePrefix), in which a "%" is part of
// the name (Windows names a channel's log file with "%4" for "/"). A path
// with backslashes, Windows' separators, is followed by the same with
// slashes ("logs\System.evtx" relative to the working directory is
// logs/System.evtx here). Whether a file exists, and is one of the logs
// given, is for the caller to find out (BindFile).
func LocalFiles(path string) []string {
	p := strings.TrimSpace(path)
	url := false
	if len(p) >= 5 && strings.EqualFold(p[:5], "file:") {
		p, url = p[5:], true
		if strings.HasPrefix(p, "//") {
			p = p[2:]
			if len(p) >= 10 && strings.EqualFold(p[:10], "localhost/") {
				p = p[9:]
			}
		}
	}
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
		if b := strings.ReplaceAll(s, `\`, "/"); b != s && !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	if url && strings.Contains(p, "%") {
		if d, err := neturl.PathUnescape(p); err == nil {
			add(d)
		}
	}
	add(p)
	if len(out) == 0 {
		out = append(out, p)
	}
	return out
}

// BindFile records that the file Path path names the given log file
// (Log.File) exactly: the Path then applies to the files bound to it
// alone, not to every log file of its file name. Callers bind a Path
// that names a file on this machine which is one of the logs given: a
// list that names vm1/System.evtx and vm2/System.evtx applied each
// Select and Suppress to both (and to vm3/System.evtx, named by none).
func (l *QueryList) BindFile(path, file string) {
	if l.bound == nil {
		l.bound = map[string]map[string]bool{}
	}
	if l.bound[path] == nil {
		l.bound[path] = map[string]bool{}
	}
	l.bound[path][file] = true
}

// Bound reports whether the file Path path was bound to a given file
// (BindFile).
func (l *QueryList) Bound(path string) bool {
	_, ok := l.bound[path]
	return ok
}

// NamesFile reports whether some file Path of l has the file name of file
// (its last path element, compared case-insensitively).
func (l *QueryList) NamesFile(file string) bool {
	for _, q := range l.Queries {
		for _, ss := range [][]Selector{q.Selects, q.Suppresses} {
			for _, s := range ss {
				if IsLogFile(s.Path) && sameFileName(s.Path, file) {
					return true
				}
			}
		}
	}
	return false
}

// Selects reports whether some Select of l applies to the log lg: a log
// no Select applies to holds no event the list selects.
func (l *QueryList) Selects(lg Log) bool {
	for _, q := range l.Queries {
		for _, s := range q.Selects {
			if l.selects(s.Path, lg) {
				return true
			}
		}
	}
	return false
}

// MatchLog reports whether an event of the log lg is selected: some Query
// has a Select that applies to lg and matches, and no Suppress of that
// Query that applies to lg matches (suppress wins). Match(channel, ...) is
// MatchLog(Log{Channel: channel}, ...).
func (l *QueryList) MatchLog(lg Log, ev *evtx.Event, now time.Time) bool {
	for i := range l.Queries {
		q := &l.Queries[i]
		selected := false
		for _, s := range q.Selects {
			if l.selects(s.Path, lg) && s.Query.Match(ev, now) {
				selected = true
				break
			}
		}
		if !selected {
			continue
		}
		suppressed := false
		for _, s := range q.Suppresses {
			if l.selects(s.Path, lg) && s.Query.Match(ev, now) {
				suppressed = true
				break
			}
		}
		if !suppressed {
			return true
		}
	}
	return false
}

// TimeBoundsLog is the union of the windows of the Select queries that
// apply to lg; see Query.TimeBounds. ok is false when none applies.
func (l *QueryList) TimeBoundsLog(lg Log, now time.Time) (since, until time.Time, ok bool) {
	return l.timeBounds(func(path string) bool { return l.selects(path, lg) }, now)
}
