package main

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// helpFlag is a flag line of a subcommand's help: "  -f, --format format"
// or "      --at time" (pflag's FlagUsages).
var helpFlag = regexp.MustCompile(`(?m)^  (?:-([a-z]), |    )--([a-z][a-z-]+)(\[=|\s)`)

// Every long flag of every subcommand typed with one dash ("-format json",
// "-format=json", before or after the PATH), as Go's flag package and
// wevtutil users type it, is a usage error that names it as typed and its
// two-dash form, before anything is read. pflag read "-format json" as -f
// with the value "ormat" and "json" as a PATH ("unknown --format
// "ormat""), "-at" as an unknown flag -a, "-query X" as the XPath query
// "uery". The flags are those each subcommand's --help lists, so that a
// flag added later is checked too.
func TestSingleDashLongFlag(t *testing.T) {
	absent := filepath.Join(t.TempDir(), "absent.evtx")
	for _, cmd := range commandNames() {
		_, help, _ := runCmd(cmd, "--help")
		flags := helpFlag.FindAllStringSubmatch(help, -1)
		if len(flags) == 0 {
			t.Fatalf("%s --help lists no flags:\n%s", cmd, help)
		}
		for _, f := range flags {
			name := f[2]
			boolean := f[3] == "[="
			for _, args := range [][]string{
				{"-" + name, "x", absent},
				{"-" + name + "=x", absent},
				{absent, "-" + name, "x"},
			} {
				if boolean && len(args) == 3 {
					args = slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "x" })
				}
				typed := args[slices.IndexFunc(args, func(a string) bool { return strings.HasPrefix(a, "-") })]
				argv := append([]string{cmd}, args...)
				code, out, errOut := runCmd(argv...)
				want := "evtxrdp " + cmd + ": flag " + typed + " has one dash: did you mean -" + typed + "? " +
					"(a long flag takes two dashes; one dash starts one-letter flags, such as -f json)\n" +
					"Run 'evtxrdp " + cmd + " --help' for usage.\n"
				if code != exitUsage || out != "" || errOut != want {
					t.Errorf("%q: exit %d, stdout %q, stderr:\n%s\nwant exit %d and stderr:\n%s", argv, code, out, errOut, exitUsage, want)
				}
			}
		}
		if !strings.Contains(help, "a long name after one dash\n(-format json) is refused") {
			t.Errorf("%s --help does not say how flags are typed:\n%s", cmd, help)
		}
	}
	// evtxrdp's own flags.
	if code, _, errOut := runCmd("-version"); code != exitUsage || !strings.Contains(errOut, "did you mean --version?") {
		t.Errorf("-version: exit %d, stderr %q", code, errOut)
	}
	if code, out, _ := runCmd("-help"); code != exitOK || !strings.HasPrefix(out, "usage: evtxrdp") {
		t.Errorf("-help: exit %d, stdout %q", code, out)
	}
}

// One-letter flags keep working in each of pflag's forms ("-f json",
// "-fjson", "-f=json", runs of them), and an argument that is a flag's
// value, or follows "--", is never taken for a single-dash long flag.
func TestSingleDashShorthands(t *testing.T) {
	_, analyzeJSON, _ := runCmd("analyze", "--format", "json", dumpSample)
	for _, c := range []struct {
		args []string
		code int
		out  string // the stdout wanted, when not ""
		err  string // in stderr, when not ""
	}{
		{args: []string{"analyze", "-f", "json", dumpSample}, code: exitDetected, out: analyzeJSON},
		{args: []string{"analyze", "-fjson", dumpSample}, code: exitDetected, out: analyzeJSON},
		{args: []string{"analyze", "-f=json", dumpSample}, code: exitDetected, out: analyzeJSON},
		{args: []string{"analyze", dumpSample, "-f", "json"}, code: exitDetected, out: analyzeJSON},
		{args: []string{"dump", "-fnone", "-w1", dumpSample}, code: exitOK},
		{args: []string{"query", "-rc1", "-fxml", "-q", "*", dumpSample}, code: exitOK},
		{args: []string{"query", "-rc", "1", dumpSample}, code: exitOK},
		{args: []string{"rules", "-fjson"}, code: exitOK},
		// Values that look like a single-dash long flag.
		{args: []string{"query", "--query", "-format", dumpSample}, code: exitUsage, err: "The specified query is invalid."},
		{args: []string{"query", "-q", "-count", dumpSample}, code: exitUsage, err: "The specified query is invalid."},
		{args: []string{"query", "-rq", "-count", dumpSample}, code: exitUsage, err: "The specified query is invalid."},
		{args: []string{"dump", "-f", "none", "--", "-format"}, code: exitFailure, err: "-format"},
	} {
		code, out, errOut := runCmd(c.args...)
		if code != c.code || strings.Contains(errOut, "one dash") || c.out != "" && out != c.out || !strings.Contains(errOut, c.err) {
			t.Errorf("%q: exit %d (want %d), stderr:\n%s", c.args, code, c.code, errOut)
		}
	}
}
