package rules

import (
	"strings"
	"testing"
)

// TestChannelWarnings: a rule file whose query names a misspelled channel
// loads (Validate passes: a custom channel is allowed) but ChannelWarnings
// names the file, the line of the channel and the nearest known channel;
// a custom channel spelled as Windows names channels gets a warning with
// no suggestion; a known channel in another case gets none, and the
// built-in rules none at all.
func TestChannelWarnings(t *testing.T) {
	const file = `id: my-rule
title: t
severity: error
cause: c
queries:
  - id: q
    channel: Sytem
    xpath: "*[System[EventID=1036]]"
  - id: r
    channel: Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operationl
    xpath: "*[System[EventID=1149]]"
  - id: s
    channel: Contoso-Agent/Operational
    xpath: "*[System[EventID=1]]"
  - id: u
    channel: security
    xpath: "*[System[EventID=4625]]"
  - id: v
    channel: Contoso-Agent/Operatonal
    xpath: "*[System[EventID=2]]"
resolution:
  - id: fix
    title: nothing
    text: nothing to do
    source: s
`
	r, err := Parse("mine.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate([]*Rule{r}); err != nil {
		t.Fatalf("a custom or misspelled channel is refused: %v", err)
	}
	ws := ChannelWarnings([]*Rule{r})
	var got []string
	for _, w := range ws {
		got = append(got, w.Error())
	}
	want := []string{
		`rules: mine.yaml:7: my-rule: queries[q].channel: "Sytem" is not a channel evtxrdp knows Windows to have (did you mean "System"?)`,
		`rules: mine.yaml:10: my-rule: queries[r].channel: "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operationl" is not a channel evtxrdp knows Windows to have (did you mean "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational"?)`,
		`rules: mine.yaml:13: my-rule: queries[s].channel: "Contoso-Agent/Operational" is not a channel evtxrdp knows Windows to have;`,
		`rules: mine.yaml:19: my-rule: queries[v].channel: "Contoso-Agent/Operatonal" is not a channel evtxrdp knows Windows to have (did you mean "Contoso-Agent/Operational"?)`,
	}
	if len(got) != len(want) {
		t.Fatalf("%d warnings, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d:\n got %s\nwant %s...", i, got[i], want[i])
		}
		if ws[i].File != "mine.yaml" || ws[i].Line == 0 {
			t.Errorf("warning %d: file %q line %d", i, ws[i].File, ws[i].Line)
		}
	}
	bs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if ws := ChannelWarnings(bs); len(ws) > 0 {
		t.Errorf("built-in rules warned: %v", ws[0])
	}
	// Every channel a built-in reads is known, in any case.
	for _, b := range bs {
		for _, c := range b.Channels() {
			if !KnownChannel(c) || !KnownChannel(strings.ToUpper(c)) {
				t.Errorf("built-in channel %q not known", c)
			}
		}
	}
	for _, c := range []string{"Application", "Windows PowerShell", "Key Management Service"} {
		if !KnownChannel(c) {
			t.Errorf("classic channel %q not known", c)
		}
	}
	if n, ok := NearestChannel("Applicaton"); !ok || n != "Application" {
		t.Errorf("NearestChannel(Applicaton) = %q, %v", n, ok)
	}
	if n, ok := NearestChannel("Contoso"); ok {
		t.Errorf("NearestChannel(Contoso) = %q: a name far from every known one has no suggestion", n)
	}
}

// TestChannelOfAnotherTypeNotMisspelled: a channel of a known provider
// with another channel type spelled right (LocalSessionManager/Analytic,
// RdpCoreTS/Admin) is warned of as unknown, but not called a misspelling
// of the provider's Operational channel, which it is not; a type
// misspelled or a provider misspelled still gets its suggestion.
func TestChannelOfAnotherTypeNotMisspelled(t *testing.T) {
	for _, ch := range []string{
		"Microsoft-Windows-TerminalServices-LocalSessionManager/Analytic",
		"Microsoft-Windows-TerminalServices-LocalSessionManager/Admin",
		"Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Admin",
		"microsoft-windows-terminalservices-localsessionmanager/debug",
	} {
		if KnownChannel(ch) {
			t.Fatalf("%q known: the test needs a channel evtxrdp does not know", ch)
		}
		if n, ok := NearestChannel(ch); ok {
			t.Errorf("NearestChannel(%q) = %q: a channel type spelled right is not a misspelling of another type", ch, n)
		}
	}
	for ch, want := range map[string]string{
		"Microsoft-Windows-TerminalServices-LocalSessionManager/Operationl":  "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
		"Microsoft-Windows-TerminalServices-LocalSesionManager/Operational":  "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
		"Microsoft-Windows-TerminalServices-LocalSessionManager-Operational": "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
	} {
		if n, ok := NearestChannel(ch); !ok || n != want {
			t.Errorf("NearestChannel(%q) = %q, %v; want %q", ch, n, ok, want)
		}
	}
}

// TestPercent4ChannelNamed: a query channel copied from a log's file name
// (".../LocalSessionManager%4Operational") is refused, and the refusal
// names the channel with its / so the author can correct it; a '%' that
// is not a file name's %4 gets no such suggestion.
func TestPercent4ChannelNamed(t *testing.T) {
	for ch, want := range map[string]string{
		"Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational": `the channel is "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"`,
		"Contoso%Agent": "",
	} {
		file := "id: my-rule\ntitle: t\nseverity: error\ncause: c\nqueries:\n  - id: q\n    channel: " + ch +
			"\n    xpath: \"*[System[EventID=1]]\"\nresolution:\n  - id: fix\n    title: nothing\n    text: nothing to do\n    source: s\n"
		r, err := Parse("mine.yaml", []byte(file))
		if err != nil {
			t.Fatal(err)
		}
		err = Validate([]*Rule{r})
		if err == nil {
			t.Fatalf("%q accepted", ch)
		}
		if want != "" && !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v\nwant it to say %s", ch, err, want)
		}
		if want == "" && strings.Contains(err.Error(), "the channel is") {
			t.Errorf("%q: %v: suggests a channel for a '%%' that is not %%4", ch, err)
		}
	}
}

// TestChannelWarningCase: the warning says what the query reads: a log
// of that name in any case (a query of "system" reads System), not "of
// that exact name", which a rule's author would read as case-sensitive.
func TestChannelWarningCase(t *testing.T) {
	ws := ChannelWarnings([]*Rule{{ID: "my-rule", File: "mine.yaml", Queries: []*Query{{ID: "q", Channel: "Sytem"}}}})
	if len(ws) != 1 {
		t.Fatalf("%d warnings", len(ws))
	}
	if s := ws[0].Error(); strings.Contains(s, "exact name") || !strings.Contains(s, "in any case") {
		t.Errorf("warning %q", s)
	}
	if KnownChannel("sYsTeM") != true {
		t.Errorf("a known channel in another case is not known")
	}
}
