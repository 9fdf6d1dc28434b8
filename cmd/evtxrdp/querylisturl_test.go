package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestQueryListFileURLForms: a QueryList Path names a log file in the
// forms of the file URI scheme (RFC 8089, https://datatracker.ietf.org/doc/rfc8089/:
// "file:///C:/...", "file://localhost/...", percent-encoded characters
// such as %20 for a space) and as a path relative to the working directory
// with Windows' backslashes. Two logs of one file name (VM1's in "my logs",
// VM2's in "other") and a third file are given; each Path names one log.
// The %20-escaped, localhost and backslash forms named no log, so each
// applied to every log of its file name (or, naming none, to every log
// given): VM2's and VM3's events were printed with VM1's.
func TestQueryListFileURLForms(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	write := func(rel, host string) string {
		evs := evtxtest.Noise(t0, time.Hour, 5)
		for _, ev := range evs {
			ev.System.Computer = host
		}
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := evtxtest.WriteFile(p, evs, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	vm1 := write(filepath.Join("my logs", "System.evtx"), "VM1")
	vm2 := write(filepath.Join("other", "System.evtx"), "VM2")
	vm3 := write("My Saved System.evtx", "VM3")
	escaped := func(p string) string { return (&url.URL{Path: p}).EscapedPath() } // "my%20logs"
	for _, c := range []struct {
		name, path string
		args       []string
		want       string
	}{
		{"file:/// and %20", "file://" + escaped(vm1), []string{vm1, vm2}, "VM1"},
		{"file://localhost and %20", "file://localhost" + escaped(vm1), []string{vm1, vm2}, "VM1"},
		{"raw space", "file://" + vm1, []string{vm1, vm2}, "VM1"},
		{"another machine's drive path, %20 in the file name", "file:///C:/Users/x/My%20Saved%20System.evtx", []string{vm3, vm2}, "VM3"},
		{"another machine's drive path, backslashes", `file://C:\Users\x\My Saved System.evtx`, []string{vm2, vm3}, "VM3"},
		{"relative, backslash", `other\System.evtx`, []string{"my logs/System.evtx", "other/System.evtx"}, "VM2"},
		{"relative file URL, backslash", `file://other\System.evtx`, []string{"my logs/System.evtx", "other/System.evtx"}, "VM2"},
		{"relative, slash", `other/System.evtx`, []string{"my logs/System.evtx", "other/System.evtx"}, "VM2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(dir)
			sq := filepath.Join(t.TempDir(), "sq.xml")
			xml := `<QueryList><Query Id="0" Path="` + c.path + `"><Select Path="` + c.path + `">*</Select></Query></QueryList>`
			if err := os.WriteFile(sq, []byte(xml), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCmd(append([]string{"query", "-f", "xml", "--structured-query", sq}, c.args...)...)
			got := map[string]int{}
			for _, m := range regexp.MustCompile(`<Computer>([^<]*)</Computer>`).FindAllStringSubmatch(out, -1) {
				got[m[1]]++
			}
			if code != exitOK || len(got) != 1 || got[c.want] != 5 {
				t.Errorf("Path %s: exit %d, events by computer %v, want 5 of %s; stderr %s", c.path, code, got, c.want, strings.TrimSpace(errOut))
			}
		})
	}
}
