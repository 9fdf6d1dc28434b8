package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/shellword"
)

// Exit codes, the same for every output format.
const (
	exitOK       = 0 // success; for analyze: no scenario detected
	exitFailure  = 1 // the command could not run (no readable input, I/O error)
	exitUsage    = 2 // bad flags or arguments
	exitDetected = 3 // analyze: at least one scenario detected or possible
)

// command is one subcommand. Each lives in its own file.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"dump":    {"stream the events of EVTX logs as JSON Lines, XML or text", runDump},
		"query":   {"select events with a Windows event XPath query (offline wevtutil qe)", runQuery},
		"analyze": {"diagnose RDP failure scenarios from a VM's logs", runAnalyze},
		"rules":   {"list the loaded scenario rules", runRules},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: evtxrdp <command> [flags] PATH...")
	fmt.Fprintln(w, "\ncommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'evtxrdp help <command>' or 'evtxrdp <command> --help' for a command's flags,")
	fmt.Fprintln(w, "'evtxrdp --version' for the version.")
	fmt.Fprintln(w, "\nexit codes: 0 ok (analyze: nothing detected or possible), 3 analyze detected a scenario or found one possible,")
	fmt.Fprintln(w, "            1 the command could not run (no readable log), 2 usage error")
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "-help":
		usage(stdout)
		return exitOK
	case "-version":
		fmt.Fprintln(stderr, "evtxrdp: flag -version has one dash: did you mean --version? (a long flag takes two dashes)")
		return exitUsage
	case "help":
		if len(args) == 1 || args[1] == "help" {
			usage(stdout)
			return exitOK
		}
		cmd, ok := commands()[args[1]]
		if !ok {
			fmt.Fprintf(stderr, "evtxrdp help: unknown command %q (want one of: %s)\n", escapeText(args[1]), strings.Join(commandNames(), ", "))
			return exitUsage
		}
		return cmd.run([]string{"--help"}, stdout, stderr)
	case "--version", "version":
		v, commit := buildVersion()
		fmt.Fprintf(stdout, "evtxrdp %s\n", v)
		if commit != "" {
			fmt.Fprintf(stdout, "commit %s\n", commit)
		}
		return exitOK
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "evtxrdp: %s\n", notACommand(args))
		return exitUsage
	}
	return cmd.run(args[1:], stdout, stderr)
}

// notACommand says why args, whose first is no command, cannot run, and
// what would: a newcomer types "evtxrdp /mnt/brokenvm" (the path the
// README's first lines analyse) or puts a command's flags before it
// ("evtxrdp --format json analyze ..."), and "unknown command
// "/mnt/brokenvm"" did not say which command to run.
func notACommand(args []string) string {
	a := args[0]
	want := "want one of: " + strings.Join(commandNames(), ", ")
	if strings.HasPrefix(a, "-") && a != "-" {
		for _, b := range args[1:] {
			if _, ok := commands()[b]; ok {
				return fmt.Sprintf("flag %s comes before the command %s: a command's flags follow it (evtxrdp %s [flags] PATH...)", escapeText(a), b, b)
			}
		}
		return fmt.Sprintf("%s is a flag, not a command: give the command first, then its flags (%s)", escapeText(a), want)
	}
	if a == "-" {
		return fmt.Sprintf("\"-\" is not a command: to diagnose the log on standard input, run: evtxrdp analyze - (commands: %s)", strings.Join(commandNames(), ", "))
	}
	if _, err := os.Lstat(a); err == nil {
		return fmt.Sprintf("%q is not a command but a PATH: to diagnose the logs there, run: evtxrdp analyze %s (commands: %s)",
			escapeText(a), escapeText(shellword.Path(a)), strings.Join(commandNames(), ", "))
	}
	return fmt.Sprintf("unknown command %q (%s)", escapeText(a), want)
}

// writeFailed reports a failed write of the command's output: when the
// reader went away (`| head`: a broken pipe) the run ends quietly with
// exitBrokenPipe, as SIGPIPE ends it; any other error is said on stderr
// and is a failure.
func writeFailed(stderr io.Writer, cmd string, err error) int {
	if brokenPipe(err) {
		return exitBrokenPipe
	}
	fmt.Fprintf(stderr, "evtxrdp %s: write: %s\n", cmd, errText(err))
	return exitFailure
}

// printErrs writes err to stderr after prefix, one line per error that it
// joins (errors.Join: every problem of the rule files), each escaped. A
// joined error's message holds newlines, which escaping would turn into a
// literal "\n" on one line.
func printErrs(stderr io.Writer, prefix string, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			printErrs(stderr, prefix, e)
		}
		return
	}
	fmt.Fprintf(stderr, "%s%s\n", prefix, errText(err))
}

// escapeText makes text from the input (paths, member names, event data,
// error messages that quote them) safe for a terminal: evtx.EscapeText.
func escapeText(s string) string { return evtx.EscapeText(s) }

// errText is err's message, escaped.
func errText(err error) string { return evtx.EscapeText(err.Error()) }

// pathErrText is the text of err about the log at path, prefixed with
// path unless err already names it (the reader's errors name the file
// and offset), so that a message names the file once.
func pathErrText(path string, err error) string {
	if strings.Contains(err.Error(), path) {
		return errText(err)
	}
	return escapeText(path) + ": " + errText(err)
}

func commandNames() []string {
	var names []string
	for n := range commands() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
