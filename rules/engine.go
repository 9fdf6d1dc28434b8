package rules

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
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
	// maxComputers is how many distinct computer names are tracked.
	maxComputers = 16
	// maxCorroboration is how many corroborating events a finding keeps.
	maxCorroboration = 10
	// maxPeeks is how many logs whose names say no channel the rules read
	// are opened to read their channel from the first event.
	maxPeeks = 64
)

// SystemChannel is the channel whose log is always read, even when no
// rule queries it: the reference time is the newest record of the logs
// read, and System is the log every Windows machine writes to.
const SystemChannel = "System"

// Options control an Engine.
type Options struct {
	// At is the reference time ("now" of timediff). Zero means the
	// TimeCreated of the last-written record (highest record number) of
	// each log the engine opens, the latest of those across logs. The wall
	// clock is never used.
	At time.Time
	// Window overrides every rule's window when positive.
	Window time.Duration
	// LookBack is how far outside the window matching events are reported
	// (0 means DefaultLookBack, negative means none).
	LookBack time.Duration
	// MaxEvidence is the number of evidence events kept per query
	// (0 means DefaultMaxEvidence).
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

// NewEngine validates rs and compiles their queries once.
func NewEngine(rs []*Rule, o Options) (*Engine, error) {
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
			x, err := xpath.Compile(q.XPath)
			if err != nil { // Validate compiled it already
				return nil, &RuleError{File: r.File, Rule: r.ID, Field: "queries[" + q.ID + "].xpath", Err: err}
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

// Rules returns the engine's rules in evaluation order.
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

// Verdict of a rule.
type Verdict string

// Verdicts.
const (
	// Detected: an evidence query matched an event in the window.
	Detected Verdict = "detected"
	// NotDetected: the logs the rule needs were read, cover the window,
	// and hold no matching event in it.
	NotDetected Verdict = "not_detected"
	// NotChecked: a log the rule needs is absent, unreadable, or does not
	// reach back to the window's start.
	NotChecked Verdict = "not_checked"
)

// Result is what Analyze found.
type Result struct {
	// ReferenceTime is the "now" of the analysis; windows end there.
	ReferenceTime time.Time
	// ReferenceFrom is the path of the log whose last-written record gave
	// the reference time, or "" when it was given (Options.At);
	// ReferenceRecord is that record.
	ReferenceFrom   string
	ReferenceRecord *RecordRef
	// LookBack is how far outside the windows matches were looked for.
	LookBack time.Duration
	// Inputs lists every log given, in the given order (once per path);
	// those no rule needs have Used false and were not opened.
	Inputs []*Input
	// Findings has one entry per rule, in rule order.
	Findings []*Finding
	// Warnings are about the analysis as a whole (e.g. a doubtful
	// reference time, a clock that jumped).
	Warnings []string
	// Timeline holds the RDP-relevant events around the reference time
	// (timeline.yaml), oldest first, at most Options.Timeline lines (the
	// newest), nil when Options.Timeline is negative; TimelineDropped
	// counts the older events left out.
	Timeline        []*TimelineLine
	TimelineDropped int
	// ClockJumps lists the logs with records whose TimeCreated lies more
	// than ClockSlack after that of the log's last-written record (each
	// is also a warning).
	ClockJumps []*ClockJump
}

// Detected returns the number of findings with verdict Detected.
func (r *Result) Detected() int {
	n := 0
	for _, f := range r.Findings {
		if f.Verdict == Detected {
			n++
		}
	}
	return n
}

// Input is one log file and what reading it gave.
type Input struct {
	Path    string
	Channel string
	// ChannelFromEvents is set when the file name does not name a channel
	// the rules read but its first event's System/Channel does; Channel is
	// then that channel.
	ChannelFromEvents bool
	Size              int64
	// Used is true when a rule reads the log's channel (or it is the System
	// log, read for the reference time).
	Used bool
	// Decoded is true when records in the analysed period were decoded
	// (false when the log served only for the reference time).
	Decoded bool
	// Since and Until are the record-time bounds of the decoding, when
	// Decoded.
	Since, Until time.Time
	// Stats are the reader's counts for the last pass over the file.
	Stats evtx.Stats
	// Errors are the reader's format errors (at most 100 are kept);
	// ErrorCount counts all.
	Errors     []*evtx.FormatError
	ErrorCount int
	// Err is why the log could not be read at all, or nil.
	Err error
	// FirstWritten and LastWritten are the log's first- and last-written
	// records (lowest and highest record numbers), nil when it holds none
	// or was not read. The span between their times is the span the log
	// covers.
	FirstWritten, LastWritten *RecordRef
	// Exported is set when the log is a saved copy of another (Event
	// Viewer's "Save All Events As", wevtutil epl): its last-written
	// record's number differs from its EventRecordID (the records were
	// renumbered) or its header time is zero.
	Exported bool

	// near counts the records of the main decoding pass whose time lies in
	// [Since, Until], total all its records.
	near, total int
}

// Readable reports whether the log was opened and read to the end.
func (in *Input) Readable() bool { return in.Used && in.Err == nil }

// EventRef identifies an event and carries what a report shows of it.
type EventRef struct {
	Query   string // id of the query that matched
	File    string
	Channel string
	// EventRecordID is System/EventRecordID (what Event Viewer shows);
	// RecordID the record number in the file (they differ in exported
	// logs, which renumber their records).
	EventRecordID uint64
	RecordID      uint64
	Time          time.Time // System/TimeCreated (record header time if absent)
	Provider      string
	EventID       uint16
	Level         uint8
	Computer      string
	Data          []DataField
	// Attribution says why an evidence event belongs to RDP, or why it
	// may not ("" for queries without Attribution).
	Attribution string
	// Possible is set for an evidence event that is consistent with the
	// scenario but not attributable to RDP.
	Possible bool
	// Subject is what the event is about when its query has a Subject
	// (a service's key name), else "".
	Subject string

	callerPID uint64 // the calling process id the event names (hasCaller)
	hasCaller bool
}

// QueryHit summarises one query's matches for a finding.
type QueryHit struct {
	Query *Query
	// Count is the number of matches in the window; First and Last their
	// oldest and newest times.
	Count       int
	First, Last time.Time
	// Before is the newest match before the window (within the look-back),
	// After the oldest match after its end; nil if none.
	Before, After *EventRef
	// BeforeCount and AfterCount count the matches outside the window that
	// were seen (within the look-back).
	BeforeCount, AfterCount int
	// Possible counts the matches in the window (included in Count) that
	// are consistent with the scenario but not attributable to RDP.
	Possible int
	// Other counts the matches in the window that belong to other
	// programs (not in Count); OtherFrom counts them by program or by the
	// field that tells (Attribution).
	Other     int
	OtherFrom map[string]int
}

// RefinementHit is a refinement that evidence in the window satisfied.
type RefinementHit struct {
	Refinement *Refinement
	Count      int
	Newest     *EventRef
}

// LogStatus says how one channel a rule reads was covered.
type LogStatus struct {
	Channel string
	Role    string   // RoleEvidence or RoleCorroboration
	Paths   []string // the logs of this channel
	// Paths are the logs of the channel that were read (or, when none
	// could be, those that could not); Detail names the unreadable ones
	// beside readable ones.
	// Status is "read" (read and covers the window), "absent",
	// "unreadable", "empty" (no records) or "partial" (read, but starts
	// after the window's start).
	Status string
	Detail string
}

// Log statuses.
const (
	LogRead       = "read"
	LogAbsent     = "absent"
	LogUnreadable = "unreadable"
	LogPartial    = "partial"
	LogEmpty      = "empty"
)

// Corroboration supports a finding: a corroborating event, or a change of
// the computer name seen in the events.
type Corroboration struct {
	Text  string
	Event *EventRef // nil for a computer-name change
}

// Finding is the verdict of one rule.
type Finding struct {
	Rule                   *Rule
	Verdict                Verdict
	WindowStart, WindowEnd time.Time
	Window                 time.Duration
	// Logs has one entry per channel the rule reads, sorted by channel.
	Logs []*LogStatus
	// Reasons say why the verdict is NotChecked.
	Reasons []string
	// Caveats qualify a verdict (damaged logs, absent optional logs).
	Caveats []string
	// Hits has one entry per query, in rule order.
	Hits []*QueryHit
	// Evidence holds the newest evidence events in the window (at most
	// Options.MaxEvidence per query), newest first. EvidenceCount counts all.
	Evidence      []*EventRef
	EvidenceCount int
	// Refinements that evidence satisfied; the first decided Cause.
	Refinements []*RefinementHit
	// Corroboration found for the rule (any verdict).
	Corroboration []*Corroboration
	// Cause and Steps: the refined or default cause and the ordered
	// resolution (set for every verdict; reports show them when detected
	// or possible).
	Cause string
	Steps []*Step
	// Why says in one sentence why the verdict is what it is and what
	// would confirm it.
	Why string
	// Others are lines about matches that belong to other programs
	// (Attribution), e.g. "other TLS errors on this machine: 3, from
	// lsass.exe"; they never count as evidence.
	Others []string
	// ResolvedBy is the recovery event that shows the fault recovered
	// (verdict Resolved).
	ResolvedBy *EventRef
}

// Analyze reads the logs the rules need and returns one finding per rule.
// It returns an error only if no log could be read at all (every needed
// log absent is not an error: the findings say "not checked").
func (e *Engine) Analyze(logs []*evtx.Log) (*Result, error) {
	a := &analysis{e: e, res: &Result{LookBack: e.opt.LookBack}, last: map[*Input]*evtx.Event{}}
	return a.run(logs)
}

type analysis struct {
	e   *Engine
	res *Result
	ref time.Time

	byChannel map[string][]*compiledQuery // lower-case channel -> queries
	logs      []*evtx.Log                 // parallel to res.Inputs
	state     map[*compiledQuery]*queryState
	computers map[string][]*computerSeen // per log path: a rename shows within one log
	corro     map[*compiledRule][]*EventRef
	last      map[*Input]*evtx.Event // each log's last-written record
	context   map[*compiledRule]*contextEvents
	timeline  *timeline // the RDP timeline's lines (timeline.go)
}

type queryState struct {
	hit            QueryHit
	evidence       []*EventRef // newest first, at most MaxEvidence
	refs           map[*Refinement]*RefinementHit
	pending        []time.Time // in-window evidence awaiting Attribution.Coincides
	callers        []caller    // in-window evidence attributed by its process's name
	callerOverflow int         // callers beyond maxPending (not checked by process id)
	overflow       int         // pending events beyond maxPending
	latest         *EventRef   // recovery queries: the newest match in the window
	lang           *langState  // subjects, threshold samples, coverage (language.go)
}

type computerSeen struct {
	name        string
	first, last time.Time
	file        string
}

func (a *analysis) run(logs []*evtx.Log) (*Result, error) {
	e := a.e
	a.byChannel = map[string][]*compiledQuery{}
	crs := e.rules
	if e.timeline != nil {
		crs = append(append([]*compiledRule(nil), crs...), e.timeline)
	}
	for _, cr := range crs {
		for _, cq := range cr.queries {
			k := strings.ToLower(cq.query.Channel)
			a.byChannel[k] = append(a.byChannel[k], cq)
		}
	}
	a.resetMatches()
	needed := func(ch string) bool {
		_, ok := a.byChannel[strings.ToLower(ch)]
		return ok || strings.EqualFold(ch, SystemChannel)
	}

	// Inputs, and the channel of logs whose file name names none we read.
	found := map[string]bool{}
	paths := map[string]bool{}
	for _, l := range logs {
		if paths[l.Path] {
			continue // given twice (a file and its directory)
		}
		paths[l.Path] = true
		in := &Input{Path: l.Path, Channel: l.Channel, Size: l.Size}
		a.res.Inputs = append(a.res.Inputs, in)
		a.logs = append(a.logs, l)
		if ch, ok := archivedChannel(in.Channel); ok && !needed(in.Channel) {
			in.Channel = ch
		}
		if needed(in.Channel) {
			in.Used = true
			found[strings.ToLower(in.Channel)] = true
		}
	}
	// Logs named after their channel (System.evtx, ...%4Operational.evtx)
	// come from a Windows log directory: trust the names. Without a System
	// log by name, the files were renamed (exports, samples): take the
	// channel of logs whose name says nothing we read from their first event.
	// At most maxPeeks logs are opened that way.
	if !found[strings.ToLower(SystemChannel)] {
		peeks := 0
		for i, in := range a.res.Inputs {
			if in.Used || peeks >= maxPeeks {
				continue
			}
			peeks++
			if ch := peekChannel(a.logs[i]); ch != "" && !strings.EqualFold(ch, in.Channel) && needed(ch) {
				in.Channel, in.ChannelFromEvents, in.Used = ch, true, true
			}
		}
	}

	// Reference time: given, or the TimeCreated of the last-written record
	// (highest record number) of each log read, the latest across logs.
	// Windows numbers records in the order it writes them, so a clock
	// that ran ahead and was set back, or an exported log's borrowed and
	// zero header times, do not move it; records whose time lies after
	// their log's last-written record are reported (checkClocks).
	for i, in := range a.res.Inputs {
		if in.Used {
			a.lastWritten(in, a.logs[i])
		}
	}
	a.ref = e.opt.At
	if a.ref.IsZero() {
		for _, in := range a.res.Inputs {
			if lw := in.LastWritten; lw != nil && lw.Time.After(a.ref) {
				a.ref, a.res.ReferenceFrom, a.res.ReferenceRecord = lw.Time, in.Path, lw
			}
		}
	}
	a.res.ReferenceTime = a.ref

	// Decode what the queries of each log's channel need.
	if !a.ref.IsZero() {
		a.decodeAll()
	}
	a.checkClocks()

	readable := 0
	for _, in := range a.res.Inputs {
		if in.Readable() {
			readable++
		}
		// A record whose time is far off (a damaged or forged header) would
		// set a reference time the log's other records are nowhere near.
		if in.Path == a.res.ReferenceFrom && in.Decoded && in.near <= 1 && in.total > 1 {
			a.res.Warnings = append(a.res.Warnings, fmt.Sprintf(
				"the reference time %s comes from the last-written record of %s, but no other record of it lies within %s of that time; if the time is wrong, give --at",
				evtx.FormatTime(a.ref), in.Path, FormatDuration(a.ref.Sub(in.Since))))
		}
	}
	for _, cr := range e.rules {
		a.res.Findings = append(a.res.Findings, a.finding(cr))
	}
	a.res.Timeline, a.res.TimelineDropped = a.timeline.finish()
	if readable == 0 {
		return a.res, ErrNoReadableLog
	}
	return a.res, nil
}

// resetMatches clears what decoding found (before decoding again for
// another reference time).
func (a *analysis) resetMatches() {
	a.state = map[*compiledQuery]*queryState{}
	a.corro = map[*compiledRule][]*EventRef{}
	a.context = map[*compiledRule]*contextEvents{}
	a.computers = map[string][]*computerSeen{}
	a.timeline = nil
	if a.e.timeline != nil {
		a.timeline = &timeline{max: a.e.opt.Timeline, groups: map[string]*TimelineLine{}}
	}
	for _, cr := range a.e.rules {
		for _, cq := range cr.queries {
			a.state[cq] = &queryState{hit: QueryHit{Query: cq.query}, refs: map[*Refinement]*RefinementHit{}}
		}
	}
}

// decodeAll decodes, for each log read, the records its channel's queries
// need; logs no query reads are only walked for their statistics.
func (a *analysis) decodeAll() {
	for i, in := range a.res.Inputs {
		if !in.Used {
			continue
		}
		if qs := a.byChannel[strings.ToLower(in.Channel)]; len(qs) > 0 {
			a.decode(in, a.logs[i], qs)
		} else {
			a.stats(in, a.logs[i])
		}
	}
	a.corroborateFurther()
}

// archivedChannel returns the channel of an archived log's name, which
// Windows forms as "Archive-<channel>-<yyyy>-<mm>-<dd>-<hh>-<mm>-<ss>-<ms>"
// when a log's retention is "archive the log when full".
func archivedChannel(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "Archive-")
	if !ok {
		return "", false
	}
	parts := strings.Split(rest, "-")
	if len(parts) < 8 {
		return "", false
	}
	for _, p := range parts[len(parts)-7:] {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return "", false
		}
	}
	return strings.Join(parts[:len(parts)-7], "-"), true
}

// ErrNoReadableLog is returned (with a complete Result) when none of the
// logs the rules need could be read.
var ErrNoReadableLog = errors.New("rules: no readable log for the rules' channels")

// peekChannel returns the System/Channel of a log's first event, or "".
func peekChannel(l *evtx.Log) string {
	f, err := l.Open(evtx.Options{Workers: 1})
	if err != nil {
		return ""
	}
	defer f.Close()
	ev, err := f.Next()
	if err != nil {
		return ""
	}
	return ev.System.Channel
}

// far is a time no record has: a window [far, far] skips every record.
var far = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// stats reads a log without decoding any record, for its counts and times.
func (a *analysis) stats(in *Input, l *evtx.Log) {
	o := evtx.Options{Since: far, Until: far, Workers: a.e.opt.Workers}
	if a.e.opt.NoShortcuts {
		o.Since, o.Until = time.Time{}, time.Time{}
	}
	a.read(in, l, o, nil)
}

func (a *analysis) decode(in *Input, l *evtx.Log, qs []*compiledQuery) {
	var maxWin time.Duration
	for _, cq := range qs {
		maxWin = max(maxWin, cq.rule.window)
	}
	lb := a.e.opt.LookBack
	in.Decoded = true
	in.Since = a.ref.Add(-maxWin - lb)
	in.Until = a.ref.Add(lb)
	in.near = a.readFiltered(in, l, evtx.Options{Since: in.Since, Until: in.Until, Workers: a.e.opt.Workers}, qs)
	in.total = in.Stats.Records
	if !a.e.opt.NoShortcuts {
		in.near = in.Stats.Records + in.Stats.Filtered
		in.total = in.near + in.Stats.Skipped
	}
}

// readFiltered evaluates qs on the events of l whose time (TimeCreated,
// eventTime) lies in [o.Since, o.Until]: that bound is what the analysis
// means, checked on each event; the reader's window (o.Since, o.Until)
// only saves decoding records outside it. When every query of qs names the
// provider names or event ids its matches must have (xpath.Query.Keys),
// only the records whose System part has them are decoded; the computer
// names of the others are still noted (for the rename corroboration) from
// their summaries. With Options.NoShortcuts every record is decoded.
func (a *analysis) readFiltered(in *Input, l *evtx.Log, o evtx.Options, qs []*compiledQuery) (near int) {
	var seen computerSightings
	since, until := o.Since, o.Until
	filter := !a.e.opt.NoShortcuts
	if a.e.opt.NoShortcuts {
		o.Since, o.Until = time.Time{}, time.Time{}
	}
	for _, cq := range qs {
		filter = filter && cq.hasKeys
	}
	if filter {
		o.Filter = func(s evtx.Summary) bool {
			if t := s.Time(); !t.IsZero() {
				seen.note(s.Computer, t)
			}
			for _, cq := range qs {
				if cq.keys.Accepts(s.Provider, s.EventID) {
					return true
				}
			}
			return false
		}
	}
	a.read(in, l, o, func(ev *evtx.Event) {
		if t := eventTime(ev); !since.IsZero() && t.Before(since) || !until.IsZero() && t.After(until) {
			return
		}
		near++
		a.event(in, ev, qs)
	})
	// The decoding goroutines report in no fixed order: merge in a fixed
	// one, so that the report is the same from run to run.
	sort.Slice(seen.list, func(i, j int) bool {
		x, y := seen.list[i], seen.list[j]
		if !x.first.Equal(y.first) {
			return x.first.Before(y.first)
		}
		return x.name < y.name
	})
	for _, c := range seen.list {
		a.noteComputerName(in, c.name, c.first)
		a.noteComputerName(in, c.name, c.last)
	}
	return near
}

// computerSightings collects computer names from record summaries, which
// the reader's decoding goroutines report concurrently.
type computerSightings struct {
	mu   sync.Mutex
	list []*computerSeen
}

func (cs *computerSightings) note(name string, t time.Time) {
	if name == "" {
		return
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, c := range cs.list {
		if c.name == name {
			c.first, c.last = minTime(c.first, t), maxTime(c.last, t)
			return
		}
	}
	if len(cs.list) < maxComputers {
		cs.list = append(cs.list, &computerSeen{name: name, first: t, last: t})
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// detected reports whether an evidence query of cr matched in the window.
func (a *analysis) detected(cr *compiledRule) bool {
	for _, cq := range cr.queries {
		if cq.query.Role == RoleEvidence && a.state[cq].hit.Count > 0 {
			return true
		}
	}
	return false
}

// corroborateFurther reads, for each detected rule with a corroboration
// look-back longer than the engine's, the older records of its
// corroboration queries' logs (a rename weeks before the failures). Only
// the corroboration queries are evaluated there.
func (a *analysis) corroborateFurther() {
	type need struct {
		since time.Time
		qs    []*compiledQuery
	}
	needs := map[string]*need{}
	for _, cr := range a.e.rules {
		if cr.rule.CorroborationLookBack <= a.e.opt.LookBack || !a.detected(cr) {
			continue
		}
		since := a.ref.Add(-cr.window - cr.rule.CorroborationLookBack)
		for _, cq := range cr.queries {
			if cq.query.Role != RoleCorroboration {
				continue
			}
			k := strings.ToLower(cq.query.Channel)
			n := needs[k]
			if n == nil {
				n = &need{since: since}
				needs[k] = n
			}
			n.since = minTime(n.since, since)
			n.qs = append(n.qs, cq)
		}
	}
	for i, in := range a.res.Inputs {
		n := needs[strings.ToLower(in.Channel)]
		if n == nil || !in.Readable() || !in.Decoded || !n.since.Before(in.Since) {
			continue
		}
		main, mainErrs, mainCount := in.Stats, in.Errors, in.ErrorCount
		until := in.Since.Add(-time.Nanosecond)
		a.readFiltered(in, a.logs[i], evtx.Options{Since: n.since, Until: until, Workers: a.e.opt.Workers}, n.qs)
		extra, filtered := in.Stats.Records, in.Stats.Filtered
		if in.Err != nil { // the file read before; keep its main results
			in.Err, extra, filtered = nil, 0, 0
			n.since = in.Since
		}
		in.Stats, in.Errors, in.ErrorCount = main, mainErrs, mainCount
		in.Stats.Records += extra
		in.Stats.Filtered += filtered
		in.Stats.Skipped -= extra + filtered
		in.Since = n.since
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (a *analysis) read(in *Input, l *evtx.Log, o evtx.Options, fn func(*evtx.Event)) {
	f, err := l.Open(o)
	if err != nil {
		in.Err = err
		return
	}
	defer f.Close()
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			in.Err = err
			break
		}
		// An event decoded in part (its template overwritten or damaged)
		// has values without names: no rule can read it as evidence. It is
		// counted in the log's stats and reported with the read problems.
		if fn != nil && ev.Partial == "" {
			fn(ev)
		}
	}
	in.Stats = f.Stats()
	// The reader's own judgement (most records renumbered) adds to the
	// last-written record's.
	in.Exported = in.Exported || in.Stats.Exported()
	errs := f.Errors()
	in.ErrorCount = len(errs)
	in.Errors = append([]*evtx.FormatError(nil), errs[:min(len(errs), maxErrors)]...)
}

// eventTime is when ev happened: its TimeCreated, else its record header
// time; zero when it has neither (a header time of FILETIME 0, as in
// exported logs, is no time).
func eventTime(ev *evtx.Event) time.Time {
	if t := known(ev.System.TimeCreated); !t.IsZero() {
		return t
	}
	return known(ev.Written)
}

// known returns t, or the zero time for FILETIME 0 (1601-01-01), which a
// reader gives for a time the record does not have.
func known(t time.Time) time.Time {
	if evtx.TimeToFiletime(t) == 0 {
		return time.Time{}
	}
	return t
}

func (a *analysis) event(in *Input, ev *evtx.Event, qs []*compiledQuery) {
	t := eventTime(ev)
	a.noteComputer(in, ev, t)
	var ref *EventRef // built on the first match
	for _, cq := range qs {
		if !cq.x.Match(ev, a.ref) || !cq.query.admits(ev) {
			continue
		}
		if cq.tl != nil {
			a.noteTimeline(cq, in, ev, t)
			continue
		}
		if ref == nil {
			ref = newEventRef(in, ev, t)
		}
		r := *ref
		r.Query = cq.query.ID
		a.match(cq, ev, &r)
	}
}

func newEventRef(in *Input, ev *evtx.Event, t time.Time) *EventRef {
	return &EventRef{
		File:          in.Path,
		Channel:       in.Channel,
		RecordID:      ev.RecordID,
		EventRecordID: ev.System.EventRecordID,
		Time:          t,
		Provider:      ev.System.Provider.Name,
		EventID:       ev.System.EventID,
		Level:         ev.System.Level,
		Computer:      ev.System.Computer,
		Data:          KeyData(ev),
	}
}

// newer orders event references newest first, then by file and record.
func newer(a, b *EventRef) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.After(b.Time)
	}
	if a.File != b.File {
		return a.File < b.File
	}
	return a.RecordID > b.RecordID
}

func (a *analysis) match(cq *compiledQuery, ev *evtx.Event, r *EventRef) {
	st := a.state[cq]
	h := &st.hit
	start := a.ref.Add(-cq.rule.window)
	if lb := a.e.opt.LookBack; (cq.query.Role == RoleEvidence || cq.query.Role == RoleRecovery) &&
		(r.Time.Before(start.Add(-lb)) || r.Time.After(a.ref.Add(lb))) {
		// Decoded for another rule's longer window: outside this rule's
		// window and look-back, so the answer does not depend on the
		// other rules loaded.
		return
	}
	switch cq.query.Role {
	case RoleContext:
		a.noteContext(cq, r, ev.System.ProcessID)
		a.noteFollower(cq, r.Time)
		return
	case RoleRecovery:
		a.noteRecovery(cq, st, r, start)
		if !r.Time.Before(start) && !r.Time.After(a.ref) {
			a.noteLanguage(cq, st, ev, r)
		}
		return
	case RoleCoverage:
		st.language().coverage++
		return
	}
	class, why := cq.query.Attribution.classify(ev)
	if class == attrOther {
		// Another program's event: counted apart, never evidence.
		if !r.Time.Before(start) && !r.Time.After(a.ref) {
			h.Other++
			if h.OtherFrom == nil {
				h.OtherFrom = map[string]int{}
			}
			h.OtherFrom[why]++
		}
		return
	}
	r.Attribution = why
	if cq.query.Role == RoleCorroboration {
		list := append(a.corro[cq.rule], r)
		sort.Slice(list, func(i, j int) bool { return newer(list[i], list[j]) })
		a.corro[cq.rule] = list[:min(len(list), maxCorroboration)]
		// Counted like evidence (the report's per-query counts), but
		// the events themselves are reported as corroboration.
		switch {
		case r.Time.Before(start):
			h.BeforeCount++
		case r.Time.After(a.ref):
			h.AfterCount++
		default:
			h.Count++
			if h.First.IsZero() || r.Time.Before(h.First) {
				h.First = r.Time
			}
			h.Last = maxTime(h.Last, r.Time)
		}
		return
	}
	switch {
	case r.Time.Before(start):
		h.BeforeCount++
		if h.Before == nil || newer(r, h.Before) {
			h.Before = r
		}
		return
	case r.Time.After(a.ref):
		h.AfterCount++
		if h.After == nil || newer(h.After, r) {
			h.After = r
		}
		return
	}
	h.Count++
	if h.First.IsZero() || r.Time.Before(h.First) {
		h.First = r.Time
	}
	if r.Time.After(h.Last) {
		h.Last = r.Time
	}
	a.noteLanguage(cq, st, ev, r)
	switch class {
	case attrPending:
		a.notePending(cq, st, r)
	case attrProcess:
		pid, ok := cq.query.Attribution.callerPID(ev)
		a.noteCaller(st, r, pid, ok)
	}
	i := sort.Search(len(st.evidence), func(i int) bool { return newer(r, st.evidence[i]) })
	if i < a.e.opt.MaxEvidence {
		st.evidence = append(st.evidence, nil)
		copy(st.evidence[i+1:], st.evidence[i:])
		st.evidence[i] = r
		st.evidence = st.evidence[:min(len(st.evidence), a.e.opt.MaxEvidence)]
	}
	for _, ref := range cq.rule.rule.Refinements {
		if !contains(ref.Queries, cq.query.ID) || !ref.Match(ev) {
			continue
		}
		rh := st.refs[ref]
		if rh == nil {
			rh = &RefinementHit{Refinement: ref}
			st.refs[ref] = rh
		}
		rh.Count++
		if rh.Newest == nil || newer(r, rh.Newest) {
			rh.Newest = r
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (a *analysis) noteComputer(in *Input, ev *evtx.Event, t time.Time) {
	a.noteComputerName(in, ev.System.Computer, t)
}

func (a *analysis) noteComputerName(in *Input, name string, t time.Time) {
	if name == "" {
		return
	}
	cs := a.computers[in.Path]
	for _, c := range cs {
		if sameHost(c.name, name) {
			if t.Before(c.first) {
				c.first = t
			}
			if t.After(c.last) {
				c.last = t
			}
			return
		}
	}
	if len(cs) < maxComputers {
		a.computers[in.Path] = append(cs, &computerSeen{name: name, first: t, last: t, file: in.Path})
	}
}

// sameHost reports whether two Computer values name the same host: their
// first DNS labels are equal ignoring case ("RDCB01" and
// "rdcb01.contoso.com" are; a domain join is not a rename).
func sameHost(a, b string) bool {
	a, _, _ = strings.Cut(a, ".")
	b, _, _ = strings.Cut(b, ".")
	return strings.EqualFold(a, b)
}

func (a *analysis) finding(cr *compiledRule) *Finding {
	r := cr.rule
	f := &Finding{Rule: r, Window: cr.window, WindowEnd: a.ref}
	if !a.ref.IsZero() {
		f.WindowStart = a.ref.Add(-cr.window)
	}
	a.attribute(cr, f)
	f.Caveats = append(f.Caveats, a.applyFollowed(cr)...)
	thresholdCaveats, peaks := a.applyThresholds(cr)
	f.Caveats = append(f.Caveats, thresholdCaveats...)

	// Query results.
	var refs []*RefinementHit
	for _, cq := range cr.queries {
		st := a.state[cq]
		h := st.hit
		f.Hits = append(f.Hits, &h)
		if cq.query.Role != RoleEvidence {
			continue
		}
		f.EvidenceCount += h.Count
		f.Evidence = append(f.Evidence, st.evidence...)
		for _, ref := range r.Refinements {
			if rh := st.refs[ref]; rh != nil {
				refs = append(refs, rh)
			}
		}
	}
	sort.SliceStable(f.Evidence, func(i, j int) bool { return newer(f.Evidence[i], f.Evidence[j]) })
	f.Refinements = mergeRefinements(r, refs)

	// Logs per channel.
	for _, ch := range r.Channels() {
		f.Logs = append(f.Logs, a.logStatus(ch, channelRole(r, ch), f.WindowStart))
	}

	// Verdict.
	var covered, evidenceLogs, absent int
	for _, ls := range f.Logs {
		if ls.Role != RoleEvidence {
			continue
		}
		evidenceLogs++
		switch {
		case ls.Status == LogRead:
			covered++
		case ls.Status == LogAbsent, ls.Status == LogEmpty:
			absent++ // an empty log says as little as a missing one
		}
	}
	switch {
	case f.EvidenceCount > 0:
		f.Verdict = Detected // judged below
	case a.ref.IsZero():
		f.Verdict = NotChecked
		f.Reasons = append(f.Reasons, "no reference time: the logs hold no record time; give one (--at)")
	case r.Needs == "any" && covered > 0, r.Needs != "any" && covered == evidenceLogs:
		f.Verdict = NotDetected
	default:
		f.Verdict = NotChecked
	}
	for _, ls := range f.Logs {
		if ls.Role != RoleEvidence || ls.Status == LogRead {
			continue
		}
		msg := ls.Channel + ": " + ls.Detail
		if f.Verdict == NotChecked {
			f.Reasons = append(f.Reasons, msg)
		} else {
			f.Caveats = append(f.Caveats, msg)
		}
	}
	if f.Verdict == NotChecked && absent == evidenceLogs && r.MissingLogs != "" {
		f.Reasons = append(f.Reasons, strings.TrimSpace(r.MissingLogs))
	}
	if f.Verdict == NotDetected && a.coverageMissing(cr) {
		f.Verdict = NotChecked
		f.Reasons = append(f.Reasons, strings.TrimSpace(r.CoverageMissing))
	}
	for _, ls := range f.Logs {
		for _, p := range ls.Paths {
			for _, in := range a.res.Inputs {
				if in.Path == p && in.Readable() && damaged(in) {
					what := "events"
					if ls.Role == RoleContext {
						what = "RDP connection attempts" // they only attribute other events
					}
					f.Caveats = append(f.Caveats, fmt.Sprintf("%s: %s; %s in the unreadable parts are not seen", p, damageText(in), what))
				}
			}
		}
	}

	// Corroboration.
	for _, ev := range a.corro[cr] {
		f.Corroboration = append(f.Corroboration, &Corroboration{Text: corroborationText(r, ev), Event: ev})
	}
	if r.ComputerChange {
		f.Corroboration = append(f.Corroboration, a.computerChanges()...)
	}

	// Cause and steps.
	f.Cause = strings.TrimSpace(r.Cause)
	var first []string
	if len(f.Refinements) > 0 {
		p := f.Refinements[0].Refinement
		f.Cause = strings.TrimSpace(p.Cause)
		first = p.First
	}
	f.Steps = orderSteps(r, first)
	a.judge(cr, f)
	if f.Verdict == Detected || f.Verdict == Possible || f.Verdict == Resolved {
		for _, p := range peaks {
			f.Why += " Peak: " + sentence(p)
		}
	}
	return f
}

// mergeRefinements combines the hits of one refinement across queries, in
// rule order: the rule file lists its refinements from the most to the
// least specific, and the first satisfied one decides.
func mergeRefinements(r *Rule, hits []*RefinementHit) []*RefinementHit {
	var out []*RefinementHit
	for _, ref := range r.Refinements {
		var m *RefinementHit
		for _, h := range hits {
			if h.Refinement != ref {
				continue
			}
			if m == nil {
				c := *h
				m = &c
				continue
			}
			m.Count += h.Count
			if newer(h.Newest, m.Newest) {
				m.Newest = h.Newest
			}
		}
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

func orderSteps(r *Rule, first []string) []*Step {
	var out []*Step
	used := map[string]bool{}
	for _, id := range first {
		if s := r.Step(id); s != nil && !used[id] {
			used[id] = true
			out = append(out, s)
		}
	}
	for _, s := range r.Resolution {
		if !used[s.ID] {
			out = append(out, s)
		}
	}
	return out
}

func corroborationText(r *Rule, ev *EventRef) string {
	q := r.Query(ev.Query)
	text := ev.Query
	if q != nil && q.Describes != "" {
		text = q.Describes
	}
	if ev.Provider == "EventLog" && ev.EventID == 6011 {
		var from, to string
		for _, d := range ev.Data {
			switch d.Name {
			case "Data[1]":
				from = d.Value
			case "Data[2]":
				to = d.Value
			}
		}
		if from != "" || to != "" {
			text = fmt.Sprintf("the computer name changed from %q to %q", from, to)
		}
	}
	return text
}

func damaged(in *Input) bool {
	s := in.Stats
	return s.BadChunks > 0 || s.BadRecords > 0 || s.UnreadBytes > 0
}

func damageText(in *Input) string {
	s := in.Stats
	var parts []string
	if s.BadChunks > 0 {
		parts = append(parts, plural(s.BadChunks, "damaged chunk"))
	}
	if s.BadRecords > 0 {
		parts = append(parts, plural(s.BadRecords, "undecodable record"))
	}
	if s.UnreadBytes > 0 {
		parts = append(parts, fmt.Sprintf("%d unreadable bytes", s.UnreadBytes))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (a *analysis) logStatus(ch, role string, windowStart time.Time) *LogStatus {
	ls := &LogStatus{Channel: ch, Role: role, Status: LogAbsent, Detail: "no log of this channel among the inputs"}
	var readable []*Input
	var errs, unreadable []string
	for _, in := range a.res.Inputs {
		if !in.Used || !strings.EqualFold(in.Channel, ch) {
			continue
		}
		if in.Err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", in.Path, in.Err))
			unreadable = append(unreadable, in.Path)
			continue
		}
		readable = append(readable, in)
	}
	if len(readable)+len(unreadable) == 0 {
		return ls
	}
	if len(readable) == 0 {
		ls.Paths = unreadable
		ls.Status, ls.Detail = LogUnreadable, "unreadable: "+strings.Join(errs, "; ")
		return ls
	}
	// Paths are the logs that were read; a copy that could not be read is
	// named in Detail, never among what was read.
	for _, in := range readable {
		ls.Paths = append(ls.Paths, in.Path)
	}
	if len(errs) > 0 {
		defer func() {
			also := "not read (unreadable): " + strings.Join(errs, "; ")
			if ls.Detail == "" {
				ls.Detail = also
			} else {
				ls.Detail += "; " + also
			}
		}()
	}
	if windowStart.IsZero() {
		ls.Status, ls.Detail = LogPartial, "no reference time"
		return ls
	}
	// Covered: some log reaches back to the window's start and some log
	// reaches into the window (quiet stretches cannot be told from gaps).
	var oldest, newest time.Time
	startsBefore := false
	for _, in := range readable {
		first, last := in.Stats.First, in.Stats.Last
		if in.FirstWritten != nil && in.LastWritten != nil {
			// Time means TimeCreated: the span from the first-written to
			// the last-written record (header times are write times, and
			// borrowed or zero in exported logs).
			first, last = in.FirstWritten.Time, in.LastWritten.Time
		}
		if first.IsZero() {
			continue
		}
		if !first.After(windowStart) {
			startsBefore = true
		}
		if oldest.IsZero() || first.Before(oldest) {
			oldest = first
		}
		if last.After(newest) {
			newest = last
		}
	}
	ls.Status = LogPartial
	switch {
	case oldest.IsZero():
		ls.Status, ls.Detail = LogEmpty, "the log holds no records"
	case newest.Before(windowStart):
		ls.Detail = fmt.Sprintf("the log ends at %s, %s before the window's start; the newer events are not in this copy",
			evtx.FormatTime(newest), FormatDuration(windowStart.Sub(newest)))
	case startsBefore:
		ls.Status, ls.Detail = LogRead, ""
	default:
		ls.Detail = fmt.Sprintf("the log starts at %s, %s after the window's start; older events may have been overwritten or the log cleared",
			evtx.FormatTime(oldest), FormatDuration(oldest.Sub(windowStart)))
	}
	return ls
}

// FormatDuration renders d for people: "3 days", "5 hours", "12 minutes",
// "40 seconds" (rounded down to the largest unit, plural as needed).
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	for _, u := range units {
		if d >= u.d {
			return plural(int(d/u.d), u.name)
		}
	}
	return "0 seconds"
}
