package evtx_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// realRecordIDLog is a System log of five Service Control Manager records
// whose last-written one holds its EventRecordID as a Real64 (the value
// descriptor's type changed from UInt64, the chunk's checksums made
// right): an EventRecordID that is not an integer, so not read.
func realRecordIDLog(t *testing.T) []byte {
	t.Helper()
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := 0; i < 5; i++ {
		evs = append(evs, evtxtest.SCM7036(t0.Add(time.Duration(i-5)*time.Hour), "Remote Desktop Services", "running", "TermService"))
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.RetypeLastRecordID(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRecordIDNotAnIntegerNotRead: a record whose EventRecordID is not an
// integer has no EventRecordID read, whether the reader decodes it or
// reads its TimeCreated and EventRecordID without decoding it (a window
// that skips it). Decoded, it counted as an EventRecordID read (0) that
// differs from its record number: the log's last-written record "looked
// exported" and the log was an export (dump's "exported log: 1 of 5
// records renumbered") only when its records were decoded.
func TestRecordIDNotAnIntegerNotRead(t *testing.T) {
	b := realRecordIDLog(t)
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, o := range []evtx.Options{{}, {Since: far, Until: far}} {
		r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			ev, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.RecordID == 5 && ev.System.EventRecordID != 0 {
				t.Errorf("record 5: EventRecordID %d, want none", ev.System.EventRecordID)
			}
			n++
		}
		st := r.Stats()
		if st.Exported() || st.LastWrittenExported || st.Renumbered != 0 || st.IDsRead != 4 || st.LastWrittenID != 5 || st.LastWrittenEventRecordID != 0 {
			t.Errorf("%d events read: exported %v (last written %v), %d of %d EventRecordIDs read renumbered, last written record %d with EventRecordID %d; want not exported, 0 of 4, record 5 without one",
				n, st.Exported(), st.LastWrittenExported, st.Renumbered, st.IDsRead, st.LastWrittenID, st.LastWrittenEventRecordID)
		}
	}
}
