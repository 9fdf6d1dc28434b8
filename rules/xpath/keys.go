package xpath

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/evtxrdp/evtxrdp/evtx"
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

// sameFold is strings.EqualFold with equal text first: EqualFold compares
// a long provider name rune by rune, and an event's provider is most often
// spelled as the query spells it.
func sameFold(a, b string) bool { return a == b || strings.EqualFold(a, b) }

// Accepts reports whether an event with this provider name and event id can
// match.
func (k Keys) Accepts(provider string, eventID uint16) bool {
	if k.Providers != nil && !slices.ContainsFunc(k.Providers, func(p string) bool { return sameFold(p, provider) }) {
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

// KeySet answers Accepts for a union of Keys: whether any of them accepts
// a provider name and event id. It keeps, per provider name met, the set
// of event ids some Keys accepts with it (8 KiB each, for at most
// maxKeySetProviders names; past them it compares as Keys.Accepts does),
// so that a record summary costs one lookup instead of a case-insensitive
// comparison per Keys and name. It is safe for concurrent use (a reader's
// Filter runs on its decoding goroutines).
type KeySet struct {
	keys []Keys
	ids  sync.Map // provider name → *idSet
	n    atomic.Int32
}

// idSet is a set of event ids, one bit each.
type idSet [1 << 16 / 64]uint64

// maxKeySetProviders bounds the provider names a KeySet remembers.
const maxKeySetProviders = 256

// NewKeySet returns the union of ks.
func NewKeySet(ks []Keys) *KeySet { return &KeySet{keys: slices.Clone(ks)} }

// Accepts reports whether some Keys of the set accepts (provider,
// eventID): the same answer as Keys.Accepts on each.
func (s *KeySet) Accepts(provider string, eventID uint16) bool {
	if v, ok := s.ids.Load(provider); ok {
		set := v.(*idSet)
		return set[eventID>>6]&(1<<(eventID&63)) != 0
	}
	if s.n.Load() >= maxKeySetProviders {
		return slices.ContainsFunc(s.keys, func(k Keys) bool { return k.Accepts(provider, eventID) })
	}
	set := new(idSet)
	for _, k := range s.keys {
		if k.Providers != nil && !slices.ContainsFunc(k.Providers, func(p string) bool { return sameFold(p, provider) }) {
			continue
		}
		if k.EventIDs == nil {
			for i := range set {
				set[i] = ^uint64(0)
			}
			break
		}
		for _, id := range k.EventIDs {
			set[id>>6] |= 1 << (id & 63)
		}
	}
	if _, loaded := s.ids.LoadOrStore(provider, set); !loaded {
		s.n.Add(1)
	}
	return set[eventID>>6]&(1<<(eventID&63)) != 0
}

// EventKeys returns the provider name and event id of ev as Keys.Accepts
// takes them: for every query q with keys k (q.Keys), when ok and
// !k.Accepts(provider, eventID), q.Match(ev, now) is false whatever now.
// So a caller with many queries evaluates only those whose keys accept
// the pair. They are read from ev.Root as Match reads it: the one node at
// System/Provider/@Name (any element or attribute name passing the name
// test, an embedded BinXML child included) and the one at System/EventID.
// provider is "" when there is no such Name (a Keys with provider names
// then accepts it only for the name "", and no query with those keys
// can match). ok is false where one pair cannot stand for what a query
// compares: no System, System, Provider, its Name or EventID repeated,
// no EventID, a Name that is not text (a number compares as a number),
// an EventID that is not an unsigned integer of at most 16 bits (a text
// compares by its numeric meaning); then every query must be evaluated.
// An event without Root is evaluated on the tree built from its System
// fields, which has one Provider, named when System.Provider.Name is not
// "", and one EventID, System.EventID.
func EventKeys(ev *evtx.Event) (provider string, eventID uint16, ok bool) {
	if ev == nil {
		return "", 0, false
	}
	if ev.Root == nil {
		return ev.System.Provider.Name, ev.System.EventID, true
	}
	sys, ok := onlyChild(ev.Root, "System")
	if !ok || sys == nil {
		return "", 0, false
	}
	p, ok := onlyChild(sys, "Provider")
	if !ok {
		return "", 0, false
	}
	if p != nil {
		seen := false
		for i := range p.Attrs {
			a := &p.Attrs[i]
			if !evtx.NameIs(a.Name, "Name") || isXMLNS(a.Name) {
				continue
			}
			if seen || !isStringKind(a.Value.Kind) {
				return "", 0, false
			}
			seen, provider = true, a.Value.Str
		}
	}
	e, ok := onlyChild(sys, "EventID")
	if !ok || e == nil || !isLeaf(e) || !isUnsignedKind(e.Value.Kind) || e.Value.Uint > 0xffff {
		return "", 0, false
	}
	return provider, uint16(e.Value.Uint), true
}

// onlyChild returns the child of ctx a path step called name selects
// (walk: the children, then an embedded BinXML root), nil when none does;
// ok is false when more than one does.
func onlyChild(ctx *evtx.Element, name string) (c *evtx.Element, ok bool) {
	for _, ch := range ctx.Children {
		if ch != nil && evtx.NameIs(ch.Name, name) {
			if c != nil {
				return nil, false
			}
			c = ch
		}
	}
	if x := embedded(ctx); x != nil && evtx.NameIs(x.Name, name) {
		if c != nil {
			return nil, false
		}
		c = x
	}
	return c, true
}

// MatchKeys reports whether q matches ev, decided from provider and eventID,
// which must be EventKeys(ev) with ok true, without evaluating q: decided
// is false (call Match) unless q is no more than its keys. That is a query
// of the shape
//
//	Event[System[Provider[@Name='name'] and (EventID=n or EventID=m ...)]]
//
// (or * for Event; the provider or the event id condition alone; the two in
// either order; a name that is not empty; ids of at most 16 bits). Where
// EventKeys gives a pair, the event has one System, at most one Provider
// with at most one Name, which is text (compared case-insensitively, as
// Keys.Accepts compares it; a missing Name is "", which no such name
// equals), and one EventID, an unsigned integer (compared as a number);
// so such a query matches exactly when its keys accept the pair and the
// event's root passes its name test (TestMatchKeysEqualsMatch). A strict
// query (compared as plain XPath 1.0, for the tests) is never decided.
// A nil ev matches nothing, as in Match.
func (q *Query) MatchKeys(ev *evtx.Event, provider string, eventID uint16) (match, decided bool) {
	if !q.byKeys || q.xnum != nil {
		return false, false
	}
	if ev == nil {
		return false, true
	}
	name := "Event" // the root of evtx.Event.Tree built from the fields
	if ev.Root != nil {
		name = ev.Root.Name
	}
	return q.event.matches(name) && q.keys.Accepts(provider, eventID), true
}

// onlyKeys returns q's keys and true when q is no more than them (the
// shape MatchKeys documents).
func onlyKeys(q *Query) (Keys, bool) {
	var k Keys
	if len(q.event.preds) != 1 {
		return k, false
	}
	sys := q.event.preds[0]
	if sys.op != opPath || len(sys.path.steps) != 1 {
		return k, false
	}
	st := &sys.path.steps[0]
	if st.attr || st.name != "System" || len(st.preds) != 1 {
		return k, false
	}
	var conds []*expr
	if c := st.preds[0]; c.op == opAnd {
		conds = c.args
	} else {
		conds = []*expr{c}
	}
	for _, c := range conds {
		if p, ok := providerCond(c); ok && k.Providers == nil {
			k.Providers = []string{p}
			continue
		}
		if ids, ok := eventIDCond(c); ok && k.EventIDs == nil {
			k.EventIDs = ids
			continue
		}
		return Keys{}, false
	}
	return k, len(conds) > 0
}

// providerCond reads Provider[@Name='name'] (name not empty).
func providerCond(x *expr) (string, bool) {
	if x.op != opPath || len(x.path.steps) != 1 {
		return "", false
	}
	st := &x.path.steps[0]
	if st.attr || st.name != "Provider" || len(st.preds) != 1 {
		return "", false
	}
	c := st.preds[0]
	if c.op != opCmp || c.cmp != cmpEq {
		return "", false
	}
	l, r := c.args[0], c.args[1]
	if r.op == opPath {
		l, r = r, l
	}
	if l.op != opPath || len(l.path.steps) != 1 || r.op != opString || r.lit.s == "" {
		return "", false
	}
	if a := &l.path.steps[0]; !a.attr || a.name != "Name" || len(a.preds) != 0 {
		return "", false
	}
	return r.lit.s, true
}

// eventIDCond reads EventID=n, or several joined by or.
func eventIDCond(x *expr) ([]uint16, bool) {
	if x.op == opOr {
		var ids []uint16
		for _, a := range x.args {
			id, ok := eventIDCmp(a)
			if !ok {
				return nil, false
			}
			ids = append(ids, id)
		}
		return ids, true
	}
	id, ok := eventIDCmp(x)
	return []uint16{id}, ok
}

func eventIDCmp(x *expr) (uint16, bool) {
	if x.op != opCmp || x.cmp != cmpEq {
		return 0, false
	}
	l, r := x.args[0], x.args[1]
	if r.op == opPath {
		l, r = r, l
	}
	if l.op != opPath || len(l.path.steps) != 1 || r.op != opNumber || !r.uint || r.u64 > 0xffff || r.num != float64(r.u64) {
		return 0, false
	}
	if e := &l.path.steps[0]; e.attr || e.name != "EventID" || len(e.preds) != 0 {
		return 0, false
	}
	return uint16(r.u64), true
}
