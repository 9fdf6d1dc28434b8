package xpath

import "time"

// TimeLiteral is a string literal that a query compares with a path
// ending in @SystemTime (TimeCreated[@SystemTime >= '2024-05-01T00:00:00Z']),
// as Query.TimeLiterals and Query.EmptyTimeWindow report it.
type TimeLiteral struct {
	Offset int       // byte offset of the literal (its quote) in the query
	Text   string    // the literal's text, without quotes
	Time   time.Time // its time, when IsTime
	// IsTime reports whether the literal is compared as a time: an ISO
	// 8601 date-time without spaces around it (see doc.go,
	// Evaluation). Any other text compares as XPath 1.0 text, with <,
	// <=, >, >= as NaN: such a condition selects nothing.
	IsTime bool
	Zone   bool // IsTime and a zone is written (Z or ±hh:mm)
	Digits int  // IsTime: digits of the fraction of a second (0 to 9)
}

// TimeLiterals returns the string literals q compares with a path ending
// in @SystemTime, in the order of the query, read from the compiled
// expression (predicates of paths included).
func (q *Query) TimeLiterals() []TimeLiteral {
	var out []TimeLiteral
	anyCondition(q.event.preds, func(x *expr) bool {
		if x.op != opCmp {
			return false
		}
		if _, lit := systemTimeOperands(x); lit != nil {
			out = append(out, newTimeLiteral(lit))
		}
		return false
	})
	return out
}

// systemTimeOperands returns the path and string literal of a comparison
// of a path ending in @SystemTime with a string literal, or nils.
func systemTimeOperands(x *expr) (*expr, *expr) {
	a, b := x.args[0], x.args[1]
	if a.op == opString {
		a, b = b, a
	}
	if a.op != opPath || b.op != opString || len(a.path.steps) == 0 {
		return nil, nil
	}
	if last := a.path.steps[len(a.path.steps)-1]; !last.attr || last.name != "SystemTime" {
		return nil, nil
	}
	return a, b
}

func newTimeLiteral(x *expr) TimeLiteral {
	l := TimeLiteral{Offset: x.off, Text: x.lit.s, Time: x.lit.t, IsTime: x.lit.isTime}
	if l.IsTime {
		// parseTime: YYYY-MM-DDThh:mm:ss, an optional fraction, then
		// nothing, Z, z or ±hh:mm.
		s := l.Text[19:]
		if len(s) > 0 && s[0] == '.' {
			k := 1
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			l.Digits, s = k-1, s[k:]
		}
		l.Zone = s != ""
	}
	return l
}

// EmptyTimeWindow reports whether the conditions on
// System/TimeCreated/@SystemTime compared with date-time literals that
// every match of q must satisfy (joined by 'and', along the paths from
// the event down, as TimeBounds reads them; conditions inside an 'or'
// are not read) leave no time at all: a lower bound after an upper one,
// or equal to it where either excludes it (> or <). lo and hi are the
// two literals; no event can match q then.
func (q *Query) EmptyTimeWindow() (lo, hi TimeLiteral, empty bool) {
	var since, until *expr
	var sinceStrict, untilStrict bool
	addSince := func(lit *expr, strict bool) {
		switch {
		case since == nil || lit.lit.t.After(since.lit.t):
			since, sinceStrict = lit, strict
		case lit.lit.t.Equal(since.lit.t) && strict:
			since, sinceStrict = lit, true
		}
	}
	addUntil := func(lit *expr, strict bool) {
		switch {
		case until == nil || lit.lit.t.Before(until.lit.t):
			until, untilStrict = lit, strict
		case lit.lit.t.Equal(until.lit.t) && strict:
			until, untilStrict = lit, true
		}
	}
	for _, p := range q.event.preds {
		conjuncts(p, nil, func(x *expr, ctx []string) {
			if x.op != opCmp {
				return
			}
			path, lit := systemTimeOperands(x)
			if lit == nil || !lit.lit.isTime || !isSystemTime(ctx, path.path) {
				return
			}
			op := x.cmp
			if x.args[0] != path {
				op = op.flip()
			}
			switch op {
			case cmpGt, cmpGe:
				addSince(lit, op == cmpGt)
			case cmpLt, cmpLe:
				addUntil(lit, op == cmpLt)
			case cmpEq:
				addSince(lit, false)
				addUntil(lit, false)
			}
		})
	}
	if since == nil || until == nil {
		return lo, hi, false
	}
	s, u := since.lit.t, until.lit.t
	if s.After(u) || s.Equal(u) && (sinceStrict || untilStrict) {
		return newTimeLiteral(since), newTimeLiteral(until), true
	}
	return lo, hi, false
}
