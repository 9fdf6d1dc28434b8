package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/internal/shellword"
)

// A first argument that is no command says what to run instead: a PATH
// (as a newcomer types "evtxrdp /mnt/brokenvm") names the analyze command
// line, quoted for the shell where it must be; a flag before the command
// says that flags follow it. Both were "unknown command "..."" with the
// list of commands and no word of which to run.
func TestNotACommandSaysWhatToRun(t *testing.T) {
	dir := t.TempDir()
	spaced := filepath.Join(dir, "broken vm")
	if err := os.Mkdir(spaced, 0o755); err != nil {
		t.Fatal(err)
	}
	set := filepath.Join(scenarios, "tls-36871-10013")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{set}, `evtxrdp: "` + set + `" is not a command but a PATH: to diagnose the logs there, run: evtxrdp analyze ` + set + ` (commands: analyze, dump, query, rules)`},
		{[]string{spaced, "-f", "json"}, `run: evtxrdp analyze '` + spaced + `' (commands:`},
		{[]string{"-"}, `evtxrdp: "-" is not a command: to diagnose the log on standard input, run: evtxrdp analyze -`},
		{[]string{"--format", "json", "analyze", set}, "evtxrdp: flag --format comes before the command analyze: a command's flags follow it (evtxrdp analyze [flags] PATH...)"},
		{[]string{"-c", "5", "query", set}, "evtxrdp: flag -c comes before the command query: a command's flags follow it (evtxrdp query [flags] PATH...)"},
		{[]string{"--at", "2024-05-01", set}, "evtxrdp: --at is a flag, not a command: give the command first, then its flags (want one of: analyze, dump, query, rules)"},
		// Neither a flag nor a path: as before.
		{[]string{"frobnicate"}, `evtxrdp: unknown command "frobnicate" (want one of: analyze, dump, query, rules)`},
	} {
		code, out, errOut := runCmd(c.args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and one line holding %q", c.args, code, out, errOut, exitUsage, c.want)
		}
	}
	// The command line it prints runs: the shell reads the quoted path as
	// one argument.
	if got := shellword.Path("it's a vm"); got != `'it'\''s a vm'` {
		t.Errorf("shellword.Path = %s", got)
	}
}
