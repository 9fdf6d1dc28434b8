package evtx_test

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// overlaySlack returns newLog with the bytes of oldLog's first chunk put
// after the free space offset of newLog's first chunk: what a chunk looks
// like when a log was cleared (or the chunk reused) and newer records
// overwrote only its start. The chunk's checksums still hold (the records
// checksum covers the bytes up to the free space offset only).
func overlaySlack(t *testing.T, newLog, oldLog []byte) []byte {
	t.Helper()
	const block, chunk = 4096, 65536
	b := append([]byte(nil), newLog...)
	free := int(binary.LittleEndian.Uint32(b[block+48:]))
	copy(b[block+free:block+chunk], oldLog[block+free:block+chunk])
	return b
}

func read(t *testing.T, b []byte, recover bool) ([]*evtx.Event, evtx.Stats, []*evtx.FormatError) {
	t.Helper()
	r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 1, Recover: recover})
	if err != nil {
		t.Fatal(err)
	}
	var evs []*evtx.Event
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	return evs, r.Stats(), r.Errors()
}

// checkWellFormed parses the event's XML with encoding/xml (which refuses
// what XML 1.0 forbids, character references included) and requires one
// root element.
func checkWellFormed(t *testing.T, ev *evtx.Event) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(ev.XML()))
	d.Strict = true
	roots := 0
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("record %d at %#x: XML not well-formed: %v\n%s", ev.RecordID, ev.Source.Offset, err, ev.XML())
			return
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 {
		t.Errorf("record %d: %d root elements", ev.RecordID, roots)
	}
}

// TestRecoverCraftedSlack writes a log, "clears" it (a new log of fewer,
// newer records written over the start of the same chunk) and reads the old
// records from the slack: of the same channel and provider (their
// template, defined by the first record at the same offset in both logs,
// still resolves) and of another channel (their template does not: they
// come as partial events with their values, or, when the record defines its
// template itself, in full). Without Recover none of them is read, and a
// slack record that is a copy of a current one is yielded once.
func TestRecoverCraftedSlack(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var same, other, cur []*evtx.Event
	for i := 0; i < 60; i++ {
		same = append(same, evtxtest.Schannel36871(t0.Add(time.Duration(i)*time.Minute), uint32(10013+i)))
		other = append(other, evtxtest.SessionBroker2056(t0.Add(time.Duration(i)*time.Minute), "NULL", fmt.Sprint(i), "Logon to the database failed."))
	}
	// The old log's record ids are not those of the new one (which, after
	// a clear, starts again at 1).
	same[0].RecordID, other[0].RecordID = 1001, 1001
	for i := 0; i < 10; i++ {
		cur = append(cur, evtxtest.Schannel36871(t0.Add(48*time.Hour+time.Duration(i)*time.Minute), uint32(20000+i)))
	}
	newLog, err := evtxtest.Bytes(cur, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		old       []*evtx.Event
		wantFull  bool // every slack record decodes in full
		wantParts bool // some come as partial events
	}{
		{"same channel", same, true, false},
		{"other channel", other, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			oldLog, err := evtxtest.Bytes(c.old, evtxtest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b := overlaySlack(t, newLog, oldLog)
			evs, st, errs := read(t, b, false)
			if len(evs) != 10 || st.Stale == 0 || st.SlackRead != 0 || len(errs) != 0 {
				t.Fatalf("plain read: %d events, %d stale, %d slack read, errors %v", len(evs), st.Stale, st.SlackRead, errs)
			}
			for _, ev := range evs {
				if ev.Recovered != "" || ev.Partial != "" {
					t.Errorf("plain read yields record %d flagged %q %q", ev.RecordID, ev.Recovered, ev.Partial)
				}
			}
			all, st2, errs2 := read(t, b, true)
			if st2.SlackRead != st.Stale || st2.SlackUnreadable != 0 || len(all) != 10+st.Stale {
				t.Fatalf("Recover: %d events, %d read from slack of %d, %d unreadable", len(all), st2.SlackRead, st.Stale, st2.SlackUnreadable)
			}
			want := evtxtest.AsWritten(c.old)
			partial, full := 0, 0
			for i, ev := range all {
				checkWellFormed(t, ev)
				if i < 10 {
					if ev.Recovered != "" || ev.RecordID != uint64(i+1) {
						t.Errorf("event %d: record %d flagged %q; current records come first", i, ev.RecordID, ev.Recovered)
					}
					continue
				}
				if ev.Recovered != evtx.RecoveredSlack {
					t.Errorf("slack record %d not flagged: %q", ev.RecordID, ev.Recovered)
				}
				w := want[ev.RecordID-1001]
				if ev.Partial != "" {
					partial++
					// The values are the record's: its time and a data
					// string are among them.
					var text []string
					for _, v := range ev.Unresolved {
						text = append(text, v.String())
					}
					j := strings.Join(text, "|")
					if !strings.Contains(j, evtx.FormatTime(w.System.TimeCreated)) || w.UserData != nil && !strings.Contains(j, w.UserData.Children[1].Value.String()) {
						t.Errorf("partial record %d: values %s", ev.RecordID, j)
					}
					found := false
					for _, e := range errs2 {
						found = found || e.Offset == ev.Source.Offset && strings.Contains(e.Error(), "decoded in part")
					}
					if !found {
						t.Errorf("partial record %d at %#x not reported", ev.RecordID, ev.Source.Offset)
					}
					continue
				}
				full++
				if ev.System.EventRecordID != ev.RecordID || !ev.System.TimeCreated.Equal(w.System.TimeCreated) ||
					ev.System.Channel != w.System.Channel || ev.System.EventID != w.System.EventID {
					t.Errorf("slack record %d decodes as %+v, wrote %+v", ev.RecordID, ev.System, w.System)
				}
			}
			if c.wantFull && partial > 0 || c.wantParts && partial == 0 {
				t.Errorf("%d partial, %d full slack records", partial, full)
			}
			t.Logf("%d current records, %d from slack: %d in full, %d partial", 10, st2.SlackRead, full, partial)
		})
	}

	// A slack record that is a copy of a current one (here byte for byte:
	// records 5..8 of a first chunk, again in the slack of a second chunk
	// that now holds records 101..104) is yielded once.
	t.Run("copy of a current record", func(t *testing.T) {
		oldLog, err := evtxtest.Bytes(cur[:8], evtxtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var next []*evtx.Event
		for i := 0; i < 4; i++ {
			next = append(next, evtxtest.Schannel36871(t0.Add(72*time.Hour+time.Duration(i)*time.Minute), 30000))
		}
		next[0].RecordID = 101
		newer, err := evtxtest.Bytes(next, evtxtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b := overlaySlack(t, newer, oldLog)
		both := append(append([]byte(nil), oldLog...), b[4096:]...)
		evs, st, _ := read(t, both, false)
		if len(evs) != 12 || st.Stale != 4 {
			t.Fatalf("plain read: %d events, %d stale; want 12, 4", len(evs), st.Stale)
		}
		evs, st, _ = read(t, both, true)
		if len(evs) != 12 || st.SlackRead != 0 || st.Duplicates != 4 {
			t.Errorf("Recover: %d events, %d read from slack, %d duplicates; want 12, 0, 4", len(evs), st.SlackRead, st.Duplicates)
		}
	})
}

// TestRecoverUnallocatedChunk: a chunk past the file header's count is
// read as current when its records continue the log (a dirty log whose
// header lags), and as old (unallocated space: Stats.Stale, yielded only
// with Recover, flagged) when they cannot be newer: numbers the log
// already used, or numbers that skip ahead written before the log's newest
// record (a log cleared since; in a dirty file, a skip past what a lagging
// header and the slots between can hide).
func TestRecoverUnallocatedChunk(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	mk := func(first uint64, at time.Time, n int) []byte {
		var evs []*evtx.Event
		for i := 0; i < n; i++ {
			evs = append(evs, evtxtest.Schannel36871(at.Add(time.Duration(i)*time.Minute), uint32(i)))
		}
		evs[0].RecordID = first
		b, err := evtxtest.Bytes(evs, evtxtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return b[4096 : 4096+65536]
	}
	current := func(dirty bool) []byte {
		var evs []*evtx.Event
		for i := 0; i < 10; i++ {
			evs = append(evs, evtxtest.Schannel36871(t0.Add(48*time.Hour+time.Duration(i)*time.Minute), uint32(i)))
		}
		b, err := evtxtest.Bytes(evs, evtxtest.Options{Dirty: dirty})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		name  string
		chunk []byte
		dirty bool
		old   bool
	}{
		{"continues the log", mk(11, t0.Add(49*time.Hour), 20), false, false},
		{"skips ahead, written later", mk(500, t0.Add(49*time.Hour), 20), false, false},
		{"numbers already used", mk(3, t0.Add(49*time.Hour), 20), false, true},
		{"skips ahead, written before (a cleared log)", mk(5000, t0, 20), false, true},
		// Records 11 to 4999 would lie between slot 0 and slot 1: not
		// written after slot 0, whenever written (beyondLag).
		{"skips ahead past any lag, written later", mk(5000, t0.Add(49*time.Hour), 20), false, true},
		// In a dirty file headers may lag: both signs are needed, and
		// a skip a lagging header (and the slots between) can hide is no
		// sign: the chunk may be the log's, written after the clock was
		// set back.
		{"dirty: skips ahead within a lagging header's reach, written before", mk(100, t0, 20), true, false},
		// A skip no lagging header can hide: records 11 to 4999 would
		// lie between slot 0 and slot 1 (beyondLag).
		{"dirty: skips ahead past any lag, written before", mk(5000, t0, 20), true, true},
		{"dirty: skips ahead past any lag, written later", mk(5000, t0.Add(49*time.Hour), 20), true, false},
		{"dirty: numbers already used, written later", mk(3, t0.Add(49*time.Hour), 20), true, false},
		{"dirty: numbers already used, written before", mk(3, t0, 20), true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := append(current(c.dirty), c.chunk...) // the header counts 1 chunk
			evs, st, _ := read(t, b, false)
			all, st2, _ := read(t, b, true)
			for _, ev := range all {
				checkWellFormed(t, ev)
			}
			if !c.old {
				if len(evs) != 30 || st.Stale != 0 || st.StaleOldChunks != 0 || len(all) != 30 {
					t.Errorf("%d events (%d with Recover), %d stale; want 30 current", len(evs), len(all), st.Stale)
				}
				return
			}
			if len(evs) != 10 || st.Stale != 20 || len(all) != 30 || st2.SlackRead != 20 {
				t.Fatalf("%d events, %d stale; with Recover %d, %d read from slack", len(evs), st.Stale, len(all), st2.SlackRead)
			}
			// Every old record lies in the old chunk, none in slack.
			if st.StaleOldChunks != 20 || st2.StaleOldChunks != 20 {
				t.Errorf("%d (with Recover %d) of the old records in old chunks, want 20", st.StaleOldChunks, st2.StaleOldChunks)
			}
			for _, ev := range all[10:] {
				if ev.Recovered != evtx.RecoveredUnallocated || ev.Source.Chunk != 1 || ev.Partial != "" {
					t.Errorf("record %d (chunk %d) flagged %q, partial %q", ev.RecordID, ev.Source.Chunk, ev.Recovered, ev.Partial)
				}
			}
			// The shortcuts agree with the plain read.
			r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if lw := r.LastWritten(); lw == nil || lw.RecordID != 10 {
				t.Errorf("LastWritten %+v, want record 10", lw)
			}
			if nt := r.NewestTime(); !nt.Equal(evs[9].Written) {
				t.Errorf("NewestTime %v, want %v", nt, evs[9].Written)
			}
		})
	}
}
