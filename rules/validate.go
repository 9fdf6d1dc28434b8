package rules

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

// RuleError is a problem with one rule found by Validate.
type RuleError struct {
	File  string // the rule's file
	Rule  string // the rule id ("" when the id itself is the problem)
	Field string // where in the rule, e.g. "queries[rcm-1058].xpath"
	// Line is the 1-based line of the rule's file where Field (or the
	// nearest key or list entry around it) begins; 0 when unknown (a
	// rule not read from a file).
	Line int
	Err  error
}

func (e *RuleError) Error() string {
	s := "rules: "
	if e.File != "" && e.Line > 0 {
		s += e.File + ":" + strconv.Itoa(e.Line) + ": "
	} else if e.File != "" {
		s += e.File + ": "
	}
	if e.Rule != "" {
		s += e.Rule + ": "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	if e.Err == nil {
		return strings.TrimSuffix(s, ": ")
	}
	return s + e.Err.Error()
}

func (e *RuleError) Unwrap() error { return e.Err }

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// compileXPath is xpath.Compile, remembered per source text: Validate
// compiles each query twice (as written and with the window added),
// NewEngine validates and compiles once more, and analyze validates the
// rules it loads before (five compilations of each query's text). A
// compiled query is never changed after Compile (xpath.Query is safe for
// concurrent use), so one serves every caller. At most maxCompiled texts
// are remembered (rules files are few; a program building engines from
// ever new texts compiles them anew).
func compileXPath(src string) (*xpath.Query, error) {
	compiled.Lock()
	defer compiled.Unlock()
	if c, ok := compiled.m[src]; ok {
		return c.q, c.err
	}
	q, err := xpath.Compile(src)
	if len(compiled.m) < maxCompiled {
		if compiled.m == nil {
			compiled.m = map[string]compiledXPath{}
		}
		compiled.m[src] = compiledXPath{q, err}
	}
	return q, err
}

type compiledXPath struct {
	q   *xpath.Query
	err error
}

var compiled struct {
	sync.Mutex
	m map[string]compiledXPath
}

const maxCompiled = 4096

// Validate checks rules like code: unique well-formed ids, non-empty
// titles, causes, queries and resolutions, every query compiles, every
// refinement names existing queries and steps and has well-formed
// conditions, and every resolution step passes the fix-step checks
// (checkSteps: a source, /f on reg add and delete, a read or backup
// before a write, ...), built-in and loaded rules alike. It returns all
// problems joined (each a *RuleError), or nil.
//
// A rule equal, field for field, to the built-in rule of its id as
// Builtin returns it is not checked again: a test asserts that every
// built-in passes, and the checks depend on nothing but the rule. The
// checks across rules (unique ids) run for every rule given.
func Validate(rs []*Rule) error {
	var errs []error
	ids := map[string]string{}
	for _, r := range rs {
		if r == nil {
			errs = append(errs, &RuleError{Err: errors.New("nil rule")})
			continue
		}
		if prev, ok := ids[r.ID]; ok && r.ID != "" {
			errs = append(errs, &RuleError{File: r.File, Rule: r.ID, Field: "id", Err: fmt.Errorf("duplicate id (also in %s)", prev)})
		}
		ids[r.ID] = r.File
		if !checkedBuiltin(r) { // builtin.go: a built-in as shipped passes validateRule
			errs = append(errs, withLines(r, validateRule(r))...)
		}
	}
	return errors.Join(errs...)
}

func validateRule(r *Rule) []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &RuleError{File: r.File, Rule: r.ID, Field: field, Err: fmt.Errorf(format, args...)})
	}
	// checkID checks the id of item i of a list (field "queries" ...) for
	// form and uniqueness within the list.
	checkID := func(list string, i int, id, what string, seen map[string]bool) {
		if !idPattern.MatchString(id) {
			bad(fmt.Sprintf("%s[%d].id", list, i), "%q is not lower-case words joined by '-'", id)
		} else if seen[id] {
			// Named by its index: the field of the id names the first.
			bad(fmt.Sprintf("%s[%d]", list, i), "duplicate %s id %q", what, id)
		}
		seen[id] = true
	}
	if !idPattern.MatchString(r.ID) {
		bad("id", "%q is not lower-case words joined by '-'", r.ID)
	}
	if strings.TrimSpace(r.Title) == "" {
		bad("title", "empty")
	} else if strings.HasSuffix(r.Title, ".") {
		bad("title", "ends with a period")
	}
	switch r.Severity {
	case SeverityError, SeverityWarning, SeverityInfo:
	default:
		bad("severity", "%q (want error, warning or info)", r.Severity)
	}
	windowOK := false
	switch {
	case r.Window <= 0:
		bad("window", "%v is not positive", r.Window)
	case r.Window%time.Second != 0:
		// Reports give windows in whole seconds (window_seconds).
		bad("window", "%v is not a whole number of seconds", r.Window)
	case r.Window > MaxSpan:
		bad("window", "%v is longer than 36500 days", r.Window)
	default:
		windowOK = true
	}
	if r.CorroborationLookBack < 0 {
		bad("corroboration_look_back", "%v is negative", r.CorroborationLookBack)
	} else if r.CorroborationLookBack > MaxSpan {
		bad("corroboration_look_back", "%v is longer than 36500 days", r.CorroborationLookBack)
	}
	if r.Needs != "all" && r.Needs != "any" {
		bad("needs", "%q (want all or any)", r.Needs)
	}
	if strings.TrimSpace(r.Cause) == "" {
		bad("cause", "empty")
	}
	if len(r.EvidenceQueries()) == 0 {
		bad("queries", "no evidence query")
	}
	qids := map[string]bool{}
	for i, q := range r.Queries {
		if q == nil {
			bad(fmt.Sprintf("queries[%d]", i), "empty")
			continue
		}
		f := fmt.Sprintf("queries[%s]", q.ID)
		checkID("queries", i, q.ID, "query", qids)
		if strings.TrimSpace(q.Channel) == "" {
			bad(f+".channel", "empty")
		} else if strings.TrimSpace(q.Channel) != q.Channel {
			// No channel's name begins or ends with a space: the
			// query would read no log, and the rule be not checked.
			bad(f+".channel", "%q has a space before or after the name, which no channel's has", q.Channel)
		} else if !cmdQuotable(q.Channel) {
			msg := fmt.Sprintf("%q has a '\"', '%%', '$', '`', a typographic double quote or a control character, which the live-VM command cannot carry in cmd's or PowerShell's double quotes", q.Channel)
			// A channel's log file in winevt\Logs writes the / of its
			// name as %4 (filename.go): a name copied from a file name
			// is the channel with / for each %4.
			if slash := strings.ReplaceAll(q.Channel, "%4", "/"); slash != q.Channel && cmdQuotable(slash) {
				msg += fmt.Sprintf("; a log's file name writes a channel's / as %%4: the channel is %q", slash)
			}
			bad(f+".channel", "%s", msg)
		}
		switch q.Role {
		case RoleEvidence, RoleCorroboration, RoleRecovery, RoleContext, RoleCoverage:
		default:
			bad(f+".role", "%q (want evidence, corroboration, recovery, context or coverage)", q.Role)
		}
		if q.PerLog && q.Role != RoleCoverage {
			bad(f+".per_log", "only a coverage query speaks for its log")
		} else if q.PerLog && channelRole(r, q.Channel) != RoleEvidence {
			bad(f+".per_log", "channel %q holds no evidence query of the rule", q.Channel)
		}
		if cq, err := compileXPath(q.XPath); err != nil {
			bad(f+".xpath", "%w", err)
		} else if cq.HasTimediff() { // read from the parsed query: a literal 'timediff' is no time condition
			bad(f+".xpath", "has a time condition; the rule's window applies it")
		} else if !cmdQuotable(oneLine(q.XPath)) {
			bad(f+".xpath", "has a '\"', '%%', '$', '`', a typographic double quote or a line break inside a literal, which the live-VM command cannot carry in cmd's or PowerShell's double quotes (write literals in single quotes)")
		} else if _, err := compileXPath(r.LiveXPath(q)); err != nil && windowOK {
			bad(f+".xpath", "with the window added: %w", err)
		}
		if cq, err := compileXPath(q.XPath); err == nil {
			// A query no event Windows writes can match is a mistake
			// (EventID=70000, a typo'd EventID=1036 and EventID=1037),
			// refused as an empty time window is (validateTimeLiterals).
			if off, none := cq.NoEventID(); none {
				bad(f+".xpath", "%w", &xpath.SyntaxError{Expr: q.XPath, Offset: off,
					Msg: "no event id satisfies the query's EventID conditions (Windows writes an EventID once, a number from 0 to 65535): the query can never match"})
			}
		}
	}
	for _, q := range r.Queries {
		if q == nil {
			continue
		}
		if cq, err := compileXPath(q.XPath); err == nil {
			errs = append(errs, validateTimeLiterals(r, fmt.Sprintf("queries[%s].xpath", q.ID), q.XPath, cq)...)
		}
	}
	for _, q := range r.Queries {
		if q != nil {
			errs = append(errs, validateQueryLinks(r, q)...)
			errs = append(errs, validateLanguage(r, q)...)
		}
	}
	if hasRole(r, RoleCoverage) && strings.TrimSpace(r.CoverageMissing) == "" {
		bad("coverage_missing", "empty (say what the absence of the coverage queries' events means)")
	} else if !hasRole(r, RoleCoverage) && strings.TrimSpace(r.CoverageMissing) != "" {
		bad("coverage_missing", "the rule has no coverage query")
	}
	if r.NeedsCorroboration && !r.ComputerChange && !hasRole(r, RoleCorroboration) {
		bad("needs_corroboration", "the rule has no corroboration query and no computer_change")
	}
	sids := map[string]bool{}
	for i, s := range r.Resolution {
		if s == nil {
			bad(fmt.Sprintf("resolution[%d]", i), "empty")
			continue
		}
		f := fmt.Sprintf("resolution[%s]", s.ID)
		checkID("resolution", i, s.ID, "step", sids)
		if strings.TrimSpace(s.Title) == "" {
			bad(f+".title", "empty")
		}
		if strings.TrimSpace(s.Text) == "" && strings.TrimSpace(s.Commands) == "" {
			bad(f, "neither text nor commands")
		}
		if s.Commands != "" && s.Shell != "cmd" && s.Shell != "powershell" {
			bad(f+".shell", "%q (want cmd or powershell)", s.Shell)
		}
	}
	if len(r.Resolution) == 0 {
		bad("resolution", "no steps")
	}
	errs = append(errs, checkSteps(r)...)
	fids := map[string]bool{}
	for i, ref := range r.Refinements {
		if ref == nil {
			bad(fmt.Sprintf("refinements[%d]", i), "empty")
			continue
		}
		f := fmt.Sprintf("refinements[%s]", ref.ID)
		checkID("refinements", i, ref.ID, "refinement", fids)
		if len(ref.Queries) == 0 {
			bad(f+".queries", "empty")
		}
		for _, id := range ref.Queries {
			if !qids[id] {
				bad(f+".queries", "no query %q", id)
			}
		}
		if strings.TrimSpace(ref.Cause) == "" {
			bad(f+".cause", "empty")
		}
		for _, id := range ref.First {
			if !sids[id] {
				bad(f+".first", "no resolution step %q", id)
			}
		}
		for j, c := range ref.When {
			errs = append(errs, validateCondition(r, fmt.Sprintf("%s.when[%d]", f, j), c)...)
		}
	}
	for i, ref := range r.References {
		if strings.TrimSpace(ref.Title) == "" || strings.TrimSpace(ref.URL) == "" {
			bad(fmt.Sprintf("references[%d]", i), "needs a title and a url")
		}
	}
	return errs
}

// validateCondition checks that c selects exactly one field and has values
// to compare.
func validateCondition(r *Rule, field string, c *Condition) []error {
	var errs []error
	bad := func(f, format string, args ...any) {
		errs = append(errs, &RuleError{File: r.File, Rule: r.ID, Field: f, Err: fmt.Errorf(format, args...)})
	}
	if c == nil {
		bad(field, "empty")
		return errs
	}
	n := 0
	if c.Data != "" {
		n++
	}
	if c.Index != 0 {
		n++
		if c.Index < 0 {
			bad(field+".index", "%d is not positive", c.Index)
		}
	}
	if c.UserData != "" {
		n++
	}
	if c.AnyField {
		n++
	}
	if c.BinaryText {
		n++
	}
	if c.System != "" {
		n++
		if !contains(SystemFields, c.System) {
			bad(field+".system", "%q (want one of %s)", c.System, strings.Join(SystemFields, ", "))
		}
	}
	if n != 1 {
		bad(field, "must select one field (data, index, user_data, any_field, binary_text or system), has %d", n)
	}
	switch {
	case c.Present && (len(c.Text) > 0 || len(c.Codes) > 0 || c.Address || len(c.Ports) > 0):
		bad(field, "present takes no text, codes or address (nor ports: it holds for any value)")
	case !c.Present && len(c.Text) == 0 && len(c.Codes) == 0 && !c.Address && len(c.Ports) == 0:
		bad(field, "no text, codes or address to compare (nor ports)")
	}
	for _, p := range c.Ports {
		if p < 1 || p > 65535 {
			bad(field+".ports", "%d is no port (1 to 65535)", p)
		}
	}
	if len(c.Ports) > 0 && c.Split != "" {
		bad(field+".ports", "ports reads the list itself: no split")
	}
	if c.Verbatim {
		if why := c.liveReason(); why != "" {
			bad(field+".verbatim", "the live command cannot compare it: %s", why)
		}
	}
	return errs
}

// maxCoincidence bounds Attribution.Coincides.Within: "at the same moment"
// is seconds, not hours.
const maxCoincidence = 10 * time.Minute

// validateQueryLinks checks a query's role-specific keys: resolves names
// evidence queries, attribution sits on an evidence query and names
// context queries.
func validateQueryLinks(r *Rule, q *Query) []error {
	var errs []error
	f := fmt.Sprintf("queries[%s]", q.ID)
	bad := func(field, format string, args ...any) {
		errs = append(errs, &RuleError{File: r.File, Rule: r.ID, Field: field, Err: fmt.Errorf(format, args...)})
	}
	if q.Role == RoleRecovery {
		if len(q.Resolves) == 0 {
			bad(f+".resolves", "a recovery query must name the evidence queries it resolves")
		}
		for _, id := range q.Resolves {
			if o := r.Query(id); o == nil || o.Role != RoleEvidence {
				bad(f+".resolves", "no evidence query %q", id)
			}
		}
	} else if len(q.Resolves) > 0 {
		bad(f+".resolves", "only a recovery query resolves others (role is %q)", q.Role)
	}
	at := q.Attribution
	if at == nil {
		return errs
	}
	if q.Role != RoleEvidence {
		bad(f+".attribution", "only an evidence query has an attribution (role is %q)", q.Role)
	}
	for j, c := range at.Require {
		errs = append(errs, validateCondition(r, fmt.Sprintf("%s.attribution.require[%d]", f, j), c)...)
	}
	for j, c := range at.MachineWide {
		errs = append(errs, validateCondition(r, fmt.Sprintf("%s.attribution.machine_wide[%d]", f, j), c)...)
	}
	if p := at.Process; p != nil {
		if strings.TrimSpace(p.Image) == "" {
			bad(f+".attribution.process.image", "empty (the field naming the calling process's image)")
		}
		if len(p.Allow) == 0 {
			bad(f+".attribution.process.allow", "empty (the image file names of RDP's process)")
		}
		for _, a := range p.Allow {
			if a == "" || strings.ContainsAny(a, `\/`) {
				bad(f+".attribution.process.allow", "%q is not a file name", a)
			}
		}
	}
	if c := at.Coincides; c != nil {
		if c.Within <= 0 || c.Within > maxCoincidence {
			bad(f+".attribution.coincides.within", "%v (want more than 0 and at most %v)", c.Within, maxCoincidence)
		}
		if len(c.Queries) == 0 {
			bad(f+".attribution.coincides.queries", "empty")
		}
		for _, id := range c.Queries {
			if o := r.Query(id); o == nil || o.Role != RoleContext {
				bad(f+".attribution.coincides.queries", "no context query %q", id)
			}
		}
		if c.Same != "" {
			if strings.TrimSpace(c.Same) != c.Same {
				bad(f+".attribution.coincides.same", "%q is not a field name", c.Same)
			}
			for _, o := range r.Queries {
				if o != nil && o.Attribution != nil && o.Attribution.Coincides != nil && o.Attribution.Coincides.Same != "" && o.Attribution.Coincides.Same != c.Same {
					bad(f+".attribution.coincides.same", "%q, but query %s compares %q (one field per rule)", c.Same, o.ID, o.Attribution.Coincides.Same)
				}
			}
		}
	}
	if c := at.Coincides; c != nil && c.Address != nil {
		a := c.Address
		if a.Data == "" || strings.TrimSpace(a.Data) != a.Data {
			bad(f+".attribution.coincides.address.data", "%q is not a field name", a.Data)
		}
		if len(a.Attempts) == 0 {
			bad(f+".attribution.coincides.address.attempts", "empty")
		}
		ids := make([]string, 0, len(a.Attempts))
		for id := range a.Attempts {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			field := a.Attempts[id]
			if !contains(c.Queries, id) {
				bad(f+".attribution.coincides.address.attempts", "%q is not one of coincides.queries", id)
			}
			if field == "" || strings.TrimSpace(field) != field {
				bad(f+".attribution.coincides.address.attempts."+id, "%q is not a field name", field)
			}
			for _, o := range r.Queries {
				if o == nil || o.Attribution == nil || o.Attribution.Coincides == nil || o.Attribution.Coincides.Address == nil {
					continue
				}
				if g := o.Attribution.Coincides.Address.Attempts[id]; g != "" && g != field {
					bad(f+".attribution.coincides.address.attempts."+id, "%q, but query %s reads %q (one field per context query)", field, o.ID, g)
				}
			}
		}
	}
	if at.Require == nil && at.MachineWide == nil && at.Process == nil && at.Coincides == nil {
		bad(f+".attribution", "empty (give require, machine_wide, process or coincides)")
	}
	return errs
}

func hasRole(r *Rule, role string) bool {
	for _, q := range r.Queries {
		if q != nil && q.Role == role {
			return true
		}
	}
	return false
}

// fileTimeEpoch is where FILETIME, and so every TimeCreated, begins.
var fileTimeEpoch = time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)

// validateTimeLiterals checks the literals a query compares
// TimeCreated/@SystemTime with, so that a rule's bound means the same to
// the evaluator, to the reader's window (xpath.Query.TimeBounds) and to
// the live command's wevtutil: each is a date-time the evaluator reads
// as one (text that is not compares as XPath 1.0 text and selects
// nothing; xpath.Compile already refuses text that begins as a date),
// names its zone (Z: TimeCreated is UTC; the evaluator reads a time
// without one as UTC, what Windows makes of it is not documented), has
// at most 7 digits of a second (TimeCreated's 100 ns), lies after
// 1601-01-01 (FILETIME's start: no TimeCreated is earlier), and the
// bounds every match must satisfy leave some time between them. Each
// error is an *xpath.SyntaxError at the literal's offset.
func validateTimeLiterals(r *Rule, field, src string, q *xpath.Query) []error {
	var errs []error
	bad := func(off int, format string, args ...any) {
		errs = append(errs, &RuleError{File: r.File, Rule: r.ID, Field: field,
			Err: &xpath.SyntaxError{Expr: src, Offset: off, Msg: fmt.Sprintf(format, args...)}})
	}
	for _, l := range q.TimeLiterals() {
		switch {
		case !l.IsTime:
			bad(l.Offset, "@SystemTime is compared with %q, which is not a date-time: the condition selects no event (write YYYY-MM-DDThh:mm:ssZ, e.g. '2024-05-01T00:00:00Z')", l.Text)
		case !l.Zone:
			bad(l.Offset, "%q names no zone: write Z (TimeCreated is UTC; a time without a zone is read as UTC here, and what Windows makes of one is not documented)", l.Text)
		case l.Digits > 7:
			bad(l.Offset, "%q has %d digits of a second: TimeCreated counts 100 ns (7 digits); write at most 7", l.Text, l.Digits)
		case l.Time.Before(fileTimeEpoch):
			bad(l.Offset, "%q is before 1601-01-01T00:00:00Z, where FILETIME begins: no TimeCreated is earlier", l.Text)
		}
	}
	if lo, hi, empty := q.EmptyTimeWindow(); empty {
		bad(lo.Offset, "@SystemTime bounds leave no time: from %q (offset %d) to %q (offset %d); the query can match no event", lo.Text, lo.Offset, hi.Text, hi.Offset)
	}
	return errs
}
