package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// analyze of a folder and analyze of the same files named one by one, in
// any order, give the same report. A log no record of which names a
// computer (one cut to 3,000 bytes, one whose first 8 KiB are zeros, a
// text file) goes with the machines whose logs share its folder: given
// as PATHs of their own, each was a machine "(no computer name) FILE" of
// its own, while the folder listed them with each machine (6 machines
// against 4).
func TestUnreadableGroupingIndependentOfNaming(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, d := range []string{a, b} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, "../../testdata/evtx/scenarios/healthy/System.evtx", filepath.Join(a, "vm1-System.evtx"))
	copyFile(t, "../../testdata/evtx/williballenthin__python-evtx__tests__data__system.evtx", filepath.Join(a, "vm2-System.evtx"))
	copyFile(t, "../../testdata/evtx/Velocidex__evtx__testdata__Security.evtx", filepath.Join(b, "Security.evtx"))
	whole, err := os.ReadFile("../../testdata/evtx/omerbenamram__evtx__samples__system.evtx")
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{
		filepath.Join(a, "cut-System.evtx"):   whole[:3000],
		filepath.Join(a, "zeros-System.evtx"): make([]byte, 8192),
		filepath.Join(a, "notes.evtx"):        []byte("not a log\n"),
		filepath.Join(b, "System.evtx"):       whole[:1000],
	} {
		if err := os.WriteFile(name, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files := func(d string) []string {
		m, err := filepath.Glob(filepath.Join(d, "*.evtx"))
		if err != nil || len(m) == 0 {
			t.Fatalf("glob %s: %v", d, err)
		}
		return m
	}
	named := append(files(a), files(b)...)
	rev := slices.Clone(named)
	slices.Reverse(rev)
	mixed := []string{named[2], b, named[0], a, named[1]}
	forms := [][]string{{a, b}, {b, a}, named, rev, mixed, append(files(b), a)}
	for _, f := range []string{"text", "json"} {
		var want string
		for i, paths := range forms {
			_, out, errOut := runCmd(append([]string{"analyze", "-f", f}, paths...)...)
			got := out + "\nstderr:\n" + errOut
			if i == 0 {
				want = got
				continue
			}
			if got != want {
				t.Errorf("%s: analyze %q differs from analyze %q:\n%s\n----\n%s", f, paths, forms[0], got, want)
			}
		}
	}
}
