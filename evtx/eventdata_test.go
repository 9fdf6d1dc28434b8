package evtx_test

import (
	"bytes"
	"io"
	"reflect"
	"sync"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestSummaryDataEqualsDecode: Summary.Data, where it decides, gives what
// Event.Data gives once the record is decoded, for every field name of
// the record, a name it does not have and the empty name; and it decides
// for most records of Windows's usual shape. A Summary kept after its
// Filter returned does not read its record any more. Over every sample,
// a damaged copy of each, and the crafted and odd logs.
func TestSummaryDataEqualsDecode(t *testing.T) {
	decided, asked := 0, 0
	var kept []evtx.Summary
	for name, b := range memoAndOddLogs(t) {
		byID := map[uint64]*evtx.Event{}
		dup := map[uint64]bool{}
		rd, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 1})
		if err != nil {
			continue
		}
		for {
			ev, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if byID[ev.RecordID] != nil {
				dup[ev.RecordID] = true
			}
			byID[ev.RecordID] = ev
		}
		var mu sync.Mutex
		filter := func(s evtx.Summary) bool {
			mu.Lock()
			defer mu.Unlock()
			if len(kept) < 100 {
				kept = append(kept, s)
			}
			ev := byID[s.RecordID]
			if ev == nil || dup[s.RecordID] || ev.Partial != "" {
				return false
			}
			names := []string{"", "NoSuchField"}
			for _, f := range ev.EventData {
				names = append(names, f.Name)
			}
			for _, n := range names {
				asked++
				v, found, ok := s.Data(n)
				if !ok {
					continue
				}
				decided++
				want, wantFound := ev.Data(n)
				if found != wantFound || !reflect.DeepEqual(v, want) {
					t.Errorf("%s record %d: Data(%q) = %#v, %v; decoded: %#v, %v", name, s.RecordID, n, v, found, want, wantFound)
				}
			}
			return false
		}
		rd, err = evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 3, Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := rd.Next(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d of %d fields decided without decoding", decided, asked)
	if asked == 0 || decided < asked/2 {
		t.Errorf("Data decided %d of %d fields: the test proves little", decided, asked)
	}
	for _, s := range kept {
		if _, _, ok := s.Data("param1"); ok {
			t.Fatalf("a Summary kept after its Filter returned read its record (record %d)", s.RecordID)
		}
	}
}
