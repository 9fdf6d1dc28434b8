package fleet_test

import (
	"os"
	"path/filepath"
	"slices"
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
	// evtx.Find) names the same; nothing for a log file or a folder of
	// machine folders.
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
	for _, p := range []string{filepath.Join(dir, "System.evtx"), filepath.Join(dir, "missing")} {
		if got := fleet.SkippedBelow(p); got != nil {
			t.Errorf("SkippedBelow(%s) = %v, want nil", p, got)
		}
	}
	// A mounted volume's root: what Find names on it (the logs outside
	// its Windows/System32/winevt/Logs, another installation's), which
	// evtx.Find leaves out as Find does. Before, nothing: dump and query
	// of a volume passed over its Windows.old with no word.
	write(t, filepath.Join(volume, "Windows.old", "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm0", t0, 0, 1))
	_, volProblems, err := fleet.Find([]string{volume})
	if err != nil || len(volProblems) != 2 {
		t.Fatalf("Find(volume): problems %v, %v; want the root's System.evtx and Windows.old", volProblems, err)
	}
	var volSaid, volSkipped []string
	for _, p := range volProblems {
		volSaid = append(volSaid, p.Error())
	}
	for _, p := range fleet.SkippedBelow(volume) {
		volSkipped = append(volSkipped, p.Error())
	}
	if !slices.Equal(volSkipped, volSaid) {
		t.Errorf("SkippedBelow(volume) = %q, Find's problems %q", volSkipped, volSaid)
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

// TestFindNamesArchivesInsideAnArchive: a collection zip that holds the
// zips of machines (one per VM, as a log-collection script makes them) is
// not read into: evtx.Find reads a zip's .evtx members only. The nested
// archives were passed over with no word (an outer zip holding
// System.evtx and vm2.zip was analysed as one machine; one holding only
// zips said "no .evtx members"). Find and SkippedBelow (dump, query) name
// each, with what to do.
func TestFindNamesArchivesInsideAnArchive(t *testing.T) {
	dir := t.TempDir()
	sys := filepath.Join(dir, "System.evtx")
	write(t, sys, systemLog("vm1", t0, 0, 1))
	inner := filepath.Join(dir, "vm2.zip")
	writeZip(t, inner, map[string]string{"Logs/System.evtx": sys})
	mixed := filepath.Join(dir, "mixed.zip")
	writeZip(t, mixed, map[string]string{"System.evtx": sys, "machines/vm2.zip": inner})
	only := filepath.Join(dir, "only.zip")
	writeZip(t, only, map[string]string{"vm2.ZIP": inner})
	for _, c := range []struct {
		path, member string
		units        int
	}{{mixed, "machines/vm2.zip", 1}, {only, "vm2.ZIP", 0}} {
		units, problems, err := fleet.Find([]string{c.path})
		if err != nil || len(units) != c.units {
			t.Fatalf("%s: Find: %d units, %v; want %d", c.path, len(units), err, c.units)
		}
		want := c.path + "!" + c.member + ": an archive inside the archive " + c.path + ", not read (extract it and give it as a PATH of its own)"
		var said []string
		for _, p := range problems {
			said = append(said, p.Error())
		}
		if !strings.Contains(strings.Join(said, "\n"), want) {
			t.Errorf("%s: problems %q lack %q", c.path, said, want)
		}
		var skipped []string
		for _, p := range fleet.SkippedBelow(c.path) {
			skipped = append(skipped, p.Error())
		}
		if len(skipped) != 1 || !strings.Contains(skipped[0], want) {
			t.Errorf("%s: SkippedBelow = %q, want %q", c.path, skipped, want)
		}
	}
	// A zip below a fleet folder is named the same.
	fleetDir := t.TempDir()
	writeZip(t, filepath.Join(fleetDir, "all.zip"), map[string]string{"vm2.zip": inner})
	_, problems, _ := fleet.Find([]string{fleetDir})
	var said []string
	for _, p := range problems {
		said = append(said, p.Error())
	}
	if !strings.Contains(strings.Join(said, "\n"), "all.zip!vm2.zip: an archive inside the archive ") {
		t.Errorf("fleet folder: problems %q do not name all.zip!vm2.zip", said)
	}
	// A zip of logs alone: nothing named.
	if got := fleet.SkippedBelow(inner); got != nil {
		t.Errorf("SkippedBelow(%s) = %v, want nil", inner, got)
	}
}

// TestFindNamesLinksAndVolumesBesideLogs: a logs folder's entries that
// are symbolic links were passed over with no word, whatever they led to
// (a folder of another machine's logs, a .zip, a disk no longer mounted),
// and so was a mounted Windows volume below it (its logs lie four levels
// down, past the two levels looked into): the folder was analysed alone
// and nothing said what was left out. Find (analyze) and SkippedBelow
// (dump, query) now name each; a link to a folder without logs, and a
// dangling link named .evtx (evtx.Find lists it among the logs, as
// unreadable), are not named.
func TestFindNamesLinksAndVolumesBesideLogs(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "System.evtx"), systemLog("vm1", t0, 0, 1))
	other := t.TempDir()
	write(t, filepath.Join(other, "vm2", "System.evtx"), systemLog("vm2", t0, 0, 1))
	write(t, filepath.Join(other, "disk", "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm3", t0, 0, 1))
	write(t, filepath.Join(dir, "mnt", "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm4", t0, 0, 1))
	if err := os.MkdirAll(filepath.Join(other, "nologs"), 0o755); err != nil {
		t.Fatal(err)
	}
	z := filepath.Join(other, "vm5.zip")
	writeZip(t, z, map[string]string{"Logs/System.evtx": filepath.Join(dir, "System.evtx")})
	for link, target := range map[string]string{
		"vm2":        filepath.Join(other, "vm2"),
		"disk":       filepath.Join(other, "disk"),
		"vm5.zip":    z,
		"gone":       filepath.Join(other, "unmounted"),
		"nologs":     filepath.Join(other, "nologs"),
		"Setup.evtx": filepath.Join(other, "missing.evtx"),
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	units, problems, err := fleet.Find([]string{dir})
	if err != nil || len(units) != 1 || units[0].Path != dir {
		t.Fatalf("Find: %d units, %v; want the folder alone", len(units), err)
	}
	var said []string
	for _, p := range problems {
		said = append(said, p.Error())
	}
	all := strings.Join(said, "\n")
	for _, want := range []string{
		filepath.Join(dir, "disk") + ": a symbolic link to a folder below the logs folder " + dir + ", not read with it",
		filepath.Join(dir, "gone") + ": a symbolic link beside the logs of " + dir + " whose target cannot be read",
		filepath.Join(dir, "mnt") + ": a folder below the logs folder " + dir + ", not read with it",
		filepath.Join(dir, "vm2") + ": a symbolic link to a folder below the logs folder " + dir + ", not read with it",
		filepath.Join(dir, "vm5.zip") + ": an archive beside the logs of " + dir + ", not read with them",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems %q lack %q", said, want)
		}
	}
	if len(said) != 5 {
		t.Errorf("problems %q, want the five above (not nologs, not Setup.evtx)", said)
	}
	var skipped []string
	for _, p := range fleet.SkippedBelow(dir) {
		skipped = append(skipped, p.Error())
	}
	if strings.Join(skipped, "\n") != all {
		t.Errorf("SkippedBelow = %q, Find's problems %q", skipped, said)
	}
}

// TestFindNamesOtherArchivesInsideAnArchive: a zip holding System.evtx,
// vm2.tar, vm3.tar.gz and Security.evtx.gz was read as System.evtx alone,
// with no word of the three: only a .zip inside it was named. Each
// archive evtxrdp does not read is now named inside the zip as it is in a
// folder (Find and SkippedBelow alike), and other members (notes.txt) are
// not.
func TestFindNamesOtherArchivesInsideAnArchive(t *testing.T) {
	dir := t.TempDir()
	sys := filepath.Join(dir, "System.evtx")
	write(t, sys, systemLog("vm1", t0, 0, 1))
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("not an archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	z := filepath.Join(dir, "all.zip")
	writeZip(t, z, map[string]string{"System.evtx": sys, "machines/vm2.tar": notes, "vm3.TAR.GZ": notes,
		"vm1/Security.evtx.gz": notes, "notes.txt": notes, "vm4.zip": notes})
	units, problems, err := fleet.Find([]string{z})
	if err != nil || len(units) != 1 || len(units[0].Logs) != 1 {
		t.Fatalf("Find: %d units, %v; want the zip, its one log", len(units), err)
	}
	var said []string
	for _, p := range problems {
		said = append(said, p.Error())
	}
	var skipped []string
	for _, p := range fleet.SkippedBelow(z) {
		skipped = append(skipped, p.Error())
	}
	if !slices.Equal(said, skipped) {
		t.Errorf("Find names %q, SkippedBelow %q", said, skipped)
	}
	tail := " inside the archive " + z + ", not read (only .zip archives are read: extract it and give what it holds as a PATH of its own)"
	for _, want := range []string{
		z + "!machines/vm2.tar: a tar archive" + tail,
		z + "!vm3.TAR.GZ: a compressed tar archive" + tail,
		z + "!vm1/Security.evtx.gz: a gzip-compressed log" + tail,
		z + "!vm4.zip: an archive inside the archive " + z + ", not read (extract it and give it as a PATH of its own)",
	} {
		if !slices.ContainsFunc(said, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("problems %q lack %q", said, want)
		}
	}
	if len(said) != 4 || strings.Contains(strings.Join(said, "\n"), "notes.txt") {
		t.Errorf("problems %q, want the four above (not notes.txt)", said)
	}
}
