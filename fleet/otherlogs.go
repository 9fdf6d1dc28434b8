package fleet

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/internal/shellword"
)

// Bounds of the search for a volume's logs outside its logs folder
// (otherLogs).
const (
	// maxOtherNamed is how many such logs are named one by one, each
	// with its size and the command that reads it; the others are
	// counted in one more problem.
	maxOtherNamed = 10
	// maxUnsearchedNamed is how many folders the search could not read
	// are named one by one (UnsearchedFolder); the others are counted
	// in one more problem.
	maxUnsearchedNamed = 10
)

// maxOtherEntries is how many directory entries the search looks at in
// all; past it, a problem says the search stopped (a variable for
// TestOtherLogsSearchBounded).
var maxOtherEntries = 100000

// OtherLog is a log found on a mounted Windows volume outside the
// Windows/System32/winevt/Logs folder that Find reads: an export saved on
// a user's Desktop or in Downloads, a copy in C:\temp, a log below
// Windows/System32/LogFiles, a subfolder of winevt/Logs, or a Windows XP
// and Server 2003 log (.evt) in Windows/System32/config. It is not read
// with the volume's logs (which of several copies holds the machine's
// records is not for the search to decide), only named, with how to read
// it. Its Error is what stderr and the report's not-read list say.
type OtherLog struct {
	Path   string // the file
	Volume string // the volume root given
	Size   int64
	// Evt is set for a .evt file: the event log format of Windows XP
	// and Server 2003, which evtxrdp does not read.
	Evt bool
	// Command is the evtxrdp command that Error says reads the log with
	// the volume's ("dump", "query"); "" is "analyze".
	Command string
}

func (o *OtherLog) Error() string {
	if o.Evt {
		return fmt.Sprintf("fleet: %s (%s): a Windows XP/Server 2003 event log (.evt) on the volume %s, not read: evtxrdp reads EVTX (.evtx) logs only",
			o.Path, plural.N(o.Size, "byte"), o.Volume)
	}
	cmd := o.Command
	if cmd == "" {
		cmd = "analyze"
	}
	return fmt.Sprintf("fleet: %s (%s): a log on the volume %s outside its Windows/System32/winevt/Logs, not read with the volume's logs (to read it with them: evtxrdp %s %s %s)",
		o.Path, plural.N(o.Size, "byte"), o.Volume, cmd, shellword.Path(o.Volume), shellword.Path(o.Path))
}

// UnsearchedFolder is a folder of a mounted Windows volume that the search
// for its other logs (OtherLog) meant to look through and could not read
// (permissions, an I/O error of a damaged disk): logs in it, if any, are
// not named, so the search is incomplete. Its Error is what stderr and the
// report's not-read list say.
type UnsearchedFolder struct {
	Path   string // the folder
	Volume string // the volume root given
	Err    error  // why it could not be read
}

func (u *UnsearchedFolder) Error() string {
	return fmt.Sprintf("fleet: %s: a folder on the volume %s that the search for logs outside its Windows/System32/winevt/Logs could not read (%v): logs in it, if any, are not named",
		u.Path, u.Volume, u.Err)
}

func (u *UnsearchedFolder) Unwrap() error { return u.Err }

// otherPlaces are where a volume's other logs are looked for, below its
// root (each name matched case-insensitively, "*" any one folder), with
// how many folder levels below each are searched. Users save exports
// (Event Viewer's "Save All Events As", wevtutil epl) where the browser
// or the desktop puts them; Windows XP and Server 2003 kept their .evt
// logs in System32\config (ForensicArtifacts/artifacts,
// artifacts/data/windows.yaml, WindowsEventLogs:
// "%%environ_systemroot%%\System32\config\*.evt"), and other services
// keep logs below System32\LogFiles. OneDrive's Known Folder Move
// redirects a user's Desktop, Documents and Pictures into the OneDrive
// folder (MicrosoftDocs/OfficeDocs-SharePoint, OneDrive/redirect-known-
// folders.md: "Redirect and move Windows known folders to OneDrive"),
// which is %userprofile%\OneDrive for a personal account and, for a work
// account, "OneDrive - {organization name}" under %userprofile% unless a
// policy moves or renames it (OneDrive/use-group-policy.md, "Set the
// default location for the OneDrive folder" and "Set a custom name for the
// OneDrive folder"): so Users\*\OneDrive*\Desktop and Documents. The big trees of installed files (WinSxS, Program
// Files, AppData) are not walked: a disk holds hundreds of thousands of
// files there, and no export lands in them.
var otherPlaces = []struct {
	path  []string
	depth int
}{
	{[]string{"Windows", "System32", "winevt", "Logs"}, 3}, // its subfolders (the folder's own .evtx files are the volume's logs)
	{[]string{"Windows", "System32", "LogFiles"}, 4},
	{[]string{"Windows", "System32", "config"}, 0},
	{[]string{"Windows", "Temp"}, 3},
	{[]string{"Users", "*", "Desktop"}, 4},
	{[]string{"Users", "*", "Downloads"}, 4},
	{[]string{"Users", "*", "Documents"}, 4},
	{[]string{"Users", "*", "OneDrive*", "Desktop"}, 4},
	{[]string{"Users", "*", "OneDrive*", "Documents"}, 4},
}

// rootSkipped are the folders directly below a volume root that the
// search of its other top-level folders (C:\temp, C:\logs) passes over:
// Windows and Users are searched in the places above, and the others
// hold installed files, not exports.
var rootSkipped = []string{"Windows", "Users", "Program Files", "Program Files (x86)", "ProgramData",
	"$Recycle.Bin", "System Volume Information", "Recovery", "$WinREAgent", "$SysReset", "$Windows.~BT", "$Windows.~WS"}

// otherLogs searches the volume root for logs outside its logs folder
// (OtherLog): the root's own files, its other top-level folders (three
// levels down; another Windows installation among them is named by
// otherInstallations, not searched), and otherPlaces. It returns each
// log found as an *OtherLog in path order, the first maxOtherNamed of
// them, then one problem counting the others, and one saying so when the
// search stopped at maxOtherEntries entries; then each folder it could not
// read as an *UnsearchedFolder, in path order, the first
// maxUnsearchedNamed of them, and one problem counting the others.
// Symbolic links are not followed. nil when there is none.
func otherLogs(root string) []error {
	s := &otherSearch{root: root}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	s.seen += len(entries)
	for _, e := range entries {
		sub := filepath.Join(root, e.Name())
		switch {
		case e.Type().IsRegular():
			s.file(sub, e)
		case e.IsDir() && !skippedAtRoot(e.Name()) && !isVolume(sub):
			s.dir(sub, 2)
		}
	}
	for _, pl := range otherPlaces {
		for _, d := range s.resolve(pl.path) {
			s.dir(d, pl.depth)
		}
	}
	sort.Slice(s.found, func(i, j int) bool { return s.found[i].Path < s.found[j].Path })
	var probs []error
	for i, o := range s.found {
		if i == maxOtherNamed {
			break
		}
		probs = append(probs, o)
	}
	if more := len(s.found) - maxOtherNamed; more > 0 {
		probs = append(probs, fmt.Errorf("fleet: %s: %s more %s on the volume outside its Windows/System32/winevt/Logs, not read and not named (the first %d are named above)",
			root, plural.Itoa(more), plural.Noun(more, "log"), maxOtherNamed))
	}
	if s.stopped {
		probs = append(probs, fmt.Errorf("fleet: %s: the search for logs outside the volume's Windows/System32/winevt/Logs stopped after %s directory entries: other logs may lie in folders it did not reach",
			root, plural.Itoa(maxOtherEntries)))
	}
	sort.Slice(s.unread, func(i, j int) bool { return s.unread[i].Path < s.unread[j].Path })
	for i, u := range s.unread {
		if i == maxUnsearchedNamed {
			break
		}
		probs = append(probs, u)
	}
	if more := len(s.unread) - maxUnsearchedNamed; more > 0 {
		probs = append(probs, fmt.Errorf("fleet: %s: %s more %s on the volume that the search for logs outside its Windows/System32/winevt/Logs could not read, not named (the first %d are named above)",
			root, plural.Itoa(more), plural.Noun(more, "folder"), maxUnsearchedNamed))
	}
	return probs
}

type otherSearch struct {
	root    string
	found   []*OtherLog
	seen    int // directory entries looked at
	stopped bool
	done    map[string]bool // folders searched (a place below another)
	// logs are the volume's Windows/System32/winevt/Logs folders
	// (resolve, read on the first isLogsFolder: four directory reads
	// that every folder searched made again).
	logs     []string
	logsRead bool
	// unread are the folders that could not be read, each once
	// (unreadSeen).
	unread     []*UnsearchedFolder
	unreadSeen map[string]bool
	// listed holds what resolve read of each folder on the way to the
	// places.
	listed map[string][]os.DirEntry
}

// osReadDir is os.ReadDir; a test makes folders fail to read with it (as
// root, which the tests run as, a folder's mode does not stop a read).
var osReadDir = os.ReadDir

// readDir is os.ReadDir of folder d, noting d as unread when it fails
// (the entries read before the failure are still returned).
func (s *otherSearch) readDir(d string) []os.DirEntry {
	entries, err := osReadDir(d)
	if err != nil {
		if s.unreadSeen == nil {
			s.unreadSeen = map[string]bool{}
		}
		if !s.unreadSeen[d] {
			s.unreadSeen[d] = true
			s.unread = append(s.unread, &UnsearchedFolder{Path: d, Volume: s.root, Err: pathErr(err)})
		}
	}
	return entries
}

// pathErr is the cause of a *fs.PathError (its path is the folder the
// UnsearchedFolder names already), else err.
func pathErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// file notes the regular file p (entry e) when it is a log by its name.
func (s *otherSearch) file(p string, e fs.DirEntry) {
	n := strings.ToLower(e.Name())
	evt := strings.HasSuffix(n, ".evt")
	if !evt && !isEVTXName(n) {
		return
	}
	fi, err := e.Info()
	if err != nil {
		return
	}
	s.found = append(s.found, &OtherLog{Path: p, Volume: s.root, Size: fi.Size(), Evt: evt})
}

// dir searches folder d and, depth levels down, its subfolders.
func (s *otherSearch) dir(d string, depth int) {
	if s.done == nil {
		s.done = map[string]bool{}
	}
	if s.done[d] || s.stopped {
		return
	}
	s.done[d] = true
	entries := s.readDir(d)
	if s.seen+len(entries) > maxOtherEntries {
		s.stopped = true
		return
	}
	s.seen += len(entries)
	logsFolder := s.isLogsFolder(d)
	for _, e := range entries {
		sub := filepath.Join(d, e.Name())
		switch {
		case e.Type().IsRegular() && !logsFolder:
			s.file(sub, e)
		case e.IsDir() && depth > 0:
			s.dir(sub, depth-1)
		}
	}
}

// isLogsFolder reports whether d is the volume's
// Windows/System32/winevt/Logs, whose .evtx files Find reads.
func (s *otherSearch) isLogsFolder(d string) bool {
	if !s.logsRead {
		s.logs, s.logsRead = s.resolve([]string{"Windows", "System32", "winevt", "Logs"}), true
	}
	for _, l := range s.logs {
		if l == d {
			return true
		}
	}
	return false
}

// skippedAtRoot reports whether name is one of rootSkipped.
func skippedAtRoot(name string) bool {
	for _, s := range rootSkipped {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return false
}

// resolve returns the folders below the volume root that path names, each
// element matched case-insensitively ("*" any folder, "OneDrive*" any
// whose name begins so), in name order; symbolic links are not followed.
// A folder on the way that cannot be read is noted (readDir).
func (s *otherSearch) resolve(path []string) []string {
	dirs := []string{s.root}
	for _, want := range path {
		var next []string
		for _, d := range dirs {
			entries, ok := s.listed[d]
			if !ok {
				// The places share their first folders (Users and
				// each user's): each is read once.
				entries = s.readDir(d)
				if s.listed == nil {
					s.listed = map[string][]os.DirEntry{}
				}
				s.listed[d] = entries
			}
			for _, e := range entries {
				if e.IsDir() && nameMatches(e.Name(), want) {
					next = append(next, filepath.Join(d, e.Name()))
				}
			}
		}
		dirs = next
	}
	return dirs
}

// nameMatches reports whether the folder name matches want, one element of
// an otherPlaces path: "*" any name, a trailing "*" any name beginning with
// what comes before it, else the name itself; letters in any case.
func nameMatches(name, want string) bool {
	if pre, ok := strings.CutSuffix(want, "*"); ok {
		return len(name) >= len(pre) && strings.EqualFold(name[:len(pre)], pre)
	}
	return strings.EqualFold(name, want)
}
