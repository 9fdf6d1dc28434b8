package evtx_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// windowLine renders an event for comparison: record number, offset, XML.
func windowLine(ev *evtx.Event) string {
	return fmt.Sprintf("%d@%#x %s", ev.RecordID, ev.Source.Offset, ev.AppendXML(nil))
}

// readLines reads b with o and returns the rendered events and stats.
func readLines(t testing.TB, b []byte, o evtx.Options) ([]string, []*evtx.Event, evtx.Stats) {
	t.Helper()
	r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var lines []string
	var evs []*evtx.Event
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, windowLine(ev))
		evs = append(evs, ev)
	}
	return lines, evs, r.Stats()
}

// inWindow is the plain path's judgement of an event: its TimeCreated
// (TimeCreatedOf) in [since, until], or none (yielded whatever the window).
func inWindow(ev *evtx.Event, since, until time.Time) bool {
	tc, ok := evtx.TimeCreatedOf(ev)
	if !ok {
		return true
	}
	return (since.IsZero() || !tc.Before(since)) && (until.IsZero() || !tc.After(until))
}

// windowsFor returns windows over the TimeCreated values of evs: both
// bounds, one side open, a single instant, windows ending in the middle of
// the log, and windows before and after every event.
func windowsFor(evs []*evtx.Event) [][2]time.Time {
	var ts []time.Time
	for _, ev := range evs {
		if tc, ok := evtx.TimeCreatedOf(ev); ok {
			ts = append(ts, tc)
		}
	}
	if len(ts) == 0 {
		return [][2]time.Time{{time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), {}}}
	}
	sorted := slices.Clone(ts)
	slices.SortFunc(sorted, func(a, b time.Time) int { return a.Compare(b) })
	q := func(f float64) time.Time { return sorted[int(f*float64(len(sorted)-1))] }
	last := ts[len(ts)-1] // the last-written record's time, in file order
	return [][2]time.Time{
		{q(0.1), q(0.9)},
		{q(0.5), {}},
		{{}, q(0.5)},
		{q(0.3), q(0.3)},
		{last.Add(-24 * time.Hour), last},
		{sorted[len(sorted)-1].Add(time.Nanosecond * 100), {}},
		{q(0.7), q(0.2)}, // empty: since after until
	}
}

// followedByDamagedHeaderCopy returns log b, when small (at most 70,000
// bytes, as FuzzReader's seeds) and of whole chunks, followed by a copy of
// itself whose file header CRC32 is wrong; else nil. Where b's chunk
// header checksums are right the copy is found as a second log and not
// read (TestAppendedLogDamagedHeader); where they are not
// (Application_no_crc32) the copy's chunk is read, off its offsets, as
// a damaged chunk of b: its records decode in part, without TimeCreated,
// as copies of b's, and a window that passes over b's must drop them as
// the plain read does (TestWindowDropsCopiesOfPassedRecords).
func followedByDamagedHeaderCopy(b []byte) []byte {
	if len(b) > 70000 || len(b) <= 4096 || (len(b)-4096)%65536 != 0 {
		return nil
	}
	bad := bytes.Clone(b)
	bad[124] ^= 0xff
	return slices.Concat(b, bad)
}

// checkWindows: for every window, a read with Since/Until (with 1 worker,
// and with 3 workers and a Filter) yields exactly the events of a full
// read whose TimeCreated lies in the window, and counts the same records
// recovered from parts the headers do not count (Stats.Recovered: the
// report's "N records recovered" is about the log, not the window).
func checkWindows(t *testing.T, name string, b []byte) {
	t.Helper()
	_, all, stAll := readLines(t, b, evtx.Options{Workers: 1})
	filter := func(s evtx.Summary) bool { return s.EventID%2 == 0 }
	_, filtered, _ := readLines(t, b, evtx.Options{Workers: 1, Filter: filter})
	for _, w := range windowsFor(all) {
		for _, plain := range []struct {
			evs     []*evtx.Event
			filter  func(evtx.Summary) bool
			workers int
		}{{all, nil, 1}, {filtered, filter, 3}} {
			var want []string
			for _, ev := range plain.evs {
				if inWindow(ev, w[0], w[1]) {
					want = append(want, windowLine(ev))
				}
			}
			{
				workers := plain.workers
				got, _, st := readLines(t, b, evtx.Options{Since: w[0], Until: w[1], Workers: workers, Filter: plain.filter})
				if !slices.Equal(got, want) {
					t.Fatalf("%s window %v..%v (filter %v, %d workers): %d events, the full read filtered after %d\n%s",
						name, w[0], w[1], plain.filter != nil, workers, len(got), len(want), firstDiff(got, want))
				}
				if st.Records != len(got) {
					t.Fatalf("%s: Stats.Records %d, yielded %d", name, st.Records, len(got))
				}
				// Every record the full read yields, finds undecodable or
				// drops as a copy is yielded, skipped, filtered, found
				// undecodable or dropped as a copy, once (Stats' docs:
				// the sum is the same for every window and filter).
				if n, all := st.Records+st.Skipped+st.Filtered+st.BadRecords+st.Duplicates, stAll.Records+stAll.BadRecords+stAll.Duplicates; n != all {
					t.Fatalf("%s window %v..%v (filter %v): %d records yielded, skipped, filtered, undecodable or duplicates; the full read %d",
						name, w[0], w[1], plain.filter != nil, n, all)
				}
				if st.Recovered != stAll.Recovered {
					t.Fatalf("%s window %v..%v (filter %v): Stats.Recovered %d, the full read's %d", name, w[0], w[1], plain.filter != nil, st.Recovered, stAll.Recovered)
				}
				// The damage is the full read's too (Stats' docs).
				if st.Partial != stAll.Partial || st.BadRecords != stAll.BadRecords || st.Problems != stAll.Problems || st.UnreadBytes != stAll.UnreadBytes {
					t.Fatalf("%s window %v..%v (filter %v): Partial %d, BadRecords %d, Problems %d, UnreadBytes %d; the full read's %d, %d, %d, %d",
						name, w[0], w[1], plain.filter != nil, st.Partial, st.BadRecords, st.Problems, st.UnreadBytes,
						stAll.Partial, stAll.BadRecords, stAll.Problems, stAll.UnreadBytes)
				}
			}
		}
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("first difference at %d:\n got %.300s\nwant %.300s", i, a[i], b[i])
		}
	}
	if len(a) > len(b) {
		return fmt.Sprintf("extra: %.300s", a[len(b)])
	}
	if len(b) > len(a) {
		return fmt.Sprintf("missing: %.300s", b[len(a)])
	}
	return ""
}

// sampleLogs returns the logs of testdata/evtx and ../shared/samples.
func sampleLogs(t testing.TB) map[string][]byte { return evtx.TestLogs(t) }

// TestWindowEqualsFilteredRead: skipping by TimeCreated gives exactly what
// reading everything and filtering afterwards gives, on every sample, a
// damaged copy of each, and the crafted logs with skewed header times.
func TestWindowEqualsFilteredRead(t *testing.T) {
	for name, b := range sampleLogs(t) {
		checkWindows(t, name, b)
		d := bytes.Clone(b[:min(len(b), 4096+3*65536)]) // three chunks are enough
		for i := 4096; i < len(d); i += 509 {
			if (i-4096)%65536 >= 512 {
				d[i] ^= 0x5a
			}
		}
		checkWindows(t, name+" (damaged)", d)
		// The second half of chunk 0 overwritten by chunk 1's (a copy
		// taken while a chunk was rewritten): chunk 0's checksum fails,
		// so the copies of chunk 1's records in it are where the headers
		// do not account for them, and chunk 1's are their duplicates.
		if len(b) >= 4096+2*65536 {
			h := bytes.Clone(b)
			copy(h[4096+32768:4096+65536], b[4096+65536+32768:4096+2*65536])
			checkWindows(t, name+" (half overwritten)", h)
		}
		if c := followedByDamagedHeaderCopy(b); c != nil {
			checkWindows(t, name+" (followed by its copy, file header damaged)", c)
		}
	}
	for name, evs := range craftedLogs() {
		b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40})
		if err != nil {
			t.Fatal(err)
		}
		checkWindows(t, name, b)
		// A dirty copy whose headers count neither the last chunk nor the
		// last records of the chunk before it.
		b, err = evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40, Dirty: true, UndercountChunks: 1, UncountRecords: 7})
		if err != nil {
			t.Fatal(err)
		}
		checkWindows(t, name+" (headers lag)", b)
	}
}

var craftT0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// craftedLogs returns System logs of skewed clocks, each as events for
// evtxtest.Bytes: 200 background events, one every 10 minutes, with a
// Schannel 36871 among them.
func craftedLogs() map[string][]*evtx.Event {
	base := func() []*evtx.Event {
		evs := evtxtest.Noise(craftT0, 10*time.Minute, 200)
		evs[150] = evtxtest.Schannel36871(evs[150].System.TimeCreated, 10013)
		return evs
	}
	logs := map[string][]*evtx.Event{}
	for _, skew := range []time.Duration{-26 * time.Hour, -3 * time.Hour, -5 * 24 * time.Hour, 2 * time.Hour, 3 * 24 * time.Hour} {
		evs := base()
		for i := 100; i < 200; i += 7 {
			evs[i].Written = evs[i].System.TimeCreated.Add(skew)
		}
		evs[150].Written = evs[150].System.TimeCreated.Add(skew)
		logs[fmt.Sprintf("header %v from TimeCreated", skew)] = evs
	}
	logs["filtered export"] = evtxtest.Exported(base()[40:190:190])
	one := base()[150:151]
	one[0].RecordID = 77
	logs["one-record export"] = evtxtest.Exported(one)
	// A clock that ran a year ahead for 30 records, then was corrected.
	evs := base()
	for i := 80; i < 110; i++ {
		evs[i] = evtxtest.SCM7036(evs[i].System.TimeCreated.AddDate(1, 0, 0), "Windows Update", "running", "wuauserv")
	}
	logs["clock ran ahead"] = evs
	// Three records from the far future among the others.
	evs = base()
	for _, i := range []int{20, 120, 199} {
		evs[i] = evtxtest.SCM7036(time.Date(2099, 1, 1, 0, 0, i, 0, time.UTC), "Windows Update", "stopped", "wuauserv")
	}
	logs["far-future records"] = evs
	return logs
}

// TestWindowByTimeCreated: on the crafted logs, the window is judged by
// TimeCreated, never by the record header time, and exported logs are
// recognised.
func TestWindowByTimeCreated(t *testing.T) {
	logs := craftedLogs()
	for name, evs := range logs {
		b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40})
		if err != nil {
			t.Fatal(err)
		}
		_, all, st := readLines(t, b, evtx.Options{})
		exported := strings.Contains(name, "export")
		if st.Exported() != exported {
			t.Errorf("%s: Exported() = %v (renumbered %d of %d, zero header times %d)", name, st.Exported(), st.Renumbered, st.IDsRead, st.ZeroWritten)
		}
		// Every event, alone in a window of its TimeCreated, is found.
		for _, ev := range all {
			tc := ev.System.TimeCreated
			if got, ok := evtx.TimeCreatedOf(ev); !ok || !got.Equal(tc) {
				t.Fatalf("%s: TimeCreatedOf = %v %v, System.TimeCreated %v", name, got, ok, tc)
			}
			_, in, wst := readLines(t, b, evtx.Options{Since: tc, Until: tc})
			if !slices.ContainsFunc(in, func(e *evtx.Event) bool { return e.RecordID == ev.RecordID }) {
				t.Fatalf("%s: record %d (TimeCreated %v, header %v) not in the window at its TimeCreated", name, ev.RecordID, tc, ev.Written)
			}
			if wst.Skipped+wst.Records != len(all) {
				t.Fatalf("%s: skipped %d + yielded %d, want %d", name, wst.Skipped, wst.Records, len(all))
			}
			if !strings.Contains(name, "header") {
				continue
			}
			break // the header-skew logs: the first event is enough here
		}
		if strings.Contains(name, "header") {
			// The 36871, whose header time is skewed: in the window of
			// its TimeCreated ± 1 h.
			tc := evs[150].System.TimeCreated
			_, in, _ := readLines(t, b, evtx.Options{Since: tc.Add(-time.Hour), Until: tc.Add(time.Hour)})
			if !slices.ContainsFunc(in, func(e *evtx.Event) bool { return e.System.EventID == 36871 }) {
				t.Errorf("%s: the 36871 at %v is not in its window", name, tc)
			}
		}
		last := all[len(all)-1]
		if st.LastWrittenID != last.RecordID || !st.LastWrittenCreated.Equal(last.System.TimeCreated) {
			t.Errorf("%s: last written %d at %v, want %d at %v", name, st.LastWrittenID, st.LastWrittenCreated, last.RecordID, last.System.TimeCreated)
		}
	}
}

// TestRecoverWindowEqualsFilteredRead: with Options.Recover, a window
// yields exactly the events (current and recovered from slack) of a full
// read whose TimeCreated lies in the window. A slack copy of a current
// record is left out whether or not the window passes over that record:
// on omerbenamram's system.evtx, --since 2018-01-01 printed 35 slack
// records decoded in part (no TimeCreated, so "whatever the window") that
// the full dump leaves out as copies of current records.
func TestRecoverWindowEqualsFilteredRead(t *testing.T) {
	logs := sampleLogs(t)
	for name, b := range sampleLogs(t) {
		if c := followedByDamagedHeaderCopy(b); c != nil {
			logs[name+" (followed by its copy, file header damaged)"] = c
		}
	}
	for name, b := range logs {
		_, all, _ := readLines(t, b, evtx.Options{Workers: 1, Recover: true})
		for _, w := range windowsFor(all) {
			var want []string
			for _, ev := range all {
				if inWindow(ev, w[0], w[1]) {
					want = append(want, windowLine(ev))
				}
			}
			for _, workers := range []int{1, 3} {
				got, _, _ := readLines(t, b, evtx.Options{Since: w[0], Until: w[1], Workers: workers, Recover: true})
				if !slices.Equal(got, want) {
					t.Fatalf("%s window %v..%v (%d workers, Recover): %d events, the full read filtered after %d\n%s",
						name, w[0], w[1], workers, len(got), len(want), firstDiff(got, want))
				}
			}
		}
	}
}

// TestRecoverFilterOnlyRemoves: with Options.Recover, a Filter only takes
// events away from what the read without it yields: the slack copy of a
// current record the Filter declined is a copy all the same, counted in
// Stats.Duplicates, not yielded (a copy whose template was overwritten has
// no summary, so the Filter is not asked about it). On omerbenamram's
// system.evtx a Filter declining every record yielded 35 slack records
// decoded in part that the read without it leaves out as copies. Over
// every sample, with and without a window.
func TestRecoverFilterOnlyRemoves(t *testing.T) {
	filters := map[string]func(evtx.Summary) bool{
		"every record":  func(evtx.Summary) bool { return false },
		"odd event ids": func(s evtx.Summary) bool { return s.EventID%2 == 0 },
	}
	checked := 0
	for name, b := range sampleLogs(t) {
		all, evs, _ := readLines(t, b, evtx.Options{Workers: 1, Recover: true})
		windows := [][2]time.Time{{}}
		if ws := windowsFor(evs); len(ws) > 0 {
			windows = append(windows, ws[0])
		}
		for _, w := range windows {
			var want []string
			for i, ev := range evs {
				if inWindow(ev, w[0], w[1]) {
					want = append(want, all[i])
				}
			}
			for fname, f := range filters {
				for _, workers := range []int{1, 3} {
					got, _, _ := readLines(t, b, evtx.Options{Since: w[0], Until: w[1], Workers: workers, Recover: true, Filter: f})
					checked += len(got)
					i := 0
					for _, line := range got {
						for i < len(want) && want[i] != line {
							i++
						}
						if i == len(want) {
							t.Fatalf("%s window %v..%v, Filter declining %s (%d workers, Recover): yields an event the read without the Filter does not:\n%.300s", name, w[0], w[1], fname, workers, line)
						}
						i++
					}
				}
			}
		}
	}
	if checked < 1000 {
		t.Errorf("%d events yielded with a Filter: the check proves little", checked)
	}
}

// TestRecoverWindowDamagedEqualsFilteredRead: TestRecoverWindowEqualsFilteredRead
// on the damaged copies of TestWindowEqualsFilteredRead (bytes flipped in
// three chunks; the second half of chunk 0 overwritten by chunk 1's), whose
// salvaged records are decoded before the window judges them: a slack copy
// of one the window passes over is still a copy.
func TestRecoverWindowDamagedEqualsFilteredRead(t *testing.T) {
	for name, b := range sampleLogs(t) {
		d := bytes.Clone(b[:min(len(b), 4096+3*65536)])
		for i := 4096; i < len(d); i += 509 {
			if (i-4096)%65536 >= 512 {
				d[i] ^= 0x5a
			}
		}
		inputs := map[string][]byte{name + " (damaged)": d}
		if len(b) >= 4096+2*65536 {
			h := bytes.Clone(b)
			copy(h[4096+32768:4096+65536], b[4096+65536+32768:4096+2*65536])
			inputs[name+" (half overwritten)"] = h
		}
		for name, b := range inputs {
			_, all, _ := readLines(t, b, evtx.Options{Workers: 1, Recover: true})
			for _, w := range windowsFor(all) {
				var want []string
				for _, ev := range all {
					if inWindow(ev, w[0], w[1]) {
						want = append(want, windowLine(ev))
					}
				}
				got, _, _ := readLines(t, b, evtx.Options{Since: w[0], Until: w[1], Workers: 2, Recover: true})
				if !slices.Equal(got, want) {
					t.Fatalf("%s window %v..%v (Recover): %d events, the full read filtered after %d\n%s",
						name, w[0], w[1], len(got), len(want), firstDiff(got, want))
				}
			}
		}
	}
}

// TestRecoverWindowPassesSalvaged: a record of a damaged chunk is decoded
// (salvaged) before the window judges it; one the window passes over is
// still a current record, whose slack copies are copies. Record 5's size
// fields are 0 (sample-with-zero-data-size-event has such a record: it
// is read up to the next record and decoded first), and chunk 1's slack
// holds old records with their record ids and header times whose
// templates do not resolve there (decoded in part, without a TimeCreated,
// so yielded whatever the window when they are no copies): a Recover read
// with a window starting after record 40 yields what the full read
// filtered afterwards yields, which counts them as duplicates.
func TestRecoverWindowPassesSalvaged(t *testing.T) {
	evs := evtxtest.Noise(craftT0, time.Minute, 80)
	var old []*evtx.Event
	for i, ev := range evs[:40] {
		ev.RecordID, ev.Written = uint64(i+1), ev.System.TimeCreated
		o := evtxtest.SessionBroker2056(ev.System.TimeCreated, "NULL", fmt.Sprint(i), "Logon to the database failed.")
		o.RecordID, o.Written = ev.RecordID, ev.Written
		old = append(old, o)
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40})
	if err != nil {
		t.Fatal(err)
	}
	ob, err := evtxtest.Bytes(old, evtxtest.Options{MaxRecordsPerChunk: 40})
	if err != nil {
		t.Fatal(err)
	}
	const block, chunk = 4096, 65536
	free1 := int(binary.LittleEndian.Uint32(b[block+chunk+48:]))
	oldFree := int(binary.LittleEndian.Uint32(ob[block+48:]))
	if free1+oldFree-512 > chunk {
		t.Fatalf("free space offsets %d, %d: the old records do not fit", free1, oldFree)
	}
	copy(b[block+chunk+free1:], ob[block+512:block+oldFree])
	// Record 5's size fields are 0, as Windows has written them: it is
	// read as the bytes up to the next record (salvaged), decoded first.
	off := block + 512
	for range 4 {
		off += int(binary.LittleEndian.Uint32(b[off+4:]))
	}
	size := int(binary.LittleEndian.Uint32(b[off+4:]))
	if binary.LittleEndian.Uint64(b[off+8:]) != 5 {
		t.Fatal("record 5 not found")
	}
	binary.LittleEndian.PutUint32(b[off+4:], 0)
	binary.LittleEndian.PutUint32(b[off+size-4:], 0)
	free0 := int(binary.LittleEndian.Uint32(b[block+48:]))
	binary.LittleEndian.PutUint32(b[block+52:], crc32.ChecksumIEEE(b[block+512:block+free0]))
	binary.LittleEndian.PutUint32(b[block+124:], crc32.ChecksumIEEE(append(slices.Clone(b[block:block+120]), b[block+128:block+512]...)))
	_, all, fst := readLines(t, b, evtx.Options{Workers: 1, Recover: true})
	since := evs[40].System.TimeCreated
	var want []string
	for _, ev := range all {
		if inWindow(ev, since, time.Time{}) {
			want = append(want, windowLine(ev))
		}
	}
	got, _, st := readLines(t, b, evtx.Options{Since: since, Workers: 1, Recover: true})
	if !slices.Equal(got, want) {
		t.Fatalf("window from %v (Recover): %d events, the full read filtered after %d\n%s", since, len(got), len(want), firstDiff(got, want))
	}
	if fst.Duplicates < 30 || fst.BadChunks != 0 || st.Skipped < 40 || len(want) < 40 {
		t.Errorf("full read: %d duplicates, %d damaged chunks; window: %d events, %d skipped: the check proves little", fst.Duplicates, fst.BadChunks, len(want), st.Skipped)
	}
}

// TestWindowDropsCopiesOfPassedRecords: Application_no_crc32 (no chunk
// checksums) followed by a copy of itself whose file header CRC32 is
// wrong: the copy is not found as a second log, and its chunk, read off
// its offsets as the first log's second, decodes records 427, 430, 431
// and 433 in part (their templates are not where they lie), without
// TimeCreated, as copies of the same bytes. The full read yields the
// intact records and drops those copies (Stats.Duplicates); a window that
// passes over the intact ones yielded the copies (47 events where the full
// read filtered gave 43). A window, a Filter declining the same records,
// and both with Options.Recover, each yield the full read's events
// filtered, and the copies count as duplicates.
func TestWindowDropsCopiesOfPassedRecords(t *testing.T) {
	b, ok := sampleLogs(t)["omerbenamram__evtx__samples__Application_no_crc32.evtx"]
	if !ok {
		t.Fatal("Application_no_crc32 not found")
	}
	c := followedByDamagedHeaderCopy(b)
	if c == nil {
		t.Fatal("Application_no_crc32 is not a small log of whole chunks")
	}
	since := time.Date(2021, 3, 31, 23, 53, 25, 418539100, time.UTC)
	for _, recover := range []bool{false, true} {
		all, evs, stAll := readLines(t, c, evtx.Options{Workers: 1, Recover: recover})
		var want []string
		for i, ev := range evs {
			if inWindow(ev, since, time.Time{}) {
				want = append(want, all[i])
			}
		}
		if len(want) == len(all) || stAll.Duplicates < 4 {
			t.Fatalf("full read: %d events, %d in the window, %d duplicates: the check proves little", len(all), len(want), stAll.Duplicates)
		}
		declined := func(s evtx.Summary) bool { return s.TimeCreated.IsZero() || !s.TimeCreated.Before(since) }
		for _, o := range []evtx.Options{{Since: since}, {Filter: declined}, {Since: since, Filter: declined}} {
			for _, workers := range []int{1, 3} {
				o.Workers, o.Recover = workers, recover
				got, _, st := readLines(t, c, o)
				if !slices.Equal(got, want) {
					t.Fatalf("Recover %v, window %v, filter %v, %d workers: %d events, the full read filtered after %d\n%s",
						recover, !o.Since.IsZero(), o.Filter != nil, workers, len(got), len(want), firstDiff(got, want))
				}
				// The copies of the records passed over are duplicates,
				// as in the full read.
				if st.Duplicates < 4 || !recover && st.Records+st.Skipped+st.Filtered+st.Duplicates != stAll.Records+stAll.Duplicates {
					t.Fatalf("Recover %v, window %v, filter %v: %+v; full read %+v", recover, !o.Since.IsZero(), o.Filter != nil, st, stAll)
				}
			}
		}
	}
}
