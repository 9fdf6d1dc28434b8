package evtx

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sharedSamplesDir holds the shared real samples when the project is
// checked out beside them (../shared from the worktree root); tests read
// them in addition to testdata/evtx when present.
const sharedSamplesDir = "../../shared/samples"

// testLogs returns every log of testdata/evtx and of the shared samples
// (when present), by base name (the shared copy of a name already in
// testdata is the same file and is read once).
func testLogs(t testing.TB) map[string][]byte {
	t.Helper()
	logs := map[string][]byte{}
	for _, dir := range []string{decSamplesDir, sharedSamplesDir} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.evtx"))
		for _, f := range files {
			if _, ok := logs[filepath.Base(f)]; ok {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			logs[filepath.Base(f)] = b
		}
	}
	if len(logs) < 40 {
		t.Fatalf("found %d sample logs, want the 49 of testdata/evtx", len(logs))
	}
	return logs
}

// damaged returns a copy of log b's first three chunks with every 509th byte of their
// record areas flipped: names, templates and values break all over, so
// that failures (memoised or not) are everywhere.
func damaged(b []byte) []byte {
	d := bytes.Clone(b[:min(len(b), fileHeaderBlock+3*chunkSize)]) // 3 chunks are enough
	for i := fileHeaderBlock; i < len(d); i += 509 {
		if (i-fileHeaderBlock)%chunkSize >= chunkHeaderSize {
			d[i] ^= 0x5a
		}
	}
	return d
}

// recordSpans returns the offset and size of every plausible record of
// chunk c, as scanChunk finds them.
func recordSpans(c []byte) [][2]int {
	var spans [][2]int
	for off := chunkHeaderSize; off >= 0 && off+recordHeaderSize <= len(c); {
		size, ok := recordAt(c, off)
		if !ok {
			off = nextRecord(c, off+recordAlign)
			continue
		}
		spans = append(spans, [2]int{off, size})
		off += size
	}
	return spans
}

// outcome is what decoding a record gives, as comparable text.
func outcome(ev *Event, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return string(ev.AppendXML(nil))
}

func summaryOutcome(s Summary, ok bool) string { return fmt.Sprintf("%+v %v", s, ok) }

// TestDecodeOrderFree: decoding is a pure function of the record and its
// chunk. Every record of every sample, and of a damaged copy of each,
// decodes (and summarises) alike alone, in file order, in reverse order
// and after its chunk's summaries, and the Reader yields the same with 1
// and 4 workers.
func TestDecodeOrderFree(t *testing.T) {
	cheapChecked = 0
	logs := testLogs(t)
	records, failures := 0, 0
	for name, b := range logs {
		for _, variant := range []struct {
			name string
			b    []byte
		}{{name, b}, {name + " (damaged)", damaged(b)}} {
			b := variant.b
			alone := map[int64]string{} // file offset -> outcome
			for ci := 0; fileHeaderBlock+ci*chunkSize < len(b); ci++ {
				base := fileHeaderBlock + ci*chunkSize
				c := b[base:min(len(b), base+chunkSize)]
				spans := recordSpans(c)
				one := make([]string, len(spans))
				sum := make([]string, len(spans))
				for i, sp := range spans {
					one[i] = outcome(newChunkDecoder(c).decodeRecord(sp[0], sp[1]))
					sum[i] = summaryOutcome(newChunkDecoder(c).summarize(sp[0], sp[1]))
					alone[int64(base+sp[0])] = one[i]
					checkCheapTime(t, variant.name, c, sp[0], sp[1])
					records++
					// A failure, or a record decoded in part (its
					// template unresolved).
					if one[i][:6] == "error:" || strings.Contains(one[i], "partial: ") {
						failures++
					}
				}
				fwd := newChunkDecoder(c)
				for i, sp := range spans {
					if got := outcome(fwd.decodeRecord(sp[0], sp[1])); got != one[i] {
						t.Fatalf("%s chunk %d record at %#x: in file order\n%s\nalone\n%s", variant.name, ci, sp[0], got, one[i])
					}
				}
				rev := newChunkDecoder(c)
				for i := len(spans) - 1; i >= 0; i-- {
					sp := spans[i]
					if got := outcome(rev.decodeRecord(sp[0], sp[1])); got != one[i] {
						t.Fatalf("%s chunk %d record at %#x: in reverse order\n%s\nalone\n%s", variant.name, ci, sp[0], got, one[i])
					}
				}
				mixed := newChunkDecoder(c)
				for i := len(spans) - 1; i >= 0; i-- {
					sp := spans[i]
					if got := summaryOutcome(mixed.summarize(sp[0], sp[1])); got != sum[i] {
						t.Fatalf("%s chunk %d record at %#x: summary after others %s, alone %s", variant.name, ci, sp[0], got, sum[i])
					}
				}
				for i, sp := range spans {
					if got := outcome(mixed.decodeRecord(sp[0], sp[1])); got != one[i] {
						t.Fatalf("%s chunk %d record at %#x: after the summaries\n%s\nalone\n%s", variant.name, ci, sp[0], got, one[i])
					}
				}
			}
			// The Reader, with 1 and 4 workers, yields each record as
			// decoding it alone does.
			var first string
			for _, w := range []int{1, 4} {
				res := readBytes(t, b, Options{Workers: w})
				var all bytes.Buffer
				for _, ev := range res.events {
					x := string(ev.AppendXML(nil))
					if want, ok := alone[ev.Source.Offset]; ok && want != x {
						t.Fatalf("%s: Reader (%d workers) record at %#x\n%s\nalone\n%s", variant.name, w, ev.Source.Offset, x, want)
					}
					fmt.Fprintf(&all, "%d@%#x %s\n", ev.RecordID, ev.Source.Offset, x)
				}
				fmt.Fprintf(&all, "%+v %v", res.stats, res.errs)
				if w == 1 {
					first = all.String()
				} else if all.String() != first {
					t.Errorf("%s: 4 workers read differently from 1", variant.name)
				}
			}
		}
	}
	// The damaged copies must exercise failures, or the test proves little.
	if failures < records/20 {
		t.Errorf("%d of %d records failed to decode; the damage should break more", failures, records)
	}
	t.Logf("%d records (%d fail to decode) in %d logs and their damaged copies; TimeCreated read cheaply and checked on %d; read three ways (bound, exact, bound run out) %d", records, failures, len(logs), cheapChecked, boundChecked)
	if cheapChecked < records/2 {
		t.Errorf("the cheap TimeCreated read succeeded on only %d of %d records", cheapChecked, records)
	}
}

// checkCheapTime: where the cheap read of TimeCreated succeeds and the
// record decodes, the decoded event's time is plain and the same, and so
// is its EventRecordID.
func checkCheapTime(t *testing.T, name string, c []byte, off, size int) {
	t.Helper()
	dd := newChunkDecoder(c)
	rt, ok := dd.readTime(off, size)
	// readTime charges definitions by a bound first; exactly, and with a
	// bound that always runs out, it reads the same.
	exact, eok := newChunkDecoder(c).readTimeCharged(off, size)
	boundExtra = 1 << 40
	over, ook := newChunkDecoder(c).readTime(off, size)
	boundExtra = 0
	// The FILETIME and UInt64 values read directly read as d.value reads
	// them, and charge the work budget as it does.
	directValuesOff = true
	gd := newChunkDecoder(c)
	generic, gok := gd.readTime(off, size)
	directValuesOff = false
	if gd.budget != dd.budget {
		t.Fatalf("%s record at %#x: readTime leaves a work budget of %d, %d when values are read by d.value", name, off, dd.budget, gd.budget)
	}
	// The read by the template's time plan is the read of every value,
	// with the same charges, bound and exact.
	for _, extra := range []int{0, 1 << 40} {
		boundExtra = extra
		pd := newChunkDecoder(c)
		planned, pok := pd.readTime(off, size)
		timePlanOff = true
		fd := newChunkDecoder(c)
		full, fok := fd.readTime(off, size)
		timePlanOff = false
		boundExtra = 0
		if viewOf(planned) != viewOf(full) || pok != fok || pd.budget != fd.budget || pd.defBudget != fd.defBudget || pd.overBound != fd.overBound {
			t.Fatalf("%s record at %#x (bound extra %d): readTime by plan %v %v, budgets %d %d %v; every value kept %v %v, budgets %d %d %v",
				name, off, extra, planned, pok, pd.budget, pd.defBudget, pd.overBound, full, fok, fd.budget, fd.defBudget, fd.overBound)
		}
	}
	if eok != ok || ook != ok || gok != ok || viewOf(exact) != viewOf(rt) || viewOf(over) != viewOf(rt) || viewOf(generic) != viewOf(rt) {
		t.Fatalf("%s record at %#x: readTime %v %v, with exact charges %v %v, after the bound ran out %v %v, values read by d.value %v %v", name, off, rt, ok, exact, eok, over, ook, generic, gok)
	}
	boundChecked++
	ev, err := newChunkDecoder(c).decodeRecord(off, size)
	if !ok || err != nil {
		return
	}
	cheapChecked++
	tc, plain := plainTimeCreated(ev.Root)
	if !plain || tc != rt.time() || ev.System.TimeCreated != rt.time() {
		t.Fatalf("%s record at %#x: cheap TimeCreated %v, decoded %v (plain %v), System.TimeCreated %v", name, off, rt.time(), tc, plain, ev.System.TimeCreated)
	}
	if rt.hasID && rt.eventRecordID != ev.System.EventRecordID {
		t.Fatalf("%s record at %#x: cheap EventRecordID %d, decoded %d", name, off, rt.eventRecordID, ev.System.EventRecordID)
	}
}

var cheapChecked int

// rtView is what a recordTime says, whether it holds its TimeCreated as a
// FILETIME or as a time.
type rtView struct {
	created time.Time
	id      uint64
	hasID   bool
}

func viewOf(rt recordTime) rtView { return rtView{rt.time(), rt.eventRecordID, rt.hasID} }

// boundChecked counts the records checkCheapTime read three ways.
var boundChecked int
