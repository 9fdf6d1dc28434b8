package evtx_test

import (
	"bytes"
	"errors"
	"io"
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
	for _, c := range []struct {
		name string
		b    []byte
		want int
	}{
		{"clean", foreignLog(t, "vm1.contoso.com", 400, t0, evtxtest.Options{}, nil), 400},
		{"wrapped", foreignLog(t, "vm1.contoso.com", 400, t0, evtxtest.Options{OldestChunk: 2}, nil), 400},
		{"dirty, header lags", foreignLog(t, "vm1.contoso.com", 400, t0, evtxtest.Options{Dirty: true, UndercountChunks: 1}, nil), 400},
		{"tie", tie, 400},
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
