package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// A flag the flag library refuses (unknown, missing its value, a value not
// of its type) is a usage error like any other: exit 2, the message, and
// the line that says where the flags are described. The library's refusals
// ended without it ("evtxrdp analyze: flag needs an argument: --at" and
// nothing more), while every other usage error (--format yaml) had it.
func TestFlagLibraryErrorsEndWithHelpHint(t *testing.T) {
	absent := filepath.Join(t.TempDir(), "absent.evtx")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"analyze", "--bogus", absent}, "unknown flag: --bogus"},
		{[]string{"analyze", absent, "--at"}, "flag needs an argument: --at"},
		{[]string{"analyze", "--timeline", "abc", absent}, `invalid argument "abc" for "--timeline" flag`},
		{[]string{"analyze", "-x", absent}, "unknown shorthand flag: 'x' in -x"},
		{[]string{"query", "-c", "abc", absent}, `invalid argument "abc" for "-c, --count" flag`},
		{[]string{"query", absent, "-q"}, "flag needs an argument: 'q' in -q"},
		{[]string{"query", "--no-skip=maybe", absent}, `invalid argument "maybe" for "--no-skip" flag`},
		{[]string{"dump", "--workers=1.5", absent}, `invalid argument "1.5" for "-w, --workers" flag`},
		{[]string{"dump", absent, "--since"}, "flag needs an argument: --since"},
		{[]string{"rules", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"rules", "--format"}, "flag needs an argument: --format"},
	} {
		code, out, errOut := runCmd(c.args...)
		cmd := c.args[0]
		msg, hint, _ := strings.Cut(errOut, "\n")
		if code != exitUsage || out != "" || !strings.HasPrefix(msg, "evtxrdp "+cmd+": "+c.want) || hint != "Run 'evtxrdp "+cmd+" --help' for usage.\n" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d, no stdout, stderr %q and the line %q", c.args, code, out, errOut, exitUsage,
				"evtxrdp "+cmd+": "+c.want+"...", "Run 'evtxrdp "+cmd+" --help' for usage.")
		}
	}
}

// TestQueryEmptyChannel: --channel "" (an unset shell variable, say)
// selects no log. query opened every log given and ended with "no log of
// channel \"\" among the 1 log given", exit 1, as if the logs lacked a
// channel; it is a usage error, exit 2, before any log is read.
func TestQueryEmptyChannel(t *testing.T) {
	log := filepath.Join(t.TempDir(), "System.evtx")
	writeLog(t, log, fiftyRecordLog(t, evtxtest.Options{}))
	for _, c := range []string{"", " "} {
		code, out, errOut := runCmd("query", "--channel", c, log)
		if want := `evtxrdp query: --channel "` + c + `": empty: give a channel name, such as System`; code != exitUsage || out != "" || !strings.HasPrefix(errOut, want) {
			t.Errorf("--channel %q: exit %d, stdout %q, stderr %q; want exit %d and %q", c, code, out, errOut, exitUsage, want)
		}
	}
	if code, out, _ := runCmd("query", "--channel", "System", "-f", "xml", log); code != exitOK || strings.Count(out, "<Event ") != 50 {
		t.Errorf("--channel System: exit %d, %d events; want 0 and 50", code, strings.Count(out, "<Event "))
	}
}
