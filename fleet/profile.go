package fleet

import (
	"cmp"
	"context"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/hosts"
	"github.com/evtxrdp/evtxrdp/internal/recordkey"
	"github.com/evtxrdp/evtxrdp/rules"
)

// profile is what one pass over a log's record summaries says about it,
// without decoding its records (EventLog 6011 events aside): the computer
// names, record ids and times, and an identity key per record.
type profile struct {
	records int
	hosts   []*hostSpan
	keys    []uint64 // recordKey of every record, sorted, each once (none: profiler.lone)
	// distinct counts the records of distinct recordKeys: len(keys), or,
	// for a profile read without keys (profiler.lone), the records, their
	// record numbers all differing.
	distinct int
	// alt holds eventKey of every record, sorted, each once (none when
	// the profile was read without them: profileAll's lone logs); altAll
	// is false when a record's TimeCreated could not be read (it has none).
	alt    []uint64
	altAll bool
	// recs holds, beside alt (none without it), each record's recordKey
	// with what tells a copy of it whose key differs (recHeader).
	recs    []recHeader
	renames [][2]string // EventLog 6011: from, to
	// damagedHosts are the hosts only damaged records name (hostSpan.
	// damaged is their count) while intact records name others: kept out
	// of hosts (splitDamagedHosts).
	damagedHosts []*hostSpan
	// first and last are the oldest and newest usable TimeCreated;
	// untimed counts the records without one, placed in no time (placed).
	first, last time.Time
	untimed     int
	// since is where the read began: the grouping period before the
	// TimeCreated of the log's last-written record (zero: the whole log).
	since time.Time
	err   error
	// rekey is set when a lone profile (profiler.lone) met a record
	// number twice: distinct is not known, and readProfileSince reads
	// the log again with its keys.
	rekey bool
}

// recHeader is one record of a profile as a copy whose key differs may
// share it: its recordKey, a hash of what its record header and event
// name (channel, provider, computer, record number, header time, event
// id; header, 0 when the header time is 0, as exports leave it: it tells
// nothing then), and the two fields of its key the header does not hold
// (EventRecordID, the record number where it was not read, and
// TimeCreated, 0 when not read); with its eventKey (alt, 0 when its
// TimeCreated was not read) and whether its chunk's checksums vouch for it
// (evtx.Summary.Verified), which tell two logs that share a history and
// then part (clones) from copies of one log (clonesApart).
type recHeader struct {
	key, header uint64
	erid        uint64
	created     int64
	alt         uint64
	verified    bool
}

// sameRecord reports whether a and b, records of copies of one log whose
// keys differ and whose headers agree (record number, non-zero header
// time, provider, computer, event id), are one record, as evtx.Merge
// takes them: they differ in one of EventRecordID and TimeCreated (a
// byte changed in one copy's field), or the TimeCreated of one was not
// read (what both read agrees).
func sameRecord(a, b recHeader) bool {
	if a.header == 0 || a.header != b.header {
		return false
	}
	if a.created == 0 || b.created == 0 {
		return true
	}
	return (a.erid != b.erid) != (a.created != b.created)
}

// hostSpan is where one host's records lie in a log.
type hostSpan struct {
	key          string // hostKey of the Computer values
	name         string // the Computer value of the newest record naming it
	minID, maxID uint64
	rids         hosts.Span // System/EventRecordIDs (MinRID, MaxRID only)
	first, last  time.Time  // usable TimeCreated only (placed); zero: none
	count        int
	untimed      int // those of count without a usable TimeCreated
	damaged      int // those of count in a damaged chunk (evtx.Summary.Damaged)
}

// splitDamagedHosts moves out of p.hosts, into p.damagedHosts, the hosts
// that only damaged records name (in a chunk whose checksum fails:
// evtx.Summary.Damaged) when intact records name another host. Two bit
// flips in a damaged chunk, one in the Computer value of a template
// ("DESKTOP" read "DEQKTOP"), made its records name a second computer
// interleaved with the first, and grouping took one machine's log for
// forwarded events (TestDamagedChunkNamesNoMachine). A name that damaged
// records alone give is no evidence of another machine: the records are
// still counted (records, keys, untimed), in no host, and grouping says
// which records named it (Machine.Why). A log all of whose records are
// damaged keeps its hosts: there is nothing intact to prefer.
func splitDamagedHosts(p *profile) {
	intact := slices.ContainsFunc(p.hosts, func(h *hostSpan) bool { return h.count > h.damaged })
	if !intact {
		return
	}
	p.hosts = slices.DeleteFunc(p.hosts, func(h *hostSpan) bool {
		if h.count == h.damaged {
			p.damagedHosts = append(p.damagedHosts, h)
			return true
		}
		return false
	})
}

// hostKey is the host a Computer value names (hosts.Key: its first DNS
// label, lower case).
func hostKey(computer string) string { return hosts.Key(computer) }

// eventKey identifies a record by what the event says, not the record
// header: channel, provider, computer, EventRecordID (the record header id
// where it was not read, as evtx.Event.Identity takes it), TimeCreated and
// event id. A log saved from Event Viewer or wevtutil (an export)
// renumbers its records and borrows or zeroes their header times, so it
// shares no recordKey with the log it was saved from, but it shares
// eventKeys. Forwarded events share them too; Group joins logs by eventKey
// only where each names one host, the same.
//
// Records that share a key agree in all evtx.Merge's identity of a record
// holds (channel, EventRecordID, TimeCreated, content) but the content
// beyond provider, computer and event id: logs whose records carry equal
// times but other EventRecordIDs, or the same EventRecordIDs at other
// times, share no key and are not copies of one log.
//
// lower is the channel in lower case (strings.ToLower).
func eventKey(lower string, s evtx.Summary) uint64 { return eventKeyAfter(summaryPrefix(lower, s), s) }

// recordKey identifies a record for finding copies without decoding it:
// channel, provider, computer, record id, header time, event id and, as
// eventKey, EventRecordID and TimeCreated. Two logs that share a key are
// copies of one log (Merge then counts each record once by its decoded
// identity).
//
// lower is the channel in lower case (strings.ToLower).
func recordKey(lower string, s evtx.Summary) uint64 {
	return recordKeyAfter(summaryPrefix(lower, s), s)
}

// The keys are FNV-1a hashes (the values of hash/fnv's New64a:
// TestSummaryKeyIsFNV) of the channel (case-insensitive: lower is it in
// lower case), the provider and the computer, each followed by a NUL, then
// of fixed-size fields, little-endian: for recordKey the record id, the
// header time (Unix nanoseconds), the event id, then eventKey's fields;
// for eventKey the EventRecordID (the record id where it is 0: not read),
// TimeCreated (Unix nanoseconds, of the zero time where not read) and the
// event id. They are computed
// without allocating, for every record summary a profile reads, and the
// hash of the strings (summaryPrefix), which most records of a log share,
// once for both (profShard.prefix keeps the last few).

// summaryPrefix is the hash state after s's channel (lower), provider and
// computer.
func summaryPrefix(lower string, s evtx.Summary) recordkey.Hash {
	return recordkey.Prefix(lower, s.Provider, s.Computer)
}

// recordKeyAfter is recordKey from s's summaryPrefix h.
func recordKeyAfter(h recordkey.Hash, s evtx.Summary) uint64 {
	return eventKeyAfter(h.U64(s.RecordID).U64(uint64(s.Written.UnixNano())).U16(s.EventID), s)
}

// eventKeyAfter is eventKey from s's summaryPrefix h (recordkey's
// Hash.Summary): the key rules gives the decoded record too
// (rules.identityKey, recordkey.OfEvent), so that the two agree on every
// record whose TimeCreated a summary reads (recordkey.TestKeysAgree).
func eventKeyAfter(h recordkey.Hash, s evtx.Summary) uint64 {
	return h.Summary(s)
}

// profShards is how many parts a profiler notes summaries into.
const profShards = 64

// profiler gathers a profile from record summaries that several goroutines
// note at once (the reader's decoding goroutines call Options.Filter
// concurrently). With one lock taken for every summary they waited on
// each other: the window pass of a 257 MiB System log (63,138 summaries,
// 2 workers) took 64 ms, 42 ms noting nothing. Each summary is noted
// instead into the shard of its record id (sixteen ids a shard, in turn),
// so that goroutines reading different chunks rarely take the same lock. profile merges the shards into what
// one lock gives (TestShardedProfileEqualsPlain):
//   - the counts, keys and times are sums, unions, minima and maxima;
//   - the records of one record id are noted into one shard, so that of
//     several naming one host with its largest record id the last noted
//     names it, as with one lock;
//   - the hosts are registered in one list (hosts), in the order in which
//     a summary first names them, at most maxTrackedHosts; past maxHosts
//     the profile keeps those whose records come first, whatever that
//     order was (one lock kept the first maxHosts to arrive).
type profiler struct {
	lower string // the channel, in lower case
	noAlt bool   // the eventKeys are not needed (profile.alt stays empty)
	// lone is set for a log no other log is compared with (profileAll):
	// no recordKey is made, the records' numbers are kept instead, and
	// the profile counts the distinct keys (profile.distinct) without
	// them when the numbers all differ (each key holds its record's
	// number), else it says to read again with keys (profile.rekey).
	lone   bool
	shards [profShards]*profShard

	mu    sync.Mutex     // guards hosts and index
	hosts []string       // hostKey of each host tracked, first noted first
	index map[string]int // position in hosts of each key
}

// profShard is one part of a profiler; hosts[i] is the part of host i
// (profiler.hosts) noted here, none when its count is 0.
type profShard struct {
	mu          sync.Mutex
	records     int
	keys, alt   []uint64
	ids         []uint64 // the record numbers, instead of keys (profiler.lone)
	recs        []recHeader
	unkeyed     bool // a record's TimeCreated was not read (it has no eventKey)
	untimed     int  // records without a usable TimeCreated (placed)
	first, last time.Time
	hosts       []hostSpan
	// computer is the last Computer value noted here (memo is false
	// before the first) and host its index in profiler.hosts, -1 when it
	// is not tracked (maxHosts were before it).
	computer string
	host     int
	memo     bool
	// prefix keeps the summaryPrefix of the last summaries noted here, by
	// the lengths of their provider and computer.
	prefix [8]struct {
		provider, computer string
		h                  recordkey.Hash
		ok                 bool
	}
}

func newProfiler(channel string) *profiler {
	pr := &profiler{lower: strings.ToLower(channel)}
	for i := range pr.shards {
		pr.shards[i] = &profShard{}
	}
	return pr
}

func (pr *profiler) note(s evtx.Summary) {
	sh := pr.shards[(s.RecordID>>4)%profShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.records++
	if pr.lone {
		sh.ids = append(sh.ids, s.RecordID)
		sh.unkeyed = sh.unkeyed || s.TimeCreated.IsZero()
	} else {
		pr.noteKeys(sh, s)
	}
	t := placed(s.TimeCreated)
	if t.IsZero() {
		sh.untimed++
	} else {
		if sh.first.IsZero() || t.Before(sh.first) {
			sh.first = t
		}
		if t.After(sh.last) {
			sh.last = t
		}
	}
	if s.Computer == "" {
		return
	}
	if !sh.memo || s.Computer != sh.computer {
		sh.computer, sh.host, sh.memo = s.Computer, pr.host(s.Computer), true
	}
	if sh.host < 0 {
		return
	}
	for len(sh.hosts) <= sh.host {
		sh.hosts = append(sh.hosts, hostSpan{})
	}
	hs := &sh.hosts[sh.host]
	if hs.count == 0 {
		*hs = hostSpan{name: s.Computer, minID: s.RecordID, maxID: s.RecordID, first: t, last: t}
	}
	hs.count++
	hs.rids.NoteRID(s.EventRecordID)
	if t.IsZero() {
		hs.untimed++
	}
	if s.Damaged {
		hs.damaged++
	}
	hs.minID = min(hs.minID, s.RecordID)
	if s.RecordID >= hs.maxID {
		hs.maxID = s.RecordID
		hs.name = s.Computer
	}
	if !t.IsZero() {
		if hs.first.IsZero() || t.Before(hs.first) {
			hs.first = t
		}
		hs.last = maxTime(hs.last, t)
	}
}

// noteKeys notes into sh (locked) the keys of s: its recordKey and, unless
// noAlt, its eventKey and recHeader.
func (pr *profiler) noteKeys(sh *profShard, s evtx.Summary) {
	m := &sh.prefix[(len(s.Provider)+len(s.Computer))%len(sh.prefix)]
	if !m.ok || m.provider != s.Provider || m.computer != s.Computer {
		m.provider, m.computer, m.h, m.ok = s.Provider, s.Computer, summaryPrefix(pr.lower, s), true
	}
	key := recordKeyAfter(m.h, s)
	sh.keys = append(sh.keys, key)
	var alt uint64
	if s.TimeCreated.IsZero() {
		sh.unkeyed = true
	} else if !pr.noAlt {
		alt = eventKeyAfter(m.h, s)
		sh.alt = append(sh.alt, alt)
	}
	if !pr.noAlt {
		r := recHeader{key: key, erid: s.EventRecordID, alt: alt, verified: s.Verified}
		if r.erid == 0 {
			r.erid = s.RecordID
		}
		if !s.TimeCreated.IsZero() {
			r.created = s.TimeCreated.UnixNano()
		}
		if ft := evtx.TimeToFiletime(s.Written); ft != 0 {
			r.header = uint64(m.h.U64(s.RecordID).U64(ft).U16(s.EventID))
		}
		sh.recs = append(sh.recs, r)
	}
}

// host returns the index in pr.hosts of the host Computer value computer
// names, registering it when it is new and fewer than maxHosts are; -1
// when it is not tracked.
func (pr *profiler) host(computer string) int {
	k := hostKey(computer)
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if i, ok := pr.index[k]; ok {
		return i
	}
	if len(pr.hosts) >= maxTrackedHosts {
		return -1
	}
	if pr.index == nil {
		pr.index = map[string]int{}
	}
	pr.index[k] = len(pr.hosts)
	pr.hosts = append(pr.hosts, k)
	return len(pr.hosts) - 1
}

// profile merges the shards (no note may run at once), keys and alt
// sorted, each once.
func (pr *profiler) profile() *profile {
	p := &profile{altAll: true}
	n, na, ni := 0, 0, 0
	for _, sh := range pr.shards {
		n, na, ni = n+len(sh.keys), na+len(sh.alt), ni+len(sh.ids)
	}
	p.keys, p.alt = make([]uint64, 0, n), make([]uint64, 0, na)
	var ids []uint64
	if pr.lone {
		ids = make([]uint64, 0, ni)
	}
	for _, sh := range pr.shards {
		p.records += sh.records
		p.keys = append(p.keys, sh.keys...)
		p.alt = append(p.alt, sh.alt...)
		ids = append(ids, sh.ids...)
		p.recs = append(p.recs, sh.recs...)
		p.altAll = p.altAll && !sh.unkeyed
		p.untimed += sh.untimed
		if !sh.first.IsZero() && (p.first.IsZero() || sh.first.Before(p.first)) {
			p.first = sh.first
		}
		p.last = maxTime(p.last, sh.last)
	}
	p.keys, p.alt = sortKeys(p.keys), sortKeys(p.alt)
	p.distinct = len(p.keys)
	if pr.lone {
		// Records of different numbers have different keys: the numbers
		// all differ, and so do the keys. Otherwise rekey.
		if len(sortKeys(ids)) == p.records {
			p.distinct = p.records
		} else {
			p.rekey = true
		}
	}
	for i, k := range pr.hosts {
		var h *hostSpan
		for _, sh := range pr.shards {
			if i >= len(sh.hosts) || sh.hosts[i].count == 0 {
				continue
			}
			o := &sh.hosts[i]
			if h == nil {
				c := *o
				h = &c
				h.key = k
				continue
			}
			h.count += o.count
			h.untimed += o.untimed
			h.damaged += o.damaged
			h.minID = min(h.minID, o.minID)
			h.rids.WidenRID(o.rids)
			// The records of one record id lie in one shard: o.maxID
			// equals no other shard's.
			if o.maxID > h.maxID {
				h.maxID, h.name = o.maxID, o.name
			}
			if !o.first.IsZero() && (h.first.IsZero() || o.first.Before(h.first)) {
				h.first = o.first
			}
			h.last = maxTime(h.last, o.last)
		}
		if h != nil { // always: a host is registered for a summary noted
			p.hosts = append(p.hosts, h)
		}
	}
	splitDamagedHosts(p)
	// Past maxHosts, those whose records come first (smallest record
	// number, then key) are kept: the order in which the decoding
	// goroutines first named them is no fixed order
	// (TestManyHostsKeptAlike).
	if len(p.hosts) > maxHosts {
		slices.SortFunc(p.hosts, func(a, b *hostSpan) int {
			if c := cmp.Compare(a.minID, b.minID); c != 0 {
				return c
			}
			return strings.Compare(a.key, b.key)
		})
		p.hosts = p.hosts[:maxHosts]
	}
	return p
}

// maxHosts bounds the hosts a log's profile keeps (a forwarded log of a
// large fleet names many): those whose records come first. Up to
// maxTrackedHosts are tracked to choose them, as many as the rules track
// (maxSightings); a log naming more (hostile) keeps maxHosts of the first
// maxTrackedHosts its readers met. Each of the 64 shards holds a 104-byte
// span per host it has met: at most 6.8 MB with this bound.
const (
	maxHosts        = 256
	maxTrackedHosts = 1024
)

// placed returns the time a record's TimeCreated tc places it at in the
// spans grouping compares (a log's, a host's): tc when it is usable
// (evtx.UsableTime), else the zero time: none read, FILETIME 0
// (1601-01-01, a time the writer did not set), before 1980 (no Windows
// clock reads it), or after the year 9999 (a
// damaged value). Time means TimeCreated: such a record is counted
// (profile.untimed, hostSpan.untimed) but placed nowhere, and its record
// header time never stands in: a header time is when the record was
// written, exported logs borrow it from other records or leave it 0, and
// one that lay in an archived log's days made the current log overlap
// it, splitting one machine in two (TestUntimedRecordsPlacedNowhere).
func placed(tc time.Time) time.Time {
	if !evtx.UsableTime(tc) {
		return time.Time{}
	}
	return tc
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// readProfile reads the record summaries of l (channel ch): with period
// > 0 those whose TimeCreated lies within period before the TimeCreated of
// the log's last-written record (rules.TimedWrittenEnds), and all after
// it (evtx.Options.Since); else all. workers is the reader's chunk
// parallelism.
func readProfile(ctx context.Context, l *evtx.Log, ch string, workers int, period time.Duration) *profile {
	return readProfileAlt(ctx, l, ch, workers, period, true, false)
}

// readProfileAlt is readProfile, with the eventKeys of the records
// (profile.alt) only when alt is set, and without the recordKeys when
// lone (profiler.lone: alt must be false).
func readProfileAlt(ctx context.Context, l *evtx.Log, ch string, workers int, period time.Duration, alt, lone bool) *profile {
	since, err := periodStart(ctx, l, workers, period)
	if err != nil {
		p := newProfiler(ch).profile()
		p.err = err
		return p
	}
	return readProfileSince(ctx, l, ch, workers, since, alt, lone)
}

// readProfileSince is readProfileAlt of the records whose TimeCreated is
// since or later (zero: all).
func readProfileSince(ctx context.Context, l *evtx.Log, ch string, workers int, since time.Time, alt, lone bool) *profile {
	pr := newProfiler(ch)
	pr.noAlt, pr.lone = !alt, lone && !alt
	renames, err := periodSummaries(ctx, l, workers, since, pr.note)
	p := pr.profile()
	if p.rekey {
		return readProfileSince(ctx, l, ch, workers, since, alt, false)
	}
	p.renames, p.err, p.since = renames, err, since
	return p
}

// readSummaries calls note for each record summary readProfile reads, from
// several goroutines at once; it returns the renames (EventLog 6011: from,
// to) and the error that ended the read. Every note has returned when it
// does.
func readSummaries(ctx context.Context, l *evtx.Log, workers int, period time.Duration, note func(evtx.Summary)) (renames [][2]string, _ error) {
	since, err := periodStart(ctx, l, workers, period)
	if err != nil {
		return nil, err
	}
	return periodSummaries(ctx, l, workers, since, note)
}

// periodSummaries calls note, as summariesIn, for the records of l
// whose TimeCreated is since or later (zero: all), as the reader's window
// selects them (with those it cannot place: no TimeCreated), and for the
// records before since without a usable TimeCreated (evtx.UsableTime
// false: FILETIME 0, 1601-01-01, or any other time before 1980,
// evtx.MinUsableTime), which that window leaves out; it returns the
// renames of both reads. A record without a usable
// TimeCreated is placed in no time (placed): counted in Copy.Untimed and
// named in the Grouping, its computer name and record key counting as
// the others'. A record without a TimeCreated came through the window
// and was counted so; one of FILETIME 0 lay before every period's start
// and dropped out of the grouping with a Period (not counted, its
// computer not seen, its copy in another file not matched) while the
// read of every record (Period 0) counted it
// (TestUntimedRecordsPlacedNowhere; so did FILETIME 1 and 1970 while
// the second read's window ended at FILETIME 0). The second read's
// window holds the times before 1980 alone, so the chunks the first pass
// found later in time are not read again (evtx's window memo).
func periodSummaries(ctx context.Context, l *evtx.Log, workers int, since time.Time, note func(evtx.Summary)) (renames [][2]string, _ error) {
	renames, err := summariesIn(l, evtx.Options{Workers: workers, Since: since, Context: ctx}, note)
	zero := evtx.FiletimeToTime(0)
	if err != nil || since.IsZero() || !zero.Before(since) {
		return renames, err
	}
	// Those whose TimeCreated was read and is unusable, before since:
	// not those without one, which the first read gave.
	keep := func(tc time.Time) bool { return !tc.IsZero() && !evtx.UsableTime(tc) && tc.Before(since) }
	more, err := summariesKept(l, evtx.Options{Workers: workers, Until: evtx.MinUsableTime, Context: ctx}, keep, note)
	return append(renames, more...), err
}

// periodStart is where readSummaries begins: period before the
// TimeCreated of l's last-written record, or the zero time (the whole
// log) when period is 0 or no record has a usable TimeCreated.
func periodStart(ctx context.Context, l *evtx.Log, workers int, period time.Duration) (since time.Time, _ error) {
	if period > 0 {
		f, err := l.Open(evtx.Options{Workers: workers, Context: ctx})
		if err != nil {
			return time.Time{}, err
		}
		// From the last-written record (the highest record number), not
		// the largest time, which a clock that ran ahead sets: the record
		// analyze takes "now" from (rules.TimedWrittenEnds), so that a
		// last-written record without a usable TimeCreated (FILETIME 0,
		// before 1980, or after the year 9999) gives way to the last one with one, as
		// it does there. Anchored at a TimeCreated in the year 30828, the
		// period held that record alone: a shadow copy beside the log
		// shared no record in it and was not merged, and analyze counted
		// the evidence of both.
		var t time.Time
		ev := f.LastWritten()
		f.Close()
		if ev != nil {
			t = rules.NewRecordRef(ev).Time // its TimeCreated, when usable
		}
		if ev != nil && (t.IsZero() || ev.System.EventRecordID != 0 && ev.System.EventRecordID != ev.RecordID) {
			// Rare: TimedWrittenEnds reads every record for the one
			// written before it with a usable TimeCreated, and, for an
			// export (renumbered) that did not save its records in the
			// order they were written, for the one with the highest
			// EventRecordID.
			if _, last, _, err := rules.TimedWrittenEnds(l, evtx.Options{Workers: workers, Context: ctx}, false); err == nil && last != nil {
				t = rules.NewRecordRef(last).Time
			}
		}
		if !t.IsZero() {
			since = t.Add(-period)
		}
	}
	return since, nil
}

// summariesIn calls note, from several goroutines at once, for the
// summary of each record of l the read with o (its window; Filter is
// summariesIn's) yields or passes over, a record decoded in part aside;
// it returns the renames (EventLog 6011: from, to) and the error that
// ended the read. Every note has returned when it does.
func summariesIn(l *evtx.Log, o evtx.Options, note func(evtx.Summary)) (renames [][2]string, _ error) {
	return summariesKept(l, o, nil, note)
}

// summariesKept is summariesIn of the records whose TimeCreated (the
// zero time when none is read) keep accepts (nil: all), renames
// included.
func summariesKept(l *evtx.Log, o evtx.Options, keep func(time.Time) bool, note func(evtx.Summary)) (renames [][2]string, _ error) {
	isRename := func(provider string, id uint16) bool { return id == 6011 && strings.EqualFold(provider, "EventLog") }
	o.Filter = func(s evtx.Summary) bool {
		if isRename(s.Provider, s.EventID) {
			return true // decoded: its data names the old and new names
		}
		if keep == nil || keep(s.TimeCreated) {
			note(s)
		}
		return false
	}
	f, err := l.Open(o)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Empty() {
		return nil, nil // no summary, no event (the period's FILETIME 0 read, mostly)
	}
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return renames, err
		}
		if ev.Partial != "" {
			// Decoded in part (its template does not resolve): no
			// provider, event id, computer or TimeCreated, so nothing of
			// which machine wrote it or when; its header time alone would
			// stretch the log's span (TestPartialRecordsDoNotSplitMachine).
			continue
		}
		// A 6011, or a record whose summary could not be read.
		tc, ok := evtx.TimeCreatedOf(ev)
		if keep != nil && !keep(tc) {
			continue
		}
		var erid uint64
		if ok {
			erid = ev.System.EventRecordID // read with TimeCreated, as the reader's Summary
		}
		note(evtx.Summary{Provider: ev.System.Provider.Name, EventID: ev.System.EventID,
			Computer: ev.System.Computer, Written: ev.Written, RecordID: ev.RecordID, TimeCreated: tc, EventRecordID: erid})
		if isRename(ev.System.Provider.Name, ev.System.EventID) && len(ev.EventData) >= 2 {
			from, to := ev.EventData[0].Value.String(), ev.EventData[1].Value.String()
			if from != "" && to != "" && hostKey(from) != hostKey(to) {
				renames = append(renames, [2]string{from, to})
			}
		}
	}
	return renames, nil
}

// profileAll profiles the logs at the given indices in parallel (at most
// workers at a time, the largest first). A log holding more than half of
// their bytes is read with workers goroutines: a machine's System log is
// often most of its bytes, and reading it with one goroutine while the
// small logs are done left the other cores idle. The others are read with
// one goroutine each, so that the goroutines reading at once stay under
// twice the workers.
//
// shared[i] is set when another log is the same file as log i
// (markSameFiles): the two are one Log's copies.
func profileAll(ctx context.Context, logs []*evtx.Log, channels []string, shared []bool, idx []int, workers int, period time.Duration) []*profile {
	out := make([]*profile, len(logs))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	idx = slices.Clone(idx)
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(logs[b].Size, logs[a].Size) })
	var total int64
	// The logs of a channel no other log read here has: their eventKeys
	// (profile.alt) are compared with no other log's, so they are not
	// computed (the two keys of every record of the period and their sort
	// were a third of grouping bench/run's volume). The keys hash the
	// channel, so the logs of other channels share none of them. Nor
	// are their recordKeys when no other path names the same file: the
	// log is then the only copy in its set, and its keys serve only to
	// count the distinct ones (profiler.lone; the sort and the hashing
	// were 2% of analyze's instructions on bench/run's volume).
	perChannel := map[string]int{}
	for _, i := range idx {
		total += logs[i].Size
		perChannel[strings.ToLower(channels[i])]++
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for _, i := range idx {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			per := workers
			if len(idx) > 1 && 2*logs[i].Size <= total {
				per = 1
			}
			alt := loneAltOn || perChannel[strings.ToLower(channels[i])] > 1
			out[i] = readProfileAlt(ctx, logs[i], channels[i], per, period, alt, !alt && !shared[i])
		}()
	}
	wg.Wait()
	return out
}

// loneAltOn makes profileAll compute the eventKeys and recordKeys of every
// log (tests compare both ways).
var loneAltOn = false

// sortKeys sorts keys and returns them each once, clipped: slices.Sort
// and slices.Compact, by a radix sort when there are many (an order of
// unsigned integers is unique, so any sort gives it: TestSortKeys). The
// window of a 257 MiB System log has 63,138 records, two keys each.
func sortKeys(keys []uint64) []uint64 {
	if len(keys) < 1024 {
		slices.Sort(keys)
		return slices.Clip(slices.Compact(keys))
	}
	// LSD radix sort by bytes: each pass places the keys, stably, by one
	// byte, least significant first; a byte all keys share is passed over.
	var counts [8][256]int
	for _, k := range keys {
		for b := range 8 {
			counts[b][byte(k>>(8*b))]++
		}
	}
	src, dst := keys, make([]uint64, len(keys))
	for b := range 8 {
		c := &counts[b]
		if c[byte(src[0]>>(8*b))] == len(src) {
			continue
		}
		pos := 0
		for i, n := range c {
			c[i] = pos
			pos += n
		}
		for _, k := range src {
			d := byte(k >> (8 * b))
			dst[c[d]] = k
			c[d]++
		}
		src, dst = dst, src
	}
	return slices.Clip(slices.Compact(src))
}
