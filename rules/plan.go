package rules

// The plan: which logs Analyze reads and for which queries (plan), from the
// logs alone, before any record is decoded.

import (
	"fmt"
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
	// all holds every query, of every channel, in rule order: each log
	// read is evaluated by all of them, each record by those of its own
	// System/Channel (scanner.event), so that a log mixing channels has
	// every record of a channel the rules read evaluated, wherever it lies.
	all []*compiledQuery
	// warnings name the logs whose file name names a channel the rules
	// read and whose records are of another.
	warnings []string
}

// plan decides which logs Analyze reads and for which queries, from the
// channel of each log's first record (evtx Log.FirstChannel), or its file
// name's when no record tells. It decodes no other record and keeps no
// state: the same logs give the same plan.
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
			p.all = append(p.all, cq)
		}
	}
	needed := func(ch string) bool {
		_, ok := p.byChannel[strings.ToLower(ch)]
		return ok || strings.EqualFold(ch, SystemChannel)
	}

	// Inputs, each with the channel its records say. Support engineers
	// copy and rename logs (a Security.evtx that holds System records,
	// "System (1).evtx", export.evtx), so a file name is a hint: the
	// System/Channel of the log's first record decides, and the file name
	// only when no record tells (no record, or the log cannot be read:
	// Err then says why). The file name's channel is kept beside it when
	// the two differ, and a warning names the log when its file name
	// names a channel the rules read.
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
		ch, err := l.FirstChannel()
		if err != nil {
			in.Err = err // unreadable, not "a channel no rule reads"
		}
		if ch != "" && !strings.EqualFold(ch, in.Channel) {
			in.FileChannel, in.Channel, in.ChannelFromEvents = in.Channel, ch, true
			if in.FileChannel != "" && needed(in.FileChannel) {
				p.warnings = append(p.warnings, misnamedText(in))
			}
		}
		in.Used = needed(in.Channel)
	}
	return p
}

// misnamedText says that in's file name names another channel than its
// records.
func misnamedText(in *Input) string {
	return fmt.Sprintf("%s: its records are of the %s channel, not of %s as its file name says; it is read as %s", in.Path, in.Channel, in.FileChannel, in.Channel)
}
