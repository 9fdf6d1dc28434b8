package main

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/internal/rawpath"
	"github.com/evtxrdp/evtxrdp/rules"
	"github.com/spf13/pflag"
)

// copiesHelp is what dump and query say about a log given twice.
const copiesHelp = `A log given more than once is read once, as analyze reads it: the same
file by several paths (the same path twice, a link, a file and the
directory holding it, - twice) is read once, and copies of one log (a
byte-identical or shadow copy, an older copy overlapping the newer one:
logs of one channel, by their first record, whose records share record
id, time, EventRecordID, TimeCreated, provider, event id and computer; a
log saved from it, whose record headers were renumbered, by the events'
EventRecordID, TimeCreated, provider, event id and computer where both
name one computer; logs whose records differ in EventRecordID or
TimeCreated are not copies) are read as one log, each record once (by
channel, EventRecordID, TimeCreated and content), the copy with the most
records first, then the records only the others hold (a record decoded
in part in one copy that another holds intact is read intact; records
decoded in part that no copy holds intact come last).
A record two copies hold with different content (the same channel,
EventRecordID and TimeCreated: one copy is damaged), or with one of
channel, EventRecordID and TimeCreated different and the same record
number, record header time and size (the byte changed is in that
field), is printed once, from
the copy whose chunk checksums verify; when both copies' verify or
neither's, both are printed (analyze counts the copy read first), the
one not counted flagged "conflict_of" in JSON (the other's file and
offset); a problem at the copy set aside or not counted names the other
and why.
stderr names each duplicate: a file given again before reading, a copy
once it is read, with how many of its records it adds (those printed
from it).
`

const dumpHelp = `usage: evtxrdp dump [flags] PATH...

Stream the events of EVTX logs to stdout, in file order. PATH is an .evtx
file, a directory of them, a mounted Windows volume (its
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

` + copiesHelp + `
Formats:
  jsonl  one JSON object per line with the typed event fields (default)
  xml    one <Event> per line, as wevtutil qe /f:xml prints it
  text   as wevtutil qe /f:text prints it
  none   nothing: decode every record, then print the summary (checks a
         log, and times decoding alone in bench/run)

--since and --until compare with each event's TimeCreated
(System/TimeCreated/@SystemTime, the time Event Viewer shows), never with
the record header's write time, which exported logs borrow from other
records or leave 0. They take a time, RFC 3339 with or without fraction
and zone (2024-05-01T12:00:00Z, 2024-05-01T12:00:00.1234567, 2024-05-01;
no zone means UTC; a date alone is its 00:00:00, so "--until 2024-05-01"
ends as that day begins and a day's events are "--since 2024-05-01
--until 2024-05-01T23:59:59.9999999"), or a duration (90m, 24h, 7d, 1d12h) counted back from
the TimeCreated of each input's last-written record (its highest record
number), the latest of them ("--since 24h": the last day of logging),
as analyze and query take "now": a last-written record without a
TimeCreated (or with one of FILETIME 0, before 1980, which no Windows
clock reads, or after the year 9999: a
damaged value) gives way to the last record written before it with one,
whatever its record header time says, and stderr says so; not an input's whose last-written record lies in the
time another input shows the clock ran ahead (stderr says so). Inputs
of several machines (grouped as analyze groups them) each count back
from their machine's latest, and stderr names the machines and their
reference times.
Records outside the window are passed over, read without being decoded;
the output is the full dump with the events outside the window removed.
An event whose TimeCreated cannot be read (missing, repeated, not a time)
is printed whatever the window.

--recover also prints the old records left in chunk slack (what remains of
an earlier use of a chunk, or of the log before it was cleared) and in old
chunks past the file header's count (unallocated space), after the log's
current records, flagged: "recovered":"slack" (or "unallocated") in JSON, a
comment <!-- evtxrdp: recovered from chunk slack --> before the event in
XML, a line "  evtxrdp: recovered from chunk slack" after "Event[N]:" in
text. A copy of a current record is printed once. A record whose template was
overwritten or damaged but whose values are intact is printed in part,
flagged "partial" (and an <!-- evtxrdp: ... partial: ... --> comment, or
the "evtxrdp:" line in text; "Date: N/A" when its time is lost), with
its values, types and no names under "unresolved" (<Unresolved> in XML);
it is also listed as a problem.

At the end, for each log, a summary line and the problems found (damaged
chunks, checksum mismatches, unreadable spans, undecodable records,
records decoded in part, and a header's claim, its checksum right, that
cannot be true: a next record id or a chunk's record range more than the
chunks could hold; the first --max-errors of them, all counted;
--max-errors 0 lists all, a negative value is a usage error) go
to stderr; damage is reported, never fatal. A "lost:" line names each
run of records the log lacks between the chunks it holds (record 1155
followed by record 1418: 262 records Windows wrote, 25 of which the file
holds as old records in chunk slack, are not among its current records;
the other 237 are not in the file, their chunks zeroed or overwritten,
and only those are counted lost), with the file, chunk, offset and
TimeCreated of the records either side (of copies read as one, the runs
that no copy holds a record of), and the newest records, which the file
header's next record id or the newest chunk's header counts written but
no chunk holds readable (the last chunk, or its last records, zeroed),
after the newest record the file holds; and how many records of the run
--recover printed as old records from chunk slack. The summary's counts of
damage (records decoded in part, undecodable, records the headers or
their checksums do not account for, bytes unread, problems) are those of
a dump without a window, whatever --since and --until say; a record
decoded in part that the file also holds decoded in full (a copy in a
chunk half overwritten by another chunk's records, lacking its templates:
same record number and record header time) is one record, not counted
as decoded in part but as "copies decoded in part of records the file
holds in full" (both copies are printed), as analyze's partial_records
and windows count it; "events"
counts the events printed, copies decoded in part among them, and
"duplicates of printed events" the copies of a printed event that were
not printed again (byte-identical records: same record number, size and
CRC32). Records outside the window are not decoded, so their copies are
not told apart: "skipped outside the window (copies included)" counts
them all, and with a window the duplicates are the copies inside it, as
in a full dump filtered afterwards; events + skipped + duplicates is the
same for every window (without --recover: old records outside the window
count only among the old records). Old records are counted where they
lie: "in chunk slack" (past a current chunk's free space) and "in old
chunks past the file header's chunk count" (a file reused or bigger
before). The summary of a log
read with its copies counts each record and each span of damage once,
gives the chunks of the file it names and the problems of all its files
("N problems (in its 2 files)"), and a line per other copy gives that
file's own chunks and problems ("copy PATH: chunks: ..."). Copies of one log read as one decode every record:
their "duplicates (every copy, in its N files)" count each copy, in any of
the files, whatever the window. When stderr is a terminal and
stdout is not, a progress line shows on stderr for runs longer than a
second. Control characters from the logs are escaped in text output and
on stderr (\x1b, \n, \u202e); XML writes line breaks, C1 controls and
bidirectional overrides as character references (&#10;, &#x202e;) and
other control characters, which XML 1.0 forbids, as their Unicode control
pictures (ESC as U+241B); JSON keeps them exact. The summary gives the
span of the events' TimeCreated and the last-written record (of copies
read as one, with the copy that holds it; where the newest records are
lost, the newest record the file holds, named so), and says
when the log is a saved or exported copy (records renumbered: record
number and EventRecordID differ; or record header times of 0). In jsonl,
"time" is the record header time (null when it is 0) and "time_created"
the event's TimeCreated. Every format, and stderr, writes times as RFC
3339 does (2024-05-01T12:00:00.0000000Z), but for a time after the year
9999, which only a damaged value holds (a FILETIME reaches the year
60056): its year is signed, as ISO 8601's expanded form writes it
(+30828-09-14T02:48:05.4775808Z, "Date: +30828-09-14T02:48:05.477" in
text), so that no reader takes it for an RFC 3339 time. Windows compare
it as the time it is (after every other); it never gives "now", nor is
its record the summary's last written record.

` + flagsNote + `

flags:
%s
exit codes:
  0  every input was read (damage, if any, is reported on stderr)
  1  an input could not be read at all (not EVTX, missing, unreadable,
     or not one intact record in it)
  2  usage error
`

func runDump(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("evtxrdp dump", pflag.ContinueOnError)
	help := stderr
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" {
			help = stdout
		}
	}
	fs.SetOutput(stderr)
	format := fs.StringP("format", "f", "jsonl", "output `format`: jsonl, xml, text or none")
	since := fs.String("since", "", "only events whose TimeCreated is at or after `T` (time, or duration before the last-written record)")
	until := fs.String("until", "", "only events whose TimeCreated is at or before `T` (time, or duration before the last-written record)")
	workers := fs.IntP("workers", "w", 0, fmt.Sprintf("chunks decoded in parallel (`N`; 0: one per CPU; at most %d)", evtx.MaxWorkers))
	recoverSlack := fs.Bool("recover", false, "also print the old records found in chunk slack and in old chunks past the file header's count, flagged")
	maxErrs := fs.Int("max-errors", 50, "problems listed per log on stderr (`N`; 0: all); all are counted")
	fs.Usage = func() { fmt.Fprintf(help, dumpHelp, fs.FlagUsages()) }
	if refuseSingleDash(fs, "dump", args, stderr) {
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		return flagParseError(stderr, "dump", err)
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "evtxrdp dump: "+format+"\n", a...)
		fmt.Fprintln(stderr, "Run 'evtxrdp dump --help' for usage.")
		return exitUsage
	}
	if fs.NArg() == 0 {
		return usageErr("no PATH given")
	}
	var enc dumpEncoder
	name, _ := formatName(*format, "jsonl", "xml", "text", "none")
	switch name {
	case "jsonl":
		enc = appendJSON
	case "xml":
		enc = appendXMLLine
	case "text":
		enc = func(dst []byte, ev *evtx.Event, i int) []byte { return append(ev.AppendText(dst, i), '\n') }
	case "none":
		enc = func(dst []byte, _ *evtx.Event, _ int) []byte { return dst }
	default:
		return usageErr("unknown --format %q (want jsonl, xml, text or none)", *format)
	}
	if *workers < 0 {
		return usageErr("--workers %d: want 0 or more", *workers)
	}
	if *maxErrs < 0 {
		// 0 already lists all; a second spelling of it would only hide a typo.
		return usageErr("--max-errors %d: want 0 (list all) or more", *maxErrs)
	}
	// A flag given with an empty value is a usage error, not "no bound".
	var sinceT, untilT dumpWhen
	var err error
	if fs.Changed("since") {
		if sinceT, err = parseDumpWhen(*since); err != nil {
			return usageErr("--since %q: %v", *since, err)
		}
	}
	if fs.Changed("until") {
		if untilT, err = parseDumpWhen(*until); err != nil {
			return usageErr("--until %q: %v", *until, err)
		}
	}
	if sinceT.after(untilT) {
		return usageErr("--since %s is after --until %s: no record can be in between", *since, *until)
	}

	progress := newProgress(stdout, stderr, false)
	stderr = withProgress(stderr, progress)
	in := newInputs(progress)
	defer in.close()
	code := exitOK
	var logs []*evtx.Log
	for _, p := range fs.Args() {
		found, err := in.find(p)
		if err != nil {
			fmt.Fprintf(stderr, "evtxrdp dump: %s\n", findErrText(p, err))
			in.noteSkippedBelow(stderr, "evtxrdp dump", p, fs.Args()) // a zip of zips
			code = exitFailure
			continue
		}
		in.noteSkippedBelow(stderr, "evtxrdp dump", p, fs.Args())
		logs = append(logs, found...)
	}
	noteMisnamed(stderr, "evtxrdp dump", logs, "")
	given := logs // before copies are merged, for grouping into machines
	logs = readOnce(logs, *workers, stderr, "evtxrdp dump")
	// A duration counts back from each log's reference time: its
	// machine's (dumpReferences).
	windowOf := map[*evtx.Log][2]time.Time{}
	if sinceT.relative || untilT.relative {
		refOf, ok := dumpReferences(given, logs, *workers, stderr)
		if !ok {
			fmt.Fprintln(stderr, "evtxrdp dump: no record to count --since/--until back from")
			return exitFailure
		}
		for _, l := range logs {
			s, u := sinceT, untilT
			s.resolve(refOf[l])
			u.resolve(refOf[l])
			if s.after(u) {
				return usageErr("--since %s (%s) is after --until %s (%s): no record can be in between",
					*since, evtx.FormatTime(s.t), *until, evtx.FormatTime(u.t))
			}
			windowOf[l] = [2]time.Time{s.t, u.t}
		}
	}
	// The reader keeps the problems that are listed (all for 0) and
	// counts the others.
	keep := *maxErrs
	if keep == 0 {
		keep = -1
	}
	d := &dumper{
		out:     bufio.NewWriterSize(stdout, 256<<10),
		stderr:  stderr,
		enc:     enc,
		opts:    evtx.Options{Since: sinceT.t, Until: untilT.t, Workers: *workers, Recover: *recoverSlack, MaxErrors: keep},
		maxErrs: *maxErrs,
	}
	for _, l := range logs {
		if w, ok := windowOf[l]; ok {
			d.opts.Since, d.opts.Until = w[0], w[1]
		}
		if err := d.dump(l); err != nil {
			var werr dumpWriteError
			if errors.As(err, &werr) {
				return writeFailed(stderr, "dump", werr.err)
			}
			fmt.Fprintf(stderr, "evtxrdp dump: %s\n", errText(err))
			code = exitFailure
		}
	}
	if err := d.out.Flush(); err != nil {
		return writeFailed(stderr, "dump", err)
	}
	return code
}

type dumpEncoder func(dst []byte, ev *evtx.Event, index int) []byte

// dumpWhen is a --since/--until value: an absolute time, or a duration before
// the newest record.
type dumpWhen struct {
	t        time.Time
	relative bool
	back     time.Duration
}

// after reports whether w is known to come after u: both absolute times,
// or both durations back from the same newest record.
func (w dumpWhen) after(u dumpWhen) bool {
	switch {
	case w.relative && u.relative:
		return w.back < u.back
	case w.relative || u.relative:
		return false // known once resolved
	}
	return !w.t.IsZero() && !u.t.IsZero() && w.t.After(u.t)
}

func (w *dumpWhen) resolve(newest time.Time) {
	if w.relative {
		w.t = newest.Add(-w.back)
		w.relative = false
	}
}

// dumpWhenWant says what --since and --until take.
const dumpWhenWant = "want a time (2024-05-01T12:00:00Z, 2024-05-01T12:00:00.1234567, 2024-05-01) or a duration (90m, 24h, 7d; at most 36500 days)"

func parseDumpWhen(s string) (dumpWhen, error) {
	if strings.TrimSpace(s) == "" {
		return dumpWhen{}, errors.New("empty: " + dumpWhenWant)
	}
	t, terr := parseTime(s)
	if terr == nil {
		if t.IsZero() {
			// The zero time (0001-01-01T00:00:00Z) is a bound like any
			// other, before every record ("--until 0001-01-01" selects
			// none), but evtx.Options reads a zero Since or Until as no
			// bound: the next instant stands for it, which every record
			// time (1601 on) still lies after.
			t = t.Add(time.Nanosecond)
		}
		return dumpWhen{t: t}, nil
	}
	if d, err := parseDuration(s); err == nil && d >= 0 {
		return dumpWhen{relative: true, back: d}, nil
	}
	if fe := (*timeFieldError)(nil); errors.As(terr, &fe) {
		return dumpWhen{}, fmt.Errorf("%s (%s)", fe.Field, dumpWhenWant)
	}
	return dumpWhen{}, errors.New(dumpWhenWant)
}

// dumpReferences returns the reference time each log's --since and
// --until durations count back from, found as analyze and query find
// it: the TimeCreated of a last-written record (rules.TimedWrittenEnds: a
// last-written record without a TimeCreated gives way to the last record
// written before it with one, and stderr says so), the latest among the
// logs of one machine, passing over, as analyze does
// (rules.ReferenceEnd), a log whose last-written record was written
// while the clock ran ahead, as another log's records after its own
// last-written one show (stderr says so too). Logs of several machines
// (grouped as analyze and query group them, queryMachines) each count
// back from their machine's own, and stderr names the machines and
// their reference times, as query says them; a log given to no machine
// counts back from the latest of all. given are the logs before copies
// were merged (readOnce), logs after. A log that cannot be read gives
// nothing: its dump says why. ok is false when no log gives a time.
func dumpReferences(given, logs []*evtx.Log, workers int, stderr io.Writer) (refOf map[*evtx.Log]time.Time, ok bool) {
	o := evtx.Options{Workers: workers}
	lasts := map[*evtx.Log]*evtx.Event{}
	for _, l := range logs {
		_, last, untimed, err := rules.TimedWrittenEnds(l, o, false)
		if err != nil {
			continue
		}
		if untimed != nil {
			fmt.Fprintf(stderr, "evtxrdp dump: warning: %s\n", escapeText(rules.UntimedText(l, untimed, last)))
		}
		if last != nil {
			lasts[l] = last
		}
	}
	aheads := map[*evtx.Log]*rules.ClockJump{}
	if len(lasts) > 1 {
		// Only another log's jump ahead can pass over a log's end.
		for l, last := range lasts {
			if j, err := rules.FindClockJump(l, last, o, false); err == nil && j != nil {
				aheads[l] = j
			}
		}
	}
	_, latest, passed := queryReference(logs, lasts, aheads)
	if latest == nil {
		return nil, false
	}
	refOf = map[*evtx.Log]time.Time{}
	for _, l := range logs {
		refOf[l] = latest.Time
	}
	if ms := queryMachines(given, logs, lasts, aheads); len(ms) > 1 {
		var names []string
		for _, m := range ms {
			names = append(names, m.name)
		}
		fmt.Fprintf(stderr, "evtxrdp dump: the logs come from %d machines (%s); --since and --until count back from each machine's own last-written record\n", len(ms), escapeText(strings.Join(names, ", ")))
		passed = nil // each machine's own
		for _, m := range ms {
			if m.from == nil {
				fmt.Fprintf(stderr, "reference time of %s: none (its logs hold no records)\n", escapeText(m.name))
				continue
			}
			passed = append(passed, m.passed...)
			fmt.Fprintf(stderr, "reference time of %s: %s (%s)\n", escapeText(m.name), evtx.FormatEventTime(m.ref.Time), refRecordText(m.ref, m.from))
			for _, l := range m.logs {
				refOf[l] = m.ref.Time
			}
		}
	}
	for _, a := range passed {
		fmt.Fprintf(stderr, "evtxrdp dump: warning: %s\n", escapeText(a.String()))
	}
	return refOf, true
}

// lastWrittenRef names a log's last-written record as the reports do: by
// its EventRecordID, with its record number in the file beside it where
// they differ (an exported log), or by the record number alone when its
// EventRecordID was not read; of copies read as one, with the copy that
// holds it. EventRecordID 0 is rules.RecordRef's "not read": the record
// number never stands in for the id (an export renumbers its records).
func lastWrittenRef(st evtx.Stats) *rules.RecordRef {
	return &rules.RecordRef{EventRecordID: st.LastWrittenEventRecordID, RecordNumber: st.LastWrittenID, Time: st.LastWrittenCreated, File: st.LastWrittenFile}
}

type dumpWriteError struct{ err error }

func (e dumpWriteError) Error() string { return e.err.Error() }

type dumper struct {
	out     *bufio.Writer
	stderr  io.Writer
	enc     dumpEncoder
	opts    evtx.Options
	maxErrs int
	index   int // events written so far (wevtutil's Event[N])
	buf     []byte
	// recovered holds the record numbers of the recovered events
	// (--recover) of the log at hand that were printed.
	recovered []uint64
}

// dump writes the events of one log, then its summary and problems to
// stderr. It returns an error if the log cannot be read at all, or a
// dumpWriteError if stdout fails.
func (d *dumper) dump(l *evtx.Log) error {
	f, err := l.Open(d.opts)
	if err != nil {
		return err
	}
	defer f.Close()
	d.recovered = d.recovered[:0]
	full := 0 // events decoded in full, which tell their channel
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if ev.Partial == "" {
			full++
		}
		if ev.Recovered != "" {
			d.recovered = append(d.recovered, ev.RecordID)
		}
		d.buf = d.enc(d.buf[:0], ev, d.index)
		d.index++
		if _, err := d.out.Write(d.buf); err != nil {
			return dumpWriteError{err}
		}
	}
	if err := d.out.Flush(); err != nil {
		return dumpWriteError{err}
	}
	noteCopies(d.stderr, "evtxrdp dump", l, f)
	d.summary(l, f)
	st := f.Stats()
	if st.Records+st.Skipped == 0 && st.Problems > 0 {
		// Something EVTX-like, but not one intact record: as unreadable as
		// a file that is not EVTX at all.
		msg := fmt.Sprintf("%s: no readable record (%s above)", escapeText(l.Path), plural.N(st.Problems, "problem"))
		if unnamedLog(l) {
			msg += "; no record could be read, so its channel is not known" + channelUnknownTail
		}
		return errors.New(msg)
	}
	if full == 0 && st.Partial > 0 && st.Skipped == 0 && unnamedLog(l) {
		fmt.Fprintf(d.stderr, "evtxrdp dump: %s: its %s were all decoded in part (their templates damaged: values without names), so its channel is not known%s\n",
			escapeText(l.Path), plural.N(st.Partial, "record"), channelUnknownTail)
	}
	return nil
}

// channelUnknownTail ends what dump says of a log no record of which
// told its channel (none read, or every one decoded in part) and whose
// file name names no channel: the words analyze gives it
// (rules.Input.ChannelUnknown; the reasons its input gives are dump's).
const channelUnknownTail = " (its file name names no channel; analyze lists it as \"channel unknown\": it may be the log of any channel they read)"

func (d *dumper) summary(l *evtx.Log, f *evtx.File) {
	st := f.Stats()
	// chunks describes one file's chunks (a merged log's Stats give its
	// first file's, the one it is named by).
	chunks := func(st evtx.Stats) string {
		var flags []string
		if st.Dirty {
			flags = append(flags, "dirty")
		}
		if st.Full {
			flags = append(flags, "full")
		}
		fl := ""
		if len(flags) > 0 {
			fl = " (" + strings.Join(flags, ", ") + ")"
		}
		return fmt.Sprintf("chunks: %d used, %d in header%s, %d damaged", st.Chunks, st.HeaderChunks, fl, st.BadChunks) // "chunks:" counts each; no noun to agree
	}
	// Old records lie in the slack of current chunks or in old chunks
	// past the file header's chunk count (the file reused, or bigger
	// before): each kind is said as what it is (evtx.Stats.StaleOldChunks).
	slack := fmt.Sprintf("%s in chunk slack", plural.N(st.Stale-st.StaleOldChunks, "old record"))
	if st.StaleOldChunks > 0 {
		where := "past the file header's chunk count"
		if st.ForeignChunks > 0 {
			// Counted chunks of another log (evtx.Stats.ForeignChunks).
			where += fmt.Sprintf(" or not the log's (%s)", plural.N(st.ForeignChunks, "chunk"))
		}
		slack += fmt.Sprintf(" and %d in old chunks %s", st.StaleOldChunks, where)
	}
	if d.opts.Recover {
		slack += fmt.Sprintf(" (%d printed, %d undecodable)", st.SlackRead, st.SlackUnreadable)
	} else {
		slack += " (--recover reads them)"
	}
	// A copy of a record is told apart only when both are decoded: the
	// copies outside the window are among the skipped records (telling
	// them apart would mean a key for every record skipped; see
	// evtx.Stats.Duplicates). A merged log decodes every record.
	skipped := fmt.Sprintf("%d skipped outside the window", st.Skipped)
	dups := plural.N(st.Duplicates, "duplicate") + " of printed events"
	problems := plural.N(st.Problems, "problem")
	parts := l.Parts()
	if n := len(parts); n > 0 {
		dups = fmt.Sprintf("%s (every copy, in its %d files)", plural.N(st.Duplicates, "duplicate"), n)
		if st.Conflicts > 0 {
			// evtx.Stats.Conflicts: the problem of each copy set aside
			// names the copy printed, how they differ (in content or in
			// a field of the key) and why.
			dups = fmt.Sprintf("%s (every copy, in its %d files; %s whose copies differ: see the problems)", plural.N(st.Duplicates, "duplicate"), n, plural.N(st.Conflicts, "record"))
		}
		problems += fmt.Sprintf(" (in its %d files)", n)
	} else if !d.opts.Since.IsZero() || !d.opts.Until.IsZero() {
		skipped += " (copies included)"
	}
	partial := plural.N(st.Partial, "record") + " decoded in part"
	if st.PartialHeld > 0 {
		// evtx.Stats.PartialHeld: copies in part of records held in
		// full, not counted as records decoded in part.
		partial += fmt.Sprintf(" (and %d %s decoded in part of records the file holds in full, counted once, in full)", st.PartialHeld, plural.Word(st.PartialHeld, "copy", "copies"))
	}
	fmt.Fprintf(d.stderr, "%s: %s, %s, %s, %d undecodable, %s, %s the headers or their checksums do not account for, %s; %s; %s unread; %s\n",
		escapeText(l.Path), plural.N(st.Records, "event"), partial, skipped, st.BadRecords, dups, plural.N(st.Recovered, "record"), slack, chunks(st), plural.N(st.UnreadBytes, "byte"), problems)
	// Each copy's own file: its chunks and problems (listed below, each
	// naming its file).
	for i, ps := range f.PartStats() {
		if i > 0 && i < len(parts) {
			fmt.Fprintf(d.stderr, "  copy %s: %s; %s\n", escapeText(parts[i].Path), chunks(ps), plural.N(ps.Problems, "problem"))
		}
	}
	if !st.FirstCreated.IsZero() {
		lastRef, lastAt := lastWrittenRef(st), st.LastWrittenCreated
		if st.Renumbered > 0 && len(parts) == 0 {
			// An export: the record it saved last (the highest record
			// number, which Stats keeps) was written last only when it
			// saved them in the order they were written; the last-written
			// record is the one analyze and query take "now" from
			// (rules.TimedWrittenEnds: by EventRecordID otherwise).
			if _, last, _, err := rules.TimedWrittenEnds(l, evtx.Options{Workers: d.opts.Workers}, false); err == nil && last != nil {
				if rf := rules.LogRecordRef(l, last); !rf.Time.IsZero() {
					lastRef, lastAt = rf, rf.Time
				}
			}
		}
		// Where the newest records are lost (a copy cut short, its last
		// chunk zeroed: a Newest run, named on a "lost:" line below),
		// the record is the newest the file holds, not the last
		// written, as analyze's inputs say ("newest held").
		which, after := "last written record", ""
		for _, l := range f.LostRecords() {
			if l.Newest {
				which, after = "newest record the file holds", " (the records written after it are lost)"
			}
		}
		fmt.Fprintf(d.stderr, "  TimeCreated %s to %s; %s: %s at %s%s\n",
			evtx.FormatEventTime(st.FirstCreated), evtx.FormatEventTime(st.LastCreated), which, lastRef, evtx.FormatEventTime(lastAt), after)
	}
	if st.Exported() {
		fmt.Fprintln(d.stderr, "  "+exportedText(st))
	}
	// Records Windows numbered but the file does not hold (chunks zeroed
	// or overwritten between chunks that hold records): said, with where
	// the records either side lie, since no problem above counts them
	// when the zeroed chunks lie past the file header's count.
	// A record numbered in a run that the file holds as an old record
	// (chunk slack) is in the file after all: not counted lost
	// (evtx.LostSpan.Slack), and said beside the run, with how many of
	// them --recover printed.
	for _, l := range f.LostRecords() {
		text := lostText(l, f.PartStats() != nil)
		seen := map[uint64]bool{}
		for _, id := range d.recovered {
			if id > l.AfterID && id < l.BeforeID {
				seen[id] = true
			}
		}
		if n := len(seen); n > 0 {
			text += fmt.Sprintf("; %d of those old records %s printed, recovered from chunk slack (--recover)", n, plural.Word(n, "was", "were"))
		}
		fmt.Fprintf(d.stderr, "  lost: %s\n", escapeText(text))
	}
	errs, listed := f.Errors(), 0
	for i, e := range errs {
		if d.maxErrs > 0 && i == d.maxErrs {
			break
		}
		fmt.Fprintf(d.stderr, "  %s\n", errText(e))
		listed++
	}
	if more := st.Problems - listed; more > 0 {
		fmt.Fprintf(d.stderr, "  ... and %d more %s (--max-errors 0 lists all)\n", more, plural.Word(more, "problem", "problems"))
	}
}

// exportedText is the line that says a log was exported (Stats.Exported):
// how many of the records read were renumbered and how many have header
// time 0.
func exportedText(st evtx.Stats) string {
	return fmt.Sprintf("exported log (saved from Event Viewer or wevtutil): %d of %s renumbered, %d with header time 0; events are placed by TimeCreated",
		st.Renumbered, plural.N(st.IDsRead, "record"), st.ZeroWritten)
}

// lostText describes a run of lost records: which, and the records
// either side with their file, chunk, offset and TimeCreated; copies says
// the log is copies read as one, none of which holds them.
func lostText(l evtx.LostSpan, copies bool) string {
	side := func(id uint64, ev *evtx.Event) string {
		if ev == nil {
			return fmt.Sprintf("record %d (not decodable)", id)
		}
		t := "no TimeCreated"
		if !ev.System.TimeCreated.IsZero() {
			t = evtx.FormatEventTime(ev.System.TimeCreated)
		}
		// An export renumbers its records: the EventRecordID, which
		// Event Viewer shows, is named beside the file's number.
		eid := ""
		if e := ev.System.EventRecordID; e != 0 && e != id {
			eid = fmt.Sprintf("EventRecordID %d; ", e)
		}
		return fmt.Sprintf("record %d (%s%s: chunk %d: offset %#x, %s)", id, eid, ev.Source.File, ev.Source.Chunk, ev.Source.Offset, t)
	}
	what := fmt.Sprintf("records %d to %d (%d) are", l.AfterID+1, l.BeforeID-1, l.Count())
	if l.Count() == 1 {
		what = fmt.Sprintf("record %d is", l.AfterID+1)
	}
	// The file holds some of the numbers as old records (chunk slack):
	// those are not lost.
	old := ""
	if l.Slack > 0 {
		n := int(min(l.Count(), uint64(1<<62)))
		what = fmt.Sprintf("%d of records %d to %d %s", l.Count(), l.AfterID+1, l.BeforeID-1, plural.Word(n, "is", "are"))
		old = fmt.Sprintf("; the other %d %s in the file, as %s (chunk slack: --recover reads them)", l.Slack, plural.Word(l.Slack, "is", "are"), plural.Word(l.Slack, "an old record", "old records"))
	}
	where := "the file"
	if copies {
		where = "any of the copies"
	}
	if l.NoneRead {
		// No chunk holds a readable record: the file header alone says
		// which were written.
		return fmt.Sprintf("records %d to %d (at most %d) are not read: no chunk of %s holds a readable record, and its file header's next record id is %d (records up to %d written; how many of them the file held is not known)%s", l.AfterID+1, l.BeforeID-1, l.Count(), where, l.BeforeID, l.BeforeID-1, old)
	}
	if l.Newest {
		// No record follows: the file header counts these written.
		count := fmt.Sprintf("its file header's next record id is %d", l.BeforeID)
		if l.ChunkCount {
			count = fmt.Sprintf("the header of its newest chunk counts records up to %d", l.BeforeID-1)
		}
		return fmt.Sprintf("%s not in %s (chunks zeroed, overwritten or cut off): the newest records, after %s, the newest the file holds; %s%s", what, where, side(l.AfterID, l.After), count, old)
	}
	return fmt.Sprintf("%s not in %s (chunks zeroed or overwritten): %s is followed by %s%s", what, where, side(l.AfterID, l.After), side(l.BeforeID, l.Before), old)
}

// appendXMLLine appends the event's XML on one line: line breaks inside
// values become character references (&#10;, &#13;), which XML parsers
// read back as the same characters. So do the characters that could
// drive a terminal or reorder a line and that the renderer writes as they
// are (C1 controls, U+2028, U+2029, bidirectional overrides:
// evtx.IsUnsafeRune); the renderer already writes other control
// characters as their Unicode control pictures (XML 1.0 forbids them even
// as references).
func appendXMLLine(dst []byte, ev *evtx.Event, _ int) []byte {
	n := len(dst)
	dst = ev.AppendXML(dst)
	clean := true
	for _, c := range dst[n:] {
		if c == '\n' || c == '\r' || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return append(dst, '\n')
	}
	x := string(dst[n:])
	dst = dst[:n]
	for _, r := range x {
		switch {
		case r == '\n':
			dst = append(dst, "&#10;"...)
		case r == '\r':
			dst = append(dst, "&#13;"...)
		case r >= 0x80 && evtx.IsUnsafeRune(r):
			dst = append(dst, "&#x"...)
			dst = strconv.AppendUint(dst, uint64(r), 16)
			dst = append(dst, ';')
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return append(dst, '\n')
}

// appendJSON appends one event as a JSON object and a newline. Written by
// hand: it is the hot path of dump.
func appendJSON(b []byte, ev *evtx.Event, _ int) []byte {
	s := &ev.System
	b = append(b, `{"record_id":`...)
	b = strconv.AppendUint(b, ev.RecordID, 10)
	if evtx.TimeToFiletime(ev.Written) == 0 {
		b = append(b, `,"time":null,"provider":{"name":`...) // no header time (exported logs)
	} else {
		b = append(b, `,"time":"`...)
		b = evtx.AppendTime(b, ev.Written)
		b = append(b, `","provider":{"name":`...)
	}
	b = appendJSONString(b, s.Provider.Name)
	b = append(b, `,"guid":`...)
	b = appendJSONString(b, s.Provider.GUID)
	b = append(b, `,"event_source_name":`...)
	b = appendJSONString(b, s.Provider.EventSourceName)
	b = append(b, `},"event_id":`...)
	b = strconv.AppendUint(b, uint64(s.EventID), 10)
	if s.HasQualifiers {
		b = append(b, `,"qualifiers":`...)
		b = strconv.AppendUint(b, uint64(s.Qualifiers), 10)
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendUint(b, uint64(s.Version), 10)
	b = append(b, `,"level":`...)
	b = strconv.AppendUint(b, uint64(s.Level), 10)
	b = append(b, `,"task":`...)
	b = strconv.AppendUint(b, uint64(s.Task), 10)
	b = append(b, `,"opcode":`...)
	b = strconv.AppendUint(b, uint64(s.Opcode), 10)
	b = append(b, `,"keywords":"0x`...)
	b = strconv.AppendUint(b, s.Keywords, 16)
	b = append(b, `","time_created":`...)
	if s.TimeCreated.IsZero() {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = evtx.AppendTime(b, s.TimeCreated)
		b = append(b, '"')
	}
	b = append(b, `,"event_record_id":`...)
	b = strconv.AppendUint(b, s.EventRecordID, 10)
	b = append(b, `,"activity_id":`...)
	b = appendJSONString(b, s.ActivityID)
	b = append(b, `,"process_id":`...)
	b = strconv.AppendUint(b, uint64(s.ProcessID), 10)
	b = append(b, `,"thread_id":`...)
	b = strconv.AppendUint(b, uint64(s.ThreadID), 10)
	b = append(b, `,"channel":`...)
	b = appendJSONString(b, s.Channel)
	b = append(b, `,"computer":`...)
	b = appendJSONString(b, s.Computer)
	b = append(b, `,"user_id":`...)
	b = appendJSONString(b, s.UserID)
	b = append(b, `,"event_data":[`...)
	for i, f := range ev.EventData {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendJSONString(b, f.Name)
		b = append(b, `,"type":`...)
		b = appendJSONString(b, f.Value.Kind.String())
		b = append(b, `,"value":`...)
		b = appendJSONValue(b, f.Value)
		b = append(b, '}')
	}
	b = append(b, ']')
	if ev.Binary != nil {
		b = append(b, `,"binary":"`...)
		b = appendHexUpper(b, ev.Binary)
		b = append(b, '"')
	}
	if ev.UserData != nil {
		b = append(b, `,"user_data":{`...)
		b = appendJSONString(b, ev.UserData.Name)
		b = append(b, ':')
		b = appendJSONElement(b, ev.UserData, 0)
		b = append(b, '}')
	}
	if ev.Recovered != "" {
		b = append(b, `,"recovered":`...)
		b = appendJSONString(b, ev.Recovered)
	}
	if ev.Partial != "" {
		b = append(b, `,"partial":`...)
		b = appendJSONString(b, ev.Partial)
		b = append(b, `,"unresolved":[`...)
		for i, v := range ev.Unresolved {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"type":`...)
			b = appendJSONString(b, v.Kind.String())
			b = append(b, `,"value":`...)
			b = appendJSONValue(b, v)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"file":`...)
	b = appendJSONString(b, ev.Source.File)
	b = appendFileBase64(b, ev.Source.File)
	if c := ev.ConflictOf; c != nil {
		// Of copies read as one, a record another copy holds with other
		// content, printed beside it (evtx.Event.ConflictOf).
		b = append(b, `,"conflict_of":{"file":`...)
		b = appendJSONString(b, c.File)
		b = appendFileBase64(b, c.File)
		b = fmt.Appendf(b, `,"offset":%d}`, c.Offset)
	}
	return append(b, "}\n"...)
}

// appendFileBase64 appends, after a "file" field holding path, the
// "file_base64" field of its bytes when path is not valid UTF-8 (its JSON
// string then holds U+FFFD for each invalid byte): rawpath.
func appendFileBase64(b []byte, path string) []byte {
	if e := rawpath.Base64(path); e != "" {
		b = append(b, `,"file_base64":`...)
		b = appendJSONString(b, e)
	}
	return b
}

// appendJSONValue appends the canonical text of v as a JSON string.
func appendJSONValue(b []byte, v evtx.Value) []byte {
	switch {
	case v.Kind == evtx.KindString || v.Kind == evtx.KindAnsiString || v.Kind == evtx.KindGUID ||
		v.Kind == evtx.KindSID || v.Kind == evtx.KindEvtXML:
		return appendJSONString(b, v.Str)
	case v.Kind == evtx.KindBinXML || v.Kind.IsArray() || v.Kind.Base() > evtx.KindHexInt64:
		return appendJSONString(b, v.String())
	}
	// Numbers, hex, times, booleans, binary: ASCII that needs no escaping.
	b = append(b, '"')
	b = v.AppendText(b)
	return append(b, '"')
}

// maxJSONDepth bounds the nesting of user_data objects (the decoder bounds
// it already; this keeps the dumpEncoder safe on its own).
const maxJSONDepth = 64

// appendJSONElement renders an element as JSON: its text dumpWhen it has no
// attributes and no children; otherwise an object with "@attr" members,
// one member per child name in document order (an array dumpWhen the name
// repeats) and "#text" for text mixed with children.
func appendJSONElement(b []byte, e *evtx.Element, depth int) []byte {
	if len(e.Attrs) == 0 && len(e.Children) == 0 {
		return appendJSONValue(b, e.Value)
	}
	if depth >= maxJSONDepth {
		return appendJSONString(b, e.Text())
	}
	b = append(b, '{')
	first := true
	sep := func() {
		if !first {
			b = append(b, ',')
		}
		first = false
	}
	for _, a := range e.Attrs {
		sep()
		b = appendJSONString(b, "@"+a.Name)
		b = append(b, ':')
		b = appendJSONValue(b, a.Value)
	}
	if !e.Value.IsNull() {
		sep()
		b = append(b, `"#text":`...)
		b = appendJSONValue(b, e.Value)
	}
	done := make(map[string]bool, len(e.Children))
	for i, c := range e.Children {
		if done[c.Name] {
			continue
		}
		done[c.Name] = true
		n := 0
		for _, o := range e.Children[i:] {
			if o.Name == c.Name {
				n++
			}
		}
		sep()
		b = appendJSONString(b, c.Name)
		b = append(b, ':')
		if n == 1 {
			b = appendJSONElement(b, c, depth+1)
			continue
		}
		b = append(b, '[')
		k := 0
		for _, o := range e.Children[i:] {
			if o.Name == c.Name {
				if k > 0 {
					b = append(b, ',')
				}
				k++
				b = appendJSONElement(b, o, depth+1)
			}
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD; control characters, the characters JavaScript does not accept
// raw (U+2028, U+2029), C1 controls and bidirectional overrides
// (evtx.IsUnsafeRune: they could drive a terminal or reorder the line the
// JSON is printed on) are escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if evtx.IsUnsafeRune(r) {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendHexUpper(b []byte, p []byte) []byte {
	n := len(b)
	b = hex.AppendEncode(b, p)
	for i := n; i < len(b); i++ {
		if c := b[i]; c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return b
}

// unnamedLog reports whether l's file name names no channel
// (export.evtx, standard input: rules.FileNameClaim), as analyze decides
// it (rules.LogChannel): a log named after one (System.evtx, or
// Microsoft-Windows-AAD%4Operational.evtx, which no rule reads) is that
// channel's log when no record tells.
func unnamedLog(l *evtx.Log) bool {
	_, fileCh, _ := rules.LogChannel(l, noChannel)
	if rules.FileNameClaim(fileCh) != "" {
		return false // named after a channel: that channel's log
	}
	rs, err := rules.Builtin()
	if err != nil {
		return false
	}
	for _, r := range rs {
		for _, ch := range r.Channels() {
			if strings.EqualFold(ch, fileCh) {
				return false
			}
		}
	}
	return true
}
