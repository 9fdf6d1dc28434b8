package rules

// The scan: the logs of the plan decoded and the queries evaluated on their
// events, giving per query its matches (queryState), the corroborating and
// context events, and the computer names seen.

import (
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

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

// scan decodes, for each log of the plan, the records its channel's
// queries need and evaluates them (nothing without a reference time), and
// reports records after their log's last-written one (checkClocks).
func (a *analysis) scan() {
	if !a.ref.IsZero() {
		a.decodeAll()
	}
	a.checkClocks()
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
		h.tally(r.Time, start, a.ref)
		return
	}
	switch h.tally(r.Time, start, a.ref) {
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
