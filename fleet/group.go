package fleet

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/hosts"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/rules"
)

// Options of Group.
type Options struct {
	// Channels are the channels whose logs are read to tell machines apart
	// (those the rules read; System is always added). Logs of other
	// channels are not read (but for the first record, which names the
	// channel): they go with the machines of their unit.
	Channels []string
	// Workers bounds the logs read at once (0: GOMAXPROCS).
	Workers int
	// Accepts, when set, says whether a query of the rules can match a
	// record of this provider name and event id (rules.Engine.Accepts):
	// a misnamed log whose first record is of a channel not read is
	// grouped by its records only when one of them is of a channel read
	// and accepted, and only the accepted records are decoded to find it.
	// nil: every record counts.
	Accepts func(provider string, eventID uint16) bool
	// Period, when positive, limits the records read to group the logs to
	// those whose TimeCreated lies within Period before the TimeCreated of
	// their log's last-written record (the highest record number), and
	// those after it (a clock that ran ahead), as the reader's window
	// selects them: never by record header time. Records without a
	// usable TimeCreated (none, FILETIME 0, before 1980, after the year 9999) are read
	// whatever the period and counted as with Period 0 (Copy.Untimed):
	// one of FILETIME 0, before every period's start, dropped out of the
	// grouping (periodSummaries). The analysed period (the rules' longest window plus the
	// look-back) is enough, since the records before it change no finding
	// (analyze reads at least the default look-back's, so that a shorter
	// one groups alike).
	// Copy.Records and Copy.Added then count the records of that period.
	// 0 reads every record.
	//
	// Renames and forwarded events are told from the records read too: a
	// log whose older records name another computer, or several
	// interleaved, is, with a Period that leaves them out, the machine its
	// newer records name (ExampleGroup). So Group with Period 0 and
	// evtxrdp analyze, which passes its grouping period (Period: 12 days with the
	// built-in rules and default flags: README), can find different
	// machines in one folder.
	//
	// Copies are found from the records read, so with Period an older
	// copy of a log all of whose records lie before the other copy's
	// period (a shadow copy taken long before, holding only the log's
	// first chunks) shares none there and is not merged: it stays a log
	// of its own, or, naming only a computer name the machine had before
	// a rename, a machine of its own, analysed from its own last-written
	// record. Where both logs are one machine's or in one unit, the
	// newer log is read at the time of the older one's newest records
	// (its last-written record's TimeCreated),
	// and if it holds them the Grouping of the machines says the older is
	// a copy (Machine.UnmergedCopy); an older copy in another unit
	// naming only a former name is not found. Merging it would read the
	// other log beyond the period, which Period is there to avoid; 0
	// finds and merges every copy. Logs of one channel and one computer
	// name (or names a rename links) read as separate logs are compared
	// over all their records all the same (clonesOverAll), so that the
	// machines they make are those Period 0 makes: clones whose shared
	// records lie before a period are two machines.
	Period time.Duration
}

// Machine is one Windows machine found in the inputs, or one log of
// forwarded events.
type Machine struct {
	// Name is the Computer value of the machine's newest record; "" when
	// none of its logs holds a record, and for forwarded events (Forwarded:
	// several computers; Label names them).
	Name string
	// Computers lists the host names its logs carry, oldest first: more
	// than one after a rename (EventLog 6011, or one Computer name ending
	// where the next begins in a log), or for forwarded events.
	Computers []string
	// Forwarded is set for a log whose records name several computers,
	// interleaved (forwarded events collected from other machines). It is
	// analysed as one log, not split; Grouping says so.
	Forwarded bool
	// Logs are the machine's logs, in the order they were found.
	Logs []*Log
	// Grouping says how the logs were grouped into this machine and why.
	Grouping []string
	// DamagedNames lists the Computer values that only damaged records
	// of its logs give (in a chunk whose checksum fails), while intact
	// records name its Computers: they are not taken as other machines
	// (Grouping says which records give them).
	DamagedNames []string
	// UnmergedCopy is set when, grouping from the analysed period
	// (Options.Period), a log of the machine is an older copy of another
	// log, or another log an older copy of one of its logs, that the
	// grouping did not merge (Grouping says which).
	UnmergedCopy bool

	units []int
	// sameName is set on machines a computer name (or names a rename
	// links) gave several of, their logs of one channel conflicting.
	sameName *sameName
}

// sameName is what machines of one computer name, or of names a rename
// links, share: the channel of the log that made the second of them, and
// the machines made for them.
type sameName struct {
	channel string
	all     []*Machine
}

// sameNameNote says that another machine has m's computer name, their
// logs of one channel covering the same period with different records;
// or, when no other has m's name (a rename links the names: one machine
// renamed after a clone), which name they both carried.
//
// Clones (Log.Parted) are said to part from one history rather than to
// cover the same period: an old clone's log may end before the other's
// period starts (TestOldCloneNote).
func (m *Machine) sameNameNote() string {
	sn := m.sameName
	how := func(o *Machine) string {
		if m.partedFrom(o) {
			return fmt.Sprintf("their %s logs hold the same records up to a point and different ones after it (a clone: the lines below say where)", sn.channel)
		}
		return fmt.Sprintf("their %s logs cover the same period with different records", sn.channel)
	}
	for _, o := range sn.all {
		if o != m && hostKey(o.Name) == hostKey(m.Name) {
			return "another machine has the same computer name: " + how(o)
		}
	}
	var others []string
	parted := true
	for _, o := range sn.all {
		if o == m || o.Name == "" {
			continue
		}
		parted = parted && m.partedFrom(o)
		both := ""
		for _, a := range m.Computers {
			for _, b := range o.Computers {
				if both == "" && hostKey(a) == hostKey(b) {
					both = a
				}
			}
		}
		if both != "" {
			others = append(others, fmt.Sprintf("%s, is not this one, though both carried the computer name %s", o.Name, both))
		} else {
			others = append(others, o.Name+", is not this one, though a rename links their computer names")
		}
	}
	text := fmt.Sprintf("their %s logs cover the same period with different records", sn.channel)
	if parted && len(others) > 0 {
		text = fmt.Sprintf("their %s logs hold the same records up to a point and different ones after it (a clone: the lines below say where)", sn.channel)
	}
	return fmt.Sprintf("another machine, %s: %s", strings.Join(others, "; another, "), text)
}

// partedFrom reports whether a log of m parted from a log of o (clones,
// Log.Parted).
func (m *Machine) partedFrom(o *Machine) bool {
	for _, l := range m.Logs {
		for _, c := range l.clones {
			if slices.Contains(o.Logs, c.Other) {
				return true
			}
		}
	}
	return false
}

// Label names the machine for people: "forwarded events: " and its
// Computers for forwarded events, its Name, or the place of its first log
// when no record names a computer.
func (m *Machine) Label() string {
	switch {
	case m.Forwarded:
		return "forwarded events: " + strings.Join(m.Computers, ", ")
	case m.Name != "":
		return m.Name
	case len(m.Logs) > 0:
		return "(no computer name) " + m.Logs[0].Copies[0].Path
	}
	return "(no computer name)"
}

// Log is one event log of a machine: one file, or copies of it (the same
// file by several paths, a shadow copy, an older copy) read as one.
type Log struct {
	Channel string
	// Copies are the files holding the log; the first is read first, and
	// each next one only adds the records no earlier one holds.
	Copies []*Copy
	// Read is true when the log was read to group the inputs (its channel
	// is one of Options.Channels, and a copy could be opened); Records then
	// counts its distinct records that grouping read (see Copy.Records).
	Read    bool
	Records int

	first, last  time.Time
	minID, maxID uint64
	hosts        []*hostSpan
	renames      [][2]string
	// damagedHosts are the hosts only damaged records of a copy name
	// (profile.damagedHosts), none that hosts holds, each with the path
	// of its copy.
	damagedHosts []damagedHost
	// renumbered is set when its copies number its records differently:
	// some copies share no record header with others, only events (an
	// export); the record numbers of hosts then mix numberings.
	// interleavedCopy is then set when the records of a copy name several
	// hosts interleaved (interleaved).
	renumbered, interleavedCopy bool
	// unsure sums its copies' Copy.Unsure: Records is at most that
	// above what evtx.Merge reads.
	unsure int
	order  int
	unit   int
	// units are the units of all its copies (unit first): a copy of the
	// log in another unit puts the machine there too, so that the logs
	// beside that copy that no rule reads go with it.
	units []int
	// clones are the logs of its copy set from which it parted: they
	// share a history and then hold different records under the same
	// EventRecordIDs (clonesApart); each is another machine's.
	clones []Parted
	// set are its copies' entries (indexes into Group's entries), for
	// clonesOverAll.
	set []int
	// overlap are the logs of its channel and computer name whose
	// records, all of them read, cover the same time as its own, while
	// none of theirs is one of its own (clonesOverAll): another writer's.
	overlap []*Log
	// unreadable is set when a copy could not be read: opened for
	// grouping and refused (its channel's rules read it), or no record
	// told its channel (Read is false either way; the inputs say why).
	unreadable bool
}

// Copy is one file of a Log.
type Copy struct {
	Path string
	Log  *evtx.Log
	// Records counts the copy's records that grouping read: those of the
	// grouping period (Options.Period; with Period 0, all) and those
	// without a usable TimeCreated (Untimed), records
	// decoded in part aside; of copies of one log, the period of the
	// newest copy (the latest start), which analyze reads the merged log
	// over; Added those that no copy before it holds (by the identity of evtx.Merge, judged without decoding
	// from the record's channel, EventRecordID, TimeCreated, provider,
	// event id and computer: a record whose content alone differs from an
	// earlier copy's is not counted, though Merge may read this copy of
	// it, instead of the earlier one (its chunk checksums verify and the
	// earlier's do not) or beside it, marked (evtx.Event.ConflictOf);
	// evtx.Reader.PartAdded counts by the decoded identity).
	Records, Added int
	// Differ counts those of Records that no copy before it holds by that
	// identity but that are a record an earlier copy holds all the same:
	// the same record number, non-zero header time, provider, computer
	// and event id, and EventRecordID or TimeCreated different (a byte
	// changed in one copy) or TimeCreated not read in one (evtx.Merge
	// reads such a record once, and says so of a conflict). Neither
	// Added nor the Log's Records count them; Grouping names them.
	Differ int
	// Unsure counts those of Added that may be a record an earlier copy
	// holds all the same, which grouping cannot tell without decoding:
	// records without a TimeCreated read that no earlier copy's record
	// header matched (an export leaves its header times 0 and renumbers
	// its records), and records with one, as many as the earlier copies
	// added without one. evtx.Merge, decoding them, counts such a record
	// once when another copy holds the same channel, EventRecordID and
	// content but for TimeCreated (evtx.Event.TimelessIdentity), so Added
	// is then at most Unsure above what Merge adds (Grouping says so).
	// It is a bound, not Merge's count, because what grouping reads of a
	// record (its summary: channel, provider, computer, record number,
	// header time, event id, EventRecordID, TimeCreated) does not hold
	// the rest of its content, which Merge compares: two exports whose
	// record without a TimeCreated has the other's content or another
	// ProcessID read alike here, and Merge reads 50 and 51 records of
	// them (TestUntimedExportUnsureIsNoMore). Only decoding such records
	// would tell; the analysis does.
	Unsure int
	// Untimed counts those of Records without a usable TimeCreated (none
	// read, FILETIME 0, before 1980, or after the year 9999:
	// evtx.UsableTime). They
	// are counted, and their computer names and record numbers count,
	// but they are placed in no time: the periods by which Group tells
	// two machines of one name, and a rename from forwarded events, apart
	// leave them out, and their record header times do not stand in (a
	// header time is when the record was written; an exported log
	// borrows it or leaves it 0). Grouping names the file when it is not 0.
	Untimed int
	// SameFile is set when the copy is the same file as an earlier one
	// reached by another path (a symbolic or hard link), or by the same
	// path given again; it is not read. SameAs is then that copy's Path.
	SameFile bool
	SameAs   string
}

// EvtxLogs returns the logs to analyse (rules.Engine.Analyze): one per
// Log, copies merged (evtx.Merge, which counts each record once by its
// decoded identity; every copy is read, also one that Added says adds
// nothing, since Added is judged without decoding; files that are the same
// file are read once), in the order found.
func (m *Machine) EvtxLogs() []*evtx.Log {
	var out []*evtx.Log
	for _, l := range m.Logs {
		out = append(out, l.EvtxLog())
	}
	return out
}

// EvtxLog returns the log to read: its copies merged (evtx.Merge, which
// counts each record once by its decoded identity; every copy is read,
// also one that Added says adds nothing, since Added is judged without
// decoding; files that are the same file are read once).
func (l *Log) EvtxLog() *evtx.Log {
	var parts []*evtx.Log
	for _, c := range l.Copies {
		if !c.SameFile {
			parts = append(parts, c.Log)
		}
	}
	return evtx.Merge(parts...)
}

// Copies finds the copies among logs as Group does, without grouping them
// into machines: the same file by several paths (Copy.SameFile), and logs
// that share a record (a byte-identical copy, a shadow copy, an older copy
// overlapping the newer one). It returns one Log per distinct log, in the
// order of each one's first copy in logs; Log.EvtxLog reads it, each record
// once. Copies hold records of one channel: the channel of a log's first
// record (evtx.Log.FirstChannel; its file name's, ChannelFromFileName,
// when it has none). Only
// logs whose channel another log shares have their record summaries read
// (workers at a time, 0: GOMAXPROCS); no record is decoded but EventLog
// 6011, and Log.Read is false for the others.
func Copies(logs []*evtx.Log, workers int) []*Log {
	es := make([]*entry, len(logs))
	for i, l := range logs {
		ch := l.Channel
		if len(logs) > 1 {
			ch, _ = logChannel(l, func(string) bool { return false })
		}
		es[i] = &entry{log: l, channel: ch, need: true, sameFile: -1}
	}
	markSameFiles(es)
	n := map[string]int{}
	for _, e := range es {
		if e.sameFile < 0 {
			n[strings.ToLower(e.channel)]++
		}
	}
	var idx []int
	for i, e := range es {
		if e.sameFile < 0 && n[strings.ToLower(e.channel)] > 1 {
			idx = append(idx, i)
		}
	}
	return copySets(context.Background(), es, idx, workers, 0)
}

// Copies reports whether some log of the machine was given more than once.
func (m *Machine) Copies() bool {
	for _, l := range m.Logs {
		if len(l.Copies) > 1 {
			return true
		}
	}
	return false
}

// entry is one log found, before grouping.
type entry struct {
	log      *evtx.Log
	unit     int
	channel  string
	misnamed bool // its file name names another channel (logChannel)
	// unknown: no record told its channel (it could not be read, or
	// all its records were decoded in part): channel is its file name's.
	unknown  bool
	need     bool
	prof     *profile
	sameFile int // index of the entry that is the same file, or -1
}

// Group finds the machines whose logs are in units: it reads the record
// summaries of the logs of opts.Channels (no record is decoded but each
// log's first, for its channel, and EventLog 6011; with opts.Period only
// the newest records) and groups the logs by what they say. A log's
// channel is that of its first record, its file name's only when no
// record tells (a Security.evtx holding System records is a System log).
//
//   - Logs that share records are copies of one log (Log.Copies).
//   - A log whose records name several hosts one after the other (record
//     ids and TimeCreated; a record without a usable TimeCreated counts by
//     its record id alone: Copy.Untimed) is a renamed machine; an EventLog
//     6011 links the old name to the new one across logs. Host names
//     compare by their first DNS label, ignoring case.
//   - Logs naming the same host are one machine, unless two of them of the
//     same channel cover the same period with
//     different records: two machines of the same name. A log of such a
//     name that no log of its channel on the others conflicts with goes
//     with the one machine whose other logs share its unit, or is a
//     machine of its own when none or several do (settleByPlace).
//   - A log whose records name several hosts interleaved (forwarded
//     events) is a machine of its own, marked Forwarded.
//   - Logs no record of which names a computer (empty, unreadable, or not
//     read because no rule reads their channel) go with the machines that
//     have logs in the same unit.
//
// Machines are sorted by name (case-insensitive), then by their first log.
func Group(units []*Unit, opts Options) []*Machine {
	ms, _ := GroupContext(context.Background(), units, opts) // never stopped
	return ms
}

// GroupContext is Group, stopped when ctx is done (cancelled or past its
// deadline): every read of the grouping looks at ctx once per chunk of
// each goroutine (evtx.Options.Context), and then it returns no machine
// and an error wrapping rules.ErrStopped and ctx's error (errors.Is(err,
// context.Canceled) holds), having started no goroutine that outlives it.
// A context that is never done gives what Group gives; what a stopped
// grouping read is not remembered for the logs (their memos keep no read
// that was stopped).
func GroupContext(ctx context.Context, units []*Unit, opts Options) ([]*Machine, error) {
	if ctx == nil {
		panic("fleet: GroupContext with a nil context.Context")
	}
	stopped := func() error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("fleet: %w: %w", rules.ErrStopped, err)
		}
		return nil
	}
	if err := stopped(); err != nil {
		return nil, err
	}
	needed := map[string]bool{"system": true}
	for _, c := range opts.Channels {
		needed[strings.ToLower(c)] = true
	}
	need := func(ch string) bool { return needed[strings.ToLower(ch)] }

	// The logs, each path once, each with the channel of its first
	// record, as the engine reads it (the file name's when no record
	// tells: a renamed or exported log holds the records it holds).
	var es []*entry
	paths := map[string]bool{}
	for ui, u := range units {
		for _, l := range u.Logs {
			if paths[l.Path] {
				continue
			}
			paths[l.Path] = true
			ch, fileCh, err := rules.LogChannel(l, need) // as logChannel, and whether a record told
			es = append(es, &entry{log: l, unit: ui, channel: ch, misnamed: !strings.EqualFold(ch, fileCh), unknown: err != nil, sameFile: -1})
		}
	}
	for _, e := range es {
		e.need = need(e.channel) || e.misnamed && len(rules.HeldChannels(e.log, need, opts.Accepts, evtx.Options{Workers: opts.Workers, Context: ctx}, false, 1)) > 0 // HoldsChannel
	}
	if err := stopped(); err != nil {
		return nil, err
	}
	markSameFiles(es)
	var idx []int
	for i, e := range es {
		if e.need && e.sameFile < 0 {
			idx = append(idx, i)
		}
	}
	all := copySets(ctx, es, idx, opts.Workers, opts.Period)
	if err := stopped(); err != nil {
		return nil, err
	}

	// Hosts linked by renames.
	linked := newUnionFind()
	var forwarded []*Log
	for _, l := range all {
		if len(l.hosts) == 0 {
			continue
		}
		if interleaved(l) {
			forwarded = append(forwarded, l)
			continue
		}
		for _, h := range l.hosts {
			linked.union(l.hosts[0].key, h.key)
		}
		for _, rn := range l.renames {
			linked.union(hostKey(rn[0]), hostKey(rn[1]))
		}
	}
	if opts.Period > 0 {
		// Logs of one channel and name that share no record in their
		// periods may yet be clones (clonesOverAll).
		clonesOverAll(ctx, es, all, func(l *Log) string {
			if len(l.hosts) == 0 || interleaved(l) {
				return ""
			}
			return linked.find(l.hosts[0].key)
		}, opts.Workers)
	}

	// Machines.
	var ms []*Machine
	byHost := map[string][]*Machine{}
	isForwarded := map[*Log]bool{}
	for _, l := range forwarded {
		isForwarded[l] = true
	}
	for _, l := range all {
		if len(l.hosts) == 0 || isForwarded[l] {
			continue
		}
		comp := linked.find(l.hosts[0].key)
		var pick *Machine
		for _, m := range byHost[comp] {
			if conflicts(m, l) {
				continue
			}
			if pick == nil || (!pick.hasUnit(l.unit) && m.hasUnit(l.unit)) {
				pick = m
			}
		}
		if pick == nil {
			pick = &Machine{}
			byHost[comp] = append(byHost[comp], pick)
			ms = append(ms, pick)
			if len(byHost[comp]) == 2 {
				first := byHost[comp][0]
				first.sameName = &sameName{channel: l.Channel}
				pick.sameName = first.sameName
			}
		}
		pick.add(l)
	}
	for _, group := range byHost {
		if len(group) > 1 {
			group[0].sameName.all = slices.Clone(group)
		}
	}
	for _, l := range all {
		if len(l.hosts) == 0 || isForwarded[l] {
			continue
		}
		if group := byHost[linked.find(l.hosts[0].key)]; len(group) > 1 {
			ms = append(ms, settleByPlace(group)...)
			byHost[linked.find(l.hosts[0].key)] = nil // settled once
		}
	}
	for _, l := range forwarded {
		m := &Machine{Forwarded: true}
		m.add(l)
		ms = append(ms, m)
	}

	// Logs without a computer name go with the machines of their unit.
	var orphans []*Log
	for _, l := range all {
		if len(l.hosts) > 0 {
			continue
		}
		var to []*Machine
		for _, m := range ms {
			if m.hasUnit(l.unit) && !m.Forwarded {
				to = append(to, m)
			}
		}
		for _, m := range to {
			m.Logs = append(m.Logs, l)
		}
		if len(to) == 0 {
			orphans = append(orphans, l)
		}
	}
	byUnit := map[int]*Machine{}
	for _, l := range orphans {
		m := byUnit[l.unit]
		if m == nil {
			m = &Machine{units: []int{l.unit}}
			byUnit[l.unit] = m
			ms = append(ms, m)
		}
		m.Logs = append(m.Logs, l)
	}

	of := map[*Log]*Machine{}
	for _, m := range ms {
		for _, l := range m.Logs {
			of[l] = m
		}
	}
	for _, m := range ms {
		m.finish(units, opts.Period > 0)
	}
	for _, m := range ms { // after finish, which names the machines
		if m.sameName != nil {
			m.Grouping = append(m.Grouping, m.sameNameNote())
		}
	}
	for _, m := range ms { // after finish, which names the machines
		m.Grouping = append(m.Grouping, cloneNotes(m, of)...)
	}
	if opts.Period > 0 {
		notePeriodCopies(ctx, ms)
	}
	if err := stopped(); err != nil {
		return nil, err
	}
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := strings.ToLower(ms[i].Label()), strings.ToLower(ms[j].Label())
		if a != b {
			return a < b
		}
		return ms[i].Logs[0].order < ms[j].Logs[0].order
	})
	return ms, nil
}

// copySets profiles the entries at idx (not the same file as an earlier
// entry: markSameFiles has run) and returns one Log per set of copies:
// entries that are the same file, or whose records share a key, in the
// order of each set's first entry.
func copySets(ctx context.Context, es []*entry, idx []int, workers int, period time.Duration) []*Log {
	// Profiles of the logs read.
	logs := make([]*evtx.Log, len(es))
	chans := make([]string, len(es))
	for i, e := range es {
		logs[i], chans[i] = e.log, e.channel
	}
	shared := make([]bool, len(es))
	for _, e := range es {
		if e.sameFile >= 0 {
			shared[e.sameFile] = true
		}
	}
	profs := profileAll(ctx, logs, chans, shared, idx, workers, period)
	for i, e := range es {
		if e.sameFile >= 0 {
			e.prof = profs[e.sameFile]
		} else {
			e.prof = profs[i]
		}
	}

	roots, sets, byRecord := copySetsOf(es)
	var all []*Log
	for _, r := range roots {
		// Logs that share a history and then part (clones) are read
		// apart, each with the copies that agree with it.
		split := clonesApart(es, sets[r])
		logs := make([]*Log, len(split.groups))
		for gi, g := range split.groups {
			logs[gi] = newLog(es, g, commonPeriod(ctx, es, g, workers), byRecord)
			all = append(all, logs[gi])
		}
		for _, k := range split.links {
			a, b := logs[k.a], logs[k.b]
			a.clones = append(a.clones, Parted{Other: b, At: k.at, AtTime: k.atTime, Differ: k.differ})
			b.clones = append(b.clones, Parted{Other: a, At: k.at, AtTime: k.atTime, Differ: k.differ})
		}
	}
	for _, e := range es {
		if e.prof != nil {
			e.prof.keys, e.prof.alt, e.prof.recs = nil, nil, nil // not needed any more; a fleet holds many
		}
	}
	return all
}

// copySetsOf groups the entries es (profiled; those that are the same
// file as another go with it) into sets of copies: entries whose records
// share a recordKey, or an eventKey where each names hosts one after the
// other (not interleaved). It returns each set's first entry (roots, in
// order), the sets by root, and byRecord: by entry, the set it is in by
// recordKeys alone.
func copySetsOf(es []*entry) (roots []int, sets map[int][]int, byRecord []int) {
	// Copies: logs that share a record.
	parent := make([]int, len(es))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) {
		if ra, rb := find(a), find(b); ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}
	// Logs that share a record key (each profile's keys are sorted).
	var lists [][]uint64
	var owner []int
	for i, e := range es {
		if e.sameFile >= 0 {
			union(i, e.sameFile)
			continue
		}
		if e.prof != nil {
			lists, owner = append(lists, e.prof.keys), append(owner, i)
		}
	}
	linkShared(lists, nil, func(a, b int) { union(owner[a], owner[b]) })
	byRecord = make([]int, len(es))
	for i := range es {
		byRecord[i] = find(i)
	}
	// Exports: logs of one machine that share an event (eventKey) are
	// copies too, though their record headers differ. Logs naming one
	// host take part, and logs naming several one after another (a
	// rename, as Group reads it: interleavedHosts), so that a renamed
	// machine's older copy and the export of its newest records are one
	// log whichever of them holds the rename; a log whose hosts are
	// interleaved (forwarded events of several hosts) takes no part, so
	// it is never made a copy of one machine's log. Two logs that share
	// an eventKey hold a record naming the same computer (the key holds
	// it).
	lists, owner = lists[:0], owner[:0]
	for i, e := range es {
		if e.sameFile < 0 && e.prof != nil && len(e.prof.hosts) > 0 && !interleavedHosts(e.prof.hosts, e.prof.renames) {
			lists, owner = append(lists, e.prof.alt), append(owner, i)
		}
	}
	linkShared(lists, nil, func(a, b int) { union(owner[a], owner[b]) })
	sets = map[int][]int{}
	for i := range es {
		r := find(i)
		if _, ok := sets[r]; !ok {
			roots = append(roots, r)
		}
		sets[r] = append(sets[r], i)
	}
	return roots, sets, byRecord
}

// linkShared calls link(a, b) for lists a and b (indexes) that share a
// key and, with hosts, whose hosts[a] and hosts[b] are equal.
func linkShared(lists [][]uint64, hosts []string, link func(a, b int)) {
	sharedKeys(lists, func(run []int) {
		for x, a := range run {
			for _, b := range run[x+1:] {
				if hosts == nil || hosts[a] == hosts[b] {
					link(a, b)
				}
			}
		}
	})
}

// sharedKeys calls run with the indexes of the lists that hold a key, for
// every key that two or more of them hold, in ascending order of the keys
// (each list sorted, each key once in it): a merge of the lists (a heap of
// their heads), which finds what sorting every key with its list's index
// found by equal neighbours (TestSharedKeysEqualsSort) without sorting
// again what readProfile sorted. run's slice is reused.
func sharedKeys(lists [][]uint64, run func([]int)) {
	// h holds the indexes of the lists not yet done, a min-heap by their
	// heads lists[j][at[j]].
	at := make([]int, len(lists))
	var h []int
	for j, l := range lists {
		if len(l) > 0 {
			h = append(h, j)
		}
	}
	if len(h) < 2 {
		return
	}
	head := func(n int) uint64 { return lists[h[n]][at[h[n]]] }
	down := func(n int) {
		for {
			c := 2*n + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && head(c+1) < head(c) {
				c++
			}
			if head(n) <= head(c) {
				return
			}
			h[n], h[c] = h[c], h[n]
			n = c
		}
	}
	for n := len(h)/2 - 1; n >= 0; n-- {
		down(n)
	}
	var same []int
	for len(h) > 1 {
		// Pop every list whose head is the least key.
		k := head(0)
		same = same[:0]
		for len(h) > 0 && head(0) == k {
			j := h[0]
			same = append(same, j)
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
			down(0)
		}
		if len(same) > 1 {
			run(same)
		}
		// Push them back, past that key.
		for _, j := range same {
			if at[j]++; at[j] < len(lists[j]) {
				h = append(h, j)
				for n := len(h) - 1; n > 0; {
					p := (n - 1) / 2
					if head(p) <= head(n) {
						break
					}
					h[n], h[p] = h[p], h[n]
					n = p
				}
			}
		}
	}
}

// logChannel is the channel of l's records and whether l is misnamed:
// its file name gives another (rules.LogChannel, as the engine's plan
// judges both).
func logChannel(l *evtx.Log, need func(string) bool) (ch string, misnamed bool) {
	ch, fileCh, _ := rules.LogChannel(l, need)
	return ch, !strings.EqualFold(ch, fileCh)
}

// HoldsChannel reports whether a record of l (decoded in full; not one
// decoded in part) is of a channel need says is read and, when accepts is
// not nil, of a provider name and event id it accepts (only those records
// are decoded); false when l cannot
// be opened or before its first problem. workers bounds the chunks
// decoded at once (evtx.Options.Workers). The engine reads a misnamed log whose first record is of a channel
// no rule reads when a record of it is of one a rule reads (a custom view
// with Application records at both ends), so grouping gives it to the
// machine its records name rather than to every machine beside it. Only
// misnamed logs are looked through. It is false when l or need is nil.
func HoldsChannel(l *evtx.Log, need func(string) bool, accepts func(string, uint16) bool, workers int) bool {
	return len(rules.HeldChannels(l, need, accepts, evtx.Options{Workers: workers}, false, 1)) > 0
}

// markSameFiles sets entry.sameFile for logs that are the same file as an
// earlier entry (os.SameFile: the same path twice, symbolic and hard
// links, "./x" and "x"), or the same member of the same archive (by name
// and, for a name the archive repeats, which of them: evtx.Log.MemberIndex).
func markSameFiles(es []*entry) {
	type fileInfo struct {
		i      int
		fi     os.FileInfo
		member string
		index  int
	}
	bySize := map[int64][]fileInfo{}
	for i, e := range es {
		file, member := e.log.Location()
		fi, err := os.Stat(file)
		if err != nil {
			continue
		}
		for _, o := range bySize[fi.Size()] {
			if o.member == member && o.index == e.log.MemberIndex() && os.SameFile(o.fi, fi) {
				e.sameFile = o.i
				break
			}
		}
		if e.sameFile < 0 {
			bySize[fi.Size()] = append(bySize[fi.Size()], fileInfo{i, fi, member, e.log.MemberIndex()})
		}
	}
}

// commonPeriod returns, for copies of a set read from different grouping
// periods, the profiles of the copies whose period began earlier, read
// again from the latest start (by entry index; nil when there are none).
// Each copy's period runs back from its own last-written record; a copy
// cut short or saved earlier began its period earlier, and its records
// before the newest copy's period, which that copy's profile does not
// hold, were counted as records it adds (a copy of the first 8 chunks of
// a log beside the log "added 24" records the log holds). Copy.Records
// and Copy.Added count the records of the one period analyze reads the
// merged log over; what the copies say of the machine (hosts, renames,
// times) stays that of each copy's own period, and so does the order the
// copies are read in.
func commonPeriod(ctx context.Context, es []*entry, set []int, workers int) map[int]*profile {
	var latest time.Time
	n := 0
	for _, i := range set {
		if p := es[i].prof; p != nil && es[i].sameFile < 0 && p.err == nil {
			n++
			if p.since.After(latest) {
				latest = p.since
			}
		}
	}
	if n < 2 || latest.IsZero() {
		return nil
	}
	out := map[int]*profile{}
	for _, i := range set {
		if p := es[i].prof; p != nil && es[i].sameFile < 0 && p.err == nil && p.since.Before(latest) {
			out[i] = readProfileSince(ctx, es[i].log, es[i].channel, workers, latest, true, false)
		}
	}
	return out
}

// newLog builds the Log of a set of copies (entry indices in found order);
// counting holds the profiles Copy.Records and Copy.Added count from where
// they are not the entry's own (commonPeriod).
//
// byRecord holds, by entry index, the set of copies the entry is in by
// shared record headers (recordKey) alone: copies in different ones
// number the log's records differently (Log.renumbered).
func newLog(es []*entry, set []int, counting map[int]*profile, byRecord []int) *Log {
	l := &Log{order: set[0], unit: es[set[0]].unit, Channel: es[set[0]].channel, set: set}
	for _, i := range set {
		if !slices.Contains(l.units, es[i].unit) {
			l.units = append(l.units, es[i].unit)
		}
	}
	// The copy with the most records is read first.
	order := append([]int(nil), set...)
	sort.SliceStable(order, func(a, b int) bool {
		return records(es[order[a]]) > records(es[order[b]])
	})
	var seen, seenAlt map[uint64]struct{} // for several copies
	var byHeader map[uint64]recHeader     // the first record of each header met (recHeader)
	// untimedAdded counts the records without a TimeCreated the copies
	// added, untimedBefore those the copies before this one added.
	untimedAdded, untimedBefore := 0, 0
	read := map[int]bool{}
	for _, i := range order {
		e := es[i]
		c := &Copy{Path: e.log.Path, Log: e.log, SameFile: e.sameFile >= 0 && read[e.sameFile]}
		l.unreadable = l.unreadable || e.unknown || e.prof != nil && e.prof.err != nil
		if c.SameFile {
			c.SameAs = es[e.sameFile].log.Path
		}
		if e.prof != nil {
			// A copy that could not be opened is not read (t12: a log
			// that cannot be read is never described as read).
			l.Read = l.Read || e.prof.err == nil
			p := e.prof
			if q := counting[i]; q != nil {
				p = q
			}
			c.Records, c.Untimed = p.records, p.untimed
			switch {
			case c.SameFile:
			case len(set) == 1:
				// The only set a lone profile (no keys) is in.
				c.Added = p.distinct
				l.Records = c.Added
			default:
				if seen == nil {
					seen, seenAlt = map[uint64]struct{}{}, map[uint64]struct{}{}
				}
				first := len(seen) == 0
				if p.recs == nil {
					for _, k := range p.keys {
						if _, ok := seen[k]; !ok {
							seen[k] = struct{}{}
							c.Added++
						}
					}
				} else {
					// A record of another key whose record header an
					// earlier copy's record has, the two differing in
					// EventRecordID or TimeCreated alone (or with
					// TimeCreated not read in one), is that record: one
					// copy is damaged (evtx.Merge reads it once).
					if byHeader == nil {
						byHeader = map[uint64]recHeader{}
					}
					for _, r := range p.recs {
						if _, ok := seen[r.key]; ok {
							continue
						}
						seen[r.key] = struct{}{}
						if o, ok := byHeader[r.header]; ok && !first && sameRecord(o, r) {
							c.Differ++
							continue
						}
						c.Added++
						if r.created == 0 {
							untimedAdded++
						}
					}
					for _, r := range p.recs {
						if _, ok := byHeader[r.header]; !ok && r.header != 0 {
							byHeader[r.header] = r
						}
					}
				}
				// An export shares no record header with the log it was
				// saved from: what it adds is the events no earlier copy
				// holds.
				addedAlt := 0
				for _, k := range p.alt {
					if _, ok := seenAlt[k]; !ok {
						seenAlt[k] = struct{}{}
						addedAlt++
					}
				}
				if !first && p.altAll && addedAlt < c.Added {
					c.Added = addedAlt
				}
				if !first {
					// What a summary cannot match to its copy (Unsure):
					// this copy's records added without a TimeCreated, and
					// its others up to the earlier copies' such records.
					// Whether Merge takes one for a copy depends on its
					// content, which no summary holds: a bound, not a
					// count (Copy.Unsure).
					here := untimedAdded - untimedBefore
					c.Unsure = min(c.Added, here+min(c.Added-here, untimedBefore))
				}
				untimedBefore = untimedAdded
				l.Records += c.Added
				l.unsure += c.Unsure
			}
		}
		read[i] = true
		l.Copies = append(l.Copies, c)
	}
	// What the copies say together.
	for _, i := range order {
		p := es[i].prof
		if p == nil || es[i].sameFile >= 0 {
			continue
		}
		if !p.first.IsZero() && (l.first.IsZero() || p.first.Before(l.first)) {
			l.first = p.first
		}
		l.last = maxTime(l.last, p.last)
		for _, h := range p.hosts {
			l.addHost(h)
		}
		l.renames = append(l.renames, p.renames...)
	}
	for _, i := range order {
		if p := es[i].prof; p != nil && es[i].sameFile < 0 {
			for _, h := range p.damagedHosts {
				if !slices.ContainsFunc(l.hosts, func(x *hostSpan) bool { return x.key == h.key }) {
					l.damagedHosts = append(l.damagedHosts, damagedHost{path: es[i].log.Path, span: h})
				}
			}
		}
	}
	numberings := map[int]bool{}
	for _, i := range order {
		if p := es[i].prof; p != nil && es[i].sameFile < 0 {
			numberings[byRecord[i]] = true
			l.interleavedCopy = l.interleavedCopy || interleavedHosts(p.hosts, l.renames)
		}
	}
	l.renumbered = len(numberings) > 1
	if len(l.hosts) > 0 {
		l.minID, l.maxID = l.hosts[0].minID, l.hosts[0].maxID
		for _, h := range l.hosts {
			l.minID, l.maxID = min(l.minID, h.minID), max(l.maxID, h.maxID)
		}
	}
	if l.renumbered {
		// Oldest first by time (record numbers mix numberings), those
		// with none last.
		sort.SliceStable(l.hosts, func(a, b int) bool {
			x, y := l.hosts[a].first, l.hosts[b].first
			return !x.IsZero() && (y.IsZero() || x.Before(y))
		})
	} else {
		sort.SliceStable(l.hosts, func(a, b int) bool { return l.hosts[a].minID < l.hosts[b].minID })
	}
	return l
}

func records(e *entry) int {
	if e.prof == nil || e.sameFile >= 0 {
		return -1
	}
	return e.prof.records
}

// damagedHost is a host only damaged records of the copy at path name.
type damagedHost struct {
	path string
	span *hostSpan
}

func (l *Log) addHost(h *hostSpan) {
	for _, x := range l.hosts {
		if x.key == h.key {
			x.count += h.count
			x.minID = min(x.minID, h.minID)
			x.rids.WidenRID(h.rids)
			if h.maxID >= x.maxID {
				x.maxID, x.name = h.maxID, h.name
			}
			if !h.first.IsZero() && (x.first.IsZero() || h.first.Before(x.first)) {
				x.first = h.first
			}
			x.last = maxTime(x.last, h.last)
			x.damaged += h.damaged
			return
		}
	}
	c := *h
	l.hosts = append(l.hosts, &c)
}

// interleaved reports whether the log's records name several hosts whose
// record ids or times overlap (forwarded events), rather than one name
// after another (a rename): hosts.Interleaved, the test package rules
// applies before it reads a change of the Computer field as a rename.
// Names that an EventLog 6011 of the log links are one host.
//
// Of a log whose copies number its records differently (renumbered: an
// export renumbers from 1), record numbers are compared only within each
// copy: a renamed machine's older copy (the old name at records 1 to 100,
// the new one after) and the export of its newest records (the old name
// at records 1 to 20, the new one after) hold spans whose union overlaps
// in record numbers though each copy's names follow one another. Their
// times (TimeCreated, which every copy keeps) are compared over all
// copies.
func interleaved(l *Log) bool {
	if !l.renumbered {
		return interleavedHosts(l.hosts, l.renames)
	}
	if l.interleavedCopy {
		return true
	}
	timed := make([]*hostSpan, len(l.hosts))
	for i, h := range l.hosts {
		c := *h
		c.minID, c.maxID = 0, 0 // compared in no record numbers
		timed[i] = &c
	}
	return interleavedHosts(timed, l.renames)
}

// interleavedHosts is interleaved of a log naming hs, whose EventLog 6011
// events name renames.
func interleavedHosts(hs []*hostSpan, renames [][2]string) bool {
	if len(hs) < 2 {
		return false
	}
	u := newUnionFind()
	for _, rn := range renames {
		u.union(hostKey(rn[0]), hostKey(rn[1]))
	}
	comps := map[string]*hosts.Span{}
	var keys []string
	for _, h := range hs {
		k := u.find(h.key)
		s := comps[k]
		if s == nil {
			comps[k] = &hosts.Span{MinID: h.minID, MaxID: h.maxID, MinRID: h.rids.MinRID, MaxRID: h.rids.MaxRID, First: h.first, Last: h.last}
			keys = append(keys, k)
			continue
		}
		s.MinID, s.MaxID = min(s.MinID, h.minID), max(s.MaxID, h.maxID)
		s.WidenRID(h.rids)
		if !h.first.IsZero() && (s.First.IsZero() || h.first.Before(s.First)) {
			s.First = h.first
		}
		s.Last = maxTime(s.Last, h.last)
	}
	spans := make([]hosts.Span, 0, len(keys))
	for _, k := range keys {
		spans = append(spans, *comps[k])
	}
	return hosts.Interleaved(spans)
}

// conflicts reports whether l cannot be a log of m: m has a log of the
// same channel that covers the same period or record ids with other
// records (copies would have been merged into one Log): one machine logs
// to one file per channel at a time.
func conflicts(m *Machine, l *Log) bool {
	for _, o := range m.Logs {
		if l.partedFrom(o) {
			return true // clones: one history, then two writers
		}
		if slices.Contains(l.overlap, o) {
			return true // two writers at one time, over all records
		}
		if !strings.EqualFold(o.Channel, l.Channel) || len(o.hosts) == 0 {
			continue
		}
		// Record ids are not compared: a cleared or archived log may
		// start again from 1 on the same machine.
		if o.first.Before(l.last) && l.first.Before(o.last) {
			return true
		}
	}
	return false
}

// settleByPlace places the logs of machines of one computer name (two
// VMs built from one image) whose records do not tell which machine they
// belong to. A log that conflicts with no other machine of the name (no
// log of its channel there covers its period) was put with the first
// machine it did not conflict with when it came, before the machine of
// its own folder existed: vm2's RemoteConnectionManager log went with
// vm1, and vm1's Schannel 36870 then counted as RDP's for an RDP
// connection made on vm2. Such a log now goes with the one machine of
// the name whose other logs lie in its place (unit), if there is one
// and it was not there already. Where its place does not single out one
// machine (both have logs there, or neither), whose it is cannot be
// told: it is analysed as a machine of its own, which its Grouping says,
// so that no machine's verdict rests on events of another's (returned,
// to be added to the machines).
func settleByPlace(group []*Machine) []*Machine {
	holds := func(m *Machine, but *Log, l *Log) bool {
		for _, o := range m.Logs {
			if o == but {
				continue
			}
			for _, u := range append([]int{o.unit}, o.units...) {
				for _, v := range append([]int{l.unit}, l.units...) {
					if u == v {
						return true
					}
				}
			}
		}
		return false
	}
	free := func(m *Machine, l *Log) bool {
		for _, o := range group {
			if o != m && conflicts(o, l) {
				return false
			}
		}
		return true
	}
	for moved := true; moved; {
		moved = false
		for _, m := range group {
			for i := 0; i < len(m.Logs); i++ {
				l := m.Logs[i]
				if len(m.Logs) == 1 || !free(m, l) || holds(m, l, l) {
					continue
				}
				var to *Machine
				n := 0
				for _, o := range group {
					if o != m && holds(o, nil, l) && !conflicts(o, l) {
						to, n = o, n+1
					}
				}
				if n != 1 {
					continue
				}
				m.Logs = append(m.Logs[:i:i], m.Logs[i+1:]...)
				m.units = nil
				for _, o := range m.Logs {
					m.addUnits(o)
				}
				to.add(l)
				moved = true
				i--
			}
		}
	}
	var apart []*Machine
	for _, m := range group {
		for i := 0; i < len(m.Logs); i++ {
			l := m.Logs[i]
			if len(m.Logs) == 1 || !free(m, l) {
				continue
			}
			n := 0
			for _, o := range group {
				if holds(o, l, l) {
					n++
				}
			}
			if n == 1 {
				continue
			}
			where := "no other log of theirs lies in its place"
			if n > 1 {
				where = fmt.Sprintf("%d of them have logs in its place", n)
			}
			m.Logs = append(m.Logs[:i:i], m.Logs[i+1:]...)
			m.units = nil
			for _, o := range m.Logs {
				m.addUnits(o)
			}
			i--
			a := &Machine{}
			a.add(l)
			a.Grouping = append(a.Grouping, fmt.Sprintf("%s: analysed apart: %d machines have the computer name its records name, its records do not say whose it is (no other %s log of theirs covers its period), and %s; the other machines' verdicts do not count its events", l.Copies[0].Path, len(group), l.Channel, where))
			apart = append(apart, a)
		}
	}
	return apart
}

func (m *Machine) hasUnit(u int) bool {
	for _, x := range m.units {
		if x == u {
			return true
		}
	}
	return false
}

func (m *Machine) add(l *Log) {
	m.Logs = append(m.Logs, l)
	m.addUnits(l)
}

func (m *Machine) addUnits(l *Log) {
	if !m.hasUnit(l.unit) {
		m.units = append(m.units, l.unit)
	}
	for _, u := range l.units {
		if !m.hasUnit(u) {
			m.units = append(m.units, u)
		}
	}
}

// finish sorts the machine's logs, names it and says why; period tells
// whether grouping read the records of a grouping period (Options.Period)
// rather than all, which the counts it gives say.
func (m *Machine) finish(units []*Unit, period bool) {
	sort.SliceStable(m.Logs, func(i, j int) bool { return m.Logs[i].order < m.Logs[j].order })
	// Hosts over all logs, oldest first; the name of the newest record.
	type host struct {
		name        string
		first, last time.Time
	}
	var hs []*host
	idx := map[string]*host{}
	for _, l := range m.Logs {
		for _, h := range l.hosts {
			x := idx[h.key]
			if x == nil {
				x = &host{name: h.name, first: h.first, last: h.last}
				idx[h.key] = x
				hs = append(hs, x)
				continue
			}
			if h.last.After(x.last) {
				x.name, x.last = h.name, h.last
			}
			if !h.first.IsZero() && (x.first.IsZero() || h.first.Before(x.first)) {
				x.first = h.first
			}
		}
	}
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].first.Before(hs[j].first) })
	var newest time.Time
	for _, h := range hs {
		m.Computers = append(m.Computers, h.name)
		if !h.last.Before(newest) {
			newest, m.Name = h.last, h.name
		}
	}
	if m.Forwarded {
		m.Name = ""
	}

	// Why. The records counted are those grouping read: of the grouping
	// period, when there is one.
	var why []string
	inPeriod := ""
	if period {
		inPeriod = " of the grouping period"
	}
	// unread counts, by place, the logs no rule reads, failed those that
	// could not be read (a System.evtx that is not a log was said to be
	// one "no rule reads").
	unread, failed := map[string]int{}, map[string]int{}
	for _, l := range m.Logs {
		p := l.Copies[0].Path
		switch {
		case m.Forwarded:
			why = append(why, fmt.Sprintf("%s: its records name %d computers, interleaved (forwarded events); analysed as one log, not split: its findings and reference time mix these computers", p, len(l.hosts)))
		case !l.Read && l.unreadable:
			failed[units[l.unit].Path]++
		case !l.Read:
			unread[units[l.unit].Path]++
		case len(l.hosts) == 0:
			why = append(why, fmt.Sprintf("%s: no record names a computer (empty or unreadable); listed with the machine(s) whose logs are in %s", p, units[l.unit].Path))
		case len(l.hosts) == 1:
			bound := ""
			if l.unsure > 0 {
				bound = "at most "
			}
			why = append(why, fmt.Sprintf("%s: %s%s%s, of %s", p, bound, plural.N(l.Records, "record"), inPeriod, l.hosts[0].name))
		default:
			var parts []string
			for _, h := range l.hosts {
				if l.renumbered {
					parts = append(parts, fmt.Sprintf("%s (%s)", h.name, hostPeriod(h)))
				} else {
					parts = append(parts, fmt.Sprintf("%s (records %d to %d, %s)", h.name, h.minID, h.maxID, hostPeriod(h)))
				}
			}
			numbers := ""
			if l.renumbered {
				numbers = "; its copies number its records differently, as an export renumbers them, so no record numbers are given"
			}
			why = append(why, fmt.Sprintf("%s: its records name one computer after another (a rename, one machine%s): %s", p, numbers, strings.Join(parts, ", then ")))
		}
		for _, rn := range l.renames {
			why = append(why, fmt.Sprintf("%s: EventLog 6011: the computer name changed from %q to %q", p, rn[0], rn[1]))
		}
		for _, d := range l.damagedHosts {
			h := d.span
			if idx[h.key] != nil {
				continue // an intact record of another log names it
			}
			if !slices.Contains(m.DamagedNames, h.name) {
				m.DamagedNames = append(m.DamagedNames, h.name)
			}
			why = append(why, fmt.Sprintf("%s: %s in damaged chunks (their checksum fails), record numbers %d to %d, name %s, which no intact record names: taken as damage, not as another computer (evtxrdp dump prints them)", d.path, plural.N(h.count, "record"), h.minID, h.maxID, h.name))
		}
		for _, c := range l.Copies {
			if c.Untimed > 0 && !c.SameFile {
				why = append(why, fmt.Sprintf("%s: %s%s without a usable TimeCreated (none, FILETIME 0, before 1980 or after the year 9999): counted and grouped by the computer they name, but placed in no time span (their record header times are not used)", c.Path, plural.N(c.Untimed, "record"), inPeriod))
			}
		}
		for _, c := range l.Copies[1:] {
			switch {
			case c.SameFile:
				why = append(why, fmt.Sprintf("%s: the same file as %s (another path); read once", c.Path, c.SameAs))
			case c.Added == 0:
				why = append(why, fmt.Sprintf("%s: a copy of %s; adds none of its %s%s%s", c.Path, p, plural.N(c.Records, "record"), inPeriod, differ(c)))
			default:
				why = append(why, fmt.Sprintf("%s: a copy of %s; adds %s%d of its %s%s (each record counted once)%s%s", c.Path, p, atMost(c), c.Added, plural.N(c.Records, "record"), inPeriod, differ(c), unsure(c)))
			}
		}
	}
	var places []string
	for u := range unread {
		places = append(places, u)
	}
	for u := range failed {
		if unread[u] == 0 {
			places = append(places, u)
		}
	}
	sort.Strings(places)
	for _, u := range places {
		if n := failed[u]; n > 0 {
			why = append(why, fmt.Sprintf("%s: %s that could not be read (the inputs say why), listed with each machine whose logs are there", u, plural.N(n, "log")))
		}
		if n := unread[u]; n > 0 {
			why = append(why, fmt.Sprintf("%s: %s no rule reads (not read beyond the first record, which names the channel), listed with each machine whose logs are there", u, plural.N(n, "log")))
		}
	}
	m.Grouping = append(why, m.Grouping...)
}

// differ says, for a grouping line, how many of c's records an earlier
// copy holds with another EventRecordID or TimeCreated (Copy.Differ).
func differ(c *Copy) string {
	if c.Differ == 0 {
		return ""
	}
	return fmt.Sprintf("; %s an earlier copy holds with the same record number, header time and event but another EventRecordID or TimeCreated, or none read (one copy is damaged): counted once", plural.N(c.Differ, "record"))
}

// atMost is "at most " for a copy whose Added may count records an
// earlier copy holds (Copy.Unsure).
func atMost(c *Copy) string {
	if c.Unsure == 0 {
		return ""
	}
	return "at most "
}

// unsure says, for a grouping line, why a copy's Added is a bound
// (Copy.Unsure).
func unsure(c *Copy) string {
	if c.Unsure == 0 {
		return ""
	}
	return fmt.Sprintf("; %s of them may be a record an earlier copy holds with a TimeCreated that one of the two copies could not read: grouping reads no record in full and cannot match such records (no record header matches: an export's header times are 0), so the analysis, which decodes them and counts each such record once, may count fewer", plural.N(c.Unsure, "record"))
}

type unionFind map[string]string

func newUnionFind() unionFind { return unionFind{} }

func (u unionFind) find(k string) string {
	for {
		p, ok := u[k]
		if !ok || p == k {
			return k
		}
		k = p
	}
}

func (u unionFind) union(a, b string) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if rb < ra {
		ra, rb = rb, ra
	}
	u[rb] = ra
}

// hostPeriod says where a host's records lie in time, for a grouping
// line: "FIRST to LAST" of their usable TimeCreated, and how many of them
// have none (placed in no time).
func hostPeriod(h *hostSpan) string {
	switch {
	case h.untimed == 0:
		return evtx.FormatEventTime(h.first) + " to " + evtx.FormatEventTime(h.last)
	case h.first.IsZero():
		return "none with a usable TimeCreated"
	}
	return fmt.Sprintf("%s to %s, %d without a usable TimeCreated", evtx.FormatEventTime(h.first), evtx.FormatEventTime(h.last), h.untimed)
}
