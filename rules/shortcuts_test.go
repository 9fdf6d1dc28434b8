package rules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// A shortcut never changes an answer: Analyze with every shortcut on (the
// reader's time window, the provider/event-id filter, the last-written
// record read from the headers) gives the findings of Analyze with
// Options.NoShortcuts (every record decoded, every query evaluated on every
// event): the same reference time and record, verdicts, evidence (file,
// record number, EventRecordID, time, query), counts, first and last seen,
// nearest matches outside the window, refinements, corroboration, clock
// jumps and time gaps with the clock changes that explain them. Over every fixture set of testdata/evtx/scenarios, every case
// of ../shared/cases and every sample of ../shared/samples (when present),
// with the rules' windows and with a wide window and look-back.
func TestShortcutsChangeNoAnswer(t *testing.T) {
	var inputs [][]string // each: the paths of one analysis
	sets, _ := filepath.Glob("../testdata/evtx/scenarios/*")
	for _, s := range sets {
		in := s
		if b, err := os.ReadFile(filepath.Join(s, "EXPECT")); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "input: "); ok && v != "." {
					in = filepath.Join(s, v)
				}
			}
		}
		inputs = append(inputs, []string{in})
	}
	if len(inputs) < 30 {
		t.Fatalf("%d fixture sets", len(inputs))
	}
	cases, _ := filepath.Glob("../../shared/cases/*")
	for _, c := range cases {
		if st, err := os.Stat(c); err != nil || !st.IsDir() {
			continue
		}
		if _, err := evtx.Find(c); err == nil {
			inputs = append(inputs, []string{c})
			continue
		}
		subs, _ := filepath.Glob(filepath.Join(c, "*")) // a case of several machines
		inputs = append(inputs, subs)
	}
	logs, _ := filepath.Glob("../testdata/evtx/*.evtx")
	samples, _ := filepath.Glob("../../shared/samples/*.evtx")
	for _, s := range append(logs, samples...) {
		inputs = append(inputs, []string{s})
	}
	t.Logf("%d fixture sets, %d cases, %d logs of testdata/evtx, %d samples", len(sets), len(cases), len(logs), len(samples))

	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	checked, detected, outside := 0, 0, 0
	for _, opt := range []rules.Options{{}, {LookBack: -1}, {Window: 30 * 24 * time.Hour, LookBack: 365 * 24 * time.Hour}} {
		fast, err := rules.NewEngine(rs, opt)
		if err != nil {
			t.Fatal(err)
		}
		opt.NoShortcuts = true
		plain, err := rules.NewEngine(rs, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, paths := range inputs {
			var logs []*evtx.Log
			for _, p := range paths {
				found, err := evtx.Find(p)
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				logs = append(logs, found...)
			}
			a, errA := fast.Analyze(logs)
			b, errB := plain.Analyze(logs)
			if (errA == nil) != (errB == nil) {
				t.Errorf("%v: errors %v and %v without shortcuts", paths, errA, errB)
				continue
			}
			if d := cmp.Diff(answer(b), answer(a)); d != "" {
				t.Errorf("%v (window %v, look-back %v): shortcuts change the answer (-without +with):\n%s", paths, opt.Window, opt.LookBack, d)
			}
			checked++
			for _, f := range b.Findings {
				if f.EvidenceCount > 0 {
					detected++
				}
				for _, h := range f.Hits {
					outside += h.BeforeCount + h.AfterCount
				}
			}
		}
	}
	t.Logf("%d analyses compared; %d findings with evidence, %d matches outside windows", checked, detected, outside)
	if detected < 40 || outside < 20 {
		t.Errorf("%d findings with evidence, %d matches outside windows: the comparison proves little", detected, outside)
	}
}

// answer renders what a Result answers (not how much was read).
func answer(r *rules.Result) string {
	var b strings.Builder
	ref := func(e *rules.EventRef) string {
		if e == nil {
			return "-"
		}
		return fmt.Sprintf("%s#%d/%d@%s[%s]", filepath.Base(e.File), e.RecordID, e.EventRecordID, evtx.FormatTime(e.Time), e.Query)
	}
	fmt.Fprintf(&b, "reference %s from %s %v\n", evtx.FormatTime(r.ReferenceTime), r.ReferenceFrom, r.ReferenceRecord)
	for _, j := range r.ClockJumps {
		fmt.Fprintf(&b, "clock jump %s\n", j)
		fmt.Fprintf(&b, "  changes %s\n", j.ChangeText())
	}
	for _, g := range r.TimeGaps {
		fmt.Fprintf(&b, "time gap %s\n", g)
		fmt.Fprintf(&b, "  changes %s\n", g.ChangeText())
	}
	for _, in := range r.Inputs {
		fmt.Fprintf(&b, "input %s %s used=%v written %v..%v exported=%v decoded %s..%s\n", in.Path, in.Channel, in.Used, in.FirstWritten, in.LastWritten, in.Exported,
			evtx.FormatTime(in.Since), evtx.FormatTime(in.Until))
		// The damage found: what the caveats say (a window or filter must
		// not hide a record decoded in part or undecodable).
		s := in.Stats
		fmt.Fprintf(&b, "  damage: %d bad chunks, %d undecodable, %d partial, %d bytes unread, %d problems\n", s.BadChunks, s.BadRecords, s.Partial, s.UnreadBytes, in.ErrorCount)
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s: %s (%s) %d events; window %s..%s; cause %q\n", f.Rule.ID, f.Verdict, f.Why, f.EvidenceCount,
			evtx.FormatTime(f.WindowStart), evtx.FormatTime(f.WindowEnd), f.Cause)
		for _, h := range f.Hits {
			fmt.Fprintf(&b, "  %s: %d (%d possible, %d other) first %s last %s; before %d %s; after %d %s\n", h.Query.ID, h.Count, h.Possible, h.Other,
				evtx.FormatTime(h.First), evtx.FormatTime(h.Last), h.BeforeCount, ref(h.Before), h.AfterCount, ref(h.After))
		}
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "  evidence %s %q possible=%v\n", ref(e), e.Attribution, e.Possible)
		}
		for _, rh := range f.Refinements {
			fmt.Fprintf(&b, "  refinement %s %d %s\n", rh.Refinement.ID, rh.Count, ref(rh.Newest))
		}
		for _, c := range f.Corroboration {
			fmt.Fprintf(&b, "  corroboration %s %s\n", c.Text, ref(c.Event))
		}
		fmt.Fprintf(&b, "  resolved by %s; others %q; caveats %q\n", ref(f.ResolvedBy), f.Others, f.Caveats)
		for _, ls := range f.Logs {
			fmt.Fprintf(&b, "  log %s %s %s\n", ls.Channel, ls.Status, ls.Detail)
		}
	}
	return b.String()
}

// TestShortcutsOddProviderSpellings: the provider/event-id filter, the
// dispatch and the queries decided by their keys compare provider names
// as Match does (Unicode simple folding), so that events whose provider
// names are spelled in other cases, with the long s (ſ) or the Kelvin
// sign (K), or not folded alike (the Turkish dotted İ, ß for ss), give
// the same findings with shortcuts and without, and some of them are
// found as evidence.
func TestShortcutsOddProviderSpellings(t *testing.T) {
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(end.Add(-3*24*time.Hour), 10*time.Minute, 400)
	spell := map[string][]string{
		"Schannel": {"ſchannel", "SCHANNEL", "Schannel\u0307", "Sçhannel"},
		"Microsoft-Windows-TerminalServices-RemoteConnectionManager": {
			"MICROSOFT-WINDOWS-TERMINALSERVICES-REMOTECONNECTIONMANAGER",
			"Microsoft-Windows-TerminalServiceſ-RemoteConnectionManager",
			"Mİcrosoft-Windows-TerminalServices-RemoteConnectionManager"},
		"Service Control Manager": {"service control manager", "Service Control Manager ", "ſervice Control Manager"},
		"EventLog":                {"EVENTLOG", "EventLoġ"},
	}
	at := end.Add(-20 * time.Hour)
	var odd []*evtx.Event
	add := func(ev *evtx.Event) {
		for _, name := range append([]string{ev.System.Provider.Name}, spell[ev.System.Provider.Name]...) {
			c := *ev
			c.System.Provider.Name = name
			c.System.TimeCreated = at
			at = at.Add(time.Minute)
			odd = append(odd, &c)
		}
	}
	add(evtxtest.Schannel36871(at, 10013))
	add(evtxtest.RCM1058(at, "Keyset does not exist"))
	add(evtxtest.SCM7036(at, "Remote Desktop Services", "stopped", "TermService"))
	add(evtxtest.EventLog6011(at, "OLDNAME", "NEWNAME"))
	k := evtxtest.Noise(at, time.Minute, 1)[0]
	k.System.Provider.Name = "Microsoft-Windows-\u212Aernel-General"
	odd = append(odd, k)
	evs = append(evs, odd...)
	dir := t.TempDir()
	p := filepath.Join(dir, "System.evtx")
	if err := evtxtest.WriteFile(p, evs, evtxtest.Options{MaxRecordsPerChunk: 50}); err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find(p)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	evidence := 0
	for _, opt := range []rules.Options{{}, {Window: 30 * 24 * time.Hour, LookBack: 365 * 24 * time.Hour}} {
		fast, err := rules.NewEngine(rs, opt)
		if err != nil {
			t.Fatal(err)
		}
		opt.NoShortcuts = true
		plain, err := rules.NewEngine(rs, opt)
		if err != nil {
			t.Fatal(err)
		}
		a, errA := fast.Analyze(logs)
		b, errB := plain.Analyze(logs)
		if errA != nil || errB != nil {
			t.Fatalf("errors %v, %v", errA, errB)
		}
		if d := cmp.Diff(answer(b), answer(a)); d != "" {
			t.Errorf("window %v: shortcuts change the answer (-without +with):\n%s", opt.Window, d)
		}
		for _, f := range b.Findings {
			evidence += f.EvidenceCount
		}
	}
	t.Logf("%d evidence events", evidence)
	if evidence < 6 {
		t.Errorf("%d evidence events: the comparison proves little", evidence)
	}
}
