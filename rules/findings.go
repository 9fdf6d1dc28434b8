package rules

// The judge: matches to findings. judge builds one Finding per rule from
// the scan's result (counts, evidence, refinements, log coverage,
// corroboration); judge.go decides each verdict's strength and reason.
// Its input is the scanResult alone, which it does not change: it reads
// no log.

import (
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// judge turns the scan's result into one Finding per rule of crs, in
// their order. sr is not changed (judging it twice gives the same
// findings).
func judge(crs []*compiledRule, sr *scanResult) []*Finding {
	var fs []*Finding
	for _, cr := range crs {
		fs = append(fs, newRuleJudge(cr, sr).finding())
	}
	return fs
}

// ruleJudge judges one rule. Attribution, thresholds and unless_followed
// revise a query's counts and evidence before the verdict: they work on
// the judge's own copies of the rule's query states (queries), never on
// the scan's.
type ruleJudge struct {
	cr      *compiledRule
	sr      *scanResult
	ref     time.Time // sr.ref
	queries map[*compiledQuery]*queryState
	// undecided holds the threshold queries below their threshold that
	// records decoded in part could bring to it (thresholdBound).
	undecided map[*compiledQuery]undecidedPeak
}

func newRuleJudge(cr *compiledRule, sr *scanResult) *ruleJudge {
	j := &ruleJudge{cr: cr, sr: sr, ref: sr.ref, queries: map[*compiledQuery]*queryState{}}
	for _, cq := range cr.queries {
		j.queries[cq] = sr.queries[cq].clone()
	}
	return j
}

// clone copies st for the judge: its hit, its evidence events (whose
// Attribution and Possible attribution rewrites) and its refinement hits
// (whose Newest may be one of those events, and then is its copy). What
// the judge only reads is shared.
func (st *queryState) clone() *queryState {
	c := *st
	copies := map[*EventRef]*EventRef{}
	if st.evidence != nil {
		c.evidence = make([]*EventRef, len(st.evidence))
		for i, r := range st.evidence {
			cr := *r
			c.evidence[i] = &cr
			copies[r] = &cr
		}
	}
	c.refs = make(map[*Refinement]*RefinementHit, len(st.refs))
	for ref, rh := range st.refs {
		h := *rh
		if n := copies[h.Newest]; n != nil {
			h.Newest = n
		}
		c.refs[ref] = &h
	}
	return &c
}

// finding builds the Finding of the rule from the matches of the scan.
func (j *ruleJudge) finding() *Finding {
	cr := j.cr
	r := cr.rule
	f := &Finding{Rule: r, Window: cr.window, WindowEnd: j.ref}
	if !j.ref.IsZero() {
		f.WindowStart = j.ref.Add(-cr.window)
	}
	j.attribute(f)
	f.Caveats = append(f.Caveats, j.applyFollowed()...)
	thresholdCaveats, peaks := j.applyThresholds()
	f.Caveats = append(f.Caveats, thresholdCaveats...)

	// Query results.
	var refs []*RefinementHit
	for _, cq := range cr.queries {
		st := j.queries[cq]
		h := st.hit
		f.Hits = append(f.Hits, &h)
		if h.Untimed > 0 && cq.query.Role != RoleCoverage {
			f.Caveats = append(f.Caveats, untimedText(cq.query, &h))
		}
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
		f.Logs = append(f.Logs, j.logStatus(ch, channelRole(r, ch), f.WindowStart))
	}

	// Verdict.
	var covered, evidenceLogs, absent int
	var uncovered []string // read, but cannot show the evidence (logUncovered)
	for _, ls := range f.Logs {
		if ls.Role != RoleEvidence {
			continue
		}
		evidenceLogs++
		switch {
		case ls.Status == LogRead && j.logUncovered(ls.Channel):
			uncovered = append(uncovered, ls.Channel)
		case ls.Status == LogRead:
			covered++
		case ls.Status == LogAbsent, ls.Status == LogEmpty:
			absent++ // an empty log says as little as a missing one
		}
	}
	switch {
	case f.EvidenceCount > 0:
		f.Verdict = Detected // judged below
	case j.ref.IsZero():
		f.Verdict = NotChecked
		if j.anyRecords() {
			f.Reasons = append(f.Reasons, "no reference time: the logs hold no record time; give one (--at)")
		} // else the logs' statuses say why (absent, unreadable, no records): --at would not help
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
	for _, ch := range uncovered {
		msg := ch + ": " + strings.TrimSpace(r.CoverageMissing)
		if f.Verdict == NotChecked {
			f.Reasons = append(f.Reasons, msg)
		} else {
			f.Caveats = append(f.Caveats, msg)
		}
	}
	if f.Verdict == NotChecked && absent == evidenceLogs && r.MissingLogs != "" {
		f.Reasons = append(f.Reasons, strings.TrimSpace(r.MissingLogs))
	}
	if f.Verdict == NotDetected && j.coverageMissing() {
		f.Verdict = NotChecked
		f.Reasons = append(f.Reasons, strings.TrimSpace(r.CoverageMissing))
	}
	j.unreadableEvidence(f)
	for _, ls := range f.Logs {
		for _, p := range ls.Paths {
			for _, in := range j.sr.inputs {
				if in.Path != p || !in.Readable() || !damaged(in) {
					continue
				}
				what := "events"
				if ls.Role == RoleContext {
					what = "RDP connection attempts" // they only attribute other events
				}
				// Of copies read as one, each copy that holds damage
				// is named: the log's path is its first copy's.
				for _, d := range in.damages() {
					if t := damageText(d); t != "" {
						f.Caveats = append(f.Caveats, fmt.Sprintf("%s: %s; %s in the unreadable parts are not seen", d.Path, t, what))
					}
				}
			}
		}
	}

	// Corroboration.
	for _, ev := range j.sr.corro[j.cr] {
		f.Corroboration = append(f.Corroboration, &Corroboration{Text: corroborationText(r, ev), Event: ev})
	}
	if r.ComputerChange {
		changes, forwarded := j.computerChanges()
		f.Corroboration = append(f.Corroboration, changes...)
		if f.EvidenceCount > 0 { // where corroboration would decide
			f.Caveats = append(f.Caveats, forwarded...)
		}
		f.Caveats = append(f.Caveats, j.damagedNamesText()...)
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
	j.verdict(f)
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
		if s != nil && !used[s.ID] {
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

// anyReadable reports whether some log the rules read was opened and read.
// anyRecords reports whether a log read holds an intact record (a
// reference time could then come from --at).
func (j *ruleJudge) anyRecords() bool {
	for _, in := range j.sr.inputs {
		if in.Readable() && in.Stats.Records+in.Stats.Filtered+in.Stats.Skipped > 0 {
			return true
		}
	}
	return false
}

func damaged(in *Input) bool {
	s := in.Stats
	return s.BadChunks > 0 || s.BadRecords > 0 || s.UnreadBytes > 0 || s.Partial > 0 || len(in.Lost) > 0
}

// lostCount is the number of records in the lost runs lost.
func lostCount(lost []LostRecords) uint64 {
	var n uint64
	for _, l := range lost {
		n += l.Count()
	}
	return n
}

// damageOf is damageText of the inputs ins, each named, or "no record
// decoded" when none is damaged.
func damageOf(ins []*Input) string {
	var parts []string
	for _, in := range ins {
		for _, d := range in.damages() {
			if t := damageText(d); t != "" {
				parts = append(parts, d.Path+": "+t)
			}
		}
	}
	if len(parts) == 0 {
		return "no record decoded in part"
	}
	return strings.Join(parts, "; ")
}

// damageText describes d in words, "" when it is none.
func damageText(d PartDamage) string {
	s := d.Damage
	var parts []string
	if s.BadChunks > 0 {
		parts = append(parts, plural.N(s.BadChunks, "damaged chunk"))
	}
	if s.BadRecords > 0 {
		parts = append(parts, plural.N(s.BadRecords, "undecodable record"))
	}
	if s.UnreadBytes > 0 {
		parts = append(parts, plural.N(s.UnreadBytes, "unreadable byte"))
	}
	if s.Partial > 0 {
		// Never evidence: their provider and event id are not known.
		parts = append(parts, plural.N(s.Partial, "record")+" decoded in part")
	}
	if n := lostCount(d.Lost); len(d.Lost) > 0 {
		// The newest records lost lie after the newest the file holds
		// (its run says so), not between its records.
		where := " between its records"
		for _, l := range d.Lost {
			if l.Newest {
				where = ""
			}
		}
		parts = append(parts, fmt.Sprintf("%s missing%s (%s)", plural.N(n, "record"), where, d.Lost[0]))
		if len(d.Lost) > 1 {
			parts[len(parts)-1] = fmt.Sprintf("%s missing%s, in %d runs (the first: %s)", plural.N(n, "record"), where, len(d.Lost), d.Lost[0])
		}
	}
	return strings.Join(parts, ", ")
}

func (j *ruleJudge) logStatus(ch, role string, windowStart time.Time) *LogStatus {
	ls := &LogStatus{Channel: ch, Role: role, Status: LogAbsent, Detail: "no log of this channel among the inputs"}
	var readable []*Input
	var errs, unreadable []string
	for _, in := range j.sr.inputs {
		if !in.Used || !in.Holds(ch) {
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
		var unknown []string
		for _, in := range j.sr.inputs {
			if in.ChannelUnknown {
				unknown = append(unknown, in.Path)
			}
		}
		if len(unknown) > 0 {
			ls.Detail = "no readable log of this channel among the inputs; " + strings.Join(unknown, ", ") +
				" could not be read in full, and no record told its channel: it may be this channel's log"
		}
		if t := unknownChannelText(ch); t != "" {
			// A misspelled channel in a rule file reads no log on any
			// VM: say so where the rule shows as not checked.
			ls.Detail += "; " + t
		}
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
		if recordCount(readable) == 0 {
			ls.Status, ls.Detail = LogEmpty, noRecords(readable)
		}
		return ls
	}
	// Covered: some log reaches back to the window's start and some log
	// reaches into the window (quiet stretches cannot be told from gaps).
	// Of several logs of the channel that are not copies (read as one
	// before this), the time between one's last record and the next
	// one's first holds records of neither: logsGap.
	var oldest, newest time.Time
	var oldestIn, newestIn *Input // the logs whose first- and last-written records those are
	startsBefore := false
	var timed []*Input
	untimed, inWindow, partial := 0, 0, 0
	for _, in := range readable {
		// Records decoded in part are counted in the rule's window: a
		// damaged newest chunk leaves the rest of the analysed period
		// (the longest window of the channel's rules and the look-back
		// on both sides) intact, and the window with only records whose
		// provider and event id are unknown.
		// Every decoded log counts every rule's window (decode); the
		// counts of its analysed period, which reaches a look-back
		// beyond the window on both sides, are never summed with them.
		if n, p, ok := in.inWindow(windowStart); ok {
			inWindow += n
			partial += p
		}
		// Time means TimeCreated: the span from the first-written to the
		// last-written record with one (header times are write times,
		// borrowed or zero in exported logs). A log none of whose
		// records gives one is placed nowhere: its header times once
		// made a log of records all decoded in part "read and covers"
		// the window.
		if in.FirstWritten == nil || in.LastWritten == nil {
			if recordCount([]*Input{in}) > 0 {
				untimed++
			}
			continue
		}
		first, last := in.FirstWritten.Time, in.LastWritten.Time
		if first.IsZero() {
			continue
		}
		timed = append(timed, in)
		if !first.After(windowStart) {
			startsBefore = true
		}
		if oldest.IsZero() || first.Before(oldest) {
			oldest, oldestIn = first, in
		}
		if last.After(newest) {
			newest, newestIn = last, in
		}
	}
	gapBefore, gapAfter := logsGap(timed, windowStart, j.ref)
	ls.Status = LogPartial
	switch {
	case oldest.IsZero() && untimed > 0:
		ls.Detail = "none of its records gives a TimeCreated (" + damageOf(readable) + "), so none can be placed in the window"
	case oldest.IsZero():
		ls.Status, ls.Detail = LogEmpty, "the log holds no records"
		if recordCount(readable) == 0 {
			ls.Detail = noRecords(readable)
		}
	case newest.Before(windowStart):
		ls.Detail = fmt.Sprintf("the log's last-written record (%s) is at %s, %s before the window's start; the newer events are not in this copy",
			newestIn.LastWritten.In(newestIn.Path), evtx.FormatEventTime(newest), FormatSpan(newest, windowStart))
	case startsBefore && gapBefore != nil:
		a, b := gapBefore.LastWritten, gapAfter.FirstWritten
		between := "the records written between them are not among the inputs"
		if gapAfter.FirstCleared != "" {
			// A clear numbered as if nothing had been written between
			// the two is no gap (logsGap); this one either numbers
			// from 1 or lies past the next number.
			between = fmt.Sprintf("%s begins with the clearing of the log (%s at %s, %s): what was written between them was cleared, and no input holds it", gapAfter.Path, gapAfter.FirstCleared, evtx.FormatEventTime(b.Time), b)
			if to := gapAfter.FirstClearedTo; to != "" {
				// Saved to a file no input is taken for (logsGap,
				// savedTo).
				between = fmt.Sprintf("%s begins with the clearing of the log (%s at %s, %s), which saved what it cleared to %s: what was written between them is there, if anywhere, and no input is taken for that file", gapAfter.Path, gapAfter.FirstCleared, evtx.FormatEventTime(b.Time), b, to)
			}
		}
		if a.Time.Before(windowStart) {
			ls.Detail = fmt.Sprintf("no log of it holds the window's start: %s ends with %s at %s, %s before it, and %s starts with %s at %s, %s after it; %s",
				gapBefore.Path, a, evtx.FormatEventTime(a.Time), FormatSpan(a.Time, windowStart), gapAfter.Path, b, evtx.FormatEventTime(b.Time), FormatSpan(windowStart, b.Time), between)
		} else {
			ls.Detail = fmt.Sprintf("no log of it holds the %s of the window between %s, which ends with %s at %s, and %s, which starts with %s at %s; %s",
				FormatSpan(a.Time, b.Time), gapBefore.Path, a, evtx.FormatEventTime(a.Time), gapAfter.Path, b, evtx.FormatEventTime(b.Time), between)
		}
	case startsBefore && cutText(readable) != "":
		// The copy stops where its headers say it goes on: the records
		// after the cut are lost, and "now" is only the last record read.
		ls.Detail = cutText(readable)
	case startsBefore && partial > 0 && 2*partial >= inWindow:
		// Most of what the window holds could be evidence or not: a
		// record decoded in part has values without names, its provider
		// and event id unknown (one damaged name empties every record of
		// the templates naming it).
		ls.Detail = fmt.Sprintf("%d of the %s of its window %s decoded in part (values without names: their fields are not known, nor, where the damaged template is the record's own rather than its EventData's, their providers and event ids), so the window is not covered", partial, plural.N(inWindow, "record"), plural.Word(partial, "was", "were"))
	case startsBefore && lostInWindow(readable, windowStart, j.ref) != "":
		// Chunks of the window are missing (zeroed or overwritten):
		// what they held is not in this copy, as after a cut.
		ls.Detail = lostInWindow(readable, windowStart, j.ref)
	case startsBefore:
		ls.Status, ls.Detail = LogRead, ""
	case !j.ref.IsZero() && oldest.After(j.ref):
		// --at before the log: not a log that lost its older events.
		ls.Detail = fmt.Sprintf("the log's first-written record (%s) is at %s, %s after the reference time (the window's end), so it holds nothing of the window",
			oldestIn.FirstWritten.In(oldestIn.Path), evtx.FormatEventTime(oldest), FormatSpan(j.ref, oldest))
	default:
		ls.Detail = fmt.Sprintf("the log's first-written record (%s) is at %s, %s after the window's start; older events may have been overwritten or the log cleared",
			oldestIn.FirstWritten.In(oldestIn.Path), evtx.FormatEventTime(oldest), FormatSpan(windowStart, oldest))
	}
	return ls
}

// logsGap returns the first two logs of ins (each with a first- and
// last-written record with a TimeCreated) between which no log holds a
// record in the window [start, ref]: the logs in the order of their
// first-written records' times, the one reaching furthest so far ends
// before the next one starts, and the time between reaches into the
// window (ref zero: no end). A Security export ending 51 days before the
// window and another starting 46 seconds before its end (the public
// samples Security_Tor.evtx and ex_001.evtx of michkoll/fakenevtx, one
// machine's) were "read and covers it", the coverage taken from the
// first log's start and the last one's end. The time between is no gap
// when the later log goes on where the earlier one ends: its first
// EventRecordID is the next after the earlier one's last, or 1 (a log
// begun then, as one archived when full goes on in a new file:
// scenario archived-system), as a quiet stretch inside one log is not.
// A later log that begins with its own clearing (Input.FirstCleared:
// Eventlog 104 or 1102) numbered 1 is a gap all the same: the clear
// removed what was written between the two, which no input holds (a
// log of three, an archive, a cleared log and the live log, was "read
// and covers it" across ten days no input held:
// TestClearedLogBetweenArchivesIsAGap). A clear numbered on, the next
// after the earlier log's last, removed nothing the earlier log does not
// hold (a clear goes on numbering: the Velocidex Security samples of
// ../shared/samples begin with the 1102 of their clearing at
// EventRecordIDs 31878 and 33072). Nor did a clear numbered 1 that saved
// what it removed to the earlier log, by its file name (savedTo: Event
// Viewer's "Save and Clear" into the file given as the earlier input).
// It returns nil, nil when the logs leave no such gap.
func logsGap(ins []*Input, start, ref time.Time) (before, after *Input) {
	sorted := slices.Clone(ins)
	slices.SortStableFunc(sorted, func(a, b *Input) int { return a.FirstWritten.Time.Compare(b.FirstWritten.Time) })
	var reach *Input
	for _, in := range sorted {
		if reach != nil && in.FirstWritten.Time.After(reach.LastWritten.Time) &&
			in.FirstWritten.Time.After(start) && (ref.IsZero() || reach.LastWritten.Time.Before(ref)) {
			a, b := reach.LastWritten.EventRecordID, in.FirstWritten.EventRecordID
			if !(b == 1 && (in.FirstCleared == "" || savedTo(in.FirstClearedTo, reach, in)) || a != 0 && b == a+1) {
				return reach, in
			}
		}
		if reach == nil || in.LastWritten.Time.After(reach.LastWritten.Time) {
			reach = in
		}
	}
	return nil, nil
}

// lostInWindow says which records the logs read lost (Input.Lost) in a
// time that reaches into the window [start, ref], or "" when they lost
// none there. A lost record may be any rule's evidence, and the newest
// ones, the records that matter, are the ones a crash or an unflushed
// copy loses: a log with a hole in the window does not cover it, as a
// log cut short does not.
func lostInWindow(readable []*Input, start, ref time.Time) string {
	var n, old uint64
	var runs []string
	for _, in := range readable {
		for _, l := range in.Lost {
			if l.overlaps(start, ref) {
				n += l.Count()
				old += l.Slack
				runs = append(runs, in.Path+": "+l.String())
			}
		}
	}
	if n+old == 0 {
		return ""
	}
	more := ""
	if len(runs) > 3 {
		more = fmt.Sprintf("; and %d more %s", len(runs)-3, plural.Noun(len(runs)-3, "run"))
		runs = runs[:3]
	}
	what := fmt.Sprintf("%s written in a time that reaches into the window %s", plural.N(n, "record"), plural.Word(n, "is", "are"))
	// Old records of chunk slack numbered in a run are in the file but
	// not read: the window is not covered by them either.
	slack := ""
	if old > 0 {
		slack = fmt.Sprintf(" and %d more only as old %s in chunk slack, not read", old, plural.Noun(old, "record"))
	}
	return fmt.Sprintf("%s not in this copy (chunks zeroed or overwritten)%s, so the window is not covered: %s%s", what, slack, strings.Join(runs, "; "), more)
}

// FormatSpan renders the time between a and b (either order) as
// FormatDuration does. A time.Duration holds at most about 292 years
// (time.Time.Sub saturates there), while event times and --at reach from
// 1601 to 30828: beyond it the span is counted in whole days from the
// times' seconds, so "2913051 days" is not shown as "106751 days".
func FormatSpan(a, b time.Time) string {
	if b.Before(a) {
		a, b = b, a
	}
	const maxDays = int64(math.MaxInt64/int64(24*time.Hour)) - 1
	if days := (b.Unix() - a.Unix()) / 86400; days >= maxDays {
		return plural.N(int(days), "day")
	}
	return FormatDuration(b.Sub(a))
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
			return plural.N(int(d/u.d), u.name)
		}
	}
	return "0 seconds"
}

// cutShort reports whether the log of st is cut short: a log file is a
// 4 KiB file header and whole 64 KiB chunks, at least as many as its
// file header counts (every real sample and fixture is); a file that
// ends before that, or inside a chunk, is a copy that stopped (a
// download, head -c, a zip member cut short).
func cutShort(st evtx.Stats) bool {
	want := int64(fileHeaderBlock) + int64(st.HeaderChunks)*chunkBytes
	return st.Size > 0 && (st.Size < want || (st.Size-fileHeaderBlock)%chunkBytes != 0)
}

// cutText says which of the logs read is cut short (cutShort), or "".
// The records of the chunks after the cut are lost: the newest when the
// log had not wrapped or its newest chunk lay after the cut, old ones
// when it had wrapped and its newest chunk is in the copy
// (evtx.Reader.CutLoss). The text says which when that can be told,
// and that it cannot otherwise. A copy that ends in the free space of its
// newest chunk after every record its headers count (CutLoss.Counted) is
// named all the same: records written after those, lost after the cut,
// are counted by no header it holds.
func cutText(readable []*Input) string {
	for _, in := range readable {
		st := in.Stats
		if !cutShort(st) {
			continue
		}
		want := int64(fileHeaderBlock) + int64(st.HeaderChunks)*chunkBytes
		where := fmt.Sprintf("where its file header counts %s (%d bytes)", plural.N(st.HeaderChunks, "chunk"), want)
		if st.Size >= want {
			where = fmt.Sprintf("inside a chunk (a log is a %d-byte file header and whole %d-byte chunks)", fileHeaderBlock, chunkBytes)
		}
		cl := in.cutLoss
		// A copy that ends inside a chunk, after every chunk its file
		// header counts, may have lost nothing: what it lost is what
		// followed the cut, if anything did.
		lostAfter := "the records after the cut are lost"
		if st.Size >= want {
			lostAfter = "any record after the cut is lost"
		}
		which := lostAfter + ": whether they are the newest or old ones of a log that wrapped cannot be told from this copy"
		if cl.Why != "" {
			which += " (" + cl.Why + ")"
		}
		which += ", so the window's end may not be in this copy"
		switch {
		case !in.cutRead:
			// Not read for its records (no rule's period): which is
			// not asked.
			which = lostAfter + ", so the window's end may not be in this copy"
		case cl.Counted:
			// Cut in the free space of its newest chunk, after every
			// record its headers count (evtx.CutLoss.Counted): no record
			// may be lost, or the newest, which the copy cannot show.
			which = "whether the cut lost any record cannot be told from this copy (" + cl.Why + "), so the window's end may not be in this copy"
		case cl.Known && cl.Newest:
			which = "the records after the cut are lost, and they are the newest (" + cl.Why + "), so the window's end may not be in this copy"
		case cl.Known && cl.BeforeID > cl.AfterID+1 && cl.AfterID > 0:
			which = fmt.Sprintf("the records after the cut are lost, and they are old ones of a log that wrapped, records %d to %d (%s): the newest records are in this copy", cl.AfterID+1, cl.BeforeID-1, cl.Why)
		case cl.Known:
			which = fmt.Sprintf("the records after the cut are lost, and they are the oldest of a log that wrapped, older than record %d (%s): the newest records are in this copy", cl.BeforeID, cl.Why)
		}
		return fmt.Sprintf("%s is cut short: it ends after %s, %s; %s",
			in.Path, plural.N(st.Size, "byte"), where, which)
	}
	return ""
}

// The EVTX layout cutText checks: the file header block, then chunks.
const (
	fileHeaderBlock = 4096
	chunkBytes      = 65536
)

// noRecords says why the logs read yield no record: "the log holds no
// records" when they were read whole, or, when reading met a format error
// (a copy cut after its file header, whose header counts chunks the file
// does not hold), "no record could be read" and the first error with its
// offset: the log was not empty, the copy is damaged.
func noRecords(readable []*Input) string {
	for _, in := range readable {
		if len(in.Errors) > 0 {
			return "no record could be read: " + in.Errors[0].Error()
		}
	}
	return "the log holds no records"
}

// recordCount is the number of records the logs read hold, in the
// analysed period or not.
func recordCount(readable []*Input) int {
	n := 0
	for _, in := range readable {
		n += in.Stats.Records + in.Stats.Filtered + in.Stats.Skipped
	}
	return n
}

// untimedText is the caveat for the matches of q without a TimeCreated
// (QueryHit.Untimed): how many, that no window holds them, and the last
// written, its record header time named as the time it was written.
func untimedText(q *Query, h *QueryHit) string {
	what := fmt.Sprintf("%s matching %s %s", plural.N(h.Untimed, "event"), q.ID, plural.Word(h.Untimed, "has", "have"))
	r := h.UntimedNewest
	written := "its record header time is 0"
	if !r.Written.IsZero() {
		written = "its record header time, when the record was written, is " + evtx.FormatEventTime(r.Written)
	}
	rec := &RecordRef{EventRecordID: r.EventRecordID, RecordNumber: r.RecordID, File: r.File}
	return fmt.Sprintf("%s no TimeCreated, so none can be placed in the window or the look-back, and none is counted (a record header time is when the record was written, not when its event happened); the last written: %s (%s); read it with evtxrdp dump",
		what, rec, written)
}

// savedTo reports whether backup, the Windows path a clear saved what it
// removed to (Input.FirstClearedTo of cleared, the log that begins with
// that clear), names the file of in, or of a copy read as one with it:
// the same file name, case-insensitive as on Windows; the folder is not
// compared, as a disk mounted or copied elsewhere has other folders. A
// backup of the cleared log's own file name (System.evtx saved as
// System.evtx elsewhere) is not told from another copy of that log (a
// shadow copy's System.evtx) by its name: it names no input.
func savedTo(backup string, in, cleared *Input) bool {
	if backup == "" || in == nil {
		return false
	}
	name := backup[strings.LastIndexAny(backup, `\/`)+1:]
	if name == "" {
		return false
	}
	same := func(p string) bool { return strings.EqualFold(path.Base(strings.ReplaceAll(p, `\`, "/")), name) }
	if cleared != nil && same(cleared.Path) {
		return false
	}
	if same(in.Path) {
		return true
	}
	for _, p := range in.Parts {
		if same(p.Path) {
			return true
		}
	}
	return false
}

// unreadableEvidence names, for each evidence query of f's rule, the
// records of its window decoded in part that it may match
// (scanResult.unreadable: their provider and event id are the query's,
// their fields unknown). Where the rule found nothing else, it is not
// checked rather than not detected: "no matching event in the window" would
// be said of a window that holds one whose fields could not be read. A
// query with a threshold counts many events, to which each such record
// adds at most one: there they leave the rule not checked only where,
// counted as matches, they could bring a span to the threshold
// (thresholdBound, j.undecided), and are a caveat otherwise (the
// threshold is missed whatever they hold); beside evidence found, they
// are a caveat.
func (j *ruleJudge) unreadableEvidence(f *Finding) {
	if j.ref.IsZero() {
		return
	}
	for _, cq := range j.cr.queries {
		var in []*EventRef
		for _, e := range j.sr.unreadable[cq] {
			if !e.Time.Before(f.WindowStart) && !e.Time.After(j.ref) {
				in = append(in, e)
			}
		}
		if len(in) == 0 {
			continue
		}
		sort.SliceStable(in, func(a, b int) bool { return newer(in[a], in[b]) })
		e := in[0]
		rec := &RecordRef{EventRecordID: e.EventRecordID, RecordNumber: e.RecordID, File: e.File}
		what := fmt.Sprintf("%s %d at %s, %s", shortProvider(e.Provider), e.EventID, evtx.FormatEventTime(e.Time), rec)
		if len(in) > 1 {
			what = "the newest: " + what
		}
		msg := fmt.Sprintf("%s: %s in the window %s decoded in part (%s): %s provider and event id are those of query %s, but %s event data could not be read, so whether %s evidence cannot be told; evtxrdp dump prints %s values",
			cq.query.Channel, plural.N(len(in), "record"), plural.Word(len(in), "was", "were"), what,
			plural.Word(len(in), "its", "their"), cq.query.ID, plural.Word(len(in), "its", "their"),
			plural.Word(len(in), "it is", "they are"), plural.Word(len(in), "its", "their"))
		if _, ok := j.undecided[cq]; ok {
			// A threshold that these records could bring it to.
			msg = j.undecidedText(cq)
		}
		if _, ok := j.undecided[cq]; f.Verdict == NotDetected && (cq.query.Threshold == nil || ok) {
			f.Verdict = NotChecked
			f.Reasons = append(f.Reasons, msg)
			continue
		}
		if f.Verdict == NotChecked {
			f.Reasons = append(f.Reasons, msg)
			continue
		}
		f.Caveats = append(f.Caveats, msg)
	}
}
