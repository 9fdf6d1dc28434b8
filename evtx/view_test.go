package evtx_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/internal/hosts"
)

// forwardedLog writes a collector's log of the events of three computers,
// interleaved: the collector numbers its records 1, 2, 3... in the order
// it wrote them, each event keeps the EventRecordID its source computer
// gave it.
func forwardedLog(t *testing.T) string {
	t.Helper()
	end := time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC)
	names := []string{"VM1.contoso.com", "vm2", "vm3.contoso.com"}
	var evs []*evtx.Event
	for i, ev := range evtxtest.Noise(end.Add(-3*24*time.Hour), 7*time.Minute, 600) {
		ev.System.Computer = names[i%3]
		ev.System.EventRecordID = 1000*uint64(i%3+1) + uint64(i/3)
		ev.RecordID = uint64(i + 1)
		evs = append(evs, ev)
	}
	p := filepath.Join(t.TempDir(), "ForwardedEvents.evtx")
	if err := evtxtest.WriteFile(p, evs, evtxtest.Options{MaxRecordsPerChunk: 50}); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestForComputerEqualsFilter: a view of one computer's records
// (Log.ForComputer) yields exactly the events a read of the whole log
// yields that name that computer, with every window, filter and number of
// workers, alone and merged with a copy; its WrittenEnds are the lowest and
// highest record numbers of those events. The WEC sample of testdata (one
// forwarded record, record 1, EventRecordID 3229) is read alike.
func TestForComputerEqualsFilter(t *testing.T) {
	p := forwardedLog(t)
	logs := map[string][]*evtx.Log{}
	for _, path := range []string{p, "../testdata/evtx/omerbenamram__evtx__samples__MSExchange_Management_wec.evtx"} {
		ls, err := evtx.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		logs[path] = ls
	}
	ids := func(f *evtx.File, keep func(*evtx.Event) bool) (out []uint64) {
		t.Helper()
		for {
			ev, err := f.Next()
			if err != nil {
				break
			}
			if keep == nil || keep(ev) {
				out = append(out, ev.RecordID, ev.System.EventRecordID)
			}
		}
		return out
	}
	since := time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC)
	opts := []evtx.Options{
		{Workers: 1},
		{Workers: 4},
		{Since: since, Workers: 2},
		{Filter: func(s evtx.Summary) bool { return s.EventID%2 == 0 }, Workers: 2},
	}
	checked := 0
	for path, ls := range logs {
		l := ls[0]
		for _, host := range []string{"vm1", "VM2.contoso.com", "vm3", "WEC", "nohost"} {
			v := l.ForComputer(host)
			if v.Computer() != hosts.Key(host) {
				t.Fatalf("Computer() = %q", v.Computer())
			}
			keep := func(ev *evtx.Event) bool { return hosts.Key(ev.System.Computer) == hosts.Key(host) }
			for i, o := range opts {
				whole, err := l.Open(o)
				if err != nil {
					t.Fatal(err)
				}
				want := ids(whole, keep)
				ws := whole.Stats()
				whole.Close()
				f, err := v.Open(o)
				if err != nil {
					t.Fatal(err)
				}
				got := ids(f, nil)
				st := f.Stats()
				first, last := f.WrittenEnds()
				f.Close()
				if !slices.Equal(got, want) {
					t.Errorf("%s: view of %s, options %d: %d numbers, want %d", path, host, i, len(got), len(want))
				}
				if st.Records != len(want)/2 || st.Records+st.Skipped+st.Filtered != ws.Records+ws.Skipped+ws.Filtered {
					t.Errorf("%s: view of %s, options %d: stats %+v, whole %+v", path, host, i, st, ws)
				}
				// The plain ends: every record of the view, no window.
				all, _ := v.Open(evtx.Options{Workers: 1})
				nums := ids(all, nil)
				all.Close()
				switch {
				case len(nums) == 0:
					if first != nil || last != nil {
						t.Errorf("%s: view of %s: written ends %v %v of no record", path, host, first, last)
					}
				case first == nil || last == nil || first.RecordID != slices.Min(everyOther(nums)) || last.RecordID != slices.Max(everyOther(nums)):
					t.Errorf("%s: view of %s: written ends %v %v", path, host, first, last)
				default:
					checked++
				}
			}
			// A view of copies read as one is the merge of the views.
			mv := evtx.Merge(l, l).ForComputer(host)
			f, err := mv.Open(evtx.Options{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			got := ids(f, nil)
			f.Close()
			whole, _ := l.Open(evtx.Options{Workers: 2})
			want := ids(whole, keep)
			whole.Close()
			if !slices.Equal(got, want) {
				t.Errorf("%s: merged view of %s: %d numbers, want %d", path, host, len(got), len(want))
			}
		}
	}
	if checked != 4*4 {
		t.Errorf("%d views with records checked, want 16 (three hosts of the crafted log and WEC of the sample, four options each)", checked)
	}
	if l := logs[p][0]; l.ForComputer("") != l {
		t.Error("ForComputer(\"\") is not the log itself")
	}
}

func everyOther(nums []uint64) []uint64 {
	var out []uint64
	for i := 0; i < len(nums); i += 2 {
		out = append(out, nums[i])
	}
	return out
}
