package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/hosts"
)

// A machine renamed logs EventLog event 6011 in System, "The NetBIOS name
// and DNS host name of this machine have been changed from %1 to %2."
// (classic source EventLog, message file netevent.dll, message id
// EVENT_ComputerNameChange 0x8000177b; two unnamed Data elements, the old
// name and the new: /work/shared/reference/domain.md §2.5, from Microsoft's
// provider listing and netevent.h). A new name takes effect when the
// machine restarts (Microsoft, Rename-Computer, example 1: "renames the
// local computer to Server044 and then restarts it to make the change
// effective",
// https://learn.microsoft.com/powershell/module/microsoft.powershell.management/rename-computer),
// and its records name it from then on, so that the records on the two
// sides of a time gap (the machine off, or restarted) or a clock jump
// carry two names of one machine. A clock change explains a jump or gap
// only on the computer whose records make it (ClockChange.sameComputer);
// two names a 6011 of the log links are that one computer.

// rename is one EventLog 6011 record: the host keys (hosts.Key) of the
// old and the new name, and the record.
type rename struct {
	from, to string
	names    [2]string // as written
	record   *RecordRef
}

// renameSet holds the renames a log records: each rename (old and new
// name) once, its first-written record, up to maxRenames of them; omitted
// counts the records of the renames past those (in the order read). The
// zero value and nil hold none.
type renameSet struct {
	list    []rename
	omitted int
}

// maxRenames bounds the distinct renames a renameSet keeps, so that a log
// of many 6011s (hostile, or a machine renamed in a loop) keeps a bounded
// list and links names in bounded time (same walks it for each name). A
// machine is renamed a handful of times in its life; the text of a jump or
// gap whose names no kept rename links says how many were not read
// (unreadText). A variable for tests.
var maxRenames = 256

// isRename reports whether a record of provider and event id is EventLog
// 6011.
func isRename(provider string, id uint16) bool {
	return id == 6011 && strings.EqualFold(provider, "EventLog")
}

// renameOf reads the rename ev records, ok false when ev is not a 6011 or
// does not name two hosts.
func renameOf(ev *evtx.Event, copies bool) (rename, bool) {
	if ev.Partial != "" || !isRename(ev.System.Provider.Name, ev.System.EventID) || len(ev.EventData) < 2 {
		return rename{}, false
	}
	from := strings.TrimSpace(ev.EventData[0].Value.String())
	to := strings.TrimSpace(ev.EventData[1].Value.String())
	if hosts.Key(from) == "" || hosts.Key(to) == "" {
		return rename{}, false
	}
	r := recordRefOf(ev, copies)
	return rename{from: hosts.Key(from), to: hosts.Key(to), names: [2]string{from, to}, record: r}, true
}

// recordRefOf is NewRecordRef of ev at its TimeCreated, named with the
// copy that holds it when copies is set (a log of copies read as one).
func recordRefOf(ev *evtx.Event, copies bool) *RecordRef {
	r := NewRecordRef(ev)
	if tc, ok := evtx.TimeCreatedOf(ev); ok {
		r.Time = tc
	}
	if copies {
		r.File = ev.Source.File
	}
	return r
}

// readRenames returns the renames among every record of l: with plain
// every record decoded, otherwise only the 6011s (a Filter on their
// summaries' provider and event id), which gives the same renames.
func readRenames(l *evtx.Log, o evtx.Options, plain bool) (*renameSet, error) {
	o.Since, o.Until = time.Time{}, time.Time{}
	copies := merged(l)
	rs := &renameSet{}
	// Each rename once, at its first-written record: the one same and
	// linking name, as the first of its records in written order was.
	at := map[[2]string]int{}
	err := eachOf(l, o, plain, isRename, func(ev *evtx.Event) {
		r, ok := renameOf(ev, copies)
		if !ok {
			return
		}
		k := [2]string{r.from, r.to}
		if i, seen := at[k]; seen {
			if r.record.before(rs.list[i].record) {
				rs.list[i] = r
			}
			return
		}
		if len(rs.list) >= maxRenames {
			rs.omitted++
			return
		}
		at[k] = len(rs.list)
		rs.list = append(rs.list, r)
	})
	if err != nil {
		return rs, err
	}
	slices.SortStableFunc(rs.list, renameCmp)
	return rs, nil
}

// renameCmp orders renames as their records were written.
func renameCmp(a, b rename) int {
	switch {
	case a.record.before(b.record):
		return -1
	case b.record.before(a.record):
		return 1
	}
	return 0
}

// same reports whether computers a and b are one host (hosts.Key), or
// hosts that renames of rs link (a renamed to b, or through other
// names), and the renames that link them (none when the keys are equal).
func (rs *renameSet) same(a, b string) (bool, []rename) {
	ka, kb := hosts.Key(a), hosts.Key(b)
	if ka == kb {
		return true, nil
	}
	if rs == nil {
		return false, nil
	}
	// Breadth first over the renames, each used once.
	type step struct {
		key string
		via []rename
	}
	seen := map[string]bool{ka: true}
	queue := []step{{key: ka}}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		for _, r := range rs.list {
			var next string
			switch st.key {
			case r.from:
				next = r.to
			case r.to:
				next = r.from
			default:
				continue
			}
			if seen[next] {
				continue
			}
			via := append(slices.Clip(st.via), r)
			if next == kb {
				return true, via
			}
			seen[next] = true
			queue = append(queue, step{key: next, via: via})
		}
	}
	return false, nil
}

// renamesText says the renames that make several names one machine:
// "EventLog 6011 (EventRecordID 174, ...) renamed WIN-P4 to DESKTOP-2K".
func renamesText(rs []rename) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("EventLog 6011 (%s, %s) renamed %s to %s", r.record, evtx.FormatEventTime(r.record.Time), r.names[0], r.names[1])
	}
	return strings.Join(parts, "; ")
}

// maxJumpHosts bounds the hosts a jump keeps of its records
// (ClockJump.hostKeys): more is a log of several machines' records, not
// one machine renamed.
const maxJumpHosts = 4

// linking returns the renames of rs that link each of names to the
// first (in written order, each once), and whether every one is linked.
func (rs *renameSet) linking(names []string) ([]rename, bool) {
	var out []rename
	all := true
	for _, n := range names[min(1, len(names)):] {
		same, via := rs.same(names[0], n)
		all = all && same
		for _, r := range via {
			if !slices.ContainsFunc(out, func(o rename) bool { return o.record == r.record }) {
				out = append(out, r)
			}
		}
	}
	slices.SortStableFunc(out, renameCmp)
	return out, all
}

// namesDiffer reports whether names (computers, "" none) name more than
// one host (hosts.Key).
func namesDiffer(names ...string) bool {
	first := ""
	for _, n := range names {
		k := hosts.Key(n)
		if k == "" {
			continue
		}
		if first == "" {
			first = k
		} else if k != first {
			return true
		}
	}
	return false
}

// oneHost reports whether j's records are of one host: they name one, or
// names the renames of its log link (j.renames).
func (j *ClockJump) oneHost() bool {
	if !j.manyHosts {
		return true
	}
	if j.hostsOver || j.renames == nil {
		return false
	}
	_, all := j.renames.linking(j.hostKeys)
	return all
}

// names returns the computers j's changes are compared with, and those
// of cands: its records' hosts, its last-written record's (a jump
// ahead), the changes'.
func (j *ClockJump) names(cands []*ClockChange) []string {
	out := slices.Clone(j.hostKeys)
	if !j.Behind {
		out = append(out, j.lastComputer)
	}
	for _, c := range cands {
		if c.big() {
			out = append(out, c.computer)
		}
	}
	return out
}

// withRenames sets j.renames, where the names j and the changes of its
// log (their hosts, up to two: changeSet.hostKeys; ExplainClockJumps,
// logClockChanges) compare differ, to the renames its log l records
// (readRenames); a read error leaves none.
func (j *ClockJump) withRenames(l *evtx.Log, o evtx.Options, plain bool, keys []string) {
	if j == nil || j.hostsOver || !namesDiffer(append(append(j.names(nil), j.cands.hostKeys()...), keys...)...) {
		return
	}
	if rs, err := readRenames(l, o, plain); err == nil {
		j.renames = rs
	}
}

// renamedText says, of a jump whose records, last-written record and
// changes name several names of one machine, the renames that make them
// one ("" for none).
func (j *ClockJump) renamedText() string {
	if j.renames == nil {
		return ""
	}
	via, _ := j.renames.linking(j.names(j.Changes))
	if len(via) == 0 {
		return ""
	}
	return "; the log records the machine's rename, which makes those names one computer: " + renamesText(via)
}

// withRenames sets g.renames, where the computers of the records on g's
// two sides and of its changes' candidates differ, to the renames its
// log l records (readRenames); a read error leaves none.
func (g *TimeGap) withRenames(l *evtx.Log, o evtx.Options, plain bool) {
	if !namesDiffer(append(slices.Clone(g.computers[:]), g.cands.hostKeys()...)...) {
		return
	}
	if rs, err := readRenames(l, o, plain); err == nil {
		g.renames = rs
	}
}

// namesText says, of a gap whose two sides name different computers,
// whether the log records the rename of one to the other ("" when they
// name one): with it, a clock change of either name explains the gap;
// without it, none is named.
func (g *TimeGap) namesText() string {
	if !namesDiffer(g.computers[:]...) || g.renames == nil {
		return ""
	}
	if via, all := g.renames.linking(g.computers[:]); all {
		return fmt.Sprintf("; the records on its two sides name %s and %s, one machine renamed: %s", g.computers[0], g.computers[1], renamesText(via))
	}
	return fmt.Sprintf("; the records on its two sides name different computers (%s before it, %s after it), and the log records no rename of one to the other (EventLog 6011)%s: no clock change is named for it", g.computers[0], g.computers[1], g.renames.unreadText())
}

// unreadText says, where rs left renames out (maxRenames), how many of
// their records were not read: "" when none.
func (rs *renameSet) unreadText() string {
	if rs == nil || rs.omitted == 0 {
		return ""
	}
	return fmt.Sprintf(" among the %d renames read (the first %d distinct in the order read; %d more EventLog 6011 records, of other renames, were not read)", len(rs.list), maxRenames, rs.omitted)
}

// hostsText says, of a jump whose records name several computers that no
// rename its log records makes one (the renames read: withRenames), that
// no clock change is named for it and why; "" otherwise. A jump ahead
// says what its records name in shows.
func (j *ClockJump) hostsText() string {
	if !j.manyHosts || j.oneHost() || j.renames == nil && !j.hostsOver {
		return ""
	}
	names := strings.Join(j.hostNames, ", ")
	if j.hostsOver {
		names += ", and more"
	}
	return fmt.Sprintf("; its records name several computers (%s), and the log records no rename that makes them one machine (EventLog 6011)%s: no clock change is named for it", names, j.renames.unreadText())
}
