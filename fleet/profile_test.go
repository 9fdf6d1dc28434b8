package fleet

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// plainProfiler is the plain path of profiler: one lock taken for every
// summary, the hosts in one list.
type plainProfiler struct {
	mu        sync.Mutex
	p         *profile
	lower     string
	host, key string
}

func (pr *plainProfiler) note(s evtx.Summary) {
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
	t := placed(s.TimeCreated)
	if t.IsZero() {
		p.untimed++
	} else {
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

func newPlainProfiler(ch string) *plainProfiler {
	return &plainProfiler{p: &profile{altAll: true}, lower: strings.ToLower(ch)}
}

// profile sorts the keys as the plain path does.
func (pr *plainProfiler) profile() *profile {
	p := pr.p
	slices.Sort(p.keys)
	p.keys = slices.Clip(slices.Compact(p.keys))
	slices.Sort(p.alt)
	p.alt = slices.Clip(slices.Compact(p.alt))
	splitDamagedHosts(p)
	return p
}

// plainReadProfile is readProfile by the plain path.
func plainReadProfile(l *evtx.Log, ch string, workers int, period time.Duration) *profile {
	pr := newPlainProfiler(ch)
	renames, err := readSummaries(context.Background(), l, workers, period, pr.note)
	p := pr.profile()
	p.renames, p.err = renames, err
	return p
}

// profileDiff describes how two profiles differ ("" when they do not).
// With ordered false, the hosts are compared in the order of their
// smallest record id (newLog's), as the order in which goroutines first
// noted them varies.
func profileDiff(got, want *profile, ordered bool) string {
	if !ordered {
		for _, p := range []*profile{got, want} {
			p.hosts = slices.Clone(p.hosts)
			slices.SortStableFunc(p.hosts, func(a, b *hostSpan) int {
				return cmp.Or(cmp.Compare(a.minID, b.minID), strings.Compare(a.key, b.key))
			})
		}
	}
	var d []string
	if got.records != want.records || got.altAll != want.altAll || got.untimed != want.untimed {
		d = append(d, fmt.Sprintf("records %d altAll %v untimed %d, want %d %v %d", got.records, got.altAll, got.untimed, want.records, want.altAll, want.untimed))
	}
	if !slices.Equal(got.keys, want.keys) || !slices.Equal(got.alt, want.alt) {
		d = append(d, fmt.Sprintf("%d keys %d alt, want %d %d (or other values)", len(got.keys), len(got.alt), len(want.keys), len(want.alt)))
	}
	if !got.first.Equal(want.first) || !got.last.Equal(want.last) {
		d = append(d, fmt.Sprintf("span %v..%v, want %v..%v", got.first, got.last, want.first, want.last))
	}
	if !slices.Equal(got.renames, want.renames) || fmt.Sprint(got.err) != fmt.Sprint(want.err) {
		d = append(d, fmt.Sprintf("renames %q err %v, want %q %v", got.renames, got.err, want.renames, want.err))
	}
	host := func(h *hostSpan) string {
		return fmt.Sprintf("%s %q ids %d..%d %s..%s ×%d untimed %d", h.key, h.name, h.minID, h.maxID,
			h.first.Format(time.RFC3339Nano), h.last.Format(time.RFC3339Nano), h.count, h.untimed) + fmt.Sprintf(" damaged %d", h.damaged)
	}
	if len(got.hosts) != len(want.hosts) {
		d = append(d, fmt.Sprintf("%d hosts, want %d", len(got.hosts), len(want.hosts)))
	}
	for i := range min(len(got.hosts), len(want.hosts)) {
		if g, w := host(got.hosts[i]), host(want.hosts[i]); g != w {
			d = append(d, fmt.Sprintf("host %d: %s, want %s", i, g, w))
		}
	}
	var gd, wd []string
	for _, h := range got.damagedHosts {
		gd = append(gd, host(h))
	}
	for _, h := range want.damagedHosts {
		wd = append(wd, host(h))
	}
	slices.Sort(gd)
	slices.Sort(wd)
	if !slices.Equal(gd, wd) {
		d = append(d, fmt.Sprintf("damaged hosts %q, want %q", gd, wd))
	}
	return strings.Join(d, "; ")
}

// profileInputs returns the logs of testdata/evtx (its cases too),
// ../shared/samples and crafted ones written in dir: more computers than
// maxHosts, one after another and interleaved; records that share a
// record id but name other computers; a renamed computer.
func profileInputs(t *testing.T, dir string) []string {
	t.Helper()
	var paths []string
	for _, g := range []string{"../testdata/evtx/*.evtx", "../testdata/evtx/cases/*/*.evtx", "../testdata/evtx/cases/*/*/*.evtx",
		"../testdata/evtx/scenarios/*/*.evtx", "../../shared/samples/*.evtx"} {
		m, _ := filepath.Glob(g)
		paths = append(paths, m...)
	}
	if len(paths) < 100 {
		t.Fatalf("%d logs", len(paths))
	}
	end := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	crafted := map[string][]*evtx.Event{}
	// maxHosts+44 computers, 3 records each, one computer after another,
	// and the same interleaved.
	var seq, inter []*evtx.Event
	for i := range maxHosts + 44 {
		for j := range 3 {
			ev := evtxtest.Noise(end.Add(-time.Duration(1000-i)*time.Minute+time.Duration(j)*time.Second), time.Second, 1)[0]
			ev.System.Computer = fmt.Sprintf("vm-%03d.contoso.com", i)
			seq = append(seq, ev)
			ev2 := *ev
			ev2.System.TimeCreated = end.Add(-time.Duration(3000-3*i-j) * time.Minute)
			inter = append(inter, &ev2)
		}
	}
	slices.SortStableFunc(inter, func(a, b *evtx.Event) int { return strings.Compare(a.System.Computer[5:6], b.System.Computer[5:6]) })
	crafted["hosts-sequential.evtx"], crafted["hosts-interleaved.evtx"] = seq, inter
	// Record ids shared by records naming other computers (and other
	// spellings of one), and a zero header time beside a zero TimeCreated.
	var ties []*evtx.Event
	for i := range 600 {
		ev := evtxtest.Noise(end.Add(-time.Duration(600-i)*time.Minute), time.Second, 1)[0]
		ev.System.Computer = []string{"VM1.contoso.com", "vm1", "VM2.contoso.com", "Vm1.Contoso.com"}[i%4]
		ev.RecordID = uint64(100 + i/3)
		if i%97 == 0 {
			ev.System.TimeCreated = time.Time{}
			ev.Written = time.Time{}
		}
		ties = append(ties, ev)
	}
	crafted["ties.evtx"] = ties
	// A rename (EventLog 6011), then the new name.
	ren := evtxtest.Noise(end.Add(-48*time.Hour), 10*time.Minute, 200)
	ren = append(ren, evtxtest.EventLog6011(end.Add(-14*time.Hour), "OLDNAME", "NEWNAME"))
	ren = append(ren, evtxtest.Noise(end.Add(-13*time.Hour), 10*time.Minute, 50)...)
	for i, ev := range ren {
		ev.System.Computer = "oldname.contoso.com"
		if i > 200 {
			ev.System.Computer = "NEWNAME.contoso.com"
		}
	}
	crafted["rename.evtx"] = ren
	for name, evs := range crafted {
		p := filepath.Join(dir, name)
		if err := evtxtest.WriteFile(p, evs, evtxtest.Options{MaxRecordsPerChunk: 50}); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	// Records without a TimeCreated whose header times lie elsewhere,
	// and TimeCreated of FILETIME 0 and after the year 9999: counted,
	// placed in no time.
	untimed := evtxtest.Noise(end.Add(-10*time.Hour), time.Minute, 300)
	for i, ev := range untimed {
		ev.System.Computer = []string{"vm1.contoso.com", "vm2.contoso.com"}[i/150]
		switch i % 50 {
		case 7:
			ev.Written = end.Add(-400 * time.Hour)
		case 8:
			ev.System.TimeCreated = evtx.FiletimeToTime(0)
			ev.Written = end.Add(-300 * time.Hour)
		case 9:
			ev.System.TimeCreated = time.Date(30828, 9, 14, 2, 48, 5, 0, time.UTC)
			ev.Written = end.Add(-200 * time.Hour)
		}
	}
	p := filepath.Join(dir, "untimed.evtx")
	if err := evtxtest.WriteFile(p, untimed, evtxtest.Options{MaxRecordsPerChunk: 50, NoTimeCreated: func(i int, _ *evtx.Event) bool { return i%50 == 7 }}); err != nil {
		t.Fatal(err)
	}
	return append(paths, p)
}

// TestShardedProfileEqualsPlain: readProfile, whose profiler notes the
// summaries into shards, gives the profile of the plain path (one lock for
// every summary) for every log of testdata/evtx, ../shared/samples and
// crafted ones, whole and with windows, with one and several workers.
// With several, the plain path itself depends on the order of the
// goroutines in the order of the hosts (compared in newLog's order), and
// where more than maxHosts computers are named or records of one record
// id name other computers (the crafted logs, compared with one worker).
func TestShardedProfileEqualsPlain(t *testing.T) {
	paths := profileInputs(t, t.TempDir())
	checked := 0
	for _, p := range paths {
		crafted := !strings.HasPrefix(p, "..")
		for _, workers := range []int{1, 2} {
			if crafted && workers > 1 {
				continue
			}
			for _, period := range []time.Duration{0, 10 * 24 * time.Hour} {
				ls, err := evtx.Find(p)
				if err != nil || len(ls) != 1 {
					t.Fatalf("%s: %v %d logs", p, err, len(ls))
				}
				l := ls[0]
				got, want := readProfile(context.Background(), l, l.Channel, workers, period), plainReadProfile(l, l.Channel, workers, period)
				if d := profileDiff(got, want, workers == 1); d != "" {
					t.Errorf("%s, %d workers, period %v: %s", p, workers, period, d)
				}
				if strings.Contains(p, "hosts-") && len(want.hosts) != maxHosts {
					t.Errorf("%s: %d hosts, want the bound %d", p, len(want.hosts), maxHosts)
				}
				checked++
			}
		}
	}
	t.Logf("%d logs, %d reads compared", len(paths), checked)
}

// TestSortKeys: sortKeys gives slices.Sort and slices.Compact's keys, for
// few keys and for many (its radix sort), random, with repeats, sorted,
// reversed, varying in one byte only, and all equal but one (a pass over
// a byte every key but one shares is not passed over).
func TestSortKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var inputs [][]uint64
	for _, n := range []int{0, 1, 2, 1023, 1024, 1025, 5000, 70000} {
		random := make([]uint64, n)
		repeats := make([]uint64, n)
		sorted := make([]uint64, n)
		reversed := make([]uint64, n)
		oneByte := make([]uint64, n)
		oneOff := make([]uint64, n) // every key equal but one
		for i := range n {
			oneOff[i] = 0x0102_0304_0506_0708
			random[i] = r.Uint64()
			repeats[i] = random[r.IntN(i/8+1)]
			sorted[i] = uint64(i) << 40
			reversed[i] = ^uint64(i)
			oneByte[i] = 0xdead_0000_beef_0000 | uint64(r.IntN(256))<<8
		}
		if n > 1 {
			oneOff[r.IntN(n-1)] ^= 0xff << 24 // the largest, not last
		}
		inputs = append(inputs, random, repeats, sorted, reversed, oneByte, oneOff)
	}
	for i, in := range inputs {
		want := slices.Clone(in)
		slices.Sort(want)
		want = slices.Compact(want)
		if got := sortKeys(slices.Clone(in)); !slices.Equal(got, want) || cap(got) != len(got) {
			t.Errorf("input %d (%d keys): %d keys (cap %d), want %d, or other values", i, len(in), len(got), cap(got), len(want))
		}
	}
}

// plainShared is the plain path of copySets' search for shared keys: every
// key with its list's index, sorted by key; equal neighbours of one host
// (hosts nil: any) are unioned. It returns each list's root (the least
// index of its set).
func plainShared(lists [][]uint64, hosts []string) []int {
	parent := make([]int, len(lists))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	type keyOf struct {
		k uint64
		i int
	}
	var pairs []keyOf
	for i, l := range lists {
		for _, k := range l {
			pairs = append(pairs, keyOf{k, i})
		}
	}
	slices.SortFunc(pairs, func(a, b keyOf) int { return cmp.Compare(a.k, b.k) })
	for j := 1; j < len(pairs); j++ {
		a, b := pairs[j].i, pairs[j-1].i
		if pairs[j].k == pairs[j-1].k && (hosts == nil || hosts[a] == hosts[b]) {
			if ra, rb := find(a), find(b); ra != rb {
				parent[max(ra, rb)] = min(ra, rb)
			}
		}
	}
	roots := make([]int, len(lists))
	for i := range roots {
		roots[i] = find(i)
	}
	return roots
}

// mergedShared is plainShared by linkShared, as copySets calls it.
func mergedShared(lists [][]uint64, hosts []string) []int {
	parent := make([]int, len(lists))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	linkShared(lists, hosts, func(a, b int) {
		if ra, rb := find(a), find(b); ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	})
	roots := make([]int, len(lists))
	for i := range roots {
		roots[i] = find(i)
	}
	return roots
}

// TestSharedKeysEqualsSort: copySets finds the logs that share a key by
// merging their sorted keys (linkShared, sharedKeys), and gets the sets of
// copies the plain path (sorting every key with its log) gets: for the
// record and event keys of every log of testdata/evtx, ../shared/samples
// (the same files: copies) and the crafted ones, taken as one fleet; and
// for random logs, few and many, empty ones, with keys shared by two or
// more and none, and with hosts (for the event keys, where every log
// holding a key names one host: an event key hashes the Computer value,
// from which the host comes; and where logs of other hosts share keys,
// only as a 64-bit collision could make them).
func TestSharedKeysEqualsSort(t *testing.T) {
	var keys, alt [][]uint64
	var hosts []string
	for _, p := range profileInputs(t, t.TempDir()) {
		ls, err := evtx.Find(p)
		if err != nil || len(ls) != 1 {
			t.Fatalf("%s: %v %d logs", p, err, len(ls))
		}
		prof := readProfile(context.Background(), ls[0], ls[0].Channel, 1, 0)
		keys = append(keys, prof.keys)
		if len(prof.hosts) == 1 {
			alt, hosts = append(alt, prof.alt), append(hosts, prof.hosts[0].key)
		}
	}
	for _, c := range []struct {
		lists [][]uint64
		hosts []string
	}{{keys, nil}, {alt, hosts}} {
		got, want := mergedShared(c.lists, c.hosts), plainShared(c.lists, c.hosts)
		if !slices.Equal(got, want) {
			t.Errorf("logs (hosts %v): sets %v, want %v", c.hosts != nil, got, want)
		}
		copies := 0
		for i, root := range want {
			if root != i {
				copies++
			}
		}
		t.Logf("%d logs (hosts %v): %d copies of another", len(c.lists), c.hosts != nil, copies)
	}

	r := rand.New(rand.NewPCG(3, 4))
	links := 0
	for round := range 3000 {
		n := 1 + r.IntN(12)
		if round%100 == 0 {
			n = 100 + r.IntN(200)
		}
		pool := 1 + r.IntN(60) // how many distinct keys the logs draw from
		lists := make([][]uint64, n)
		for i := range lists {
			m := r.IntN(40)
			for range m {
				lists[i] = append(lists[i], uint64(r.IntN(pool))*0x9e3779b97f4a7c15)
			}
			slices.Sort(lists[i])
			lists[i] = slices.Compact(lists[i])
		}
		// Hosts: keys below a bound belong to host a, the others to b; a
		// log naming one host holds keys of that host only.
		hosts := make([]string, n)
		hostLists := make([][]uint64, n)
		for i, l := range lists {
			hosts[i] = []string{"a", "b"}[r.IntN(2)]
			for _, k := range l {
				if (k < 1<<63) == (hosts[i] == "a") {
					hostLists[i] = append(hostLists[i], k)
				}
			}
		}
		// Logs of other hosts sharing keys (a 64-bit collision of event
		// keys), each key held by one log of each host at most, where
		// the plain path's order of equal keys cannot matter: no link.
		mixed := make([][]uint64, n)
		held := map[string]bool{}
		for i, l := range lists {
			for _, k := range l {
				if hk := fmt.Sprint(hosts[i], k); !held[hk] {
					held[hk] = true
					mixed[i] = append(mixed[i], k)
				}
			}
		}
		for _, c := range []struct {
			lists [][]uint64
			hosts []string
		}{{lists, nil}, {hostLists, hosts}, {mixed, hosts}} {
			got, want := mergedShared(c.lists, c.hosts), plainShared(c.lists, c.hosts)
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, %d logs (hosts %v): sets %v, want %v", round, n, c.hosts != nil, got, want)
			}
			for i, root := range want {
				if root != i {
					links++
				}
			}
		}
	}
	if links < 1000 {
		t.Errorf("only %d logs were copies of another", links)
	}
}

// TestLoneProfileEqualsKeyed: a profile read without recordKeys (a lone
// log: profiler.lone) is the profile read with them but for the keys, and
// counts as many distinct records (profile.distinct) as there are
// distinct keys, for every log of profileInputs and a crafted one holding
// each record twice (one record number, the same content: one key), whole
// and over a period, with one and several workers. Where a record number
// repeats (ties.evtx, the crafted log) the lone read reads again with keys.
func TestLoneProfileEqualsKeyed(t *testing.T) {
	dir := t.TempDir()
	paths := profileInputs(t, dir)
	end := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var twice []*evtx.Event
	for i, ev := range evtxtest.Noise(end.Add(-10*time.Hour), time.Minute, 300) {
		ev.System.Computer = "vm1.contoso.com"
		ev.RecordID = uint64(100 + i)
		dup := *ev
		twice = append(twice, ev, &dup)
	}
	p := filepath.Join(dir, "twice.evtx")
	if err := evtxtest.WriteFile(p, twice, evtxtest.Options{MaxRecordsPerChunk: 50}); err != nil {
		t.Fatal(err)
	}
	paths = append(paths, p)
	checked, rekeyed, fewer := 0, 0, 0
	for _, p := range paths {
		for _, workers := range []int{1, 2} {
			for _, period := range []time.Duration{0, 10 * 24 * time.Hour} {
				ls, err := evtx.Find(p)
				if err != nil || len(ls) != 1 {
					t.Fatalf("%s: %v %d logs", p, err, len(ls))
				}
				l := ls[0]
				want := readProfileAlt(context.Background(), l, l.Channel, workers, period, false, false)
				pr := newProfiler(l.Channel)
				pr.noAlt, pr.lone = true, true
				since, err := periodStart(context.Background(), l, workers, period)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := periodSummaries(context.Background(), l, workers, since, pr.note); err != nil {
					t.Fatal(err)
				}
				if pr.profile().rekey {
					rekeyed++
				}
				got := readProfileAlt(context.Background(), l, l.Channel, workers, period, false, true)
				if got.distinct != len(want.keys) || want.distinct != len(want.keys) {
					t.Errorf("%s, %d workers, period %v: %d distinct records lone, %d keyed, want %d", p, workers, period, got.distinct, want.distinct, len(want.keys))
				}
				if len(want.keys) < want.records {
					fewer++
				}
				got.keys = want.keys // the one difference
				if d := profileDiff(got, want, workers == 1); d != "" {
					t.Errorf("%s, %d workers, period %v: %s", p, workers, period, d)
				}
				checked++
			}
		}
	}
	t.Logf("%d reads compared, %d read again with keys, %d with fewer keys than records", checked, rekeyed, fewer)
	if rekeyed == 0 || fewer == 0 {
		t.Errorf("%d reads met a record number twice, %d counted fewer keys than records: the test proves little", rekeyed, fewer)
	}
}
