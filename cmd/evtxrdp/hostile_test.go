package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// hostile is event data and file names from a compromised machine: terminal
// escape sequences (colour, clear screen, window title), CR/LF followed by
// a forged verdict row and a Markdown heading, backquotes and a code fence,
// a C1 CSI and a right-to-left override.
const hostile = "\x1b[31mRED\x1b[0m\x1b]0;title\x07\r\n| DETECTED | 9 | forged |\n# Heading\n```\n`tick` \u009b2J \u202eexe.txt"

// hostileName is a directory name with the same kind of content (no "/").
const hostileName = "logs \x1b[2J|`# x\r\n| DETECTED |\u202e"

// writeHostile writes a System log whose Schannel 36871 (detected by
// rdp-tls-disabled) carries hostile data, with a hostile computer name and
// an event of a hostile provider, into a directory with a hostile name and
// into a zip whose member path is hostile; it returns both paths.
func writeHostile(t *testing.T) (dir, zipPath string) {
	t.Helper()
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	events := evtxtest.Noise(t0.Add(-48*time.Hour), 2*time.Hour, 24)
	// The caller's image path holds the hostile text in a folder name and
	// ends in svchost.exe, the RDP listener's host: the event is RDP's.
	ev := evtxtest.WithCaller(evtxtest.Schannel36871(t0.Add(-time.Hour), 10013), evtxtest.TermServicePID, `C:\`+hostile+`\svchost.exe`)
	ev.System.Computer = "VM" + hostile
	other := evtxtest.Schannel36871(t0.Add(-30*time.Minute), 10013)
	other.System.Provider.Name = "Evil" + hostile
	events = append(events, ev, other)
	root := t.TempDir()
	dir = filepath.Join(root, hostileName)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), events, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	zipPath = filepath.Join(root, "logs.zip")
	variantZip(t, zipPath, map[string][]byte{hostileName + "/System.evtx": data})
	return dir, zipPath
}

// unsafe matches what must never reach a terminal or a ticket raw: C0
// controls other than line feed (and tab), DEL, C1 controls, the line and
// paragraph separators, bidirectional overrides and isolates.
var unsafe = regexp.MustCompile("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

// forged matches a line the hostile data would start if a line break got
// through.
var forged = regexp.MustCompile(`(?m)^\s*(\| DETECTED|# Heading|` + "```\\s*$" + `|` + "`tick`" + `)`)

// Every command in every format on the hostile log, given as a directory
// and as a zip: nothing unsafe in stdout or stderr, no forged line, Markdown
// tables keep their shape; the JSON outputs keep the data exactly.
func TestHostileDataEscaped(t *testing.T) {
	dir, zipPath := writeHostile(t)
	var runs [][]string
	for _, in := range []string{dir, zipPath} {
		for _, f := range []string{"text", "markdown", "json", "jsonl"} {
			runs = append(runs, []string{"analyze", "--format", f, in})
		}
		for _, f := range []string{"text", "xml", "jsonl"} {
			runs = append(runs, []string{"query", "--format", f, in})
		}
		for _, f := range []string{"jsonl", "xml", "text", "none"} {
			runs = append(runs, []string{"dump", "--format", f, in})
		}
	}
	for _, args := range runs {
		code, out, errOut := runCmd(args...)
		name := strings.Join(args[:3], " ")
		if strings.HasSuffix(args[3], ".zip") {
			name += " (zip)"
		}
		if code != exitOK && code != exitDetected {
			t.Errorf("%s: exit %d: %s", name, code, errOut)
			continue
		}
		if args[0] == "analyze" && code != exitDetected {
			t.Errorf("%s: exit %d, want 3: the hostile event must be evidence", name, code)
		}
		for stream, s := range map[string]string{"stdout": out, "stderr": errOut} {
			if loc := unsafe.FindStringIndex(s); loc != nil {
				t.Errorf("%s: %s holds %q at %d: %q", name, stream, s[loc[0]:loc[1]], loc[0], s[max(0, loc[0]-40):min(len(s), loc[1]+40)])
			}
			if loc := forged.FindStringIndex(s); loc != nil && !isRuleFence(args, s, loc[0]) {
				t.Errorf("%s: %s has a forged line: %q", name, stream, s[loc[0]:min(len(s), loc[1]+40)])
			}
		}
		format := args[2]
		if format != "none" && !strings.Contains(out, "RED") {
			t.Errorf("%s: the hostile data is not in the output: the test proves nothing", name)
		}
		switch format {
		case "json":
			var v any
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Errorf("%s: %v", name, err)
			} else if !containsString(v, hostile) {
				t.Errorf("%s: the data does not round-trip exactly", name)
			}
		case "jsonl":
			found := false
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				var v any
				if err := json.Unmarshal([]byte(l), &v); err != nil {
					t.Errorf("%s: %v", name, err)
					break
				}
				found = found || containsString(v, hostile)
			}
			if !found {
				t.Errorf("%s: the data does not round-trip exactly", name)
			}
		case "markdown":
			checkMarkdownTables(t, name, out)
		}
	}
}

// isRuleFence tells a fence line of the report's own command blocks (a
// line of only backquotes after a command block, in Markdown) from a forged one.
func isRuleFence(args []string, s string, at int) bool {
	if args[0] != "analyze" || args[2] != "markdown" {
		return false
	}
	line := s[at:]
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	return strings.Trim(strings.TrimSpace(line), "`") == ""
}

// checkMarkdownTables checks that every table row has as many cells as its
// header (no row split or added by data).
func checkMarkdownTables(t *testing.T, name, md string) {
	t.Helper()
	cells := func(l string) int {
		n := 0
		for i := 0; i < len(l); i++ {
			if l[i] == '\\' {
				i++
				continue
			}
			if l[i] == '|' {
				n++
			}
		}
		return n
	}
	want := -1
	rows := 0
	for _, l := range strings.Split(md, "\n") {
		if !strings.HasPrefix(l, "|") {
			want = -1
			continue
		}
		if want < 0 {
			want = cells(l)
			continue
		}
		rows++
		if got := cells(l); got != want {
			t.Errorf("%s: table row with %d cell separators, header has %d: %q", name, got, want, l)
		}
	}
	if rows == 0 {
		t.Errorf("%s: no table rows", name)
	}
}

func containsString(v any, s string) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, s)
	case []any:
		for _, e := range x {
			if containsString(e, s) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.Contains(k, s) || containsString(e, s) {
				return true
			}
		}
	}
	return false
}

// dump and query --help say how -f xml writes control characters, as it
// does: line breaks, C1 controls and bidirectional overrides as character
// references, other control characters as Unicode control pictures (ESC as
// U+241B). The help said "as character references" for all of them.
func TestXMLControlCharactersAsHelpSays(t *testing.T) {
	dir, _ := writeHostile(t)
	for _, cmd := range []string{"dump", "query"} {
		code, out, errOut := runCmd(cmd, "--format", "xml", dir)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", cmd, code, errOut)
		}
		for _, want := range []string{"\u241b[31mRED", "&#10;", "&#x202e;"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s -f xml lacks %q", cmd, want)
			}
		}
		_, help, _ := runCmd(cmd, "--help")
		help = strings.Join(strings.Fields(help), " ")
		for _, want := range []string{"control pictures", "character references"} {
			if !strings.Contains(help, want) {
				t.Errorf("%s --help does not say %q", cmd, want)
			}
		}
	}
}
