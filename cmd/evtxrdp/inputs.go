package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/rules"
	"golang.org/x/term"
)

// maxStdin caps what "-" (standard input) may hold: the same limit as an
// archive member (evtx.MaxZipMember, 1 GiB). Standard input is copied once
// into a temporary file (a log is read at random offsets, chunks in
// parallel), removed when the command ends, also on SIGINT and SIGTERM.
const maxStdin = evtx.MaxZipMember

// inputs finds the logs a command reads and owns what that leaves behind:
// a private temporary directory (the copy of standard input, archive
// members too large for memory), removed by close and by a SIGINT or
// SIGTERM handler that then exits with 128+signal (130, 143).
type inputs struct {
	stdin    io.Reader
	progress *progressLine // nil: no progress shown

	mu       sync.Mutex
	dir      string // "" until first needed
	stop     chan struct{}
	stdinLog []*evtx.Log // "-" read once, however often it is named
	// stdinFile is the temporary copy of standard input, "" until "-"
	// is read.
	stdinFile string
	// stopper, once set (stopOn), is given the first SIGINT or SIGTERM
	// in place of the exit.
	stopper atomic.Pointer[func(os.Signal)]
}

// stopOn makes the first SIGINT or SIGTERM call stop (analyze cancels
// its analysis, which then ends the command with 128+signal) rather than
// exit at once; a second one, or another signal, exits as before. The
// temporary directory is removed either way (close, or the handler).
func (in *inputs) stopOn(stop func(os.Signal)) { in.stopper.Store(&stop) }

func newInputs(progress *progressLine) *inputs {
	in := &inputs{stdin: os.Stdin, progress: progress, stop: make(chan struct{})}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, cleanupSignals...)
	go func() {
		for {
			select {
			case s := <-sig:
				if stop := in.stopper.Load(); stop != nil && slices.Contains(stopSignals, s) && in.stopper.CompareAndSwap(stop, nil) {
					(*stop)(s)
					continue
				}
				in.removeTemp()
				in.progress.clear()
				os.Exit(signalExitCode(s))
			case <-in.stop:
				signal.Stop(sig)
				return
			}
		}
	}()
	return in
}

// close removes the temporary directory and stops handling signals.
func (in *inputs) close() {
	close(in.stop)
	in.removeTemp()
}

func (in *inputs) removeTemp() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.dir != "" {
		os.RemoveAll(in.dir)
		in.dir = ""
	}
}

// tempDir returns the private temporary directory, creating it.
func (in *inputs) tempDir() (string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.dir == "" {
		d, err := os.MkdirTemp("", "evtxrdp-")
		if err != nil {
			return "", err
		}
		in.dir = d
	}
	return in.dir, nil
}

// find is evtx.Find plus "-" for standard input; every log gets the
// temporary directory and the progress hook.
func (in *inputs) find(path string) ([]*evtx.Log, error) {
	var logs []*evtx.Log
	var err error
	if path == "-" {
		logs, err = in.readStdin()
	} else {
		logs, err = evtx.Find(path)
	}
	if err != nil {
		return nil, err
	}
	return logs, in.adopt(logs)
}

// noteSkippedBelow names on stderr, after prefix ("evtxrdp dump"), what
// the logs folder path holds and find did not read with its .evtx files:
// its subfolders of logs and its .zip archives; what a .zip archive
// holds and find did not read: the archives inside it; and what a
// mounted volume holds beside its Windows/System32/winevt/Logs: another
// installation's logs (Windows.old) and the logs elsewhere on it, with
// the command of prefix that reads one with the volume's (a log that a
// path of given names is read, and not named), as analyze names them
// (fleet.SkippedBelow). Nothing for another file.
func (in *inputs) noteSkippedBelow(stderr io.Writer, prefix, path string, given []string) {
	if path == "-" {
		for _, t := range in.skippedStdin() {
			fmt.Fprintf(stderr, "%s: %s\n", prefix, t)
		}
		return
	}
	cmd := strings.TrimPrefix(prefix, "evtxrdp ")
	var errs []error
	for _, e := range fleet.SkippedBelow(path) {
		if o, ok := e.(*fleet.OtherLog); ok {
			c := *o
			c.Command = cmd
			e = &c
		}
		errs = append(errs, e)
	}
	for _, e := range fleet.GivenElsewhere(given, errs) {
		fmt.Fprintf(stderr, "%s: %s\n", prefix, errText(e))
	}
}

// skippedBelow is the text of each of fleet.SkippedBelow's errors for
// the copy of standard input, named "-" as its members are
// ("-!inner.zip"), as an archive given by path is ("all.zip!inner.zip").
// Before, a zip of zips on standard input was read with no word of the
// archives inside it.
func (in *inputs) skippedStdin() []string {
	if in.stdinFile == "" {
		return nil
	}
	var texts []string
	for _, e := range fleet.SkippedBelow(in.stdinFile) {
		texts = append(texts, errText(errors.New(strings.ReplaceAll(e.Error(), in.stdinFile, "-"))))
	}
	return texts
}

// maxNamedBelow is how many places holding logs findErrText names.
const maxNamedBelow = 10

// findErrText is the text of err, find's error for path, and, when path
// is a folder that holds no .evtx file but places below it that hold
// logs (a folder per machine, an archive: a fleet, which analyze reads),
// names those places, found as analyze finds them (fleet.Find), so that
// "no .evtx logs in DIR" does not read as "no logs below DIR".
func findErrText(path string, err error) string {
	text := errText(err)
	if fi, serr := os.Stat(path); path == "-" || serr != nil || !fi.IsDir() {
		return text
	}
	units, _, ferr := fleet.Find([]string{path})
	if ferr != nil || len(units) == 0 {
		return text
	}
	var names []string
	for i, u := range units {
		if i == maxNamedBelow {
			names = append(names, fmt.Sprintf("and %d more", len(units)-maxNamedBelow))
			break
		}
		names = append(names, u.Path)
	}
	return text + escapeText(fmt.Sprintf("; %s below it %s logs, not read: %s (give each as a PATH of its own; analyze %s reads them all)", plural.N(len(units), "place"), plural.Word(len(units), "holds", "hold"), strings.Join(names, ", "), path))
}

// adopt gives logs found elsewhere (package fleet) the temporary
// directory and the progress hook.
func (in *inputs) adopt(logs []*evtx.Log) error {
	dir, err := in.tempDir()
	if err != nil {
		return err
	}
	for _, l := range logs {
		l.TempDir = dir
		if in.progress != nil {
			l.Progress = in.progress.update
		}
	}
	return nil
}

// readOnce returns logs with each log once (fleet.Copies, as analyze
// finds copies): the same file given again (the same path twice, a link,
// a file and the directory holding it, - twice) is read once, and copies
// of one log (a byte-identical or shadow copy, an older copy overlapping
// the newer one) are read as one (evtx.Merge: each record once, the copy
// with the most records first). Each file given again is named on stderr
// here; each copy of a log, with what it adds, by noteCopies once the
// merged log is read; logs that share a history and then part (a VM
// cloned from another's disk: fleet.Parted) are read apart, and a line
// names each pair. Logs are returned in the order of their first copy.
func readOnce(logs []*evtx.Log, workers int, stderr io.Writer, prefix string) []*evtx.Log {
	if len(logs) < 2 {
		return logs
	}
	sets := fleet.Copies(logs, workers)
	out := make([]*evtx.Log, 0, len(sets))
	for _, l := range sets {
		for _, c := range l.Copies[1:] {
			var note string
			switch {
			case c.SameFile && c.Path == c.SameAs:
				note = fmt.Sprintf("%s: given more than once; read once", c.Path)
			case c.SameFile:
				note = fmt.Sprintf("%s: the same file as %s (another path or a link); read once", c.Path, c.SameAs)
			default:
				continue // noteCopies
			}
			fmt.Fprintf(stderr, "%s: %s\n", prefix, escapeText(note))
		}
		// Logs that share a history and then part (clones) are read
		// apart: said once a pair.
		for _, p := range l.Parted() {
			if slices.Index(sets, p.Other) > slices.Index(sets, l) {
				fmt.Fprintf(stderr, "%s: %s\n", prefix, escapeText(p.Describe(l.Copies[0].Path, "")))
			}
		}
		out = append(out, l.EvtxLog())
	}
	return out
}

// noteCopies names on stderr each copy of merged log l (evtx.Merge; none
// for a log that is not merged) with how many of its records it adds, as
// f, a File of l read to io.EOF, counted them (evtx.Reader.PartAdded: by
// evtx.Event.Identity, the records printed). readOnce found the copies
// without decoding a record, from keys a changed record shares with its
// original; the counts come from the read, so that they add up to what is
// printed.
func noteCopies(stderr io.Writer, prefix string, l *evtx.Log, f *evtx.File) {
	parts, added, ps := l.Parts(), f.PartAdded(), f.PartStats()
	if len(parts) < 2 || len(added) != len(parts) || len(ps) != len(parts) {
		return
	}
	for i := 1; i < len(parts); i++ {
		var note string
		if added[i] == 0 {
			note = fmt.Sprintf("%s: a copy of %s; adds none of its %s; read as one log with it, each record once", parts[i].Path, parts[0].Path, plural.N(ps[i].Records, "record"))
		} else {
			note = fmt.Sprintf("%s: a copy of %s; adds %d of its %s; read as one log with it, each record once", parts[i].Path, parts[0].Path, added[i], plural.N(ps[i].Records, "record"))
		}
		fmt.Fprintf(stderr, "%s: %s\n", prefix, escapeText(note))
	}
}

// readStdin copies standard input into the temporary directory (at most
// maxStdin bytes) and finds the logs in it: one log named "-", or the
// members of a zip archive named "-!member".
func (in *inputs) readStdin() ([]*evtx.Log, error) {
	if in.stdinLog != nil {
		return in.stdinLog, nil
	}
	dir, err := in.tempDir()
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "stdin-*")
	if err != nil {
		return nil, fmt.Errorf("-: standard input: %w", err)
	}
	defer f.Close()
	in.stdinFile = f.Name()
	n, err := io.Copy(f, io.LimitReader(in.stdin, maxStdin+1))
	if err != nil {
		return nil, fmt.Errorf("-: reading standard input: %w", err)
	}
	if n > maxStdin {
		return nil, fmt.Errorf("-: standard input holds more than %d bytes, the limit; give the file's path instead", maxStdin)
	}
	logs, err := evtx.Find(f.Name())
	if err != nil {
		return nil, fmt.Errorf("-: standard input: %s", strings.ReplaceAll(err.Error(), f.Name(), "-"))
	}
	for _, l := range logs {
		l.Path = "-" + strings.TrimPrefix(l.Path, f.Name())
		if l.Path == "-" {
			l.Channel = "" // no file name to take it from: read from the records
		}
	}
	in.stdinLog = logs
	return logs, nil
}

// progressLine shows how far reading has got on one terminal line of
// stderr, once the command has run for a second; clear erases it before
// anything else is written there.
type progressLine struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
	last  time.Time
	shown bool
	off   bool
}

// newProgress returns a progress line on stderr when stderr is a terminal
// (and, when stdoutToo is false, stdout is not one: output and progress
// must not share a screen line), else nil.
func newProgress(stdout, stderr io.Writer, stdoutToo bool) *progressLine {
	if !isTerminal(stderr) || (!stdoutToo && isTerminal(stdout)) {
		return nil
	}
	return &progressLine{w: stderr, start: time.Now()}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *progressLine) update(pr evtx.Progress) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.off || now.Sub(p.start) < time.Second || now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	pct := int64(0)
	if pr.Total > 0 {
		pct = min(100, pr.Done*100/pr.Total)
	}
	name := escapeText(pr.Log)
	if len(name) > 60 {
		name = "..." + name[len(name)-57:]
	}
	fmt.Fprintf(p.w, "\r\033[K%s: %s %d%% of %s", name, pr.Stage, pct, mib(pr.Total))
	p.shown = true
}

func mib(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// clear erases the progress line if it is shown.
func (p *progressLine) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// done erases the line and shows no more.
func (p *progressLine) done() {
	if p == nil {
		return
	}
	p.clear()
	p.mu.Lock()
	p.off = true
	p.mu.Unlock()
}

// progressWriter calls before (erase the progress line, or end it for
// good) ahead of each write to w.
type progressWriter struct {
	w      io.Writer
	before func()
}

func (pw progressWriter) Write(b []byte) (int, error) {
	pw.before()
	return pw.w.Write(b)
}

// stopProgress wraps stdout so that its first write ends the progress line
// for good (output that shares the terminal with it).
func stopProgress(w io.Writer, p *progressLine) io.Writer {
	if p == nil {
		return w
	}
	return progressWriter{w, p.done}
}

// withProgress wraps w so that the progress line is erased before w is
// written; w itself when there is no progress line.
func withProgress(w io.Writer, p *progressLine) io.Writer {
	if p == nil {
		return w
	}
	return progressWriter{w, p.clear}
}

// logChannel returns the channel of l's records: the System/Channel of
// its first record, or, when no record tells (no record, unreadable), the
// channel its file name gives (rules.LogChannel, as analyze takes it).
func logChannel(l *evtx.Log) string {
	ch, _, _ := rules.LogChannel(l, noChannel)
	return ch
}

// noChannel is a rules.LogChannel needed that needs no channel: an
// archived log's name (Archive-System-...) gives the channel it archives.
func noChannel(string) bool { return false }

// misnamedLog reports whether l's file name (or, for an archived log,
// Archive-System-..., the channel it names) is not the channel of its
// first record: a renamed copy or a saved custom view, which may hold
// records of several channels.
func misnamedLog(l *evtx.Log) bool {
	ch, fileCh, _ := rules.LogChannel(l, noChannel)
	return !strings.EqualFold(ch, fileCh)
}

// noteMisnamed names on stderr each log whose records are of another
// channel than its file name gives (a renamed copy, an export saved under
// any name), followed by tail. A file name that holds its records'
// channel as a whole name, with a machine's name or a copy's number put
// before or after it (vm1-System.evtx, System (1).evtx,
// System_2024-05-01.evtx, both holding System records), names that
// channel: the note would say the file name names another, which it does
// not, so none is printed (namesChannel); nor is one for a file name
// that names no channel at all (export.evtx, ex_001.evtx, cut.evtx): it
// makes no claim (rules.Misnamed, as analyze decides its warning).
func noteMisnamed(stderr io.Writer, prefix string, logs []*evtx.Log, tail string) {
	for _, l := range logs {
		if len(l.Parts()) > 1 || l.Channel == "" {
			continue
		}
		ch, name, _ := rules.LogChannel(l, noChannel)
		if !rules.Misnamed(name, ch) {
			continue
		}
		fmt.Fprintf(stderr, "%s: %s\n", prefix, escapeText(fmt.Sprintf("%s: its records are of the %s channel, not of %s as its file name says%s", l.Path, ch, name, tail)))
	}
}

// namesChannel is rules.NamesChannel.
func namesChannel(name, ch string) bool { return rules.NamesChannel(name, ch) }
