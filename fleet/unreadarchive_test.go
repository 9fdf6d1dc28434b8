package fleet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/fleet"
)

// TestUnreadArchivesNamed: a fleet folder of vm1/ and vm2.tar.gz was
// analysed as vm1 alone, with no word of vm2; a tar beside a machine's
// logs was passed over alike. Archives evtxrdp does not read (tar,
// compressed tar, 7-Zip, RAR, a gzip-compressed log) are now named in
// Find's problems, in a fleet folder and beside the logs
// (SkippedBelow); other files (notes.txt) are not.
func TestUnreadArchivesNamed(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "vm1", "System.evtx"), systemLog("vm1", t0, 0, 1))
	for _, name := range []string{"vm2.tar.gz", "vm3.TGZ", "vm4.7z", "notes.txt", filepath.Join("vm1", "old.tar"), filepath.Join("vm1", "Security.evtx.gz")} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("not a log"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	units, problems, err := fleet.Find([]string{dir})
	if err != nil || len(units) != 1 {
		t.Fatalf("Find: %d units, %v; want vm1 alone", len(units), err)
	}
	var said []string
	for _, p := range problems {
		said = append(said, p.Error())
	}
	all := strings.Join(said, "\n")
	for _, want := range []string{
		filepath.Join(dir, "vm2.tar.gz") + ": a compressed tar archive, not read",
		filepath.Join(dir, "vm3.TGZ") + ": a compressed tar archive, not read",
		filepath.Join(dir, "vm4.7z") + ": a 7-Zip archive, not read",
		filepath.Join(dir, "vm1", "old.tar") + ": a tar archive beside the logs of " + filepath.Join(dir, "vm1") + ", not read with them",
		filepath.Join(dir, "vm1", "Security.evtx.gz") + ": a gzip-compressed log beside the logs of " + filepath.Join(dir, "vm1") + ", not read with them",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems %q lack %q", said, want)
		}
	}
	if len(said) != 5 || strings.Contains(all, "notes.txt") {
		t.Errorf("problems %q, want the five above (not notes.txt)", said)
	}
}
