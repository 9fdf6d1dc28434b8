package fleet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/fleet"
)

// TestFindNamesWhatALogsFolderHoldsBelow: a machine's logs folder is read
// alone (its .evtx files), but what it holds besides them, a subfolder of
// logs (Archive/Security.evtx) or an archive (logs.zip), is named in the
// problems: analyze read the folder without them and said nothing, and
// its rules then said "Security: no log of this channel among the
// inputs". A subfolder without logs, and a folder of machine folders,
// are not named.
func TestFindNamesWhatALogsFolderHoldsBelow(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "System.evtx"), systemLog("vm1", t0, 0, 1))
	write(t, filepath.Join(dir, "Archive", "Security.evtx"), systemLog("vm1", t0, 0, 1))
	if err := os.MkdirAll(filepath.Join(dir, "empty", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeZip(t, filepath.Join(dir, "logs.zip"), map[string]string{"Logs/System.evtx": filepath.Join(dir, "System.evtx")})
	units, problems, err := fleet.Find([]string{dir})
	if err != nil || len(units) != 1 || units[0].Path != dir || len(units[0].Logs) != 1 {
		t.Fatalf("Find: %d units, %v; want the folder alone", len(units), err)
	}
	var said []string
	for _, p := range problems {
		said = append(said, p.Error())
	}
	all := strings.Join(said, "\n")
	for _, want := range []string{
		filepath.Join(dir, "Archive") + ": a folder below the logs folder " + dir + ", not read with it",
		filepath.Join(dir, "logs.zip") + ": an archive beside the logs of " + dir + ", not read with them",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems %q lack %q", said, want)
		}
	}
	if len(said) != 2 {
		t.Errorf("problems %q, want the two above (not the folder without logs)", said)
	}
	// SkippedBelow (evtxrdp dump and query, which read the folder with
	// evtx.Find) names the same; nothing for a log file, a folder of
	// machine folders, or a mounted volume's root.
	var skipped []string
	for _, p := range fleet.SkippedBelow(dir) {
		skipped = append(skipped, p.Error())
	}
	if strings.Join(skipped, "\n") != all {
		t.Errorf("SkippedBelow = %q, Find's problems %q", skipped, said)
	}
	volume := t.TempDir()
	write(t, filepath.Join(volume, "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm1", t0, 0, 1))
	write(t, filepath.Join(volume, "System.evtx"), systemLog("vm1", t0, 0, 1))
	if err := os.MkdirAll(filepath.Join(volume, "Users", "x", "Archive"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(volume, "Users", "x", "Archive", "Security.evtx"), systemLog("vm1", t0, 0, 1))
	for _, p := range []string{filepath.Join(dir, "System.evtx"), volume, filepath.Join(dir, "missing")} {
		if got := fleet.SkippedBelow(p); got != nil {
			t.Errorf("SkippedBelow(%s) = %v, want nil", p, got)
		}
	}
	// A folder of machine folders: each read, nothing named.
	fleetDir := t.TempDir()
	write(t, filepath.Join(fleetDir, "vm1", "System.evtx"), systemLog("vm1", t0, 0, 1))
	write(t, filepath.Join(fleetDir, "vm2", "System.evtx"), systemLog("vm2", t0, 0, 1))
	if units, problems, err := fleet.Find([]string{fleetDir}); err != nil || len(units) != 2 || len(problems) != 0 {
		t.Errorf("fleet folder: %d units, problems %v, %v", len(units), problems, err)
	}
	if got := fleet.SkippedBelow(fleetDir); got != nil {
		t.Errorf("SkippedBelow of a fleet folder = %v, want nil (Find reads its machines)", got)
	}
}
