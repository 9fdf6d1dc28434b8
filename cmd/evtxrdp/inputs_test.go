package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run the command in a child process (the test binary
// with EVTXRDP_RUN_MAIN=1 runs main), for signals and exit paths.
func TestMain(m *testing.M) {
	if os.Getenv("EVTXRDP_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

const systemSample = "../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"

// withStdin runs f with os.Stdin reading the file at path.
func withStdin(t *testing.T, path string, f func()) {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	old := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = old }()
	f()
}

// "-" is standard input for analyze, query and dump: the same output as
// the file, named "-"; nothing is left in the temporary directory.
func TestStdinPath(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	set := filepath.Join(scenarios, "tls-36871-10013", "System.evtx")
	for _, args := range [][]string{
		{"analyze", "--format", "json"},
		{"query", "-f", "xml", "-q", "*[System[EventID=36871]]"},
		{"dump"},
	} {
		_, want, _ := runCmd(append(args, set)...)
		var code int
		var got, errOut string
		withStdin(t, set, func() { code, got, errOut = runCmd(append(args, "-")...) })
		if code == exitFailure || code == exitUsage {
			t.Fatalf("%s -: exit %d: %s", args[0], code, errOut)
		}
		// Without a file name, analyze takes the channel from the records.
		got = strings.Replace(got, "\"channel_from_events\": true,\n      ", "", 1)
		if got != strings.ReplaceAll(want, set, "-") {
			t.Errorf("%s -: output differs from the file's (with the name -):\n%s\nwant:\n%s", args[0], got, want)
		}
	}
	// A zip on standard input: its members are "-!member".
	zp := filepath.Join(t.TempDir(), "logs.zip")
	data, err := os.ReadFile(set)
	if err != nil {
		t.Fatal(err)
	}
	variantZip(t, zp, map[string][]byte{"Logs/System.evtx": data})
	var code int
	var out string
	withStdin(t, zp, func() { code, out, _ = runCmd("analyze", "-") })
	if code != exitDetected || !strings.Contains(out, "-!Logs/System.evtx") {
		t.Errorf("zip on stdin: exit %d, output:\n%s", code, out)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("left in the temporary directory: %v", entries)
	}
}

func TestNewcomerList(t *testing.T) {
	// help analyze prints analyze's help.
	_, help, _ := runCmd("help", "analyze")
	_, flagHelp, _ := runCmd("analyze", "--help")
	if help == "" || help != flagHelp {
		t.Errorf("help analyze:\n%s\nanalyze --help:\n%s", help, flagHelp)
	}
	if code, out, _ := runCmd("help", "help"); code != exitOK || !strings.Contains(out, "usage: evtxrdp") {
		t.Errorf("help help: exit %d, stdout %q: want the usage, exit 0", code, out)
	}
	if code, _, _ := runCmd("help", "nonsense"); code != exitUsage {
		t.Errorf("help nonsense: exit %d", code)
	}
	// --version.
	if code, out, _ := runCmd("--version"); code != exitOK || !strings.HasPrefix(out, "evtxrdp ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	// --rules errors name the directory.
	missing := filepath.Join(t.TempDir(), "no-such-rules")
	for _, cmd := range [][]string{{"analyze", "--rules", missing, systemSample}, {"rules", "--rules", missing}} {
		code, _, errOut := runCmd(cmd...)
		if code != exitFailure || !strings.Contains(errOut, "--rules "+missing+": no such file or directory") {
			t.Errorf("%v: exit %d, %q", cmd, code, errOut)
		}
	}
	code, _, errOut := runCmd("rules", "--rules", systemSample)
	if code != exitFailure || !strings.Contains(errOut, "--rules "+systemSample+": not a directory") {
		t.Errorf("--rules FILE: exit %d, %q", code, errOut)
	}
	// --since after --until is a usage error, absolute or relative.
	for _, args := range [][]string{
		{"--since", "2024-05-02", "--until", "2024-05-01"},
		{"--since", "1d", "--until", "2d"},
		{"--since", "2000-01-01", "--until", "30000d"}, // known once resolved
	} {
		code, _, errOut := runCmd(append(append([]string{"dump"}, args...), systemSample)...)
		if code != exitUsage || !strings.Contains(errOut, "is after --until") {
			t.Errorf("dump %v: exit %d, %q", args, code, errOut)
		}
	}
	// query --channel also matches the channel read from the records.
	renamed := filepath.Join(t.TempDir(), "copy.evtx")
	data, _ := os.ReadFile(systemSample)
	os.WriteFile(renamed, data, 0o644)
	_, byName, _ := runCmd("query", "-f", "xml", "-c", "3", systemSample)
	code, byRecords, errOut := runCmd("query", "--channel", "system", "-f", "xml", "-c", "3", renamed)
	if code != exitOK || byRecords == "" || byRecords != strings.ReplaceAll(byName, systemSample, renamed) {
		t.Errorf("query --channel system copy.evtx: exit %d, %q, stderr %q", code, byRecords, errOut)
	}
	if code, _, _ := runCmd("query", "--channel", "Application", renamed); code != exitFailure {
		t.Errorf("query --channel Application of a System log: exit %d, want 1 (no log)", code)
	}
}

// SIGINT or SIGTERM while standard input is being copied: the temporary
// copy is removed and the exit code is 128+signal.
func TestSignalRemovesTemporaryFiles(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		tmp := t.TempDir()
		cmd := exec.Command(os.Args[0], "dump", "-")
		cmd.Env = append(os.Environ(), "EVTXRDP_RUN_MAIN=1", "TMPDIR="+tmp)
		w, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Feed data until the copy exists, then signal.
		chunk := make([]byte, 1<<20)
		deadline := time.Now().Add(10 * time.Second)
		for len(tempFiles(tmp)) == 0 && time.Now().Before(deadline) {
			w.Write(chunk)
		}
		if len(tempFiles(tmp)) == 0 {
			t.Fatal("no temporary copy of standard input appeared")
		}
		cmd.Process.Signal(c.sig)
		err = cmd.Wait()
		w.Close()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != c.code {
			t.Errorf("%v: %v, want exit %d; stderr %q", c.sig, err, c.code, stderr.String())
		}
		if left := tempFiles(tmp); len(left) != 0 {
			t.Errorf("%v: left behind: %v", c.sig, left)
		}
	}
}

func tempFiles(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != dir {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// A log that cannot be read is never described as read: beside a readable
// copy of its channel it is named as not read, and not listed among the
// files read.
func TestUnreadableNeverRead(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile(filepath.Join(scenarios, "tls-36871-10013", "System.evtx"))
	os.WriteFile(filepath.Join(dir, "System.evtx"), data, 0o644)
	bad := filepath.Join(dir, "Archive-System-2024-05-01-06-00-00-000.evtx")
	os.WriteFile(bad, nil, 0o644)
	for _, f := range []string{"text", "markdown", "json"} {
		_, out, _ := runCmd("analyze", "--format", f, dir)
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, bad) && (strings.Contains(l, ": read,") || strings.Contains(l, "| read |")) {
				t.Errorf("%s: the unreadable log is listed as read: %q", f, l)
			}
		}
		if !strings.Contains(strings.Join(strings.Fields(out), " "), "not read (unreadable): "+bad) {
			t.Errorf("%s: the unreadable log is not named as not read", f)
		}
	}
	_, out, _ := runCmd("analyze", "--format", "json", dir)
	var r struct {
		Findings []struct {
			Logs []struct {
				Channel, Status string
				Paths           []string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		for _, l := range f.Logs {
			if l.Status == "read" && slices.Contains(l.Paths, bad) {
				t.Errorf("json: %s read, paths %v", l.Channel, l.Paths)
			}
		}
	}
	// The machine's logs (jsonl always carries the machine).
	_, out, _ = runCmd("analyze", "--format", "jsonl", dir)
	var m struct {
		Machine struct {
			Logs []struct {
				Read   bool
				Copies []struct{ Path string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Machine.Logs {
		if l.Read && len(l.Copies) == 1 && l.Copies[0].Path == bad {
			t.Errorf("jsonl: machine log %s read", bad)
		}
	}
}

// query -r goes through the spool (matches rendered into a temporary file,
// ordered by key): its output is the streamed output reversed, with text's
// Event[N] renumbered, and nothing is left in the temporary directory.
func TestQuerySpoolSameOutput(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, f := range []string{"xml", "jsonl", "text"} {
		_, fwd, _ := runCmd("query", "-f", f, systemSample)
		code, rev, errOut := runCmd("query", "-r", "-f", f, systemSample)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", f, code, errOut)
		}
		split := func(s string) []string {
			if f != "text" {
				return strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
			}
			parts := regexp.MustCompile(`(?m)^Event\[\d+\]:\n`).Split(s, -1)[1:]
			for i := range parts {
				parts[i] = strings.TrimSuffix(parts[i], "\n")
			}
			return parts
		}
		a, b := split(fwd), split(rev)
		if len(a) < 100 || len(a) != len(b) {
			t.Fatalf("%s: %d events forward, %d reversed", f, len(a), len(b))
		}
		for i := range a {
			if strings.TrimSuffix(a[i], "\n") != strings.TrimSuffix(b[len(b)-1-i], "\n") {
				t.Fatalf("%s: event %d differs:\n%s\nreversed:\n%s", f, i, a[i], b[len(b)-1-i])
			}
		}
		if f == "text" && !strings.HasPrefix(rev, "Event[0]:\n") || !strings.Contains(rev, "\n\nEvent[1]:\n") && f == "text" {
			t.Errorf("text: not numbered from 0: %q", rev[:min(80, len(rev))])
		}
	}
	if left := tempFiles(tmp); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// A file named System.evtx that is not a log (a directory, an all-zero
// file) does not keep analyze from reading a renamed System log beside
// it: the renamed log is read, its machine named, and System.evtx listed
// as unreadable with its reason.
func TestUnreadableSystemBesideRenamed(t *testing.T) {
	src, err := os.ReadFile(systemSample)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"directory", "all-zero"} {
		dir := t.TempDir()
		sys, vm := filepath.Join(dir, "System.evtx"), filepath.Join(dir, "vm.evtx")
		if bad == "directory" {
			err = os.Mkdir(sys, 0o755)
		} else {
			err = os.WriteFile(sys, make([]byte, 69632), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vm, src, 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runCmd("analyze", "--format", "json", dir)
		var r struct {
			Computers    []string `json:"computers"`
			ReferenceLog string   `json:"reference_log"`
			Inputs       []struct {
				Path    string `json:"path"`
				Channel string `json:"channel"`
				Used    bool   `json:"used"`
				Records int    `json:"records"`
				Error   string `json:"error"`
			} `json:"inputs"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%s System.evtx: exit %d, %v: %s", bad, code, err, errOut)
		}
		why := map[string]string{"directory": "is a directory", "all-zero": "not an EVTX file: all zero"}[bad]
		var vmRead, sysUnreadable bool
		for _, in := range r.Inputs {
			switch in.Path {
			case vm:
				vmRead = in.Used && in.Channel == "System" && in.Records == 651
			case sys:
				sysUnreadable = in.Channel == "System" && strings.Contains(in.Error, why)
			}
		}
		if code != exitOK || !slices.Equal(r.Computers, []string{"FUKUSUKE16E9"}) || r.ReferenceLog != vm || !vmRead || !sysUnreadable {
			t.Errorf("%s System.evtx: exit %d, computers %q, reference log %q, %s read %v, %s unreadable (%q) %v",
				bad, code, r.Computers, r.ReferenceLog, vm, vmRead, sys, why, sysUnreadable)
		}
	}
}
