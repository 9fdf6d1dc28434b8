package rules

// The plan: which logs Analyze reads and for which queries (plan), from the
// logs alone, before any record is decoded.

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

// readPlan is what Analyze reads: every log given (once per path) as an
// Input with the channel it holds and whether a query reads it (Used),
// the logs parallel to the inputs, and the queries per lower-case channel.
type readPlan struct {
	inputs    []*Input
	logs      []*evtx.Log
	byChannel map[string][]*compiledQuery
	// all holds every query, of every channel, in rule order: each log
	// read is evaluated by all of them, each record by those of its own
	// System/Channel (scanner.event), so that a log mixing channels has
	// every record of a channel the rules read evaluated, wherever it lies.
	all []*compiledQuery
	// warnings name the logs whose file name names a channel the rules
	// read and whose records are of another.
	warnings []string
}

// plan decides which logs Analyze reads and for which queries, from the
// channel of each log's first record (evtx Log.FirstChannel), or its file
// name's when no record tells. A log whose file name does not name that
// channel, when no rule reads it, is looked through for records of the
// channels read (neededChannels; fleet.HoldsChannel reads it again for the
// grouping, a second read of such a log). It keeps no state but
// WithMemo's, which remembers answers read from the logs: the same logs
// give the same plan.
func (e *Engine) plan(logs []*evtx.Log) readPlan {
	p := readPlan{byChannel: map[string][]*compiledQuery{}}
	crs := e.rules
	if e.timeline != nil {
		crs = append(append([]*compiledRule(nil), crs...), e.timeline)
	}
	for _, cr := range crs {
		for _, cq := range cr.queries {
			k := strings.ToLower(cq.query.Channel)
			p.byChannel[k] = append(p.byChannel[k], cq)
			p.all = append(p.all, cq)
		}
	}
	needed := func(ch string) bool {
		_, ok := p.byChannel[strings.ToLower(ch)]
		return ok || strings.EqualFold(ch, SystemChannel)
	}

	// Inputs, each with the channel its records say. Support engineers
	// copy and rename logs (a Security.evtx that holds System records,
	// "System (1).evtx", export.evtx), so a file name is a hint: the
	// System/Channel of the log's first record decides, and the file name
	// only when no record tells (no record, or the log cannot be read:
	// Err then says why). The file name's channel is kept beside it when
	// the two differ, and a warning names the log when its file name
	// names another channel (Misnamed, as dump and query decide).
	paths := map[string]bool{}
	for _, l := range logs {
		if paths[l.Path] {
			continue // given twice (a file and its directory)
		}
		paths[l.Path] = true
		in := &Input{Path: l.Path, Size: l.Size}
		p.inputs = append(p.inputs, in)
		p.logs = append(p.logs, l)
		var fileCh string
		in.Channel, fileCh, in.Err = e.logChannel(l, needed) // an Err: unreadable, not "a channel no rule reads"
		if !strings.EqualFold(in.Channel, fileCh) {
			in.FileChannel, in.ChannelFromEvents = fileCh, true
			if Misnamed(in.FileChannel, in.Channel) {
				p.warnings = append(p.warnings, misnamedText(in))
			}
		}
		if !in.ChannelFromEvents && !needed(in.Channel) && FileNameClaim(in.Channel) == "" {
			// No record told the channel and the file name names no
			// channel: a log that cannot be read, or whose records all
			// failed, may be any channel's (a System log copied as
			// export.evtx and cut after its file header). A file named
			// after a channel no rule reads
			// (Microsoft-Windows-AAD%4Operational.evtx, one of the
			// hundreds of a disk's winevt/Logs, empty or cut when the
			// disk was detached) is that channel's, as a System.evtx
			// cut alike is System's: it is not offered to every rule as
			// the log that may be theirs.
			if err := unreadableUnnamed(e.ctx, l, in.Err); err != nil {
				in.Err, in.ChannelUnknown = err, true
			}
		}
		in.Used = needed(in.Channel)
		if !in.Used && in.ChannelFromEvents && in.Err == nil {
			// A file named after no channel or another one (a saved
			// custom view, view.evtx) may hold records of the channels
			// the rules read between first and last records of one they
			// do not: it is read when one of its records is of such a
			// channel. Files named by their channel (a disk's
			// winevt/Logs) are not looked through.
			if chs := e.neededChannels(l, needed); len(chs) > 0 {
				in.Used = true
				in.Channels = append([]string{in.Channel}, chs...)
			}
		}
	}
	return p
}

// unreadableUnnamed returns why l, of which no record told a channel, is
// unreadable: err (it could not be opened), the first of its read
// problems when it yields no event, or, when every event it yields was
// decoded in part (its templates damaged: values without names, so no
// channel, provider or event id), that with the first problem; nil for a
// log read whole that holds no record (a cleared log: nothing in it is
// evidence) or yields an event decoded in full.
func unreadableUnnamed(ctx context.Context, l *evtx.Log, err error) error {
	if err != nil {
		return err
	}
	f, err := l.Open(evtx.Options{Workers: 1, Context: ctx})
	if err != nil {
		return err
	}
	defer f.Close()
	partial := 0
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if ev.Partial == "" {
			return nil // records that name no channel: read as the file name says
		}
		partial++
	}
	errs := f.Errors()
	switch {
	case partial > 0 && len(errs) > 0:
		return fmt.Errorf("its %s decoded in part (their templates damaged: values without names), so its channel is not known: %w", allPartial(partial), errs[0])
	case partial > 0:
		return fmt.Errorf("its %s decoded in part (their templates damaged: values without names), so its channel is not known", allPartial(partial))
	case len(errs) > 0:
		return fmt.Errorf("no record could be read, so its channel is not known: %w", errs[0])
	}
	return nil
}

// LogChannel returns the channel of l's records, ch: the System/Channel
// of its first record (evtx.Log.FirstChannel), or, when no record tells
// (none, or l cannot be read: err says why), fileCh, the channel its file
// name gives (evtx.Log.Channel; an archived log's name,
// Archive-System-2024-....evtx, gives the channel it archives unless
// needed says the archive's own name is a channel read). l is misnamed
// when the two differ (strings.EqualFold). The engine's plan and the
// grouping (fleet.Group) both take a log's channel from it, so that a log
// goes to the machine whose channel the engine reads it as. A nil l is an
// error wrapping ErrNilLog; a nil needed says no name is needed.
func LogChannel(l *evtx.Log, needed func(string) bool) (ch, fileCh string, err error) {
	if l == nil {
		return "", "", ErrNilLog
	}
	if needed == nil {
		needed = func(string) bool { return false }
	}
	fileCh = l.Channel
	if a, ok := evtx.ArchivedChannel(fileCh); ok && !needed(fileCh) {
		fileCh = a
	}
	ch, err = l.FirstChannel()
	if ch == "" {
		ch = fileCh
	}
	return ch, fileCh, err
}

// neededChannels returns the channels, of those needed, of l's records
// that a query of the engine can match by their provider name and event
// id (HeldChannels with Engine.Accepts). The criterion is the same with
// Options.NoShortcuts, which only decodes every record instead of those
// the keys accept: whether the log is read, and so the reference time,
// does not depend on the shortcuts (TestMixedChannelProbeShortcutFree). A
// record no query can match is evidence of nothing, whatever its channel.
//
// With WithMemo, a log (not merged) is looked through once: needed is the
// plan's, the same for every call of one engine.
func (e *Engine) neededChannels(l *evtx.Log, needed func(string) bool) []string {
	me := e.memoOf(l)
	if me != nil {
		e.held.mu.Lock()
		chs, ok := me.chs, me.looked
		e.held.mu.Unlock()
		if ok {
			return slices.Clone(chs)
		}
	}
	chs := HeldChannels(l, needed, e.Accepts(), evtx.Options{Workers: e.opt.Workers, Context: e.ctx}, e.opt.NoShortcuts, 0)
	heldReads.Add(1)
	if me != nil && (e.ctx == nil || e.ctx.Err() == nil) {
		// A look stopped by AnalyzeContext's context is not kept: it
		// may have ended before the log's end.
		e.held.mu.Lock()
		me.chs, me.looked = chs, true
		e.held.mu.Unlock()
	}
	return slices.Clone(chs)
}

// logChannel is LogChannel, once per log with WithMemo (needed is the
// plan's, the same for every call of one engine).
func (e *Engine) logChannel(l *evtx.Log, needed func(string) bool) (ch, fileCh string, err error) {
	if e.held == nil || len(l.Parts()) > 0 {
		return LogChannel(l, needed)
	}
	e.held.mu.Lock()
	me := e.held.m[l]
	e.held.mu.Unlock()
	if me != nil {
		return me.ch, me.fileCh, me.err
	}
	ch, fileCh, err = LogChannel(l, needed)
	e.held.mu.Lock()
	if e.held.m[l] == nil {
		e.held.m[l] = &heldEntry{ch: ch, fileCh: fileCh, err: err}
	}
	e.held.mu.Unlock()
	return ch, fileCh, err
}

// memoOf returns l's entry of the engine's memo (logChannel made it), or
// nil without WithMemo or for a merged log.
func (e *Engine) memoOf(l *evtx.Log) *heldEntry {
	if e.held == nil || len(l.Parts()) > 0 {
		return nil
	}
	e.held.mu.Lock()
	defer e.held.mu.Unlock()
	return e.held.m[l]
}

// heldReads counts the logs neededChannels looked through (tests).
var heldReads atomic.Int64

// HeldChannels returns the channels of l's records that need says are
// read, each once in the order met (at most max of them when max > 0,
// the read then ending early), counting only records decoded in full whose
// provider name and event id accepts takes (every record when accepts is
// nil). Records accepts refuses are not decoded unless plain. It returns
// nil when l cannot be opened, and what it met before a read problem (the
// analysis reports those), and when l is nil. o's window and Filter are
// replaced. A nil need reads no channel.
func HeldChannels(l *evtx.Log, need func(string) bool, accepts func(string, uint16) bool, o evtx.Options, plain bool, max int) []string {
	if l == nil || need == nil {
		return nil
	}
	o.Since, o.Until, o.Filter = time.Time{}, time.Time{}, nil
	if accepts != nil && !plain {
		o.Filter = func(s evtx.Summary) bool { return accepts(s.Provider, s.EventID) }
	}
	f, err := l.Open(o)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	for max <= 0 || len(out) < max {
		ev, err := f.Next()
		if err != nil {
			break // io.EOF, or a problem the analysis reports
		}
		ch := ev.System.Channel
		if ev.Partial != "" || ch == "" || !need(ch) || containsFold(out, ch) {
			continue
		}
		if accepts == nil || accepts(ev.System.Provider.Name, ev.System.EventID) {
			out = append(out, ch)
		}
	}
	return out
}

// misnamedText says that in's file name names another channel than its
// records.
func misnamedText(in *Input) string {
	return fmt.Sprintf("%s: its records are of the %s channel, not of %s as its file name says; it is read as %s", in.Path, in.Channel, in.FileChannel, in.Channel)
}

// Accepts returns whether a query of the engine's rules or timeline can
// match a record of a provider name and event id (xpath.Query.Keys), or
// nil when a query's keys are not known (every record may match). The
// plan reads a misnamed log whose first record is of a channel no rule
// reads only when it holds such a record of a channel read
// (neededChannels); fleet.Options.Accepts groups it by the same criterion.
func (e *Engine) Accepts() func(provider string, eventID uint16) bool {
	var keys []xpath.Keys
	crs := e.rules
	if e.timeline != nil {
		crs = append(append([]*compiledRule(nil), crs...), e.timeline)
	}
	for _, cr := range crs {
		for _, cq := range cr.queries {
			if !cq.hasKeys {
				return nil
			}
			keys = append(keys, cq.keys)
		}
	}
	set := xpath.NewKeySet(keys)
	return set.Accepts
}

// allPartial says that all of a log's partial records were decoded in
// part: "1 record was", "3 records were all".
func allPartial(partial int) string {
	if partial == 1 {
		return "1 record was"
	}
	return plural.N(partial, "record") + " were all"
}
