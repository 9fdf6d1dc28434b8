package evtx_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// foreignLog writes n System events of computer, one every 10 minutes
// up to end, 100 records a chunk, the i-th a Schannel 36871 where tls
// says so.
func foreignLog(t *testing.T, computer string, n int, end time.Time, o evtxtest.Options, tls func(i int) bool) []byte {
	t.Helper()
	evs := evtxtest.Noise(end.Add(-time.Duration(n-1)*10*time.Minute), 10*time.Minute, n)
	for i, ev := range evs {
		if tls != nil && tls(i) {
			evs[i] = evtxtest.Schannel36871(ev.System.TimeCreated, 10013)
		}
		evs[i].System.Computer = computer
	}
	o.MaxRecordsPerChunk = 100
	b, err := evtxtest.Bytes(evs, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func chunkOf(b []byte, i int) []byte { return b[4096+i*65536 : 4096+(i+1)*65536] }

type foreignRead struct {
	events    []*evtx.Event
	errs      []*evtx.FormatError
	last      *evtx.Event
	stats     evtx.Stats
	computers map[string]int // of the current (not recovered) events
}

func readForeign(t *testing.T, b []byte, recover bool) foreignRead {
	t.Helper()
	rd, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Name: "System.evtx", Recover: recover})
	if err != nil {
		t.Fatal(err)
	}
	out := foreignRead{last: rd.LastWritten(), computers: map[string]int{}}
	for {
		ev, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out.events = append(out.events, ev)
		if ev.Recovered == "" {
			out.computers[ev.System.Computer]++
		}
	}
	out.errs, out.stats = rd.Errors(), rd.Stats()
	return out
}

// A chunk of another log, copied or carved into a log in place of one of
// its chunks (every checksum right), was read as the log's own: its
// records were the log's events (another machine's Schannel 36871 made
// rdp-tls-disabled detected on a machine that logged none), its highest
// record number was the last-written record ("now" 2 h 20 min early, a
// record of the other machine), and the report called the log forwarded
// events of two computers, with 0 problems in dump. Windows numbers a
// log's records one after another and writes its chunks in ring order,
// so a counted chunk numbered past the clean file header's next record
// identifier, or out of the order of the others and sharing their
// numbers, is not the log's: it is read as an old chunk (its records
// only with Recover, flagged unallocated), and a problem names it with
// its offset and why.
func TestForeignChunkNotTheLogs(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	// The other log: 1000 records ending 2 h before the log's, its last
	// chunk (901..1000) with a Schannel 36871 in the log's last day.
	other := foreignLog(t, "vm3.contoso.com", 1000, t0.Add(-2*time.Hour), evtxtest.Options{}, func(i int) bool { return i == 990 })
	// The other log's chunk 3 (301..400) numbered as the log's own chunk 3.
	same := foreignLog(t, "vm2.contoso.com", 400, t0.Add(72*time.Hour), evtxtest.Options{}, nil)
	for _, c := range []struct {
		name      string
		o         evtxtest.Options
		from      []byte
		slot      int
		why       string
		lost      bool // records 101..200 lost (chunk 1 overwritten)
		wantEvs   int
		wantFirst uint64 // of the foreign chunk's records
	}{
		{"numbered past the header", evtxtest.Options{}, chunkOf(other, 9), 1, "at or past 401, the next record identifier", true, 300, 901},
		{"numbers of another chunk", evtxtest.Options{}, chunkOf(same, 3), 1, "as chunk 3, which is in order", true, 300, 301},
		{"numbers of another chunk, dirty", evtxtest.Options{Dirty: true}, chunkOf(same, 3), 1, "as chunk 3, which is in order", true, 300, 301},
		{"numbered past the header, last slot", evtxtest.Options{}, chunkOf(other, 9), 3, "at or past 401", false, 300, 901},
		// A wrapped log closed cleanly (oldest chunk 2: slots hold
		// 201..300, 301..400, 1..100, 101..200; its header's ring is
		// the slots it counts): slot 0 overwritten.
		{"numbered past the header, wrapped", evtxtest.Options{OldestChunk: 2}, chunkOf(other, 9), 0, "at or past 401", true, 300, 901},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := foreignLog(t, "vm1.contoso.com", 400, t0, c.o, nil)
			copy(chunkOf(b, c.slot), c.from)
			r := readForeign(t, b, false)
			if len(r.events) != c.wantEvs || len(r.computers) != 1 || r.computers["vm1.contoso.com"] != c.wantEvs {
				t.Errorf("%d events of computers %v, want %d of vm1.contoso.com alone", len(r.events), r.computers, c.wantEvs)
			}
			for _, ev := range r.events {
				if ev.System.EventID == 36871 {
					t.Errorf("the other log's Schannel 36871 (EventRecordID %d) read as the log's", ev.System.EventRecordID)
				}
			}
			wantLast := uint64(400)
			if c.slot == 3 {
				wantLast = 300
			}
			if r.last == nil || r.last.RecordID != wantLast || r.last.System.Computer != "vm1.contoso.com" {
				t.Errorf("last written %+v, want record %d of vm1.contoso.com", r.last, wantLast)
			}
			var found bool
			for _, e := range r.errs {
				if e.Chunk == c.slot && e.Offset == int64(4096+c.slot*65536) && strings.Contains(e.Error(), "is not this log's") && strings.Contains(e.Error(), c.why) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem naming chunk %d at %#x with %q in %v", c.slot, 4096+c.slot*65536, c.why, r.errs)
			}
			if r.stats.ForeignChunks != 1 || r.stats.StaleOldChunks != 100 {
				t.Errorf("ForeignChunks %d, StaleOldChunks %d, want 1 and 100", r.stats.ForeignChunks, r.stats.StaleOldChunks)
			}
			// Recover reads the chunk's records, flagged and placed.
			rr := readForeign(t, b, true)
			var rec []uint64
			for _, ev := range rr.events {
				if ev.Recovered != "" {
					if ev.Recovered != evtx.RecoveredUnallocated || ev.Source.Chunk != c.slot || ev.Source.Offset < int64(4096+c.slot*65536) {
						t.Errorf("recovered record %d: %q at chunk %d offset %#x, want unallocated in chunk %d", ev.RecordID, ev.Recovered, ev.Source.Chunk, ev.Source.Offset, c.slot)
					}
					rec = append(rec, ev.RecordID)
				}
			}
			if len(rec) != 100 || slices.Min(rec) != c.wantFirst {
				t.Errorf("Recover: %d recovered records from %v, want 100 from %d", len(rec), rec[:min(len(rec), 3)], c.wantFirst)
			}
		})
	}
}

// The logs Windows writes are not touched: a clean log, a wrapped one,
// one whose header lags (dirty), and a log with a chunk of numbers two
// orders of its chunks disagree on (a tie: which chunk is the log's is not
// known) are read whole, no chunk called another log's.
func TestForeignChunkNotJudged(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tie := foreignLog(t, "vm1.contoso.com", 400, t0, evtxtest.Options{}, nil)
	// Slot 1 holds records numbered 150..249 (chunk 1 of a log numbered
	// from 50): 1..100, 150..249, 301..400 and 1..100, 201..300, 301..400
	// ascend alike.
	evs := evtxtest.Noise(t0, time.Minute, 300)
	for _, ev := range evs {
		ev.System.Computer = "vm1.contoso.com"
	}
	evs[0].RecordID = 50
	alt, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 100})
	if err != nil {
		t.Fatal(err)
	}
	copy(chunkOf(tie, 1), chunkOf(alt, 1))
	lowNext := foreignLog(t, "vm1.contoso.com", 400, t0, evtxtest.Options{}, nil)
	binary.LittleEndian.PutUint64(lowNext[24:], 1)
	binary.LittleEndian.PutUint32(lowNext[124:], crc32.ChecksumIEEE(lowNext[:120]))
	for _, c := range []struct {
		name string
		b    []byte
		want int
	}{
		{"clean", foreignLog(t, "vm1.contoso.com", 400, t0, evtxtest.Options{}, nil), 400},
		{"wrapped", foreignLog(t, "vm1.contoso.com", 400, t0, evtxtest.Options{OldestChunk: 2}, nil), 400},
		{"dirty, header lags", foreignLog(t, "vm1.contoso.com", 400, t0, evtxtest.Options{Dirty: true, UndercountChunks: 1}, nil), 400},
		// Wrapped logs whose header lags, closed cleanly or not
		// (TestWrappedLogHeaderUndercounts): counted slots hold numbers
		// at or past the header's next record identifier (slots 1 and
		// 2: 141..160) and a slot before its oldest chunk holds the
		// ring's oldest records out of order (91..100 after 141..150):
		// the header's ring is not the slots it counts, so neither says
		// a chunk is another log's.
		{"wrapped, header lags", ringLog(t, 101, 3, 2, false), 60},
		{"wrapped, header lags, dirty", ringLog(t, 101, 3, 2, true), 60},
		{"wrapped, header lags, the slot before the oldest stale", ringLog(t, 101, 5, 1, false, 4), 60},
		{"wrapped, one chunk counted", ringLog(t, 101, 1, 5, false), 60},
		{"tie", tie, 400},
		// A header closed cleanly whose next record identifier (1)
		// lies below every chunk: no chunk agrees with it, so it
		// judges none.
		{"clean, next record identifier below every chunk", lowNext, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := readForeign(t, c.b, false)
			if len(r.events) != c.want || r.stats.ForeignChunks != 0 {
				t.Errorf("%d events, %d foreign chunks, want %d and 0", len(r.events), r.stats.ForeignChunks, c.want)
			}
			for _, e := range r.errs {
				if strings.Contains(e.Error(), "is not this log's") {
					t.Errorf("problem %v", e)
				}
			}
		})
	}
}

// A wrapped log whose header lags (its ring is not the slots it counts,
// closed cleanly or not) still has another log's chunk judged when the
// chunk holds numbers one of the log's chunks in order holds: slot 3, the
// header's oldest chunk (101..110), overwritten by another machine's
// chunk numbered 141..150 as slot 1 is. Its records are old; the log's
// are the others, 111..160 (the uncounted slots 4 and 5, 111..130, chain
// down from the lowest counted number, 131), and the other machine's
// records are not among them.
func TestForeignChunkHeaderLags(t *testing.T) {
	evs := evtxtest.Noise(time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC), time.Minute, 10)
	for i, ev := range evs {
		ev.RecordID = 141 + uint64(i)
		ev.System.Computer = "vm2.contoso.com"
	}
	other, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, dirty := range []bool{false, true} {
		b := ringLog(t, 101, 3, 2, dirty)
		copy(chunkOf(b, 3), chunkOf(other, 0))
		r := readForeign(t, b, false)
		var got []uint64
		for _, ev := range r.events {
			got = append(got, ev.RecordID)
		}
		slices.Sort(got)
		if !slices.Equal(got, ids(111, 160)) || r.computers["vm2.contoso.com"] != 0 {
			t.Errorf("dirty %v: records %v of computers %v, want 111..160 of the log's alone", dirty, got, r.computers)
		}
		if r.stats.ForeignChunks != 1 || r.stats.StaleOldChunks != 10 {
			t.Errorf("dirty %v: ForeignChunks %d, StaleOldChunks %d, want 1 and 10", dirty, r.stats.ForeignChunks, r.stats.StaleOldChunks)
		}
		var found bool
		for _, e := range r.errs {
			found = found || e.Chunk == 3 && strings.Contains(e.Error(), "is not this log's") && strings.Contains(e.Error(), "as chunk 1, which is in order")
		}
		if !found {
			t.Errorf("dirty %v: no problem naming chunk 3 as sharing chunk 1's numbers in %v", dirty, r.errs)
		}
	}
}

// The problem of a chunk out of the order of the log's others names the
// oldest chunk the file header names as where their order starts, even
// when that slot holds no chunk of the log's: a clean log of 600 records
// (six chunks) whose oldest slot, 0, holds another log's chunk numbered
// 1001..1100 (past the next record identifier) and slot 3 one numbered
// 50..60 (out of order, sharing no number). The problem of slot 3 said
// the order starts at "the oldest chunk the file header ... names, slot
// 1"; the header names slot 0.
func TestForeignChunkOrderNamesHeadersOldest(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	b := foreignLog(t, "vm1.contoso.com", 600, t0, evtxtest.Options{}, nil)
	for _, c := range []struct {
		slot  int
		first uint64
		n     int
	}{{0, 1001, 100}, {3, 50, 11}} {
		evs := evtxtest.Noise(t0.Add(-48*time.Hour), time.Minute, c.n)
		for _, ev := range evs {
			ev.System.Computer = "vm2.contoso.com"
		}
		evs[0].RecordID = c.first
		other, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 100})
		if err != nil {
			t.Fatal(err)
		}
		copy(chunkOf(b, c.slot), chunkOf(other, 0))
	}
	r := readForeign(t, b, false)
	if r.stats.ForeignChunks != 2 || r.computers["vm2.contoso.com"] != 0 {
		t.Fatalf("ForeignChunks %d, computers %v, want 2 and vm1's alone: %v", r.stats.ForeignChunks, r.computers, r.errs)
	}
	var found bool
	for _, e := range r.errs {
		if e.Chunk == 3 && strings.Contains(e.Error(), "is not this log's") {
			found = true
			if !strings.Contains(e.Error(), "slot 0") || strings.Contains(e.Error(), "slot 1") {
				t.Errorf("%v: does not name slot 0, the oldest chunk the file header names", e)
			}
		}
	}
	if !found {
		t.Errorf("no problem names chunk 3: %v", r.errs)
	}
}

// A chunk of another log pasted past the file header's count, at the
// slot after the log's newest chunk, was read as the log's newest chunk:
//
//   - a chunk of another machine's System log (python-evtx's system.evtx,
//     records 13473 to 13649 of 2012) in michkoll's System.evtx (a dirty
//     log of records 1 to 3584, 2020, its header counting 27 of its 28
//     chunks) at slot 28: "now" was the other machine's record 13649 of
//     2012-04-08, eight years before the log's own last record, records
//     3585 to 13472 were called lost, and analyze found the other
//     machine's crashes (rdp-os-unstable detected);
//   - a chunk of Velocidex's Security.evtx (records 32186 to 32266, 2019)
//     in omerbenamram's Security_with_size_t.evtx (a clean log of records
//     1 to 636, 2015, 6 chunks counted) at slot 6: "now" was 2019-02-08,
//     records 637 to 32185 called lost.
//
// A dirty header's chunks may lag, so a chunk past the count whose
// numbers skip ahead was the log's even when written before its newest
// record, and in a clean file when written after it; but no lag hides
// 9,888 or 31,549 numbers between two adjacent slots (beyondLag). The
// pasted chunk is read as an old chunk: the log reads as it did before
// the paste, the pasted records only with Recover, flagged unallocated.
func TestForeignChunkPastTheCount(t *testing.T) {
	for _, c := range []struct {
		log, other     string
		counted, chunk int    // the log's counted chunks; the other log's chunk pasted
		slot           int    // where it is pasted: the empty slot after the log's newest chunk
		last           uint64 // the log's last-written record
		pasted         int
	}{
		{"michkoll__fakenevtx__tests__data__System.evtx", "williballenthin__python-evtx__tests__data__system.evtx", 27, 8, 28, 3584, 177},
		{"omerbenamram__evtx__samples__Security_with_size_t.evtx", "Velocidex__evtx__testdata__Security.evtx", 6, 4, 6, 636, 81},
	} {
		t.Run(c.log, func(t *testing.T) {
			log, err := os.ReadFile("../testdata/evtx/" + c.log)
			if err != nil {
				t.Fatal(err)
			}
			other, err := os.ReadFile("../testdata/evtx/" + c.other)
			if err != nil {
				t.Fatal(err)
			}
			if len(log) < 4096+(c.slot+1)*65536 || int(binary.LittleEndian.Uint16(log[42:])) != c.counted || !bytes.Equal(chunkOf(log, c.slot)[:8], make([]byte, 8)) {
				t.Fatalf("%s is not the log of %d counted chunks and an empty slot %d this test expects", c.log, c.counted, c.slot)
			}
			before := readForeign(t, log, false)
			b := slices.Clone(log)
			copy(chunkOf(b, c.slot), chunkOf(other, c.chunk))
			for _, recover := range []bool{false, true} {
				got := readForeign(t, b, recover)
				if got.last == nil || got.last.RecordID != c.last || got.last.System.Computer != before.last.System.Computer {
					t.Fatalf("recover %v: last-written record %+v, want the log's own %d", recover, got.last, c.last)
				}
				if !maps.Equal(got.computers, before.computers) {
					t.Errorf("recover %v: current events of %v, want those of %v", recover, got.computers, before.computers)
				}
				pasted := 0
				for _, ev := range got.events {
					if ev.Source.Chunk == c.slot {
						pasted++
						if ev.Recovered != evtx.RecoveredUnallocated {
							t.Fatalf("recover %v: record %d of the pasted chunk flagged %q, want unallocated", recover, ev.RecordID, ev.Recovered)
						}
					}
				}
				want := len(before.events)
				if recover {
					want += c.pasted
					if pasted != c.pasted {
						t.Errorf("Recover: %d records of the pasted chunk, want %d", pasted, c.pasted)
					}
				}
				if len(got.events) != want {
					t.Errorf("recover %v: %d events, want %d", recover, len(got.events), want)
				}
				if got.stats.StaleOldChunks != before.stats.StaleOldChunks+c.pasted {
					t.Errorf("recover %v: %d records in old chunks, want %d", recover, got.stats.StaleOldChunks, before.stats.StaleOldChunks+c.pasted)
				}
			}
		})
	}
}

// A chunk of another log pasted into a dirty log at a slot its header
// counts, numbered above the log's records and written before them, was
// read as the log's (of a dirty log only a chunk sharing numbers was
// judged): michkoll's System.evtx (records 1 to 3584, 2020) with
// RemoteConnectionManager records 461928 to 462055 of 2018 (omerbenamram's
// shadow copy, its chunk 9) in place of chunk 10 gave "now" as that
// chunk's record 462055, 2018-08-07, two years before the log's own last
// record, and called records 3585 to 461927 lost; the same log with
// python-evtx's system.evtx chunk 8 (another machine's records 13473 to
// 13649, 2012) in slot 28 and the header fixed to count it (29 chunks, its
// checksum right) gave "now" in 2012. Such a chunk skips more numbers past
// the chunk before it in ring order than that chunk can hold beyond its
// claim, and its first record was written before that chunk's last: the
// log did not write it after that chunk. It is read as an old chunk, and a
// problem names it and why.
func TestForeignChunkSkipsAheadInRing(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("../testdata/evtx/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	log := read("michkoll__fakenevtx__tests__data__System.evtx")
	rcm := read("omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx")
	sys := read("williballenthin__python-evtx__tests__data__system.evtx")
	before := readForeign(t, log, false)
	if before.last == nil || before.last.RecordID != 3584 || len(before.errs) != 0 {
		t.Fatalf("michkoll's System.evtx reads with last-written record %+v and %d problems, want 3584 and none", before.last, len(before.errs))
	}
	atSlot10 := slices.Clone(log)
	copy(chunkOf(atSlot10, 10), chunkOf(rcm, 9))
	counted28 := slices.Clone(log)
	copy(chunkOf(counted28, 28), chunkOf(sys, 8))
	binary.LittleEndian.PutUint64(counted28[16:], 28) // last chunk number
	binary.LittleEndian.PutUint16(counted28[42:], 29) // chunk count
	binary.LittleEndian.PutUint32(counted28[124:], crc32.ChecksumIEEE(counted28[:120]))
	for _, c := range []struct {
		name   string
		b      []byte
		slot   int
		pasted int
		lost   int // of the log's own records, the pasted chunk's place
		why    string
	}{
		{"RCM chunk in slot 10", atSlot10, 10, 128, 133, "its header numbers its records 461928 to 462055, skipping 460633 numbers past record 1294, the last that chunk 9 (the one before it in the log's ring) claims"},
		{"another machine's chunk in slot 28, counted", counted28, 28, 177, 0, "its header numbers its records 13473 to 13649, skipping 9888 numbers past record 3584, the last that chunk 27 (the one before it in the log's ring) claims"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, recover := range []bool{false, true} {
				got := readForeign(t, c.b, recover)
				if got.last == nil || got.last.RecordID != 3584 {
					t.Fatalf("recover %v: last-written record %+v, want the log's own 3584", recover, got.last)
				}
				for computer := range got.computers {
					if before.computers[computer] == 0 {
						t.Errorf("recover %v: current events of %v, want those of the log's computers %v alone", recover, got.computers, before.computers)
					}
				}
				pasted := 0
				for _, ev := range got.events {
					if ev.Source.Chunk == c.slot {
						pasted++
						if ev.Recovered != evtx.RecoveredUnallocated {
							t.Fatalf("recover %v: record %d of the pasted chunk flagged %q, want unallocated", recover, ev.RecordID, ev.Recovered)
						}
					}
				}
				want := len(before.events) - c.lost
				if recover {
					want += c.pasted
					if pasted != c.pasted {
						t.Errorf("Recover: %d records of the pasted chunk, want %d", pasted, c.pasted)
					}
				}
				if len(got.events) != want {
					t.Errorf("recover %v: %d events, want %d", recover, len(got.events), want)
				}
				var named bool
				for _, e := range got.errs {
					named = named || e.Chunk == c.slot && strings.Contains(e.Error(), "is not this log's") && strings.Contains(e.Error(), c.why)
				}
				if !named {
					t.Errorf("recover %v: no problem names chunk %d as another log's with %q: %v", recover, c.slot, c.why, got.errs)
				}
			}
		})
	}
}
