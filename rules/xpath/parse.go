package xpath

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Limits of Compile. Queries beyond them are rejected with a *SyntaxError.
const (
	// MaxClauses is the most operands one chain of 'or' (or of 'and') may
	// join. Microsoft KB 970453 and the field reports collected in
	// elastic/beats#1491 and #35048: Windows accepts 22 EventID clauses OR-ed
	// in one XPath and rejects 23 or more with "The specified query is
	// invalid."; the fix is to split the query into several Select elements
	// of a QueryList. Windows' real limit depends on the shape of the query
	// (with EventID ranges and a time clause it is 21, elastic/beats#35048);
	// this package applies 22 operands per chain.
	MaxClauses = 22
	// MaxExpressions is the most conditions (comparisons, band() calls and
	// bare path tests, predicates of paths included) one query may hold:
	// the Query Schema says of a Select or Suppress "The XPath is limited to
	// 32 expressions" (learn.microsoft.com/windows/win32/wes/
	// queryschema-querytype-complextype). It also explains the field report
	// that, with EventID ranges and a time clause, Windows rejects 22 OR-ed
	// clauses (elastic/beats#35048): 22 clauses, some of them ranges of two
	// comparisons, and a time comparison exceed 32.
	MaxExpressions = 32
	// MaxDepth bounds the nesting of predicates, parentheses and function
	// calls (far above anything Windows accepts).
	MaxDepth = 32
	// MaxLength bounds the length of a query in bytes.
	MaxLength = 64 << 10
	// maxPredicates bounds the predicates of one step.
	maxPredicates = 16
)

// SyntaxError reports a query that is not in the Windows event XPath subset.
// Offset is the byte offset in Expr where the problem was found.
type SyntaxError struct {
	Expr   string
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("xpath: offset %d: %s", e.Offset, e.Msg)
}

// exprOp is the operation of an expression node.
type exprOp uint8

const (
	opOr       exprOp = iota // args: operands
	opAnd                    // args: operands
	opCmp                    // args: left, right; cmp
	opPath                   // path
	opString                 // lit
	opNumber                 // num (and u64/isUint)
	opBand                   // args: 2
	opTimediff               // args: 1 or 2
	opPosition               // position()
)

// cmpOp is a comparison operator.
type cmpOp uint8

const (
	cmpEq cmpOp = iota
	cmpNe
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// holds reports whether a three-way comparison c of two operands (< 0,
// 0, > 0: the first is less, equal, greater) satisfies the operator.
func (op cmpOp) holds(c int) bool {
	switch op {
	case cmpEq:
		return c == 0
	case cmpNe:
		return c != 0
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	case cmpGe:
		return c >= 0
	}
	return false
}

// flip returns the operator with its operands swapped (a < b == b > a).
func (c cmpOp) flip() cmpOp {
	switch c {
	case cmpLt:
		return cmpGt
	case cmpLe:
		return cmpGe
	case cmpGt:
		return cmpLt
	case cmpGe:
		return cmpLe
	}
	return c
}

// valueType is the static XPath type of an expression's result.
type valueType uint8

const (
	typeBool valueType = iota
	typeNodes
	typeString
	typeNumber
)

// expr is a node of a compiled expression.
type expr struct {
	op   exprOp
	cmp  cmpOp
	args []*expr
	path *path
	lit  *literal // opString
	num  float64  // opNumber: the literal as XPath 1.0 reads it (a double)
	n    number   // opNumber: the literal's exact value
	u64  uint64   // opNumber: n when uint
	uint bool     // opNumber: the literal is an integer that fits uint64
	off  int      // offset in the source, for messages
}

func (e *expr) typ() valueType {
	switch e.op {
	case opPath:
		return typeNodes
	case opString:
		return typeString
	case opNumber, opTimediff, opPosition:
		return typeNumber
	}
	return typeBool
}

// countExpressions counts the conditions of x for MaxExpressions: each
// comparison and band() call, and each path test in boolean position that
// has no condition of its own in its predicates; the conditions inside
// the predicates of paths count too.
func countExpressions(x *expr) int {
	switch x.op {
	case opOr, opAnd:
		n := 0
		for _, a := range x.args {
			n += countExpressions(a)
		}
		return n
	case opCmp:
		return 1 + countExpressions(x.args[0]) - boolPath(x.args[0]) + countExpressions(x.args[1]) - boolPath(x.args[1])
	case opPath:
		n := 0
		for _, s := range x.path.steps {
			for _, p := range s.preds {
				n += countExpressions(p)
			}
		}
		return max(n, 1)
	case opBand:
		return 1
	}
	return 0
}

// boolPath is the 1 that countExpressions gives a path without conditions
// in its predicates, which an operand of a comparison does not count.
func boolPath(x *expr) int {
	if x.op != opPath {
		return 0
	}
	for _, s := range x.path.steps {
		for _, p := range s.preds {
			if countExpressions(p) > 0 {
				return 0
			}
		}
	}
	return 1
}

// literal is a string literal with its precomputed conversions.
type literal struct {
	s        string
	tnum     number    // number for typed comparison: XPath number or 0x hex, exactly
	t        time.Time // s as an ISO 8601 date-time
	isTime   bool
	isIntDec bool   // s is the canonical decimal text of an unsigned integer,
	u        uint64 // its value
}

// step is one location step.
type step struct {
	attr  bool   // attribute axis
	name  string // name test; "*" for any
	preds []*expr
	pos   int // offset of the first position() use in preds, or -1
}

// path is a relative location path.
type path struct {
	steps []step
}

// Query is a compiled event query. It is safe for concurrent use.
type Query struct {
	src   string
	event step // the event step: name "*" or "Event"
	// xnum, when set, makes values compare as their rendered text only, as
	// a plain XPath 1.0 engine over the event XML does (no typed numbers, no
	// time comparison of strings), with xnum as the string-to-number
	// conversion. Tests use it to compare with lxml.
	xnum func(string) float64
	// byKeys: the query has no condition beyond its keys (onlyKeys), which
	// are keys; then MatchKeys decides a match from EventKeys.
	byKeys bool
	keys   Keys
}

// String returns the query's source text.
func (q *Query) String() string { return q.src }

// Compile parses an event query. Queries outside the Windows subset return a
// *SyntaxError.
func Compile(expr string) (*Query, error) {
	if len(expr) > MaxLength {
		return nil, &SyntaxError{Expr: expr, Offset: MaxLength, Msg: fmt.Sprintf("query longer than %d bytes", MaxLength)}
	}
	p := &parser{src: expr}
	p.next()
	q, err := p.parseQuery()
	if err != nil {
		return nil, err
	}
	q.keys, q.byKeys = onlyKeys(q)
	return q, nil
}

// MustCompile is like Compile but panics if the query does not compile. It
// is for queries that are constants of a program.
func MustCompile(expr string) *Query {
	q, err := Compile(expr)
	if err != nil {
		panic(err)
	}
	return q
}

type parser struct {
	src     string
	tok     token
	depth   int
	steps   []*step // steps whose predicates are being parsed, innermost last
	anyStar bool    // a top-level selector is "*" (not "Event")
}

func (p *parser) next() { p.tok = scan(p.src, p.tok.end) }

// peekByte returns the first non-space byte after the current token, or 0.
func (p *parser) peekByte() byte {
	i := p.tok.end
	for i < len(p.src) && isSpace(p.src[i]) {
		i++
	}
	if i < len(p.src) {
		return p.src[i]
	}
	return 0
}

// peek2 reports whether the two bytes after the current token (after
// spaces) are a and b.
func (p *parser) peek2(a, b byte) bool {
	i := p.tok.end
	for i < len(p.src) && isSpace(p.src[i]) {
		i++
	}
	return i+1 < len(p.src) && p.src[i] == a && p.src[i+1] == b
}

func (p *parser) errAt(off int, format string, args ...any) error {
	return &SyntaxError{Expr: p.src, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// errTok reports the current token, preferring a specific message for
// constructs Windows does not support over a generic "expected".
func (p *parser) errTok(expected string) error {
	if msg := unsupported(p.tok); msg != "" {
		return p.errAt(p.tok.off, "%s", msg)
	}
	if p.tok.kind == tIllegal && (p.tok.text == "unterminated string literal" || p.tok.text == "invalid UTF-8") {
		return p.errAt(p.tok.off, "%s", p.tok.text)
	}
	return p.errAt(p.tok.off, "expected %s, found %s", expected, p.tok.describe())
}

// unsupported returns the message for a token that starts a construct
// outside the subset, or "".
func unsupported(t token) string {
	switch t.kind {
	case tSlash2:
		return "'//' (the descendant axis) is not supported: only child and attribute steps"
	case tDot2:
		return "'..' (the parent axis) is not supported: only child and attribute steps"
	case tDot:
		return "'.' (the self axis) is not supported: only child and attribute steps"
	case tDollar:
		return "variables are not supported"
	case tPipe:
		return "'|' (node-set union) is not supported"
	case tPlus, tMinus:
		return "arithmetic is not supported"
	case tColon:
		return "namespace prefixes are not supported"
	case tHexNumber:
		msg := "hexadecimal number literal " + t.text + " is not supported (whether Windows accepts one is not documented): write its decimal value"
		if n, err := strconv.ParseUint(t.text[2:], 16, 64); err == nil {
			msg += " " + strconv.FormatUint(n, 10)
		}
		return msg + ", or compare a field of hexadecimal type with its text ('" + t.text + "')"
	}
	return ""
}

func (p *parser) enter(off int) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errAt(off, "query nested deeper than %d levels", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func isKeyword(t token, word string) bool {
	return t.kind == tName && strings.EqualFold(t.text, word)
}

// parseQuery parses the whole query: an event selector ("*" or "Event"
// with its predicates), or selectors joined by and/or, with parentheses,
// as scripts write them for Get-WinEvent and in QueryLists
// ("*[System[EventID=4624]] and *[EventData[...]]"). A combination is
// compiled as the one selector whose predicate joins the selectors'
// predicates the same way: every event is an Event element, so "*[A] and
// *[B]" holds for an event exactly when "*[(A) and (B)]" does.
func (p *parser) parseQuery() (*Query, error) {
	q := &Query{src: p.src}
	n, err := p.parseTopOr(true)
	if err != nil {
		return nil, err
	}
	if n.sel != nil {
		q.event = *n.sel
	} else {
		q.event = step{name: "Event", preds: []*expr{n.x}, pos: -1}
		if p.anyStar {
			q.event.name = "*"
		}
	}
	cnt := 0
	for _, x := range q.event.preds {
		cnt += countExpressions(x)
	}
	if cnt > MaxExpressions {
		return nil, p.errAt(0, "%d conditions, more than the %d expressions Windows accepts in one XPath: split the query into several Select elements of a QueryList", cnt, MaxExpressions)
	}
	switch p.tok.kind {
	case tEOF:
		return q, nil
	case tSlash:
		return nil, p.errAt(p.tok.off, "a query must select events: steps below the event are not supported (use a predicate)")
	}
	if n.sel != nil && p.tok.kind != tRParen {
		return nil, p.errTok("'[' or end of query")
	}
	return nil, p.errTok("'and', 'or' or end of query")
}

// topNode is a parsed part of a query's top level: one event selector
// (sel), or a combination of selectors (x, their predicates joined).
type topNode struct {
	sel *step
	x   *expr
	off int
}

// cond is n as a condition on the event: a selector's predicates joined
// by and.
func (p *parser) cond(n topNode) (*expr, error) {
	if n.sel == nil {
		return n.x, nil
	}
	switch len(n.sel.preds) {
	case 0:
		return nil, p.errAt(n.off, "an event selector joined by and/or needs a predicate ('%s' alone selects every event)", n.sel.name)
	case 1:
		return n.sel.preds[0], nil
	}
	return &expr{op: opAnd, args: n.sel.preds, off: n.off}, nil
}

// parseTopOr parses selectors joined by 'or' (first: at the query's start).
func (p *parser) parseTopOr(first bool) (topNode, error) {
	return p.parseTopJoin(first, "or", opOr, func(first bool) (topNode, error) {
		return p.parseTopJoin(first, "and", opAnd, p.parseTopPrimary)
	})
}

// parseTopJoin parses operand (word operand)* at the top level.
func (p *parser) parseTopJoin(first bool, word string, op exprOp, operand func(bool) (topNode, error)) (topNode, error) {
	n, err := operand(first)
	if err != nil || !isKeyword(p.tok, word) {
		return n, err
	}
	x, err := p.cond(n)
	if err != nil {
		return topNode{}, err
	}
	j := &expr{op: op, args: []*expr{x}, off: n.off}
	for isKeyword(p.tok, word) {
		p.next()
		if len(j.args) >= MaxClauses {
			return topNode{}, p.errAt(p.tok.off, "more than %d clauses joined by '%s' (the Windows limit): split the query into several Select elements of a QueryList", MaxClauses, word)
		}
		m, err := operand(false)
		if err != nil {
			return topNode{}, err
		}
		y, err := p.cond(m)
		if err != nil {
			return topNode{}, err
		}
		j.args = append(j.args, y)
	}
	return topNode{x: j, off: n.off}, nil
}

// parseTopPrimary parses an event selector or a parenthesized
// combination of them.
func (p *parser) parseTopPrimary(first bool) (topNode, error) {
	s := &step{pos: -1}
	off := p.tok.off
	switch {
	case p.tok.kind == tLParen:
		if err := p.enter(off); err != nil {
			return topNode{}, err
		}
		defer p.leave()
		p.next()
		n, err := p.parseTopOr(false)
		if err != nil {
			return topNode{}, err
		}
		if p.tok.kind != tRParen {
			return topNode{}, p.errTok(fmt.Sprintf("')' to close the parenthesis opened at offset %d", off))
		}
		p.next()
		return n, nil
	case p.tok.kind == tStar:
		s.name = "*"
		p.anyStar = true
	case p.tok.kind == tName && p.tok.text == "Event" && p.peekByte() != '(' && !p.peek2(':', ':') && p.peekByte() != ':':
		s.name = "Event"
	case p.tok.kind == tSlash:
		return topNode{}, p.errAt(p.tok.off, "absolute location paths are not supported: a query starts with '*' or 'Event'")
	case p.tok.kind == tEOF && first:
		return topNode{}, p.errAt(p.tok.off, "empty query: expected '*' or 'Event'")
	case !first:
		return topNode{}, p.errTok("'*', 'Event' or '(' (an event selector)")
	default:
		if msg := unsupported(p.tok); msg != "" {
			return topNode{}, p.errAt(p.tok.off, "%s", msg)
		}
		return topNode{}, p.errAt(p.tok.off, "a query must select events: expected '*' or 'Event', found %s", p.tok.describe())
	}
	p.next()
	for p.tok.kind == tLBrack {
		if err := p.parsePredicate(s); err != nil {
			return topNode{}, err
		}
	}
	if s.pos >= 0 {
		return topNode{}, p.errAt(s.pos, "position predicates are supported on leaf nodes only, not on the event")
	}
	return topNode{sel: s, off: off}, nil
}

// parsePredicate parses '[' Expr ']' and appends it to s.
func (p *parser) parsePredicate(s *step) error {
	open := p.tok.off
	if err := p.enter(open); err != nil {
		return err
	}
	defer p.leave()
	if len(s.preds) >= maxPredicates {
		return p.errAt(open, "more than %d predicates on one step", maxPredicates)
	}
	p.next()
	p.steps = append(p.steps, s)
	e, err := p.parseOr()
	p.steps = p.steps[:len(p.steps)-1]
	if err != nil {
		return err
	}
	switch e.typ() {
	case typeNumber:
		if e.op != opNumber {
			return p.errAt(e.off, "a predicate must be a condition or a position number")
		}
		// [n] is short for [position()=n].
		if s.pos < 0 {
			s.pos = e.off
		}
		e = &expr{op: opCmp, cmp: cmpEq, args: []*expr{{op: opPosition, off: e.off}, e}, off: e.off}
	case typeString:
		return p.errAt(e.off, "a predicate must be a condition or a position number, not a string")
	}
	if p.tok.kind != tRBrack {
		return p.errTok(fmt.Sprintf("']' to close the predicate opened at offset %d", open))
	}
	p.next()
	s.preds = append(s.preds, e)
	return nil
}

// parseOr parses OrExpr: AndExpr ('or' AndExpr)*.
func (p *parser) parseOr() (*expr, error) {
	off := p.tok.off
	e, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	if !isKeyword(p.tok, "or") {
		return e, nil
	}
	or := &expr{op: opOr, args: []*expr{e}, off: off}
	for isKeyword(p.tok, "or") {
		p.next()
		if len(or.args) >= MaxClauses {
			return nil, p.errAt(p.tok.off, "more than %d clauses joined by 'or' (the Windows limit): split the query into several Select elements of a QueryList", MaxClauses)
		}
		e, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		or.args = append(or.args, e)
	}
	return or, nil
}

// parseAnd parses AndExpr: CmpExpr ('and' CmpExpr)*.
func (p *parser) parseAnd() (*expr, error) {
	off := p.tok.off
	e, err := p.parseCmp()
	if err != nil {
		return nil, err
	}
	if !isKeyword(p.tok, "and") {
		return e, nil
	}
	and := &expr{op: opAnd, args: []*expr{e}, off: off}
	for isKeyword(p.tok, "and") {
		p.next()
		if len(and.args) >= MaxClauses {
			return nil, p.errAt(p.tok.off, "more than %d clauses joined by 'and' (the Windows limit): split the query", MaxClauses)
		}
		e, err := p.parseCmp()
		if err != nil {
			return nil, err
		}
		and.args = append(and.args, e)
	}
	return and, nil
}

func cmpOf(k tokKind) (cmpOp, bool) {
	switch k {
	case tEq:
		return cmpEq, true
	case tNe:
		return cmpNe, true
	case tLt:
		return cmpLt, true
	case tLe:
		return cmpLe, true
	case tGt:
		return cmpGt, true
	case tGe:
		return cmpGe, true
	}
	return 0, false
}

// parseCmp parses Operand (CmpOp Operand)?.
func (p *parser) parseCmp() (*expr, error) {
	left, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	op, ok := cmpOf(p.tok.kind)
	if !ok {
		return left, p.checkAfterOperand()
	}
	off := p.tok.off
	p.next()
	right, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	if _, again := cmpOf(p.tok.kind); again {
		return nil, p.errAt(p.tok.off, "chained comparisons are not supported: join comparisons with 'and'")
	}
	if err := p.checkAfterOperand(); err != nil {
		return nil, err
	}
	if s := notTimeLiteral(left, right); s != nil {
		return nil, p.errAt(s.off, "%q is not a date-time for @SystemTime: write YYYY-MM-DDThh:mm:ss, with an optional fraction of up to 9 digits and Z or ±hh:mm (no zone: UTC), e.g. '2024-05-01T00:00:00Z'; Windows refuses such a query", s.lit.s)
	}
	return &expr{op: opCmp, cmp: op, args: []*expr{left, right}, off: off}, nil
}

// notTimeLiteral returns the string literal operand of a comparison of
// a path ending in @SystemTime with it when the literal begins as a date
// (four or more digits and '-', spaces and a sign aside) but is not a
// date-time as parseTime reads it (a date alone, a year of five digits
// as in '10000-01-01T00:00:00Z', a signed year), else nil. Windows
// compares the two as times and refuses
// a query whose literal it cannot read as one (an EventLogQuery with a
// SystemTime bound written 2026-01-15T10.30.45.000Z threw:
// github.com/laurentiu021/SystemManager pull request 1227); compared as
// XPath 1.0 strings ('2018-08-07', a date alone) it matched nothing,
// silently. Other text is left to XPath 1.0's comparison (what Windows
// does with it is not known).
func notTimeLiteral(a, b *expr) *expr {
	if a.op == opString {
		a, b = b, a
	}
	if b.op != opString || a.op != opPath || len(a.path.steps) == 0 {
		return nil
	}
	if last := a.path.steps[len(a.path.steps)-1]; !last.attr || last.name != "SystemTime" {
		return nil
	}
	s := strings.TrimSpace(b.lit.s)
	k := 0
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		k++ // a signed year ('-0001-01-01T00:00:00Z'): parseTime reads none
	}
	digits := k
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	if k-digits < 4 || k == len(s) || s[k] != '-' {
		return nil
	}
	if b.lit.isTime {
		return nil
	}
	return b
}

// checkAfterOperand rejects operators of XPath outside the subset where an
// operator may follow an operand.
func (p *parser) checkAfterOperand() error {
	switch {
	case p.tok.kind == tStar || p.tok.kind == tPlus || p.tok.kind == tMinus ||
		isKeyword(p.tok, "div") || isKeyword(p.tok, "mod"):
		return p.errAt(p.tok.off, "arithmetic is not supported")
	case p.tok.kind == tPipe:
		return p.errAt(p.tok.off, "'|' (node-set union) is not supported")
	}
	return nil
}

// parseOperand parses a parenthesized expression, a literal, a function call
// or a relative location path.
func (p *parser) parseOperand() (*expr, error) {
	t := p.tok
	switch t.kind {
	case tLParen:
		if err := p.enter(t.off); err != nil {
			return nil, err
		}
		defer p.leave()
		p.next()
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.errTok(fmt.Sprintf("')' to close the parenthesis opened at offset %d", t.off))
		}
		p.next()
		if p.tok.kind == tLBrack || p.tok.kind == tSlash || p.tok.kind == tSlash2 {
			return nil, p.errAt(p.tok.off, "filter expressions (a step or predicate after ')') are not supported")
		}
		return e, nil
	case tString:
		p.next()
		return &expr{op: opString, lit: newLiteral(t.text), off: t.off}, nil
	case tNumber:
		p.next()
		return numberExpr(t), nil
	case tSlash:
		return nil, p.errAt(t.off, "absolute location paths are not supported inside predicates: use a path relative to the event")
	case tName:
		if p.peekByte() == '(' {
			return p.parseCall()
		}
		return p.parsePathExpr()
	case tStar, tAt:
		return p.parsePathExpr()
	}
	return nil, p.errTok("a path, a literal, a function call or '('")
}

func numberExpr(t token) *expr {
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil { // out of range: +Inf, as XPath would
		f = math.Inf(1)
	}
	e := &expr{op: opNumber, num: f, off: t.off}
	e.n, _ = decimalNumber(t.text) // the lexer's number is of its syntax
	e.u64, e.uint = e.n.integer()
	return e
}

// parseCall parses a function call; the current token is its name.
func (p *parser) parseCall() (*expr, error) {
	name := p.tok
	switch strings.ToLower(name.text) {
	case "band", "timediff", "position":
	case "node", "text", "comment", "processing-instruction":
		return nil, p.errAt(name.off, "node type test %s() is not supported: only element and attribute names", name.text)
	case "last":
		return nil, p.errAt(name.off, "last() (context size) is not supported")
	case "count", "id", "sum":
		return nil, p.errAt(name.off, "node-set function %s() is not supported", name.text)
	case "name", "local-name", "namespace-uri":
		return nil, p.errAt(name.off, "%s() (node names as strings) is not supported", name.text)
	default:
		return nil, p.errAt(name.off, "function %s() is not supported: only band(), timediff() and position()", name.text)
	}
	if err := p.enter(name.off); err != nil {
		return nil, err
	}
	defer p.leave()
	p.next() // name
	open := p.tok.off
	p.next() // (
	var args []*expr
	for p.tok.kind != tRParen {
		if len(args) > 0 {
			if p.tok.kind != tComma {
				return nil, p.errTok(fmt.Sprintf("',' or ')' to close the call opened at offset %d", open))
			}
			p.next()
		}
		a, err := p.parseArg()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if len(args) > 2 {
			break
		}
	}
	if p.tok.kind != tRParen {
		return nil, p.errTok("')'")
	}
	close := p.tok.off
	p.next()
	e := &expr{args: args, off: name.off}
	switch strings.ToLower(name.text) {
	case "band":
		if len(args) != 2 {
			return nil, p.errAt(close, "band() takes 2 arguments, found %d", len(args))
		}
		e.op = opBand
	case "timediff":
		if len(args) < 1 || len(args) > 2 {
			return nil, p.errAt(close, "timediff() takes 1 or 2 arguments, found %d", len(args))
		}
		if len(args) == 2 && args[0].op != opNumber && args[1].op != opNumber {
			return nil, p.errAt(args[0].off, "timediff() with two arguments needs one to be a literal FILETIME number")
		}
		if len(args) == 1 && args[0].op != opPath {
			return nil, p.errAt(args[0].off, "timediff() with one argument needs a path to a time attribute, e.g. @SystemTime")
		}
		e.op = opTimediff
	case "position":
		if len(args) != 0 {
			return nil, p.errAt(args[0].off, "position() takes no arguments")
		}
		if len(p.steps) == 0 {
			return nil, p.errAt(name.off, "position() outside a predicate")
		}
		s := p.steps[len(p.steps)-1]
		if s.pos < 0 {
			s.pos = name.off
		}
		e.op = opPosition
	}
	return e, nil
}

// parseArg parses a function argument: a number literal or a relative path.
func (p *parser) parseArg() (*expr, error) {
	switch p.tok.kind {
	case tNumber:
		t := p.tok
		p.next()
		return numberExpr(t), nil
	case tName:
		if p.peekByte() == '(' {
			break
		}
		return p.parsePathExpr()
	case tStar, tAt:
		return p.parsePathExpr()
	}
	return nil, p.errTok("a path or a number literal as argument")
}

// parsePathExpr parses a relative location path.
func (p *parser) parsePathExpr() (*expr, error) {
	off := p.tok.off
	pa := &path{}
	for {
		s, err := p.parseStep()
		if err != nil {
			return nil, err
		}
		pa.steps = append(pa.steps, s)
		if p.tok.kind == tSlash2 {
			return nil, p.errAt(p.tok.off, "%s", unsupported(p.tok))
		}
		if p.tok.kind != tSlash {
			break
		}
		if s.attr {
			return nil, p.errAt(p.tok.off, "an attribute has no children: expected the attribute to end the path")
		}
		p.next()
	}
	for i, s := range pa.steps[:len(pa.steps)-1] {
		if s.pos >= 0 {
			return nil, p.errAt(s.pos, "position predicates are supported on leaf nodes only: step %d of the path has children", i+1)
		}
	}
	return &expr{op: opPath, path: pa, off: off}, nil
}

// parseStep parses one step: ('@' | axis '::')? NameTest Predicate*.
func (p *parser) parseStep() (step, error) {
	s := step{pos: -1}
	switch {
	case p.tok.kind == tAt:
		s.attr = true
		p.next()
	case p.tok.kind == tName && p.peek2(':', ':'):
		switch p.tok.text {
		case "child":
		case "attribute":
			s.attr = true
		default:
			return s, p.errAt(p.tok.off, "axis %s:: is not supported: only child and attribute", p.tok.text)
		}
		p.next() // axis name
		p.next() // ::
	}
	switch p.tok.kind {
	case tStar:
		s.name = "*"
	case tName:
		if p.peekByte() == '(' {
			return s, p.errAt(p.tok.off, "node type tests and function calls are not supported as steps")
		}
		if p.peekByte() == ':' {
			return s, p.errAt(p.tok.end, "namespace prefixes are not supported")
		}
		s.name = p.tok.text
	default:
		return s, p.errTok("a name or '*'")
	}
	p.next()
	for p.tok.kind == tLBrack {
		if s.attr {
			return s, p.errAt(p.tok.off, "predicates on attributes are not supported")
		}
		if err := p.parsePredicate(&s); err != nil {
			return s, err
		}
	}
	return s, nil
}
