package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRuleErrorsNameTheLine: a rule file's mistakes that only Validate
// finds (a severity, an XPath the engine rejects, a step without
// commands, an unsafe step, a duplicate id, an unknown role) name the
// file's line where the key or list entry begins, as the YAML decoder's
// do ("mine.yaml:12: my-rule: queries[q].xpath: ..."), and a command a
// step check refuses, of commands written as a literal block, the line of
// that command; a rule built in Go names none.
func TestRuleErrorsNameTheLine(t *testing.T) {
	const file = `id: my-rule
title: t
severity: critical
cause: c
queries:
  - id: q
    channel: System
    xpath: "Event[System[EventID=1036]]//Data"
  - id: r
    channel: System
    role: evidnce
    xpath: "Event[System[EventID=1036]]"
  - id: r
    channel: System
    xpath: "Event[System[EventID=1037]]"
resolution:
  - id: empty
    title: nothing to do
    source: s
  - id: unsafe
    title: set the port
    shell: cmd
    source: s
    commands: |
      reg add "HKLM\SOFTWARE\X" /v A /d 1 /f
`
	r, err := Parse("mine.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	err = Validate([]*Rule{r})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		`mine.yaml:3: my-rule: severity: "critical"`,
		`mine.yaml:8: my-rule: queries[q].xpath: xpath: offset 27:`,
		`mine.yaml:11: my-rule: queries[r].role: "evidnce"`,
		`mine.yaml:13: my-rule: queries[2]: duplicate query id "r"`,
		`mine.yaml:17: my-rule: resolution[empty]: neither text nor commands`,
		// The line of the command itself (line 1 of "commands: |").
		`mine.yaml:25: my-rule: resolution[unsafe].commands: registry write before a reg export`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
	var re *RuleError
	if !errors.As(err, &re) || re.Line == 0 {
		t.Errorf("errors.As(*RuleError) = %+v, want a Line", re)
	}

	// The same mistake in a rule built in Go: no line to name.
	g := &Rule{ID: "my-rule", Title: "t", Severity: "critical", Cause: "c", Window: DefaultWindow, Needs: "all",
		Queries:    []*Query{{ID: "q", Channel: "System", Role: RoleEvidence, XPath: "Event[System[EventID=1036]]"}},
		Resolution: []*Step{{ID: "s", Title: "t", Text: "x", Source: "s"}}}
	err = Validate([]*Rule{g})
	if err == nil || !strings.Contains(err.Error(), `rules: my-rule: severity: "critical"`) {
		t.Errorf("a rule built in Go: %v", err)
	}
}

// TestLoadDirExtensionAnyCase: a rule file named on Windows (Port.YAML,
// X.Yml) is loaded, not passed over unsaid; other extensions are not.
func TestLoadDirExtensionAnyCase(t *testing.T) {
	data, err := builtinFS.ReadFile("scenarios/rdp-tls-disabled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, id := range map[string]string{"TLS.YAML": "my-tls-a", "tls b.Yml": "my-tls-b", "tls c.yaml.txt": "my-tls-c"} {
		text := strings.Replace(string(data), "id: rdp-tls-disabled", "id: "+id, 1)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	if got := strings.Join(ids, " "); got != "my-tls-a my-tls-b" {
		t.Errorf("LoadDir loaded %q, want my-tls-a my-tls-b", got)
	}
}

// TestChannelWithSpaceRefused: a query's channel written with a space
// around it ("System ") named no log, so its rule was not checked on
// every machine, unsaid; it is refused naming the line.
func TestChannelWithSpaceRefused(t *testing.T) {
	const head = "id: my-rule\ntitle: t\nseverity: error\ncause: c\nresolution: [{id: s, title: t, text: x, source: s}]\nqueries:\n  - id: q\n"
	for _, c := range []struct{ channel, want string }{
		{`"System "`, `mine.yaml:8: my-rule: queries[q].channel: "System " has a space before or after the name`},
		{`" Security"`, `queries[q].channel: " Security" has a space`},
		{"System", ""},
		{"Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational", ""},
	} {
		r, err := Parse("mine.yaml", []byte(head+"    channel: "+c.channel+"\n    xpath: \"Event[System[EventID=1]]\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		err = Validate([]*Rule{r})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.channel, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.channel, err, c.want)
		}
	}
}
