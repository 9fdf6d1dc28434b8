package rules

import (
	"cmp"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/hosts"
	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// A clock change is an event Windows logs when the system time is set:
//
//   - Microsoft-Windows-Kernel-General event 1 in System, "The system time
//     has changed to %1 from %2." (the provider's message table,
//     message 0xb1000001), with the EventData fields NewTime and OldTime
//     (FILETIMEs), and on newer builds Reason ("Change Reason", a UInt32),
//     ProcessName and ProcessID, and later TimeDeltaInMs, CmosTime and
//     more (the provider's manifest as listed by
//     https://detection-wiki-dev.pages.dev/microsoft-windows-kernel-general/1).
//     Reason's value map: 1 "An application or system component changed
//     the time", 2 "System time synchronized with the hardware clock", 3
//     "System time adjusted to the new time zone" (kacos2000,
//     Win10-Research, EventLogs/README.md, from Get-WinEvent
//     -ListProvider "Microsoft-Windows-Kernel-General"; the same texts are
//     the provider's value-map messages 0xd1000002 to 0xd1000004). The
//     real samples show it: omerbenamram's system.evtx holds reason 1
//     changes by the time service every hour or so, reason 2 changes of
//     days on resume (EventRecordID 538, 541), and reason 3 changes with
//     NewTime equal to OldTime (a time zone set: the UTC time stays).
//   - Microsoft-Windows-Security-Auditing event 4616 in Security, "The
//     system time was changed." (Microsoft, "4616(S): The system time was
//     changed",
//     https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-10/security/threat-protection/auditing/event-4616),
//     with PreviousTime and NewTime (FILETIMEs from Windows 7 and 2008 R2
//     on), ProcessId and ProcessName (the program that set the time) and
//     the Subject; version 0 (Windows Vista and 2008) splits each time
//     into a local date and time string, PreviousDate and PreviousTime,
//     NewDate and NewTime ("Previous Time: %6 %5": windows-security.org,
//     https://windows-security.org/windows-event-id/4616-the-system-time-was-changed;
//     Ultimate Windows Security, event 4616: "One or two fields depending
//     on version of Windows"), as the Security_with_size_t sample holds
//     them ("9/12/2015", "8:42:21 PM"). "It is normal for the Windows Time
//     Service, which runs with System privilege, to change the system time
//     on a regular basis. Other system time changes may be indicative of
//     attempts to tamper with the computer" (the same pages); the time
//     service runs in svchost.exe as LOCAL SERVICE.
//
// Both are written after the change, stamped with the new time: in every
// such record of the samples TimeCreated lies within a second of NewTime
// (omerbenamram's system.evtx, EventRecordID 218: TimeCreated
// 07:18:24.683, NewTime 07:18:24.688, OldTime 17:18:24.403 the same day).
// So a change that set the clock ahead is among the records whose time
// lies ahead, and one that set it back lies among those written at the
// corrected time.

// ClockChange is a record that says the system time was set: Old and New
// are the times the clock showed before and after (UTC).
type ClockChange struct {
	Record *RecordRef
	// Event is "Kernel-General 1" or "Security 4616".
	Event    string
	Old, New time.Time
	// Reason is Kernel-General 1's Reason, 0 when the record has none.
	Reason uint32
	// Process is the program that set the time (ProcessName), "" when
	// the record does not name one; PID its ProcessID/ProcessId as
	// written.
	Process, PID string
	// Local holds, for a 4616 of version 0, the local times as written
	// ("9/12/2015 8:42:21 PM to 9/12/2015 10:42:22 AM"): Old and New are
	// then read with the UTC offset TimeCreated shows (clockLocal).
	Local    string
	computer string
}

// kernelGeneral and securityAuditing are the providers of the two events.
const (
	kernelGeneral    = "Microsoft-Windows-Kernel-General"
	securityAuditing = "Microsoft-Windows-Security-Auditing"
)

// isClockChange reports whether a record of provider and event id is one
// of the two clock-change events.
func isClockChange(provider string, id uint16) bool {
	switch id {
	case 1:
		return strings.EqualFold(provider, kernelGeneral)
	case 4616:
		return strings.EqualFold(provider, securityAuditing)
	}
	return false
}

// ReasonText is the Kernel-General 1 Reason's text (see the value map
// above), "" for a value the map does not hold.
func ReasonText(r uint32) string {
	switch r {
	case 1:
		return "an application or system component changed the time"
	case 2:
		return "system time synchronized with the hardware clock"
	case 3:
		return "system time adjusted to the new time zone"
	}
	return ""
}

// clockChangeOf reads the change ev says, nil when ev is not one, or
// its times cannot be read.
// ev's record is named with the copy that holds it when copies is set
// (a log of copies read as one: LogRecordRef).
func clockChangeOf(ev *evtx.Event, copies bool) *ClockChange {
	s := &ev.System
	if ev.Partial != "" || !isClockChange(s.Provider.Name, s.EventID) {
		return nil
	}
	tc, ok := evtx.TimeCreatedOf(ev)
	if !ok || known(tc).IsZero() {
		return nil
	}
	r := NewRecordRef(ev)
	r.Time = tc
	if copies {
		r.File = ev.Source.File
	}
	return newClockChange(s.EventID, s.Computer, r, func(name string) (evtx.Value, bool, bool) {
		v, found := ev.Data(name)
		return v, found, true
	})
}

// clockChangeOfSummary is clockChangeOf from a record's summary, while a
// Filter is given it (evtx.Summary.Data, or the event it summarizes where
// that was decoded first: evtx.Summary.Decoded): ok false when a field
// cannot be read without decoding the record (the caller then decodes
// it), else the change (nil for none).
func clockChangeOfSummary(s evtx.Summary, copies bool) (c *ClockChange, ok bool) {
	if !isClockChange(s.Provider, s.EventID) || s.TimeCreated.IsZero() {
		return nil, true
	}
	if ev := s.Decoded(); ev != nil {
		// Of copies read as one: the event, decoded already, names the
		// copy that holds it.
		return clockChangeOf(ev, copies), true
	}
	r := &RecordRef{EventRecordID: s.EventRecordID, RecordNumber: s.RecordID, Time: known(s.TimeCreated)}
	if r.Time.IsZero() {
		return nil, true
	}
	ok = true
	c = newClockChange(s.EventID, s.Computer, r, func(name string) (evtx.Value, bool, bool) {
		v, found, o := s.Data(name)
		ok = ok && o
		return v, found, o
	})
	if !ok {
		return nil, false
	}
	return c, true
}

// newClockChange builds the change of a record of event id id, named
// r (Time its TimeCreated), whose EventData fields data gives (ok false:
// not read, nil returned). A change of ClockSlack or less (a time
// synchronisation, most of them) is nil: no jump is made of it.
func newClockChange(id uint16, computer string, r *RecordRef, data func(string) (evtx.Value, bool, bool)) *ClockChange {
	str := func(name string) (string, bool) {
		v, found, ok := data(name)
		if !ok || !found {
			return "", ok
		}
		return strings.TrimSpace(v.String()), true
	}
	c := &ClockChange{Record: r, computer: computer}
	oldName := "OldTime"
	if id == 4616 {
		c.Event, oldName = "Security 4616", "PreviousTime"
	} else {
		c.Event = "Kernel-General 1"
	}
	var okAll = true
	get := func(name string) (evtx.Value, bool) {
		v, found, ok := data(name)
		okAll = okAll && ok
		return v, found && ok
	}
	ov, okO := get(oldName)
	nv, okN := get("NewTime")
	if !okAll || !okO || !okN {
		return nil
	}
	var od, nd evtx.Value
	var okOD, okND bool
	if id == 4616 {
		od, okOD = get("PreviousDate")
		nd, okND = get("NewDate")
		if !okAll {
			return nil
		}
	}
	if okOD && okND {
		// Version 0: local date and time strings.
		ol := strings.TrimSpace(od.String()) + " " + strings.TrimSpace(ov.String())
		nl := strings.TrimSpace(nd.String()) + " " + strings.TrimSpace(nv.String())
		o, n, ok := clockLocal(ol, nl, r.Time)
		if !ok {
			return nil
		}
		c.Old, c.New, c.Local = o, n, ol+" to "+nl
	} else {
		o, okT := valueTime(ov)
		n, okT2 := valueTime(nv)
		if !okT || !okT2 {
			return nil
		}
		c.Old, c.New = o, n
	}
	if !c.big() {
		// A time synchronisation: never named (explainAhead and the
		// others ask for more), so its other fields are not read.
		return nil
	}
	if v, found := get("Reason"); found {
		if f, ok := v.Number(); ok && f >= 0 && f <= 1<<32-1 {
			c.Reason = uint32(f)
		}
	}
	pidName := "ProcessID"
	if id == 4616 {
		pidName = "ProcessId"
	}
	var okS bool
	if c.Process, okS = str("ProcessName"); !okS {
		return nil
	}
	if c.PID, okS = str(pidName); !okS || !okAll {
		return nil
	}
	return c
}

// valueTime reads a time field: a FILETIME or SYSTEMTIME value, or a
// string in the form Windows renders them (RFC 3339, UTC).
func valueTime(v evtx.Value) (time.Time, bool) {
	switch v.Kind {
	case evtx.KindFileTime, evtx.KindSysTime:
		t := known(v.Time)
		return t, !t.IsZero()
	case evtx.KindString:
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v.Str))
		return t.UTC(), err == nil
	}
	return time.Time{}, false
}

// clockLocal reads a version 0 4616's local times ol and nl ("9/12/2015
// 8:42:21 PM", the form of the Security_with_size_t sample, US English:
// the event's text is formatted in the logging machine's locale), in UTC,
// with the offset of nl from created (the record's TimeCreated, written
// at the new time: see the package note above) rounded to a quarter
// hour, the step of every time zone. ok is false when either does not
// read in that form, or nl lies more than two minutes from created plus
// that offset, or the offset is more than 14 hours: then the record is
// not used.
func clockLocal(ol, nl string, created time.Time) (old, new time.Time, ok bool) {
	const layout = "1/2/2006 3:04:05 PM"
	o, err1 := time.Parse(layout, ol)
	n, err2 := time.Parse(layout, nl)
	if err1 != nil || err2 != nil {
		return old, new, false
	}
	off := n.Sub(created).Round(15 * time.Minute)
	if off.Abs() > 14*time.Hour {
		return old, new, false
	}
	if d := n.Add(-off).Sub(created); d.Abs() > 2*time.Minute {
		return old, new, false
	}
	return o.Add(-off), n.Add(-off), true
}

// Forward reports whether c set the clock ahead (New after Old).
func (c *ClockChange) Forward() bool { return c.New.After(c.Old) }

// big reports whether c moved the clock by more than ClockSlack: no time
// synchronisation (seconds), and at least as large as the jumps the
// report names.
func (c *ClockChange) big() bool {
	return c.New.Sub(c.Old).Abs() > ClockSlack
}

// TimeService reports whether c names the Windows Time service's host
// process, svchost.exe, as the program that set the time.
func (c *ClockChange) TimeService() bool {
	return strings.EqualFold(path.Base(strings.ReplaceAll(c.Process, `\`, "/")), "svchost.exe")
}

// String says what c records: "Kernel-General 1 (EventRecordID 218,
// 2017-07-12T07:18:24.6832675Z) set the clock back from ... to ...,
// 9h 59m 59s, reason 1 (an application or system component changed the
// time)"; of a 4616, the program that set it, and that it is not the
// Windows Time service's process where it is not.
func (c *ClockChange) String() string {
	dir := "back"
	if c.Forward() {
		dir = "ahead"
	}
	s := fmt.Sprintf("%s (%s, %s) set the clock %s from %s to %s (%s)", c.Event, c.Record, evtx.FormatEventTime(c.Record.Time), dir,
		evtx.FormatEventTime(c.Old), evtx.FormatEventTime(c.New), exactSpan(c.Old, c.New))
	if c.Local != "" {
		s += fmt.Sprintf(", local times %s as written", c.Local)
	}
	if c.Reason != 0 {
		if t := ReasonText(c.Reason); t != "" {
			s += fmt.Sprintf(", reason %d (%s)", c.Reason, t)
		} else {
			s += fmt.Sprintf(", reason %d", c.Reason)
		}
	}
	switch {
	case c.Process != "" && c.TimeService():
		s += fmt.Sprintf(", by %s", c.Process)
	case c.Process != "":
		s += fmt.Sprintf(", by %s, not the Windows Time service's svchost.exe", c.Process)
	}
	if c.PID != "" && c.Process != "" {
		s += fmt.Sprintf(" (process ID %s)", c.PID)
	}
	return s
}

// maxHeldChanges bounds the clock changes a read holds (changeSet) before
// the jumps and gaps they may explain judge them: a log that records more
// (a machine whose time synchronisation flaps writes thousands a day, or
// a hostile log made of them) is read again, each change judged as it
// comes (changeKeep), so that memory stays bounded and the same changes
// are named (TestClockChangesBounded). A variable only so that a test can
// make every read take the second way.
var maxHeldChanges = 1024

// maxNamedChanges is the most clock changes a jump or gap names (its
// Changes), the first in written order (changeCmp); ChangesNotNamed
// counts the others, and ChangeText says how many.
const maxNamedChanges = 8

// changeSet collects clock changes from several goroutines (a reader's
// Filter) and the reading one: up to maxHeldChanges of them, as given
// (over is set when more were given: list is not all of them), and the
// hosts (hosts.Key) their records name, up to two (enough for
// namesDiffer: withRenames).
type changeSet struct {
	mu   sync.Mutex
	list []*ClockChange
	over bool
	keys []string
}

func (cs *changeSet) add(c *ClockChange) {
	if c == nil {
		return
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.noteKey(hosts.Key(c.computer))
	if len(cs.list) < maxHeldChanges {
		cs.list = append(cs.list, c)
	} else {
		cs.over = true
	}
}

// merge adds the changes of o (nil: none) to cs, and its over and keys.
func (cs *changeSet) merge(o *changeSet) {
	if o == nil {
		return
	}
	o.mu.Lock()
	list, over, keys := slices.Clone(o.list), o.over, slices.Clone(o.keys)
	o.mu.Unlock()
	for _, c := range list {
		cs.add(c)
	}
	cs.mu.Lock()
	cs.over = cs.over || over
	for _, k := range keys {
		cs.noteKey(k)
	}
	cs.mu.Unlock()
}

// noteKey notes host k ("": none) among cs's (locked) hosts, up to two.
func (cs *changeSet) noteKey(k string) {
	if k != "" && len(cs.keys) < 2 && !slices.Contains(cs.keys, k) {
		cs.keys = append(cs.keys, k)
	}
}

// isOver reports whether cs was given more changes than it holds (nil:
// none given).
func (cs *changeSet) isOver() bool {
	if cs == nil {
		return false
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.over
}

// hostKeys returns the hosts cs's changes name, up to two (nil: none).
func (cs *changeSet) hostKeys() []string {
	if cs == nil {
		return nil
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return slices.Clone(cs.keys)
}

// sorted returns the changes cs holds in written order, each record once
// (by record number and copy: a record two reads give counts once).
func (cs *changeSet) sorted() []*ClockChange {
	if cs == nil {
		return nil
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return sortChanges(cs.list)
}

// changeCmp orders changes as written (RecordRef.before: by EventRecordID,
// else record number), then by record number, EventRecordID and copy
// (File): a total order on what makes a record one (sortChanges), so that
// the changes a jump or gap names are the same whatever order the reads
// give them in.
func changeCmp(a, b *ClockChange) int {
	ra, rb := a.Record, b.Record
	if c := cmp.Compare(ra.orderID(), rb.orderID()); c != 0 {
		return c
	}
	if c := cmp.Compare(ra.RecordNumber, rb.RecordNumber); c != 0 {
		return c
	}
	if c := cmp.Compare(ra.EventRecordID, rb.EventRecordID); c != 0 {
		return c
	}
	return strings.Compare(ra.File, rb.File)
}

// sortChanges returns list in written order (changeCmp), each record
// once.
func sortChanges(list []*ClockChange) []*ClockChange {
	out := slices.Clone(list)
	slices.SortStableFunc(out, changeCmp)
	return slices.CompactFunc(out, func(a, b *ClockChange) bool { return changeCmp(a, b) == 0 })
}

// changeKeep keeps, of the changes it is given that fit (explain a jump
// or gap), the first maxNamedChanges in written order (changeCmp), and
// counts them all: n. A record given twice counts once while it is among
// those kept, so each source gives every record once (a list from
// sortChanges, or one read).
type changeKeep struct {
	fit   func(*ClockChange) bool
	first []*ClockChange
	n     int
}

func (k *changeKeep) add(c *ClockChange) {
	if c == nil || !k.fit(c) {
		return
	}
	i, found := slices.BinarySearchFunc(k.first, c, changeCmp)
	if found {
		return
	}
	k.n++
	if i < maxNamedChanges {
		k.first = slices.Insert(k.first, i, c)
		k.first = k.first[:min(len(k.first), maxNamedChanges)]
	}
}

// named returns the changes k names and the number it does not.
func (k *changeKeep) named() ([]*ClockChange, int) {
	return slices.Clip(k.first), k.n - len(k.first)
}

// held gives k the changes sets hold (nil: none), each record once, and
// reports whether they are all it was given: false, giving k nothing,
// when a set was given more than it holds (changeSet.over), and the
// changes must be read again.
func (k *changeKeep) held(sets ...*changeSet) bool {
	var all []*ClockChange
	for _, cs := range sets {
		if cs.isOver() {
			return false
		}
		all = append(all, cs.sorted()...)
	}
	for _, c := range sortChanges(all) {
		k.add(c)
	}
	return true
}

// sameComputer reports whether c was logged by each of computers ("",
// a record naming none, matches any; hosts.Key: "VM01" and
// "vm01.contoso.com" are one host). A log of forwarded events, or the
// logs of several machines read as one, holds several machines' clocks,
// and a change explains a jump or gap only on the computer whose records
// make it: a jump's own records (one host among them) and, for a jump
// ahead, the last-written record it is measured from (explainAhead,
// explainBehind); the records on both sides of a gap (TimeGap.explain).
// Not the first-written record a jump behind is measured from: in both
// real samples with a jump behind, setup's name was changed among the
// first records (omerbenamram's system.evtx: WIN-P4SIAA0SQCO for records
// 1 to 173, DESKTOP-2KGM189 from 174 on, its jump's records and change
// 218; Security_with_size_t.evtx: 26L2233B1-02, then WIN-L0ZZQ76PMUF
// from 33 on), a rename the log's record numbers show only when every
// record is read. Two names are one computer too where the log records
// the rename of one to the other (EventLog 6011: rs, nil for none read);
// where the names differ and it does not, no change is named: the log
// does not say which machine's clock it was.
func (c *ClockChange) sameComputer(rs *renameSet, computers ...string) bool {
	for _, computer := range computers {
		if computer == "" || c.computer == "" {
			continue
		}
		if same, _ := rs.same(c.computer, computer); !same {
			return false
		}
	}
	return true
}

// explainsAhead reports whether c explains j, a jump ahead: of the host
// of j's records and of the last-written record (none when they name
// more than one: sameComputer), one that set the clock ahead, by more
// than ClockSlack, to a time within ClockSlack of the times of j's
// records (from the earliest to the newest of those that place a record
// in time: ClockJump.placedLo, placedHi; none when no time of them does),
// written before j's last-written record; or one that set it back, by
// more than ClockSlack, from such a time, written after the first of j's
// records and not after the last-written record.
func (j *ClockJump) explainsAhead(c *ClockChange) bool {
	if j.placedLo.IsZero() || !c.big() || !j.oneHost() || !c.sameComputer(j.renames, j.lastComputer, j.host) || j.Last.before(c.Record) {
		return false
	}
	lo, hi := j.placedLo.Add(-ClockSlack), j.placedHi.Add(ClockSlack)
	near := func(t time.Time) bool { return !t.Before(lo) && !t.After(hi) && t.After(j.Last.Time.Add(ClockSlack)) }
	return c.Forward() && near(c.New) || !c.Forward() && near(c.Old) && j.First.before(c.Record)
}

// explainsBehind reports whether c explains j, a jump behind: of the
// host of j's records (none when they name more than one: sameComputer),
// one that set the clock back, by more than ClockSlack, to a time within
// ClockSlack of the times of j's records (from the oldest to the newest
// of those that place a record in time: ClockJump.placedLo, placedHi;
// none when no time of them does; a record of FILETIME 1 is a cleared
// value, not a clock set back to 1601), more than ClockSlack before the
// first-written record's, and written after the first-written record; or
// one that set it ahead, by more than ClockSlack, from such a time,
// written after the first of j's records.
func (j *ClockJump) explainsBehind(c *ClockChange) bool {
	if j.placedLo.IsZero() || !c.big() || !j.oneHost() || !c.sameComputer(j.renames, j.host) || !j.FirstWritten.before(c.Record) {
		return false
	}
	lo, hi := j.placedLo.Add(-ClockSlack), j.placedHi.Add(ClockSlack)
	near := func(t time.Time) bool {
		return !t.Before(lo) && !t.After(hi) && t.Before(j.FirstWritten.Time.Add(-ClockSlack))
	}
	return !c.Forward() && near(c.New) || c.Forward() && near(c.Old) && j.First.before(c.Record)
}

// explains reports whether c explains j (explainsAhead, explainsBehind).
func (j *ClockJump) explains(c *ClockChange) bool {
	if j.Behind {
		return j.explainsBehind(c)
	}
	return j.explainsAhead(c)
}

// explain sets j.Changes (and ChangesNotNamed) to the changes that
// explain it (explains) of its own candidates (the clock changes among
// the records its read decoded) and of more (nil: none). Where either was
// given more changes than it holds (changeSet.over), j's own are left
// out, and more must be those of every record of j's log: they are read
// again from l (o's window replaced), each judged as it comes, which
// names the same changes; a read error names those read before it.
// Without l, j's Changes are then none (FindClockJump alone:
// ExplainClockJumps names them).
func (j *ClockJump) explain(l *evtx.Log, o evtx.Options, plain bool, more *changeSet) {
	k := &changeKeep{fit: j.explains}
	if !k.held(j.cands, more) && l != nil {
		o.Since, o.Until = time.Time{}, time.Time{}
		_ = readClockChanges(l, o, plain, nil, k.add)
	}
	j.Changes, j.ChangesNotNamed = k.named()
}

// ExplainClockJumps sets the Changes of each of jumps (jumps of l, as
// FindClockJump and FindClockJumpBehind return them; nil ones are passed
// over) to the clock changes among every record of l that explain it
// (explainsAhead, explainsBehind), the first maxNamedChanges of them
// (ChangesNotNamed counts the others): for a reader with no analysed
// period (query), whose jumps' own reads hold a change that set the
// clock ahead into a jump ahead (stamped with the time ahead) but not the
// one that set it back (stamped with the corrected time, any time
// before), nor the one that set a clock that ran behind right. It reads
// l once when any jump is given (twice when l holds more than
// maxHeldChanges clock changes: explain): with plain every record
// decoded, otherwise only the clock changes (by their summaries'
// provider and event id), which gives the same changes. A read error
// leaves the jumps as they were and is returned.
func ExplainClockJumps(l *evtx.Log, o evtx.Options, plain bool, jumps ...*ClockJump) error {
	if !slices.ContainsFunc(jumps, func(j *ClockJump) bool { return j != nil }) {
		return nil
	}
	o.Since, o.Until = time.Time{}, time.Time{}
	var cs changeSet
	if err := readClockChanges(l, o, plain, nil, cs.add); err != nil {
		return err
	}
	for _, j := range jumps {
		if j != nil {
			j.withRenames(l, o, plain, cs.hostKeys())
			j.explain(l, o, plain, &cs)
		}
	}
	return nil
}

// readClockChanges gives add the clock changes among the records of l
// that o's window (Since, Until) yields, those whose TimeCreated in
// passes only when in is not nil: with plain every record decoded (and
// o's window left out: in judges them), otherwise only the clock changes
// (a Filter on their summaries' provider and event id), which gives the
// same changes. add is called from the reading goroutine only.
func readClockChanges(l *evtx.Log, o evtx.Options, plain bool, in func(time.Time) bool, add func(*ClockChange)) error {
	if plain {
		o.Since, o.Until = time.Time{}, time.Time{}
	}
	copies := merged(l)
	return eachOf(l, o, plain, isClockChange, func(ev *evtx.Event) {
		if c := clockChangeOf(ev, copies); c != nil && (in == nil || in(c.Record.Time)) {
			add(c)
		}
	})
}

// eachOf calls each, from the reading goroutine, for the records of l
// that o's window yields: with plain every record decoded, otherwise only
// those whose summary's provider and event id kind accepts (a Filter),
// which gives each the same records of that kind. It returns the error
// that ended the read (nil at its end).
func eachOf(l *evtx.Log, o evtx.Options, plain bool, kind func(provider string, id uint16) bool, each func(*evtx.Event)) error {
	o.Filter = nil
	if !plain {
		o.Filter = func(s evtx.Summary) bool { return kind(s.Provider, s.EventID) }
	}
	f, err := l.Open(o)
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		ev, err := f.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		each(ev)
	}
}

// logClockChanges returns the clock changes among every record of l (a
// log with a clock jump, which a change anywhere in it can explain:
// ExplainClockJumps), up to maxHeldChanges (changeSet), given period,
// those among the records of its analysed period [since, until] by
// TimeCreated (nil when that period was not read): the records outside
// the period are read now, through two windows, before since and after
// until (with plain, every record of l is read: with no shortcut, no
// window either). A record on a window's edge, read twice, counts once
// (sortChanges). On a read error the changes found are returned with it.
func logClockChanges(l *evtx.Log, o evtx.Options, plain bool, period *changeSet, since, until time.Time) (*changeSet, error) {
	cs := &changeSet{}
	var err error
	switch {
	case plain || period == nil:
		o.Since, o.Until = time.Time{}, time.Time{}
		err = readClockChanges(l, o, plain, nil, cs.add)
	default:
		cs.merge(period)
		if !since.IsZero() {
			o.Since, o.Until = time.Time{}, since
			err = readClockChanges(l, o, plain, nil, cs.add)
		}
		if !until.IsZero() && err == nil {
			o.Since, o.Until = until, time.Time{}
			err = readClockChanges(l, o, plain, nil, cs.add)
		}
	}
	return cs, err
}

// ChangeText is the warning that names the records of j.Changes, and
// says how many more (ChangesNotNamed) are not named; "" when there are
// none.
func (j *ClockJump) ChangeText() string {
	if len(j.Changes) == 0 {
		return ""
	}
	what := "the jump ahead"
	if j.Behind {
		what = "the jump behind"
	}
	return changeText(j.Path, what, j.Changes, j.ChangesNotNamed) + j.renamedText()
}

// changeText is the warning naming changes that explain what (in the
// log at path), and more others that do too, not named.
func changeText(path, what string, changes []*ClockChange, more int) string {
	parts := make([]string, len(changes))
	for i, c := range changes {
		parts[i] = c.String()
	}
	n := len(changes) + more
	count := plural.Word(n, "a clock change", "clock changes")
	if more > 0 {
		count = plural.N(n, "clock change")
		parts = append(parts, fmt.Sprintf("and %s, not named (the first %d written are)", plural.N(more, "more clock change"), len(changes)))
	}
	// "Explains", not "made": a change that set the clock back ends a
	// jump ahead, one that set it ahead starts it.
	return fmt.Sprintf("clock change in %s: the log records %s that explain%s %s: %s", path,
		count, plural.Word(n, "s", ""), what, strings.Join(parts, "; "))
}

// explains reports whether c explains g: of the computer of the records
// on both sides of it (sameComputer; where the two differ, none does),
// one that set the clock ahead, by more than ClockSlack, from a time no
// earlier than ClockSlack before the newest record before the gap to one
// within ClockSlack of the oldest record after it, written after the
// record before the gap. Then the machine ran, its clock behind or
// stopped, and the gap is the change.
func (g *TimeGap) explains(c *ClockChange) bool {
	if !c.big() || !c.Forward() || !c.sameComputer(g.renames, g.computers[:]...) || !g.Before.before(c.Record) {
		return false
	}
	if c.Old.Before(g.Before.Time.Add(-ClockSlack)) || !c.Old.Before(g.After.Time.Add(-ClockSlack)) {
		return false
	}
	return c.New.Sub(g.After.Time).Abs() <= ClockSlack
}

// explain sets g.Changes (and ChangesNotNamed) to the changes that explain
// it (explains) of its candidates (g.cands: the clock changes among the
// records of the ClockSlack from After on) and of period (nil: none),
// analyze's changes among the records of l whose TimeCreated lies in
// [since, until] (a zero bound: none). Where either was given more
// changes than it holds (changeSet.over), both are read again from l (o's
// window replaced), each judged as it comes, which names the same
// changes; a read error names those read before it.
func (g *TimeGap) explain(l *evtx.Log, o evtx.Options, plain bool, period *changeSet, since, until time.Time) {
	k := &changeKeep{fit: g.explains}
	if k.held(g.cands, period) {
		g.Changes, g.ChangesNotNamed = k.named()
		return
	}
	lo, hi := g.After.Time, g.After.Time.Add(ClockSlack)
	in := func(t time.Time) bool {
		return !t.Before(lo) && !t.After(hi) ||
			period != nil && (since.IsZero() || !t.Before(since)) && (until.IsZero() || !t.After(until))
	}
	o.Since, o.Until = lo, hi
	if period != nil {
		o.Since, o.Until = time.Time{}, time.Time{}
		if !since.IsZero() {
			o.Since = minTime(lo, since)
		}
		if !until.IsZero() {
			o.Until = maxTime(hi, until)
		}
	}
	_ = readClockChanges(l, o, plain, in, k.add)
	g.Changes, g.ChangesNotNamed = k.named()
}

// ChangeText is the warning that names the records of g.Changes, and
// says how many more (ChangesNotNamed) are not named; "" when there are
// none.
func (g *TimeGap) ChangeText() string {
	if len(g.Changes) == 0 {
		return ""
	}
	return changeText(g.Path, "the time gap", g.Changes, g.ChangesNotNamed)
}

// exactSpan renders the time between a and b to the second ("9 hours 59
// minutes 59 seconds", "67 days 23 hours 13 minutes 4 seconds"), where
// FormatSpan rounds down to its largest unit ("9 hours"); a span of a
// century or more as FormatSpan does.
func exactSpan(a, b time.Time) string {
	if b.Before(a) {
		a, b = b, a
	}
	if b.Sub(a) >= 100*365*24*time.Hour {
		return FormatSpan(a, b)
	}
	d := b.Sub(a).Round(time.Second)
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		if n := d / u.d; n > 0 {
			parts = append(parts, plural.N(int(n), u.name))
			d -= n * u.d
		}
	}
	if len(parts) == 0 {
		return "0 seconds"
	}
	return strings.Join(parts, " ")
}
