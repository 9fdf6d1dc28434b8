package rules

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
	"gopkg.in/yaml.v3"
)

// DefaultTimeline is how many timeline lines a Result keeps (the newest).
const DefaultTimeline = 50

// TimelineEntry is one kind of event of the RDP timeline (timeline.yaml):
// boots and shutdowns, Remote Desktop service states, listener starts,
// successful and failed RDP logons, certificate and TLS errors.
type TimelineEntry struct {
	ID      string `yaml:"id"`
	Channel string `yaml:"channel"`
	// XPath selects the events, without a time condition.
	XPath string `yaml:"xpath"`
	// Says is the line's text.
	Says string `yaml:"says"`
	// Fields are the data fields shown after the text, by name (an
	// EventData Name, a UserData element, or "Binary" for the <Binary>
	// text).
	Fields []string `yaml:"fields"`
	// Where holds conditions every event must also satisfy (as in rules).
	Where []*Condition `yaml:"where"`
	// GroupBy names fields: events of this entry (and event id) with the
	// same values are one line with a count and their first and last time.
	// A field of Fields outside GroupBy shows on such a line its value
	// where all its events hold the same, else the values and how many
	// events hold each ("LogonType=3 (4 events), 10 (2 events)"), never
	// one event's value as if it were all of theirs.
	GroupBy []string `yaml:"group_by"`
	// Addresses names fields of GroupBy that hold a client address:
	// events group by the address ClientAddress reads in them (one client
	// written ::ffff:10.0.0.5, 10.0.0.5 or 10.0.0.5:50123 is one line), by
	// their text where it reads none ("-", "LOCAL"). A line whose events
	// wrote the address one way shows it as written; one whose events
	// wrote it several ways shows the address and how it was written
	// ("IpAddress=10.0.0.5 written as ::ffff:10.0.0.5 and 10.0.0.5").
	Addresses []string `yaml:"addresses"`
}

// TimelineLine is one line of the timeline: one event, or a group of
// events with the same values of the entry's GroupBy fields.
type TimelineLine struct {
	Entry    string    // the TimelineEntry id
	Time     time.Time // TimeCreated of the event (of a group: the oldest)
	Last     time.Time // of a group: the newest; else Time
	Count    int       // events on this line (1 unless grouped)
	Provider string
	EventID  uint16
	Channel  string
	File     string
	// EventRecordID and RecordID (its number in the file) of the event,
	// of a group the newest's.
	EventRecordID, RecordID uint64
	grouped                 bool
	entry                   *TimelineEntry // of a group
	// evicted marks a group set aside to keep at most maxTimelineGroups
	// (its events counted dropped); partial a group begun again after a
	// group of its key was set aside: its earlier events are among those
	// left out, and its text says so.
	evicted, partial bool
	// parts are Text's fields ("IpAddress=10.0.0.5"), spellings how the
	// events of a group wrote each field of Fields that is among the
	// entry's Addresses (nil when there is none), values the values its
	// events hold of each field of Fields that is not among the entry's
	// GroupBy (nil when there is none).
	parts     []string
	spellings []*spellings
	values    []*fieldValues
	// Text is the entry's Says with the event's Fields:
	// "service state (Binary=TermService/4, param2=running)". Of a group,
	// a field of GroupBy shows the value its events share, but a field of
	// the entry's Addresses that its events wrote several ways shows the
	// address and those ways (TimelineEntry.Addresses); a field outside
	// GroupBy shows its value where every event holds the same, else each
	// value and how many events hold it (fieldValues.text).
	Text string
}

//go:embed timeline.yaml
var timelineYAML []byte

// BuiltinTimeline returns the entries of the built-in timeline
// (rules/timeline.yaml), checked like rules: ids, channels, queries that
// compile, conditions.
func BuiltinTimeline() ([]*TimelineEntry, error) {
	return builtinTimeline(builtinDigest())
}

// ParseTimeline reads a list of timeline entries and checks them.
func ParseTimeline(file string, data []byte) ([]*TimelineEntry, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var es []*TimelineEntry
	if err := dec.Decode(&es); err != nil && err != io.EOF {
		return nil, yamlLoadError(file, err)
	}
	var errs []error
	seen := map[string]bool{}
	r := &Rule{ID: "timeline", File: file}
	for i, e := range es {
		if e == nil {
			errs = append(errs, &LoadError{File: file, Err: fmt.Errorf("[%d]: empty entry", i)})
			continue
		}
		where := fmt.Sprintf("timeline[%s]", e.ID)
		bad := func(format string, args ...any) {
			errs = append(errs, &RuleError{File: file, Field: where, Err: fmt.Errorf(format, args...)})
		}
		if !idPattern.MatchString(e.ID) || seen[e.ID] {
			bad("id %q is not unique lower-case words joined by '-'", e.ID)
		}
		seen[e.ID] = true
		if strings.TrimSpace(e.Channel) == "" || strings.TrimSpace(e.Says) == "" {
			bad("needs a channel and says")
		}
		if x, err := compileXPath(e.XPath); err != nil {
			bad("xpath: %v", err)
		} else if _, ok := x.Keys(); !ok {
			bad("xpath names no provider or event id (the timeline reads only the records it names)")
		}
		if f, err := parseCodes(where+".where", e.Where); err != nil {
			errs = append(errs, &LoadError{File: file, Err: fmt.Errorf("%s: %w", f, err)})
		}
		for _, f := range e.Addresses {
			if !slices.Contains(e.GroupBy, f) {
				bad("addresses: %q is not a group_by field", f)
			}
		}
		for j, c := range e.Where {
			errs = append(errs, validateCondition(r, fmt.Sprintf("%s.where[%d]", where, j), c)...)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return es, nil
}

// timelineQuery is a compiled timeline entry.
type timelineQuery struct {
	entry *TimelineEntry
	x     *xpath.Query
}

// TimelineEntries returns the engine's timeline entries (nil when
// Options.Timeline is negative).
func (e *Engine) TimelineEntries() []*TimelineEntry {
	if e.timeline == nil {
		return nil
	}
	var out []*TimelineEntry
	for _, cq := range e.timeline.queries {
		out = append(out, cq.tl.entry)
	}
	return out
}

// timeline collects the lines while the logs are read.
type timeline struct {
	max     int
	lines   []*TimelineLine
	groups  map[string]*TimelineLine
	dropped int
	// evicted holds a hash of the key of each group set aside
	// (evictGroups), so that a group of that key begun again is marked
	// partial.
	evicted map[uint64]struct{}
	// untimed counts the events of the timeline's entries without a
	// TimeCreated (placed on no line); untimedNewest holds the last
	// written of them (writtenAfter), at most MaxTimelineUntimed.
	untimed       int
	untimedNewest []*EventRef
	// cut counts, per entry, the events and groups set aside
	// (evictGroups), in dropped too: no --timeline brings them back.
	cut map[*TimelineEntry]*TimelineCut
}

// TimelineCut is what the timeline set aside of one grouped entry while
// reading, past maxTimelineGroups groups (the older half by their last
// event, each time): Events in Groups groups (a group begun again after
// it was set aside counts again). They are among Result.TimelineDropped,
// but unlike the others no --timeline N brings them back (the bound is
// on groups, not lines): a query of the entry's XPath (evtxrdp query)
// lists them.
type TimelineCut struct {
	Entry, Channel, XPath string
	Events, Groups        int
}

// MaxTimelineGroups is how many groups of events the timeline keeps while
// reading (TimelineCut).
const MaxTimelineGroups = maxTimelineGroups

// MaxTimelineUntimed is how many of the timeline's events without a
// TimeCreated a Result names (Result.TimelineUntimedEvents): the last
// written; Result.TimelineUntimed counts them all.
const MaxTimelineUntimed = 5

// maxTimelineGroups bounds the groups kept (distinct addresses of failed
// logons): past it, the older half by their last event are set aside,
// their events counted as dropped (evictGroups).
const maxTimelineGroups = 4096

// compileTimeline compiles the built-in timeline's entries into queries
// of a rule of their own (not a finding): its window is the longest of the
// rules', so that its logs are read over the same span.
func (e *Engine) compileTimeline() error {
	es, err := BuiltinTimeline()
	if err != nil {
		return err
	}
	if e.opt.Timeline == 0 {
		e.opt.Timeline = DefaultTimeline
	}
	cr := &compiledRule{rule: &Rule{ID: "timeline"}, window: DefaultWindow}
	for _, r := range e.rules {
		cr.window = max(cr.window, r.window)
	}
	for _, te := range es {
		x, err := compileXPath(te.XPath)
		if err != nil {
			return err
		}
		q := &Query{ID: te.ID, Channel: te.Channel, XPath: te.XPath, Role: RoleContext, Where: te.Where}
		cq := &compiledQuery{rule: cr, query: q, x: x, tl: &timelineQuery{entry: te, x: x}}
		cq.keys, cq.hasKeys = x.Keys()
		cr.queries = append(cr.queries, cq)
	}
	e.timeline = cr
	return nil
}

// noteTimeline adds ev, a match of cq, to the timeline when it lies within
// the span every log is decoded over (the longest window and the
// look-back before the reference time, the look-back after it), so that
// the timeline is the same with and without the reader's shortcuts.
//
// An event without a TimeCreated (t zero, eventTime) is on no line,
// whatever its record header time (when the record was written, not when
// its event happened), and in no span: it is counted and the last written
// named (Result.TimelineUntimed), so the report says the timeline leaves
// it out rather than dropping it without a word.
func (s *scanner) noteTimeline(cq *compiledQuery, in *Input, ev *evtx.Event, t time.Time) {
	tl := s.tl
	if tl == nil {
		return
	}
	e := cq.tl.entry
	if t.IsZero() {
		r := newEventRef(in, ev, t)
		r.File, r.Query = s.recordFile(in, ev), e.ID
		tl.noteUntimed(r)
		return
	}
	lb := s.e.opt.LookBack
	if t.After(s.ref.Add(lb)) || t.Before(lookBackStart(s.ref, cq.rule.window, lb)) {
		return
	}
	key := ""
	if len(e.GroupBy) > 0 {
		key = fmt.Sprintf("%s/%d", e.ID, ev.System.EventID)
		for _, f := range e.GroupBy {
			key += "\x00" + groupText(e, ev, f)
		}
		if l := tl.groups[key]; l != nil {
			l.Count++
			l.noteSpellings(e, ev)
			l.noteValues(e, ev)
			if t.Before(l.Time) {
				l.Time = t
			}
			if !t.Before(l.Last) {
				l.Last, l.EventRecordID, l.RecordID, l.File = t, ev.System.EventRecordID, ev.RecordID, s.recordFile(in, ev)
			}
			return
		}
		if len(tl.groups) >= maxTimelineGroups {
			tl.evictGroups()
		}
	}
	l := &TimelineLine{
		Entry: e.ID, Time: t, Last: t, Count: 1,
		Provider: ev.System.Provider.Name, EventID: ev.System.EventID,
		Channel: recordChannel(in, ev), File: s.recordFile(in, ev), EventRecordID: ev.System.EventRecordID, RecordID: ev.RecordID,
	}
	l.parts = timelineParts(e, ev)
	l.Text = joinParts(e, l.parts)
	if key != "" {
		l.grouped, l.entry = true, e
		if _, ok := tl.evicted[keyHash(key)]; ok {
			l.partial = true
		}
		tl.groups[key] = l
		l.noteSpellings(e, ev)
		l.noteValues(e, ev)
	} else {
		l.parts = nil // Text stays as it is
	}
	tl.lines = append(tl.lines, l)
	if len(tl.lines) >= 4*tl.max+64+len(tl.groups) {
		tl.trim(true)
	}
}

// partialTimeline returns the timeline's queries of qs that match ev, a
// record decoded in part, by its System part alone: where that part was
// decoded (the unresolved template is the nested EventData or UserData)
// and gives a TimeCreated, and the entry's query is no more than its
// provider and event id (xpath.Query.MatchKeys decides it) with no where
// condition. An RCM 1149 whose UserData template was overwritten is an
// RDP sign-in all the same: the timeline shows it, its fields unknown,
// rather than leave it out (TestTimelinePartialSignIn; the real
// RemoteConnectionManager sample's EventRecordID 463403, a sign-in during
// the brute-force attack on DESKTOP-1N4R894).
func (s *scanner) partialTimeline(in *Input, ev *evtx.Event, qs []*compiledQuery) []unreadableMatch {
	t, ok := evtx.TimeCreatedOf(ev)
	if s.tl == nil || !ok || ev.System.Provider.Name == "" {
		return nil
	}
	ch := recordChannel(in, ev)
	var out []unreadableMatch
	for _, cq := range qs {
		if cq.tl == nil || len(cq.query.Where) > 0 || cq.query.Channel != ch && !strings.EqualFold(cq.query.Channel, ch) {
			continue
		}
		if m, decided := cq.x.MatchKeys(ev, ev.System.Provider.Name, ev.System.EventID); !decided || !m {
			continue
		}
		r := newEventRef(in, ev, t)
		r.File, r.Query, r.Data = s.recordFile(in, ev), cq.tl.entry.ID, nil
		var key uint64
		if ft := evtx.TimeToFiletime(ev.Written); ft != 0 {
			key = recHash(ev.RecordID, ft)
		}
		out = append(out, unreadableMatch{cq: cq, ref: r, key: key})
	}
	return out
}

// notePartialTimeline puts r, a record decoded in part that a timeline
// entry's query matches (partialTimeline), on a line of its own: its
// fields, and so its group, are not known, and its text says so.
func (s *scanner) notePartialTimeline(cq *compiledQuery, r *EventRef) {
	tl := s.tl
	lb := s.e.opt.LookBack
	if tl == nil || r.Time.After(s.ref.Add(lb)) || r.Time.Before(lookBackStart(s.ref, cq.rule.window, lb)) {
		return
	}
	e := cq.tl.entry
	l := &TimelineLine{
		Entry: e.ID, Time: r.Time, Last: r.Time, Count: 1,
		Provider: r.Provider, EventID: r.EventID,
		Channel: r.Channel, File: r.File, EventRecordID: r.EventRecordID, RecordID: r.RecordID,
		Text: e.Says + " (decoded in part: its fields could not be read; evtxrdp dump prints its values)",
	}
	tl.lines = append(tl.lines, l)
	if len(tl.lines) >= 4*tl.max+64+len(tl.groups) {
		tl.trim(true)
	}
}

// evictGroups sets aside the older half of the groups, by their last
// event (as trim keeps lines), counting their events as dropped, and
// notes their keys (evicted). A group's line was kept however many
// groups began after it, and a new group past maxTimelineGroups was
// dropped instead: of a brute-force attack from 100,000 addresses, the
// timeline showed lines of the first 4,096 addresses, 13 hours before
// the reference time, and called the 95,904 newer events "older events
// before these left out".
func (tl *timeline) evictGroups() {
	gs := make([]*TimelineLine, 0, len(tl.groups))
	for _, l := range tl.groups {
		gs = append(gs, l)
	}
	sortLines(gs, func(l *TimelineLine) time.Time { return l.Last })
	if tl.evicted == nil {
		tl.evicted = map[uint64]struct{}{}
	}
	if tl.cut == nil {
		tl.cut = map[*TimelineEntry]*TimelineCut{}
	}
	for _, l := range gs[:len(gs)/2] {
		l.evicted = true
		tl.dropped += l.Count
		c := tl.cut[l.entry]
		if c == nil {
			c = &TimelineCut{Entry: l.entry.ID, Channel: l.entry.Channel, XPath: l.entry.XPath}
			tl.cut[l.entry] = c
		}
		c.Events += l.Count
		c.Groups++
	}
	for key, l := range tl.groups {
		if l.evicted {
			tl.evicted[keyHash(key)] = struct{}{}
			delete(tl.groups, key)
		}
	}
	tl.lines = slices.DeleteFunc(tl.lines, func(l *TimelineLine) bool { return l.evicted })
}

// keyHash is the FNV-1a hash of a group's key.
func keyHash(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}

// noteUntimed counts r, an event of the timeline without a TimeCreated,
// and keeps it among the MaxTimelineUntimed last written (writtenAfter:
// by record number in a file, by record header time across files, so the
// pick does not depend on the order of reading), last written first.
func (tl *timeline) noteUntimed(r *EventRef) {
	tl.untimed++
	i := sort.Search(len(tl.untimedNewest), func(i int) bool { return writtenAfter(r, tl.untimedNewest[i]) })
	if i >= MaxTimelineUntimed {
		return
	}
	tl.untimedNewest = slices.Insert(tl.untimedNewest, i, r)
	if len(tl.untimedNewest) > MaxTimelineUntimed {
		tl.untimedNewest = tl.untimedNewest[:MaxTimelineUntimed]
	}
}

// trim keeps the newest max lines: those whose last event is newest (a
// group of failed logons that goes on to the end is kept however early it
// began). While reading (keepGroups), groups keep their lines (a later
// event may make a group newer) and only single events beyond the newest
// max are dropped. It leaves the lines ordered by their last time.
func (tl *timeline) trim(keepGroups bool) {
	sortLines(tl.lines, func(l *TimelineLine) time.Time { return l.Last })
	n := len(tl.lines) - tl.max
	if n <= 0 {
		return
	}
	var kept []*TimelineLine
	for i, l := range tl.lines {
		if i < n && !(keepGroups && l.grouped) {
			tl.dropped += l.Count
			continue
		}
		kept = append(kept, l)
	}
	tl.lines = kept
}

// sortLines orders lines oldest first by key (a line's first or last
// time), then by the other time, file and record.
func sortLines(ls []*TimelineLine, key func(*TimelineLine) time.Time) {
	sort.SliceStable(ls, func(i, j int) bool {
		a, b := ls[i], ls[j]
		if ka, kb := key(a), key(b); !ka.Equal(kb) {
			return ka.Before(kb)
		}
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		if !a.Last.Equal(b.Last) {
			return a.Last.Before(b.Last)
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.RecordID < b.RecordID
	})
}

// cuts returns what tl set aside of each entry (evictGroups), by entry
// id; nil for none.
func (tl *timeline) cuts() []TimelineCut {
	if tl == nil {
		return nil
	}
	var out []TimelineCut
	for _, c := range tl.cut {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b TimelineCut) int { return strings.Compare(a.Entry, b.Entry) })
	return out
}

// finish keeps the newest max lines (by their last time, see trim) and
// orders them oldest first by the time they print first: a line's Time,
// of a group its oldest event's, so that a group spanning "10:00 .. 12:00"
// comes before a single event at 11:00.
func (tl *timeline) finish() ([]*TimelineLine, int) {
	if tl == nil {
		return nil, 0
	}
	tl.trim(false)
	for _, l := range tl.lines {
		if l.entry != nil {
			l.Text = l.lineText()
		}
		if l.partial {
			l.Text += fmt.Sprintf("; earlier events like these are among those left out (the timeline keeps at most %d groups while reading)", maxTimelineGroups)
		}
	}
	sortLines(tl.lines, func(l *TimelineLine) time.Time { return l.Time })
	if tl.lines == nil {
		tl.lines = []*TimelineLine{} // on, and empty
	}
	return tl.lines, tl.dropped
}

// timelineParts are the event's fields shown on its line, "name=value",
// one for each of the entry's Fields (of a field absent from ev, "").
func timelineParts(e *TimelineEntry, ev *evtx.Event) []string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		if v := fieldText(ev, f); v != "" {
			parts[i] = f + "=" + shownValue(v)
		}
	}
	return parts
}

// shownValue is a field's value as a line shows it.
func shownValue(v string) string { return truncate(InsertText(v), 80) }

// joinParts is the entry's text with the fields of parts that are not "".
func joinParts(e *TimelineEntry, parts []string) string {
	var shown []string
	for _, p := range parts {
		if p != "" {
			shown = append(shown, p)
		}
	}
	if len(shown) == 0 {
		return e.Says
	}
	return e.Says + " (" + strings.Join(shown, ", ") + ")"
}

// groupText is the value of field f of ev that groups events of e: of one
// of e.Addresses the address ClientAddress reads in it (its String form),
// where it reads one; else the field's text.
func groupText(e *TimelineEntry, ev *evtx.Event, f string) string {
	v := fieldText(ev, f)
	if slices.Contains(e.Addresses, f) {
		if a, ok := ClientAddress(v); ok {
			return a.String()
		}
	}
	return v
}

// maxSpellings is how many ways of writing an address a line names.
const maxSpellings = 3

// spellings holds how the events of a group wrote one address field: the
// maxSpellings smallest texts, sorted (so that they do not depend on the
// order of reading), and whether there were more.
type spellings struct {
	texts []string
	more  bool
	addr  string // the address they all read as (groupText)
}

// noteSpellings notes how ev, an event of l's group, writes each field of
// e.Fields that is among e.Addresses.
func (l *TimelineLine) noteSpellings(e *TimelineEntry, ev *evtx.Event) {
	for i, f := range e.Fields {
		if !slices.Contains(e.Addresses, f) {
			continue
		}
		if l.spellings == nil {
			l.spellings = make([]*spellings, len(e.Fields))
		}
		sp := l.spellings[i]
		if sp == nil {
			sp = &spellings{addr: groupText(e, ev, f)}
			l.spellings[i] = sp
		}
		v := fieldText(ev, f)
		j, found := slices.BinarySearch(sp.texts, v)
		if found {
			continue
		}
		if j == maxSpellings && sp.more {
			continue // not among the smallest, and more already said
		}
		sp.texts = slices.Insert(sp.texts, j, v)
		if len(sp.texts) > maxSpellings {
			sp.texts, sp.more = sp.texts[:maxSpellings], true
		}
	}
}

// maxValues is how many distinct values of a field outside GroupBy a
// group counts (each with its events); maxShownValues how many of them
// its line names.
const (
	maxValues      = 32
	maxShownValues = 3
)

// fieldValues holds the values the events of a group hold of one field
// outside the entry's GroupBy, as the line shows them (shownValue; ""
// where an event lacks the field): the maxValues smallest, sorted, each
// with how many events hold it, and whether there were more. Keeping the
// smallest makes what is kept independent of the order of reading, and
// its counts exact: a value once dropped is never among the smallest
// again, and one never kept never was.
type fieldValues struct {
	texts  []string
	counts []int
	more   bool
}

// noteValues notes the value ev, an event of l's group, holds of each
// field of e.Fields that is not among e.GroupBy.
func (l *TimelineLine) noteValues(e *TimelineEntry, ev *evtx.Event) {
	for i, f := range e.Fields {
		if slices.Contains(e.GroupBy, f) {
			continue
		}
		if l.values == nil {
			l.values = make([]*fieldValues, len(e.Fields))
		}
		fv := l.values[i]
		if fv == nil {
			fv = &fieldValues{}
			l.values[i] = fv
		}
		v := ""
		if t := fieldText(ev, f); t != "" {
			v = shownValue(t)
		}
		j, found := slices.BinarySearch(fv.texts, v)
		if found {
			fv.counts[j]++
			continue
		}
		if j == maxValues {
			fv.more = true // not among the smallest
			continue
		}
		fv.texts = slices.Insert(fv.texts, j, v)
		fv.counts = slices.Insert(fv.counts, j, 1)
		if len(fv.texts) > maxValues {
			fv.texts, fv.counts, fv.more = fv.texts[:maxValues], fv.counts[:maxValues], true
		}
	}
}

// text is how a line shows field name whose events hold the values of fv:
// "" when none holds it; "LogonType=10" when all hold the same; else each
// value with its events, most held first, "LogonType=3 (4 events), 10
// (2 events)", at most maxShownValues of them and then how many other
// values and events ("..., 5 other values (7 events)"); an event without
// the field counts as "without it (1 event)". Of more than maxValues
// values it says only that ("TargetUserName=more than 32 different
// values"): which are most held is not known then.
func (fv *fieldValues) text(name string) string {
	if len(fv.texts) == 1 && !fv.more {
		if fv.texts[0] == "" {
			return ""
		}
		return name + "=" + fv.texts[0]
	}
	if fv.more {
		return fmt.Sprintf("%s=more than %d different values", name, maxValues)
	}
	order := make([]int, len(fv.texts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return fv.counts[order[a]] > fv.counts[order[b]] })
	events := func(n int) string {
		if n == 1 {
			return "1 event"
		}
		return plural.N(n, "event")
	}
	var shown []string
	rest, restEvents := 0, 0
	for k, i := range order {
		if k >= maxShownValues {
			rest++
			restEvents += fv.counts[i]
			continue
		}
		v := fv.texts[i]
		if v == "" {
			v = "without it"
		}
		shown = append(shown, v+" ("+events(fv.counts[i])+")")
	}
	if rest == 1 {
		shown = append(shown, "1 other value ("+events(restEvents)+")")
	} else if rest > 1 {
		shown = append(shown, fmt.Sprintf("%d other values (%s)", rest, events(restEvents)))
	}
	return name + "=" + strings.Join(shown, ", ")
}

// lineText is the Text of l, a group's line: each field of GroupBy as
// its events share it, of Addresses with how they wrote it (spellings),
// each other field with the values its events hold (fieldValues.text).
func (l *TimelineLine) lineText() string {
	e := l.entry
	parts := slices.Clone(l.parts)
	for i, sp := range l.spellings {
		if sp == nil || len(sp.texts) < 2 || l.parts[i] == "" {
			continue
		}
		name, _, _ := strings.Cut(l.parts[i], "=")
		shown := make([]string, len(sp.texts))
		for j, v := range sp.texts {
			shown[j] = shownValue(v)
		}
		var ways string
		if sp.more {
			ways = strings.Join(shown, ", ") + " and other ways"
		} else {
			ways = strings.Join(shown[:len(shown)-1], ", ") + " and " + shown[len(shown)-1]
		}
		parts[i] = name + "=" + shownValue(sp.addr) + " written as " + ways
	}
	for i, fv := range l.values {
		if fv != nil {
			parts[i] = fv.text(e.Fields[i])
		}
	}
	return joinParts(e, parts)
}

// fieldText is the text of the named field of ev: an EventData item, a
// UserData leaf, or "Binary" (the UTF-16 text of <Binary>); "" if absent.
func fieldText(ev *evtx.Event, name string) string {
	if name == "Binary" {
		if s, ok := BinaryText(ev.Binary); ok && printableASCII(s) {
			return s
		}
		return ""
	}
	if v, ok := ev.Data(name); ok {
		return strings.TrimSpace(v.String())
	}
	out := ""
	walkLeaves(ev.UserData, func(e *evtx.Element) {
		if out == "" && e.Name == name {
			out = strings.TrimSpace(e.Value.String())
		}
	})
	return out
}
