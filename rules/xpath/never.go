package xpath

import "strconv"

// idBits is a set of event ids, one bit each.
type idBits [1 << 16 / 64]uint64

func (b *idBits) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}

func (b *idBits) and(o *idBits) {
	for i := range b {
		b[i] &= o[i]
	}
}

func (b *idBits) or(o *idBits) {
	for i := range b {
		b[i] |= o[i]
	}
}

// NoEventID reports whether no event id can satisfy the conditions on
// System/EventID that every match of q must meet, and where: the offset
// of the condition (or of the 'or' of conditions) that leaves none.
//
// Windows writes an event's EventID once, as a 16-bit unsigned number,
// 0 to 65535 (the UInt16 EventID of the event schema's SystemPropertiesType,
// learn.microsoft.com/windows/win32/wes/eventschema-systempropertiestype-complextype,
// and of EVENT_DESCRIPTOR.Id,
// learn.microsoft.com/windows/win32/api/evntprov/ns-evntprov-event_descriptor),
// so EventID=70000, EventID=1036.5, EventID='abc' (its text is digits) and
// EventID=1036 and EventID=1037 select no event Windows writes, though the
// query is valid. Conditions are read as Keys reads them: joined by 'and'
// from the top of the query along the paths from the event down, and in
// every branch of an 'or' (a branch without any leaves every id). The
// comparisons read are System/EventID with a number literal (=, !=, <, <=,
// >, >=) and with a string literal (=, compared as its text: the decimal
// digits of the number, as Match compares it); any other condition leaves
// every id. A log written by other means (crafted, damaged) may hold an
// EventID of another type that Match would select: NoEventID speaks of the
// events Windows writes, for a rule's author (package rules refuses such a
// query), not for the reader's shortcuts.
func (q *Query) NoEventID() (offset int, none bool) {
	ids, off := conjIDs(q.event.preds, nil)
	if ids != nil && ids.empty() {
		return off, true
	}
	return 0, false
}

// conjIDs is the set of ids the conjunction of xs at ctx allows (nil: every
// id), and the offset of the condition that left it empty.
func conjIDs(xs []*expr, ctx []string) (*idBits, int) {
	var ids *idBits
	off := 0
	narrow := func(s *idBits, at int) {
		if s == nil || (ids != nil && ids.empty()) {
			return
		}
		if ids == nil {
			c := *s
			ids = &c
		} else {
			ids.and(s)
		}
		if ids.empty() {
			off = at
		}
	}
	for _, x := range xs {
		conjuncts(x, ctx, func(y *expr, ctx []string) {
			switch y.op {
			case opCmp:
				narrow(cmpIDs(y, ctx), y.off)
			case opOr:
				var u idBits
				for _, a := range y.args {
					s, _ := conjIDs([]*expr{a}, ctx)
					if s == nil {
						return // a branch allows every id
					}
					u.or(s)
				}
				narrow(&u, y.off)
			}
		})
	}
	return ids, off
}

// cmpIDs is the set of ids a comparison of System/EventID with a literal
// allows (nil: not such a comparison, or one read as allowing every id).
func cmpIDs(x *expr, ctx []string) *idBits {
	l, r, op := x.args[0], x.args[1], x.cmp
	if r.op == opPath {
		l, r, op = r, l, op.flip()
	}
	if l.op != opPath || !isPath(ctx, l.path, "System", "EventID") {
		return nil
	}
	var s idBits
	switch r.op {
	case opNumber:
		for id := range 1 << 16 {
			var c int
			switch {
			case r.uint && uint64(id) < r.u64, !r.uint && float64(id) < r.num:
				c = -1
			case r.uint && uint64(id) == r.u64:
				c = 0
			default:
				c = 1 // above a literal that is no integer, or equal to none
				if !r.uint && float64(id) == r.num {
					c = 0
				}
			}
			if op.holds(c) {
				s[id/64] |= 1 << (id % 64)
			}
		}
	case opString:
		if op != cmpEq {
			return nil
		}
		if n, err := strconv.ParseUint(r.lit.s, 10, 16); err == nil && strconv.FormatUint(n, 10) == r.lit.s {
			s[n/64] |= 1 << (n % 64)
		}
	default:
		return nil
	}
	return &s
}
