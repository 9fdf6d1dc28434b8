package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/evtxrdp/evtxrdp/internal/rawpath"
	"github.com/evtxrdp/evtxrdp/rules"
)

// loadRules returns the built-in rules, with the rules of dir (if any)
// added or replacing built-ins of the same id, validated.
func loadRules(dir string) ([]*rules.Rule, error) {
	rs, err := readRules(dir)
	if err != nil {
		return nil, err
	}
	if err := rules.Validate(rs); err != nil {
		return nil, err
	}
	return rs, nil
}

// readRules is loadRules without rules.Validate, for a caller that gives
// every rule read to rules.NewEngine, which validates them (analyze
// without --scenario): validating them twice was a twentieth of analyze's
// time on bench/run's volume.
func readRules(dir string) ([]*rules.Rule, error) {
	rs, err := rules.Builtin()
	if err != nil {
		return nil, err
	}
	if dir != "" {
		fi, err := os.Stat(dir)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("--rules %s: %w", dir, err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("--rules %s: not a directory (want a directory of *.yaml or *.yml rule files)", dir)
		}
		extra, err := rules.LoadDir(dir)
		if err != nil {
			return nil, err
		}
		if len(extra) == 0 {
			return nil, fmt.Errorf("rules: %s: no *.yaml or *.yml rule files", dir)
		}
		rs = rules.Merge(rs, extra)
	}
	return rs, nil
}

// warnChannels prints a warning for each query of rs whose channel is not
// one evtxrdp knows Windows to have (rules.ChannelWarnings: its file,
// line and the nearest known channel). A custom channel loads and runs; a
// misspelled one would leave its rule "not checked" with nothing said.
func warnChannels(stderr io.Writer, prefix string, rs []*rules.Rule) {
	for _, w := range rules.ChannelWarnings(rs) {
		fmt.Fprintf(stderr, "%swarning: %s\n", prefix, errText(w))
	}
}

// selectRules keeps the rules whose ids are in ids (all when ids is empty).
func selectRules(rs []*rules.Rule, ids []string) ([]*rules.Rule, error) {
	if len(ids) == 0 {
		return rs, nil
	}
	byID := map[string]*rules.Rule{}
	var known []string
	for _, r := range rs {
		byID[r.ID] = r
		known = append(known, r.ID)
	}
	var out []*rules.Rule
	seen := map[string]bool{}
	for _, id := range ids {
		for _, id := range strings.Split(id, ",") {
			id = strings.TrimSpace(id)
			r, ok := byID[strings.ToLower(id)] // ids are lower case (rules.Validate), --scenario in any case like --format and --channel
			if !ok {
				return nil, fmt.Errorf("unknown scenario %q (want one of: %s)", id, strings.Join(known, ", "))
			}
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	rules.SortRules(out)
	return out, nil
}

const rulesHelp = `usage: evtxrdp rules [--rules DIR] [--format text|json]

List the scenario rules: the built-in ones (rules/scenarios/*.yaml) plus,
with --rules, the *.yaml and *.yml files of DIR, which add rules or replace
built-in rules with the same id (two files of DIR defining one id are
refused). Every rule is validated (its queries compile).

` + flagsNote + `

flags:
%s
exit codes: 0 ok, 1 a rule file is invalid, 2 usage error
`

// ruleInfo is one rule in `evtxrdp rules --format json`.
type ruleInfo struct {
	ID            string   `json:"id"`
	Scenario      int      `json:"scenario,omitempty"`
	Title         string   `json:"title"`
	Severity      string   `json:"severity"`
	WindowSeconds int64    `json:"window_seconds"`
	Channels      []string `json:"channels"`
	Queries       []string `json:"queries"`
	File          string   `json:"file"`
	FileBase64    string   `json:"file_base64,omitempty"` // File's bytes when not UTF-8 (rawpath)
}

func runRules(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("evtxrdp rules", pflag.ContinueOnError)
	help := helpWriter(args, stdout, stderr)
	fs.SetOutput(stderr)
	dir := fs.String("rules", "", "also load the rule files (*.yaml, *.yml) of `DIR`")
	format := fs.StringP("format", "f", "text", "output `format`: text or json")
	fs.Usage = func() { fmt.Fprintf(help, rulesHelp, fs.FlagUsages()) }
	if refuseSingleDash(fs, "rules", args, stderr) {
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		return flagParseError(stderr, "rules", err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "evtxrdp rules: unexpected argument %q\n", fs.Arg(0))
		fmt.Fprintln(stderr, "Run 'evtxrdp rules --help' for usage.")
		return exitUsage
	}
	if name, ok := formatName(*format, "text", "json"); ok {
		*format = name
	} else {
		fmt.Fprintf(stderr, "evtxrdp rules: unknown --format %q (want text or json)\n", *format)
		fmt.Fprintln(stderr, "Run 'evtxrdp rules --help' for usage.")
		return exitUsage
	}
	rs, err := loadRules(*dir)
	if err != nil {
		printErrs(stderr, "evtxrdp rules: ", err)
		return exitFailure
	}
	warnChannels(stderr, "evtxrdp rules: ", rs)
	if *format == "json" {
		infos := []ruleInfo{}
		for _, r := range rs {
			ri := ruleInfo{ID: r.ID, Scenario: r.Scenario, Title: r.Title, Severity: string(r.Severity),
				WindowSeconds: int64(r.Window.Seconds()), Channels: r.Channels(), File: r.File, FileBase64: rawpath.Base64(r.File)}
			for _, q := range r.Queries {
				ri.Queries = append(ri.Queries, q.Channel+"!"+q.XPath)
			}
			infos = append(infos, ri)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(infos); err != nil {
			fmt.Fprintf(stderr, "evtxrdp rules: %s\n", errText(err))
			return exitFailure
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t#\tSEVERITY\tWINDOW\tTITLE")
	for _, r := range rs {
		n := "-"
		if r.Scenario > 0 {
			n = strconv.Itoa(r.Scenario)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, n, r.Severity, formatWindow(r.Window), r.Title)
	}
	if err := tw.Flush(); err != nil {
		return writeFailed(stderr, "rules", err)
	}
	for _, r := range rs {
		fmt.Fprintf(stdout, "\n%s (%s)\n", r.ID, r.File)
		for _, q := range r.Queries {
			fmt.Fprintf(stdout, "  %s (%s) in %s:\n    %s\n", q.ID, q.Role, q.Channel, q.XPath)
		}
	}
	return exitOK
}

// helpWriter returns stdout when args ask for help (-h, --help before
// "--"), so that help can be piped, else stderr.
func helpWriter(args []string, stdout, stderr io.Writer) io.Writer {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" {
			return stdout
		}
	}
	return stderr
}

// formatWindow renders a window as "24h", "90m", "7d" or Go's form.
func formatWindow(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0 && d > 48*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return d.String()
}
