package xpath

import (
	"math"
	"strings"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// Match reports whether q selects ev. now is the reference time of timediff
// (what Windows takes from the system clock); Match never reads the clock.
// A query with timediff(@SystemTime) counts back from now, so give it the
// time the logs end at, or the time to judge at. evtxrdp query and analyze
// take the TimeCreated of the last record written that gives one
// (rules.TimedWrittenEnds' last), not always evtx.Reader.LastWritten's:
// the record with the highest number may have no usable TimeCreated (a
// filtered export's last record of FILETIME 0), and its time would place
// every event within "the last day" (TestReferenceTimeLastRecordUntimed). The zero time is not "no reference": it is FILETIME 0
// (1601-01-01), every event then lies after it and its timediff is
// negative, so timediff(@SystemTime) <= 86400000 ("the last day") selects
// every event that has a TimeCreated.
// Match evaluates on ev.Root; an event without Root (built by hand) is
// evaluated on a tree built from its System, EventData and UserData fields.
func (q *Query) Match(ev *evtx.Event, now time.Time) bool {
	if ev == nil {
		return false
	}
	root := ev.Tree() // Root, or the tree of a hand-built event's fields
	e := evaluator{now: filetime(now), xnum: q.xnum, strict: q.xnum != nil}
	if !q.event.matches(root.Name) {
		return false
	}
	for _, p := range q.event.preds {
		if !e.boolean(p, root, 1) {
			return false
		}
	}
	return true
}

// evaluator holds the per-call state of Match.
type evaluator struct {
	now    int64 // reference time as FILETIME
	strict bool  // compare text only (see Query.xnum)
	xnum   func(string) float64
}

// node is an element or attribute selected by a path. v is the typed value
// of an attribute or of an element without child elements; it is nil for an
// element with children, whose string value is its descendants' text.
type node struct {
	el *evtx.Element
	v  *evtx.Value
}

func anyNode(node) bool { return true }

// isXMLNS reports whether an attribute name is a namespace declaration,
// which XPath does not see as an attribute.
func isXMLNS(name string) bool {
	return name == "xmlns" || strings.HasPrefix(name, "xmlns:")
}

// matches reports whether an element or attribute name passes the name test.
// A prefixed name ("p:Name") passes a test for its local part: namespaces
// are not part of the subset.
func (s *step) matches(name string) bool {
	// evtx.NameIs: name is s.name or "prefix:" + s.name (a name test
	// holds no colon); the Summary pre-filter uses the same test.
	return s.name == "*" || evtx.NameIs(name, s.name)
}

// embedded returns the root of a BinXML fragment held as e's value, or nil.
func embedded(e *evtx.Element) *evtx.Element {
	if e.Value.Kind == evtx.KindBinXML {
		return e.Value.Elem
	}
	return nil
}

func isLeaf(e *evtx.Element) bool { return len(e.Children) == 0 && embedded(e) == nil }

func elementNode(e *evtx.Element) node {
	if isLeaf(e) {
		return node{el: e, v: &e.Value}
	}
	return node{el: e}
}

// walk calls fn for each node that the path steps select from ctx, in
// document order, until fn returns true; it reports whether one did.
func (e *evaluator) walk(ctx *evtx.Element, steps []step, fn func(node) bool) bool {
	if ctx == nil {
		return false
	}
	s := &steps[0]
	if s.attr {
		for i := range ctx.Attrs {
			name := ctx.Attrs[i].Name
			if s.matches(name) && !isXMLNS(name) && fn(node{v: &ctx.Attrs[i].Value}) {
				return true
			}
		}
		return false
	}
	var counts [maxPredicates]int // candidates that reached each predicate
	n := len(ctx.Children)
	extra := embedded(ctx)
	for i := 0; i <= n; i++ {
		var c *evtx.Element
		if i < n {
			c = ctx.Children[i]
		} else if extra != nil {
			c = extra
		}
		if c == nil || !s.matches(c.Name) {
			continue
		}
		ok := true
		for j, p := range s.preds {
			counts[j]++
			if !e.boolean(p, c, counts[j]) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if len(steps) == 1 {
			if fn(elementNode(c)) {
				return true
			}
		} else if e.walk(c, steps[1:], fn) {
			return true
		}
	}
	return false
}

// first returns the first node the path selects from ctx.
func (e *evaluator) first(ctx *evtx.Element, p *path) (node, bool) {
	var n node
	found := e.walk(ctx, p.steps, func(m node) bool { n = m; return true })
	return n, found
}

// boolean evaluates x as a boolean (XPath boolean()). pos is the context
// position.
func (e *evaluator) boolean(x *expr, ctx *evtx.Element, pos int) bool {
	switch x.op {
	case opOr:
		for _, a := range x.args {
			if e.boolean(a, ctx, pos) {
				return true
			}
		}
		return false
	case opAnd:
		for _, a := range x.args {
			if !e.boolean(a, ctx, pos) {
				return false
			}
		}
		return true
	case opCmp:
		return e.compare(x, ctx, pos)
	case opPath:
		return e.walk(ctx, x.path.steps, anyNode)
	case opString:
		return x.lit.s != ""
	case opBand:
		a, ok1 := e.uintArg(x.args[0], ctx)
		b, ok2 := e.uintArg(x.args[1], ctx)
		return ok1 && ok2 && a&b != 0
	}
	return e.number(x, ctx, pos).isTrue()
}

// number evaluates x as a number (XPath number()): exactly where its
// source is (see number), a double in strict mode.
func (e *evaluator) number(x *expr, ctx *evtx.Element, pos int) number {
	switch x.op {
	case opNumber:
		if e.strict {
			return floatNumber(x.num)
		}
		return x.n
	case opPosition:
		return intNumber(int64(pos))
	case opTimediff:
		return e.timediff(x, ctx)
	case opString:
		if e.strict {
			return floatNumber(e.xnum(x.lit.s))
		}
		return x.lit.tnum
	case opPath:
		n, ok := e.first(ctx, x.path)
		if !ok {
			return nanNumber
		}
		return e.nodeNumber(n)
	}
	return boolNumber(e.boolean(x, ctx, pos))
}

// compare evaluates a comparison with XPath 1.0 rules (§3.4): existential
// over node-sets, otherwise by boolean, number or string conversion.
func (e *evaluator) compare(x *expr, ctx *evtx.Element, pos int) bool {
	l, r, op := x.args[0], x.args[1], x.cmp
	lt, rt := l.typ(), r.typ()
	if lt != typeNodes && rt == typeNodes {
		l, r, lt, rt, op = r, l, rt, lt, op.flip()
	}
	if lt == typeNodes {
		switch rt {
		case typeNodes:
			rs := r.path.steps
			return e.walk(ctx, l.path.steps, func(a node) bool {
				return e.walk(ctx, rs, func(b node) bool { return e.compareNodes(a, b, op) })
			})
		case typeBool:
			return compareBools(e.walk(ctx, l.path.steps, anyNode), e.boolean(r, ctx, pos), op)
		case typeString:
			lit := r.lit
			return e.walk(ctx, l.path.steps, func(a node) bool { return e.compareNodeString(a, lit, op) })
		default:
			f := e.number(r, ctx, pos)
			return e.walk(ctx, l.path.steps, func(a node) bool { return compareNumbers(e.nodeNumber(a), f, op) })
		}
	}
	if op == cmpEq || op == cmpNe {
		switch {
		case lt == typeBool || rt == typeBool:
			return compareBools(e.boolean(l, ctx, pos), e.boolean(r, ctx, pos), op)
		case lt == typeNumber || rt == typeNumber:
			return compareNumbers(e.number(l, ctx, pos), e.number(r, ctx, pos), op)
		}
		return e.equalStrings(l.lit.s, r.lit.s) == (op == cmpEq)
	}
	return compareNumbers(e.number(l, ctx, pos), e.number(r, ctx, pos), op)
}

func compareBools(a, b bool, op cmpOp) bool {
	switch op {
	case cmpEq:
		return a == b
	case cmpNe:
		return a != b
	}
	return compareNumbers(boolNumber(a), boolNumber(b), op)
}

// nodeString returns the string value of a node: the canonical text of a
// typed value, or the concatenated text of an element's descendants.
func nodeString(n node) string {
	if n.v == nil {
		return n.el.Text()
	}
	if isStringKind(n.v.Kind) {
		return n.v.Str
	}
	return n.v.String()
}

func (e *evaluator) nodeNumber(n node) number {
	if e.strict {
		return floatNumber(e.xnum(nodeString(n)))
	}
	if n.v == nil {
		return typedNumber(n.el.Text())
	}
	return valueNumber(n.v)
}

// compareNodeString compares a node with a string literal.
func (e *evaluator) compareNodeString(n node, lit *literal, op cmpOp) bool {
	v := n.v
	if !e.strict && v != nil && isTimeKind(v.Kind) && lit.isTime {
		return compareTimes(v.Time, lit.t, op)
	}
	switch op {
	case cmpEq, cmpNe:
		var eq bool
		switch {
		case v != nil && isStringKind(v.Kind):
			eq = e.equalStrings(v.Str, lit.s)
		case v != nil && isUnsignedKind(v.Kind):
			eq = lit.isIntDec && lit.u == v.Uint
		default:
			eq = e.equalStrings(nodeString(n), lit.s)
		}
		return eq == (op == cmpEq)
	}
	f := lit.tnum
	if e.strict {
		f = floatNumber(e.xnum(lit.s))
	}
	return compareNumbers(e.nodeNumber(n), f, op)
}

func isUnsignedKind(k evtx.Kind) bool {
	switch k {
	case evtx.KindUint8, evtx.KindUint16, evtx.KindUint32, evtx.KindUint64:
		return true
	}
	return false
}

// compareNodes compares two nodes: = and != by string value, the others by
// number; two time values compare as times.
func (e *evaluator) compareNodes(a, b node, op cmpOp) bool {
	if !e.strict && a.v != nil && b.v != nil && isTimeKind(a.v.Kind) && isTimeKind(b.v.Kind) {
		return compareTimes(a.v.Time, b.v.Time, op)
	}
	if op == cmpEq || op == cmpNe {
		return e.equalStrings(nodeString(a), nodeString(b)) == (op == cmpEq)
	}
	return compareNumbers(e.nodeNumber(a), e.nodeNumber(b), op)
}

// equalStrings is string equality as Windows' event query evaluator has it:
// case-insensitive (see the package documentation for the sources), by
// Unicode simple case folding. Strict mode (plain XPath 1.0, for the
// comparison with lxml) compares code points exactly.
func (e *evaluator) equalStrings(a, b string) bool {
	if e.strict {
		return a == b
	}
	return strings.EqualFold(a, b)
}

// timediff evaluates timediff(t1[, t2]) = t2 − t1 in milliseconds; t2
// defaults to the reference time. The difference of two FILETIMEs is
// exact in 100 ns (msNumber); strict mode divides a double, as XPath
// 1.0 would.
func (e *evaluator) timediff(x *expr, ctx *evtx.Element) number {
	t1, ok := e.timeArg(x.args[0], ctx)
	if !ok {
		return nanNumber
	}
	t2 := e.now
	if len(x.args) == 2 {
		if t2, ok = e.timeArg(x.args[1], ctx); !ok {
			return nanNumber
		}
	}
	if e.strict {
		return floatNumber(float64(t2-t1) / 10000)
	}
	return msNumber(t2 - t1)
}

// TimediffStart returns the earliest time t at which timediff(t) <= ms
// holds with now as the reference time, as Match evaluates it (the
// condition TimeCreated[timediff(@SystemTime) <= ms]): the times from it
// on satisfy the condition, those before it do not. timediff(t) is
// now − t in milliseconds, exact in 100 ns, and a comparison holds when
// it holds for the exact value, or for the whole milliseconds on either
// side of it (doc.go, "timediff": what Windows does with the part of a
// millisecond is not documented), so the condition holds exactly when
// now − t is less than ms + 1 milliseconds: TimediffStart is now − (ms
// + 1) ms + 100 ns, with now cut to 100 ns as Match cuts it. A time t
// counts by its FILETIME (t cut to 100 ns), as TimeCreated does. When
// every time satisfies the condition (now less than ms + 1 ms after
// 1601), the result is the zero time. A negative ms, which no query can
// write (XPath number literals have no sign), is taken as 0.
func TimediffStart(now time.Time, ms int64) time.Time {
	ft := filetime(now)
	const perMs = 10000
	ms = max(ms, 0)
	if ms >= ft/perMs { // ft − (ms+1)·perMs + 1 ≤ 0
		return time.Time{}
	}
	return evtx.FiletimeToTime(uint64(ft - (ms+1)*perMs + 1))
}

// timeArg evaluates a timediff argument as a FILETIME number: a literal, or
// the first node of a path, read as a time value, an ISO 8601 text or an
// integer.
func (e *evaluator) timeArg(a *expr, ctx *evtx.Element) (int64, bool) {
	if a.op == opNumber {
		if a.uint {
			if a.u64 > math.MaxInt64 {
				return math.MaxInt64, true
			}
			return int64(a.u64), true
		}
		if !e.strict && a.n.exact { // a fraction: its integer part
			if a.n.mag > math.MaxInt64 {
				return math.MaxInt64, true
			}
			return int64(a.n.mag), true
		}
		if math.IsNaN(a.num) || a.num < 0 {
			return 0, false
		}
		if a.num >= math.MaxInt64 {
			return math.MaxInt64, true
		}
		return int64(a.num), true
	}
	n, ok := e.first(ctx, a.path)
	if !ok {
		return 0, false
	}
	if n.v != nil && isTimeKind(n.v.Kind) {
		return filetime(n.v.Time), true
	}
	s := nodeString(n)
	if t, ok := parseTime(s); ok {
		return filetime(t), true
	}
	if n.v != nil && !isStringKind(n.v.Kind) {
		if u, ok := valueUint(n.v); ok && u <= math.MaxInt64 {
			return int64(u), true
		}
		return 0, false
	}
	if u, ok := textUint(s); ok && u <= math.MaxInt64 {
		return int64(u), true
	}
	return 0, false
}

// uintArg evaluates a band() argument as a 64-bit unsigned integer (a
// bitfield, MS-EVEN6 2.2.15.2). A number literal is one when it is an
// integer of 0 to 2^64−1 (read exactly: 9223372036854775809.0 is
// 0x8000000000000001); 1.5 is none, as the text "1.5" of a node is none.
func (e *evaluator) uintArg(a *expr, ctx *evtx.Element) (uint64, bool) {
	if a.op == opNumber {
		return a.u64, a.uint
	}
	n, ok := e.first(ctx, a.path)
	if !ok {
		return 0, false
	}
	if n.v == nil {
		return textUint(n.el.Text())
	}
	return valueUint(n.v)
}
