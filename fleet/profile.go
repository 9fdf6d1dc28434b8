package fleet

import (
	"cmp"
	"encoding/binary"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/hosts"
)

// profile is what one pass over a log's record summaries says about it,
// without decoding its records (EventLog 6011 events aside): the computer
// names, record ids and times, and an identity key per record.
type profile struct {
	records int
	hosts   []*hostSpan
	keys    []uint64 // recordKey of every record, sorted, each once
	// alt holds eventKey of every record, sorted, each once; altAll is
	// false when a record's TimeCreated could not be read (it has none).
	alt     []uint64
	altAll  bool
	renames [][2]string // EventLog 6011: from, to
	first   time.Time   // TimeCreated (header time where absent)
	last    time.Time
	err     error
}

// hostSpan is where one host's records lie in a log.
type hostSpan struct {
	key          string // hostKey of the Computer values
	name         string // the Computer value of the newest record naming it
	minID, maxID uint64
	first, last  time.Time
	count        int
}

// hostKey is the host a Computer value names (hosts.Key: its first DNS
// label, lower case).
func hostKey(computer string) string { return hosts.Key(computer) }

// eventKey identifies a record by what the event says, not the record
// header: channel, TimeCreated, provider, event id and computer. A log
// saved from Event Viewer or wevtutil (an export) renumbers its records
// and borrows or zeroes their header times, so it shares no recordKey with
// the log it was saved from, but it shares eventKeys. Forwarded events
// share them too; Group joins logs by eventKey only where each names one
// host, the same.
//
// lower is the channel in lower case (strings.ToLower).
func eventKey(lower string, s evtx.Summary) uint64 {
	var b [10]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(s.TimeCreated.UnixNano()))
	binary.LittleEndian.PutUint16(b[8:], s.EventID)
	return summaryKey(b[:], lower, s)
}

// recordKey identifies a record for finding copies without decoding it:
// channel, record id, header time, provider, event id and computer. Two
// logs that share a key are copies of one log (Merge then counts each
// record once by its decoded identity).
//
// lower is the channel in lower case (strings.ToLower).
func recordKey(lower string, s evtx.Summary) uint64 {
	var b [18]byte
	binary.LittleEndian.PutUint64(b[0:], s.RecordID)
	binary.LittleEndian.PutUint64(b[8:], uint64(s.Written.UnixNano()))
	binary.LittleEndian.PutUint16(b[16:], s.EventID)
	return summaryKey(b[:], lower, s)
}

// summaryKey hashes fixed, then the channel (case-insensitive: lower is
// it in lower case), the provider and the computer of s, with FNV-1a
// (the values of hash/fnv's New64a over those bytes, NUL-separated:
// TestSummaryKeyIsFNV), without allocating: it runs for every record
// summary a profile reads.
func summaryKey(fixed []byte, lower string, s evtx.Summary) uint64 {
	h := fnv64a(fnvOffset64)
	for _, c := range fixed {
		h = (h ^ fnv64a(c)) * fnvPrime64
	}
	h = h.str(lower).nul().str(s.Provider).nul().str(s.Computer)
	return uint64(h)
}

// fnv64a is an FNV-1a 64-bit hash state.
type fnv64a uint64

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

func (h fnv64a) str(s string) fnv64a {
	for i := 0; i < len(s); i++ {
		h = (h ^ fnv64a(s[i])) * fnvPrime64
	}
	return h
}

func (h fnv64a) nul() fnv64a { return h * fnvPrime64 }

type profiler struct {
	mu    sync.Mutex
	p     *profile
	lower string // the channel, in lower case
	// host and key are the last Computer value noted and its hostKey.
	host, key string
}

func (pr *profiler) note(s evtx.Summary) {
	// The keys are hashed before taking the lock: the reader's decoding
	// goroutines call note at once.
	rk, ek := recordKey(pr.lower, s), uint64(0)
	if !s.TimeCreated.IsZero() {
		ek = eventKey(pr.lower, s)
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	p := pr.p
	p.records++
	p.keys = append(p.keys, rk)
	if s.TimeCreated.IsZero() {
		p.altAll = false
	} else {
		p.alt = append(p.alt, ek)
	}
	// Time means TimeCreated; the header time only where it is absent.
	t := s.TimeCreated
	if t.IsZero() {
		t = s.Written
	}
	if !t.IsZero() {
		if p.first.IsZero() || t.Before(p.first) {
			p.first = t
		}
		if t.After(p.last) {
			p.last = t
		}
	}
	if s.Computer == "" {
		return
	}
	if s.Computer != pr.host || pr.key == "" {
		pr.host, pr.key = s.Computer, hostKey(s.Computer)
	}
	k := pr.key
	var hs *hostSpan
	for _, h := range p.hosts {
		if h.key == k {
			hs = h
			break
		}
	}
	if hs == nil {
		if len(p.hosts) >= maxHosts {
			return
		}
		hs = &hostSpan{key: k, name: s.Computer, minID: s.RecordID, maxID: s.RecordID, first: t, last: t}
		p.hosts = append(p.hosts, hs)
	}
	hs.count++
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

// maxHosts bounds the computer names tracked per log (a forwarded log of a
// large fleet names many).
const maxHosts = 256

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// readProfile reads the record summaries of l (channel ch): with period
// > 0 those whose TimeCreated lies within period before the TimeCreated of
// the log's last-written record (evtx.Reader.LastWritten), and all after
// it (evtx.Options.Since); else all. workers is the reader's chunk
// parallelism.
func readProfile(l *evtx.Log, ch string, workers int, period time.Duration) *profile {
	pr := &profiler{p: &profile{altAll: true}, lower: strings.ToLower(ch)}
	defer func() {
		slices.Sort(pr.p.keys)
		pr.p.keys = slices.Clip(slices.Compact(pr.p.keys))
		slices.Sort(pr.p.alt)
		pr.p.alt = slices.Clip(slices.Compact(pr.p.alt))
	}()
	isRename := func(provider string, id uint16) bool { return id == 6011 && strings.EqualFold(provider, "EventLog") }
	var since time.Time
	if period > 0 {
		f, err := l.Open(evtx.Options{Workers: workers})
		if err != nil {
			pr.p.err = err
			return pr.p
		}
		// From the last-written record (the highest record number), not
		// the largest time, which a clock that ran ahead sets.
		t := time.Time{}
		if ev := f.LastWritten(); ev != nil {
			t, _ = evtx.TimeCreatedOf(ev)
		}
		if !t.IsZero() {
			since = t.Add(-period)
		}
		f.Close()
	}
	f, err := l.Open(evtx.Options{Workers: workers, Since: since, Filter: func(s evtx.Summary) bool {
		if isRename(s.Provider, s.EventID) {
			return true // decoded: its data names the old and new names
		}
		pr.note(s)
		return false
	}})
	if err != nil {
		pr.p.err = err
		return pr.p
	}
	defer f.Close()
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			pr.p.err = err
			break
		}
		if ev.Partial != "" {
			// Decoded in part (its template does not resolve): no
			// provider, event id, computer or TimeCreated, so nothing of
			// which machine wrote it or when; its header time alone would
			// stretch the log's span (TestPartialRecordsDoNotSplitMachine).
			continue
		}
		// A 6011, or a record whose summary could not be read.
		tc, _ := evtx.TimeCreatedOf(ev)
		pr.note(evtx.Summary{Provider: ev.System.Provider.Name, EventID: ev.System.EventID,
			Computer: ev.System.Computer, Written: ev.Written, RecordID: ev.RecordID, TimeCreated: tc})
		if isRename(ev.System.Provider.Name, ev.System.EventID) && len(ev.EventData) >= 2 {
			from, to := ev.EventData[0].Value.String(), ev.EventData[1].Value.String()
			if from != "" && to != "" && hostKey(from) != hostKey(to) {
				pr.p.renames = append(pr.p.renames, [2]string{from, to})
			}
		}
	}
	return pr.p
}

// profileAll profiles the logs at the given indices in parallel (at most
// workers at a time, the largest first). A log holding more than half of
// their bytes is read with workers goroutines: a machine's System log is
// often most of its bytes, and reading it with one goroutine while the
// small logs are done left the other cores idle. The others are read with
// one goroutine each, so that the goroutines reading at once stay under
// twice the workers.
func profileAll(logs []*evtx.Log, channels []string, idx []int, workers int, period time.Duration) []*profile {
	out := make([]*profile, len(logs))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	idx = slices.Clone(idx)
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(logs[b].Size, logs[a].Size) })
	var total int64
	for _, i := range idx {
		total += logs[i].Size
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
			out[i] = readProfile(logs[i], channels[i], per, period)
		}()
	}
	wg.Wait()
	return out
}
