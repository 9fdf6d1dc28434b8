package fleet_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/report"
	"github.com/evtxrdp/evtxrdp/rules"
)

// Analyze reads the logs several machines share (a folder's logs no
// record of which names a computer, listed with each of its machines)
// once (rules.Engine.WithMemo), and gives each machine the report it
// gives analysed alone (Engine.Analyze of its logs): a folder of 6
// machines' System logs, 6 Application exports (their first records of
// a channel no rule reads, one holding System records after it) and a
// text file named like a log.
func TestAnalyzeSharedLogsAsAlone(t *testing.T) {
	dir := t.TempDir()
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range 6 {
		evs := evtxtest.Noise(end.Add(-48*time.Hour-time.Duration(i)*time.Hour), time.Hour, 48)
		if i%3 == 0 {
			evs = append(evs, evtxtest.Schannel36871(end.Add(-time.Duration(i+1)*time.Hour), 10013))
		}
		for j, ev := range evs {
			ev.System.Computer = fmt.Sprintf("vm%d", i)
			ev.RecordID = uint64(j + 1)
		}
		if err := evtxtest.WriteFile(filepath.Join(dir, fmt.Sprintf("vm%d-System.evtx", i)), evs, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		app := evtxtest.Noise(end.Add(-3*time.Hour-time.Duration(i)*7*time.Minute), time.Minute, 5)
		for j, ev := range app {
			ev.RecordID = uint64(j + 1)
			ev.System.Computer = ""
			if j == 0 || i%2 == 0 {
				ev.System.Channel = "Application"
			}
		}
		if err := evtxtest.WriteFile(filepath.Join(dir, fmt.Sprintf("export-%d.evtx", i)), app, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.evtx"), []byte("not a log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.NewEngine(rs, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	units, _, err := fleet.Find([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	ms := fleet.Group(units, fleet.Options{Channels: eng.Channels(), Accepts: eng.Accepts()})
	if len(ms) != 6 {
		t.Fatalf("%d machines, want 6: %v", len(ms), labels(ms))
	}
	jsonOf := func(res *rules.Result) string {
		var b bytes.Buffer
		if err := report.WriteJSON(&b, report.New(res)); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	got := make([]string, len(ms))
	fleet.Analyze(eng, ms, 2, func(i int, r *fleet.Result) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		got[i] = jsonOf(r.Result)
	}, nil)
	for i, m := range ms {
		if len(m.Logs) != 8 {
			t.Errorf("%s: %d logs, want its System log, the 6 exports and notes.evtx", m.Label(), len(m.Logs))
		}
		res, err := eng.Analyze(m.EvtxLogs())
		if err != nil {
			t.Fatal(err)
		}
		if want := jsonOf(res); got[i] != want {
			t.Errorf("%s: fleet.Analyze reports\n%s\nEngine.Analyze of its logs\n%s", m.Label(), got[i], want)
		}
		used := 0
		for _, in := range res.Inputs {
			if in.Used {
				used++
			}
		}
		if used != 4 { // its System log and the 3 exports holding System records
			t.Errorf("%s: %d logs read, want 4", m.Label(), used)
		}
	}
}
