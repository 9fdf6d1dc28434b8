package fleet_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/evtxrdp/evtxrdp/fleet"
)

// TestOtherLogCommandPastes: the command an OtherLog prints to read a log
// found elsewhere on a volume, pasted into a shell, names that volume and
// that file, for file names with spaces, quotes, $( ), a newline, bytes
// of no UTF-8 character, a right-to-left override, a leading '-', on a
// volume whose name begins with '-'. The command was wrong for three of
// them: "evtxrdp analyze -vol ..." (an option, not a path), and a newline
// or byte 0xff held in single quotes, which stderr and the reports show
// escaped ('new\nline.evtx'), so the command pasted from there names a
// file that does not exist. The command must be printable as it is, and
// bash must read it back as the two paths.
func TestOtherLogCommandPastes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to read the commands back: ", err)
	}
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	t.Chdir(dir)
	names := []string{"my export.evtx", `it's "q".evtx`, "new\nline.evtx", "bad\xff\xfe.evtx", "-dash.evtx", "$(touch pwned).evtx", "rtl\u202eXTVE.evtx", `back\slash.evtx`, "été.evtx"}
	for _, vol := range []string{"vol", "-vol"} {
		write(t, filepath.Join(vol, "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm1", t0, 0, 1))
		desk := filepath.Join(vol, "Users", "bob", "Desktop")
		if err := os.MkdirAll(desk, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(desk, n), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, probs, err := fleet.Find([]string{"./" + vol})
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, p := range probs {
			o, ok := p.(*fleet.OtherLog)
			if !ok {
				continue
			}
			seen++
			msg := o.Error()
			const lead = "to read it with them: evtxrdp analyze "
			i := strings.Index(msg, lead)
			if i < 0 || !strings.HasSuffix(msg, ")") {
				t.Errorf("%q: no command", msg)
				continue
			}
			args := msg[i+len(lead) : len(msg)-1]
			if !utf8.ValidString(args) {
				t.Errorf("%q: the command holds a byte of no UTF-8 character, which stderr and the reports show escaped", args)
			}
			for _, r := range args {
				if !unicode.IsPrint(r) && r != ' ' || unicode.Is(unicode.Cf, r) {
					t.Errorf("%q: the command holds %U, which stderr and the reports show escaped", args, r)
					break
				}
			}
			out, err := exec.Command(bash, "-c", `printf '%s\0' `+args).Output()
			if err != nil {
				t.Fatalf("%q: %v", args, err)
			}
			got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			if len(got) != 2 || filepath.Clean(got[0]) != filepath.Clean(o.Volume) || filepath.Clean(got[1]) != filepath.Clean(o.Path) || strings.HasPrefix(got[0], "-") || strings.HasPrefix(got[1], "-") {
				t.Errorf("%q reads back as %q, want the volume %q and the file %q, neither beginning with '-'", args, got, o.Volume, o.Path)
			}
			if _, err := os.Stat(got[1]); err != nil {
				t.Errorf("%q: %v", args, err)
			}
		}
		if seen != len(names) {
			t.Errorf("%s: %d logs named, want %d: %v", vol, seen, len(names), probs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Error("a command ran $(touch pwned)")
	}
}
