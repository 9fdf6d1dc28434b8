package rules

import (
	"sync"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// dataPrefilter decides, before a record is decoded, that no query of a
// read can match it because the where of every query its provider and
// event id leave (the dispatch's list) refuses one of its EventData
// fields, read from the record without decoding it (evtx.Summary.Data).
// Most Service Control Manager 7040s of a System log name services the
// rules do not read (their param4), and decoding them was most of the
// rules' pass over bench/run's volume.
//
// It changes no match: Query.admits refuses an event whose where holds a
// condition it does not match, and a condition that selects one
// EventData field by name (Condition.Data, no other selector) matches the
// event as it matches an event holding that field alone
// (Condition.appendSelected reads it through Event.Data); Summary.Data
// gives the field's value as Event.Data does, or declines. A record
// refused so is counted as filtered, not decoded; its computer name is
// noted from its summary all the same (readFiltered).
// TestDataPrefilterChangesNoMatch compares analyses with and without it.
type dataPrefilter struct {
	qs    []*compiledQuery
	mu    sync.Mutex
	byKey map[dispatchKey][]*compiledQuery
}

// dataPrefilterOff turns the prefilter off (tests compare both ways).
var dataPrefilterOff = false

func newDataPrefilter(qs []*compiledQuery) *dataPrefilter {
	p := &dataPrefilter{byKey: map[dispatchKey][]*compiledQuery{}}
	for _, cq := range qs {
		if dataConditions(cq.query) {
			p.qs = qs // some query can refuse by a field: worth asking
			break
		}
	}
	return p
}

// dataConditions reports whether q's where holds a condition on one
// EventData field by name.
func dataConditions(q *Query) bool {
	for _, c := range q.Where {
		if dataCondition(c) {
			return true
		}
	}
	return false
}

// dataCondition reports whether c selects one EventData field by name and
// nothing else (Condition.appendSelected's Data case).
func dataCondition(c *Condition) bool {
	return c.Data != "" && c.System == "" && !c.BinaryText
}

// rejects reports whether no query of p can match the record s
// summarizes (called from the reader's goroutines, while its Filter runs).
func (p *dataPrefilter) rejects(s evtx.Summary) bool {
	if p.qs == nil || dataPrefilterOff {
		return false
	}
	qs := p.queries(s.Provider, s.EventID)
	if len(qs) == 0 {
		return false
	}
	var f fieldCache
	for _, cq := range qs {
		if !whereRefuses(cq.query, s, &f) {
			return false
		}
	}
	return true
}

// fieldCache holds the EventData fields of one record read so far: the
// queries of a record ask for the same few (param4 of a 7040, eight
// times).
type fieldCache struct {
	n      int
	fields [4]struct {
		name      string
		v         evtx.Value
		found, ok bool
	}
}

// data is s.Data(name), read once per name (the first four names).
func (f *fieldCache) data(s evtx.Summary, name string) (evtx.Value, bool, bool) {
	for i := range f.n {
		if e := &f.fields[i]; e.name == name {
			return e.v, e.found, e.ok
		}
	}
	v, found, ok := s.Data(name)
	if f.n < len(f.fields) {
		f.fields[f.n].name, f.fields[f.n].v, f.fields[f.n].found, f.fields[f.n].ok = name, v, found, ok
		f.n++
	}
	return v, found, ok
}

// queries returns the queries of p whose keys accept provider and id, as
// dispatch.queries picks them (at most maxDispatchPairs lists kept).
func (p *dataPrefilter) queries(provider string, id uint16) []*compiledQuery {
	p.mu.Lock()
	defer p.mu.Unlock()
	return keyedQueries(p.byKey, p.qs, provider, id)
}

// whereRefuses reports whether a condition of q's where on one EventData
// field refuses the record s summarizes, its field read without decoding.
func whereRefuses(q *Query, s evtx.Summary, f *fieldCache) bool {
	for _, c := range q.Where {
		if !dataCondition(c) {
			continue
		}
		v, found, ok := f.data(s, c.Data)
		if !ok {
			continue
		}
		// As Match on an event holding that field alone: appendSelected
		// selects it, or nothing when it is absent.
		var buf [1]evtx.Value
		sel := buf[:0]
		if found {
			sel = append(sel, v)
		}
		if !c.matchSelected(sel) {
			return true
		}
	}
	return false
}
