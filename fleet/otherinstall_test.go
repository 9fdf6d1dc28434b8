package fleet_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/fleet"
)

// TestVolumeNamesWindowsOld: a volume root is read as its
// Windows/System32/winevt/Logs; the logs of an older installation beside
// it (Windows.old/Windows/System32/winevt/Logs after an in-place upgrade)
// were passed over with no word. They are now named in Find's problems,
// not read; a folder without such logs (Users) is not.
func TestVolumeNamesWindowsOld(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	root := t.TempDir()
	write(t, filepath.Join(root, "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm1", t0, 0, 1))
	write(t, filepath.Join(root, "Windows.old", "WINDOWS", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm1", t0.Add(-90*24*time.Hour), 0, 1))
	write(t, filepath.Join(root, "Users", "admin", "Desktop", "saved.evtx"), systemLog("vm1", t0, 0, 1))
	units, problems, err := fleet.Find([]string{root})
	if err != nil || len(units) != 1 || units[0].Path != root || len(units[0].Logs) != 1 {
		t.Fatalf("Find: %d units, %v; want the volume alone, its one log", len(units), err)
	}
	var said []string
	for _, p := range problems {
		if _, ok := p.(*fleet.OtherLog); ok {
			continue // Users/admin/Desktop/saved.evtx: TestVolumeNamesLogsElsewhere
		}
		said = append(said, p.Error())
	}
	want := filepath.Join(root, "Windows.old") + ": another Windows installation's logs (its Windows/System32/winevt/Logs) on the volume " + root + ", not read"
	if len(said) != 1 || !strings.Contains(said[0], want) {
		t.Errorf("problems %q, want one: %q", said, want)
	}
}

// TestWindowsOldGivenIsRead: another installation given as a PATH beside
// its volume (or its logs folder) is read, and no problem says it is not:
// Find named Windows.old "not read with the volume's (give it as a PATH
// of its own)" though it was given and read, as it drops a Desktop export
// given by its path (givenElsewhere).
func TestWindowsOldGivenIsRead(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	root := t.TempDir()
	write(t, filepath.Join(root, "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm1", t0, 0, 1))
	old := filepath.Join(root, "Windows.old")
	write(t, filepath.Join(old, "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm1", t0.Add(-90*24*time.Hour), 0, 1))
	for _, given := range [][]string{
		{root, old},
		{old, root},
		{root, filepath.Join(old, "Windows", "System32", "winevt", "Logs")},
	} {
		units, problems, err := fleet.Find(given)
		if err != nil || len(units) != 2 {
			t.Fatalf("Find(%q): %d units, %v; want the volume and Windows.old", given, len(units), err)
		}
		for _, p := range problems {
			if strings.Contains(p.Error(), "another Windows installation") {
				t.Errorf("Find(%q): %v, though it was given and read", given, p)
			}
		}
		// SkippedBelow's problems (dump, query) read the same.
		if got := fleet.GivenElsewhere(given, fleet.SkippedBelow(root)); len(got) != 0 {
			t.Errorf("GivenElsewhere(%q, SkippedBelow) = %v, want none", given, got)
		}
	}
	// The volume alone: named, not read.
	if _, problems, _ := fleet.Find([]string{root}); len(problems) != 1 {
		t.Errorf("Find(volume): problems %v, want Windows.old named", problems)
	}
}
