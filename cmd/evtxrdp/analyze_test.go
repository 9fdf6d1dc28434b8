package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/rules"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const scenarios = "../../testdata/evtx/scenarios"

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// expectedCode reads a set's EXPECT file: 3 if a rule is detected or
// possible, else 0 (resolved, not detected and not checked).
func expectedCode(t *testing.T, set string) (code int, input string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(scenarios, set, "EXPECT"))
	if err != nil {
		t.Fatal(err)
	}
	code, input = exitOK, filepath.Join(scenarios, set)
	for _, line := range strings.Split(string(b), "\n") {
		if in, ok := strings.CutPrefix(line, "input: "); ok {
			input = filepath.Join(scenarios, set, in)
		}
		if f := strings.Fields(line); len(f) >= 2 && (f[1] == "detected" || f[1] == "possible") {
			code = exitDetected
		}
	}
	return code, input
}

// TestAnalyzeGolden runs `evtxrdp analyze` on every scenario set in the
// three formats and compares with testdata/analyze/<set>.{txt,md,json}. The
// exit code is the same for every format.
func TestAnalyzeGolden(t *testing.T) {
	entries, err := os.ReadDir(scenarios)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		set := e.Name()
		t.Run(set, func(t *testing.T) {
			want, input := expectedCode(t, set)
			for _, f := range []struct{ format, ext string }{{"text", "txt"}, {"markdown", "md"}, {"json", "json"}} {
				code, out, errOut := runCmd("analyze", "--format", f.format, input)
				if code != want {
					t.Errorf("%s: exit %d, want %d; stderr:\n%s", f.format, code, want, errOut)
				}
				if errOut != "" {
					t.Errorf("%s: stderr %q", f.format, errOut)
				}
				golden(t, filepath.Join("analyze", set+"."+f.ext), []byte(out))
				if f.format == "json" {
					var v map[string]any
					if err := json.Unmarshal([]byte(out), &v); err != nil {
						t.Errorf("json output: %v", err)
					} else if v["schema_version"] != "2" {
						t.Errorf("schema_version %v", v["schema_version"])
					}
				}
			}
		})
	}
}

func TestAnalyzeFlags(t *testing.T) {
	set := filepath.Join(scenarios, "outside-window")
	cases := []struct {
		name string
		args []string
		code int
		out  []string // substrings of stdout
		err  []string // substrings of stderr
	}{
		{"help", []string{"analyze", "--help"}, exitOK, []string{"usage: evtxrdp analyze", "exit codes", "3  at least one scenario detected"}, nil},
		{"no path", []string{"analyze"}, exitUsage, nil, []string{"no PATH given"}},
		{"bad format", []string{"analyze", "--format", "yaml", set}, exitUsage, nil, []string{`unknown --format "yaml"`}},
		{"bad at", []string{"analyze", "--at", "yesterday", set}, exitUsage, nil, []string{`--at "yesterday"`}},
		{"zero at", []string{"analyze", "--at", "0001-01-01T00:00:00Z", set}, exitUsage, nil, []string{"the zero time"}},
		{"FILETIME zero at", []string{"analyze", "--at", "1601-01-01", set}, exitUsage, nil, []string{"the zero time"}},
		{"0 at", []string{"analyze", "--at", "0", set}, exitUsage, nil, []string{"the zero time"}},
		// A time before 1980 is taken for a cleared or damaged value
		// (evtx.MinUsableTime):
		// --at 1601-01-02 made windows that only records of cleared or
		// damaged times fall in, printed as when events happened.
		{"pre-1980 at", []string{"analyze", "--at", "1601-01-02", set}, exitUsage, nil, []string{"1601-01-02T00:00:00.0000000Z is before 1980 (a record of such a time is taken for a cleared or damaged value"}},
		{"1979 at", []string{"analyze", "--at", "1979-12-31T23:59:59.9999999Z", set}, exitUsage, nil, []string{"is before 1980"}},
		{"query pre-1980 at", []string{"query", "--at", "1970-01-01T00:00:00Z", "-q", "*", set}, exitUsage, nil, []string{"is before 1980"}},
		{"bad window", []string{"analyze", "--window", "-1h", set}, exitUsage, nil, []string{`--window "-1h"`}},
		// Windows and look-backs are whole seconds (window_seconds,
		// look_back_seconds): 1ns was a window of "0 hours".
		{"sub-second window", []string{"analyze", "--window", "1ns", set}, exitUsage, nil, []string{`--window "1ns"`, "whole seconds"}},
		{"fractional window", []string{"analyze", "--window", "1500ms", set}, exitUsage, nil, []string{`--window "1500ms"`, "whole seconds"}},
		{"fractional look-back", []string{"analyze", "--look-back", "90.5s", set}, exitUsage, nil, []string{`--look-back "90.5s"`, "whole seconds"}},
		// At most 36500 days in all, however written: "36500d24h" was
		// taken (36501 days), and a window and look-back of 36500 days
		// plus 100 years each overflowed time.Duration.
		{"look-back past the bound", []string{"analyze", "--look-back", "36500d24h", set}, exitUsage, nil, []string{`--look-back "36500d24h"`, "at most 36500 days"}},
		{"window past the bound", []string{"analyze", "--window", "36499d48h", set}, exitUsage, nil, []string{`--window "36499d48h"`, "at most 36500 days"}},
		{"look-back at the bound", []string{"analyze", "--look-back", "36499d24h", set}, exitOK, []string{"options: --look-back=36499d24h"}, nil},
		{"bad flag", []string{"analyze", "--bogus", set}, exitUsage, nil, []string{"unknown flag: --bogus"}},
		{"unknown scenario", []string{"analyze", "--scenario", "nope", set}, exitUsage, nil, []string{`unknown scenario "nope"`, "rdp-tls-disabled"}},
		{"missing path", []string{"analyze", "/nonexistent/logs"}, exitFailure, nil, []string{"/nonexistent/logs", "no readable log"}},
		{"not evtx", []string{"analyze", "analyze_test.go"}, exitFailure, []string{"NOT CHECKED"}, []string{"no readable log"}},
		{"at moves the window", []string{"analyze", "--at", "2024-04-27T13:00:00Z", "--scenario", "rdp-cert-private-key", set}, exitDetected,
			[]string{"Reference time: 2024-04-27T13:00:00.0000000Z (given with --at)", "DETECTED  1  rdp-cert-private-key"}, nil},
		// RFC 3339 section 5.6: "T" and "Z" may be lower case (as a
		// query's @SystemTime literal may be).
		{"lower-case t and z", []string{"analyze", "--at", "2024-04-27t15:00:00.5+02:00", "--scenario", "rdp-cert-private-key", set}, exitDetected,
			[]string{"Reference time: 2024-04-27T13:00:00.5000000Z (given with --at)"}, nil},
		{"lower-case z", []string{"analyze", "--at", "2024-04-27t13:00:00z", "--scenario", "rdp-cert-private-key", set}, exitDetected,
			[]string{"Reference time: 2024-04-27T13:00:00.0000000Z (given with --at)"}, nil},
		{"window 5d", []string{"analyze", "--window", "5d", "--scenario", "rdp-tls-disabled,rdp-cert-private-key", set}, exitDetected,
			[]string{"DETECTED  1  rdp-cert-private-key  1         5 days", "DETECTED  2  rdp-tls-disabled"}, nil},
		{"no look-back", []string{"analyze", "--look-back", "0", set}, exitOK, []string{"not detected"}, nil},
		{"look-back 7d", []string{"analyze", "--look-back", "7d", set}, exitOK,
			[]string{"rcm-1058: last seen 3 days before the window", "schannel-36871: last seen 10 hours before the window",
				"broker-2056: last seen 3 days before the window", "matches up to 7 days outside them"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCmd(c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, out, errOut)
			}
			for _, s := range c.out {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range c.err {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut)
				}
			}
			if c.name == "no look-back" && strings.Contains(out, "Outside the window") {
				t.Error("matches outside the window reported with --look-back 0")
			}
		})
	}
}

func TestAnalyzeUserRules(t *testing.T) {
	dir := t.TempDir()
	rule := `id: rdp-scm-noise
title: service control manager noise
severity: info
cause: A service changed state.
queries:
  - id: scm-7036
    channel: System
    xpath: "*[System[Provider[@Name='Service Control Manager'] and EventID=7036]]"
resolution:
  - id: nothing
    title: Nothing to do
    text: This rule exists to test --rules.
    source: evtxrdp tests
`
	if err := os.WriteFile(filepath.Join(dir, "noise.yaml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("analyze", "--rules", dir, "--scenario", "rdp-scm-noise", filepath.Join(scenarios, "healthy"))
	if code != exitDetected || !strings.Contains(out, "DETECTED  -  rdp-scm-noise") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCmd("rules", "--rules", dir)
	if code != exitOK || !strings.Contains(out, "rdp-scm-noise") || !strings.Contains(out, "rdp-broker-renamed") {
		t.Errorf("rules --rules: exit %d\n%s", code, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("id: Bad Id\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCmd("analyze", "--rules", dir, filepath.Join(scenarios, "healthy"))
	if code != exitFailure || !strings.Contains(errOut, "bad.yaml") {
		t.Errorf("invalid rule file: exit %d, stderr %s", code, errOut)
	}
}

// A user rule is held to the fix-step checks of the built-ins: a reg add
// without /f (it would prompt in the pasted script) is refused, by
// analyze and rules alike, naming the file, the rule, the step and the
// line.
func TestUserRuleStepChecked(t *testing.T) {
	dir := t.TempDir()
	rule := `id: my-fix
title: my fix
severity: error
cause: c
queries:
  - {id: q, channel: System, xpath: "*[System[EventID=7036]]"}
resolution:
  - id: set-a
    title: Set A
    source: our runbook
    shell: cmd
    commands: |
      reg query "HKLM\SOFTWARE\X" /v A
      reg add "HKLM\SOFTWARE\X" /v A /t REG_DWORD /d 1
`
	file := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(file, []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"rules", "--rules", dir}, {"analyze", "--rules", dir, filepath.Join(scenarios, "healthy")}} {
		code, out, errOut := runCmd(args...)
		if code != exitFailure || out != "" || !strings.Contains(errOut, file+":14: my-fix: resolution[set-a].commands: reg add/delete without /f") {
			t.Errorf("%s: exit %d, stdout %d bytes, stderr %s", args[0], code, len(out), errOut)
		}
	}
}

func TestRulesGolden(t *testing.T) {
	for _, f := range []string{"text", "json"} {
		code, out, errOut := runCmd("rules", "--format", f)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		golden(t, "rules."+map[string]string{"text": "txt", "json": "json"}[f], []byte(out))
	}
	if code, _, _ := runCmd("rules", "extra"); code != exitUsage {
		t.Errorf("rules extra: exit %d, want %d", code, exitUsage)
	}
}

// realDetections are the real samples that show a scenario, and the rule
// (rules/engine_test.go says why a support engineer would agree).
var realDetections = map[string]string{
	"omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx": "rdp-brute-force",
	"williballenthin__python-evtx__tests__data__system.evtx":                                                   "rdp-os-unstable",
}

// realDetected reports whether the sample (or the directory of samples) p
// shows rule (any rule when rule is "").
func realDetected(p, rule string) bool {
	if filepath.Base(p) == "evtx" { // the directory holds them all
		for _, r := range realDetections {
			if rule == "" || r == rule {
				return true
			}
		}
		return false
	}
	r, ok := realDetections[filepath.Base(p)]
	return ok && (rule == "" || r == rule)
}

// TestAnalyzeRealSamples runs analyze over the directory of real sample logs
// and over each sample alone: no error, nothing detected but realDetections
// (the others do not hold these failures), the same exit code in every
// format.
func TestAnalyzeRealSamples(t *testing.T) {
	samples, err := filepath.Glob("../../testdata/evtx/*.evtx")
	if err != nil || len(samples) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, p := range append([]string{"../../testdata/evtx"}, samples...) {
		for _, f := range []string{"text", "markdown", "json"} {
			code, out, errOut := runCmd("analyze", "--format", f, p)
			// A sample of a channel no rule reads gives "no readable log".
			if code == exitFailure && strings.Contains(errOut, "no readable log") {
				continue
			}
			want := exitOK
			if realDetected(p, "") {
				want = exitDetected
			}
			if p == "../../testdata/evtx" {
				// Its subfolders of logs (cases, scenarios) are named,
				// not read: the folder's own logs are one place's.
				var rest []string
				for _, l := range strings.SplitAfter(errOut, "\n") {
					if !strings.Contains(l, ": a folder below the logs folder ../../testdata/evtx, not read with it") {
						rest = append(rest, l)
					}
				}
				if !strings.Contains(errOut, "../../testdata/evtx/cases: a folder below") || !strings.Contains(errOut, "../../testdata/evtx/scenarios: a folder below") {
					t.Errorf("%s (%s): the subfolders of logs not named: stderr %q", p, f, errOut)
				}
				errOut = strings.Join(rest, "")
			}
			if code != want || errOut != "" {
				t.Errorf("%s (%s): exit %d, stderr %q", p, f, code, errOut)
			}
			for _, m := range regexp.MustCompile(`(?m)^DETECTED +\S+ +(\S+)`).FindAllStringSubmatch(out, -1) {
				if f == "text" && !realDetected(p, m[1]) {
					t.Errorf("%s: %s detected in a sample", p, m[1])
				}
			}
		}
	}
}

// TestAnalyzeUserRuleLanguage: a user rule with where on the <Binary> key
// name and a subject loads through --rules and matches only that service.
func TestAnalyzeUserRuleLanguage(t *testing.T) {
	dir := t.TempDir()
	rule := `id: my-termservice-stopped
title: remote desktop services stopped
severity: info
cause: TermService stopped.
queries:
  - id: stopped
    channel: System
    xpath: "*[System[Provider[@Name='Service Control Manager'] and EventID=7036]]"
    where: [{binary_text: true, text: [TermService/1]}]
    subject: {binary_text: true, before: "/"}
  - id: running
    channel: System
    role: recovery
    resolves: [stopped]
    xpath: "*[System[Provider[@Name='Service Control Manager'] and EventID=7036]]"
    where: [{binary_text: true, before: "/", text: [TermService]}, {binary_text: true, text: [TermService/4]}]
    subject: {binary_text: true, before: "/"}
resolution:
  - id: nothing
    title: Nothing to do
    text: This rule exists to test --rules.
    source: evtxrdp tests
`
	if err := os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	// The healthy set's noise stops and starts TermService every few
	// hours; the last TermService event in the window is a stop.
	code, out, errOut := runCmd("analyze", "--rules", dir, "--scenario", "my-termservice-stopped", "-f", "json", filepath.Join(scenarios, "healthy"))
	if code != exitDetected || !strings.Contains(out, `"TermService/1"`) || strings.Contains(out, `"wuauserv/1"`) {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// The help names the logs analyze opens: every channel a built-in rule
// reads. It said "System, and the RD Connection Broker Operational logs"
// while the rules also read Security, the Remote Desktop and the Windows
// Firewall logs.
func TestAnalyzeHelpNamesTheLogsRead(t *testing.T) {
	var out, e bytes.Buffer
	if code := run([]string{"analyze", "--help"}, &out, &e); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	help := strings.Join(strings.Fields(out.String()), " ")
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.NewEngine(rs, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range eng.Channels() {
		var name string
		switch {
		case ch == "System", ch == "Security":
			name = ch
		case strings.Contains(ch, "SessionBroker"):
			name = "RD Connection Broker"
		case strings.Contains(ch, "TerminalServices"), strings.Contains(ch, "RemoteDesktopServices"):
			name = "Remote Desktop"
		case strings.Contains(ch, "Firewall"):
			name = "Windows Firewall"
		default:
			t.Errorf("%s: read by a rule, not named in analyze --help", ch)
			continue
		}
		if !strings.Contains(help, name) {
			t.Errorf("%s: analyze --help does not name %q", ch, name)
		}
	}
}

// TestAnalyzeSaysWhatWasNotRead: a path given that cannot be read is named
// in the report itself, in every format, for one machine and for several
// (a saved report would otherwise not say that an input was missing;
// stderr alone said it).
func TestAnalyzeSaysWhatWasNotRead(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "vm3-logs")
	one := []string{filepath.Join(scenarios, "healthy"), missing}
	// Two real System logs of two machines.
	two := []string{"../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx",
		"../../testdata/evtx/michkoll__fakenevtx__tests__data__System.evtx", missing}
	for _, paths := range [][]string{one, two} {
		for _, f := range []string{"text", "md", "json", "jsonl"} {
			code, out, errs := runCmd(append([]string{"analyze", "-f", f}, paths...)...)
			if code == exitFailure || code == exitUsage {
				t.Fatalf("%d paths, %s: exit %d: %s", len(paths), f, code, errs)
			}
			if !strings.Contains(errs, missing) {
				t.Errorf("%d paths, %s: stderr does not name %s: %s", len(paths), f, missing, errs)
			}
			want := 1
			if f == "jsonl" {
				want = strings.Count(out, "\n") // every machine's line
			}
			if n := strings.Count(out, missing); n != want {
				t.Errorf("%d paths, %s: the report names %s %d times, want %d", len(paths), f, missing, n, want)
			}
		}
	}
}

// TestCutLogIsNoReadableLog: a System log cut inside its file header (100
// bytes) or right after it (4096 bytes: the header counts a chunk the file
// does not hold) gives not one record. dump exited 1 ("no readable
// record"), but analyze and query exited 0, the code of a run that read
// the logs and found nothing: a script took a copy that stopped for a
// healthy VM. The report is still written, every rule not checked with
// the damage named; a whole log with no record (cleared) stays exit 0.
func TestCutLogIsNoReadableLog(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(scenarios, "tls-36871-10013", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{100, 4096} {
		dir := t.TempDir()
		log := filepath.Join(dir, "System.evtx")
		if err := os.WriteFile(log, b[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"analyze", dir}, {"analyze", "--format", "json", dir}, {"query", log}, {"dump", log}} {
			code, out, errOut := runCmd(args...)
			if code != exitFailure || !strings.Contains(errOut, "offset 0x") {
				t.Errorf("%v of %d bytes: exit %d, stderr %q; want %d and the damage's offset", args, n, code, errOut, exitFailure)
			}
			if args[0] == "analyze" && !strings.Contains(errOut, "no readable log") {
				t.Errorf("%v of %d bytes: stderr %q lacks \"no readable log\"", args, n, errOut)
			}
			if args[0] == "analyze" && args[1] != "--format" && (!strings.Contains(out, "NOT CHECKED") || !strings.Contains(out, "no record could be read")) {
				t.Errorf("%v of %d bytes: the report lacks the rules not checked and why:\n%s", args, n, out)
			}
		}
	}
}

// TestAnalyzeNamesLogsElsewhereOnVolume: analyze of a disk's root read its
// winevt/Logs and said nothing of a System log exported to a user's
// Desktop. The report's not-read list (every format) and stderr now name
// it with its size and the command that reads it with the volume's logs;
// given that way, it is read and not named.
func TestAnalyzeNamesLogsElsewhereOnVolume(t *testing.T) {
	root := t.TempDir()
	tls := filepath.Join(scenarios, "tls-36871-10013", "System.evtx")
	logs := filepath.Join(root, "Windows", "System32", "winevt", "Logs")
	desktop := filepath.Join(root, "Users", "admin", "Desktop")
	for _, d := range []string{logs, desktop} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, tls, filepath.Join(logs, "System.evtx"))
	export := filepath.Join(desktop, "System export.evtx")
	copyFile(t, filepath.Join(scenarios, "healthy", "System.evtx"), export)
	fi, err := os.Stat(export)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%s (%d bytes): a log on the volume %s outside its Windows/System32/winevt/Logs, not read with the volume's logs (to read it with them: evtxrdp analyze %s '%s')",
		export, fi.Size(), root, root, export)
	for _, f := range []string{"json", "md", "text"} {
		code, out, errs := runCmd("analyze", "-f", f, root)
		if code == exitFailure || code == exitUsage {
			t.Fatalf("%s: exit %d: %s", f, code, errs)
		}
		if !strings.Contains(errs, want) {
			t.Errorf("%s: stderr lacks %q:\n%s", f, want, errs)
		}
		if f == "json" && !strings.Contains(out, want) {
			t.Errorf("json: the report's not_read lacks %q", want)
		}
		if f != "json" && !strings.Contains(strings.Join(strings.Fields(out), " "), export) { // the text report wraps it
			t.Errorf("%s: the report does not name %s", f, export)
		}
	}
	code, _, errs := runCmd("analyze", "-f", "json", root, export)
	if code == exitFailure || code == exitUsage || strings.Contains(errs, export) {
		t.Errorf("given with the volume: exit %d, stderr names it:\n%s", code, errs)
	}
}

// TestMisspelledChannelWarned: a user rule whose query reads a channel
// Windows is not known to have ("Sytem") loads and runs, but rules and
// analyze warn naming the file, its line and the nearest known channel,
// and the report's not-checked detail says the channel is not one
// Windows is known to have.
func TestMisspelledChannelWarned(t *testing.T) {
	dir := t.TempDir()
	rule := `id: my-typo
title: a rule with a misspelled channel
severity: error
cause: A service changed state.
queries:
  - id: scm-7036
    channel: Sytem
    xpath: "*[System[Provider[@Name='Service Control Manager'] and EventID=7036]]"
resolution:
  - id: nothing
    title: Nothing to do
    text: This rule exists to test channel warnings.
    source: evtxrdp tests
`
	file := filepath.Join(dir, "typo.yaml")
	if err := os.WriteFile(file, []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	warn := file + `:7: my-typo: queries[scm-7036].channel: "Sytem" is not a channel evtxrdp knows Windows to have (did you mean "System"?)`
	code, out, errOut := runCmd("rules", "--rules", dir)
	if code != exitOK || !strings.Contains(out, "my-typo") || !strings.Contains(errOut, "evtxrdp rules: warning: rules: "+warn) {
		t.Errorf("rules --rules: exit %d\n%s\nstderr: %s", code, out, errOut)
	}
	code, out, errOut = runCmd("analyze", "--format", "json", "--rules", dir, "--scenario", "my-typo", filepath.Join(scenarios, "healthy"))
	if code == exitFailure || code == exitUsage {
		t.Errorf("analyze: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "evtxrdp analyze: warning: rules: "+warn) {
		t.Errorf("analyze: no warning naming the file and line:\n%s", errOut)
	}
	if !strings.Contains(out, `\"Sytem\" is not a channel evtxrdp knows Windows to have (did you mean \"System\"?)`) {
		t.Errorf("the report's not-checked detail does not say the channel is unknown:\n%s", out)
	}
	// A rule reading only known channels warns of nothing.
	if err := os.WriteFile(file, []byte(strings.Replace(rule, "Sytem", "system", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, errOut = runCmd("rules", "--rules", dir); strings.Contains(errOut, "warning") {
		t.Errorf("a known channel (in another case) warned: %s", errOut)
	}
}
