package fleet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestOtherLogsNamesUnreadFolders: the search of a volume for logs outside
// its winevt/Logs passed over a folder it could not read with no word, so
// the user took an incomplete search for a complete one. Each such folder
// is now named (UnsearchedFolder, with why), the first maxUnsearchedNamed
// of them, the others counted; and the Desktop and Documents that OneDrive's
// Known Folder Move puts in a user's OneDrive folder are searched.
func TestOtherLogsNamesUnreadFolders(t *testing.T) {
	root := t.TempDir()
	mk := func(rel string) string {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mk("Windows/System32/winevt/Logs/System.evtx")
	want := []string{
		mk("Users/admin/OneDrive - Contoso/Desktop/System.evtx"),
		mk("Users/bob/OneDrive/Documents/saved/Security.evtx"),
		mk("Users/bob/onedrive - fabrikam/DESKTOP/a/b/c/Application.evtx"),
	}
	slices.Sort(want)
	mk("Users/admin/OneDrive - Contoso/Pictures/not-searched.evtx")
	mk("Users/carol/Desktop/hidden.evtx")
	mk("temp/secret/hidden.evtx")
	var failing []string
	for i := range 12 {
		failing = append(failing, filepath.Dir(mk(fmt.Sprintf("data/d%02d/x.evtx", i))))
	}
	failing = append(failing, filepath.Join(root, "Users", "carol"), filepath.Join(root, "temp", "secret"))
	defer func(f func(string) ([]os.DirEntry, error)) { osReadDir = f }(osReadDir)
	osReadDir = func(d string) ([]os.DirEntry, error) {
		if slices.Contains(failing, d) {
			return nil, &fs.PathError{Op: "open", Path: d, Err: syscall.EACCES}
		}
		return os.ReadDir(d)
	}

	var found, unread []string
	var more []string
	for _, p := range otherLogs(root) {
		var o *OtherLog
		var u *UnsearchedFolder
		switch {
		case errors.As(p, &o):
			found = append(found, o.Path)
		case errors.As(p, &u):
			unread = append(unread, u.Path)
			if u.Volume != root || !errors.Is(p, syscall.EACCES) {
				t.Errorf("%s: volume %q, error %v", u.Path, u.Volume, u.Err)
			}
			if msg := p.Error(); !strings.Contains(msg, u.Path+": a folder on the volume "+root+" that the search for logs outside its Windows/System32/winevt/Logs could not read (permission denied)") {
				t.Errorf("message: %s", msg)
			}
		default:
			more = append(more, p.Error())
		}
	}
	if !slices.Equal(found, want) {
		t.Errorf("found\n%q\nwant\n%q", found, want)
	}
	slices.Sort(failing)
	if !slices.Equal(unread, failing[:maxUnsearchedNamed]) {
		t.Errorf("named unread\n%q\nwant\n%q", unread, failing[:maxUnsearchedNamed])
	}
	if len(more) != 1 || !strings.Contains(more[0], "4 more folders on the volume that the search for logs outside its Windows/System32/winevt/Logs could not read, not named (the first 10 are named above)") {
		t.Errorf("other problems: %q", more)
	}

	// Every folder readable: none named, no count.
	osReadDir = os.ReadDir
	for _, p := range otherLogs(root) {
		var u *UnsearchedFolder
		if errors.As(p, &u) || strings.Contains(p.Error(), "could not read") {
			t.Errorf("readable volume: %v", p)
		}
	}
}
