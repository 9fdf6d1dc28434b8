package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestQueryListFilePathsNameTheirFiles: three machines' System.evtx
// (vm1/, vm2/, vm3/) given together, and a QueryList whose Paths name
// vm1's and vm2's files as they lie here. The Paths were compared by file
// name alone, so every Path applied to all three logs: vm3's events were
// printed though no Path names it, and vm1's Suppress removed vm2's
// events. A file Path that names a given log on this machine (by any
// path or link, or one of the copies read as one log) now applies to it
// alone; a Path of another machine's file (file://C:\...) still applies
// to the given logs of its file name.
func TestQueryListFilePathsNameTheirFiles(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	for i, host := range []string{"VM1", "VM2", "VM3"} {
		evs := evtxtest.Noise(t0.Add(time.Duration(i)*time.Minute), time.Hour, 10)
		for j, ev := range evs {
			ev.System.Computer = host
			ev.RecordID = uint64(j + 1)
		}
		p := filepath.Join(dir, strings.ToLower(host), "System.evtx")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := evtxtest.WriteFile(p, evs, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	vm := func(n string) string { return filepath.Join(dir, n, "System.evtx") }
	link := filepath.Join(dir, "link.evtx")
	if err := os.Symlink(vm("vm2"), link); err != nil {
		t.Fatal(err)
	}
	sq := func(xml string) string {
		p := filepath.Join(t.TempDir(), "sq.xml")
		if err := os.WriteFile(p, []byte(xml), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// vm2 is named by a link to its file; vm1's Suppress drops its
	// "Windows Update" events (param1 of Noise's SCM 7036) and no other's.
	list := `<QueryList><Query Id="0">` +
		`<Select Path="file://` + vm("vm1") + `">*</Select>` +
		`<Select Path="file://` + link + `">*</Select>` +
		`<Suppress Path="file://` + vm("vm1") + `">*[EventData[Data[@Name='param1']='Windows Update']]</Suppress>` +
		`</Query></QueryList>`
	computers := func(out string) map[string]int {
		got := map[string]int{}
		for _, m := range regexp.MustCompile(`<Computer>([^<]*)</Computer>`).FindAllStringSubmatch(out, -1) {
			got[m[1]]++
		}
		return got
	}
	all := func(host string) (n, update int) {
		code, out, _ := runCmd("query", "-f", "xml", vm(strings.ToLower(host)))
		if code != exitOK {
			t.Fatalf("query %s: exit %d", host, code)
		}
		return strings.Count(out, "<Event "), strings.Count(out, "Windows Update")
	}
	n1, u1 := all("VM1")
	n2, _ := all("VM2")
	if u1 == 0 {
		t.Fatal("no Windows Update event in vm1's log: the Suppress tests nothing")
	}
	code, out, errOut := runCmd("query", "-f", "xml", "--structured-query", sq(list), vm("vm1"), vm("vm2"), vm("vm3"))
	got := computers(out)
	want := map[string]int{"VM1": n1 - u1, "VM2": n2}
	if code != exitOK || len(got) != len(want) || got["VM1"] != want["VM1"] || got["VM2"] != want["VM2"] {
		t.Errorf("exit %d, events by computer %v, want %v; stderr %s", code, got, want, errOut)
	}
	// Another machine's path: the logs of its file name, all three.
	code, out, _ = runCmd("query", "-f", "xml", "--structured-query",
		sq(`<QueryList><Query Id="0"><Select Path="file://C:\logs\System.evtx">*</Select></Query></QueryList>`), vm("vm1"), vm("vm2"), vm("vm3"))
	if got := computers(out); code != exitOK || len(got) != 3 {
		t.Errorf("a Windows path: exit %d, events by computer %v, want all three", code, got)
	}
	if strings.Contains(errOut, "names no log given") {
		t.Errorf("Paths that name given logs: stderr says one names none:\n%s", errOut)
	}
	// Another machine's file whose name no log given has: it applies to
	// every log given, and stderr says so (it did so silently).
	code, out, errOut = runCmd("query", "-f", "xml", "--structured-query",
		sq(`<QueryList><Query Id="0"><Select Path="file://C:\logs\Other.evtx">*</Select></Query></QueryList>`), vm("vm1"), vm("vm2"))
	if got := computers(out); code != exitOK || len(got) != 2 ||
		!strings.Contains(errOut, `the query list's Path file://C:\logs\Other.evtx names no log given (by its path here or its file name): it applies to every log given`) {
		t.Errorf("a Windows path of another file name: exit %d, events by computer %v, stderr:\n%s", code, got, errOut)
	}
}
