package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// refEnd is the TimeCreated of the System logs' last-written record in
// the tests of this file.
var refEnd = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// writeMachine writes into dir the System and Security logs of the
// computer named computer: System hourly up to refEnd+systemEnd (48
// records), Security's ten failed logons hourly up to refEnd+securityEnd.
func writeMachine(t *testing.T, dir, computer string, systemEnd, securityEnd time.Duration) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sys := evtxtest.Noise(refEnd.Add(systemEnd-47*time.Hour), time.Hour, 48)
	var sec []*evtx.Event
	for i := range 10 {
		sec = append(sec, evtxtest.Security4625(refEnd.Add(securityEnd-time.Duration(9-i)*time.Hour), "admin", "10.0.0.5", 0xc000006d, 0xc000006a, 10))
	}
	for _, ev := range append(sys, sec...) {
		ev.System.Computer = computer
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sys, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "Security.evtx"), sec, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
}

// channelsOf returns the System/Channel of each event of query's XML
// output, in order.
func channelsOf(out string) []string {
	var chans []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if _, rest, ok := strings.Cut(line, "<Channel>"); ok {
			ch, _, _ := strings.Cut(rest, "<")
			chans = append(chans, ch)
		}
	}
	return chans
}

// query --channel (and a query list's Select) choose the records printed,
// not the logs "now" comes from: the reference time is the latest
// last-written record of every log given, as analyze takes it. Security's
// last-written record is six hours after System's; before, query
// --channel System counted timediff from System's own (12:00), printing
// its records of 06:00 to 12:00 (six), while query without --channel and
// analyze counted from Security's (18:00): of System, only the 12:00
// record lies within six hours of it.
func TestQueryChannelReferenceFromEveryLog(t *testing.T) {
	dir := t.TempDir()
	writeMachine(t, dir, evtxtest.DefaultComputer, 0, 6*time.Hour)
	security := filepath.Join(dir, "Security.evtx")
	wantRef := "reference time: 2024-05-01T18:00:00.0000000Z (the last-written record, EventRecordID 10 in " + security + ")"

	code, out, errOut := runCmd("analyze", "-f", "json", dir)
	var r struct {
		ReferenceTime string `json:"reference_time"`
		ReferenceLog  string `json:"reference_log"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitOK || r.ReferenceTime != "2024-05-01T18:00:00.0000000Z" || r.ReferenceLog != security {
		t.Fatalf("analyze: exit %d, reference %q from %q (%v); want 18:00 from Security\n%s", code, r.ReferenceTime, r.ReferenceLog, err, errOut)
	}

	sq := filepath.Join(t.TempDir(), "system.xml")
	if err := os.WriteFile(sq, []byte(`<QueryList><Query Id="0" Path="System"><Select Path="System">*[System[TimeCreated[timediff(@SystemTime) &lt;= 21600000]]]</Select></Query></QueryList>`), 0o644); err != nil {
		t.Fatal(err)
	}
	q := []string{"-q", "*[System[TimeCreated[timediff(@SystemTime) <= 21600000]]]"}
	for _, c := range []struct {
		args []string
		want string // the channels of the events printed
	}{
		{q, "Security System " + strings.Repeat("Security ", 6)}, // 12:00: Security.evtx first
		{append([]string{"--channel", "System"}, q...), "System"},
		{append([]string{"--channel", "system"}, q...), "System"},
		{append([]string{"--channel", "Security"}, q...), strings.TrimSpace(strings.Repeat("Security ", 7))},
		{[]string{"--structured-query", sq}, "System"},
	} {
		for _, noSkip := range []string{"--no-skip=false", "--no-skip"} {
			args := append([]string{"query", noSkip, "-f", "xml"}, c.args...)
			code, out, errOut := runCmd(append(args, dir)...)
			if got := strings.Join(channelsOf(out), " "); code != exitOK || got != strings.TrimSpace(c.want) {
				t.Errorf("%q: exit %d, events of %q; want %q\n%s", args, code, got, strings.TrimSpace(c.want), errOut)
			}
			if !strings.Contains(errOut, wantRef) {
				t.Errorf("%q: stderr does not say %q:\n%s", args, wantRef, errOut)
			}
		}
	}
}

// Two machines, each of whose Security log ends after its System log:
// query --channel System counts each machine's timediff from its own
// latest log, Security, as query without --channel and analyze do.
func TestQueryChannelReferencePerMachine(t *testing.T) {
	base := t.TempDir()
	a, b := filepath.Join(base, "a"), filepath.Join(base, "b")
	writeMachine(t, a, "VM-A", 0, 6*time.Hour)
	writeMachine(t, b, "VM-B", -24*time.Hour, -21*time.Hour)
	code, out, errOut := runCmd("query", "--channel", "System", "-f", "xml", "-q", "*[System[TimeCreated[timediff(@SystemTime) <= 14400000]]]", a, b)
	// A: from 14:00 on, none of System's records; B: from 11:00 on the
	// day before, its 11:00 and 12:00 records.
	if got := strings.Join(channelsOf(out), " "); code != exitOK || got != "System System" {
		t.Errorf("exit %d, events of %q; want B's two System records\n%s", code, got, errOut)
	}
	for _, want := range []string{
		"the logs come from 2 machines (VM-A, VM-B)",
		"reference time of VM-A: 2024-05-01T18:00:00.0000000Z (the last-written record, EventRecordID 10 in " + filepath.Join(a, "Security.evtx") + ")",
		"reference time of VM-B: 2024-04-30T15:00:00.0000000Z (the last-written record, EventRecordID 10 in " + filepath.Join(b, "Security.evtx") + ")",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not say %q:\n%s", want, errOut)
		}
	}
}

// analyzeReference runs analyze -f json over args and returns its
// reference time, the EventRecordID of the record it came from (0 for
// none) and its warnings.
func analyzeReference(t *testing.T, args ...string) (ref string, id uint64, warnings []string) {
	t.Helper()
	code, out, errOut := runCmd(append([]string{"analyze", "-f", "json"}, args...)...)
	var r struct {
		ReferenceTime   string `json:"reference_time"`
		ReferenceRecord *struct {
			EventRecordID uint64 `json:"event_record_id"`
		} `json:"reference_record"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code == exitUsage || code == exitFailure {
		t.Fatalf("analyze %q: exit %d (%v)\n%s", args, code, err, errOut)
	}
	if r.ReferenceRecord != nil {
		id = r.ReferenceRecord.EventRecordID
	}
	return r.ReferenceTime, id, r.Warnings
}

// A live log whose last-written record (EventRecordID 49) has a
// TimeCreated of FILETIME 0 but a record header time (12:00): analyze,
// query and dump take "now" from the same record, the last one written
// before it with a TimeCreated (EventRecordID 48, 10:00), and say so with
// the same warning. Before, analyze and query used the header time
// (12:00) with a warning that it stood for the time, while dump --since
// 24h counted back from EventRecordID 48 and said nothing: query's
// timediff <= 24h printed 24 events, dump --since 24h 26.
func TestHeaderTimeIsNotNow(t *testing.T) {
	evs := evtxtest.Noise(refEnd.Add(-48*time.Hour), time.Hour, 46)
	evs = append(evs, evtxtest.Schannel36871(refEnd.Add(-23*time.Hour-30*time.Minute), 10013))
	evs = append(evs, evtxtest.Noise(refEnd.Add(-2*time.Hour), time.Hour, 1)...)
	last := evtxtest.Noise(refEnd, time.Hour, 1)[0]
	last.System.TimeCreated = evtx.FiletimeToTime(0)
	last.Written = refEnd
	dir := t.TempDir()
	log := filepath.Join(dir, "System.evtx")
	if err := evtxtest.WriteFile(log, append(evs, last), evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	warning := "the last-written record of " + log + " (EventRecordID 49) gives no time (no TimeCreated, or one of FILETIME 0; its record header time, 2024-05-01T12:00:00.0000000Z, is when it was written, not when its event happened, and is not used): its time is taken from EventRecordID 48, the last record written before it with a TimeCreated (2024-05-01T10:00:00.0000000Z)"

	ref, id, warnings := analyzeReference(t, dir)
	if ref != "2024-05-01T10:00:00.0000000Z" || id != 48 || !slices.Contains(warnings, warning) {
		t.Errorf("analyze: reference %s from EventRecordID %d, warnings %q; want 10:00 from 48 and %q", ref, id, warnings, warning)
	}
	code, dumped, errOut := runCmd("dump", "-f", "xml", "--since", "24h", log)
	// From 10:00 the day before: 24 noise records, the 36871 and
	// EventRecordID 48; 49's TimeCreated, 1601, lies before.
	if n := strings.Count(dumped, "<Event "); code != exitOK || n != 26 || !strings.Contains(errOut, "evtxrdp dump: warning: "+warning+"\n") {
		t.Errorf("dump --since 24h: exit %d, %d events; want 26 and the warning\n%s", code, n, errOut)
	}
	for _, noSkip := range []string{"--no-skip=false", "--no-skip"} {
		code, out, errOut := runCmd("query", noSkip, "-f", "xml", "-q", "*[System[TimeCreated[timediff(@SystemTime) <= 86400000]]]", log)
		if code != exitOK || out != dumped {
			t.Errorf("query %s: exit %d, %d events; want dump --since 24h's %d\n%s", noSkip, code, strings.Count(out, "<Event "), strings.Count(dumped, "<Event "), errOut)
		}
		if !strings.Contains(errOut, "reference time: 2024-05-01T10:00:00.0000000Z (the last-written record, EventRecordID 48 in "+log+")") ||
			!strings.Contains(errOut, "warning: "+warning+"\n") {
			t.Errorf("query %s: stderr:\n%s", noSkip, errOut)
		}
	}
}
