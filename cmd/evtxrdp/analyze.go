package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/report"
	"github.com/evtxrdp/evtxrdp/rules"
	"github.com/spf13/pflag"
)

const analyzeHelp = `usage: evtxrdp analyze [flags] PATH...

Diagnose failed RDP connections from Windows machines' event logs. PATH is
an .evtx file, a directory of them, a mounted Windows volume (its
Windows/System32/winevt/Logs is used), a .zip of logs, a directory that
holds such folders, volumes and zips at any depth (a fleet: one per
machine; a .tar, .tgz, .7z or .rar there is named on stderr, not read:
extract it), or - for standard input (copied once to a temporary file, at
most 1 GiB). Only the logs of the channels the rules read are read
(System, Security, and the Remote Desktop, RD Connection Broker and Windows
Firewall logs that 'evtxrdp rules' lists), and only records in the
analysed period are decoded. A log's channel is the one its first record
says, whatever its file name (a Security.evtx holding System records is
read as System, and a warning says so); the file name counts only for a
log without records.

The logs are grouped into machines by what their records say (the Computer
field, record ids and times, EventLog 6011 renames), not by folder names.
Copies of a log (the same file by two paths, a shadow copy, a repeated zip
member, an older copy) are read as one: each record counts once, and the
report and its warnings name a record of such a log by its EventRecordID
and the copy that holds it (with its record number there where an export
renumbered it). Logs are grouped, and copies found, from the records of a
period before each log's last-written record (the one with a usable
TimeCreated, as for the reference time): the longest window of the
rules loaded (or --window when longer), plus --look-back (at least its
default, 7 days), plus 2 days.
--look-back and --window shorter than their defaults narrow the analysis,
not the grouping, so the same logs make the same machines and copies;
longer ones read more records to group. An older copy all of whose
records lie before that period (a shadow copy taken long before) is read
as a log of its own, or, naming only the computer's name before a rename, analysed
as a machine of its own. Where the two logs are one machine's or in one
folder, the grouping lines say so ("an older copy of ..."); an older copy
in another folder naming only a former name is not found. 'evtxrdp dump'
of both logs reads every record and names a copy. Each
machine is analysed on its own, in parallel; with several machines, text,
markdown and json hold them all, a summary table first, and jsonl prints
one JSON report per machine per line.

The reference time ("now" of the article's timediff queries) is the
TimeCreated of the last-written record (highest record number) of a
machine's logs that the rules read (their channels, and System), the
latest across them, never the wall clock and not the
largest time (a last-written record without a TimeCreated, or with one
of FILETIME 0, before 1980 (taken for a cleared or damaged value) or after the year
9999, a damaged value, gives way to the
last record written before it with one, its record header time never
standing for it, as in query and dump, and a warning says so; records
after it, from a clock that ran ahead, are
reported; a log whose last-written record lies in the time another log
shows the clock ran ahead, written before that log's last-written record,
does not give it, and a warning names both); --at sets it. A log no
rule reads (Application, say) gives no reference time, however late its
last record: its records are not read, so neither its clock's jumps are
checked nor do the windows end at a time no log judged reaches; 'evtxrdp
query' counts timediff from every log given, so over an Application log
written a day after the System log's last record it counts from the
Application log's, and analyze from System's (give --at for that time). Each rule looks back over its window (24 hours)
from there; matches up to --look-back outside the window are reported as
such. Windows, look-backs and --at compare each event's TimeCreated
(System/TimeCreated/@SystemTime), never the record header's write time
(exported logs borrow it or leave it 0); records outside are passed over
without being decoded, with the same findings as decoding them all.

Verdicts: detected (evidence that belongs to RDP); possible (evidence
consistent with the scenario but not attributable to RDP, or without the
corroboration the rule needs); resolved (the fault was in the window and a
later event shows it recovered); not_detected (the logs were read and cover
the window); not_checked (a log is absent, unreadable, or starts inside the
window). Each finding says why in one sentence.

The report ends with the RDP timeline: the events around the reference
time that show when RDP last worked and what changed (boots and
shutdowns, Remote Desktop service states, listener starts, successful RDP
logons, failed ones grouped by status and address, certificate and TLS
errors), oldest first, the newest --timeline lines; events of these kinds
without a TimeCreated are on no line, and it says how many and which.

` + flagsNote + `

flags:
%s
exit codes (the same for every format):
  0  no scenario detected or possible (resolved ones included)
  3  at least one scenario detected or possible (on any machine)
  1  no readable log among the inputs, none of a channel the rules read
     (an Application log alone), or a rule file is invalid
  2  usage error
  130, 143  stopped by SIGINT (Ctrl-C) or SIGTERM: the analysis stops
     within a chunk of each log being read and no report is written (in
     JSON Lines, the lines of the machines done before stay); a second
     signal ends it at once
`

func runAnalyze(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("evtxrdp analyze", pflag.ContinueOnError)
	help := helpWriter(args, stdout, stderr)
	fs.SetOutput(stderr)
	at := fs.String("at", "", "reference `time` (RFC 3339, e.g. 2024-05-01T12:00:00Z; UTC if no zone; 1980 or later); default: the TimeCreated of the last-written record")
	window := fs.String("window", "", "override every rule's window (`duration`: 90m, 24h, 7d)")
	lookBack := fs.String("look-back", defaultLookBack, "report matches up to this `duration` outside the window (0 for none)")
	format := fs.StringP("format", "f", "text", "output `format`: text, markdown, json or jsonl (one JSON report per machine per line)")
	dir := fs.String("rules", "", "also load the rule files (*.yaml, *.yml) of `DIR`, adding rules or replacing built-ins by id")
	scenarios := fs.StringArray("scenario", nil, "only evaluate the rule with this `ID` (repeatable, or comma-separated)")
	timelineN := fs.Int("timeline", rules.DefaultTimeline, "end the report with the newest `N` lines of the RDP timeline (0 for none)")
	fs.Usage = func() { fmt.Fprintf(help, analyzeHelp, fs.FlagUsages()) }
	if refuseSingleDash(fs, "analyze", args, stderr) {
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		return flagParseError(stderr, "analyze", err)
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "evtxrdp analyze: "+format+"\n", a...)
		fmt.Fprintln(stderr, "Run 'evtxrdp analyze --help' for usage.")
		return exitUsage
	}
	if fs.NArg() == 0 {
		return usageErr("no PATH given")
	}
	f, err := report.ParseFormat(*format)
	if err != nil {
		return usageErr("unknown --format %q (want text, markdown, json or jsonl)", *format)
	}
	var o rules.Options
	// A flag given with an empty value ("--at $AT" with AT unset) is a
	// usage error, as --look-back "" is, never the default in disguise.
	if fs.Changed("at") {
		if o.At, err = parseAt(*at); err != nil {
			return usageErr("--at %q: %v", *at, err)
		}
	}
	if fs.Changed("window") {
		if o.Window, err = parseDuration(*window); err != nil || o.Window <= 0 || o.Window%time.Second != 0 {
			return usageErr("--window %q: want a positive duration in whole seconds such as 90m, 24h or 7d, at most %d days", *window, maxDays)
		}
	}
	lb, err := parseDuration(*lookBack)
	if err != nil || lb < 0 || lb%time.Second != 0 {
		return usageErr("--look-back %q: want a duration in whole seconds such as 0, 12h or 7d, at most %d days", *lookBack, maxDays)
	}
	o.LookBack = lb
	if lb == 0 {
		o.LookBack = -1 // none
	}
	if *timelineN < 0 {
		return usageErr("--timeline %d: want 0 (none) or a number of lines", *timelineN)
	}
	o.Timeline = *timelineN
	if o.Timeline == 0 {
		o.Timeline = -1 // none
	}

	// The logs are found, and the System logs' read that grouping starts
	// with (evtx.Log.Prime) begun, before the rules are loaded and
	// compiled: the two take about as long as each other on one core of
	// bench/run's volume, and the read does not depend on the rules.
	var paths []string
	for _, p := range fs.Args() {
		if p != "-" {
			paths = append(paths, p)
		}
	}
	units, problems, findErr := fleet.Find(paths)
	// ctx stops the analysis on the first SIGINT or SIGTERM once the
	// grouping starts (inputs.stopOn); its cause is the signal.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stopPriming, primed := primeSystemLogs(ctx, units)
	defer primed()

	// Every rule read is validated, once: by NewEngine when it is given
	// them all, here before --scenario selects some.
	rs, err := readRules(*dir)
	if err == nil && len(*scenarios) > 0 {
		err = rules.Validate(rs)
	}
	if err != nil {
		printErrs(stderr, "evtxrdp analyze: ", err)
		return exitFailure
	}
	warnChannels(stderr, "evtxrdp analyze: ", rs)
	loaded := rs // their windows set the grouping period, whatever --scenario selects
	if rs, err = selectRules(rs, *scenarios); err != nil {
		return usageErr("--scenario: %v", err)
	}
	eng, err := rules.NewEngine(rs, o)
	if err != nil {
		printErrs(stderr, "evtxrdp analyze: ", err)
		return exitFailure
	}

	origStderr := stderr
	progress := newProgress(stdout, stderr, true)
	stderr = withProgress(stderr, progress)
	in := newInputs(progress)
	defer in.close()
	stopPriming() // the grouping reads the rest
	var stdinUnit *fleet.Unit
	// notRead are the inputs given that could not be read at all: the
	// report says so, not stderr alone (a saved report would not).
	var notRead []string
	for _, p := range fs.Args() {
		if p != "-" {
			continue
		}
		logs, err := in.find("-")
		if err != nil {
			fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", errText(err))
			notRead = append(notRead, errText(err))
		}
		// The archives inside an archive on standard input, named as
		// fleet.Find names those of an archive given by path.
		for _, e := range in.skippedStdin() {
			fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", e)
			notRead = append(notRead, e)
		}
		if err != nil {
			continue
		}
		stdinUnit = &fleet.Unit{Path: "-", Logs: logs}
	}
	err = findErr
	for _, e := range problems {
		fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", errText(e))
		notRead = append(notRead, errText(e))
	}
	if stdinUnit != nil {
		units = append(units, stdinUnit)
	}
	for _, u := range units {
		if err := in.adopt(u.Logs); err != nil {
			fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", errText(err))
			return exitFailure
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", errText(err))
		return exitFailure
	}
	if len(units) == 0 {
		fmt.Fprintln(stderr, "evtxrdp analyze: no readable log")
		return exitFailure
	}
	// From here on a SIGINT or SIGTERM stops the reads (at their next
	// chunk) and the run ends with 128+signal, the temporary directory
	// removed; before, it ends the run at once, as a second one does.
	in.stopOn(func(s os.Signal) { cancel(stopSignal{s}) })
	stopArmed(in)
	machines, err := fleet.GroupContext(ctx, units, fleet.Options{Channels: eng.Channels(), Period: fleet.Period(loaded, o), Accepts: eng.Accepts()})
	if err != nil {
		return stoppedRun(ctx, stderr, progress, err)
	}
	if len(machines) == 1 {
		return analyzeMachine(ctx, eng, machines[0], f, stdout, stderr, progress, runOptions(fs), notRead)
	}
	// Machines are analysed in parallel, the largest of the next few
	// first, and a machine with most of the bytes reads its logs with
	// every worker as one machine does (fleet.Analyze): the System log of
	// one machine is often most of the bytes, and read with one goroutine
	// it kept the other cores idle (bench/run's volume).
	// The fleet shows its own progress (machines analysed), not the
	// per-log line.
	progress.done()
	// The fleet document's renderings go to the run's private temporary
	// directory, removed at the end and on SIGINT, SIGTERM, SIGHUP and
	// SIGPIPE.
	tmp, err := in.tempDir()
	if err != nil {
		fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", errText(err))
		return exitFailure
	}
	return analyzeFleet(ctx, eng, machines, f, stdout, stderr, origStderr, progress, runOptions(fs), notRead, tmp)
}

// stopSignal is the cause of analyze's context when a signal stopped it.
type stopSignal struct{ os.Signal }

func (s stopSignal) Error() string { return s.Signal.String() + " received" }

// stoppedRun ends a run whose analysis ctx stopped (err wraps
// rules.ErrStopped): it says so on stderr and returns 128+signal, as the
// signal would have ended the run (130 for SIGINT, 143 for SIGTERM).
func stoppedRun(ctx context.Context, stderr io.Writer, progress *progressLine, err error) int {
	progress.clear()
	s, ok := context.Cause(ctx).(stopSignal)
	if !ok {
		fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", errText(err))
		return exitFailure
	}
	fmt.Fprintf(stderr, "evtxrdp analyze: stopped by %s before the analysis ended: no report was written\n", signalName(s.Signal))
	return signalExitCode(s.Signal)
}

// signalName is "SIGINT" for syscall.SIGINT and the like, else the
// signal's own text.
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// primeSystemLogs primes (evtx.Log.Prime) the System logs of units, the
// largest first, each file once, in a goroutine, until stop is called;
// wait waits until the goroutine has returned (it finishes the log it is
// priming when stopped). The grouping reads every log of System records
// it is given from its last-written record (fleet.Group), which a primed
// log answers from its memo, so priming changes no answer and reads
// nothing twice; a log the grouping reaches while it is being primed
// waits for it. The logs are chosen by file name, before any is opened:
// a System.evtx holding another channel's records (a renamed copy) may be
// primed for nothing, and a renamed System log is not primed.
func primeSystemLogs(ctx context.Context, units []*fleet.Unit) (stop, wait func()) {
	var logs []*evtx.Log
	for _, u := range units {
		if primeOff {
			break
		}
		for _, l := range u.Logs {
			if strings.EqualFold(l.Channel, rules.SystemChannel) {
				logs = append(logs, l)
			}
		}
	}
	slices.SortStableFunc(logs, func(a, b *evtx.Log) int { return cmp.Compare(b.Size, a.Size) })
	var stopped atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		var seen []os.FileInfo
		for _, l := range logs {
			if stopped.Load() {
				return
			}
			fi, err := os.Stat(l.Path)
			if err != nil || slices.ContainsFunc(seen, func(s os.FileInfo) bool { return os.SameFile(s, fi) }) {
				continue // an archive member (Prime passes over it), or a file seen
			}
			seen = append(seen, fi)
			l.PrimeContext(ctx, 0) // stopped by a signal: the grouping says so
		}
	}()
	return func() { stopped.Store(true) }, func() {
		stopped.Store(true)
		<-done
	}
}

// stopArmed is called once a signal stops the analysis rather than the
// run (a test sends one then).
var stopArmed = func(*inputs) {}

// primeOff turns primeSystemLogs off (tests compare analyze with and
// without it).
var primeOff = false

// analyzeMachine analyses the logs of one machine: the report of a single
// machine, with its grouping when there is something to say (copies, a
// rename, forwarded events, names only damaged records give) or in JSON Lines.
func analyzeMachine(ctx context.Context, eng *rules.Engine, m *fleet.Machine, f report.Format, stdout, stderr io.Writer, progress *progressLine, opts []string, notRead []string) int {
	logs := m.EvtxLogs()
	res, aerr := eng.AnalyzeContext(ctx, logs)
	if errors.Is(aerr, rules.ErrStopped) {
		return stoppedRun(ctx, stderr, progress, aerr)
	}
	progress.done()
	if res == nil {
		fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", errText(aerr))
		explainUnreadable(stderr, logs)
		return exitFailure
	}
	r := report.New(res)
	setRun(r, m, opts)
	r.NotRead = notRead
	if f == report.FormatJSONL || m.Copies() || m.UnmergedCopy || m.Forwarded || len(m.Computers) > 1 || len(m.DamagedNames) > 0 {
		r.Machine = report.NewMachine(m)
	}
	if err := report.Write(stdout, r, f); err != nil {
		return writeFailed(stderr, "analyze", err)
	}
	switch {
	case aerr != nil:
		fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", errText(aerr))
		explainUnreadable(stderr, logs)
		return exitFailure
	case res.Flagged() > 0:
		return exitDetected
	}
	return exitOK
}

// flagged reports whether a finding of r is detected or possible.
func flagged(r *report.Report) bool {
	for _, f := range r.Findings {
		if f.Verdict == "detected" || f.Verdict == "possible" {
			return true
		}
	}
	return false
}

// analyzeFleet analyses several machines in parallel and writes one
// document (a summary table, then each machine's report) or, in JSON
// Lines, one line per machine as soon as it and those before it are done.
func analyzeFleet(ctx context.Context, eng *rules.Engine, ms []*fleet.Machine, f report.Format, stdout, stderr, terminal io.Writer, progressLine *progressLine, opts []string, notRead []string, dir string) int {
	// Each report is rendered as it comes, into a temporary file of dir,
	// so that memory holds one summary row per machine, not every report.
	doc, werr := report.NewFleetWriter(stdout, f, dir)
	if werr != nil {
		fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", errText(werr))
		return exitFailure
	}
	anyFlagged, readable := false, 0
	progress := terminalProgress(terminal)
	stopped := fleet.AnalyzeContext(ctx, eng, ms, 0, func(i int, res *fleet.Result) {
		var r *report.Report
		if res.Result != nil {
			r = report.New(res.Result)
		} else {
			r = &report.Report{SchemaVersion: report.SchemaVersion, Tool: "evtxrdp", ReferenceSource: "none",
				Findings: []report.Finding{}, Inputs: []report.Input{}}
		}
		r.Machine = report.NewMachine(res.Machine)
		setRun(r, res.Machine, opts)
		e := ""
		if res.Err != nil {
			e = res.Err.Error()
			fmt.Fprintf(stderr, "evtxrdp analyze: %s: %s\n", escapeText(r.Machine.Name), errText(res.Err))
			if res.Result != nil {
				// Why, as for a single machine (explainUnreadable),
				// from what the analysis found: no log is read again.
				for _, in := range res.Result.Inputs {
					if in.Err != nil && (in.Used || in.ChannelUnknown) {
						fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", errText(in.Err))
					}
				}
			}
		} else {
			readable++
		}
		anyFlagged = anyFlagged || flagged(r)
		if f == report.FormatJSONL {
			// Each line stands alone: each carries what was not read.
			r.NotRead = notRead
		}
		doc.Add(r, e) // the first error is kept: Close returns it
	}, progress)
	if stopped != nil {
		// The document is not closed: no summary of machines not
		// analysed (its temporary files go with the run's directory).
		if progress != nil {
			fmt.Fprintln(terminal)
		}
		return stoppedRun(ctx, stderr, progressLine, stopped)
	}
	werr = doc.Close(notRead)
	switch {
	case werr != nil:
		return writeFailed(stderr, "analyze", werr)
	case anyFlagged:
		return exitDetected
	case readable == 0:
		return exitFailure
	}
	return exitOK
}

// progressText is the progress line's text: "evtxrdp analyze: 1 of 2
// machines analysed", "... 1 of 1 machine analysed".
func progressText(done, total int) string {
	return fmt.Sprintf("evtxrdp analyze: %d of %s analysed", done, plural.N(total, "machine"))
}

// terminalProgress returns a progress function that keeps one line of
// stderr up to date when stderr is a terminal, or nil.
func terminalProgress(stderr io.Writer) func(done, total int) {
	if !isTerminal(stderr) {
		return nil
	}
	return func(done, total int) {
		fmt.Fprint(stderr, "\r\033[K"+progressText(done, total))
		if done == total {
			fmt.Fprintln(stderr)
		}
	}
}

// setRun records the run in r: evtxrdp's version, the options and the
// machine's computer names.
func setRun(r *report.Report, m *fleet.Machine, opts []string) {
	r.ToolVersion = toolVersion()
	r.Options = opts
	r.Computers = m.Computers
}

// runOptions returns the flags given, "--name=value", sorted by name.
func runOptions(fs *pflag.FlagSet) []string {
	out := []string{}
	fs.Visit(func(f *pflag.Flag) {
		v := f.Value.String()
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			v = strings.Join(sv.GetSlice(), ",")
		}
		out = append(out, "--"+f.Name+"="+v)
	})
	return out
}

// explainUnreadable says why each log that cannot be opened cannot (not
// an EVTX file: empty, all zero; a FIFO), or gives no record (a copy cut
// inside or after its file header: its first problem, with the offset),
// after analyze found no readable log: the engine's error does not name
// them.
func explainUnreadable(stderr io.Writer, logs []*evtx.Log) {
	for _, l := range logs {
		f, err := l.Open(evtx.Options{Workers: 1, Since: far, Until: far})
		if err != nil {
			fmt.Fprintf(stderr, "evtxrdp analyze: %s\n", errText(err))
			continue
		}
		for {
			if _, err := f.Next(); err != nil {
				break
			}
		}
		if st, errs := f.Stats(), f.Errors(); st.Records+st.Skipped+st.Filtered == 0 && len(errs) > 0 {
			fmt.Fprintf(stderr, "evtxrdp analyze: %s: no readable record (%s), first: %s\n", escapeText(l.Path), plural.N(st.Problems, "problem"), errText(errs[0]))
		}
		f.Close()
	}
}

// far is a time no record has: a window [far, far] decodes no record.
var far = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// timeWant says what parseTime reads.
const timeWant = "want RFC 3339, e.g. 2024-05-01T12:00:00Z"

// timeFieldError is parseTime's error for a time of a shape it reads with
// a field out of range: Field is Go's time.ParseError message, as "month
// out of range".
type timeFieldError struct{ Field string }

func (e *timeFieldError) Error() string { return e.Field + " (" + timeWant + ")" }

// parseTime reads RFC 3339 (with or without fraction), or a date and time
// without zone (UTC), or a date (midnight UTC). analyze's --at and dump's
// --since and --until read times with it.
func parseTime(s string) (time.Time, error) {
	// RFC 3339 section 5.6: the "T" and "Z" may be written in lower case
	// (the query language's @SystemTime literals accept them so).
	if len(s) > 10 && s[10] == 't' {
		s = s[:10] + "T" + s[11:]
	}
	if strings.HasSuffix(s, "z") {
		s = s[:len(s)-1] + "Z"
	}
	// A time of the right shape with a field out of range (month 13, 30
	// February, hour 24) says which field: "want RFC 3339" alone reads as
	// a shape error.
	rangeErr := ""
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		t, err := time.Parse(layout, s)
		if err == nil {
			return t.UTC(), nil
		}
		var pe *time.ParseError
		if errors.As(err, &pe) && strings.HasSuffix(pe.Message, "out of range") && rangeErr == "" {
			rangeErr = strings.TrimPrefix(pe.Message, ": ")
		}
	}
	if rangeErr != "" {
		return time.Time{}, &timeFieldError{Field: rangeErr}
	}
	return time.Time{}, errors.New(timeWant)
}

// parseAt parses an --at reference time. The zero time, in any of its
// spellings (0001-01-01, FILETIME 0 = 1601-01-01, "0"), or anything
// before 1980 (evtx.MinUsableTime: taken for a cleared or damaged value, and the
// last-written record never gives such a "now") is refused: it would
// silently mean "no time given", put every event in the future, or make
// windows that only records of implausible times can fall in.
func parseAt(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, errors.New("empty: give the time the analysis ends at (RFC 3339, e.g. 2024-05-01T12:00:00Z), or leave --at out for the last-written record's time")
	}
	if strings.TrimSpace(s) == "0" {
		return time.Time{}, errors.New("the zero time is not a reference time: give the time the analysis ends at (RFC 3339, e.g. 2024-05-01T12:00:00Z), or leave --at out for the last-written record's time")
	}
	t, err := parseTime(s)
	if err != nil {
		return t, err
	}
	if !t.After(time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)) {
		return time.Time{}, errors.New("the zero time (or a time before 1601, which no event log record has) is not a reference time: give the time the analysis ends at, or leave --at out for the last-written record's time")
	}
	if !evtx.UsableTime(t) {
		return time.Time{}, fmt.Errorf("%s is before 1980 (a record of such a time is taken for a cleared or damaged value, and never gives the reference time): give the time the analysis ends at, or leave --at out for the last-written record's time", evtx.FormatTime(t))
	}
	return t, nil
}

// maxDays bounds a duration flag, in days: rules.MaxSpan, a century, so
// that a window plus a look-back stays far inside time.Duration's 292
// years.
const maxDays = int(rules.MaxSpan / (24 * time.Hour))

// parseDuration is time.ParseDuration plus a leading "d" (24h) unit: "7d",
// "1d12h". Negative durations and more than maxDays days in all (the days
// and the rest together: "36500d24h" is refused as "876024h" is) are
// refused.
func parseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > maxDays {
			return 0, fmt.Errorf("bad duration %q (days: 0 to %d)", s, maxDays)
		}
		days = time.Duration(n) * 24 * time.Hour
		if s = s[i+1:]; s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d < 0 || d > rules.MaxSpan-days {
		return 0, fmt.Errorf("bad duration %q (0 to %d days)", s, maxDays)
	}
	return days + d, nil
}

// defaultLookBack is --look-back's default.
const defaultLookBack = "7d"
