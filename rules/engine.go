package rules

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

// Defaults of Options.
const (
	// DefaultLookBack is how long before the window (and after its end)
	// matching events are still looked for, to report them as "just
	// outside the window" ("last seen 3 days before the window"). Only the
	// records a query can match are decoded there (Query.Keys), so a week
	// costs little more than the window alone.
	DefaultLookBack = 7 * 24 * time.Hour
	// DefaultMaxEvidence is how many evidence events per query a finding
	// keeps (the newest); the count covers all of them.
	DefaultMaxEvidence = 10
	// maxErrors is how many format errors per input are kept.
	maxErrors = 100
	// maxComputers is how many computer names a caveat lists.
	maxComputers = 16
	// maxSightings is how many distinct computer names a log's read
	// tracks: a log naming more (hostile, or a forwarded-events log of a
	// large fleet) is said to name "more than" that many.
	maxSightings = 1024
	// maxCorroboration is how many corroborating events a finding keeps.
	maxCorroboration = 10
)

// SystemChannel is the channel whose log is always read, even when no
// rule queries it: the reference time is the newest record of the logs
// read, and System is the log every Windows machine writes to.
const SystemChannel = "System"

// MaxSpan is the longest window, look-back or corroboration look-back a
// rule or Options may give: a century (36,500 days). Two of them added, as
// the analysed period adds a window and a look-back, stay well inside
// time.Duration's 292 years; a longer one overflowed into a period that
// ends before it starts.
const MaxSpan = 36500 * 24 * time.Hour

// Options control an Engine.
type Options struct {
	// At is the reference time ("now" of timediff). Zero means the
	// TimeCreated of the last-written record (highest record number)
	// that gives one (TimedWrittenEnds) of each log the engine opens,
	// the latest of those across logs but for a log whose clock ran ahead
	// (ReferenceEnd). The wall clock is never used.
	At time.Time
	// Window overrides every rule's window when positive; at most MaxSpan.
	Window time.Duration
	// LookBack is how far outside the window matching events are reported
	// (0 means DefaultLookBack, negative means none); at most MaxSpan.
	LookBack time.Duration
	// MaxEvidence is the number of evidence events kept per query
	// (0 or less means DefaultMaxEvidence); EvidenceCount counts them all.
	MaxEvidence int
	// Workers is passed to the EVTX reader (chunks decoded in parallel).
	Workers int
	// NoShortcuts turns every shortcut off: every record of every log read
	// is decoded (no time window given to the reader, no provider/event-id
	// filter), every query of a log's channel is evaluated on every event,
	// and each log's last-written record is found by reading all its
	// events. The findings are the same as with the shortcuts (tests check
	// it); only the reader's counts in Input.Stats differ. It is slow: for
	// tests and for doubt.
	NoShortcuts bool
	// Timeline is how many lines of the RDP timeline (timeline.yaml) the
	// Result keeps, the newest (0 means DefaultTimeline, negative none:
	// then the timeline's logs are not read for it).
	Timeline int
}

// Engine evaluates compiled rules over event logs. It is safe for
// concurrent use: Analyze keeps its state per call.
type Engine struct {
	rules    []*compiledRule
	opt      Options
	timeline *compiledRule // the timeline's queries (timeline.go), or nil
	held     *heldMemo     // WithMemo's, or nil
	// ctx is AnalyzeContext's context, on the copy of the engine one
	// call makes (nil: never stopped): every read of the call is given
	// it (evtx.Options.Context).
	ctx context.Context
}

// heldMemo remembers, for each log (not merged) the plan met, its
// channel (LogChannel) and neededChannels' answer: the same log and
// engine give the same answers.
type heldMemo struct {
	mu sync.Mutex
	m  map[*evtx.Log]*heldEntry
}

type heldEntry struct {
	ch, fileCh string
	err        error
	chs        []string
	looked     bool // chs is set
}

// WithMemo returns a copy of e (and of the copies WithWorkers makes of
// it) that reads the channel of each log's first record once, and looks
// through each log whose records may be of a channel the rules read
// though its first one is not (a log named after no channel or another
// one) once, and remembers the channels found, for as long as
// the copy is kept: fleet.Analyze gives it the machines of one run, which
// can share logs (a folder's logs no record of which names a computer
// are listed with each machine whose logs are there; 300 machines each
// looked through the same 300 logs). Every Analyze gives what e gives;
// only the reading is shared. The channels of files changed while the
// copy is used are not read again: each Analyze that reads such a file
// says in its warnings that it changed (evtx.Log.Changed). e is
// unchanged.
func (e *Engine) WithMemo() *Engine {
	c := *e
	c.held = &heldMemo{m: map[*evtx.Log]*heldEntry{}}
	return &c
}

type compiledRule struct {
	rule    *Rule
	window  time.Duration
	queries []*compiledQuery
}

type compiledQuery struct {
	rule    *compiledRule
	query   *Query
	x       *xpath.Query
	keys    xpath.Keys // provider names and event ids every match has
	hasKeys bool
	tl      *timelineQuery // a timeline entry's query, else nil
	// follower: a context query that an UnlessFollowed of its rule names.
	follower bool
}

// changedText says, per log whose file changed between two of its opens
// (evtx.Log.Changed: by size, modification time or change time), that
// the run read two versions of it: the reference time, the grouping, the
// channels remembered (WithMemo) and the findings may each come from
// either. Each read is of one version (the reader reads the size it
// found at its open, and its memo is dropped on a change), so the report
// is not re-read: a copy that does not change is the remedy.
func changedText(logs []*evtx.Log) []string {
	var out []string
	for _, l := range logs {
		c := l.Changed()
		if c == nil {
			continue
		}
		out = append(out, fmt.Sprintf("%s: the file changed while this run read it (%s, then %s; modified %s, then %s): "+
			"what this analysis says (the reference time, which logs are one machine's, the findings) may mix its former and new contents; "+
			"copy the logs to a place where nothing writes to them and analyse the copy",
			c.Path, plural.N(c.Size, "byte"), plural.N(c.NewSize, "byte"), evtx.FormatTime(c.ModTime), evtx.FormatTime(c.NewModTime)))
	}
	return out
}

// WithWorkers returns a copy of e whose reads use n goroutines each
// (Options.Workers); e is unchanged. fleet.Analyze gives the machine with
// most of the bytes every worker and the others one.
func (e *Engine) WithWorkers(n int) *Engine {
	c := *e
	c.opt.Workers = n
	return &c
}

// NewEngine validates rs and compiles their queries once. It refuses an
// Options.Window or LookBack longer than MaxSpan; its error is Validate's
// (*RuleError values, joined) for rules that do not pass. The Engine keeps
// the *Rule values of rs (Rules and Finding.Rule return them) and reads
// them in every Analyze: change no rule after NewEngine, which checked and
// compiled it as it was; make a new Engine from changed rules instead.
func NewEngine(rs []*Rule, o Options) (*Engine, error) {
	if o.Window > MaxSpan || o.LookBack > MaxSpan {
		return nil, fmt.Errorf("rules: window %v, look-back %v: at most %v (36500 days) each", o.Window, o.LookBack, MaxSpan)
	}
	if err := Validate(rs); err != nil {
		return nil, err
	}
	if o.LookBack == 0 {
		o.LookBack = DefaultLookBack
	} else if o.LookBack < 0 {
		o.LookBack = 0
	}
	if o.MaxEvidence <= 0 {
		o.MaxEvidence = DefaultMaxEvidence
	}
	e := &Engine{opt: o}
	for _, r := range rs {
		cr := &compiledRule{rule: r, window: r.Window}
		if o.Window > 0 {
			cr.window = o.Window
		}
		for _, q := range r.Queries {
			x, err := compileXPath(q.XPath)
			if err != nil { // Validate compiled it already
				field := "queries[" + q.ID + "].xpath"
				return nil, &RuleError{File: r.File, Rule: r.ID, Field: field, Line: r.lineOf(field), Err: err}
			}
			cq := &compiledQuery{rule: cr, query: q, x: x}
			cq.keys, cq.hasKeys = x.Keys()
			for _, o := range r.Queries {
				if o.UnlessFollowed != nil && contains(o.UnlessFollowed.Queries, q.ID) {
					cq.follower = true
				}
			}
			cr.queries = append(cr.queries, cq)
		}
		e.rules = append(e.rules, cr)
	}
	if o.Timeline >= 0 {
		if err := e.compileTimeline(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Rules returns the engine's rules in evaluation order: a new slice of the
// *Rule values NewEngine was given, which the caller must not change.
func (e *Engine) Rules() []*Rule {
	rs := make([]*Rule, len(e.rules))
	for i, cr := range e.rules {
		rs[i] = cr.rule
	}
	return rs
}

// Channels returns the channels the engine reads for its rules and its
// timeline, sorted.
func (e *Engine) Channels() []string {
	seen := map[string]bool{}
	var chs []string
	add := func(c string) {
		if k := strings.ToLower(c); !seen[k] {
			seen[k] = true
			chs = append(chs, c)
		}
	}
	for _, cr := range e.rules {
		for _, c := range cr.rule.Channels() {
			add(c)
		}
	}
	if e.timeline != nil {
		for _, cq := range e.timeline.queries {
			add(cq.query.Channel)
		}
	}
	sort.Strings(chs)
	return chs
}

// Analyze reads the logs the rules need and returns one finding per rule.
// It returns an error only if no log could be read at all (every needed
// log absent is not an error: the findings say "not checked"); a log that
// met problems without giving one record counts as not read
// (ErrNoReadableLog). The Result is never nil, also with that error: its
// findings say "not checked" and its Inputs say why each log could not be
// read, which is what to show the user.
// The logs are those of one machine, each given once: a path given twice
// is read once, and several machines' logs share one reference time.
// Package fleet groups paths into machines and merges copies (evtx.Merge)
// before calling Analyze; fleet.Copies merges copies alone. Two copies of
// a log given unmerged (evtx.Find of a volume and of its shadow copy) are
// still two logs, each read and judged on its own, but a record a query
// matches in both is counted once, from the first given, as evtx.Merge
// would count it (by evtx.Event.Identity): Input.CopyOf names the earlier
// copy and Warnings says so (TestCopiesGivenApartCountOnce).
// It runs the engine's three stages (see the package doc): the plan of
// what to read, the scan that turns the logs into matches, and the judge
// that turns the matches into findings. A nil log in logs is a
// programming error: Analyze panics, as fleet.Analyze does for a nil
// machine.
func (e *Engine) Analyze(logs []*evtx.Log) (*Result, error) {
	return e.AnalyzeContext(context.Background(), logs)
}

// ErrStopped is wrapped, beside the context's own error, by the error
// AnalyzeContext returns when its context was done before the analysis
// ended.
var ErrStopped = errors.New("rules: analysis stopped")

// AnalyzeContext is Analyze, stopped when ctx is done (cancelled or past
// its deadline): every read of the logs looks at ctx once per chunk (64
// KiB) of each goroutine (evtx.Options.Context), so a cancel is followed
// by at most a chunk's work per reading goroutine, the analysis then
// returning no Result (nil) and an error wrapping ErrStopped and ctx's
// error (errors.Is(err, context.Canceled) or
// context.DeadlineExceeded holds). It starts no goroutine that outlives
// it. A context that is never done (context.Background) gives exactly
// what Analyze gives; what a stopped analysis read is never remembered
// for the logs (their memos keep no read that was stopped), so a later
// call gives what it would have given without the stopped one.
func (e *Engine) AnalyzeContext(ctx context.Context, logs []*evtx.Log) (*Result, error) {
	if ctx == nil {
		panic("rules: AnalyzeContext with a nil context.Context")
	}
	if ctx.Done() != nil {
		c := *e
		c.ctx = ctx
		e = &c
	}
	stopped := func() error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%w: %w", ErrStopped, err)
		}
		return nil
	}
	if err := stopped(); err != nil {
		return nil, err
	}
	p := e.plan(logs)
	if err := stopped(); err != nil {
		return nil, err
	}
	sr := e.scan(p, e.opt.At, false)
	if err := stopped(); err != nil {
		return nil, err
	}
	if sr.copiesSuspected {
		// Two logs may be copies of one: count their shared records once,
		// judged by their identity (copies.go).
		sr = e.scan(p, e.opt.At, true)
		if err := stopped(); err != nil {
			return nil, err
		}
	}
	res := &Result{
		ReferenceTime:         sr.ref,
		ReferenceFrom:         sr.refFile,
		ReferenceRecord:       sr.refRecord,
		LookBack:              e.opt.LookBack,
		Inputs:                sr.inputs,
		Findings:              judge(e.rules, sr),
		Warnings:              append(sr.warnings, changedText(logs)...),
		Timeline:              sr.timeline,
		TimelineDropped:       sr.timelineDropped,
		TimelineCut:           sr.timelineCut,
		TimelineUntimed:       sr.timelineUntimed,
		TimelineUntimedEvents: sr.timelineUntimedEvents,
		ClockJumps:            sr.clockJumps,
		TimeGaps:              sr.timeGaps,
	}
	res.Warnings = append(res.Warnings, newestLostWarnings(res, e.opt.At)...)
	for _, in := range res.Inputs {
		if in.Readable() && !noRecordRead(in) {
			return res, nil
		}
	}
	return res, ErrNoReadableLog
}

// newestLostWarnings says, when the reference time comes from a log
// whose newest records are lost (LostRecords.Newest: its file header
// counts records written after the newest it holds), that the reference
// time is not the last-written record's: "now" on the VM was later, and
// what it logged last is not in the copy. With --at (at) nothing is said.
func newestLostWarnings(res *Result, at time.Time) []string {
	if !at.IsZero() || res.ReferenceFrom == "" {
		return nil
	}
	var out []string
	for _, in := range res.Inputs {
		if in.Path != res.ReferenceFrom {
			continue
		}
		for _, l := range in.Lost {
			if l.Newest {
				out = append(out, fmt.Sprintf("the reference time is that of the newest record %s holds, not of the last-written one: %s; the VM logged after the reference time, and its last events are not in this copy (--at sets the reference time)", in.Path, l))
			}
		}
	}
	return out
}

// noRecordRead reports whether reading in met problems and gave not one
// record (a copy cut inside its file header, or after it): such a log is
// as unreadable as one that is not EVTX at all, as evtxrdp dump says, so
// that a run whose every log is so does not end as one that found nothing.
// A whole log that holds no record (cleared) has no problem and is read.
func noRecordRead(in *Input) bool {
	return in.ErrorCount > 0 && in.LastWritten == nil && recordCount([]*Input{in}) == 0
}
