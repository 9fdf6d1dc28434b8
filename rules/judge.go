package rules

// The judge, continued: attribution of the evidence, and each verdict's
// strength and reason (ruleJudge, findings.go).

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/hosts"
	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// Verdicts that say how strong the evidence is (with Detected,
// NotDetected and NotChecked in result.go).
const (
	// Possible: evidence in the window is consistent with the scenario but
	// not attributable to RDP (a Schannel error that names no process and
	// coincides with no RDP connection), or the rule needs corroboration
	// that is missing (broker errors without a sign of a rename).
	Possible Verdict = "possible"
	// Resolved: the fault was in the window, and a later event of a
	// recovery query shows it recovered (RCM 1056 after 1057/1058).
	Resolved Verdict = "resolved"
)

// Flagged returns the number of findings that need attention: verdict
// Detected or Possible.
func (r *Result) Flagged() int {
	n := 0
	for _, f := range r.Findings {
		if f.Verdict == Detected || f.Verdict == Possible {
			n++
		}
	}
	return n
}

// attribute settles the pending evidence of the rule's queries against the RDP
// connection attempts of its context queries, and counts what stays
// unattributed (QueryHit.Possible).
func (j *ruleJudge) attribute(f *Finding) {
	cr := j.cr
	ce := j.sr.context[cr]
	var ctx []contextTime
	if ce != nil {
		ctx = ce.list // sorted by time
		if ce.dropped > 0 {
			f.Caveats = append(f.Caveats, droppedText(ce.dropped)+"; evidence near them may be counted as not attributable, and the share of an hour that attempts cover (a flood) is judged from those kept")
		}
	}
	// An RDP connection attempt attributes only the events of its own
	// computer: in a log of forwarded events (several computers
	// interleaved, analysed as one), one machine's Schannel error was
	// counted as RDP's for a connection made to another at that moment,
	// and its process ids compared with the other's listener. Names
	// compare by host (j.sameHost: a rename is one host); an event or
	// attempt naming no computer is compared with all.
	own := map[string][]contextTime{}
	ctxOf := func(computer string) []contextTime {
		if computer == "" {
			return ctx
		}
		k := hosts.Key(computer)
		if cs, ok := own[k]; ok {
			return cs
		}
		var cs []contextTime
		for _, c := range ctx {
			if c.ref == nil || j.sameHost(c.ref.Computer, computer) {
				cs = append(cs, c)
			}
		}
		own[k] = cs
		return cs
	}
	// procOf is ctxOf(computer) after the newest earlier attempt of that
	// computer (contextEvents.before), for the process checks alone:
	// the attempts just before and after an event show RDP's listener's
	// process even when the one before lies before the kept attempts.
	procs := map[string][]contextTime{}
	procOf := func(computer string) []contextTime {
		cs := ctxOf(computer)
		if ce == nil || len(ce.before) == 0 {
			return cs
		}
		if p, ok := procs[computer]; ok {
			return p
		}
		var last *contextTime
		for k, b := range ce.before {
			if computer != "" && k != "" && !j.sameHost(b.ref.Computer, computer) {
				continue
			}
			if last == nil || b.t.After(last.t) || b.t.Equal(last.t) && newer(b.ref, last.ref) {
				b := b
				last = &b
			}
		}
		p := cs
		if last != nil && (len(cs) == 0 || last.t.Before(cs[0].t)) {
			p = append([]contextTime{*last}, cs...)
		}
		procs[computer] = p
		return p
	}
	// sameOf is splitSame of ctxOf(computer), split once per computer (a
	// flood of failed logons names many accounts).
	splits := map[string]*sameSplit{}
	sameOf := func(computer, same string) (keyed, unkeyed []contextTime) {
		k := "\x00" // an event naming no computer: every attempt
		if computer != "" {
			k = hosts.Key(computer)
		}
		sp := splits[k]
		if sp == nil {
			sp = splitSame(ctxOf(computer))
			splits[k] = sp
		}
		if same == "" {
			return nil, sp.unkeyed
		}
		return sp.byValue[same], sp.unkeyed
	}
	for _, cq := range cr.queries {
		at := cq.query.Attribution
		if cq.query.Role != RoleEvidence || at == nil {
			continue
		}
		st := j.queries[cq]
		within := time.Duration(-1)
		var seenFrom, seenTo time.Time
		if at.Coincides != nil {
			within = at.Coincides.Within
			seenFrom, seenTo = j.contextSpan(at)
		}
		// coincide returns the attempt that attributes an event at t of
		// computer with Coincidence.Same value same: one of the same value
		// within the coincidence, else one naming no such value, chance
		// considered (coincident).
		//
		// With CoincidenceAddress, an event naming a client address is
		// attributed by an attempt of the same address within the
		// coincidence, chance aside (the address links them); where the
		// only attempts that near name other addresses, other is the
		// nearest of them and nothing attributes it (before, a 4625 of
		// an SMB logon from one machine was RDP's for an RdpCoreTS 131 of
		// another client 2 seconds before it).
		coincide := func(computer string, t time.Time, same string, addr netip.Addr) (c, other *contextTime, share float64, byChance bool) {
			keyed, unkeyed := sameOf(computer, same)
			if c := nearest(keyed, t, within); c != nil {
				return c, nil, 0, false
			}
			if addr.IsValid() && at.Coincides.Address != nil {
				cs := ctxOf(computer)
				if c := nearestAddress(cs, t, within, addr, true); c != nil {
					return c, nil, 0, false
				}
				if o := nearestAddress(cs, t, within, addr, false); o != nil {
					return nil, o, 0, false
				}
			}
			c, share, byChance = coincident(unkeyed, t, within, seenFrom, seenTo)
			return c, nil, share, byChance
		}
		possible := st.overflow
		for _, p := range st.pending {
			if within < 0 {
				possible++
			} else if c, _, _, _ := coincide(p.computer, p.t, p.same, p.addr); c == nil {
				possible++
			}
		}
		// A calling process named like RDP's host whose id is not that of
		// the process logging RDP's connections at the time is another
		// svchost: another program's where that process logged the
		// connections just before and just after the event (it ran
		// throughout), not attributable where only one connection near
		// it shows the process (it may have restarted in between).
		d := max(within, 0)
		j.othersByProcess(st, procOf)
		for _, c := range st.callers {
			if l, ok := listenerPID(procOf(c.computer), c.t, d); ok && uint64(l.pid) != c.pid {
				possible++
			}
		}
		if st.callerOverflow > 0 {
			f.Caveats = append(f.Caveats, fmt.Sprintf("%s: %s attributed by their calling process's name %s not checked against the process id of RDP's listener (more than %d)",
				cq.query.ID, plural.N(st.callerOverflow, "event"), plural.Word(st.callerOverflow, "was", "were"), maxPending))
		}
		for _, r := range st.evidence {
			if !r.hasCaller {
				continue
			}
			l, ok := listenerPID(procOf(r.Computer), r.Time, d)
			if !ok {
				continue
			}
			what := fmt.Sprintf("%s %d at %s", shortProvider(l.ref.Provider), l.ref.EventID, evtx.FormatEventTime(l.t))
			if uint64(l.pid) == r.callerPID {
				r.Attribution += fmt.Sprintf(", the process that logs RDP's connections (%s)", what)
				continue
			}
			r.Possible = true
			r.Attribution = fmt.Sprintf("%s: %s is not the process that logs RDP's connections around it (PID %d, %s)",
				unattributable, strings.TrimPrefix(r.Attribution, "the calling process is "), l.pid, what)
		}
		st.hit.Possible = possible
		for _, r := range st.evidence {
			if !r.Possible || r.Attribution != "" {
				continue
			}
			if within >= 0 {
				c, otherAddr, share, byChance := coincide(r.Computer, r.Time, r.same, r.addr)
				if c != nil {
					r.Possible = false
					r.Attribution = coincidenceText(c, r.Time)
					if c.hasSame {
						r.Attribution += fmt.Sprintf(", of the same %s (%s)", at.Coincides.Same, c.same)
					} else if c.addr.IsValid() && c.addr == r.addr {
						r.Attribution += fmt.Sprintf(", from the same client address (%s)", c.addr)
					}
					continue
				}
				if otherAddr != nil {
					r.Attribution = fmt.Sprintf("%s: it names the client address %s, and the RDP connection attempts within %s of it name another (%s, %s): they are another client's connections",
						unattributable, r.addr, FormatDuration(within), otherAddr.addr, strings.TrimPrefix(coincidenceText(otherAddr, r.Time), "an RDP connection attempt "))
					continue
				}
				if byChance {
					_, unkeyed := sameOf(r.Computer, r.same)
					r.Attribution = unattributable + ": " + chanceText(nearest(unkeyed, r.Time, within), r.Time, within, share)
					continue
				}
			}
			var other *contextTime
			if within >= 0 {
				other = nearest(ctx, r.Time, within)
			}
			r.Attribution = j.unattributedText(at, r.Time, other, r.Computer)
		}
	}
}

// othersByProcess takes out of st (a judge's copy) the evidence events
// attributed by their calling process's image name whose process id is
// not that of the process that logged RDP's connections just before and
// just after them (listenerThroughout): another service in a process of
// the same name (svchost.exe hosts most Windows services, WinRM's among
// them, several to a process or one each: "Changes to Service Host
// grouping in Windows 10", learn.microsoft.com/windows/application-management/svchost-service-refactoring;
// WinRM's ServiceType Win32ShareProcess, dsccommunity/
// xPSDesiredStateConfiguration#749). They are counted with the other programs'
// matches (QueryHit.Other), as an event naming another image is, and
// leave the evidence, its count, the query's first and last times (again
// the span of what stays, where every caller was kept) and the
// refinements they matched.
func (j *ruleJudge) othersByProcess(st *queryState, ctxOf func(string) []contextTime) {
	other := func(computer string, t time.Time, pid uint64) (*contextTime, bool) {
		l, ok := listenerThroughout(ctxOf(computer), t)
		return l, ok && uint64(l.pid) != pid
	}
	var kept []caller
	h := &st.hit
	moved := 0
	for _, c := range st.callers {
		l, ok := other(c.computer, c.t, c.pid)
		if !ok {
			kept = append(kept, c)
			continue
		}
		if moved == 0 {
			from := make(map[string]int, len(h.OtherFrom)+1)
			for k, v := range h.OtherFrom {
				from[k] = v
			}
			h.OtherFrom = from
		}
		moved++
		h.Count--
		h.Other++
		h.OtherFrom[fmt.Sprintf("%s (PID %d; RDP's listener: PID %d)", c.image, c.pid, l.pid)]++
		for _, ref := range c.refs {
			if rh := st.refs[ref]; rh != nil {
				if rh.Count--; rh.Count <= 0 {
					delete(st.refs, ref)
				}
			}
		}
	}
	if moved == 0 {
		return
	}
	st.callers = kept
	if st.callerOverflow == 0 {
		h.First, h.Last = st.plainFirst, st.plainLast
		for _, c := range kept {
			if h.First.IsZero() || c.t.Before(h.First) {
				h.First = c.t
			}
			h.Last = maxTime(h.Last, c.t)
		}
	}
	if h.Count <= 0 {
		h.Count, h.First, h.Last = 0, time.Time{}, time.Time{}
	}
	var evidence []*EventRef
	dropped := map[*EventRef]bool{}
	for _, r := range st.evidence {
		if _, ok := other(r.Computer, r.Time, r.callerPID); r.hasCaller && ok {
			dropped[r] = true
			continue
		}
		evidence = append(evidence, r)
	}
	st.evidence = evidence
	for ref, rh := range st.refs {
		if !dropped[rh.Newest] {
			continue
		}
		for _, r := range evidence { // newest first
			if slices.Contains(r.refs, ref) {
				rh.Newest = r
				break
			}
		}
	}
}

// listenerThroughout returns the RDP connection attempt of cs (sorted by
// time) nearest to t when the attempts just before and just after t were
// logged by one process: that process ran throughout, so it was RDP's
// listener at t. ok is false otherwise.
func listenerThroughout(cs []contextTime, t time.Time) (*contextTime, bool) {
	i := sort.Search(len(cs), func(i int) bool { return cs[i].t.After(t) })
	if i == 0 || i == len(cs) || cs[i-1].pid != cs[i].pid {
		return nil, false
	}
	if t.Sub(cs[i-1].t) <= cs[i].t.Sub(t) {
		return &cs[i-1], true
	}
	return &cs[i], true
}

// sameSplit is a computer's attempts (sorted by time, as both lists are)
// by their Coincidence.Same value: byValue those naming a value, unkeyed
// those naming no such field.
type sameSplit struct {
	byValue map[string][]contextTime
	unkeyed []contextTime
}

func splitSame(cs []contextTime) *sameSplit {
	sp := &sameSplit{}
	for i, c := range cs {
		if !c.hasSame {
			if sp.byValue == nil {
				sp.unkeyed = cs // no attempt names the field: all of them
				continue
			}
			sp.unkeyed = append(sp.unkeyed, c)
			continue
		}
		if sp.byValue == nil {
			sp.byValue = map[string][]contextTime{}
			sp.unkeyed = append([]contextTime(nil), cs[:i]...)
		}
		if c.same != "" {
			sp.byValue[c.same] = append(sp.byValue[c.same], c)
		}
	}
	return sp
}

// unattributedText says why an evidence event is not attributable:
// "not attributable to RDP: it names no calling process and no RDP
// connection attempt is logged within 10 seconds of it (...)".
// other, when not nil, is an RDP connection attempt within the
// coincidence of t that another computer than computer, the event's,
// logged (forwarded events): said, as not counting.
func (j *ruleJudge) unattributedText(at *Attribution, t time.Time, other *contextTime, computer string) string {
	var why []string
	if at.Process != nil && at.Process.Image != "" {
		why = append(why, "it names no calling process")
	}
	if at.Coincides != nil {
		s := fmt.Sprintf("no RDP connection attempt is logged within %s of it", FormatDuration(at.Coincides.Within))
		if other != nil {
			s = fmt.Sprintf("no RDP connection attempt of its computer (%s) is logged within %s of it", computer, FormatDuration(at.Coincides.Within))
		}
		missing, uncovered := j.unreadContext(at, t)
		for i, ch := range missing {
			missing[i] = shortChannel(ch)
		}
		for i, ch := range uncovered {
			uncovered[i] = shortChannel(ch)
		}
		switch {
		case len(missing) > 0 && len(uncovered) > 0:
			s += " (the " + strings.Join(missing, " and ") + " logs are not among the readable inputs; " +
				strings.Join(uncovered, " and ") + " does not reach back to it)"
		case len(missing) > 0:
			s += " (the " + strings.Join(missing, " and ") + " logs are not among the readable inputs)"
		case len(uncovered) > 0:
			s += " (the " + strings.Join(uncovered, " and ") + " logs do not reach back to it)"
		}
		if other != nil {
			s += "; " + coincidenceText(other, t) + " is of another computer, " + other.ref.Computer
		}
		if ce := j.sr.context[j.cr]; ce != nil && ce.dropped > 0 {
			// The attempts read past the bound are not kept: one may
			// lie near it (TestContextCapSaid).
			s += " among those kept (" + droppedText(ce.dropped) + ": one of them may lie that near it)"
		}
		why = append(why, s)
	}
	if len(why) == 0 {
		return unattributable
	}
	return unattributable + ": " + strings.Join(why, " and ")
}

const unattributable = "not attributable to RDP"

// droppedText says that n RDP connection attempts near a rule's window
// were read past maxContextTimes and not kept.
func droppedText(n int) string {
	return fmt.Sprintf("%s near the window %s not kept (more than %d)", plural.N(n, "RDP connection attempt"), plural.Word(n, "was", "were"), maxContextTimes)
}

// shortChannel shortens a channel name like shortProvider
// ("RemoteConnectionManager/Operational").
func shortChannel(ch string) string {
	return shortProvider(ch)
}

// unreadContext returns the channels of at's coincidence queries of which
// no log was read (missing), and those whose logs were read but begin
// after t - Coincides.Within (uncovered: older attempts are not in them).
func (j *ruleJudge) unreadContext(at *Attribution, t time.Time) (missing, uncovered []string) {
	cr := j.cr
	for _, id := range at.Coincides.Queries {
		q := cr.rule.Query(id)
		if q == nil || containsFold(missing, q.Channel) || containsFold(uncovered, q.Channel) {
			continue
		}
		read, covers := false, false
		for _, in := range j.sr.inputs {
			if in.Readable() && in.Holds(q.Channel) {
				read = true
				first := in.Stats.First
				if in.FirstWritten != nil {
					first = in.FirstWritten.Time // TimeCreated of the first-written record, as logStatus
				}
				covers = covers || (!first.IsZero() && !first.After(t.Add(-at.Coincides.Within)))
			}
		}
		switch {
		case !read:
			missing = append(missing, q.Channel)
		case !covers:
			uncovered = append(uncovered, q.Channel)
		}
	}
	return missing, uncovered
}

// contextSpan returns the times the attempts of at's coincidence were
// seen over: from the oldest time a readable log of their channels was
// read from (its first-written record's TimeCreated, as logStatus takes
// it, or the start of its decoded period, whichever is later; and no
// earlier than the attempts the scan keeps: noteContext) to the newest it
// was read to (its last-written record's, or the end of its decoded
// period), ending at the reference time; zero times where no log tells.
// coincident judges the share of an event's hour by that part of it.
func (j *ruleJudge) contextSpan(at *Attribution) (from, to time.Time) {
	cr := j.cr
	for _, id := range at.Coincides.Queries {
		q := cr.rule.Query(id)
		if q == nil {
			continue
		}
		for _, in := range j.sr.inputs {
			if !in.Readable() || !in.Holds(q.Channel) || in.FirstWritten == nil || in.LastWritten == nil {
				continue
			}
			first, last := in.FirstWritten.Time, in.LastWritten.Time
			if first.IsZero() || last.IsZero() {
				continue
			}
			if in.Decoded {
				if !in.Since.IsZero() && in.Since.After(first) {
					first = in.Since
				}
				if !in.Until.IsZero() && in.Until.Before(last) {
					last = in.Until
				}
			}
			if from.IsZero() || first.Before(from) {
				from = first
			}
			to = maxTime(to, last)
		}
	}
	if keep := contextKeptFrom(j.ref, cr); !from.IsZero() && keep.After(from) {
		from = keep
	}
	if to.IsZero() || !j.ref.IsZero() && j.ref.Before(to) {
		to = j.ref
	}
	return from, to
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// verdict sets the verdict's strength and its one-sentence reason, and the
// lines about other programs' events.
func (j *ruleJudge) verdict(f *Finding) {
	cr := j.cr
	r := cr.rule
	f.Others = j.others()
	switch f.Verdict {
	case NotChecked:
		switch {
		case len(f.Reasons) > 0 && j.ref.IsZero():
			f.Why = "Not checked: " + sentence(f.Reasons[0])
		case len(f.Reasons) > 0:
			f.Why = "Not checked: " + strings.TrimSuffix(strings.TrimSpace(f.Reasons[0]), ".") + "; that log, or the live-VM commands, would decide it."
		default:
			f.Why = "Not checked."
		}
		return
	case NotDetected:
		var chs []string
		for _, ls := range f.Logs {
			if ls.Role == RoleEvidence && ls.Status == LogRead {
				chs = append(chs, ls.Channel)
			}
		}
		f.Why = fmt.Sprintf("No matching event in the window; %s read and %s it.",
			strings.Join(chs, " and "), plural.Word(len(chs), "covers", "cover"))
		if len(f.Others) > 0 {
			f.Why = strings.TrimSuffix(f.Why, ".") + "; the matches of other programs do not count (see below)."
		}
		untimed := 0
		for _, h := range f.Hits {
			if h.Query.Role == RoleEvidence {
				untimed += h.Untimed
			}
		}
		if untimed > 0 {
			f.Why = strings.TrimSuffix(f.Why, ".") + fmt.Sprintf("; but %s without a TimeCreated, which no window can hold, may be one (see the caveats).",
				plural.N(untimed, "matching event"))
		}
		return
	}
	possible, attributed := 0, 0
	for _, h := range f.Hits {
		if h.Query.Role == RoleEvidence {
			possible += h.Possible
			attributed += h.Count - h.Possible
		}
	}
	if by, last := j.resolvedBy(f); by != nil {
		f.Verdict = Resolved
		f.ResolvedBy = by
		f.Why = fmt.Sprintf("Resolved at %s: %s (%s %d), %s after the last failure (%s %d at %s); a failure logged after that time would show it back.",
			evtx.FormatEventTime(by.Time), describes(r, by), shortProvider(by.Provider), by.EventID,
			FormatDuration(by.Time.Sub(last.Time)), shortProvider(last.Provider), last.EventID, evtx.FormatEventTime(last.Time))
		return
	}
	newest := func(possible bool) *EventRef {
		for _, e := range f.Evidence {
			if e.Possible == possible {
				return e
			}
		}
		return f.Evidence[0] // the newest kept events are all of the other kind
	}
	if attributed == 0 {
		f.Verdict = Possible
		e := newest(true)
		reason := strings.TrimPrefix(strings.TrimPrefix(e.Attribution, unattributable), ": ")
		if reason == "" {
			reason = "nothing ties it to RDP"
		}
		if q := r.Query(e.Query); q != nil && (q.Possible != nil || q.UnlessFollowed != nil && strings.HasPrefix(e.Attribution, followerLostPrefix)) {
			f.Why = fmt.Sprintf("%s in the window %s consistent with the scenario but weaker evidence: for the newest (%s %d at %s), %s; the live-VM commands would confirm it.",
				capitalize(plural.N(possible, "event")), plural.Word(possible, "is", "are"),
				shortProvider(e.Provider), e.EventID, evtx.FormatEventTime(e.Time), reason)
			return
		}
		f.Why = fmt.Sprintf("%s in the window %s consistent with the scenario but not attributable to RDP: for the newest (%s %d at %s), %s; %s",
			capitalize(plural.N(possible, "event")), plural.Word(possible, "is", "are"),
			shortProvider(e.Provider), e.EventID, evtx.FormatEventTime(e.Time), reason, confirmText(cr, r.Query(e.Query), !strings.HasSuffix(e.Attribution, byChanceSuffix)))
		return
	}
	e := newest(false)
	if r.NeedsCorroboration && len(f.Corroboration) == 0 {
		f.Verdict = Possible
		f.Why = fmt.Sprintf("%s in the window (the newest: %s, %s %d at %s) %s consistent with the scenario, but nothing shows its cause; %s would confirm it.",
			capitalize(plural.N(attributed, "event")), describes(r, e), shortProvider(e.Provider), e.EventID, evtx.FormatEventTime(e.Time),
			plural.Word(attributed, "is", "are"), corroborationWanted(r))
		return
	}
	f.Verdict = Detected
	verb := plural.Word(attributed, "counts", "count")
	if e.Attribution != "" {
		verb = plural.Word(attributed, "belongs", "belong") + " to RDP"
	}
	why := fmt.Sprintf("%s in the window %s; the newest: %s (%s %d at %s)",
		capitalize(plural.N(attributed, "event")), verb, describes(r, e),
		shortProvider(e.Provider), e.EventID, evtx.FormatEventTime(e.Time))
	if e.Attribution != "" {
		why += ", " + e.Attribution
	}
	if r.NeedsCorroboration {
		why += "; corroborated: " + f.Corroboration[0].Text
	}
	f.Why = why + "; the live-VM commands show whether it still happens."
}

// resolvedBy returns the recovery event that shows every failure of the
// window recovered, and the last failure, or nil.
func (j *ruleJudge) resolvedBy(f *Finding) (by, last *EventRef) {
	cr := j.cr
	for _, cq := range cr.queries {
		h := j.queries[cq].hit
		if cq.query.Role != RoleEvidence || h.Count == 0 {
			continue
		}
		var recs []*queryState
		for _, rq := range cr.queries {
			if rq.query.Role == RoleRecovery && contains(rq.query.Resolves, cq.query.ID) {
				recs = append(recs, j.queries[rq])
			}
		}
		if cq.query.Subject != nil {
			// The last state of each subject decides (language.go), and
			// each computer needs a recovery after its last failure.
			fix := j.resolvedBySubject(cq)
			if fix == nil || !j.eachHostRecovered(j.queries[cq], recs) {
				return nil, nil
			}
			if by == nil || newer(fix, by) {
				by = fix
			}
			continue
		}
		var fix *EventRef
		for _, st := range recs {
			if st.latest != nil && st.latest.Time.After(h.Last) && (fix == nil || newer(st.latest, fix)) {
				fix = st.latest
			}
		}
		if fix == nil || !j.eachHostRecovered(j.queries[cq], recs) {
			return nil, nil
		}
		if by == nil || newer(fix, by) {
			by = fix
		}
	}
	if by == nil || len(f.Evidence) == 0 {
		return nil, nil
	}
	return by, f.Evidence[0]
}

// eachHostRecovered reports whether every computer whose failures ev
// holds in the window logged a recovery of recs after its last failure:
// in forwarded events, VM-B's new certificate (RCM 1056) resolved VM-A's
// failure to create one (1057). Names compare by j.sameHost (a rename is
// one host); a failure or recovery naming no computer is compared with
// all. Past maxHostsKept names, the newest recovery decides, as before.
func (j *ruleJudge) eachHostRecovered(ev *queryState, recs []*queryState) bool {
	if ev.hostsDropped {
		return true
	}
	for _, st := range recs {
		if st.hostsDropped {
			return true
		}
	}
	for comp, failed := range ev.byHost {
		ok := false
		for _, st := range recs {
			for rc, r := range st.byHost {
				if j.sameHost(comp, rc) && r.Time.After(failed.Time) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// sameHost reports whether two Computer values name one machine: either
// is empty or a name only damaged chunks give (scanResult.damagedKeys:
// compared with all, as no name is), their hosts (hosts.Key) are equal, or a log of the machine
// names one after the other (a rename; not interleaved, as forwarded
// events are).
func (j *ruleJudge) sameHost(a, b string) bool {
	if a == "" || b == "" {
		return true
	}
	ka, kb := hosts.Key(a), hosts.Key(b)
	if ka == kb || j.sr.damagedKeys[ka] || j.sr.damagedKeys[kb] {
		return true
	}
	for _, cs := range j.sr.computers {
		if len(cs) < 2 {
			continue
		}
		var sa, sb bool
		spans := make([]hosts.Span, len(cs))
		for i, c := range cs {
			spans[i] = c.span()
			sa = sa || c.key == ka
			sb = sb || c.key == kb
		}
		if sa && sb && !hosts.Interleaved(spans) {
			return true
		}
	}
	return false
}

// others returns the lines about other programs' matches, one per
// Attribution.Others name.
func (j *ruleJudge) others() []string {
	cr := j.cr
	type group struct {
		n    int
		from map[string]int
	}
	groups := map[string]*group{}
	var order []string
	for _, cq := range cr.queries {
		h := j.queries[cq].hit
		if h.Other == 0 || cq.query.Attribution == nil {
			continue
		}
		name := cq.query.Attribution.Others
		g := groups[name]
		if g == nil {
			g = &group{from: map[string]int{}}
			groups[name] = g
			order = append(order, name)
		}
		g.n += h.Other
		for k, v := range h.OtherFrom {
			g.from[k] += v
		}
	}
	var out []string
	for _, name := range order {
		out = append(out, othersText(name, groups[name].n, groups[name].from))
	}
	return out
}

func describes(r *Rule, e *EventRef) string {
	if q := r.Query(e.Query); q != nil && q.Describes != "" {
		return q.Describes
	}
	return e.Query
}

// confirmText says what would attribute a rule's possible evidence; an
// RDP connection attempt at the same moment only with coincidence (not
// where the newest event lies in a flood of attempts, which make one at
// the same moment chance), and only of the context queries that q, the
// newest event's query, coincides with (an RDP logon failure in Security
// attributes a lockout of its account, not a network logon failure).
func confirmText(cr *compiledRule, q *Query, coincidence bool) string {
	var chs []string
	var co *Coincidence
	if q != nil && q.Attribution != nil {
		co = q.Attribution.Coincides
	}
	for _, cq := range cr.queries {
		if cq.query.Role == RoleContext && !containsFold(chs, cq.query.Channel) && (co == nil || contains(co.Queries, cq.query.ID)) {
			chs = append(chs, cq.query.Channel)
		}
	}
	for i, ch := range chs {
		chs[i] = shortChannel(ch)
	}
	// The calling process is named only where a query reads one (Schannel
	// from Windows Server 2022 on); a 4625 names none that tells RDP from
	// SMB.
	proc := false
	for _, cq := range cr.queries {
		if a := cq.query.Attribution; a != nil && a.Process != nil && a.Process.Image != "" {
			proc = true
		}
	}
	ways := []string{"the same error while you try to connect"}
	if proc {
		ways = append(ways, "a calling process that hosts Remote Desktop Services (Windows Server 2022 and later name it)")
	}
	if len(chs) > 0 && coincidence {
		w := "an RDP connection attempt at the same moment (" + strings.Join(chs, ", ") + ")"
		if co != nil && co.Same != "" {
			w = "an RDP connection attempt at the same moment (" + strings.Join(chs, ", ") + "; of the same " + co.Same + " where it names one)"
		}
		ways = append(ways, w)
	}
	s := ways[0]
	if n := len(ways); n > 1 {
		s = strings.Join(ways[:n-1], ", ") + " or " + ways[n-1]
	}
	return s + " would confirm it."
}

// corroborationWanted lists what corroborates a rule.
func corroborationWanted(r *Rule) string {
	var parts []string
	for _, q := range r.Queries {
		if q.Role == RoleCorroboration {
			parts = append(parts, fmt.Sprintf("an event showing that %s (%s)", q.Describes, q.ID))
		}
	}
	if r.ComputerChange {
		parts = append(parts, "a change of the events' Computer field")
	}
	if len(parts) == 0 {
		return "corroborating evidence"
	}
	return strings.Join(parts, " or ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sentence makes s end with a period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// channelRole is the role of a channel for a rule: that of its queries on
// it, evidence first, then recovery, corroboration, context.
func channelRole(r *Rule, ch string) string {
	rank := map[string]int{RoleEvidence: 4, RoleRecovery: 3, RoleCorroboration: 2, RoleContext: 1}
	role := RoleContext
	for _, q := range r.Queries {
		if strings.EqualFold(q.Channel, ch) && rank[q.Role] > rank[role] {
			role = q.Role
		}
	}
	return role
}

// computerChanges returns, per log (sorted by path) whose events name more
// than one host one after another, the change of its Computer field. A
// rename shows within one log; names that differ between logs may be
// different machines. A log whose hosts' records interleave (in record
// numbers or times: hosts.Interleaved, the test package fleet marks
// forwarded events with) holds several machines' events, not a rename: it
// is returned in forwarded, as a caveat naming its hosts.
func (j *ruleJudge) computerChanges() (changes []*Corroboration, forwarded []string) {
	paths := make([]string, 0, len(j.sr.computers))
	for p, cs := range j.sr.computers {
		if len(cs) > 1 {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		cs := append([]*computerSeen(nil), j.sr.computers[p]...)
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].first.Before(cs[j].first) })
		spans := make([]hosts.Span, len(cs))
		var names, parts []string
		for i, c := range cs {
			spans[i] = c.span()
			if i < maxComputers {
				names = append(names, fmt.Sprintf("%q", c.name))
			}
			parts = append(parts, fmt.Sprintf("%q (%s to %s)", c.name, evtx.FormatEventTime(c.first), evtx.FormatEventTime(c.last)))
		}
		if hosts.Interleaved(spans) {
			// Every name is counted; the first maxComputers by their
			// first record's time are listed.
			count := fmt.Sprint(len(cs))
			if j.sr.computersDropped[p] {
				count = fmt.Sprintf("more than %d", len(cs))
			}
			list := strings.Join(names, ", ")
			if len(cs) > len(names) {
				list += fmt.Sprintf(" and %d more", len(cs)-len(names))
			}
			forwarded = append(forwarded, fmt.Sprintf("%s: its records name %s computers interleaved (%s: forwarded events, or several machines' logs in one): not read as a rename", p, count, list))
			continue
		}
		if len(parts) > maxComputers {
			parts = append(parts[:maxComputers], fmt.Sprintf("%d more", len(parts)-maxComputers))
		}
		changes = append(changes, &Corroboration{Text: "the Computer field of " + p + " changes: " + strings.Join(parts, ", then ")})
	}
	return changes, forwarded
}

// damagedNamesText says, per name only records of a log's damaged chunks
// give (scanResult.damagedComputers), that it was taken as damage: "P:
// records in damaged chunks (their checksum fails), record numbers 17 to
// 32, name RDSHO1, which no intact record of the log names: taken as
// damage, not as a rename or another computer (evtxrdp dump prints
// them)".
func (j *ruleJudge) damagedNamesText() []string {
	var out []string
	for _, c := range j.sr.damagedComputers {
		out = append(out, fmt.Sprintf("%s: records in damaged chunks (their checksum fails), record numbers %d to %d, name %s, which no intact record of the log names: taken as damage, not as a rename or another computer (evtxrdp dump prints them)", c.file, c.minID, c.maxID, c.name))
	}
	return out
}
