package xpath

// UsesReferenceTime reports whether q's result can depend on the reference
// time given to Match (its now): whether q calls timediff() with one
// argument, timediff(t), which is now − t. It is decided from the compiled
// expression, the predicates of every path included, so a string literal
// that reads "timediff" ('timediff(x)') does not count, and the function's
// name counts in any case and spacing the parser accepts ("TimeDiff (").
// The two-argument form timediff(t1, t2) compares the times it is given
// and does not count. Source: [MS-EVEN6] 2.2.15.2 "Filter XPath 1.0
// Extensions" (learn.microsoft.com/openspecs/windows_protocols/ms-even6/
// 4533bef3-5a74-4a72-a03a-7fd5c1470554): timediff(SYSTEM_TIME) is the
// difference between its argument and the current system time, the
// reference time here; timediff(SYSTEM_TIME, SYSTEM_TIME) that between
// its two arguments.
func (q *Query) UsesReferenceTime() bool {
	return anyCondition(q.event.preds, func(x *expr) bool {
		return x.op == opTimediff && len(x.args) == 1
	})
}

// HasTimediff reports whether q calls timediff() in either form (one or two
// arguments), decided from the compiled expression as UsesReferenceTime
// is: a string literal that reads "timediff" does not count.
func (q *Query) HasTimediff() bool {
	return anyCondition(q.event.preds, func(x *expr) bool { return x.op == opTimediff })
}

// UsesReferenceTime reports whether some Select or Suppress of l uses the
// reference time given to Match (Query.UsesReferenceTime): a Suppress that
// counts from it decides, as a Select does, which events are selected.
func (l *QueryList) UsesReferenceTime() bool {
	for _, q := range l.Queries {
		for _, s := range [][]Selector{q.Selects, q.Suppresses} {
			for _, sel := range s {
				if sel.Query.UsesReferenceTime() {
					return true
				}
			}
		}
	}
	return false
}

// anyCondition reports whether f holds for some node of the expressions
// xs: their operands, function arguments and the predicates of their paths'
// steps, at any depth.
func anyCondition(xs []*expr, f func(*expr) bool) bool {
	for _, x := range xs {
		if f(x) || anyCondition(x.args, f) {
			return true
		}
		if x.path != nil {
			for _, s := range x.path.steps {
				if anyCondition(s.preds, f) {
					return true
				}
			}
		}
	}
	return false
}
