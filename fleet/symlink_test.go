package fleet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/fleet"
)

// TestFindSaysLinksNotFollowed: a fleet folder whose machine entries are
// symbolic links (vm1 -> /mnt/vm1disk, the way engineers gather mounted
// disks) is not walked through them (a loop could make the walk endless),
// but each link to a directory is named in the problems; it was skipped
// without a word, and the fleet report lacked the machine. A link to a
// .zip archive cannot loop: it is read like the archive (it was skipped).
// A link whose target is gone (an unmounted disk) is named too.
func TestFindSaysLinksNotFollowed(t *testing.T) {
	dir := t.TempDir()
	disk := filepath.Join(t.TempDir(), "disk")
	write(t, filepath.Join(disk, "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm1", t0, 0, 1))
	write(t, filepath.Join(dir, "vm2", "System.evtx"), systemLog("vm2", t0, 0, 1))
	z := filepath.Join(t.TempDir(), "vm3.zip")
	writeZip(t, z, map[string]string{"Logs/System.evtx": filepath.Join(dir, "vm2", "System.evtx")})
	if err := os.Symlink(disk, filepath.Join(dir, "vm1")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	if err := os.Symlink(z, filepath.Join(dir, "vm3.zip")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(t.TempDir(), "gone"), filepath.Join(dir, "vm4")); err != nil {
		t.Fatal(err)
	}
	units, problems, err := fleet.Find([]string{dir})
	if err != nil || len(units) != 2 || units[1].Path != filepath.Join(dir, "vm3.zip") {
		t.Fatalf("Find: %d units, %v; want vm2 and the linked vm3.zip", len(units), err)
	}
	var said []string
	for _, p := range problems {
		said = append(said, p.Error())
	}
	for _, want := range []string{filepath.Join(dir, "vm1") + ": a symbolic link to a directory, not followed",
		filepath.Join(dir, "vm4") + ": a symbolic link whose target cannot be read"} {
		if !strings.Contains(strings.Join(said, "\n"), want) {
			t.Errorf("problems %q lack %q", said, want)
		}
	}
}
