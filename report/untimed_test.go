package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// An evidence event written without a TimeCreated is not shown with its
// record header time as its time. Before, the report's evidence said
// "Schannel 36871 at 2024-05-01T10:30:00" (the header time) and JSON gave
// it as the event's "time"; now the query's JSON counts it in "untimed"
// and gives it as "untimed_event" with "time" "" and the header time in
// "written", the input counts it in "untimed_records", and the text
// report names the header time as the record's write time.
func TestUntimedEventShownWithoutTime(t *testing.T) {
	evs, newest := untimedNoise()
	tls := evtxtest.Schannel36871(newest.Add(-2*time.Hour), 10013)
	tls.Written = newest.Add(-90 * time.Minute)
	evs = append(evs[:47:47], tls, evs[47], evs[48])
	rep, r := untimedReport(t, evs, func(_ int, ev *evtx.Event) bool { return ev == tls })
	if in := r.Inputs[0]; in.Untimed != 1 {
		t.Errorf("input untimed_records %d, want 1", in.Untimed)
	}
	found := false
	for _, f := range r.Findings {
		for _, e := range f.Evidence {
			if e.Time == "" || e.Written != "" {
				t.Errorf("%s: evidence event with time %q, written %q", f.RuleID, e.Time, e.Written)
			}
		}
		for _, q := range f.Queries {
			if q.ID != "schannel-36871" || f.RuleID != "rdp-tls-disabled" {
				continue
			}
			found = true
			if f.Verdict != "not_detected" || q.Count != 0 || q.Untimed != 1 || q.UntimedEvent == nil {
				t.Fatalf("rdp-tls-disabled %s: schannel-36871 count %d, untimed %d, event %v; want not_detected, 0, 1 and the event", f.Verdict, q.Count, q.Untimed, q.UntimedEvent)
			}
			if e := q.UntimedEvent; e.Time != "" || e.Written != "2024-05-01T10:30:00.0000000Z" || e.EventRecordID != 48 {
				t.Errorf("untimed_event time %q, written %q, EventRecordID %d; want \"\", the header time, 48", e.Time, e.Written, e.EventRecordID)
			}
		}
	}
	if !found {
		t.Fatal("no schannel-36871 query in rdp-tls-disabled")
	}
	var b bytes.Buffer
	if err := Write(&b, rep, FormatText); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(b.String()), " ")
	for _, want := range []string{
		"1 event matching schannel-36871 has no TimeCreated",
		"(its record header time, when the record was written, is 2024-05-01T10:30:00.0000000Z)",
		"1 record without a TimeCreated (placed in no window;",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q", want)
		}
	}
	if strings.Contains(text, "36871 at 2024-05-01T10:30") {
		t.Errorf("text report places the event by its header time:\n%s", b.String())
	}
}

// untimedNoise returns evtxtest.Noise's 49 Service Control Manager 7036
// events an hour apart (every fifth, from the third, Remote Desktop
// Services'), the last at newest, 2024-05-01T12:00:00Z.
func untimedNoise() (evs []*evtx.Event, newest time.Time) {
	newest = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	return evtxtest.Noise(newest.Add(-48*time.Hour), time.Hour, 49), newest
}

// untimedReport writes evs as the System.evtx of a new temporary folder,
// those for which untimed returns true without a TimeCreated
// (evtxtest.Options.NoTimeCreated), analyses it with the built-in rules
// and returns the report (New) and that report written as JSON and read
// back.
func untimedReport(t *testing.T, evs []*evtx.Event, untimed func(i int, ev *evtx.Event) bool) (*Report, Report) {
	t.Helper()
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), evs, evtxtest.Options{NoTimeCreated: untimed}); err != nil {
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
	logs, err := evtx.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Analyze(logs)
	if err != nil {
		t.Fatal(err)
	}
	rep := New(res)
	var b bytes.Buffer
	if err := Write(&b, rep, FormatJSON); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	return rep, back
}

// A time evtx.UsableTime refuses (before 1980, say) is printed
// with why, in a timeline line as beside evidence; a usable time, a
// group of usable times and text that is no time are printed as they are.
func TestImplausibleTimeSaid(t *testing.T) {
	const note = " (implausible: before 1980, taken for a cleared or damaged value)"
	for _, c := range []struct {
		l    TimelineLine
		want string
	}{
		{TimelineLine{Time: "1601-01-01T00:00:00.0000001Z"}, "1601-01-01T00:00:00Z" + note},
		{TimelineLine{Time: "1601-01-01T00:00:00.0000001Z", LastTime: "1601-01-01T00:00:05.0000000Z"}, "1601-01-01T00:00:00Z .. 00:00:05Z" + note},
		{TimelineLine{Time: "2024-05-01T10:00:00.0000000Z", LastTime: "2024-05-01T11:00:00.0000000Z"}, "2024-05-01T10:00:00Z .. 11:00:00Z"},
		{TimelineLine{Time: "+30828-09-14T02:48:05.4775808Z"}, "+30828-09-14T02:48:05Z (implausible: after the year 9999, a damaged value)"},
		{TimelineLine{Time: "yesterday"}, "yesterday"},
	} {
		if got := TimelineWhen(c.l); got != c.want {
			t.Errorf("TimelineWhen(%+v) = %q, want %q", c.l, got, c.want)
		}
	}
	if got, want := eventLine(Event{Time: "1970-01-01T00:00:00.0000000Z", File: "S.evtx", EventRecordID: 5, RecordID: 5, Provider: "X", EventID: 1}), "1970-01-01T00:00:00.0000000Z"+note+"  S.evtx EventRecordID 5  X 1"; got != want {
		t.Errorf("eventLine = %q, want %q", got, want)
	}
}

// Text read back from a report that starts with a sign but is no time
// ("-", "+1 day", a signed year with no date) gets no note: only a time
// evtx.FormatTime writes with a signed year (after 9999, before the year
// 0) is said to be implausible.
func TestImplausibleNoteNotOnSignedText(t *testing.T) {
	for _, s := range []string{"-", "+", "+1 day", "-5 minutes", "+30828", "-0001", "+30828-09-14", "-x-09-14T00:00:00Z"} {
		if got := implausibleNote(s); got != "" {
			t.Errorf("implausibleNote(%q) = %q, want none: it is no time", s, got)
		}
	}
	for s, want := range map[string]string{
		"+30828-09-14T02:48:05.4775808Z": " (implausible: after the year 9999, a damaged value)",
		"-0001-11-30T00:00:00.0000000Z":  " (implausible: before 1980, taken for a cleared or damaged value)",
		"1979-12-31T23:59:59.9999999Z":   " (implausible: before 1980, taken for a cleared or damaged value)",
		"1980-01-01T00:00:00.0000000Z":   "",
		"9999-12-31T23:59:59.9999999Z":   "",
	} {
		if got := implausibleNote(s); got != want {
			t.Errorf("implausibleNote(%q) = %q, want %q", s, got, want)
		}
	}
}

// A timeline group whose first time is implausible and whose last is not
// (a window around a reference time given with --at in 1980) says so of
// the first time, not after the last one as if that were implausible.
func TestImplausibleNoteFollowsItsTime(t *testing.T) {
	const note = " (implausible: before 1980, taken for a cleared or damaged value)"
	for _, c := range []struct {
		l    TimelineLine
		want string
	}{
		{TimelineLine{Time: "1979-12-31T23:00:00.0000000Z", LastTime: "1980-01-01T01:00:00.0000000Z"}, "1979-12-31T23:00:00Z" + note + " .. 1980-01-01T01:00:00Z"},
		{TimelineLine{Time: "9999-12-31T23:00:00.0000000Z", LastTime: "+10000-01-01T01:00:00.0000000Z"}, "9999-12-31T23:00:00Z .. +10000-01-01T01:00:00Z (implausible: after the year 9999, a damaged value)"},
		{TimelineLine{Time: "1601-01-01T00:00:00.0000001Z", LastTime: "1601-01-01T00:00:05.0000000Z"}, "1601-01-01T00:00:00Z .. 00:00:05Z" + note},
	} {
		if got := TimelineWhen(c.l); got != c.want {
			t.Errorf("TimelineWhen(%+v) = %q, want %q", c.l, got, c.want)
		}
	}
}
