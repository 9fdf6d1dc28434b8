package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// The last two Remote Desktop service state changes of a System log have
// no TimeCreated. analyze's timeline ended at the Schannel error before
// them and said nothing of them; now it says "2 events of the timeline's
// kinds have no TimeCreated and are not placed in it" and names
// EventRecordIDs 288 and 283, last written first.
func TestAnalyzeTimelineSaysUntimedEvents(t *testing.T) {
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(end.Add(-48*time.Hour), 10*time.Minute, 48*6)
	evs = append(evs, evtxtest.Noise(end, time.Minute, 1)...)
	for i, ev := range evs {
		ev.RecordID = uint64(i + 1)
	}
	// Noise's third service of five is TermService: records 283 and 288.
	untimed := func(i int, _ *evtx.Event) bool { return i == 282 || i == 287 }
	log := filepath.Join(t.TempDir(), "System.evtx")
	if err := evtxtest.WriteFile(log, evs, evtxtest.Options{NoTimeCreated: untimed}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("analyze", log)
	if code != exitOK && code != exitDetected {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	tl := out[strings.Index(out, "== RDP timeline"):]
	flat := strings.Join(strings.Fields(tl), " ")
	for _, want := range []string{
		"2 events of the timeline's kinds have no TimeCreated and are not placed in it",
		"EventRecordID 288 (Service Control Manager 7036), EventRecordID 283 (Service Control Manager 7036)",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}
	if strings.Contains(flat, "EventRecordID 288]") || strings.Contains(flat, "EventRecordID 283]") {
		t.Errorf("a line for an event without a TimeCreated:\n%s", tl)
	}
}
