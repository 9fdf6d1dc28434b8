package rules

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/hosts"
	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// This file holds the parts of the rule language that the causes beyond
// the article's three scenarios need (rdp-causes.md §2): where conditions
// on what the XPath cannot read (<Binary>), the subject of an event (the
// last state of a service decides), counts and distinct values over a
// span (brute force), and coverage (failure auditing may be off).

// Threshold makes an evidence query's matches evidence only when at least
// Count of them (and, with Distinct, at least DistinctCount distinct values
// of that field) fall within one span of Within. Below it the matches are
// noise (one wrong password), said in a caveat.
type Threshold struct {
	// Count is the least number of matches within one span.
	Count int `yaml:"count"`
	// Within is the span's length (at most 24h).
	Within time.Duration `yaml:"within"`
	// Distinct selects the field whose distinct values are counted (a
	// condition without text or codes, e.g. {data: IpAddress}), compared
	// trimmed and case-insensitively; with address (e.g. {data: ClientIP,
	// address: true}) the values are client addresses, compared as
	// ClientAddress reads them (port dropped, ::ffff:203.0.113.5 equal to
	// 203.0.113.5), and a value that is no address counts as none.
	Distinct *Condition `yaml:"distinct"`
	// DistinctCount is the least number of distinct values of Distinct
	// within the same span.
	DistinctCount int `yaml:"distinct_count"`
	// Counts names the matches ("failed RDP logons"); DistinctNames names
	// the distinct values ("addresses").
	Counts        string `yaml:"counts"`
	DistinctNames string `yaml:"distinct_names"`
}

// maxThresholdSpan bounds Threshold.Within.
const maxThresholdSpan = 24 * time.Hour

// maxSubjects bounds the subjects tracked per query (a machine has a few
// hundred services); beyond it a finding is not resolved by subject.
const maxSubjects = 1024

// maxSamples bounds the matches kept per query for its threshold; beyond
// it the peak is computed over the first ones and the finding says so.
const maxSamples = 1 << 17

// BinaryText reads b as UTF-16LE text up to the first NUL, as Service
// Control Manager writes a service's key name into the <Binary> data of
// 7000, 7009, 7023, 7031, 7036 ("TermService/4" in 7036: key name and
// state). It reports false for empty data, an odd length without a NUL,
// or text with control characters (binary data that is not text).
func BinaryText(b []byte) (string, bool) {
	var u []uint16
	for i := 0; i+1 < len(b); i += 2 {
		c := uint16(b[i]) | uint16(b[i+1])<<8
		if c == 0 {
			break
		}
		if c < 0x20 || c == 0x7f {
			return "", false
		}
		u = append(u, c)
	}
	if len(u) == 0 {
		return "", false
	}
	return string(utf16.Decode(u)), true
}

// SystemFields are the names a Condition's System selects.
var SystemFields = []string{"EventID", "Level", "Provider", "Channel", "Computer"}

// systemValue returns the System field name of ev.
func systemValue(ev *evtx.Event, name string) (evtx.Value, bool) {
	switch name {
	case "EventID":
		return evtx.Value{Kind: evtx.KindUint16, Uint: uint64(ev.System.EventID)}, true
	case "Level":
		return evtx.Value{Kind: evtx.KindUint8, Uint: uint64(ev.System.Level)}, true
	case "Provider":
		return evtx.StringValue(ev.System.Provider.Name), true
	case "Channel":
		return evtx.StringValue(ev.System.Channel), true
	case "Computer":
		return evtx.StringValue(ev.System.Computer), true
	}
	return evtx.Value{}, false
}

// admits reports whether ev satisfies every Where condition of q and none
// of its Unless conditions.
func (q *Query) admits(ev *evtx.Event) bool {
	for _, c := range q.Where {
		if !c.Match(ev) {
			return false
		}
	}
	for _, c := range q.Unless {
		if c.Match(ev) {
			return false
		}
	}
	return true
}

// Weak makes an evidence query's matches weaker evidence: consistent with
// the scenario, but not enough to say it is detected (a service named only
// by its display name, which is localized and which another service could
// carry; a start type in a language the rule does not know).
type Weak struct {
	// Why says in a few words why the matches are weaker ("the new start
	// type is a text the rule does not know").
	Why string `yaml:"why"`
	// Show, optional, selects a field whose value is said with Why (a
	// condition without text or codes, e.g. {data: param3}).
	Show *Condition `yaml:"show"`
}

// text is why the match ev is weaker evidence: Why, with the value Show
// selects ("..., param3='無効'").
func (w *Weak) text(ev *evtx.Event) string {
	s := strings.TrimSpace(w.Why)
	if w.Show != nil {
		s += " (" + fieldLabel(w.Show, ev) + ")"
	}
	return s
}

// subject returns the text of the field q.Subject selects in ev, trimmed
// (c.Before applied), or "" when q has no subject or ev lacks the field.
func (q *Query) subject(ev *evtx.Event) string {
	if q.Subject == nil {
		return ""
	}
	for _, v := range q.Subject.values(ev) {
		if s := strings.TrimSpace(v.String()); s != "" {
			return s
		}
	}
	return ""
}

// validateLanguage checks a query's where, subject and threshold keys.
func validateLanguage(r *Rule, q *Query) []error {
	var errs []error
	f := fmt.Sprintf("queries[%s]", q.ID)
	bad := func(field, format string, args ...any) {
		errs = append(errs, &RuleError{File: r.File, Rule: r.ID, Field: field, Err: fmt.Errorf(format, args...)})
	}
	for j, c := range q.Where {
		errs = append(errs, validateCondition(r, fmt.Sprintf("%s.where[%d]", f, j), c)...)
	}
	if q.Subject != nil {
		errs = append(errs, validateSelector(r, f+".subject", q.Subject)...)
		if q.Role != RoleEvidence && q.Role != RoleRecovery {
			bad(f+".subject", "only evidence and recovery queries have a subject (role is %q)", q.Role)
		}
	}
	if q.Role == RoleRecovery && q.Subject != nil {
		for _, id := range q.Resolves {
			if o := r.Query(id); o != nil && o.Subject == nil {
				bad(f+".subject", "resolves %q, which has no subject to compare with", id)
			}
		}
	}
	if q.Role == RoleRecovery && q.Subject == nil {
		for _, id := range q.Resolves {
			if o := r.Query(id); o != nil && o.Subject != nil {
				bad(f+".subject", "empty, but %q has one: give the recovery the same kind of subject", id)
			}
		}
	}
	for j, c := range q.Unless {
		errs = append(errs, validateCondition(r, fmt.Sprintf("%s.unless[%d]", f, j), c)...)
	}
	if w := q.Possible; w != nil {
		if q.Role != RoleEvidence || q.Attribution != nil {
			bad(f+".possible", "only on an evidence query without attribution (an attribution says itself which matches are possible)")
		}
		if strings.TrimSpace(w.Why) == "" {
			bad(f+".possible.why", "empty (say why the matches are weaker evidence)")
		}
		if w.Show != nil {
			errs = append(errs, validateSelector(r, f+".possible.show", w.Show)...)
		}
	}
	if u := q.UnlessFollowed; u != nil {
		if q.Role != RoleEvidence || q.Threshold != nil || q.Attribution != nil {
			bad(f+".unless_followed", "only on an evidence query without threshold or attribution")
		}
		if u.Within <= 0 || u.Within > maxThresholdSpan {
			bad(f+".unless_followed.within", "%v (want more than 0 and at most %v)", u.Within, maxThresholdSpan)
		}
		if len(u.Queries) == 0 {
			bad(f+".unless_followed.queries", "empty")
		}
		for _, id := range u.Queries {
			if o := r.Query(id); o == nil || o.Role != RoleContext {
				bad(f+".unless_followed.queries", "no context query %q", id)
			}
		}
		for _, ref := range r.Refinements {
			if ref != nil && contains(ref.Queries, q.ID) {
				bad(f+".unless_followed", "refinement %q examines this query; refinements cannot examine it", ref.ID)
			}
		}
	}
	if t := q.Threshold; t != nil {
		if q.Role != RoleEvidence {
			bad(f+".threshold", "only an evidence query has a threshold (role is %q)", q.Role)
		}
		if q.Attribution != nil {
			bad(f+".threshold", "a query with an attribution has no threshold")
		}
		if t.Count < 1 {
			bad(f+".threshold.count", "%d (want at least 1)", t.Count)
		}
		if t.Within <= 0 || t.Within > maxThresholdSpan {
			bad(f+".threshold.within", "%v (want more than 0 and at most %v)", t.Within, maxThresholdSpan)
		}
		if t.Distinct != nil {
			errs = append(errs, validateSelector(r, f+".threshold.distinct", t.Distinct)...)
			if t.DistinctCount < 1 {
				bad(f+".threshold.distinct_count", "%d (want at least 1 with distinct)", t.DistinctCount)
			} else if t.DistinctCount > t.Count {
				bad(f+".threshold.distinct_count", "%d is more than count %d", t.DistinctCount, t.Count)
			}
			if t.Distinct.Address && (t.Distinct.Before != "" || t.Distinct.Split != "") {
				// before ":" would cut "[2001:db8::5]:50123" to "[2001".
				bad(f+".threshold.distinct", "address reads the port itself: before and split do not apply")
			}
		} else if t.DistinctCount != 0 {
			bad(f+".threshold.distinct_count", "given without distinct")
		}
		if strings.TrimSpace(t.Counts) == "" {
			bad(f+".threshold.counts", "empty (name the matches, e.g. \"failed RDP logons\")")
		}
		if t.Distinct != nil && strings.TrimSpace(t.DistinctNames) == "" {
			bad(f+".threshold.distinct_names", "empty (name the distinct values, e.g. \"addresses\")")
		}
	}
	return errs
}

// validateSelector checks a condition used only to select a field (a
// subject, a distinct field): one selector, no values.
func validateSelector(r *Rule, field string, c *Condition) []error {
	var errs []error
	n := 0
	for _, b := range []bool{c.Data != "", c.Index != 0, c.UserData != "", c.AnyField, c.BinaryText, c.System != ""} {
		if b {
			n++
		}
	}
	if n != 1 || c.AnyField || c.Index < 0 {
		errs = append(errs, &RuleError{File: r.File, Rule: r.ID, Field: field,
			Err: fmt.Errorf("must select one field (data, index, user_data, binary_text or system)")})
	}
	if len(c.Text) > 0 || len(c.Codes) > 0 {
		errs = append(errs, &RuleError{File: r.File, Rule: r.ID, Field: field,
			Err: fmt.Errorf("selects a field; text and codes do not apply")})
	}
	return errs
}

// langState is what the language additions keep per query.
type langState struct {
	// failed: evidence queries with a subject: the newest in-window
	// failure time per subject and computer (lower-case subject, NUL,
	// Computer as written).
	failed map[string]time.Time
	// recovered: recovery queries with a subject: the newest in-window
	// recovery per subject and computer, keyed as failed.
	recovered map[string]*EventRef
	dropped   int // subjects beyond maxSubjects
	// withSubject counts the in-window evidence matches that name one.
	withSubject int
	// samples: threshold queries: the in-window matches.
	samples  []sample
	overflow int
	// coverage: coverage queries: matches seen in the records read.
	coverage int
	// followers: context queries an UnlessFollowed names: match times
	// and computers.
	followers []sample
}

type sample struct {
	t time.Time
	v string
	c string // the computer it names (UnlessFollowed evidence and followers)
	// part, for a threshold's bound (thresholdBound), is a record decoded
	// in part that the query may match (scanResult.unreadable), else nil.
	part *EventRef
}

func (st *queryState) language() *langState {
	if st.lang == nil {
		st.lang = &langState{}
	}
	return st.lang
}

// noteLanguage records what the language additions need of a match r of
// cq in the window (evidence that counts, or a recovery).
func (s *scanner) noteLanguage(cq *compiledQuery, st *queryState, ev *evtx.Event, r *EventRef) {
	q := cq.query
	if q.Subject != nil {
		r.Subject = q.subject(ev)
		if r.Subject != "" {
			ls := st.language()
			// Per subject and computer: in forwarded events one
			// machine's service start does not resolve another's.
			key := strings.ToLower(r.Subject) + "\x00" + r.Computer
			switch q.Role {
			case RoleEvidence:
				ls.withSubject++
				if t, ok := ls.failed[key]; ok || len(ls.failed) < maxSubjects {
					if ls.failed == nil {
						ls.failed = map[string]time.Time{}
					}
					ls.failed[key] = maxTime(t, r.Time)
				} else {
					ls.dropped++
				}
			case RoleRecovery:
				if old, ok := ls.recovered[key]; ok || len(ls.recovered) < maxSubjects {
					if ls.recovered == nil {
						ls.recovered = map[string]*EventRef{}
					}
					if old == nil || newer(r, old) {
						ls.recovered[key] = r
					}
				} else {
					ls.dropped++
				}
			}
		}
	}
	if q.UnlessFollowed != nil && q.Role == RoleEvidence {
		ls := st.language()
		if len(ls.samples) >= maxSamples {
			ls.overflow++
		} else {
			ls.samples = append(ls.samples, sample{t: r.Time, c: r.Computer})
		}
	}
	if t := q.Threshold; t != nil && q.Role == RoleEvidence {
		ls := st.language()
		if len(ls.samples) >= maxSamples {
			ls.overflow++
			return
		}
		v := ""
		if t.Distinct != nil {
			v = t.Distinct.distinctValue(ev)
		}
		ls.samples = append(ls.samples, sample{t: r.Time, v: v, c: r.Computer})
	}
}

// byComputer splits samples by the computer they name (j.sameHost: a
// rename is one computer), those naming none (or a name only damaged
// chunks give: scanResult.damagedKeys) joining each: in forwarded
// events, two machines' failed logons are two machines' bursts, not one.
// One group (all samples) when they name at most one computer.
func (j *ruleJudge) byComputer(samples []sample) [][]sample {
	var reps []string
	var groups [][]sample
	var unnamed []sample
	for _, s := range samples {
		if s.c == "" || j.sr.damagedKeys[hosts.Key(s.c)] {
			unnamed = append(unnamed, s)
			continue
		}
		i := slices.IndexFunc(reps, func(r string) bool { return j.sameHost(r, s.c) })
		if i < 0 {
			reps = append(reps, s.c)
			groups = append(groups, nil)
			i = len(groups) - 1
		}
		groups[i] = append(groups[i], s)
	}
	if len(groups) <= 1 {
		return [][]sample{samples}
	}
	for i := range groups {
		groups[i] = append(groups[i], unnamed...)
	}
	return groups
}

// distinctValue is the value of ev a threshold counts distinct values
// of: the first value c selects, trimmed and in lower case; with
// c.Address, the client address it holds (ClientAddress: one client is
// one value whatever its port or spelling), or "" (no value: it adds no
// distinct value) when it holds none ("-", "X.224").
func (c *Condition) distinctValue(ev *evtx.Event) string {
	vs := c.values(ev)
	switch {
	case len(vs) == 0:
		return ""
	case c.Address:
		if a, ok := ClientAddress(text(vs[0])); ok {
			return a.String()
		}
		return ""
	}
	return strings.ToLower(strings.TrimSpace(vs[0].String()))
}

// resolvedBySubject decides, for an evidence query with a subject, which
// recovery shows every failed subject recovered: for each subject that
// failed in the window, a recovery of the same subject after its last
// failure. It returns the newest such recovery, or nil when a subject has
// none (the last state of that subject is a failure).
func (j *ruleJudge) resolvedBySubject(cq *compiledQuery) *EventRef {
	cr := j.cr
	ls := j.queries[cq].lang
	if ls == nil || len(ls.failed) == 0 || ls.dropped > 0 || j.queries[cq].hit.Count > ls.withSubject {
		// A failure without a subject (or too many) cannot be matched to
		// a recovery.
		return nil
	}
	var by *EventRef
	for key, last := range ls.failed {
		subj, comp, _ := strings.Cut(key, "\x00")
		var fix *EventRef
		for _, rq := range cr.queries {
			if rq.query.Role != RoleRecovery || !contains(rq.query.Resolves, cq.query.ID) {
				continue
			}
			rl := j.queries[rq].lang
			if rl == nil {
				continue
			}
			for rkey, r := range rl.recovered {
				rsubj, rcomp, _ := strings.Cut(rkey, "\x00")
				if rsubj == subj && j.sameHost(comp, rcomp) && r.Time.After(last) && (fix == nil || newer(r, fix)) {
					fix = r
				}
			}
		}
		if fix == nil {
			return nil
		}
		if by == nil || newer(fix, by) {
			by = fix
		}
	}
	return by
}

// peak is the densest span of a threshold query's matches: the most
// matches within one span of Within, and the distinct values among them.
type peak struct {
	count, distinct int
	end             time.Time
	// lo and hi index the span's first and last sample in the sorted
	// samples thresholdPeak returns.
	lo, hi int
}

// maxNamedValues bounds the distinct addresses a peak names.
const maxNamedValues = 5

// namedValues names the distinct values of the span p of the sorted
// samples s, the most frequent first (equal counts in address order), each
// with its count, at most maxNamedValues and how many more: "12 from
// 2001:db8::5, 10 from 203.0.113.5, and 3 more". Samples without a value
// are not named.
func namedValues(s []sample, p peak) string {
	counts := map[string]int{}
	for _, x := range s[p.lo : p.hi+1] {
		if x.v != "" {
			counts[x.v]++
		}
	}
	vs := make([]string, 0, len(counts))
	for v := range counts {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool {
		if counts[vs[i]] != counts[vs[j]] {
			return counts[vs[i]] > counts[vs[j]]
		}
		a, errA := netip.ParseAddr(vs[i])
		b, errB := netip.ParseAddr(vs[j])
		if errA == nil && errB == nil {
			return a.Less(b) // 192.0.2.2 before 192.0.2.10
		}
		return vs[i] < vs[j]
	})
	var b strings.Builder
	for i, v := range vs {
		if i == maxNamedValues {
			fmt.Fprintf(&b, ", and %d more", len(vs)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d from %s", counts[v], v)
	}
	return b.String()
}

// noValue counts the samples of the span p of the sorted samples s that
// hold no distinct value.
func noValue(s []sample, p peak) int {
	n := 0
	if len(s) == 0 {
		return 0
	}
	for _, x := range s[p.lo : p.hi+1] {
		if x.v == "" {
			n++
		}
	}
	return n
}

// thresholdPeak finds whether some span of t.Within holds at least t.Count
// samples with at least t.DistinctCount distinct values; it returns that
// span (met) or the span with the most samples (not met).
func thresholdPeak(t *Threshold, samples []sample) (best peak, met bool, s []sample) {
	s = append([]sample(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i].t.Before(s[j].t) })
	seen := map[string]int{}
	lo := 0
	for hi := range s {
		seen[s[hi].v]++
		for s[hi].t.Sub(s[lo].t) > t.Within {
			if seen[s[lo].v]--; seen[s[lo].v] == 0 {
				delete(seen, s[lo].v)
			}
			lo++
		}
		p := peak{count: hi - lo + 1, distinct: len(seen), end: s[hi].t, lo: lo, hi: hi}
		if _, ok := seen[""]; ok && t.Distinct != nil {
			p.distinct-- // matches without the field add no distinct value
		}
		ok := p.count >= t.Count && (t.Distinct == nil || p.distinct >= t.DistinctCount)
		if ok && !met {
			best, met = p, true
		}
		if !met && (p.count > best.count || p.count == best.count && p.distinct > best.distinct) {
			best = p
		}
		if met && ok && p.count > best.count {
			best = p
		}
	}
	return best, met, s
}

// applyThresholds judges the threshold queries of the rule before the finding
// is built: below its threshold, a query's in-window matches are not
// evidence (its count moves to a caveat); at or above it, the peak is
// said with the verdict.
func (j *ruleJudge) applyThresholds() (caveats, peaks []string) {
	cr := j.cr
	for _, cq := range cr.queries {
		t := cq.query.Threshold
		st := j.queries[cq]
		if t == nil {
			continue
		}
		if st.hit.Count == 0 {
			j.thresholdBound(cq, nil)
			continue
		}
		var samples []sample
		overflow := 0
		if st.lang != nil {
			samples, overflow = st.lang.samples, st.lang.overflow
		}
		// The peak of one computer's matches (byComputer).
		var p peak
		var met bool
		var sorted []sample
		for i, g := range j.byComputer(samples) {
			gp, gmet, gs := thresholdPeak(t, g)
			if i == 0 || gmet && !met || gmet == met && (gp.count > p.count || gp.count == p.count && gp.distinct > p.distinct) {
				p, met, sorted = gp, gmet, gs
			}
		}
		text := fmt.Sprintf("%d %s within %s", p.count, strings.TrimSpace(t.Counts), FormatDuration(t.Within))
		if t.Distinct != nil {
			text += fmt.Sprintf(" from %d %s", p.distinct, strings.TrimSpace(t.DistinctNames))
			if met && t.Distinct.Address && p.distinct > 0 {
				// Client addresses as net/netip writes them: no event
				// text reaches the report here.
				text += " (" + namedValues(sorted, p) + ")"
			}
			// Matches with no value (4625's IpAddress "-", TermDD 50's
			// "X.224") count toward the count but are no distinct value:
			// said, so that "from 1 addresses" is not read as one client
			// when most matches named none.
			if none := noValue(sorted, p); none > 0 {
				text += fmt.Sprintf(" and %d whose value names none (counted in the %d, not among the %s)", none, p.count, strings.TrimSpace(t.DistinctNames))
			}
		}
		want := fmt.Sprintf("%d", t.Count)
		if t.Distinct != nil {
			want += fmt.Sprintf(" from %d %s", t.DistinctCount, strings.TrimSpace(t.DistinctNames))
		}
		if overflow > 0 {
			text += fmt.Sprintf(" (counted over the first %d of %d matches)", len(samples), len(samples)+overflow)
		}
		if met {
			peaks = append(peaks, fmt.Sprintf("%s, up to %s (query %s; the rule's threshold: %s)", text, evtx.FormatEventTime(p.end), cq.query.ID, want))
			continue
		}
		j.thresholdBound(cq, samples)
		caveats = append(caveats, fmt.Sprintf("%s: %s in the window, at most %s: below the rule's threshold (%s), so not evidence",
			cq.query.ID, plural.N(st.hit.Count, "match"), text, want))
		st.hit.Count, st.hit.First, st.hit.Last, st.hit.Possible = 0, time.Time{}, time.Time{}, 0
		st.evidence = nil
		st.refs = map[*Refinement]*RefinementHit{}
	}
	return caveats, peaks
}

// coverageMissing reports whether the rule has coverage queries and none of them
// matched in the records read.
func (j *ruleJudge) coverageMissing() bool {
	cr := j.cr
	has := false
	for _, cq := range cr.queries {
		if cq.query.Role != RoleCoverage || cq.query.PerLog {
			continue // a per-log coverage query speaks for its log alone (logUncovered)
		}
		has = true
		if ls := j.queries[cq].lang; ls != nil && ls.coverage > 0 {
			return false
		}
	}
	return has
}

// logUncovered reports whether the rule has per-log coverage queries
// (Query.PerLog) of channel ch and none of them matched: that log, though
// read, cannot show the rule's evidence (a Security log without any 4625:
// failure auditing may be off), so it does not count as covering.
func (j *ruleJudge) logUncovered(ch string) bool {
	has := false
	for _, cq := range j.cr.queries {
		if cq.query.Role != RoleCoverage || !cq.query.PerLog || !strings.EqualFold(cq.query.Channel, ch) {
			continue
		}
		has = true
		if ls := j.queries[cq].lang; ls != nil && ls.coverage > 0 {
			return false
		}
	}
	return has
}

// Win32ErrorName returns the constant name of a Win32 error code that
// service and logon events carry as a "%%N" insert, or "" for codes not in
// the table. Source: "System Error Codes (0-499)" and "(1000-1299)",
// learn.microsoft.com/windows/win32/debug/system-error-codes--0-499- and
// --1000-1299-.
func Win32ErrorName(n uint64) string {
	return win32Errors[n]
}

var win32Errors = map[uint64]string{
	2:    "ERROR_FILE_NOT_FOUND",
	3:    "ERROR_PATH_NOT_FOUND",
	5:    "ERROR_ACCESS_DENIED",
	14:   "ERROR_OUTOFMEMORY",
	21:   "ERROR_NOT_READY",
	50:   "ERROR_NOT_SUPPORTED",
	87:   "ERROR_INVALID_PARAMETER",
	112:  "ERROR_DISK_FULL",
	193:  "ERROR_BAD_EXE_FORMAT",
	1053: "ERROR_SERVICE_REQUEST_TIMEOUT",
	1058: "ERROR_SERVICE_DISABLED",
	1067: "ERROR_PROCESS_ABORTED",
	1068: "ERROR_SERVICE_DEPENDENCY_FAIL",
	1069: "ERROR_SERVICE_LOGON_FAILED",
	1075: "ERROR_SERVICE_DEPENDENCY_DELETED",
	1079: "ERROR_DIFFERENT_SERVICE_ACCOUNT",
	1326: "ERROR_LOGON_FAILURE",
	1327: "ERROR_ACCOUNT_RESTRICTION",
	1330: "ERROR_PASSWORD_EXPIRED",
	1331: "ERROR_ACCOUNT_DISABLED",
}

// InsertText shows a "%%N" Win32 error insert with its name (timeline lines):
// "%%1058 (ERROR_SERVICE_DISABLED)"; other values unchanged.
func InsertText(s string) string {
	rest, ok := strings.CutPrefix(s, "%%")
	if !ok {
		return s
	}
	n, err := strconv.ParseUint(rest, 10, 32)
	if err != nil {
		return s
	}
	if name := Win32ErrorName(n); name != "" {
		return s + " (" + name + ")"
	}
	return s
}

// noteFollower keeps the time of a context event that a query's
// UnlessFollowed names (a listener start).
func (s *scanner) noteFollower(cq *compiledQuery, r *EventRef) {
	if !cq.follower {
		return
	}
	ls := s.queries[cq].language()
	if len(ls.followers) < maxSamples {
		ls.followers = append(ls.followers, sample{t: r.Time, c: r.Computer})
	} else {
		ls.overflow++
	}
}

// applyFollowed drops, for the evidence queries of the rule with UnlessFollowed,
// the matches that a match of the named context queries follows within
// the span, and those too close to the reference time to tell. When no
// log of the context queries' channel was read, every match is dropped
// and a caveat says that it cannot be told.
func (j *ruleJudge) applyFollowed() (caveats []string) {
	cr := j.cr
	for _, cq := range cr.queries {
		u := cq.query.UnlessFollowed
		st := j.queries[cq]
		if u != nil && st.hit.BeforeCount+st.hit.AfterCount > 0 {
			// A match outside the window is the query's xpath alone (a
			// boot): whether a follower came after it is judged for the
			// window's matches only, so it is not "last seen" as what
			// the query describes (a boot without a listener start):
			// the report said "boot-without-listener: last seen 6 hours
			// before the window" of a System log read without any
			// RemoteConnectionManager log. Said as what it is instead.
			n := st.hit.BeforeCount + st.hit.AfterCount
			caveats = append(caveats, fmt.Sprintf("%s: %s outside the window (%s) not listed: whether %s followed is told for the window's matches only",
				cq.query.ID, plural.N(n, "match"), strings.TrimSpace(cq.query.XPath), followDescribes(cr, u)))
			st.hit.Before, st.hit.After, st.hit.BeforeCount, st.hit.AfterCount = nil, nil, 0, 0
		}
		if u == nil || st.hit.Count == 0 {
			continue
		}
		var follow []sample
		var starts []time.Time // the first record times of the follower logs read that reach into the window
		// lost are the runs of records the follower logs read lack
		// (Input.Lost: chunks zeroed between others, the newest records
		// a file header counts and no chunk holds) and, of a log cut
		// short, the records after its last one: a follower among them
		// is not seen.
		var lost []followerLost
		for _, id := range u.Queries {
			for _, fq := range cr.queries {
				if fq.query.ID != id {
					continue
				}
				if ls := j.queries[fq].lang; ls != nil {
					follow = append(follow, ls.followers...)
				}
				for _, in := range j.sr.inputs {
					if !in.Readable() || !in.Holds(fq.query.Channel) {
						continue
					}
					for _, l := range in.Lost {
						lost = append(lost, followerLost{in.Path, l})
					}
					// A cut that lost old records of a log that wrapped
					// (CutLoss) left its newest in the copy: no record
					// after the last-written one is lost (those it lost
					// are a run of in.Lost).
					if cutText([]*Input{in}) != "" && in.LastWritten != nil && !(in.cutLoss.Known && !in.cutLoss.Newest) {
						lost = append(lost, followerLost{in.Path, LostRecords{AfterID: in.LastWritten.RecordNumber, AfterEventID: in.LastWritten.EventRecordID, After: in.LastWritten.Time, Newest: true, cut: true}})
					}
					first, last := in.Stats.First, in.Stats.Last
					if in.FirstWritten != nil && in.LastWritten != nil {
						// TimeCreated of the first- and last-written records.
						first, last = in.FirstWritten.Time, in.LastWritten.Time
					}
					// A log that ends before the window is an old copy:
					// the newer events are not in it.
					if !first.IsZero() && !last.Before(windowStart(j.ref, cr.window)) {
						starts = append(starts, first)
					}
				}
			}
		}
		read := len(starts) > 0
		// covered: a follower log that starts before t would show a
		// follower after it.
		covered := func(t time.Time) bool {
			for _, s := range starts {
				if !s.After(t) {
					return true
				}
			}
			return false
		}
		var samples []sample
		if st.lang != nil {
			samples = st.lang.samples
		}
		keep := map[time.Time]bool{}
		unseen := map[time.Time]followerLost{} // kept, but a follower may be among lost records
		early, uncovered := 0, 0
		for _, s := range samples {
			switch {
			case !read:
			case s.t.Add(u.Within).After(j.ref):
				early++
			case j.followedWithin(follow, s, u.Within):
			case !covered(s.t):
				uncovered++
			default:
				keep[s.t] = true
				for _, l := range lost {
					if l.run.overlaps(s.t, s.t.Add(u.Within)) {
						unseen[s.t] = l
						break
					}
				}
			}
		}
		if len(unseen) > 0 {
			var l followerLost
			for _, v := range unseen {
				l = v
				break
			}
			caveats = append(caveats, fmt.Sprintf("%s: %s after which records of the %s log read are lost (%s): whether %s followed cannot be told, so %s possible only",
				cq.query.ID, plural.N(len(unseen), "match"), followChannels(cr, u), l, followDescribes(cr, u), plural.Word(len(unseen), "it is", "they are")))
		}
		if uncovered > 0 {
			caveats = append(caveats, fmt.Sprintf("%s: %s before the start of the %s log read: whether %s followed cannot be told",
				cq.query.ID, plural.N(uncovered, "match"), followChannels(cr, u), followDescribes(cr, u)))
		}
		if !read {
			caveats = append(caveats, fmt.Sprintf("%s: %s in the window, but no log of %s was read: whether %s followed cannot be told",
				cq.query.ID, plural.N(st.hit.Count, "match"), followChannels(cr, u), followDescribes(cr, u)))
		} else if early > 0 {
			caveats = append(caveats, fmt.Sprintf("%s: %s less than %s before the reference time: too early to tell whether %s followed",
				cq.query.ID, plural.N(early, "match"), FormatDuration(u.Within), followDescribes(cr, u)))
		}
		var kept []*EventRef
		for _, r := range st.evidence {
			if keep[r.Time] {
				if l, ok := unseen[r.Time]; ok {
					r.Possible = true
					r.Attribution = fmt.Sprintf("%s%s log after it are lost (%s), and %s may be among them", followerLostPrefix, followChannels(cr, u), l, followDescribes(cr, u))
				}
				kept = append(kept, r)
			}
		}
		st.evidence = kept
		st.hit.Possible += len(unseen)
		n := 0
		var first, last time.Time
		for t := range keep {
			n++
			if first.IsZero() || t.Before(first) {
				first = t
			}
			last = maxTime(last, t)
		}
		st.hit.Count, st.hit.First, st.hit.Last = n, first, last
	}
	return caveats
}

// followerLostPrefix starts the Attribution of a match of an
// UnlessFollowed query kept as possible evidence: records of the follower
// log after it are lost (applyFollowed), so it is weaker evidence, not
// another program's.
const followerLostPrefix = "records of the "

// followerLost is a run of records a follower log read lacks (its path
// and the run), or the records after the end of a log cut short.
type followerLost struct {
	path string
	run  LostRecords
}

func (l followerLost) String() string {
	if l.run.cut {
		if id := l.run.AfterEventID; id != 0 && id != l.run.AfterID {
			return fmt.Sprintf("%s is cut short after record %d (EventRecordID %d, %s): the records after it are lost", l.path, l.run.AfterID, id, evtx.FormatEventTime(l.run.After))
		}
		return fmt.Sprintf("%s is cut short after record %d (%s): the records after it are lost", l.path, l.run.AfterID, evtx.FormatEventTime(l.run.After))
	}
	return l.path + ": " + l.run.String()
}

// followedWithin reports whether a follower of fs lies in (s.t, s.t+d]
// on s's computer (j.sameHost): in forwarded events, VM-B's listener
// start does not follow VM-A's boot.
func (j *ruleJudge) followedWithin(fs []sample, s sample, d time.Duration) bool {
	for _, x := range fs {
		if x.t.After(s.t) && !x.t.After(s.t.Add(d)) && j.sameHost(x.c, s.c) {
			return true
		}
	}
	return false
}

func followChannels(cr *compiledRule, u *Followed) string {
	var chs []string
	for _, id := range u.Queries {
		if q := cr.rule.Query(id); q != nil && !containsFold(chs, q.Channel) {
			chs = append(chs, q.Channel)
		}
	}
	return strings.Join(chs, " or ")
}

func followDescribes(cr *compiledRule, u *Followed) string {
	var ds []string
	for _, id := range u.Queries {
		if q := cr.rule.Query(id); q != nil {
			d := q.Describes
			if d == "" {
				d = q.ID
			}
			ds = append(ds, d)
		}
	}
	return strings.Join(ds, " or ")
}

// thresholdBound decides, for a threshold query cq whose matches in the
// window (samples) do not reach its threshold, whether the records of the
// window decoded in part that it may match (scanResult.unreadable: their
// provider and event id are the query's, their event data unknown) could
// make them reach it. Each such record is counted as a match with a value
// of its own, the most it can add (one to a span's count, one distinct
// value), at its TimeCreated and computer: where even then no span of
// t.Within reaches t.Count (and t.DistinctCount), the query is not met
// whatever they hold, and "not detected" stays true; otherwise whether it
// is met cannot be told, and j.undecided keeps the records of the densest
// such span (unreadableEvidence makes the rule not checked). 29 failed
// sign-ins and one record decoded in part against a threshold of 30 are
// not "not detected" (TestThresholdPartialRecords).
func (j *ruleJudge) thresholdBound(cq *compiledQuery, samples []sample) {
	t := cq.query.Threshold
	var start time.Time
	if !j.ref.IsZero() {
		start = j.ref.Add(-j.cr.window)
	}
	all := append([]sample(nil), samples...)
	n := 0
	for _, e := range j.sr.unreadable[cq] {
		if j.ref.IsZero() || e.Time.Before(start) || e.Time.After(j.ref) {
			continue
		}
		n++
		// A value no match has: "\x00" begins no trimmed field text.
		all = append(all, sample{t: e.Time, v: fmt.Sprintf("\x00part %d", n), c: e.Computer, part: e})
	}
	if n == 0 {
		return
	}
	for _, g := range j.byComputer(all) {
		p, met, s := thresholdPeak(t, g)
		if !met {
			continue
		}
		var parts []*EventRef
		for _, x := range s[p.lo : p.hi+1] {
			if x.part != nil {
				parts = append(parts, x.part)
			}
		}
		if j.undecided == nil {
			j.undecided = map[*compiledQuery]undecidedPeak{}
		}
		if old, ok := j.undecided[cq]; !ok || p.count > old.count {
			j.undecided[cq] = undecidedPeak{count: p.count - len(parts), distinct: p.distinct, end: p.end, parts: parts}
		}
	}
}

// undecidedPeak is the densest span of a threshold query that reaches its
// threshold only with records decoded in part (parts) counted as matches:
// count matches read in full, distinct values with parts each adding one,
// up to end.
type undecidedPeak struct {
	count, distinct int
	end             time.Time
	parts           []*EventRef
}

// undecidedText says why the threshold of cq, a query in j.undecided, is
// neither met nor missed: which records decoded in part could make it.
func (j *ruleJudge) undecidedText(cq *compiledQuery) string {
	u := j.undecided[cq]
	t := cq.query.Threshold
	parts := append([]*EventRef(nil), u.parts...)
	sort.SliceStable(parts, func(a, b int) bool { return newer(parts[a], parts[b]) })
	const most = 5
	var names []string
	for i, e := range parts {
		if i == most {
			names = append(names, fmt.Sprintf("and %d more", len(parts)-most))
			break
		}
		rec := &RecordRef{EventRecordID: e.EventRecordID, RecordNumber: e.RecordID, File: e.File}
		names = append(names, fmt.Sprintf("%s %d at %s, %s", shortProvider(e.Provider), e.EventID, evtx.FormatEventTime(e.Time), rec))
	}
	want := fmt.Sprintf("%d", t.Count)
	if t.Distinct != nil {
		want += fmt.Sprintf(" from %d %s", t.DistinctCount, strings.TrimSpace(t.DistinctNames))
	}
	return fmt.Sprintf("%s: %s: %s read in full and %s decoded in part (%s) within %s up to %s, whose provider and event id are those of query %s but whose event data could not be read: "+
		"with %s, the rule's threshold (%s) would be reached, without %s not, so whether it is cannot be told; evtxrdp dump prints %s values",
		cq.query.Channel, cq.query.ID, plural.N(u.count, "match"), plural.N(len(parts), "record"), strings.Join(names, "; "),
		FormatDuration(t.Within), evtx.FormatEventTime(u.end), cq.query.ID,
		plural.Word(len(parts), "it", "them"), want, plural.Word(len(parts), "it", "them"), plural.Word(len(parts), "its", "their"))
}
