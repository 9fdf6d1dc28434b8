package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestFormatNamesEveryCommand: every command takes its format names in
// any case and the same aliases (txt, md, ndjson; json for jsonl where
// the command has no JSON document of its own), with the output of the
// canonical name; a name it does not have is a usage error saying which
// it has. query refused -f XML and -f TEXT, dump -f TEXT and rules
// -f JSON, while analyze took -f JSON and -f MD.
func TestFormatNamesEveryCommand(t *testing.T) {
	sys := filepath.Join(scenarios, "tls-36871-10013", "System.evtx")
	cases := []struct {
		cmd           []string
		canon, alias  string
		wantExitCanon int
	}{
		{[]string{"analyze", sys}, "json", "JSON", exitDetected},
		{[]string{"analyze", sys}, "markdown", "MD", exitDetected},
		{[]string{"analyze", sys}, "text", "Txt", exitDetected},
		{[]string{"query", sys, "-c", "2"}, "xml", "XML", exitOK},
		{[]string{"query", sys, "-c", "2"}, "text", "TEXT", exitOK},
		{[]string{"query", sys, "-c", "2"}, "jsonl", "json", exitOK},
		{[]string{"query", sys, "-c", "2"}, "jsonl", "NDJSON", exitOK},
		{[]string{"dump", sys}, "text", "TEXT", exitOK},
		{[]string{"dump", sys}, "jsonl", "JSONL", exitOK},
		{[]string{"dump", sys}, "jsonl", "json", exitOK},
		{[]string{"dump", sys}, "xml", "Xml", exitOK},
		{[]string{"rules"}, "json", "JSON", exitOK},
		{[]string{"rules"}, "text", "txt", exitOK},
	}
	for _, c := range cases {
		code, want, _ := runCmd(append(append([]string(nil), c.cmd...), "-f", c.canon)...)
		got, out, errOut := runCmd(append(append([]string(nil), c.cmd...), "-f", c.alias)...)
		out = strings.ReplaceAll(out, "--format="+c.alias, "--format="+c.canon) // analyze's options, as given
		if code != c.wantExitCanon || got != code || out != want || out == "" {
			t.Errorf("%s -f %s: exit %d (%d for -f %s), same output %v: %s", c.cmd[0], c.alias, got, code, c.canon, out == want, errOut)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"query", sys, "-f", "markdown"}, `unknown --format "markdown" (want text, xml or jsonl)`},
		{[]string{"dump", sys, "-f", "md"}, `unknown --format "md" (want jsonl, xml, text or none)`},
		{[]string{"rules", "-f", "xml"}, `unknown --format "xml" (want text or json)`},
		{[]string{"analyze", sys, "-f", "xml"}, `unknown --format "xml" (want text, markdown, json or jsonl)`},
	} {
		code, _, errOut := runCmd(c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "Run 'evtxrdp "+c.args[0]+" --help' for usage.") {
			t.Errorf("%q: exit %d, stderr %q", c.args, code, errOut)
		}
	}
}

// --scenario takes a rule id in any case, as --format and --channel take
// their names (rule ids are lower case: rules.Validate).
func TestScenarioIDAnyCase(t *testing.T) {
	set := filepath.Join(scenarios, "tls-36871-10013")
	code, want, _ := runCmd("analyze", "--scenario", "rdp-tls-disabled", set)
	got, out, errOut := runCmd("analyze", "--scenario", "RDP-TLS-Disabled,rdp-tls-disabled", set)
	out = strings.ReplaceAll(out, "--scenario=RDP-TLS-Disabled,rdp-tls-disabled", "--scenario=rdp-tls-disabled")
	if code != exitDetected || got != code || out != want {
		t.Errorf("--scenario RDP-TLS-Disabled: exit %d (%d), same report %v: %s", got, code, out == want, errOut)
	}
}
