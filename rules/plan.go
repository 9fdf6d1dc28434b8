package rules

// The plan: which logs Analyze reads and for which queries (plan), from the
// logs alone, before any record is decoded.

import (
	"strings"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// readPlan is what Analyze reads: every log given (once per path) as an
// Input with the channel it holds and whether a query reads it (Used),
// the logs parallel to the inputs, and the queries per lower-case channel.
type readPlan struct {
	inputs    []*Input
	logs      []*evtx.Log
	byChannel map[string][]*compiledQuery
}

// plan decides which logs Analyze reads and for which queries, from the
// logs' names and, for logs whose name says no channel we read when no
// System log is named as such or whose name mentions one, their first
// event's channel. A System log by name counts only when it opens and
// holds a record (namedSystemReadable): a directory or a damaged file
// named System.evtx stays an input (unreadable, with its reason) but does
// not stop a renamed System log from being read. It decodes no other
// record and keeps no state: the same logs give the same plan.
func (e *Engine) plan(logs []*evtx.Log) readPlan {
	p := readPlan{byChannel: map[string][]*compiledQuery{}}
	crs := e.rules
	if e.timeline != nil {
		crs = append(append([]*compiledRule(nil), crs...), e.timeline)
	}
	for _, cr := range crs {
		for _, cq := range cr.queries {
			k := strings.ToLower(cq.query.Channel)
			p.byChannel[k] = append(p.byChannel[k], cq)
		}
	}
	needed := func(ch string) bool {
		_, ok := p.byChannel[strings.ToLower(ch)]
		return ok || strings.EqualFold(ch, SystemChannel)
	}

	// Inputs, and the channel of logs whose file name names none we read.
	paths := map[string]bool{}
	for _, l := range logs {
		if paths[l.Path] {
			continue // given twice (a file and its directory)
		}
		paths[l.Path] = true
		in := &Input{Path: l.Path, Channel: l.Channel, Size: l.Size}
		p.inputs = append(p.inputs, in)
		p.logs = append(p.logs, l)
		if ch, ok := evtx.ArchivedChannel(in.Channel); ok && !needed(in.Channel) {
			in.Channel = ch
		}
		if needed(in.Channel) {
			in.Used = true
		}
	}
	// Logs named after their channel (System.evtx, ...%4Operational.evtx)
	// come from a Windows log directory: trust the names. Without a System
	// log by name that opens and holds a record, the files were renamed
	// (exports, samples), or the one so named is not a log: take the
	// channel of logs whose name says nothing we read from their first event.
	// Beside a System log by name, do so for logs whose names mention a
	// channel we read: a second copy or another machine's log ("System
	// (1)", "vm2-System") holds records of it as surely as the first.
	// At most maxPeeks logs are opened that way.
	noSystem := true
	for i, in := range p.inputs {
		if in.Used && strings.EqualFold(in.Channel, SystemChannel) && namedSystemReadable(p.logs[i]) {
			noSystem = false
			break
		}
	}
	mentions := func(name string) bool {
		name = strings.ToLower(name)
		for ch := range p.byChannel {
			if strings.Contains(name, ch) {
				return true
			}
		}
		return strings.Contains(name, strings.ToLower(SystemChannel))
	}
	peeks := 0
	for i, in := range p.inputs {
		if in.Used || peeks >= maxPeeks || !(noSystem || mentions(in.Channel)) {
			continue
		}
		peeks++
		ch, err := p.logs[i].FirstChannel()
		if err != nil {
			in.Err = err // unreadable, not "a channel no rule reads"
		}
		if ch != "" && !strings.EqualFold(ch, in.Channel) && needed(ch) {
			in.Channel, in.ChannelFromEvents, in.Used = ch, true, true
		}
	}
	return p
}

// namedSystemReadable reports whether a log named after the System channel
// opens and holds a record (the first one decodes): only then does its
// name say that the System log of the machine is there. It opens the log
// and decodes its first record (evtx Log.FirstChannel).
func namedSystemReadable(l *evtx.Log) bool {
	ch, err := l.FirstChannel()
	return err == nil && ch != ""
}
