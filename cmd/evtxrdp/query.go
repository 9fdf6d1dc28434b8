package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/rules"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
	"github.com/spf13/pflag"
)

const queryHelp = `usage: evtxrdp query [flags] PATH...

Select events with a Windows event XPath query, like 'wevtutil qe', offline.
PATH is an .evtx file, a directory of them, a mounted Windows volume (its
Windows/System32/winevt/Logs is used), a .zip of logs, or - for standard
input (copied once to a temporary file, at most 1 GiB).
A directory's .evtx files are read, not what lies below it: its
subfolders that hold logs, the .zip archives beside its logs (and the
.tar, .tgz, .7z, .rar or .evtx.gz files there, which evtxrdp does not
read: extract them) and the files there that hold a log under another
name (System.evtx.bak) are named on stderr, as analyze names them (give
them as PATHs of their own), and so are, on a volume, another
installation's logs (Windows.old) and the logs elsewhere on it (a user's
Desktop or Downloads, C:\temp);
a directory without .evtx files (a folder per machine: analyze reads
them) is an error that names the places below it that hold logs.

--channel, like a query list's channel Path, selects each record by its
own System/Channel, not by file name: a Security.evtx holding System
records is a System log, and stderr names it; the file name counts only
for a record that names no channel (a log that holds no record). A log
whose file name does not name its first record's channel (a saved custom
view or forwarded events mix channels in one file) is looked through for
records of the channels selected.

` + copiesHelp + `
Control characters from the logs are escaped in text output and on stderr
(\x1b, \n, \u202e); XML writes line breaks, C1 controls and bidirectional
overrides as character references (&#10;, &#x202e;) and other control
characters, which XML 1.0 forbids, as their Unicode control pictures (ESC
as U+241B). On a terminal, a progress line shows on stderr for runs
longer than a second.

The query language is the one wevtutil /q and Get-WinEvent -FilterXPath
accept, e.g.
  *[System[Provider[@Name='Schannel'] and EventID=36870 and TimeCreated[timediff(@SystemTime) <= 86400000]]]
or a structured query (QueryList with Select/Suppress per channel) given
with --structured-query, as wevtutil /sq does. A Path that names a log
file (file://...) selects the given log that is that file here, or, for
another machine's path (file://C:\...), the given logs of its file name,
or, when no log given has that name, every log given (stderr says so).

timediff(@SystemTime) counts from the reference time: --at, or by
default the TimeCreated of the last-written record (highest record
number) of each log, the latest across logs (never the wall clock; a
last-written record without a TimeCreated, or with one of FILETIME 0,
before 1980 (taken for a cleared or damaged value) or after the year 9999 (a
damaged value), gives way to the last record
written before it with one, whatever its record header time says, as in
analyze and dump, and stderr says so;
not a log's whose last-written record lies in the time another log shows
the clock ran ahead, written before that log's last-written record:
stderr says so). Every log given counts, those --channel and a query list leave
out included: they select the records printed, not the logs "now" comes
from, so that --channel System counts from a Security log's last record
when it is the later, as the query without --channel does (a
log left out is read for this alone: its last-written record, the
records after it in time, and with timediff the record summaries that
group logs into machines). 'evtxrdp analyze' takes "now" only from the
logs its rules read (their channels, and System): given a System log and
an Application log written a day after System's last record, query
counts from the Application log's last record and analyze from System's
(--at gives both the same). Logs
of several machines (grouped as analyze groups them) each count from
their machine's latest, and stderr names the machines and their
reference times; records whose time lies more than an hour after their
log's last-written record (a clock that ran ahead and was set back), or
more than an hour before its first-written record (the clock was set
back in between), are reported on stderr. A query without a one-argument
timediff (read from the parsed query: a string literal or an XML comment
that reads "timediff" is not one, nor timediff(t1, t2) of two given
times) uses no reference time: stderr says so (and that --at is not used), names
none, and the logs --channel and a query list leave out are not read.
Time conditions compare the event's TimeCreated
(System/TimeCreated/@SystemTime), never the record header's write time.
Records whose TimeCreated, read without decoding the record, lies
outside the query's time conditions are passed over, and so are records
whose provider name or event id, read the same way, the query rules out;
the result is the same as with --no-skip, which decodes every record and
evaluates the query on each.

Records decoded in part (a template overwritten or damaged: the System
part read, the event data values without names) are printed when the
query matches them as read, flagged "partial" as dump prints them, and
named on stderr with their EventRecordIDs, since analyze counts none of
them among a rule query's matches; those the query may select but did
not match as read (its provider, event id and time conditions accept
them, a condition on their unreadable event data refused them) are named
on stderr too, not printed.

A log that lacks records between the chunks it holds (record numbers
skipped: chunks zeroed or overwritten, as in a shadow copy of a log not
flushed) is named on stderr with the first run of lost records, and with
its newest records lost when its file header counts records past the
newest it holds (the last chunk zeroed): no query can match what they held.

Like wevtutil, events come oldest first (record order for one log; by
EventRecordID for copies read as one, since an export renumbers its
records; time order across logs); --count N keeps the first N, so without --reverse it returns
the OLDEST N matches (wevtutil /c:N without /rd:true). --reverse returns the
newest first.

` + flagsNote + `

flags:
%s
exit codes:
  0  the query ran (whether or not events matched)
  1  no readable log among the inputs, or none of the channels --channel
     or the query list names (stderr names the channels given)
  2  usage error, or the query is invalid
`

func runQuery(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("evtxrdp query", pflag.ContinueOnError)
	help := helpWriter(args, stdout, stderr)
	fs.SetOutput(stderr)
	expr := fs.StringP("query", "q", "", "XPath `query` (default \"*\": every event)")
	sqFile := fs.String("structured-query", "", "read a structured query (QueryList XML, at most 4 MiB) from `FILE` (\"-\" for stdin)")
	channels := fs.StringArray("channel", nil, "only print the records of this `channel` (e.g. System; repeatable); the other logs still give timediff's reference time")
	count := fs.IntP("count", "c", 0, "print at most `N` events (0: all)")
	reverse := fs.BoolP("reverse", "r", false, "newest events first (wevtutil /rd:true)")
	at := fs.String("at", "", "reference `time` of timediff (RFC 3339; UTC if no zone; 1980 or later); default: the TimeCreated of the last-written record")
	noSkip := fs.Bool("no-skip", false, "decode every record and evaluate the query on each: pass over none whose TimeCreated lies outside the query's time conditions, nor those its provider names and event ids rule out (same result, slower)")
	format := fs.StringP("format", "f", "text", "output `format`: text (wevtutil /f:text), xml (one event per line) or jsonl (as evtxrdp dump)")
	fs.Usage = func() { fmt.Fprintf(help, queryHelp, fs.FlagUsages()) }
	if refuseSingleDash(fs, "query", args, stderr) {
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		return flagParseError(stderr, "query", err)
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "evtxrdp query: "+format+"\n", a...)
		fmt.Fprintln(stderr, "Run 'evtxrdp query --help' for usage.")
		return exitUsage
	}
	if fs.NArg() == 0 {
		return usageErr("no PATH given")
	}
	if *count < 0 {
		return usageErr("--count %d: want 0 or more", *count)
	}
	if name, ok := formatName(*format, "text", "xml", "jsonl"); ok {
		*format = name
	} else {
		return usageErr("unknown --format %q (want text, xml or jsonl)", *format)
	}
	for _, c := range *channels {
		// An empty name selects no log: a usage error, not "no log of
		// channel \"\"" (exit 1) after every log was opened.
		if strings.TrimSpace(c) == "" {
			return usageErr("--channel %q: empty: give a channel name, such as System", c)
		}
	}
	if *expr != "" && *sqFile != "" {
		return usageErr("--query and --structured-query exclude each other")
	}
	if *sqFile == "-" && slices.Contains(fs.Args(), "-") {
		return usageErr("standard input can be read once: not both PATH - and --structured-query -")
	}

	// The query.
	var sel selector
	sel.channels = *channels
	if *sqFile != "" {
		data, err := readQueryFile(*sqFile)
		if err != nil {
			fmt.Fprintf(stderr, "evtxrdp query: %s\n", errText(err))
			return exitUsage
		}
		ql, err := xpath.ParseQueryList(data)
		if err != nil {
			invalidQuery(stderr, err)
			return exitUsage
		}
		sel.list = ql
	} else {
		src := *expr
		if src == "" {
			src = "*"
		}
		q, err := xpath.Compile(src)
		if err != nil {
			invalidQuery(stderr, err)
			return exitUsage
		}
		sel.query = q
	}
	var now time.Time
	if fs.Changed("at") { // "--at ''" is a usage error, not the default
		t, err := parseAt(*at)
		if err != nil {
			return usageErr("--at %q: %v", *at, err)
		}
		now = t
	}

	// The logs.
	progress := newProgress(stdout, stderr, true)
	stderr = withProgress(stderr, progress)
	stdout = stopProgress(stdout, progress)
	in := newInputs(progress)
	defer in.close()
	var logs []*evtx.Log
	var all []*evtx.Log // every log found, before --channel and a QueryList keep some
	for _, p := range fs.Args() {
		found, err := in.find(p)
		if err != nil {
			fmt.Fprintf(stderr, "evtxrdp query: %s\n", findErrText(p, err))
			in.noteSkippedBelow(stderr, "evtxrdp query", p, fs.Args()) // a zip of zips
			continue
		}
		in.noteSkippedBelow(stderr, "evtxrdp query", p, fs.Args())
		all = append(all, found...)
		for _, l := range found {
			if len(*channels) > 0 && !containsFold(*channels, logChannel(l)) &&
				!(misnamedLog(l) && fleet.HoldsChannel(l, func(ch string) bool { return containsFold(*channels, ch) }, nil, 0)) {
				continue // no record of those channels (a misnamed log is looked through: a custom view mixes them)
			}
			logs = append(logs, l)
		}
	}
	if sel.list != nil {
		// A file Path that names one of the given logs on this machine
		// (the same file) applies to it alone.
		bindFiles(sel.list, logs)
		// The other file Paths name files of the machine the list was
		// written on: they apply to the given logs of the same names, or,
		// when none has such a name, to every log given.
		sel.anyFile = true
		for _, l := range logs {
			if sel.list.NamesFile(l.Path) {
				sel.anyFile = false
			}
		}
		if sel.anyFile {
			// Said, not done silently: a Path naming System.evtx
			// selected the records of a Security log given beside it.
			for _, p := range sel.list.FilePaths() {
				if !sel.list.Bound(p) {
					fmt.Fprintf(stderr, "evtxrdp query: the query list's Path %s names no log given (by its path here or its file name): it applies to every log given\n", escapeText(p))
				}
			}
		}
		// A log named on the command line is selected as a log found in a
		// directory is: by the channel its records say, so that a list of
		// other channels says so (exit 1) as --channel does, not an empty
		// result that reads as "no such event".
		kept := logs[:0]
		for _, l := range logs {
			if sel.list.Selects(sel.log(l)) || misnamedLog(l) && fleet.HoldsChannel(l, func(ch string) bool {
				lg := sel.log(l)
				lg.Channel = ch
				return sel.list.Selects(lg)
			}, nil, 0) {
				kept = append(kept, l) // only the logs the Selects name (of a misnamed log, one of its records' channels)
			}
		}
		logs = kept
	}
	noteMisnamed(stderr, "evtxrdp query", logs, "; --channel and a query list's Path select each of its records by the record's own channel")
	// The logs --channel and a query list leave out are read for the
	// reference time alone: they select the records printed, not the
	// logs "now" is taken from, as analyze takes it from every log it
	// reads.
	others := unselected(all, logs)
	given := logs // before copies are merged, for grouping into machines
	logs = readOnce(logs, 0, stderr, "evtxrdp query")
	if sel.list != nil {
		bindFiles(sel.list, logs) // a merged log by the paths of its copies
	}
	if len(logs) == 0 {
		fmt.Fprintf(stderr, "evtxrdp query: %s\n", escapeText(noLogText(all, *channels, sel.list)))
		return exitFailure
	}

	// The reference time: the TimeCreated of each log's last-written
	// record (highest record number), the latest across every log given,
	// those --channel or a query list leave out included; records later
	// than their log's last-written record are reported for the logs
	// queried.
	var nowOf map[*evtx.Log]time.Time // per log, when the logs are of several machines
	// Only timediff counts from "now": a query without it has no use for
	// one, and naming one (the latest of logs of several machines, which
	// analyze would never take for both) would say something untrue.
	timed := sel.usesReferenceTime()
	if !timed && fs.Changed("at") {
		fmt.Fprintln(stderr, "evtxrdp query: --at is not used: the query has no timediff(t), the only condition that counts from a reference time")
	}
	if now.IsZero() {
		// refLogs are the logs queried, then the others (copies merged as
		// for the logs queried; their duplicates print nothing, since
		// none of their records is printed), read only for timediff's
		// reference time.
		refLogs := logs
		if len(others) > 0 && timed {
			refLogs = append(slices.Clip(logs), readOnce(others, 0, io.Discard, "")...)
		}
		queried := map[*evtx.Log]bool{}
		for _, l := range logs {
			queried[l] = true
		}
		var readable []*evtx.Log
		var from *evtx.Log
		var fromRec *rules.RecordRef
		lasts := map[*evtx.Log]*evtx.Event{}
		firsts := map[*evtx.Log]*evtx.Event{}
		aheads := map[*evtx.Log]*rules.ClockJump{} // records after the last-written one in time
		untimedNotes := map[*evtx.Log]string{}     // last-written records that give no time
		for _, l := range refLogs {
			first, last, untimed, err := rules.TimedWrittenEnds(l, evtx.Options{}, *noSkip)
			if err != nil {
				fmt.Fprintf(stderr, "evtxrdp query: %s\n", pathErrText(l.Path, err))
				continue
			}
			if untimed != nil {
				untimedNotes[l] = rules.UntimedText(l, untimed, last)
			}
			if queried[l] {
				readable = append(readable, l)
			}
			if last == nil {
				continue
			}
			lasts[l], firsts[l] = last, first
			if j, err := rules.FindClockJump(l, last, evtx.Options{}, *noSkip); err == nil && j != nil {
				aheads[l] = j
			}
		}
		// The latest last-written record, unless it was written while the
		// clock ran ahead, as another log shows (rules.ReferenceEnd).
		var passed []*rules.LastAhead
		from, fromRec, passed = queryReference(refLogs, lasts, aheads)
		if fromRec != nil {
			now = fromRec.Time
		}
		if len(readable) == 0 {
			fmt.Fprintln(stderr, "evtxrdp query: no readable log")
			return exitFailure
		}
		logs = readable
		refFrom := map[*evtx.Log]bool{} // the logs a reference time comes from
		if from != nil {
			refFrom[from] = true
		}
		var ms []*queryMachine
		if timed {
			// Without timediff, which machine a log is of changes
			// nothing printed.
			ms = queryMachines(append(slices.Clip(given), others...), refLogs, lasts, aheads)
		}
		if !timed {
			fmt.Fprintln(stderr, "reference time: not used (the query has no timediff(t), the only condition that counts from \"now\")")
			passed, refFrom = nil, nil // no "now" is taken, nor passed over
		} else if len(ms) > 1 {
			// Logs of several machines: each machine's timediff counts
			// from its own last-written record, as analyze's windows do.
			var names []string
			for _, m := range ms {
				names = append(names, m.name)
			}
			fmt.Fprintf(stderr, "evtxrdp query: the logs come from %d machines (%s); timediff counts from each machine's own last-written record; use --at for one reference time\n", len(ms), escapeText(strings.Join(names, ", ")))
			nowOf = map[*evtx.Log]time.Time{}
			passed = nil // each machine's own
			refFrom = map[*evtx.Log]bool{}
			for _, m := range ms {
				if m.from == nil {
					fmt.Fprintf(stderr, "reference time of %s: none (its logs hold no records)\n", escapeText(m.name))
					continue
				}
				refFrom[m.from] = true
				passed = append(passed, m.passed...)
				fmt.Fprintf(stderr, "reference time of %s: %s (%s)\n", escapeText(m.name), evtx.FormatTime(m.ref.Time), refRecordText(m.ref, m.from))
				for _, l := range m.logs {
					nowOf[l] = m.ref.Time
				}
			}
		} else if now.IsZero() {
			fmt.Fprintln(stderr, "reference time: none (the input holds no records); use --at to set one")
		} else {
			fmt.Fprintf(stderr, "reference time: %s (%s); use --at to change\n", evtx.FormatTime(now), refRecordText(fromRec, from))
		}
		for _, l := range logs {
			if last := lasts[l]; last != nil {
				// Records before the first-written one: the clock ran
				// behind (unless the first-written record is itself after
				// the last-written one: the jump ahead).
				var behind *rules.ClockJump
				first := firsts[l]
				if first != nil && !first.System.TimeCreated.IsZero() && !first.System.TimeCreated.After(last.System.TimeCreated.Add(rules.ClockSlack)) {
					if j, err := rules.FindClockJumpBehind(l, first, last, evtx.Options{}, *noSkip); err == nil && j != nil {
						behind = j
					}
				}
				// The clock changes that explain them, wherever they lie
				// in the log: query reads no analysed period (a read
				// error is the query's to report; the jumps keep the
				// changes among their own records).
				_ = rules.ExplainClockJumps(l, evtx.Options{}, *noSkip, aheads[l], behind)
				for _, j := range []*rules.ClockJump{aheads[l], behind} {
					if j == nil {
						continue
					}
					fmt.Fprintf(stderr, "warning: %s\n", escapeText(fmt.Sprint(j)))
					if t := j.ChangeText(); t != "" {
						fmt.Fprintf(stderr, "warning: %s\n", escapeText(t))
					}
				}
				// A week without records across the start of timediff's
				// window, in a log written regularly before: a clock that
				// jumped ahead and stayed there moved "now" with it.
				now := now
				if t, ok := nowOf[l]; ok {
					now = t
				}
				// timeBounds widens the window by xpath.RecordTimeSlack
				// for the reader; the analysed period the warning names
				// starts where the query's own bound does.
				if since, _, ok := sel.timeBounds(l, now); ok && !since.IsZero() && timed {
					if g, err := rules.FindTimeGap(l, since.Add(xpath.RecordTimeSlack), evtx.Options{}, *noSkip); err == nil && g != nil {
						fmt.Fprintf(stderr, "warning: %s\n", escapeText(fmt.Sprint(g)))
						if t := g.ChangeText(); t != "" {
							fmt.Fprintf(stderr, "warning: %s\n", escapeText(t))
						}
					}
				}
			}
		}
		for _, a := range passed {
			fmt.Fprintf(stderr, "warning: %s\n", escapeText(a.String()))
		}
		// Of the logs not queried, only the one "now" comes from is said;
		// without timediff, none: the notes say where "now" comes from.
		for _, l := range refLogs {
			if n := untimedNotes[l]; n != "" && timed && (queried[l] || refFrom[l]) {
				fmt.Fprintf(stderr, "warning: %s\n", escapeText(n))
			}
		}
	}

	// Select. One log read oldest first streams (and stops after --count);
	// otherwise matches are collected (rendered into a temporary file, only
	// their order in memory), ordered, then printed.
	p := &printer{w: bufio.NewWriter(stdout), format: *format}
	stream := len(logs) == 1 && !*reverse && len(logs[0].Parts()) == 0 // copies merged: not in record order
	var hits []hit
	var sp *spool
	defer func() {
		if sp != nil {
			sp.close()
		}
	}()
	readable := 0
	for li, l := range logs {
		now := now
		if t, ok := nowOf[l]; ok {
			now = t
		}
		var o evtx.Options
		if !*noSkip {
			o.Since, o.Until, _ = sel.timeBounds(l, now)
			if sel.query != nil {
				if keys, ok := sel.query.Keys(); ok {
					o.Filter = func(s evtx.Summary) bool { return keys.Accepts(s.Provider, s.EventID) }
				}
			}
		}
		f, err := l.Open(o)
		if err != nil {
			fmt.Fprintf(stderr, "evtxrdp query: %s\n", pathErrText(l.Path, err))
			continue
		}
		// A log that has wrapped around (its oldest chunk is not the
		// first in the file) is not in record order: collect and sort.
		if h := f.Header(); stream && h.FirstChunk != 0 {
			stream = false
		}
		readAll := false // Next returned io.EOF
		var parts, printedParts partialNotes
		// counted is set when a streamed read printed --count events
		// after records decoded in part that the query may select: it
		// reads on to the end, printing nothing, so that the note can
		// name those records (Reader.HeldInFull answers once the read
		// ended); without them it stops at once.
		counted := false
		for seq := 0; ; seq++ {
			ev, err := f.Next()
			if err != nil {
				readAll = err == io.EOF
				break
			}
			if counted {
				continue
			}
			if ev.Partial != "" {
				// Decoded in part: its System part read, its event
				// data values without names. Printed when the query
				// matches it as read (flagged "partial", as dump
				// prints it: ../shared/cases wants the VSS RCM
				// sample's 1149 EventRecordID 463403 among the 542
				// events of its time query); named below either way,
				// since analyze counts none of them among a rule
				// query's matches and one the query may select was
				// refused for data that could not be read.
				if !sel.match(l, ev, now) {
					if sel.mayMatch(l, ev, now) {
						parts.add(ev)
					}
					continue
				}
				printedParts.add(ev)
			} else if !sel.match(l, ev, now) {
				continue
			}
			if stream {
				p.print(ev)
				if *count > 0 && p.n >= *count {
					if parts.n == 0 && printedParts.n == 0 {
						break
					}
					counted = true
				}
				continue
			}
			if sp == nil {
				dir, err := in.tempDir()
				if err == nil {
					sp, err = newSpool(dir, p)
				}
				if err != nil {
					fmt.Fprintf(stderr, "evtxrdp query: %s\n", errText(err))
					return exitFailure
				}
			}
			h, err := sp.add(ev, li, seq, len(l.Parts()) > 0)
			if err != nil {
				fmt.Fprintf(stderr, "evtxrdp query: %s\n", errText(err))
				return exitFailure
			}
			hits = append(hits, h)
			if len(logs) == 1 && *count > 0 && len(hits) >= 2*(*count) {
				// Keep only the N that can be printed.
				sortHits(hits, false)
				if *reverse {
					hits = append(hits[:0], hits[len(hits)-*count:]...)
				} else {
					hits = hits[:*count]
				}
			}
		}
		if readAll {
			noteCopies(stderr, "evtxrdp query", l, f)
			printedParts.report(stderr, l, f, true)
			parts.report(stderr, l, f, false)
		}
		if errs := f.Errors(); len(errs) > 0 {
			fmt.Fprintf(stderr, "evtxrdp query: %s: %s reading the log, first: %s\n", escapeText(l.Path), plural.N(f.Stats().Problems, "problem"), errText(errs[0]))
		}
		// Records the file lacks between its chunks (dump's "lost:"):
		// no query can match what they held.
		if lost := f.LostRecords(); len(lost) > 0 {
			more := ""
			if len(lost) > 1 {
				more = fmt.Sprintf(" (and %d more %s of lost records: evtxrdp dump lists them)", len(lost)-1, plural.Word(len(lost)-1, "run", "runs"))
			}
			fmt.Fprintf(stderr, "evtxrdp query: %s: %s; no query can match what they held%s\n", escapeText(l.Path), escapeText(lostText(lost[0], f.PartStats() != nil)), more)
			// The newest records lost are the ones a query of the
			// last hours would have matched: named too.
			if last := lost[len(lost)-1]; len(lost) > 1 && last.Newest {
				fmt.Fprintf(stderr, "evtxrdp query: %s: %s; no query can match what they held\n", escapeText(l.Path), escapeText(lostText(last, f.PartStats() != nil)))
			}
		}
		// Problems and not one record (a copy cut inside or after its
		// file header): as unreadable as a file that is not EVTX, as
		// dump and analyze say; a whole, empty log is read.
		if st := f.Stats(); st.Records+st.Skipped+st.Filtered > 0 || st.Problems == 0 {
			readable++
		}
		f.Close()
	}
	if readable == 0 {
		fmt.Fprintln(stderr, "evtxrdp query: no readable log")
		return exitFailure
	}

	if !stream {
		sortHits(hits, len(logs) > 1)
		if *reverse {
			for i, j := 0, len(hits)-1; i < j; i, j = i+1, j-1 {
				hits[i], hits[j] = hits[j], hits[i]
			}
		}
		if *count > 0 && len(hits) > *count {
			hits = hits[:*count]
		}
		for _, h := range hits {
			if err := sp.print(p, h); err != nil {
				fmt.Fprintf(stderr, "evtxrdp query: %s\n", errText(err))
				return exitFailure
			}
		}
	}
	progress.done()
	if err := p.w.Flush(); err != nil {
		return writeFailed(stderr, "query", err)
	}
	return exitOK
}

// printer writes events in the output format; n counts them.
type printer struct {
	w      *bufio.Writer
	format string
	n      int
	buf    []byte
}

func (p *printer) print(ev *evtx.Event) {
	buf := p.buf[:0]
	if p.format == "text" && p.n > 0 {
		buf = append(buf, '\n')
	}
	buf = p.render(buf, ev, p.n)
	p.w.Write(buf)
	p.buf = buf
	p.n++
}

// render appends the event in the output format; index is the N of
// "Event[N]" in text.
func (p *printer) render(buf []byte, ev *evtx.Event, index int) []byte {
	switch p.format {
	case "text":
		return ev.AppendText(buf, index)
	case "xml": // as evtxrdp dump writes them
		return appendXMLLine(buf, ev, index)
	case "jsonl":
		return appendJSON(buf, ev, index)
	}
	return buf
}

// spool keeps the matches that are ordered before they are printed: each
// is rendered once into a temporary file and only its sort key and place
// stay in memory (a hit, some 60 bytes), so that memory does not grow
// with the matches (a newest-first query over every record of a 1 GiB
// log held them all as decoded events).
type spool struct {
	f   *os.File
	w   *bufio.Writer
	off int64
	buf []byte
	p   *printer
}

func newSpool(dir string, p *printer) (*spool, error) {
	f, err := os.CreateTemp(dir, "query-*")
	if err != nil {
		return nil, err
	}
	return &spool{f: f, w: bufio.NewWriterSize(f, 256<<10), p: p}, nil
}

// textIndex0 is how an event rendered as text with index 0 starts; the
// printed index replaces it.
const textIndex0 = "Event[0]"

// add renders ev (text with index 0) into the file and returns its hit.
// Of copies read as one (merged), records are in written order by their
// EventRecordID (evtx.WrittenBefore: an export renumbers its records, so
// record numbers of two copies say nothing of their order).
func (s *spool) add(ev *evtx.Event, log, seq int, merged bool) (hit, error) {
	s.buf = s.p.render(s.buf[:0], ev, 0)
	if len(s.buf) > math.MaxInt32 || seq > math.MaxInt32 {
		return hit{}, errors.New("a match too large to order")
	}
	h := hit{recordID: ev.RecordID, log: int32(log), seq: int32(seq), off: s.off, n: int32(len(s.buf))}
	if merged && ev.System.EventRecordID != 0 {
		h.recordID = ev.System.EventRecordID
	}
	if t := ev.System.TimeCreated; !t.IsZero() {
		h.time = evtx.TimeToFiletime(t)
	}
	if _, err := s.w.Write(s.buf); err != nil {
		return h, fmt.Errorf("temporary file of matches: %w", err)
	}
	s.off += int64(len(s.buf))
	return h, nil
}

// print writes the event of h to p as p.print would.
func (s *spool) print(p *printer, h hit) error {
	if s.w != nil {
		if err := s.w.Flush(); err != nil {
			return fmt.Errorf("temporary file of matches: %w", err)
		}
		s.w = nil
	}
	if cap(s.buf) < int(h.n) {
		s.buf = make([]byte, h.n)
	}
	b := s.buf[:h.n]
	if _, err := s.f.ReadAt(b, h.off); err != nil {
		return fmt.Errorf("temporary file of matches: %w", err)
	}
	out := p.buf[:0]
	if p.format == "text" {
		if p.n > 0 {
			out = append(out, '\n')
		}
		out = append(out, "Event["...)
		out = strconv.AppendInt(out, int64(p.n), 10)
		out = append(out, ']')
		b = b[len(textIndex0):]
	}
	out = append(out, b...)
	p.w.Write(out)
	p.buf = out
	p.n++
	return nil
}

func (s *spool) close() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// selector is the compiled query: one XPath or a QueryList.
type selector struct {
	query *xpath.Query
	list  *xpath.QueryList
	// anyFile: the list's file Paths apply to every log given (none has a
	// file name the list names).
	anyFile bool
	mu      sync.Mutex
	chans   map[*evtx.Log]string // each log's channel, once looked up
	// channels are those of --channel: a record is selected only when its
	// own System/Channel (the log's, when it names none) is one of them.
	channels []string
}

// bindFiles binds each file Path of list that names, on this machine, a
// file that is one of logs (os.SameFile: by any path or link; of a log
// merged from copies, one of its copies) to that log's path
// (xpath.QueryList.BindFile).
func bindFiles(list *xpath.QueryList, logs []*evtx.Log) {
	for _, p := range list.FilePaths() {
		// The first of the Path's forms that is a file here
		// (xpath.LocalFiles: a file URL decoded, then as written, each
		// also with slashes for backslashes).
		var fi os.FileInfo
		for _, f := range xpath.LocalFiles(p) {
			if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
				fi = st
				break
			}
		}
		if fi == nil {
			continue
		}
		for _, l := range logs {
			files := []string{l.Path}
			for _, part := range l.Parts() {
				files = append(files, part.Path)
			}
			for _, f := range files {
				if li, err := os.Stat(f); err == nil && os.SameFile(fi, li) {
					list.BindFile(p, l.Path)
					break
				}
			}
		}
	}
}

// log is how the QueryList's Paths see l: its channel is that of its
// records (logChannel), not its file name's.
func (s *selector) log(l *evtx.Log) xpath.Log {
	s.mu.Lock()
	ch, ok := s.chans[l]
	if !ok {
		ch = logChannel(l)
		if s.chans == nil {
			s.chans = map[*evtx.Log]string{}
		}
		s.chans[l] = ch
	}
	s.mu.Unlock()
	return xpath.Log{Channel: ch, File: l.Path, AnyFile: s.anyFile}
}

// match applies the query to an event of the log l. A QueryList selects
// by channel or file: by the record's own System/Channel (the log's, by
// its first record, when the record names none), so that each record of
// a log that mixes channels (a saved custom view, forwarded events) meets
// the Selects of its own channel, and by the log's path.
func (s *selector) match(l *evtx.Log, ev *evtx.Event, now time.Time) bool {
	if len(s.channels) > 0 {
		ch := ev.System.Channel
		if ch == "" {
			ch = s.log(l).Channel
		}
		if !containsFold(s.channels, ch) {
			return false
		}
	}
	if s.query != nil {
		return s.query.Match(ev, now)
	}
	lg := s.log(l)
	if ch := ev.System.Channel; ch != "" {
		lg.Channel = ch
	}
	return s.list.MatchLog(lg, ev, now)
}

// mayMatch reports whether ev, a record of l decoded in part (its System
// part read, its EventData or UserData values without names), may be
// one the query selects: the query matches it as read, or the provider
// names and event ids every match has (xpath.Query.Keys) accept its
// System part and its TimeCreated lies within the query's time bounds
// (TimeBounds: a condition on the event data, which is not known, may be
// what refused it). These are the records decoded in part analyze names
// beside a rule query's matches (rules: scanResult.unreadable: keys
// accepted, TimeCreated in the window), for a query without keys, those
// it matches as read. With --no-skip the same: the reader's window and
// filter pass over only records of other keys or outside those bounds.
func (s *selector) mayMatch(l *evtx.Log, ev *evtx.Event, now time.Time) bool {
	if s.match(l, ev, now) {
		return true
	}
	if s.query == nil {
		return false
	}
	if len(s.channels) > 0 {
		ch := ev.System.Channel
		if ch == "" {
			ch = s.log(l).Channel
		}
		if !containsFold(s.channels, ch) {
			return false
		}
	}
	keys, ok := s.query.Keys()
	if !ok || !keys.Accepts(ev.System.Provider.Name, ev.System.EventID) {
		return false
	}
	since, until, bounded := s.query.TimeBounds(now)
	if !bounded {
		return true
	}
	t, ok := evtx.TimeCreatedOf(ev)
	return ok && (since.IsZero() || !t.Before(since)) && (until.IsZero() || !t.After(until))
}

// partialNotes collects the records decoded in part of one log that the
// query may select (selector.mayMatch), for a note on stderr.
type partialNotes struct {
	n    int
	bare int             // of n, those whose System part was not read (partialRecord.bare)
	kept []partialRecord // at most maxPartialNotes, in read order
}

// partialRecord is a record decoded in part as the note names it: a copy
// of its System part and place (no Root: the tree is not kept), with the
// TimeCreated read from its own tree (evtx.TimeCreatedOf of the copy
// would read the zero System.TimeCreated of a record that has none as a
// time, 0001-01-01), and whether its System part was read at all: a
// record whose System template did not resolve has no provider, event id
// or TimeCreated (sample_with_a_bad_chunk_magic.evtx: 82 such records),
// which a query with no keys ("*") selects as read; analyze names none of
// them (rules: unreadableMatches wants a provider and a TimeCreated).
type partialRecord struct {
	ev    *evtx.Event
	t     time.Time
	timed bool
	bare  bool
}

// maxPartialNotes bounds the records decoded in part kept per log.
const maxPartialNotes = 1000

func (p *partialNotes) add(ev *evtx.Event) {
	p.n++
	t, timed := evtx.TimeCreatedOf(ev)
	bare := ev.System.Provider.Name == "" && !timed
	if bare {
		p.bare++
	}
	if len(p.kept) < maxPartialNotes {
		p.kept = append(p.kept, partialRecord{ev: &evtx.Event{System: ev.System, RecordID: ev.RecordID, Written: ev.Written, Partial: ev.Partial, Source: ev.Source},
			t: t, timed: timed, bare: bare})
	}
}

// report names on stderr, once the log was read to its end, the records
// decoded in part that the query may select and that the file does not
// also hold decoded in full (evtx.Reader.HeldInFull: that copy was
// evaluated, and printed if it matched), newest first, at most five, with
// their EventRecordIDs: not printed, since their event data could not be
// read. A record whose System part was not read either is named as such,
// and the note does not say of it that its System part was read.
//
// printed says the records were printed among the matches (the query
// matches them as read): the note then says so, and that analyze counts
// none of them among a rule query's matches.
func (p *partialNotes) report(stderr io.Writer, l *evtx.Log, f *evtx.File, printed bool) {
	var prs []partialRecord
	held, heldBare := 0, 0
	for _, pr := range p.kept {
		if f.HeldInFull(pr.ev) && !printed {
			held++
			if pr.bare {
				heldBare++
			}
			continue
		}
		prs = append(prs, pr)
	}
	n, bare := p.n-held, p.bare-heldBare
	if n == 0 {
		return
	}
	sort.SliceStable(prs, func(i, j int) bool {
		return prs[i].timed && (!prs[j].timed || prs[i].t.After(prs[j].t))
	})
	const most = 5
	var names []string
	for i, pr := range prs {
		if i == most {
			break
		}
		ev := pr.ev
		rec := &rules.RecordRef{EventRecordID: ev.System.EventRecordID, RecordNumber: ev.RecordID}
		if ev.Source.File != "" && ev.Source.File != l.Path {
			rec.File = ev.Source.File
		}
		if pr.bare {
			names = append(names, fmt.Sprintf("no System part read, %s", rec))
			continue
		}
		when := " (no TimeCreated read)"
		if pr.timed {
			when = " at " + evtx.FormatEventTime(pr.t)
		}
		names = append(names, fmt.Sprintf("%s %d%s, %s", ev.System.Provider.Name, ev.System.EventID, when, rec))
	}
	if n > len(names) {
		names = append(names, fmt.Sprintf("and %d more", n-len(names)))
	}
	newest := ""
	if n > 1 {
		newest = "the newest: "
	}
	var why string
	switch {
	case bare == 0:
		why = fmt.Sprintf("%s System part was read, but %s event data could not be read (values without names)", plural.Word(n, "its", "their"), plural.Word(n, "its", "their"))
	case bare == n:
		why = fmt.Sprintf("not even %s System part could be read (no provider, event id or TimeCreated)", plural.Word(n, "its", "their"))
	default:
		why = fmt.Sprintf("their event data could not be read (values without names), and of %d of them not even the System part (no provider, event id or TimeCreated)", bare)
	}
	if printed {
		// A copy in part of a record the file also holds in full (a
		// chunk half overwritten) is printed from both: said, since the
		// stream printed it before the full copy could be known.
		twice := 0
		for _, pr := range p.kept {
			if f.HeldInFull(pr.ev) {
				twice++
			}
		}
		also := ""
		if twice > 0 {
			also = fmt.Sprintf("; %d of them the file also holds decoded in full, printed from that copy too", twice)
		}
		fmt.Fprintf(stderr, "evtxrdp query: %s: %s printed %s decoded in part (%s%s, flagged \"partial\"): %s; analyze %s among a rule query's matches%s\n",
			escapeText(l.Path), plural.N(n, "record"), plural.Word(n, "was", "were"), newest, escapeText(strings.Join(names, "; ")), why,
			plural.Word(n, "does not count it", "counts none of them"), also)
		return
	}
	fmt.Fprintf(stderr, "evtxrdp query: %s: %s decoded in part (%s%s) that the query may select %s not printed: %s; evtxrdp dump prints %s\n",
		escapeText(l.Path), plural.N(n, "record"), newest, escapeText(strings.Join(names, "; ")), plural.Word(n, "is", "are"),
		why, plural.Word(n, "it", "them"))
}

// timeBounds are the TimeCreated bounds outside which no record of l can
// match, for the reader's window: the query's, or the union of every
// Select of the QueryList, since a record is selected by its own channel
// (match) whatever the log's first record says.
func (s *selector) timeBounds(l *evtx.Log, now time.Time) (since, until time.Time, ok bool) {
	if s.query != nil {
		return s.query.TimeBounds(now)
	}
	return s.list.TimeBounds("", now)
}

// sortHits orders matches as wevtutil returns them: record order for one
// log (the file order of a wrapped log is not; EventRecordID order for
// copies read as one), time order across logs.
func sortHits(hits []hit, byTime bool) {
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if byTime && a.time != b.time {
			return a.time < b.time
		}
		if a.log != b.log {
			return a.log < b.log
		}
		if a.recordID != b.recordID {
			return a.recordID < b.recordID
		}
		return a.seq < b.seq
	})
}

// hit is a match waiting in the spool: its sort key and where its output is.
type hit struct {
	time     uint64 // System/TimeCreated as a FILETIME (0: none)
	recordID uint64
	off      int64 // of its output in the spool
	log      int32 // index of the log
	seq      int32 // position of the record in its log
	n        int32 // bytes of its output
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// maxQueryFile is the most bytes --structured-query reads (a QueryList of
// 32 Selects of 64 KiB queries is 2 MiB).
const maxQueryFile = 4 << 20

// readQueryFile reads the structured query of name ("-" for standard
// input): a file, or a pipe (bash's <(...)), of at most maxQueryFile
// bytes; a longer input is an error naming it (/dev/zero never ends).
func readQueryFile(name string) ([]byte, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxQueryFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxQueryFile {
		return nil, fmt.Errorf("%s: larger than %d bytes: not a structured query", name, maxQueryFile)
	}
	return data, nil
}

// invalidQuery prints wevtutil's message, then where and why.
func invalidQuery(stderr io.Writer, err error) {
	fmt.Fprintln(stderr, "The specified query is invalid.")
	fmt.Fprintf(stderr, "evtxrdp query: %s\n", errText(err))
	var se *xpath.SyntaxError
	var qe *xpath.QueryListError
	if errors.As(err, &se) && !errors.As(err, &qe) && len(se.Expr) <= 240 && !strings.ContainsAny(se.Expr, "\r\n\t") {
		// The query is shown escaped as everything else on stderr (a
		// query pasted from a ticket or a script may hold terminal
		// escapes), the caret under the escaped text.
		fmt.Fprintf(stderr, "  %s\n  %s^\n", escapeText(se.Expr), strings.Repeat(" ", len([]rune(escapeText(se.Expr[:se.Offset])))))
	}
}

// usesReferenceTime reports whether the query selected (the -q
// expression or the structured query) counts from the reference time: a
// one-argument timediff in its compiled expression
// (xpath.Query.UsesReferenceTime). A string literal or an XML comment
// that reads "timediff", or timediff(t1, t2) of two given times, does not.
func (s *selector) usesReferenceTime() bool {
	if s.list != nil {
		return s.list.UsesReferenceTime()
	}
	return s.query != nil && s.query.UsesReferenceTime()
}

// queryMachine is one machine among the logs query reads: its logs (as
// read, copies merged) and the latest last-written record among them.
type queryMachine struct {
	name   string
	logs   []*evtx.Log
	ref    *rules.RecordRef
	from   *evtx.Log
	passed []*rules.LastAhead // logs whose later last-written record was written while the clock ran ahead
}

// queryReference picks, among logs, the one whose last-written record
// (lasts) gives the reference time, as analyze does (rules.ReferenceEnd:
// the latest, unless written while the clock ran ahead, as another log's
// jump ahead, aheads, shows). from is nil when no log has a last-written
// record with a time.
func queryReference(logs []*evtx.Log, lasts map[*evtx.Log]*evtx.Event, aheads map[*evtx.Log]*rules.ClockJump) (from *evtx.Log, ref *rules.RecordRef, passed []*rules.LastAhead) {
	var (
		ls     []*evtx.Log
		paths  []string
		refs   []*rules.RecordRef
		jumped []*rules.ClockJump
	)
	for _, l := range logs {
		last := lasts[l]
		if last == nil {
			continue
		}
		r := rules.LogRecordRef(l, last)
		if r.Time.IsZero() {
			continue
		}
		ls, paths, refs, jumped = append(ls, l), append(paths, l.Path), append(refs, r), append(jumped, aheads[l])
	}
	best, passed := rules.ReferenceEnd(paths, refs, jumped)
	if best < 0 {
		return nil, nil, nil
	}
	return ls[best], refs[best], passed
}

// queryMachines groups the logs into machines as analyze does
// (fleet.Group over the logs as given, each a unit of its own, so that a
// log without a computer name is not given to a machine) and returns the
// machines of logs with a last-written record (lasts), in the order of
// their first log.
// given are the logs before copies were merged; logs after, each with the
// path of its first copy.
func queryMachines(given, logs []*evtx.Log, lasts map[*evtx.Log]*evtx.Event, aheads map[*evtx.Log]*rules.ClockJump) []*queryMachine {
	if len(logs) < 2 {
		return nil
	}
	var units []*fleet.Unit
	var channels []string
	for _, l := range given {
		units = append(units, &fleet.Unit{Path: l.Path, Logs: []*evtx.Log{l}})
		channels = append(channels, logChannel(l))
	}
	ms := fleet.Group(units, fleet.Options{Channels: channels})
	of := map[string]int{} // path of a copy -> machine
	for i, m := range ms {
		for _, fl := range m.Logs {
			for _, c := range fl.Copies {
				of[c.Path] = i
			}
		}
	}
	byMachine := map[int]*queryMachine{}
	var out []*queryMachine
	for _, l := range logs {
		last := lasts[l]
		i, ok := of[l.Path]
		if last == nil || !ok {
			continue
		}
		qm := byMachine[i]
		if qm == nil {
			qm = &queryMachine{name: ms[i].Label()}
			byMachine[i] = qm
			out = append(out, qm)
		}
		qm.logs = append(qm.logs, l)
	}
	for _, qm := range out {
		qm.from, qm.ref, qm.passed = queryReference(qm.logs, lasts, aheads)
	}
	return out
}

// maxNamedChannels is how many channels noLogText names.
const maxNamedChannels = 20

// noLogText says why no log is left to query: none was found, or the
// logs found are of other channels than --channel or the QueryList's
// Selects name (then it names the channels found, so that a misspelt
// channel is not taken for damaged logs).
func noLogText(all []*evtx.Log, channels []string, list *xpath.QueryList) string {
	if len(all) == 0 {
		return "no readable log"
	}
	seen := map[string]bool{}
	var found []string
	for _, l := range all {
		c := logChannel(l) // the records' channel; the file name's when unreadable
		if c != "" && !seen[strings.ToLower(c)] {
			seen[strings.ToLower(c)] = true
			found = append(found, c)
		}
	}
	sort.Strings(found)
	if n := len(found) - maxNamedChannels; n > 1 {
		found = append(found[:maxNamedChannels], fmt.Sprintf("and %d more", n))
	}
	theirs := fmt.Sprintf("among the %s given (their channels: %s)", plural.N(len(all), "log"), strings.Join(found, ", "))
	if len(channels) > 0 {
		var q []string
		for _, c := range channels {
			q = append(q, strconv.Quote(c))
		}
		msg := fmt.Sprintf("no log of channel %s %s", strings.Join(q, " or "), theirs)
		// A channel typed as its log's file name spells it
		// ("...RemoteConnectionManager%4Operational.evtx"): say which
		// name --channel takes, as the records name it.
		for _, c := range channels {
			if strings.Contains(c, "%4") {
				msg += fmt.Sprintf("; %q in a log's file name stands for %q in its channel: --channel %q", "%4", "/", strings.ReplaceAll(c, "%4", "/"))
			}
		}
		return msg
	}
	if list != nil {
		var paths []string
		seenPath := map[string]bool{}
		for _, q := range list.Queries {
			for _, sel := range q.Selects {
				if !seenPath[sel.Path] {
					seenPath[sel.Path] = true
					paths = append(paths, sel.Path)
				}
			}
		}
		return fmt.Sprintf("no log of the channels the query list selects (%s) %s", strings.Join(paths, ", "), theirs)
	}
	return "no readable log"
}

// unselected returns the logs of all that are not among kept (the logs
// --channel and a query list select), in their order, each once.
func unselected(all, kept []*evtx.Log) []*evtx.Log {
	in := map[*evtx.Log]bool{}
	for _, l := range kept {
		in[l] = true
	}
	var out []*evtx.Log
	for _, l := range all {
		if !in[l] {
			in[l] = true
			out = append(out, l)
		}
	}
	return out
}

// refRecordText names the record ref of log from that a reference time
// comes from, escaped for stderr: "the last-written record, EventRecordID
// N in PATH", or, where the file's newest records are lost (a copy cut
// short, its last chunk zeroed: a Newest run of evtx.Reader.LostRecords),
// that it is not the last-written record, as analyze's header says. Before,
// query and dump called the record of a copy cut short "the last-written
// record" while their "lost:" lines named the records written after it.
func refRecordText(ref *rules.RecordRef, from *evtx.Log) string {
	if newestLost(from) {
		return escapeText(ref.In(from.Path)) + "; the records written after the newest the file holds are lost, so it is not the last-written record"
	}
	return "the last-written record, " + escapeText(ref.In(from.Path))
}

// newestLost reports whether l's newest records are lost: a run of
// evtx.Reader.LostRecords marked Newest, from a read of the whole log
// with a window no record lies in (each record's TimeCreated read, none
// decoded; LostRecords needs the read to reach io.EOF). false when the
// log cannot be read.
func newestLost(l *evtx.Log) bool {
	f, err := l.Open(evtx.Options{Since: evtx.FiletimeToTime(math.MaxUint64)})
	if err != nil {
		return false
	}
	defer f.Close()
	for {
		if _, err := f.Next(); err == io.EOF {
			break
		} else if err != nil {
			return false
		}
	}
	for _, s := range f.LostRecords() {
		if s.Newest {
			return true
		}
	}
	return false
}
