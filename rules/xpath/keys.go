package xpath

import (
	"slices"
	"strings"
)

// Keys are values every event a query matches must have: its provider name
// is one of Providers (nil: no such condition), compared case-insensitively
// as Match compares strings, and its event id one of EventIDs (nil: none).
// A reader can skip, without decoding, the records whose System part says
// otherwise (evtx.Options.Filter).
type Keys struct {
	Providers []string
	EventIDs  []uint16
}

// Accepts reports whether an event with this provider name and event id can
// match.
func (k Keys) Accepts(provider string, eventID uint16) bool {
	if k.Providers != nil && !slices.ContainsFunc(k.Providers, func(p string) bool { return strings.EqualFold(p, provider) }) {
		return false
	}
	return k.EventIDs == nil || slices.Contains(k.EventIDs, eventID)
}

// Keys derives from q the provider names and event ids its matches must
// have: from System/Provider/@Name = 'literal' and System/EventID = number
// conditions joined by 'and' from the top of the query, or present in every
// branch of an 'or' (their values are then united). ok is false when q has
// neither kind of condition.
func (q *Query) Keys() (k Keys, ok bool) {
	var kb keyBuilder
	for _, p := range q.event.preds {
		kb.conj(p, nil)
	}
	return kb.k, kb.k.Providers != nil || kb.k.EventIDs != nil
}

type keyBuilder struct{ k Keys }

// conj reads x, a condition that holds at ctx whenever the query matches.
func (kb *keyBuilder) conj(x *expr, ctx []string) {
	conjuncts(x, ctx, func(y *expr, ctx []string) {
		switch y.op {
		case opCmp:
			kb.cmp(y, ctx)
		case opOr:
			// A key holds only if every branch has one of the same kind.
			var provs []string
			var ids []uint16
			allP, allI := true, true
			for _, a := range y.args {
				var br keyBuilder
				br.conj(a, ctx)
				allP = allP && br.k.Providers != nil
				allI = allI && br.k.EventIDs != nil
				provs = append(provs, br.k.Providers...)
				ids = append(ids, br.k.EventIDs...)
			}
			if allP {
				kb.addProviders(provs)
			}
			if allI {
				kb.addIDs(ids)
			}
		}
	})
}

func (kb *keyBuilder) cmp(x *expr, ctx []string) {
	if x.cmp != cmpEq {
		return
	}
	l, r := x.args[0], x.args[1]
	if r.op == opPath {
		l, r = r, l
	}
	if l.op != opPath {
		return
	}
	switch {
	case isPath(ctx, l.path, "System", "Provider", "@Name") && r.op == opString:
		kb.addProviders([]string{r.lit.s})
	case isPath(ctx, l.path, "System", "EventID") && r.op == opNumber && r.uint && r.u64 <= 0xffff:
		kb.addIDs([]uint16{uint16(r.u64)})
	}
}

// addProviders and addIDs keep the first set found: each is a necessary
// condition, so any one of them is correct.
func (kb *keyBuilder) addProviders(p []string) {
	if kb.k.Providers == nil {
		kb.k.Providers = p
	}
}

func (kb *keyBuilder) addIDs(ids []uint16) {
	if kb.k.EventIDs == nil {
		kb.k.EventIDs = ids
	}
}

// isPath reports whether the path p from ctx names want, element names
// then an optional final "@attribute".
func isPath(ctx []string, p *path, want ...string) bool {
	if len(ctx)+len(p.steps) != len(want) {
		return false
	}
	for i, name := range ctx {
		if name != want[i] {
			return false
		}
	}
	for i, s := range p.steps {
		w := want[len(ctx)+i]
		attr := len(w) > 0 && w[0] == '@'
		if attr {
			w = w[1:]
		}
		if s.attr != attr || s.name != w {
			return false
		}
	}
	return true
}
