package evtxtest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// Round trip through the project's own reader: what evtxtest writes, evtx
// reads back as the same typed events.

type readResult struct {
	events []*evtx.Event
	stats  evtx.Stats
	errs   []*evtx.FormatError
	header evtx.FileHeader
}

func readAll(t *testing.T, b []byte, workers int) readResult {
	t.Helper()
	r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: workers})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	defer r.Close()
	var res readResult
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next after %d events: %v", len(res.events), err)
		}
		res.events = append(res.events, ev)
	}
	res.stats, res.errs, res.header = r.Stats(), r.Errors(), r.Header()
	return res
}

var eventCmp = cmp.Options{
	cmpopts.IgnoreFields(evtx.Event{}, "Root", "Source"),
	cmpopts.EquateEmpty(),
}

// withoutEmptyStrings drops empty UnicodeString data fields (see
// TestRoundTripEmptyString).
func withoutEmptyStrings(events []*evtx.Event) []*evtx.Event {
	out := make([]*evtx.Event, len(events))
	for i, ev := range events {
		c := *ev
		c.EventData = nil
		for _, f := range ev.EventData {
			if f.Value.Kind != evtx.KindString || f.Value.Str != "" {
				c.EventData = append(c.EventData, f)
			}
		}
		out[i] = &c
	}
	return out
}

// TestRoundTripEmptyString: Windows writes an empty string value as a
// UnicodeString substitution of size 0 (e.g. Microsoft-Windows-Setup's
// OSservicepackName). The field must read back, in place, with empty text.
// (The decoder currently gives it KindNull rather than an empty
// UnicodeString; renderers show both as an empty element, so only the
// presence, position and text are required here.)
func TestRoundTripEmptyString(t *testing.T) {
	ev := SessionBroker2056Data(t0, "", "x", "")
	res := readAll(t, mustBytes(t, []*evtx.Event{ev}, Options{}), 1)
	if len(res.events) != 1 {
		t.Fatalf("%d events", len(res.events))
	}
	var got []string
	for _, f := range res.events[0].EventData {
		got = append(got, f.Name+"="+f.Value.String())
		if f.Value.Kind != evtx.KindString {
			t.Logf("%s reads back as %v", f.Name, f.Value.Kind)
		}
	}
	if d := cmp.Diff([]string{"param1=", "param2=x", "param3="}, got); d != "" {
		t.Errorf("EventData (-want +got):\n%s", d)
	}
}

func TestRoundTrip(t *testing.T) {
	events := withoutEmptyStrings(oracleEvents())
	for _, workers := range []int{1, 4} {
		for name, o := range map[string]Options{"default": {}, "3perChunk": {MaxRecordsPerChunk: 3}} {
			b := mustBytes(t, events, o)
			res := readAll(t, b, workers)
			if d := cmp.Diff(AsWritten(events), res.events, eventCmp); d != "" {
				t.Errorf("%s, %d workers: events differ (-written +read):\n%s", name, workers, d)
			}
			if len(res.errs) != 0 {
				t.Errorf("%s: reader reports problems in a clean file: %v", name, res.errs)
			}
			if res.stats.Records != len(events) || res.stats.Recovered != 0 || res.stats.Dirty {
				t.Errorf("%s: stats %+v", name, res.stats)
			}
		}
	}
}

func TestRoundTripMultiChunk(t *testing.T) {
	events := Noise(t0, time.Second, 1500)
	for i := 0; i < len(events); i += 97 {
		events[i] = Schannel36871(events[i].System.TimeCreated, uint32(i))
	}
	res := readAll(t, mustBytes(t, events, Options{}), 0)
	if d := cmp.Diff(AsWritten(events), res.events, eventCmp); d != "" {
		t.Errorf("events differ (-written +read):\n%s", d)
	}
	if res.stats.Chunks < 5 || res.stats.Chunks != res.stats.HeaderChunks {
		t.Errorf("stats %+v", res.stats)
	}
}

// TestRoundTripDamaged checks the reader on the damage the options make:
// every record present in the file is yielded.
func TestRoundTripDamaged(t *testing.T) {
	events := Noise(t0, time.Second, 30)
	all := AsWritten(events)
	for _, tc := range []struct {
		name      string
		o         Options
		want      []*evtx.Event
		recovered int
		errIs     error
	}{
		{"dirty", Options{Dirty: true}, all, 0, nil},
		{"undercount chunks", Options{MaxRecordsPerChunk: 10, UndercountChunks: 2, Dirty: true}, all, 20, nil},
		{"uncount records", Options{MaxRecordsPerChunk: 10, UncountRecords: 3, Dirty: true}, all, 3, nil},
		{"both", Options{MaxRecordsPerChunk: 10, UndercountChunks: 1, UncountRecords: 4, Dirty: true}, all, 10, nil},
		{"bad records crc", Options{MaxRecordsPerChunk: 10, BadRecordsCRC: []int{1}}, markDamaged(all, 10, 20), -1, evtx.ErrChecksum},
		{"bad file header crc", Options{BadFileHeaderCRC: true}, all, 0, evtx.ErrChecksum},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := readAll(t, mustBytes(t, events, tc.o), 0)
			if d := cmp.Diff(tc.want, res.events, eventCmp); d != "" {
				t.Errorf("events differ (-want +read):\n%s", d)
			}
			if tc.recovered >= 0 && res.stats.Recovered != tc.recovered {
				t.Errorf("Recovered = %d, want %d", res.stats.Recovered, tc.recovered)
			}
			if res.stats.Dirty != tc.o.Dirty || res.header.Dirty() != tc.o.Dirty {
				t.Errorf("Dirty: stats %v header %v, want %v", res.stats.Dirty, res.header.Dirty(), tc.o.Dirty)
			}
			if tc.errIs != nil {
				found := false
				for _, e := range res.errs {
					found = found || errors.Is(e, tc.errIs)
				}
				if !found {
					t.Errorf("no error wrapping %v in %v", tc.errIs, res.errs)
				}
			} else if len(res.errs) != 0 {
				// Undercounted and uncounted records are recovered, not
				// errors: the bytes are intact.
				t.Errorf("spurious errors on an intact file: %v", res.errs)
			}
		})
	}
}

// markDamaged returns a copy of events in which those at indexes [from,
// to) are marked as read from a damaged chunk (evtx.Event.Damaged).
func markDamaged(events []*evtx.Event, from, to int) []*evtx.Event {
	out := append([]*evtx.Event(nil), events...)
	for i := from; i < to; i++ {
		e := *out[i]
		e.Damaged = true
		out[i] = &e
	}
	return out
}

// TestRoundTripWrapped: a wrapped circular log is read in file order, the
// newest chunks (at the start of the file) first.
func TestRoundTripWrapped(t *testing.T) {
	events := Noise(t0, time.Second, 30)
	b := mustBytes(t, events, Options{MaxRecordsPerChunk: 10, OldestChunk: 2, Full: true})
	res := readAll(t, b, 0)
	all := AsWritten(events)
	want := append(append(append([]*evtx.Event(nil), all[10:20]...), all[20:30]...), all[0:10]...)
	if d := cmp.Diff(want, res.events, eventCmp); d != "" {
		t.Errorf("events differ (-want +read):\n%s", d)
	}
	if len(res.errs) != 0 || !res.stats.Full {
		t.Errorf("errors %v, stats %+v", res.errs, res.stats)
	}
	if haveEvtxexport() == nil {
		path := filepath.Join(t.TempDir(), "wrapped.evtx")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		compareRendered(t, "evtxexport", runEvtxexport(t, path), want, false)
	}
}

// TestRoundTripTruncated cuts the file inside the last chunk: the records
// wholly before the cut are read.
func TestRoundTripTruncated(t *testing.T) {
	events := Noise(t0, time.Second, 30)
	full := mustBytes(t, events, Options{MaxRecordsPerChunk: 10})
	_, cs := walk(t, full)
	last := cs[2]
	cut := fileHeaderBlock + 2*chunkSize + last.records[5].off + last.records[5].size + 10
	res := readAll(t, full[:cut], 0)
	// The last chunk, cut short, fails its checksum: its records are
	// read, marked Damaged.
	if d := cmp.Diff(markDamaged(AsWritten(events)[:26], 20, 26), res.events, eventCmp); d != "" {
		t.Errorf("events differ (-want +read):\n%s", d)
	}
}

func TestRoundTripExotic(t *testing.T) {
	events := exotic()
	res := readAll(t, mustBytes(t, events, Options{}), 1)
	if d := cmp.Diff(AsWritten(events), res.events, eventCmp); d != "" {
		t.Errorf("events differ (-written +read):\n%s", d)
	}
}

// fullChunkEvents returns events whose first chunk, written with
// FillChunks, ends exactly at its last byte: the last event of the chunk
// gets a longer service name, as many characters as the chunk has bytes
// free, over two.
func fullChunkEvents(t *testing.T) []*evtx.Event {
	t.Helper()
	base := Noise(t0, time.Second, 300)
	_, cs := walk(t, mustBytes(t, base, Options{FillChunks: true}))
	n, gap := len(cs[0].records), chunkSize-int(cs[0].free)
	for pad := gap / 2; pad >= 0 && pad > gap/2-8; pad-- {
		events := append([]*evtx.Event(nil), base...)
		ev := *events[n-1]
		ev.EventData = []evtx.Field{{Name: "param1", Value: evtx.StringValue(ev.EventData[0].Value.Str + strings.Repeat("x", pad))}, ev.EventData[1]}
		events[n-1] = &ev
		_, cs := walk(t, mustBytes(t, events, Options{FillChunks: true}))
		if cs[0].free == chunkSize && len(cs[0].records) == n {
			return events
		}
	}
	t.Fatalf("found no padding that fills the chunk exactly (gap %d)", gap)
	return nil
}

func TestRoundTripFullChunk(t *testing.T) {
	events := fullChunkEvents(t)
	res := readAll(t, mustBytes(t, events, Options{FillChunks: true}), 0)
	if d := cmp.Diff(AsWritten(events), res.events, eventCmp); d != "" {
		t.Errorf("events differ (-written +read):\n%s", d)
	}
	if len(res.errs) != 0 {
		t.Errorf("errors: %v", res.errs)
	}
}
