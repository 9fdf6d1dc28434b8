package rules

// The scan: the logs of the plan read and the queries evaluated on their
// events. Its input is the plan (readPlan) and the reference time; its
// output is a scanResult, a plain value the judge reads: per query its
// matches (queryState), per rule its corroborating and context events,
// the computer names seen, the timeline's lines, and per input what
// reading it gave. No verdict is reached here (findings.go, judge.go).

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/hosts"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

// scanResult is what the scan found, for the judge. It holds no log and no
// reader: a test can build one by hand (newScanResult) and judge it.
type scanResult struct {
	// ref is the reference time the windows end at: Options.At, or the
	// TimeCreated of the last-written record of refFrom (refRecord), the
	// latest across the logs read; zero when no log holds a record time.
	ref     time.Time
	refFrom string
	// refFile is the file of refFrom that holds refRecord: refFrom, or of
	// copies read as one, the copy that holds it (recordFile).
	refFile   string
	refRecord *RecordRef
	// inputs are the plan's inputs (copies, parallel to them) with what
	// reading gave: Stats, Errors, Err, the first- and last-written
	// records, the bounds of the decoding (Since, Until).
	inputs []*Input
	// queries holds, for every query of the rules (not the timeline's),
	// its matches.
	queries map[*compiledQuery]*queryState
	// corro holds per rule its corroborating events, newest first, at
	// most maxCorroboration.
	corro map[*compiledRule][]*EventRef
	// unreadable holds per evidence query the records of the analysed
	// period decoded in part whose System part was read (provider, event
	// id, TimeCreated: the unresolved template is a nested one, the
	// EventData or UserData) and names what the query's keys accept:
	// they may be its matches, their fields unknown (unreadableMatch).
	unreadable map[*compiledQuery][]*EventRef
	// context holds per rule the times of its context events (RDP
	// connection attempts) near its window, sorted by time.
	context map[*compiledRule]*contextEvents
	// computers holds per log path the computer names its records name
	// (a rename shows within one log).
	computers map[string][]*computerSeen
	// computersDropped marks the logs whose records name more than
	// maxSightings distinct computer names (not all kept).
	computersDropped map[string]bool
	// damagedComputers are the names only records of damaged chunks
	// (evtx.Event.Damaged, evtx.Summary.Damaged) of a log give while its
	// intact records name others, taken out of computers
	// (splitDamagedComputers), sorted by path, then name; damagedKeys
	// holds their hosts (hosts.Key) that no intact record of any log
	// names.
	damagedComputers []*computerSeen
	damagedKeys      map[string]bool
	// timeline holds the RDP timeline's lines, oldest first, the newest
	// Options.Timeline (nil without a timeline); timelineDropped counts
	// the events left out.
	timeline        []*TimelineLine
	timelineDropped int
	timelineCut     []TimelineCut // of timelineDropped, set aside with their groups
	// timelineUntimed counts the timeline's events without a TimeCreated,
	// timelineUntimedEvents names the last written (timeline.noteUntimed).
	timelineUntimed       int
	timelineUntimedEvents []*EventRef
	// clockJumps are the logs with records after their last-written
	// record; warnings are said about the reading as a whole (each clock
	// jump, a doubtful reference time), in that order.
	clockJumps []*ClockJump
	// lastAhead are the logs whose later last-written record did not give
	// the reference time: written while the clock ran ahead (ReferenceEnd).
	lastAhead []*LastAhead
	// timeGaps are the logs with a week or more without records across
	// the start of their analysed period (each also a warning).
	timeGaps []*TimeGap
	warnings []string
	// copiesSuspected is set when two inputs shared a matched record's
	// identity key in a scan that was not exact (sharedRecords).
	copiesSuspected bool
}

// newScanResult returns a scanResult with no matches yet: an empty
// queryState for each query of e's rules.
func (e *Engine) newScanResult() *scanResult {
	sr := &scanResult{
		queries:          map[*compiledQuery]*queryState{},
		corro:            map[*compiledRule][]*EventRef{},
		unreadable:       map[*compiledQuery][]*EventRef{},
		context:          map[*compiledRule]*contextEvents{},
		computers:        map[string][]*computerSeen{},
		computersDropped: map[string]bool{},
	}
	for _, cr := range e.rules {
		for _, cq := range cr.queries {
			sr.queries[cq] = &queryState{hit: QueryHit{Query: cq.query}, refs: map[*Refinement]*RefinementHit{}}
		}
	}
	return sr
}

// queryState is the matches of one query.
type queryState struct {
	hit            QueryHit
	evidence       []*EventRef // newest first, at most MaxEvidence
	refs           map[*Refinement]*RefinementHit
	pending        []caller // in-window evidence awaiting Attribution.Coincides (pid unused)
	callers        []caller // in-window evidence attributed by its process's name
	callerOverflow int      // callers beyond maxPending (not checked by process id)
	// plainFirst and plainLast are the oldest and newest times of the
	// in-window evidence that is not among callers (nor beyond them).
	plainFirst, plainLast time.Time
	overflow              int       // pending events beyond maxPending
	latest                *EventRef // recovery queries: the newest match in the window
	// byHost holds, per computer name (as written), the newest in-window
	// match: of an evidence query its TimeCreated's EventRef, of a
	// recovery query the newest; at most maxHostsKept names, hostsDropped
	// set past them. A failure is resolved only by a recovery of its own
	// computer (forwarded events interleave several).
	byHost       map[string]*EventRef
	hostsDropped bool
	lang         *langState // subjects, threshold samples, coverage (language.go)
}

// computerSeen is where the records naming one host lie in one log:
// their times (eventTime) and record numbers (record header ids).
type computerSeen struct {
	name         string
	key          string // hosts.Key(name), once merged into a log's hosts
	first, last  time.Time
	minID, maxID uint64
	rids         hosts.Span // System/EventRecordIDs (MinRID, MaxRID only)
	file         string
	// intact is set when a record naming it lies in an intact chunk
	// (neither evtx.Event.Damaged nor evtx.Summary.Damaged).
	intact bool
}

// span is c as package hosts judges it.
func (c *computerSeen) span() hosts.Span {
	return hosts.Span{MinID: c.minID, MaxID: c.maxID, MinRID: c.rids.MinRID, MaxRID: c.rids.MaxRID, First: c.first, Last: c.last}
}

// contextEvents are the RDP connection attempts of a rule's context
// queries near its window, for Attribution.Coincides.
type contextEvents struct {
	list    []contextTime // sorted by time once the scan ends
	dropped int           // beyond maxContextTimes
	// before holds, per computer (hosts.Key of its name, "" for none),
	// the newest attempt earlier than those list keeps: it attributes
	// nothing by time, but shows which process logged RDP's connections
	// before the first kept one (listenerThroughout). At most
	// maxHostsKept computers.
	before map[string]contextTime
}

// scanner is the scan at work: the scanResult it fills, and what it needs
// while reading (the plan's logs, each log's last-written event, the
// timeline being collected). It lives for one call of scan.
type scanner struct {
	*scanResult
	e         *Engine
	logs      []*evtx.Log                 // parallel to inputs
	byChannel map[string][]*compiledQuery // lower-case channel -> queries
	all       []*compiledQuery            // every query, of every channel
	last      map[*Input]*evtx.Event      // each log's last-written record
	first     map[*Input]*evtx.Event      // each log's first-written record
	// ahead and behind are each log's clock jumps (findClocks).
	ahead, behind map[*Input]*ClockJump
	// decoded counts, per input, the records of its main decoding pass
	// whose time lies in [Since, Until] (near) and all of them (total).
	decoded map[*Input]recordCounts
	tl      *timeline // the RDP timeline's lines (timeline.go)
	// shared tells the matched records that an earlier input gave
	// (copies.go); nil when fewer than two inputs are read.
	shared *sharedRecords
	// changes holds, per input with a clock jump, the clock changes
	// (ClockChange) among the records of its analysed period, [Since,
	// Until] by TimeCreated, that its main decoding pass read, decoded or
	// passed over by the filter (read from their summaries): the same
	// records with shortcuts as without.
	changes map[*Input]*changeSet
}

type recordCounts struct{ near, total int }

// scan reads the logs of p and returns what they hold for the rules. It
// reads each used log's first- and last-written records; takes at as the
// reference time, or, when at is zero, the TimeCreated of the
// last-written record (highest record number) of each log read, the
// latest across logs; decodes, for each log, the records its channel's
// queries need around that time and evaluates them (nothing without a
// reference time); and reports records after their log's last-written
// one (checkClocks). p is not changed.
//
// With exact, a matched record an earlier input gave (evtx.Event.Identity)
// is counted once (sharedRecords); without, only a key of it is kept, and
// copiesSuspected says whether two inputs shared one: the caller then
// scans again with exact (Analyze). NoShortcuts makes every scan exact.
func (e *Engine) scan(p readPlan, at time.Time, exact bool) *scanResult {
	s := &scanner{scanResult: e.newScanResult(), e: e, logs: p.logs, byChannel: p.byChannel, all: p.all, last: map[*Input]*evtx.Event{}, first: map[*Input]*evtx.Event{}, decoded: map[*Input]recordCounts{}, changes: map[*Input]*changeSet{}}
	if e.timeline != nil {
		s.tl = &timeline{max: e.opt.Timeline, groups: map[string]*TimelineLine{}}
	}
	for _, in := range p.inputs {
		c := *in
		s.inputs = append(s.inputs, &c)
	}
	s.warnings = append(s.warnings, p.warnings...)
	s.shared = newSharedRecords(s.inputs, exact || e.opt.NoShortcuts)

	// Windows numbers records in the order it writes them, so a clock
	// that ran ahead and was set back, or an exported log's borrowed and
	// zero header times, do not move the reference time; records whose
	// time lies after their log's last-written record are reported
	// (checkClocks).
	for i, in := range s.inputs {
		if in.Used {
			s.lastWritten(in, s.logs[i])
		}
	}
	s.findClocks()
	// The latest last-written record, unless it was written while the
	// clock ran ahead, as another log shows (ReferenceEnd).
	paths := make([]string, len(s.inputs))
	lasts := make([]*RecordRef, len(s.inputs))
	aheads := make([]*ClockJump, len(s.inputs))
	for i, in := range s.inputs {
		paths[i], lasts[i], aheads[i] = in.Path, in.LastWritten, s.ahead[in]
	}
	best, passed := ReferenceEnd(paths, lasts, aheads)
	for _, a := range passed {
		for _, in := range s.inputs {
			if in.Path == a.Path && in.LastWritten == a.Last {
				in.ClockAhead = true
			}
		}
	}
	s.ref = at
	if s.ref.IsZero() && best >= 0 {
		in := s.inputs[best]
		s.ref, s.refFrom, s.refRecord = in.LastWritten.Time, in.Path, in.LastWritten
		s.refFile = in.Path
		if ev := s.last[in]; ev != nil {
			s.refFile = s.recordFile(in, ev)
		}
		s.lastAhead = passed
	}

	if !s.ref.IsZero() {
		s.decodeAll()
	} else {
		// No record time in any log (no record, or none with a time):
		// the logs are still walked for their statistics and problems
		// (a file cut after its header), which the report names.
		for i, in := range s.inputs {
			if in.Used && in.Err == nil {
				s.stats(in, s.logs[i])
			}
		}
	}
	for _, in := range s.inputs {
		if len(in.Channels) > 1 {
			s.warnings = append(s.warnings, mixedText(in))
		}
	}
	s.splitDamagedComputers()
	s.checkClocks()
	for _, a := range s.lastAhead {
		s.warnings = append(s.warnings, a.String())
	}
	s.checkGaps()
	s.checkReference()
	for _, ce := range s.context {
		sort.SliceStable(ce.list, func(i, j int) bool { return ce.list[i].t.Before(ce.list[j].t) })
	}
	s.timeline, s.timelineDropped = s.tl.finish()
	s.timelineCut = s.tl.cuts()
	if s.tl != nil {
		s.timelineUntimed, s.timelineUntimedEvents = s.tl.untimed, s.tl.untimedNewest
	}
	for _, in := range s.inputs {
		if in.CopyOf != "" {
			s.warnings = append(s.warnings, copiesWarning(in))
		}
		if in.Stats.Conflicts > 0 && in.Conflict != nil {
			s.warnings = append(s.warnings, conflictsWarning(in))
		}
	}
	s.copiesSuspected = s.shared.suspected(s.inputs)
	return s.scanResult
}

// checkReference warns when the reference time came from a record whose
// time is far off (a damaged or forged header): no other record of its log
// lies near it. Of copies read as one, the record is named with the copy
// that holds it: the log's path is its first copy's.
func (s *scanner) checkReference() {
	for _, in := range s.inputs {
		if s.farOffReference(in) {
			log := in.Path
			if r := in.LastWritten; r != nil && r.File != "" {
				log = fmt.Sprintf("%s (%s)", in.Path, r)
			}
			s.warnings = append(s.warnings, fmt.Sprintf(
				"the reference time %s comes from the last-written record of %s, but no other record of it lies within %s of that time; if the time is wrong, give --at",
				evtx.FormatTime(s.ref), log, FormatSpan(in.Since, s.ref)))
		}
	}
}

// checkGaps reports, for each log whose records were decoded, a span of
// TimeGapMin or more without records across the start of its analysed
// period (in.Since): a machine that was off, or a clock that jumped ahead
// and so put the events before the jump outside every window.
func (s *scanner) checkGaps() {
	for i, in := range s.inputs {
		if !in.Decoded || in.Err != nil || s.farOffReference(in) {
			continue // a reference record far from all others: checkReference says so
		}
		st := in.Stats // of the decoding pass: every record's time
		oldest, newest := timeBounds(st)
		g, err := findTimeGap(s.logs[i], in.Since, oldest, newest, evtx.Options{Workers: s.e.opt.Workers, Context: s.e.ctx}, s.e.opt.NoShortcuts)
		if err != nil || g == nil {
			continue // a read error is the decoding pass's to report
		}
		if p := s.changes[in]; p != nil {
			g.explain(s.logs[i], evtx.Options{Workers: s.e.opt.Workers, Context: s.e.ctx}, s.e.opt.NoShortcuts, p, in.Since, in.Until)
		}
		s.timeGaps = append(s.timeGaps, g)
		s.warnings = append(s.warnings, g.String())
		if t := g.ChangeText(); t != "" {
			s.warnings = append(s.warnings, t)
		}
	}
}

// farOffReference reports whether the reference time comes from the
// last-written record of in and no other record of in lies near it.
func (s *scanner) farOffReference(in *Input) bool {
	n := s.decoded[in]
	return in.Path == s.refFrom && in.Decoded && n.near <= 1 && n.total > 1
}

// decodeAll decodes, for each log read, the records its channel's queries
// need; logs no query reads are only walked for their statistics.
func (s *scanner) decodeAll() {
	for i, in := range s.inputs {
		if !in.Used {
			continue
		}
		if qs := s.queriesOf(in); len(qs) > 0 {
			s.decode(in, s.logs[i], qs)
		} else {
			s.stats(in, s.logs[i])
		}
	}
	s.countHeld()
	s.corroborateFurther()
}

// queriesOf returns the queries of in's channel, or, for a log whose
// records are of several (Input.Channels), of each of them: their windows
// set the period decode reads. Every query, of every channel, is evaluated
// on the records of that period (scanner.all), each record by those of
// its own System/Channel, so that a record of a channel the sampled
// records do not name is evaluated all the same.
func (s *scanner) queriesOf(in *Input) []*compiledQuery {
	if len(in.Channels) == 0 {
		return s.byChannel[strings.ToLower(in.Channel)]
	}
	var qs []*compiledQuery
	for _, ch := range in.Channels {
		qs = append(qs, s.byChannel[strings.ToLower(ch)]...)
	}
	return qs
}

// far is a time no record has: a window [far, far] skips every record.
var far = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// stats reads a log without decoding any record, for its counts and times.
func (s *scanner) stats(in *Input, l *evtx.Log) {
	o := evtx.Options{Since: far, Until: far, Workers: s.e.opt.Workers, Context: s.e.ctx}
	if s.e.opt.NoShortcuts {
		o.Since, o.Until = time.Time{}, time.Time{}
	}
	s.read(in, l, o, nil)
}

func (s *scanner) decode(in *Input, l *evtx.Log, qs []*compiledQuery) {
	var maxWin time.Duration
	for _, cq := range qs {
		maxWin = max(maxWin, cq.rule.window)
	}
	lb := s.e.opt.LookBack
	in.Decoded = true
	in.Since = lookBackStart(s.ref, maxWin, lb)
	in.Until = s.ref.Add(lb)
	// near: the records whose time lies in the period, those the filter
	// refused (each in it by the TimeCreated it was judged by) included;
	// total: every record, with a window and filter (skipped or refused)
	// as without.
	// Every rule's window is counted, not only those of qs: a record of
	// another channel that a query of that channel matches makes the log
	// one of that channel too (Input.Holds), and its rules' windows
	// (logStatus) are then summed over it, which was given its analysed
	// period's counts instead (a Security log holding one System record
	// put 401 Security records of eight days in rdp-os-unstable's
	// three-day window of System). A window that starts before Since is
	// counted over the records read, from Since.
	in.windows = nil
	for _, cq := range s.all {
		start := s.ref.Add(-cq.rule.window)
		if _, _, ok := in.inWindow(start); !ok {
			in.windows = append(in.windows, &windowCount{start: start, from: windowStart(s.ref, cq.rule.window)})
		}
	}
	// The clock changes of the period are looked for where they can
	// explain a jump (ClockJump.explain); a gap's are read apart
	// (withChanges), and the System log of a machine whose clock is
	// synchronised holds one every hour or so (the time service's
	// Kernel-General 1s), each read from its summary.
	var cs *changeSet
	if s.ahead[in] != nil || s.behind[in] != nil {
		cs = &changeSet{}
		s.changes[in] = cs
	}
	near, partial := s.readFiltered(in, l, evtx.Options{Since: in.Since, Until: in.Until, Workers: s.e.opt.Workers, Context: s.e.ctx}, s.all, in.windows, nil, true, cs)
	for _, w := range in.windows {
		w.records += int(w.filtered.Swap(0)) // the same counts with the filter as without
	}
	n := recordCounts{near: near + in.Stats.Filtered}
	in.InPeriod, in.PartialInPeriod = n.near, partial
	n.total = in.Stats.Records + in.Stats.Filtered + in.Stats.Skipped
	s.decoded[in] = n
}

// readFiltered evaluates qs on the events of l whose time (TimeCreated,
// eventTime) lies in [o.Since, o.Until]: that bound is what the analysis
// means, checked on each event; the reader's window (o.Since, o.Until)
// only saves decoding records outside it. When every query of qs names the
// provider names or event ids its matches must have (xpath.Query.Keys),
// only the records whose System part has them are decoded, less those
// every such query's where refuses by an EventData field read without
// decoding (dataPrefilter); the computer names of the others are still
// noted (for the rename corroboration) from their summaries. With
// Options.NoShortcuts every record is decoded.
//
// near counts the events read whose time (eventTime) lies in [o.Since,
// o.Until], those decoded in part included (by their record header time,
// a hint: partialHint), those decoded in full without a TimeCreated not:
// the same with shortcuts as without, since the filter refuses only records
// whose TimeCreated it was given (read cheaply, and so judged by the
// reader's window), and the reader yields the others, whatever their time,
// to be judged here; the caller adds the refused ones (Stats.Filtered).
//
// wins, when not nil, counts the records whose time lies in each of its
// windows (ending at the reference time), those decoded in part and those
// the filter refused (by the TimeCreated it judged them by) included.
//
// each, when not nil, is given every event the reader yields, whatever
// its time (before the bound above is checked).
//
// untimed says whether to count (Input.Untimed) and evaluate the events
// decoded in full without a TimeCreated: the reader yields them whatever
// its window, so one read of the log does (the main pass), and another
// (corroborateFurther) passes over them.
//
// changes, when not nil, is given the clock changes (ClockChange) among
// the records whose TimeCreated (evtx.TimeCreatedOf) lies in [o.Since,
// o.Until]: from the events, and from the summaries of those the filter
// refuses (evtx.Summary.Data, without decoding them; a change whose
// fields a summary cannot give is decoded instead, which moves it from
// the filter's count to the decoded ones, the sum the same). Both give
// the same changes (TestClockChangesShortcutEqualsPlain).
func (s *scanner) readFiltered(in *Input, l *evtx.Log, o evtx.Options, qs []*compiledQuery, wins []*windowCount, each func(*evtx.Event), untimed bool, changes *changeSet) (near, partial int) {
	var seen computerSightings
	var held fullCopies
	var maybe []unreadableMatch      // records decoded in part that queries may match
	var onTimeline []unreadableMatch // records decoded in part of the timeline's kinds
	since, until, ref := o.Since, o.Until, s.ref
	filter := !s.e.opt.NoShortcuts
	if s.e.opt.NoShortcuts {
		o.Since, o.Until = time.Time{}, time.Time{}
	}
	for _, cq := range qs {
		filter = filter && cq.hasKeys
	}
	copies := merged(l)
	if filter {
		keys := make([]xpath.Keys, len(qs))
		for i, cq := range qs {
			keys[i] = cq.keys
		}
		set := xpath.NewKeySet(keys)
		pre := newDataPrefilter(qs)
		o.Filter = func(s evtx.Summary) bool {
			if s.TimeCreated.IsZero() {
				// Its time is not known without decoding it (the window
				// did not judge it): decoded, judged below by its
				// event's time, and evaluated by the queries its keys
				// give, none where the filter would refuse it.
				return true
			}
			seen.note(s.Computer, s.TimeCreated, s.RecordID, s.EventRecordID, s.Damaged)
			if set.Accepts(s.Provider, s.EventID) && !pre.rejects(s) {
				return true
			}
			if changes != nil && isClockChange(s.Provider, s.EventID) {
				c, ok := clockChangeOfSummary(s, copies)
				if !ok {
					return true // its fields need decoding: noted below
				}
				changes.add(c)
			}
			// Refused: without shortcuts it is decoded and noted below
			// (one whose TimeCreated is read cheaply decodes in full).
			held.noteFull(s.RecordID, s.Written)
			for _, w := range wins {
				if w.holds(s.TimeCreated, ref) {
					w.filtered.Add(1)
				}
			}
			return false
		}
	}
	d := newDispatch(qs, s.e.opt.NoShortcuts)
	s.read(in, l, o, func(ev *evtx.Event) {
		if each != nil {
			each(ev)
		}
		if changes != nil && isClockChange(ev.System.Provider.Name, ev.System.EventID) {
			if tc, ok := evtx.TimeCreatedOf(ev); ok && (since.IsZero() || !tc.Before(since)) && (until.IsZero() || !tc.After(until)) {
				changes.add(clockChangeOf(ev, copies))
			}
		}
		t := eventTime(ev)
		if t.IsZero() && ev.Partial == "" {
			// Decoded in full, without a TimeCreated (the reader
			// yields it whatever its window, and with NoShortcuts
			// reads every record: counted alike): in no window nor
			// the period, whatever its record header time; its
			// matches are counted apart (QueryHit.Untimed), by the
			// main pass only (a further read's reader yields it again).
			if !untimed {
				return
			}
			in.Untimed++
			held.noteFull(ev.RecordID, ev.Written)
			seen.note(ev.System.Computer, t, ev.RecordID, ev.System.EventRecordID, ev.Damaged)
			qs, k := d.queries(ev)
			s.event(in, ev, qs, k)
			return
		}
		if ev.Partial != "" {
			t = partialHint(ev) // never the event's time: counted by it only
		}
		out := !since.IsZero() && t.Before(since) || !until.IsZero() && t.After(until)
		if ev.Partial == "" {
			// The records decoded in full that the reader yields with
			// its window as without: a TimeCreated in the period, or
			// none (the filter notes those it refuses; those it accepts
			// come here, so that a record in part is never noted full).
			if _, ok := evtx.TimeCreatedOf(ev); !ok || !out {
				held.noteFull(ev.RecordID, ev.Written)
			}
		}
		if out {
			return
		}
		near++
		for _, w := range wins {
			if w.holds(t, ref) {
				w.records++
				if ev.Partial != "" {
					w.partial++
				}
			}
		}
		if ev.Partial != "" {
			// Values without names: no query can read it.
			partial++
			held.notePartial(ev.RecordID, ev.Written, t)
			if untimed {
				maybe = append(maybe, s.unreadableMatches(in, ev, qs)...)
				onTimeline = append(onTimeline, s.partialTimeline(in, ev, qs)...)
			}
			return
		}
		seen.note(ev.System.Computer, eventTime(ev), ev.RecordID, ev.System.EventRecordID, ev.Damaged)
		qs, k := d.queries(ev)
		s.event(in, ev, qs, k)
	})
	// A record decoded in part whose bytes the log also holds decoded in
	// full (a chunk half overwritten by another's: the record in part
	// where its templates are not, in full where they are; the reader
	// yields both) is one record: counted once, in full. It was counted
	// twice in its window, once in part.
	for _, p := range held.copies() {
		near--
		partial--
		for _, w := range wins {
			if w.holds(p, ref) {
				w.records--
				w.partial--
			}
		}
	}
	for _, m := range held.notHeldFull(maybe) {
		s.unreadable[m.cq] = append(s.unreadable[m.cq], m.ref)
	}
	for _, m := range held.notHeldFull(onTimeline) {
		s.notePartialTimeline(m.cq, m.ref)
	}
	// The decoding goroutines report in no fixed order: merge in a fixed
	// one (first sighting, then name), so that which names merge under
	// one host and which are kept does not depend on it, nor on the
	// filter (TestComputerSightingsOrderFree).
	for _, c := range seen.sorted() {
		s.noteComputerSpan(in, c)
	}
	if seen.dropped {
		s.computersDropped[in.Path] = true
	}
	return near, partial
}

// fullCopies finds, among the records of one read, those decoded in part
// that the log holds decoded in full too, by their record number and
// record header time (a copy of a record's bytes keeps both; a header
// time of 0, as exports leave it, tells nothing). Records decoded in full
// are noted from the events and from the filter's summaries, which the
// reader's decoding goroutines give concurrently: each as 8 bytes (a hash
// of the two), so that a log of millions of records costs little; two
// records whose hashes agree while they differ are one in 2^64.
type fullCopies struct {
	mu      sync.Mutex
	full    []uint64
	partial []partialRec
}

// partialRec is a record decoded in part counted in a read: the hash of
// its record number and header time (recHash), and its time (eventTime).
type partialRec struct {
	key uint64
	t   time.Time
}

// recHash mixes a record number and a header time (a FILETIME) into 64
// bits (splitmix64's finaliser over their combination).
func recHash(id, ft uint64) uint64 {
	x := id*0x9e3779b97f4a7c15 ^ (ft + 0x632be59bd9b4e019)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// noteFull notes a record decoded in full.
func (fc *fullCopies) noteFull(id uint64, written time.Time) {
	ft := evtx.TimeToFiletime(written)
	if ft == 0 {
		return
	}
	fc.mu.Lock()
	fc.full = append(fc.full, recHash(id, ft))
	fc.mu.Unlock()
}

// notePartial notes a record decoded in part, counted at time t.
func (fc *fullCopies) notePartial(id uint64, written, t time.Time) {
	if ft := evtx.TimeToFiletime(written); ft != 0 {
		fc.mu.Lock()
		fc.partial = append(fc.partial, partialRec{key: recHash(id, ft), t: t})
		fc.mu.Unlock()
	}
}

// unreadableMatch is a record decoded in part that query cq may match:
// its System part names a provider and event id cq's keys accept, and the
// fields cq's conditions read are not known (Input.unreadable).
type unreadableMatch struct {
	cq  *compiledQuery
	ref *EventRef
	key uint64 // recHash of its record number and header time, 0 if none
}

// unreadableMatches returns, for ev, a record decoded in part, the evidence
// queries of qs (of its channel, with keys) that may match it: those whose
// keys accept the provider and event id its System part gives, where that
// part was decoded (a nested template instance, the EventData or UserData,
// was not resolved) and gives a TimeCreated. The rules never count such a
// record (its fields are values without names), but a window that holds one
// is not shown free of the query's events: a Schannel 36871 whose EventData
// template was overwritten may be a server credential failing with 10013
// (TestUnreadableEvidenceNotDetected).
func (s *scanner) unreadableMatches(in *Input, ev *evtx.Event, qs []*compiledQuery) []unreadableMatch {
	t, ok := evtx.TimeCreatedOf(ev)
	if !ok || ev.System.Provider.Name == "" {
		return nil
	}
	ch := recordChannel(in, ev)
	var out []unreadableMatch
	var ref *EventRef
	for _, cq := range qs {
		if cq.query.Role != RoleEvidence || cq.tl != nil || !cq.hasKeys || !cq.keys.Accepts(ev.System.Provider.Name, ev.System.EventID) ||
			cq.query.Channel != ch && !strings.EqualFold(cq.query.Channel, ch) {
			continue
		}
		if ref == nil {
			ref = newEventRef(in, ev, t)
			ref.File = s.recordFile(in, ev)
			ref.Data = nil
		}
		r := *ref
		r.Query = cq.query.ID
		var key uint64
		if ft := evtx.TimeToFiletime(ev.Written); ft != 0 {
			key = recHash(ev.RecordID, ft)
		}
		out = append(out, unreadableMatch{cq: cq, ref: &r, key: key})
	}
	return out
}

// notHeldFull returns the matches of ms whose records the read did not
// also decode in full (a copy of the record's bytes where its templates
// are: counted there, by the queries that read it).
func (fc *fullCopies) notHeldFull(ms []unreadableMatch) []unreadableMatch {
	if len(ms) == 0 {
		return nil
	}
	slices.Sort(fc.full)
	var out []unreadableMatch
	for _, m := range ms {
		if _, ok := slices.BinarySearch(fc.full, m.key); ok && m.key != 0 {
			continue
		}
		out = append(out, m)
	}
	return out
}

// copies returns the times of the records noted decoded in part whose
// record number and header time a record noted decoded in full has.
func (fc *fullCopies) copies() []time.Time {
	if len(fc.partial) == 0 {
		return nil
	}
	slices.Sort(fc.full)
	var out []time.Time
	for _, p := range fc.partial {
		if _, ok := slices.BinarySearch(fc.full, p.key); ok {
			out = append(out, p.t)
		}
	}
	return out
}

// holds reports whether t lies in w, [w.from, ref].
func (w *windowCount) holds(t, ref time.Time) bool {
	return !t.Before(w.from) && !t.After(ref)
}

// computerSightings collects the computer names of a log's records and
// where they lie, from record summaries (which the reader's decoding
// goroutines report concurrently, in no fixed order) and decoded events:
// every distinct name, up to maxSightings of them.
type computerSightings struct {
	mu      sync.Mutex
	byName  map[string]*computerSeen
	dropped bool // names past maxSightings were met and not kept
}

// note notes a record naming name at time t (zero: none) with record
// number id, System/EventRecordID rid (0: not read), damaged when it
// lies in a damaged chunk.
func (cs *computerSightings) note(name string, t time.Time, id, rid uint64, damaged bool) {
	if name == "" {
		return
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c := cs.byName[name]; c != nil {
		c.widen(t, t, id, id)
		c.intact = c.intact || !damaged
		c.rids.NoteRID(rid)
		return
	}
	if len(cs.byName) >= maxSightings {
		cs.dropped = true
		return
	}
	if cs.byName == nil {
		cs.byName = map[string]*computerSeen{}
	}
	c := &computerSeen{name: name, first: t, last: t, minID: id, maxID: id, intact: !damaged}
	c.rids.NoteRID(rid)
	cs.byName[name] = c
}

// sorted returns the sightings by their first time (zero first), then
// name.
func (cs *computerSightings) sorted() []*computerSeen {
	list := make([]*computerSeen, 0, len(cs.byName))
	for _, c := range cs.byName {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool {
		x, y := list[i], list[j]
		if !x.first.Equal(y.first) {
			return x.first.Before(y.first)
		}
		return x.name < y.name
	})
	return list
}

// widen extends c by the times first..last (a zero first is no time) and
// record numbers minID..maxID.
func (c *computerSeen) widen(first, last time.Time, minID, maxID uint64) {
	if !first.IsZero() && (c.first.IsZero() || first.Before(c.first)) {
		c.first = first
	}
	c.last = maxTime(c.last, last)
	c.minID, c.maxID = min(c.minID, minID), max(c.maxID, maxID)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// detected reports whether an evidence query of cr matched in the window.
func (s *scanner) detected(cr *compiledRule) bool {
	for _, cq := range cr.queries {
		if cq.query.Role == RoleEvidence && s.queries[cq].hit.Count > 0 {
			return true
		}
	}
	return false
}

// corroborateFurther reads, for each detected rule with a corroboration
// look-back longer than the engine's, the older records of its
// corroboration queries' logs (a rename weeks before the failures). Only
// the corroboration queries are evaluated there.
func (s *scanner) corroborateFurther() {
	type need struct {
		since time.Time
		qs    []*compiledQuery
	}
	needs := map[string]*need{}
	for _, cr := range s.e.rules {
		if cr.rule.CorroborationLookBack <= s.e.opt.LookBack || !s.detected(cr) {
			continue
		}
		since := lookBackStart(s.ref, cr.window, cr.rule.CorroborationLookBack)
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
	for i, in := range s.inputs {
		n := needs[strings.ToLower(in.Channel)]
		for _, ch := range in.Channels {
			if m := needs[strings.ToLower(ch)]; n == nil && m != nil {
				n = m
			} else if m != nil && m != n {
				n = &need{since: minTime(n.since, m.since), qs: append(append([]*compiledQuery(nil), n.qs...), m.qs...)}
			}
		}
		if n == nil || !in.Readable() || !in.Decoded || !n.since.Before(in.Since) {
			continue
		}
		main, mainParts, mainErrs, mainCount := in.Stats, in.Parts, in.Errors, in.ErrorCount
		until := in.Since.Add(-time.Nanosecond)
		// The records this read decodes that the main pass did not:
		// those whose TimeCreated, as the reader's window judges it
		// (evtx.TimeCreatedOf), lies outside the main pass's window. The
		// reader yields a record without one (decoded in part, or
		// written without it) whatever its window, so the main pass
		// decoded it already, and with NoShortcuts it decoded every
		// record: adding this read's Records counted those again (a
		// System log of 122 records said 244 decoded, -122 skipped).
		extra := 0
		count := func(ev *evtx.Event) {
			if t, ok := evtx.TimeCreatedOf(ev); ok && !s.e.opt.NoShortcuts && (t.Before(in.Since) || t.After(in.Until)) {
				extra++
			}
		}
		s.readFiltered(in, s.logs[i], evtx.Options{Since: n.since, Until: until, Workers: s.e.opt.Workers, Context: s.e.ctx}, n.qs, nil, count, false, nil)
		// The filter refuses only records whose TimeCreated it was given,
		// in this read's window: the main pass passed them over.
		filtered := in.Stats.Filtered
		if in.Err != nil { // the file read before; keep its main results
			in.Err, extra, filtered = nil, 0, 0
			n.since = in.Since
		}
		in.Stats, in.Parts, in.Errors, in.ErrorCount = main, mainParts, mainErrs, mainCount
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

func (s *scanner) read(in *Input, l *evtx.Log, o evtx.Options, fn func(*evtx.Event)) {
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
		// counted in the log's stats and reported with the read problems;
		// fn gets it (for its time) and must pass it over.
		if fn != nil {
			fn(ev)
		}
	}
	in.Stats = f.Stats()
	in.Parts = nil
	if ds := f.PartDamage(); ds != nil {
		for i, p := range l.Parts() {
			if i < len(ds) {
				in.Parts = append(in.Parts, PartDamage{Path: p.Path, Damage: ds[i]})
			}
		}
	}
	// A log read for its statistics alone because no log gave a record
	// time (none readable: s.ref zero) still names the records its file
	// header counts and no chunk yields (evtx.LostSpan.NoneRead).
	if (in.Decoded || s.ref.IsZero()) && !in.lostRead {
		in.lostRead = true
		for _, l := range f.LostRecords() {
			in.Lost = append(in.Lost, LostRecords{AfterID: l.AfterID, BeforeID: l.BeforeID, After: lostTime(l.After), Before: lostTime(l.Before), AfterEventID: lostEventID(l.After), BeforeEventID: lostEventID(l.Before), Newest: l.Newest, chunkCount: l.ChunkCount, noneRead: l.NoneRead, Slack: l.Slack})
		}
	}
	// A copy cut short: which records the cut lost, the newest or old
	// ones of a log that wrapped (cutText), when it can be told.
	if !in.cutRead && cutShort(in.Stats) {
		in.cutRead = true
		in.cutLoss = f.CutLoss()
	}
	// The reader's own judgement (most records renumbered) adds to the
	// last-written record's.
	in.Exported = in.Exported || in.Stats.Exported()
	errs := f.Errors()
	in.ErrorCount = in.Stats.Problems
	in.Conflict = nil
	if cs := f.Conflicts(); len(cs) > 0 {
		in.Conflict = cs[0]
	}
	in.Errors = append([]*evtx.FormatError(nil), errs[:min(len(errs), maxErrors)]...)
}

// lostEventID is the EventRecordID of a record beside lost ones, 0 for
// none (or none read).
func lostEventID(ev *evtx.Event) uint64 {
	if ev == nil {
		return 0
	}
	return ev.System.EventRecordID
}

// lostTime is the TimeCreated of a record beside lost ones (eventTime),
// zero for none.
func lostTime(ev *evtx.Event) time.Time {
	if ev == nil {
		return time.Time{}
	}
	return known(eventTime(ev))
}

// eventTime is when ev happened, the time every window and look-back
// compares: its TimeCreated as the query language and the reader's window
// read it (evtx.TimeCreatedOf), a TimeCreated of FILETIME 0 (1601-01-01)
// included, which wevtutil's timediff never places in a recent window;
// for an event without such a TimeCreated, the one decoded otherwise
// (writtenTime); else the zero time. The record header time never stands
// for it: it is when the record was written, exported logs borrow it or
// leave it 0, and no query's TimeCreated condition sees it. Such an event
// (the reader yields it whatever its window) is placed in no window: its
// matches are counted apart (QueryHit.Untimed), and a record decoded in
// part is counted in the windows by its header time only as a hint
// (partialHint). Clock jumps are judged by it too.
func eventTime(ev *evtx.Event) time.Time {
	if t, ok := evtx.TimeCreatedOf(ev); ok {
		return t
	}
	return writtenTime(ev)
}

// partialHint is the time by which a record decoded in part without a
// TimeCreated (eventTime zero) is counted in the analysed period and the
// windows (Input.PartialInPeriod, windowCount.partial): its record header
// time, zero when that is 0. It is a hint, used only where it can take a
// claim away: such records in a window, most of its records, leave the
// window not covered (logStatus). It is never shown as the event's time,
// and no record decoded in part is evidence.
func partialHint(ev *evtx.Event) time.Time {
	if t := eventTime(ev); !t.IsZero() || ev.Partial == "" {
		return t
	}
	return known(ev.Written)
}

// writtenTime is the time a first- or last-written record gives the
// reference time and the clock-jump searches: its TimeCreated when it
// places the record in time (evtx.UsableTime), zero when it has none
// (absent, or FILETIME 0), one before 1980 (evtx.MinUsableTime: taken
// for a cleared or damaged value) or one after the year 9999 (a damaged value,
// which no clock gives and RFC 3339 and --at cannot write). The record
// header time never stands for it: it says when the record was written,
// exported logs borrow it from other records, and no query's TimeCreated
// condition sees it (TimedWrittenEnds passes over such a record).
func writtenTime(ev *evtx.Event) time.Time {
	if t := ev.System.TimeCreated; evtx.UsableTime(t) {
		return t
	}
	return time.Time{}
}

// known returns t, or the zero time for FILETIME 0 (1601-01-01), which a
// reader gives for a time the record does not have.
func known(t time.Time) time.Time {
	if evtx.TimeToFiletime(t) == 0 {
		return time.Time{}
	}
	return t
}

// dispatch picks, for an event, the queries of a read that can match it:
// those whose keys (xpath.Query.Keys) accept its provider name and event
// id (xpath.EventKeys), and those without keys, in their order in the
// read's list. A query whose keys do not accept them cannot match the
// event (xpath.EventKeys), so evaluating only the picked ones gives the
// matches of evaluating all; with Options.NoShortcuts every query is
// evaluated on every event. The lists are kept per provider name and
// event id (a log holds few pairs), at most maxDispatchPairs of them.
type dispatch struct {
	all   []*compiledQuery
	plain bool // evaluate all (NoShortcuts, or no query has keys)
	byKey map[dispatchKey][]*compiledQuery
}

type dispatchKey struct {
	provider string
	eventID  uint16
}

// maxDispatchPairs bounds the lists a dispatch keeps; past it, an event's
// list is picked anew (a hostile log can hold any number of names).
const maxDispatchPairs = 4096

func newDispatch(qs []*compiledQuery, noShortcuts bool) *dispatch {
	d := &dispatch{all: qs, plain: true, byKey: map[dispatchKey][]*compiledQuery{}}
	if !noShortcuts {
		for _, cq := range qs {
			d.plain = d.plain && !cq.hasKeys
		}
	}
	return d
}

// eventKeys are an event's xpath.EventKeys; ok is false when it has none,
// or with NoShortcuts (every query is then evaluated with Match).
type eventKeys struct {
	provider string
	eventID  uint16
	ok       bool
}

// queries returns the queries of d to evaluate on ev, and ev's keys.
func (d *dispatch) queries(ev *evtx.Event) ([]*compiledQuery, eventKeys) {
	if d.plain {
		return d.all, eventKeys{}
	}
	p, id, ok := xpath.EventKeys(ev)
	if !ok {
		return d.all, eventKeys{}
	}
	return keyedQueries(d.byKey, d.all, p, id), eventKeys{p, id, true}
}

// keyedQueries returns the queries of all whose keys accept provider and
// id (a query without keys accepts every event), from byKey, where the
// lists already picked are kept (at most maxDispatchPairs of them).
func keyedQueries(byKey map[dispatchKey][]*compiledQuery, all []*compiledQuery, provider string, id uint16) []*compiledQuery {
	k := dispatchKey{provider, id}
	if qs, ok := byKey[k]; ok {
		return qs
	}
	qs := []*compiledQuery{}
	for _, cq := range all {
		if !cq.hasKeys || cq.keys.Accepts(provider, id) {
			qs = append(qs, cq)
		}
	}
	if len(byKey) < maxDispatchPairs {
		byKey[k] = qs
	}
	return qs
}

// event evaluates qs on ev, an event of in whose keys are k: the
// timeline's and the rules' matches. A query that is no more than its keys
// is decided from k (xpath.Query.MatchKeys), the others evaluated.
func (s *scanner) event(in *Input, ev *evtx.Event, qs []*compiledQuery, k eventKeys) {
	t := eventTime(ev)
	var ref *EventRef // built on the first match
	ch := recordChannel(in, ev)
	checked := false // whether an earlier input gave ev (sharedRecords)
	var held *heldUntimed
	for _, cq := range qs {
		// Equal text first: EqualFold compares a long channel name rune by
		// rune, and the channels of a log's records are those of its queries.
		if cq.query.Channel != ch && !strings.EqualFold(cq.query.Channel, ch) || !cq.matches(ev, k, s.ref) || !cq.query.admits(ev) {
			continue
		}
		if !in.Holds(ch) {
			// A record of another channel than those its first-,
			// first-written and last-written records say, matched by
			// its channel's query: the log holds that channel too.
			if len(in.Channels) == 0 {
				in.Channels = []string{in.Channel}
			}
			in.Channels = append(in.Channels, ch)
		}
		if !checked {
			switch c, tl := s.shared.shared(in, ev); c {
			case copyCounted:
				return // counted from the input that gave it first
			case copyHeld:
				// Without a TimeCreated: counted, or not, once every
				// input is read (countHeld).
				held = &heldUntimed{in: in, tl: tl, provider: ev.System.Provider.Name, eventID: ev.System.EventID}
				s.shared.held = append(s.shared.held, held)
			}
			if ev.ConflictOf != nil {
				// evtx.Merge yields a record whose copies differ, and
				// cannot tell which is right, from both, marking this
				// one: counted from the other, read first.
				return
			}
			checked = true
		}
		if cq.tl != nil && held == nil {
			s.noteTimeline(cq, in, ev, t)
			continue
		}
		if ref == nil {
			ref = newEventRef(in, ev, t)
			ref.File = s.recordFile(in, ev)
		}
		r := *ref
		r.Query = cq.query.ID
		if held != nil {
			if cq.tl != nil {
				r.Query = cq.tl.entry.ID // as noteTimeline names it
			}
			held.matches = append(held.matches, heldMatch{cq, &r})
			continue
		}
		s.match(cq, ev, &r)
	}
}

// recordFile is the file ev, a record of in, was read from: in.Path, or,
// for copies read as one (evtx.Merge), the copy that holds it, whose
// record numbers (EventRef.RecordID) are those of that file. A record the
// second copy adds is not in the first.
func (s *scanner) recordFile(in *Input, ev *evtx.Event) string {
	if f := ev.Source.File; f != "" && f != in.Path {
		for i, c := range s.inputs {
			if c != in {
				continue
			}
			for _, p := range s.logs[i].Parts() {
				if p.Path == f {
					return f
				}
			}
		}
	}
	return in.Path
}

// recordChannel is the channel of ev, a record of in: its System/Channel,
// or in's when it names none (a record decoded in part). A query reads
// only the records of its own channel, whatever log holds them: a log
// that mixes channels has each record evaluated by its channel's queries.
func recordChannel(in *Input, ev *evtx.Event) string {
	if ev.System.Channel != "" {
		return ev.System.Channel
	}
	return in.Channel
}

// matches reports whether cq's query matches ev, whose keys (from the
// dispatch) are k, at reference time ref: decided from k where the query
// is no more than its keys (xpath.Query.MatchKeys), else evaluated
// (TestQueryMatchesEqualsMatch).
func (cq *compiledQuery) matches(ev *evtx.Event, k eventKeys, ref time.Time) bool {
	if k.ok {
		if m, decided := cq.x.MatchKeys(ev, k.provider, k.eventID); decided {
			return m
		}
	}
	return cq.x.Match(ev, ref)
}

func newEventRef(in *Input, ev *evtx.Event, t time.Time) *EventRef {
	return &EventRef{
		File:          in.Path,
		Channel:       recordChannel(in, ev),
		RecordID:      ev.RecordID,
		EventRecordID: ev.System.EventRecordID,
		Time:          t,
		Written:       known(ev.Written),
		Provider:      ev.System.Provider.Name,
		EventID:       ev.System.EventID,
		Level:         ev.System.Level,
		Computer:      ev.System.Computer,
		Data:          KeyData(ev),
	}
}

// writtenAfter reports whether a was written after b, two events without
// a TimeCreated: by record number in one file; across files (of one log's
// copies, or of several logs) by record header time, then file and record
// number, so that the pick does not depend on the order of reading.
func writtenAfter(a, b *EventRef) bool {
	if a.File == b.File {
		return a.RecordID > b.RecordID
	}
	if !a.Written.Equal(b.Written) {
		return a.Written.After(b.Written)
	}
	return a.File < b.File
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

// matchUntimed counts r, a match of cq without a TimeCreated: in no
// window, look-back or coincidence; a context event without one
// attributes nothing.
func (s *scanner) matchUntimed(cq *compiledQuery, r *EventRef) {
	if cq.query.Role == RoleContext {
		return
	}
	h := &s.queries[cq].hit
	h.Untimed++
	if h.UntimedNewest == nil || writtenAfter(r, h.UntimedNewest) {
		h.UntimedNewest = r
	}
}

func (s *scanner) match(cq *compiledQuery, ev *evtx.Event, r *EventRef) {
	st := s.queries[cq]
	h := &st.hit
	if r.Time.IsZero() {
		s.matchUntimed(cq, r)
		return
	}
	start := windowStart(s.ref, cq.rule.window)
	if lb := s.e.opt.LookBack; (cq.query.Role == RoleEvidence || cq.query.Role == RoleRecovery || cq.query.Role == RoleCoverage) &&
		(r.Time.Before(lookBackStart(s.ref, cq.rule.window, lb)) || r.Time.After(s.ref.Add(lb))) {
		// Decoded for another rule's longer window, or for the timeline:
		// outside this rule's window and look-back, so the answer does
		// not depend on the other rules loaded (a failed logon 9 days
		// back was coverage of the 24-hour account rule with the
		// timeline, whose period is longer, and not with --timeline 0).
		return
	}
	switch cq.query.Role {
	case RoleContext:
		s.noteContext(cq, ev, r, ev.System.ProcessID)
		s.noteFollower(cq, r)
		return
	case RoleRecovery:
		s.noteRecovery(cq, st, r, start)
		if !r.Time.Before(start) && !r.Time.After(s.ref) {
			s.noteLanguage(cq, st, ev, r)
		}
		return
	case RoleCoverage:
		st.language().coverage++
		return
	}
	class, why := cq.query.Attribution.classify(ev)
	if class == attrOther {
		// Another program's event: counted apart, never evidence.
		if !r.Time.Before(start) && !r.Time.After(s.ref) {
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
		list := append(s.corro[cq.rule], r)
		sort.Slice(list, func(i, j int) bool { return newer(list[i], list[j]) })
		s.corro[cq.rule] = list[:min(len(list), maxCorroboration)]
		// Counted like evidence (the report's per-query counts), but
		// the events themselves are reported as corroboration.
		h.tally(r.Time, start, s.ref)
		return
	}
	switch h.tally(r.Time, start, s.ref) {
	case -1:
		if h.Before == nil || newer(r, h.Before) {
			h.Before = r
		}
		return
	case 1:
		if h.After == nil || newer(h.After, r) {
			h.After = r
		}
		return
	}
	st.noteHost(r)
	s.noteLanguage(cq, st, ev, r)
	if w := cq.query.Possible; w != nil {
		// Weaker evidence (language.go): at most possible.
		r.Possible, r.Attribution = true, w.text(ev)
		h.Possible++
	}
	var callerPID uint64
	hasCaller := false
	switch class {
	case attrPending:
		if c := cq.query.Attribution.Coincides; c != nil {
			r.same, _ = sameKey(ev, c.Same)
			if c.Address != nil {
				r.addr = addressOf(ev, c.Address.Data)
			}
		}
		s.notePending(cq, st, r)
	case attrProcess:
		callerPID, hasCaller = cq.query.Attribution.callerPID(ev)
	}
	if !hasCaller {
		// The span of the in-window evidence not judged by its process
		// id: with the callers' times it gives the query's First and
		// Last again when attribute finds some callers another
		// process's.
		if st.plainFirst.IsZero() || r.Time.Before(st.plainFirst) {
			st.plainFirst = r.Time
		}
		st.plainLast = maxTime(st.plainLast, r.Time)
	}
	i := sort.Search(len(st.evidence), func(i int) bool { return newer(r, st.evidence[i]) })
	if i < s.e.opt.MaxEvidence {
		st.evidence = append(st.evidence, nil)
		copy(st.evidence[i+1:], st.evidence[i:])
		st.evidence[i] = r
		st.evidence = st.evidence[:min(len(st.evidence), s.e.opt.MaxEvidence)]
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
		r.refs = append(r.refs, ref)
	}
	if hasCaller {
		image, _ := cq.query.Attribution.process(ev)
		s.noteCaller(st, r, callerPID, image)
	}
}

// coincidenceWithin returns the longest Coincides.Within of cr's queries.
func coincidenceWithin(cr *compiledRule) time.Duration {
	var d time.Duration
	for _, cq := range cr.queries {
		if at := cq.query.Attribution; at != nil && at.Coincides != nil {
			d = max(d, at.Coincides.Within)
		}
	}
	return d
}

// coincidenceSame returns the Coincides.Same field of cr's queries, ""
// when none sets one (validate allows one field per rule).
func coincidenceSame(cr *compiledRule) string {
	for _, cq := range cr.queries {
		if at := cq.query.Attribution; at != nil && at.Coincides != nil && at.Coincides.Same != "" {
			return at.Coincides.Same
		}
	}
	return ""
}

// coincidenceAddress is the field of the events of context query id that
// names the client address (CoincidenceAddress.Attempts), "" for none.
func coincidenceAddress(cr *compiledRule, id string) string {
	for _, cq := range cr.queries {
		if at := cq.query.Attribution; at != nil && at.Coincides != nil && at.Coincides.Address != nil {
			if f := at.Coincides.Address.Attempts[id]; f != "" {
				return f
			}
		}
	}
	return ""
}

// contextKeptFrom is the oldest time of the context events of cr that
// the scan keeps (noteContext): those that can attribute evidence in its
// window (within the coincidence of its start) and those of the hour
// around such evidence that chance is judged over (coincident).
func contextKeptFrom(ref time.Time, cr *compiledRule) time.Time {
	return lookBackStart(ref, cr.window, coincidenceWithin(cr)+chanceSpan)
}

// noteContext keeps the time of a context event, and the process that
// logged it, when it lies near enough to the window to attribute evidence
// in it.
func (s *scanner) noteContext(cq *compiledQuery, ev *evtx.Event, r *EventRef, pid uint32) {
	d := coincidenceWithin(cq.rule)
	start := contextKeptFrom(s.ref, cq.rule)
	if r.Time.After(s.ref.Add(d)) {
		return
	}
	ce := s.context[cq.rule]
	if ce == nil {
		ce = &contextEvents{}
		s.context[cq.rule] = ce
	}
	if r.Time.Before(start) {
		k := ""
		if r.Computer != "" {
			k = hosts.Key(r.Computer)
		}
		if ce.before == nil {
			ce.before = map[string]contextTime{}
		}
		o, ok := ce.before[k]
		if (ok && (r.Time.After(o.t) || r.Time.Equal(o.t) && newer(r, o.ref))) || !ok && len(ce.before) < maxHostsKept {
			ce.before[k] = contextTime{t: r.Time, query: cq.query.ID, ref: r, pid: pid}
		}
		return
	}
	if len(ce.list) >= maxContextTimes {
		ce.dropped++
		return
	}
	c := contextTime{t: r.Time, query: cq.query.ID, ref: r, pid: pid}
	c.same, c.hasSame = sameKey(ev, coincidenceSame(cq.rule))
	c.addr = addressOf(ev, coincidenceAddress(cq.rule, cq.query.ID))
	ce.list = append(ce.list, c)
	st := s.queries[cq]
	if start := windowStart(s.ref, cq.rule.window); !r.Time.Before(start) && !r.Time.After(s.ref) {
		st.hit.tally(r.Time, start, s.ref)
	}
}

// noteRecovery counts a recovery event and keeps the newest in the window.
func (s *scanner) noteRecovery(cq *compiledQuery, st *queryState, r *EventRef, start time.Time) {
	if st.hit.tally(r.Time, start, s.ref) != 0 {
		return
	}
	if st.latest == nil || newer(r, st.latest) {
		st.latest = r
	}
	st.noteHost(r)
}

// maxHostsKept bounds queryState.byHost.
const maxHostsKept = 64

// noteHost keeps r as its computer's newest in-window match.
func (st *queryState) noteHost(r *EventRef) {
	if o, ok := st.byHost[r.Computer]; ok {
		if newer(r, o) {
			st.byHost[r.Computer] = r
		}
		return
	}
	if len(st.byHost) >= maxHostsKept {
		st.hostsDropped = true
		return
	}
	if st.byHost == nil {
		st.byHost = map[string]*EventRef{}
	}
	st.byHost[r.Computer] = r
}

// noteCaller keeps an in-window evidence event attributed by its calling
// process's name, with the process id, for attribute to check.
func (s *scanner) noteCaller(st *queryState, r *EventRef, pid uint64, image string) {
	r.callerPID, r.hasCaller = pid, true
	if len(st.callers) < maxPending {
		st.callers = append(st.callers, caller{t: r.Time, pid: pid, computer: r.Computer, refs: r.refs, image: image})
	} else {
		st.callerOverflow++
	}
}

// caller is an evidence event attributed by its calling process, or one
// awaiting a coincidence (pid 0), with the computer it names: an RDP
// connection attempt of another computer attributes nothing.
type caller struct {
	t        time.Time
	pid      uint64
	computer string
	same     string // pending: its Coincidence.Same value (sameKey)
	addr     netip.Addr
	// refs are the refinements the event matched, image the file name
	// of its calling process (callers: othersByProcess takes them back
	// when the process is another's).
	refs  []*Refinement
	image string
}

// notePending keeps an in-window evidence event that Attribution could not
// attribute yet; attribute decides once every log is read.
func (s *scanner) notePending(cq *compiledQuery, st *queryState, r *EventRef) {
	r.Possible = true
	if len(st.pending) < maxPending {
		st.pending = append(st.pending, caller{t: r.Time, computer: r.Computer, same: r.same, addr: r.addr})
	} else {
		st.overflow++
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

// noteComputerSpan notes that records of log in name host c.name at the
// times and record numbers of c: merged into the host of an earlier name
// that is the same host (equal, or equal by hosts.Key: "RDCB01" and
// "rdcb01.contoso.com" are; a domain join is not a rename), else a host
// of its own.
func (s *scanner) noteComputerSpan(in *Input, c *computerSeen) {
	if c.name == "" {
		return
	}
	key := hosts.Key(c.name)
	cs := s.computers[in.Path]
	for _, x := range cs {
		if x.name == c.name || x.key == key {
			x.widen(c.first, c.last, c.minID, c.maxID)
			x.intact = x.intact || c.intact
			x.rids.WidenRID(c.rids)
			return
		}
	}
	s.computers[in.Path] = append(cs, &computerSeen{name: c.name, key: key, first: c.first, last: c.last, minID: c.minID, maxID: c.maxID, rids: c.rids, file: in.Path, intact: c.intact})
}

// splitDamagedComputers moves out of each log's computers the names that
// only records of its damaged chunks (their checksum fails: evtx.Event.
// Damaged) give while intact records of the log name another host, as
// grouping does (fleet's Machine.DamagedNames): a bit flip in a chunk's
// Computer value ("RDSH01" read "RDSHO1") made a log's last chunk read
// as a rename (the broker rule's corroboration, detected) and its middle
// chunk as forwarded events (TestDamagedChunkNameNoRename). Such a name
// is kept in damagedComputers, which the findings name, and its host,
// unless an intact record of another log names it, compares with every
// computer (ruleJudge.sameHost), as a record naming none does. A log all
// of whose records are damaged keeps its names: there is nothing intact
// to prefer.
func (s *scanResult) splitDamagedComputers() {
	paths := make([]string, 0, len(s.computers))
	for p := range s.computers {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	intact := map[string]bool{}
	for _, p := range paths {
		cs := s.computers[p]
		if !slices.ContainsFunc(cs, func(c *computerSeen) bool { return c.intact }) {
			for _, c := range cs {
				intact[c.key] = true
			}
			continue
		}
		s.computers[p] = slices.DeleteFunc(cs, func(c *computerSeen) bool {
			if c.intact {
				intact[c.key] = true
				return false
			}
			s.damagedComputers = append(s.damagedComputers, c)
			return true
		})
	}
	for _, c := range s.damagedComputers {
		if !intact[c.key] {
			if s.damagedKeys == nil {
				s.damagedKeys = map[string]bool{}
			}
			s.damagedKeys[c.key] = true
		}
	}
}

// tally counts a match at time t against the window [start, ref]: before
// it (BeforeCount), after it (AfterCount) or in it (Count, First, Last).
// It returns -1, 1 or 0 for the three.
func (h *QueryHit) tally(t, start, ref time.Time) int {
	switch {
	case t.Before(start):
		h.BeforeCount++
		return -1
	case t.After(ref):
		h.AfterCount++
		return 1
	}
	h.Count++
	if h.First.IsZero() || t.Before(h.First) {
		h.First = t
	}
	h.Last = maxTime(h.Last, t)
	return 0
}
