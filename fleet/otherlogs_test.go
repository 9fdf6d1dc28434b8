package fleet_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/fleet"
)

// TestVolumeNamesLogsElsewhere: given the root of a mounted disk, Find
// reads its Windows/System32/winevt/Logs; an export on a user's Desktop
// or in Downloads, a copy in C:\temp or at the root, a log below
// System32\LogFiles or in a subfolder of winevt\Logs, and a Windows XP
// .evt log in System32\config were passed over with no word. Each is now
// named (path, size, the command that reads it with the volume's logs),
// not read; installed files (Program Files, AppData) are not searched;
// past maxOtherNamed the others are counted; a log also given as a path
// of its own (or below a folder given) is not named.
func TestVolumeNamesLogsElsewhere(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	root := t.TempDir()
	write(t, filepath.Join(root, "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm1", t0, 0, 1))
	write(t, filepath.Join(root, "Windows.old", "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm1", t0, 0, 1))
	raw := func(rel string, size int) string {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	named := map[string]int{
		"Users/admin/Desktop/System (1).evtx":                        1001,
		"Users/admin/Downloads/vm1/Security.EVTX":                    1002,
		"temp/logs/System.evtx":                                      1003,
		"export.evtx":                                                1004,
		"Windows/System32/LogFiles/Sum/Current.evtx":                 1005,
		"Windows/System32/winevt/Logs/Archive/old.evtx":              1006,
		"windows/system32/CONFIG/SysEvent.Evt":                       1007,
		"Users/Public/Documents/saved/Application.evtx":              1008,
		"Windows/Temp/cab_1/Microsoft-Windows-AAD%4Operational.evtx": 1009,
	}
	for rel, n := range named {
		raw(rel, n)
	}
	// Not searched, or not logs.
	raw("Program Files/Vendor/sample.evtx", 10)
	raw("Users/admin/AppData/Local/Temp/x.evtx", 10)
	raw("Users/admin/Desktop/notes.txt", 10)
	raw("Windows/System32/config/SYSTEM", 10)

	units, problems, err := fleet.Find([]string{root})
	if err != nil || len(units) != 1 || units[0].Path != root || len(units[0].Logs) != 1 {
		t.Fatalf("Find: %d units, %v; want the volume alone, its one log", len(units), err)
	}
	var got []string
	others := 0
	for _, p := range problems {
		var o *fleet.OtherLog
		if !errors.As(p, &o) {
			if !strings.Contains(p.Error(), "Windows.old: another Windows installation's logs") {
				t.Errorf("unexpected problem: %v", p)
			}
			others++
			continue
		}
		rel, _ := filepath.Rel(root, o.Path)
		got = append(got, filepath.ToSlash(rel))
		if want := named[filepath.ToSlash(rel)]; o.Size != int64(want) {
			t.Errorf("%s: size %d, want %d", rel, o.Size, want)
		}
		msg := o.Error()
		if !strings.Contains(msg, fmt.Sprintf("%d bytes", o.Size)) {
			t.Errorf("%s: message lacks its size: %s", rel, msg)
		}
		if o.Evt != strings.HasSuffix(strings.ToLower(rel), ".evt") {
			t.Errorf("%s: Evt %v", rel, o.Evt)
		}
		if !o.Evt && !strings.Contains(msg, "evtxrdp analyze "+root+" ") {
			t.Errorf("%s: message lacks the command: %s", rel, msg)
		}
	}
	if others != 1 {
		t.Errorf("%d other problems, want the Windows.old one alone", others)
	}
	if !strings.Contains(strings.Join(got, "\n"), "Users/admin/Desktop/System (1).evtx") {
		t.Fatalf("named %q", got)
	}
	for _, p := range problems {
		if o, ok := p.(*fleet.OtherLog); ok && strings.HasSuffix(o.Path, "System (1).evtx") &&
			!strings.Contains(o.Error(), "'"+o.Path+"'") {
			t.Errorf("a path with a space is not quoted for the shell: %s", o.Error())
		}
	}
	var want []string
	for rel := range named {
		want = append(want, rel)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("named\n%q\nwant\n%q", got, want)
	}

	// Given as paths of their own, they are read, and not named.
	desktop := filepath.Join(root, "Users", "admin", "Desktop")
	temp := filepath.Join(root, "temp", "logs", "System.evtx")
	_, problems, _ = fleet.Find([]string{root, desktop, temp})
	for _, p := range problems {
		if o, ok := p.(*fleet.OtherLog); ok && (strings.HasPrefix(o.Path, desktop) || o.Path == temp) {
			t.Errorf("%s named though given: %v", o.Path, p)
		}
	}
	if n := countOther(problems); n != len(named)-2 {
		t.Errorf("%d named with two of them given, want %d", n, len(named)-2)
	}

	// Many: the first ten named, the others counted.
	for i := range 25 {
		raw(fmt.Sprintf("Users/admin/Downloads/many/%02d.evtx", i), 1)
	}
	_, problems, _ = fleet.Find([]string{root})
	if n := countOther(problems); n != 10 {
		t.Errorf("%d named, want 10", n)
	}
	more := fmt.Sprintf("%d more logs on the volume outside its Windows/System32/winevt/Logs, not read and not named", len(named)+25-10)
	if !slices.ContainsFunc(problems, func(e error) bool { return strings.Contains(e.Error(), more) }) {
		t.Errorf("problems lack %q: %v", more, problems)
	}
}

func countOther(problems []error) int {
	n := 0
	for _, p := range problems {
		if _, ok := p.(*fleet.OtherLog); ok {
			n++
		}
	}
	return n
}
