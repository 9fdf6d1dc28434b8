package xpath

import (
	"math"
	"time"
)

// RecordTimeSlack widens the window TimeBounds derives from TimeCreated
// conditions on both sides. The reader skips records by their TimeCreated
// exactly (evtx.Options.Since/Until), and Match compares timediff's
// milliseconds exactly (doc.go, 64-bit numbers), but TimeBounds computes the
// bound from the literal's double (a literal of more than 15 digits, or
// with a fraction, rounds), and Match lets a timediff compare as the
// whole milliseconds on either side of its exact value (doc.go,
// "timediff"), up to a millisecond past the exact bound; a second covers
// both with a wide margin. (A wider window only decodes more records; the query's own
// conditions still decide every match.)
const RecordTimeSlack = time.Second

// TimeBounds derives from q a window of TimeCreated outside which q cannot
// match, for a reader that skips records by their TimeCreated without
// decoding them (evtx.Options.Since/Until). It reads the conditions on
// System/TimeCreated/@SystemTime that every match must satisfy (joined by
// 'and' from the top of the query, or present in every branch of an 'or':
// timediff(@SystemTime) compared with a number, @SystemTime compared with
// an ISO 8601 string) and widens the
// result by RecordTimeSlack. A zero since or until means unbounded on that
// side; ok is false when q bounds neither. since may be after until: then no
// event can match. now is Match's: with a zero now (FILETIME 0, not "no
// reference"), the window of timediff(@SystemTime) <= N starts before the
// year 1 and admits every event, as Match selects every one.
func (q *Query) TimeBounds(now time.Time) (since, until time.Time, ok bool) {
	b := bounds{now: now}
	for _, p := range q.event.preds {
		b.conj(p, nil)
	}
	return b.result()
}

type bounds struct {
	now                time.Time
	since, until       time.Time
	hasSince, hasUntil bool
}

func (b *bounds) result() (since, until time.Time, ok bool) {
	if b.hasSince {
		since = b.since.Add(-RecordTimeSlack)
	}
	if b.hasUntil {
		until = b.until.Add(RecordTimeSlack)
	}
	return since, until, b.hasSince || b.hasUntil
}

func (b *bounds) addSince(t time.Time) {
	if !b.hasSince || t.After(b.since) {
		b.since, b.hasSince = t, true
	}
}

func (b *bounds) addUntil(t time.Time) {
	if !b.hasUntil || t.Before(b.until) {
		b.until, b.hasUntil = t, true
	}
}

// conj reads x, a condition that holds for a node at ctx (element names
// from the event down) whenever the query matches.
func (b *bounds) conj(x *expr, ctx []string) {
	conjuncts(x, ctx, func(y *expr, ctx []string) {
		switch y.op {
		case opCmp:
			b.cmp(y, ctx)
		case opOr:
			// Bounded on a side only if every branch is.
			var lo, hi time.Time
			allSince, allUntil := true, true
			for i, a := range y.args {
				br := bounds{now: b.now}
				br.conj(a, ctx)
				allSince = allSince && br.hasSince
				allUntil = allUntil && br.hasUntil
				if br.hasSince && (i == 0 || br.since.Before(lo)) {
					lo = br.since
				}
				if br.hasUntil && (i == 0 || br.until.After(hi)) {
					hi = br.until
				}
			}
			if allSince {
				b.addSince(lo)
			}
			if allUntil {
				b.addUntil(hi)
			}
		}
	})
}

// conjuncts calls visit for each comparison and 'or' that must hold
// whenever x, a condition at ctx, holds: x itself, the operands of an
// 'and', and the predicates along a path of element steps (with the
// element names from the event down to them).
func conjuncts(x *expr, ctx []string, visit func(x *expr, ctx []string)) {
	switch x.op {
	case opAnd:
		for _, a := range x.args {
			conjuncts(a, ctx, visit)
		}
	case opPath:
		cur := ctx
		for _, s := range x.path.steps {
			if s.attr || s.name == "*" {
				return
			}
			cur = append(cur[:len(cur):len(cur)], s.name)
			for _, p := range s.preds {
				conjuncts(p, cur, visit)
			}
		}
	case opCmp, opOr:
		visit(x, ctx)
	}
}

// isSystemTime reports whether the path p from ctx is
// System/TimeCreated/@SystemTime.
func isSystemTime(ctx []string, p *path) bool {
	return isPath(ctx, p, "System", "TimeCreated", "@SystemTime")
}

func (b *bounds) cmp(x *expr, ctx []string) {
	l, r, op := x.args[0], x.args[1], x.cmp
	if r.op == opTimediff || r.op == opPath {
		l, r, op = r, l, op.flip()
	}
	switch {
	case l.op == opTimediff && len(l.args) == 1 && l.args[0].op == opPath &&
		isSystemTime(ctx, l.args[0].path) && r.op == opNumber:
		// now - t op N  <=>  t flip(op) now - N
		ms := r.num
		if math.IsNaN(ms) || math.Abs(ms) > 9e12 {
			return
		}
		t := b.now.Add(-time.Duration(ms * float64(time.Millisecond)))
		switch op {
		case cmpLt, cmpLe:
			b.addSince(t)
		case cmpGt, cmpGe:
			b.addUntil(t)
		case cmpEq:
			b.addSince(t)
			b.addUntil(t)
		}
	case l.op == opPath && isSystemTime(ctx, l.path) && r.op == opString && r.lit.isTime:
		t := r.lit.t
		switch op {
		case cmpGt, cmpGe:
			b.addSince(t)
		case cmpLt, cmpLe:
			b.addUntil(t)
		case cmpEq:
			b.addSince(t)
			b.addUntil(t)
		}
	}
}
