package rules

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestLogChannelsEqualFullRead: the channels a log is read as come from
// three records (the first one, as the plan reads it, and the first- and
// last-written ones, as the scan reads them, by either path of
// WrittenEnds). Over every real and crafted log of testdata and
// ../shared/samples they are exactly the channels of all its records
// (one of them mixes two: LanguagePackSetup records and PushNotification
// records from record 788 on), and the plan's choice of the logs to read
// by the first record's channel reads every log holding a record of a
// channel the built-in rules read.
func TestLogChannelsEqualFullRead(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/evtx/*.evtx")
	scenarios, _ := filepath.Glob("../testdata/evtx/scenarios/*/*.evtx")
	cases, _ := filepath.Glob("../testdata/evtx/cases/*/*.evtx")
	samples, _ := filepath.Glob("../../shared/samples/*.evtx")
	paths = append(append(append(paths, scenarios...), cases...), samples...)
	if len(paths) < 100 || len(samples) < 40 {
		t.Fatalf("%d logs, %d samples", len(paths), len(samples))
	}
	e := builtinEngine(t, Options{})
	p := e.plan(nil)
	needed := func(ch string) bool {
		return len(p.byChannel[strings.ToLower(ch)]) > 0 || strings.EqualFold(ch, SystemChannel)
	}
	mixed := 0
	for _, path := range paths {
		logs, err := evtx.Find(path)
		if err != nil || len(logs) != 1 {
			t.Fatalf("%s: %v", path, err)
		}
		l := logs[0]
		var all []string
		f, err := l.Open(evtx.Options{})
		if err != nil {
			continue // not EVTX: no record, no channel
		}
		for {
			ev, err := f.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				continue
			}
			if ch := ev.System.Channel; ch != "" && !containsFold(all, ch) {
				all = append(all, ch)
			}
		}
		f.Close()
		firstCh, err := l.FirstChannel()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, plain := range []bool{false, true} {
			first, last, _ := WrittenEnds(l, evtx.Options{}, plain)
			got := logChannels(firstCh, first, last)
			if !sameFold(got, all) {
				t.Errorf("%s (plain %v): channels %q by three records, %q by every record", path, plain, got, all)
			}
		}
		if len(all) > 1 {
			mixed++
		}
		anyNeeded := slices.ContainsFunc(all, needed)
		if needed(firstCh) != anyNeeded {
			t.Errorf("%s: read by its first record's channel %q: %v; a record of a channel read: %v (%q)", path, firstCh, needed(firstCh), anyNeeded, all)
		}
	}
	if mixed == 0 {
		t.Error("no log mixes channels: the test shows nothing about them")
	}
}

func sameFold(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !containsFold(b, x) {
			return false
		}
	}
	return true
}

// TestMixedChannelLog: a log saved from a custom view (export.evtx) holds
// System records, two Schannel 36871 among them, then Security records,
// an account locked out over RDP last. Each record is evaluated by the
// rules of its own channel: the TLS rule finds the Schannel errors and the
// logon rule the lockout in the same file, the Security log counts as read
// for the rules that need it, evidence names each record's own channel,
// and a warning says that the log mixes channels. Before, every record was
// evaluated by the System queries alone (the log's channel by its first
// record) and the Security rules said their log was absent. Shortcuts
// change nothing.
func TestMixedChannelLog(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	evs = append(evs, evtxtest.Noise(at.Add(-48*time.Hour), 30*time.Minute, 90)...)
	evs = append(evs, evtxtest.Schannel36871(at.Add(-3*time.Hour), 10013), evtxtest.Schannel36871(at.Add(-2*time.Hour), 10013))
	sec := []*evtx.Event{
		evtxtest.Security4625(at.Add(-50*time.Minute), "alice", "203.0.113.7", 0xC000006E, 0xC0000234, 10),
		evtxtest.Security4740(at.Add(-40*time.Minute), "alice", "VM1"),
	}
	evs = append(evs, sec...)
	dir := writeOneLog(t, "export.evtx", evs)
	var answers []string
	for _, no := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: no}), dir)
		in := res.Inputs[0]
		if in.Channel != "System" || !slices.Equal(in.Channels, []string{"System", "Security"}) || !in.Used {
			t.Fatalf("input %s: channel %q, channels %q, used %v", in.Path, in.Channel, in.Channels, in.Used)
		}
		if !slices.ContainsFunc(res.Warnings, func(w string) bool {
			return strings.Contains(w, "export.evtx holds records of several channels (System, Security")
		}) {
			t.Errorf("warnings %q", res.Warnings)
		}
		tls := finding(t, res, "rdp-tls-disabled")
		logon := finding(t, res, "rdp-logon-account")
		if tls.Verdict != Detected || tls.EvidenceCount != 2 || logon.Verdict != Detected {
			t.Errorf("no shortcuts %v: tls %s (%d), logon %s %q", no, tls.Verdict, tls.EvidenceCount, logon.Verdict, logon.Reasons)
		}
		for _, f := range []*Finding{tls, logon} {
			for _, ev := range f.Evidence {
				want := "System"
				if ev.EventID == 4625 || ev.EventID == 4740 {
					want = "Security"
				}
				if ev.Channel != want {
					t.Errorf("%s: evidence %d in channel %q, want %q", f.Rule.ID, ev.EventID, ev.Channel, want)
				}
			}
		}
		answers = append(answers, verdictLines(res))
	}
	if answers[0] != answers[1] {
		t.Errorf("verdicts with shortcuts:\n%s\nwithout:\n%s", answers[0], answers[1])
	}
}

// TestMixedChannelMiddleRecords: a saved custom view whose first, first-
// written and last-written records are System's and whose Security records
// (a brute force: 40 failed network logons from 8 addresses) lie only in
// the middle. None of the three sampled records names Security; the
// failed logons were evaluated by no rule, and the brute-force rule said
// NOT CHECKED ("no Security log") over them. Every query is now evaluated
// on every record of the logs read, each record by its own channel's: the
// 40 logons are the rule's evidence, the log holds Security, and the
// warning names it; with every shortcut off alike.
func TestMixedChannelMiddleRecords(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(at.Add(-2*time.Hour), time.Minute, 20)
	for i := range 40 {
		evs = append(evs, evtxtest.Security4625(at.Add(-90*time.Minute+time.Duration(i)*5*time.Second), "admin",
			fmt.Sprintf("203.0.113.%d", i%8+1), 0xC000006D, 0xC000006A, 3))
	}
	evs = append(evs, evtxtest.Noise(at.Add(-time.Hour), time.Minute, 5)...)
	dir := writeOneLog(t, "view.evtx", evs)
	var answers []string
	for _, no := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: no}), dir)
		in := res.Inputs[0]
		if in.Channel != "System" || !slices.Equal(in.Channels, []string{"System", "Security"}) {
			t.Fatalf("no shortcuts %v: input %s: channel %q, channels %q", no, in.Path, in.Channel, in.Channels)
		}
		if !slices.ContainsFunc(res.Warnings, func(w string) bool {
			return strings.Contains(w, "view.evtx holds records of several channels (System, Security")
		}) {
			t.Errorf("no shortcuts %v: warnings %q", no, res.Warnings)
		}
		bf := finding(t, res, "rdp-brute-force")
		if bf.Verdict == NotChecked || bf.EvidenceCount != 40 {
			t.Errorf("no shortcuts %v: brute force %s with %d evidence, want 40 (%q)", no, bf.Verdict, bf.EvidenceCount, bf.Reasons)
		}
		answers = append(answers, verdictLines(res))
	}
	if answers[0] != answers[1] {
		t.Errorf("findings with shortcuts:\n%s\nwithout:\n%s", answers[0], answers[1])
	}
}

// writeOneLog writes evs, numbered from 1 and all of computer vm1, as the
// log name in a new directory, which it returns.
func writeOneLog(t *testing.T, name string, evs []*evtx.Event) string {
	t.Helper()
	for i, ev := range evs {
		ev.RecordID = uint64(i + 1)
		ev.System.Computer = "vm1"
	}
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, name), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMixedChannelUnreadEnds: a saved custom view whose first, first-
// written and last-written records are Application's (a channel no rule
// reads) and whose System and Security records (two Schannel 36871 with
// internal error state 10013, 40 failed RDP logons from 8 addresses) lie
// in the middle. The log was not read at all: every rule said NOT CHECKED
// ("no log of this channel") and the reference time was unknown. A log
// whose file name does not name its records' channel is looked through
// for records of the channels the rules read; this one is read, with
// every shortcut off alike.
func TestMixedChannelUnreadEnds(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	app := func(evs []*evtx.Event) []*evtx.Event {
		for _, ev := range evs {
			ev.System.Channel = "Application"
		}
		return evs
	}
	evs := app(evtxtest.Noise(at.Add(-2*time.Hour), time.Minute, 5))
	evs = append(evs, evtxtest.Schannel36871(at.Add(-100*time.Minute), 10013), evtxtest.Schannel36871(at.Add(-99*time.Minute), 10013))
	for i := range 40 {
		evs = append(evs, evtxtest.Security4625(at.Add(-90*time.Minute+time.Duration(i)*5*time.Second), "admin",
			fmt.Sprintf("203.0.113.%d", i%8+1), 0xC000006D, 0xC000006A, 10))
	}
	evs = append(evs, app(evtxtest.Noise(at.Add(-time.Hour), time.Minute, 5))...)
	for i, ev := range evs {
		ev.RecordID = uint64(i + 1)
		ev.System.Computer = "vm1"
	}
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "view.evtx"), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	var answers []string
	for _, no := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: no}), dir)
		in := res.Inputs[0]
		if in.Channel != "Application" || !in.Used || !in.Holds("System") || !in.Holds("Security") {
			t.Fatalf("no shortcuts %v: input %s: channel %q, channels %q, used %v", no, in.Path, in.Channel, in.Channels, in.Used)
		}
		if !slices.ContainsFunc(res.Warnings, func(w string) bool {
			return strings.Contains(w, "view.evtx holds records of several channels (Application, ")
		}) {
			t.Errorf("no shortcuts %v: warnings %q", no, res.Warnings)
		}
		for id, want := range map[string]int{"rdp-brute-force": 40, "rdp-tls-disabled": 2} {
			f := finding(t, res, id)
			if f.Verdict != Detected || f.EvidenceCount != want {
				t.Errorf("no shortcuts %v: %s %s with %d evidence, want detected with %d (%q)", no, id, f.Verdict, f.EvidenceCount, want, f.Reasons)
			}
		}
		answers = append(answers, verdictLines(res))
	}
	if answers[0] != answers[1] {
		t.Errorf("findings with shortcuts:\n%s\nwithout:\n%s", answers[0], answers[1])
	}
}

// TestMixedChannelProbeShortcutFree: whether a misnamed log whose ends are
// of a channel no rule reads is read must not depend on the shortcuts. A
// view whose Application records run a day past the System log's end and
// whose one System record is of a provider and event id no query names
// was read with NoShortcuts (every record decoded: a System record) and
// not with them (the key filter skipped it): its last-written record
// moved the reference time a day, and the Schannel errors of the System
// log out of the window.
func TestMixedChannelProbeShortcutFree(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	sys := append(evtxtest.Noise(at.Add(-6*time.Hour), time.Minute, 20), evtxtest.Schannel36871(at.Add(-time.Hour), 10013), evtxtest.Schannel36871(at, 10013))
	other := evtxtest.EventLog(at.Add(26*time.Hour), 6005)
	other.System.Provider = evtx.Provider{Name: "Contoso-Agent"}
	other.System.EventID = 1
	view := append(evtxtest.Noise(at.Add(25*time.Hour), time.Minute, 3), other)
	view = append(view, evtxtest.Noise(at.Add(27*time.Hour), time.Minute, 3)...)
	for i, ev := range view {
		if ev != other {
			ev.System.Channel = "Application"
		}
		ev.RecordID = uint64(i + 1)
	}
	for i, ev := range sys {
		ev.RecordID = uint64(i + 1)
	}
	dir := t.TempDir()
	for name, evs := range map[string][]*evtx.Event{"System.evtx": sys, "view.evtx": view} {
		if err := evtxtest.WriteFile(filepath.Join(dir, name), evs, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	var answers []string
	for _, no := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: no}), dir)
		var b strings.Builder
		fmt.Fprintf(&b, "reference %s\n", res.ReferenceTime)
		for _, in := range res.Inputs {
			fmt.Fprintf(&b, "%s used %v channels %q\n", filepath.Base(in.Path), in.Used, in.Channels)
		}
		b.WriteString(verdictLines(res))
		answers = append(answers, b.String())
	}
	if answers[0] != answers[1] {
		t.Errorf("with shortcuts:\n%s\nwithout:\n%s", answers[0], answers[1])
	}
}

// verdictLines gives each finding of res as a line: rule id, verdict and
// evidence count.
func verdictLines(res *Result) string {
	var b strings.Builder
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "%s %s %d\n", f.Rule.ID, f.Verdict, f.EvidenceCount)
	}
	return b.String()
}
