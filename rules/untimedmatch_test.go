package rules_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// untimedTLSLog writes a System log of 49 hourly records ending at newest
// with, written after the 47th (50 records in all), a Schannel 36871 (machine-wide, 10013)
// that has no TimeCreated (evtxtest.Options.NoTimeCreated) and a record
// header time 90 minutes before newest, inside the 24-hour window; it
// returns the directory.
func untimedTLSLog(t *testing.T, newest time.Time) string {
	t.Helper()
	evs := evtxtest.Noise(newest.Add(-48*time.Hour), time.Hour, 49)
	tls := evtxtest.Schannel36871(newest.Add(-2*time.Hour), 10013)
	tls.Written = newest.Add(-90 * time.Minute)
	evs = append(evs[:47:47], tls, evs[47], evs[48])
	dir := t.TempDir()
	err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), evs, evtxtest.Options{MaxRecordsPerChunk: 3,
		NoTimeCreated: func(_ int, ev *evtx.Event) bool { return ev == tls }})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// An event written without a TimeCreated is placed in no window by its
// record header time. Before, EventRef.Time fell back to the header time:
// the 36871 below, whose record was written at 10:30, was "Schannel 36871
// at 2024-05-01T10:30:00" and rdp-tls-disabled detected on it, though
// wevtutil's TimeCreated[timediff(@SystemTime) <= 86400000] selects no
// event without a TimeCreated. Now it is counted apart (QueryHit.Untimed,
// Input.Untimed), named with its header time labelled as the record's
// write time in a caveat and the verdict reason, not counted in the
// window nor the period, with shortcuts and without.
func TestUntimedMatchIsNotPlacedByHeaderTime(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	dir := untimedTLSLog(t, newest)
	var answers [2]string
	for i, plain := range []bool{false, true} {
		res := analyzeDir(t, dir, plain)
		answers[i] = answer(res)
		if !res.ReferenceTime.Equal(newest) {
			t.Fatalf("plain %v: reference time %v, want %v", plain, res.ReferenceTime, newest)
		}
		in := res.Inputs[0]
		if in.Untimed != 1 || in.InPeriod != 49 {
			t.Errorf("plain %v: %d records without a TimeCreated, %d in the period; want 1 and 49 (it is in no period)", plain, in.Untimed, in.InPeriod)
		}
		var fd *rules.Finding
		for _, f := range res.Findings {
			if f.Rule.ID == "rdp-tls-disabled" {
				fd = f
			}
		}
		if fd.Verdict != rules.NotDetected || fd.EvidenceCount != 0 || len(fd.Evidence) != 0 {
			t.Errorf("plain %v: rdp-tls-disabled %s with %d events %v; want not detected with none (no TimeCreated places it in the window)", plain, fd.Verdict, fd.EvidenceCount, fd.Evidence)
		}
		var h *rules.QueryHit
		for _, x := range fd.Hits {
			if x.Query.ID == "schannel-36871" {
				h = x
			}
		}
		if h.Count != 0 || h.BeforeCount != 0 || h.AfterCount != 0 || h.Untimed != 1 || h.UntimedNewest == nil {
			t.Fatalf("plain %v: schannel-36871 %+v; want only 1 untimed match", plain, h)
		}
		if u := h.UntimedNewest; !u.Time.IsZero() || !u.Written.Equal(newest.Add(-90*time.Minute)) || u.EventRecordID != 48 {
			t.Errorf("plain %v: the untimed match has time %v, written %v, EventRecordID %d; want no time, written 10:30, 48", plain, u.Time, u.Written, u.EventRecordID)
		}
		if c := strings.Join(fd.Caveats, "\n"); !strings.Contains(c, "1 event matching schannel-36871 has no TimeCreated, so none can be placed in the window") ||
			!strings.Contains(c, "EventRecordID 48 in "+filepath.Join(dir, "System.evtx")+" (its record header time, when the record was written, is 2024-05-01T10:30:00.0000000Z)") {
			t.Errorf("plain %v: caveats %q", plain, c)
		}
		if !strings.Contains(fd.Why, "but 1 matching event without a TimeCreated, which no window can hold, may be one") {
			t.Errorf("plain %v: reason %q does not say an event without a TimeCreated matched", plain, fd.Why)
		}
	}
	if answers[0] != answers[1] {
		t.Errorf("shortcuts change the answer:\n%s\n%s", answers[0], answers[1])
	}
}

// A match without a TimeCreated in a log read twice (the broker rule's
// System log, read again 30 days further back for a rename once broker
// errors are found: corroborateFurther) is counted once: the reader yields
// it to both reads whatever their windows, and only the main pass counts
// and evaluates such records.
func TestUntimedMatchCountedOnceByFurtherRead(t *testing.T) {
	src := filepath.Join("..", "testdata", "evtx", "scenarios", "broker-renamed")
	dir := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := evtx.Open(filepath.Join(src, "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	var evs []*evtx.Event
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	f.Close()
	last := evs[len(evs)-1]
	rename := evtxtest.EventLog6011(last.System.TimeCreated, "RDCB01", "RDCB02")
	rename.Written = last.Written
	evs = append(evs[:len(evs)-1:len(evs)-1], rename, last)
	err = evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), evs, evtxtest.Options{
		NoTimeCreated: func(_ int, ev *evtx.Event) bool { return ev == rename }})
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []bool{false, true} {
		res := analyzeDir(t, dir, plain)
		for _, in := range res.Inputs {
			if in.Channel == "System" && in.Untimed != 1 {
				t.Errorf("plain %v: System holds %d records without a TimeCreated, want 1", plain, in.Untimed)
			}
		}
		for _, fd := range res.Findings {
			if fd.Rule.ID != "rdp-broker-renamed" {
				continue
			}
			if fd.Verdict != rules.Detected && fd.Verdict != rules.Possible {
				t.Fatalf("plain %v: broker rule %s: the further read did not run", plain, fd.Verdict)
			}
			for _, h := range fd.Hits {
				if h.Query.ID == "computer-rename-6011" && (h.Untimed != 1 || h.Count != 0) {
					t.Errorf("plain %v: 6011 matches: %d untimed, %d in the window; want 1 and 0", plain, h.Untimed, h.Count)
				}
			}
		}
	}
}
