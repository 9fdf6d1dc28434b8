package rules

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

const scenarioDir = "../testdata/evtx/scenarios"

// t0 is the newest event of every generated scenario set
// (internal/genfixtures).
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

type expectation struct {
	rule, verdict, refinement string
}

type fixtureSet struct {
	name   string
	input  string
	expect []expectation
}

func readSets(t *testing.T) []fixtureSet {
	t.Helper()
	entries, err := os.ReadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	var sets []fixtureSet
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		s := fixtureSet{name: e.Name()}
		f, err := os.Open(filepath.Join(scenarioDir, e.Name(), "EXPECT"))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "" || strings.HasPrefix(line, "#"):
			case strings.HasPrefix(line, "input: "):
				s.input = filepath.Join(scenarioDir, e.Name(), strings.TrimPrefix(line, "input: "))
			default:
				w := strings.Fields(line)
				x := expectation{rule: w[0], verdict: w[1]}
				if len(w) > 2 {
					x.refinement = w[2]
				}
				s.expect = append(s.expect, x)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		sets = append(sets, s)
	}
	if len(sets) == 0 {
		t.Fatal("no fixture sets")
	}
	return sets
}

func builtinEngine(t testing.TB, o Options) *Engine {
	t.Helper()
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(rs, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// articleEngine is an engine with the article's three scenarios only
// (scenario numbers 1 to 3) and no timeline, for the tests of the
// engine's reading and windows that count records and channels.
func articleEngine(t testing.TB, o Options) *Engine {
	t.Helper()
	if o.Timeline == 0 {
		o.Timeline = -1
	}
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var article []*Rule
	for _, r := range rs {
		if r.Scenario != 0 {
			article = append(article, r)
		}
	}
	e, err := NewEngine(article, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func analyzePath(t testing.TB, e *Engine, path string) *Result {
	t.Helper()
	logs, err := evtx.Find(path)
	if err != nil {
		t.Fatalf("Find(%s): %v", path, err)
	}
	res, err := e.Analyze(logs)
	if err != nil {
		t.Fatalf("Analyze(%s): %v", path, err)
	}
	return res
}

func finding(t testing.TB, res *Result, id string) *Finding {
	t.Helper()
	for _, f := range res.Findings {
		if f.Rule.ID == id {
			return f
		}
	}
	t.Fatalf("no finding for %s", id)
	return nil
}

// TestScenarioFixtures runs the built-in rules over every generated log set
// and checks the verdicts and refinements its EXPECT file gives.
func TestScenarioFixtures(t *testing.T) {
	e := builtinEngine(t, Options{})
	for _, s := range readSets(t) {
		t.Run(s.name, func(t *testing.T) {
			res := analyzePath(t, e, s.input)
			if !res.ReferenceTime.Equal(t0) {
				t.Errorf("reference time %v, want %v", res.ReferenceTime, t0)
			}
			for _, x := range s.expect {
				f := finding(t, res, x.rule)
				if string(f.Verdict) != x.verdict {
					t.Errorf("%s: verdict %s, want %s (reasons %q)", x.rule, f.Verdict, x.verdict, f.Reasons)
					continue
				}
				if x.refinement == "" {
					continue
				}
				got := "-"
				if len(f.Refinements) > 0 {
					got = f.Refinements[0].Refinement.ID
				}
				if got != x.refinement {
					t.Errorf("%s: refinement %s, want %s", x.rule, got, x.refinement)
				}
				if got != "-" && f.Cause != strings.TrimSpace(f.Refinements[0].Refinement.Cause) {
					t.Errorf("%s: cause is not the refinement's", x.rule)
				}
				if f.Verdict == Detected && (len(f.Evidence) == 0 || f.Evidence[0].RecordID == 0) {
					t.Errorf("%s: detected without evidence", x.rule)
				}
			}
		})
	}
}

// TestEveryRuleHasFixtures requires, for each built-in rule, a log set
// where it is detected and one where it must not be.
func TestEveryRuleHasFixtures(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	pos, neg := map[string]int{}, map[string]int{}
	for _, s := range readSets(t) {
		for _, x := range s.expect {
			switch x.verdict {
			case string(Detected):
				pos[x.rule]++
			case string(NotDetected):
				neg[x.rule]++
			}
		}
	}
	for _, r := range rs {
		if pos[r.ID] == 0 || neg[r.ID] == 0 {
			t.Errorf("rule %s: %d matching and %d non-matching fixture sets; want at least one of each", r.ID, pos[r.ID], neg[r.ID])
		}
	}
}

func TestRefinementOrdersSteps(t *testing.T) {
	e := builtinEngine(t, Options{})
	res := analyzePath(t, e, filepath.Join(scenarioDir, "cert-1057-keyset"))
	f := finding(t, res, "rdp-cert-private-key")
	if len(f.Steps) < 2 || f.Steps[0].ID != "grant-rdp-key" || f.Steps[1].ID != "renew-self-signed-delete-key" {
		t.Errorf("steps for a missing keyset start %v, want grant-rdp-key, renew-self-signed-delete-key", stepIDs(f.Steps))
	}
	res = analyzePath(t, e, filepath.Join(scenarioDir, "cert-1058-access-denied"))
	f = finding(t, res, "rdp-cert-private-key")
	if f.Steps[0].ID != "grant-rdp-key" || f.Steps[1].ID != "renew-self-signed" {
		t.Errorf("steps for access denied start %v, want grant-rdp-key, renew-self-signed", stepIDs(f.Steps))
	}
	if len(f.Steps) != len(f.Rule.Resolution) {
		t.Errorf("%d steps, want all %d", len(f.Steps), len(f.Rule.Resolution))
	}
	res = analyzePath(t, e, filepath.Join(scenarioDir, "tls-36871-10013"))
	f = finding(t, res, "rdp-tls-disabled")
	want := []string{"query-tls", "enable-tls12", "enable-tls13", "restart-vm"}
	if got := stepIDs(f.Steps); strings.Join(got[:4], " ") != strings.Join(want, " ") {
		t.Errorf("TLS steps %v, want to start with %v", got, want)
	}
	if f.EvidenceCount != 2 || len(f.Evidence) != 2 || !f.Evidence[0].Time.After(f.Evidence[1].Time) {
		t.Errorf("evidence %d/%d not newest first", f.EvidenceCount, len(f.Evidence))
	}
}

func stepIDs(steps []*Step) []string {
	var ids []string
	for _, s := range steps {
		ids = append(ids, s.ID)
	}
	return ids
}

func hit(t *testing.T, f *Finding, id string) *QueryHit {
	t.Helper()
	for _, x := range f.Hits {
		if x.Query.ID == id {
			return x
		}
	}
	t.Fatalf("%s: no query %s", f.Rule.ID, id)
	return nil
}

func TestOutsideWindow(t *testing.T) {
	set := filepath.Join(scenarioDir, "outside-window")
	// A one-day look-back sees the 36871 ten hours before the window, not
	// the 1058 three days before it; the default (a week) sees both.
	res := analyzePath(t, articleEngine(t, Options{LookBack: 24 * time.Hour}), set)
	h := hit(t, finding(t, res, "rdp-tls-disabled"), "schannel-36871")
	if h.Count != 0 || h.BeforeCount != 1 || h.Before == nil || finding(t, res, "rdp-tls-disabled").WindowStart.Sub(h.Before.Time) != 10*time.Hour {
		t.Errorf("schannel-36871 = %+v, want one match 10h before the window", h)
	}
	if h := hit(t, finding(t, res, "rdp-cert-private-key"), "rcm-1058"); h.Before != nil || h.BeforeCount != 0 {
		t.Errorf("rcm-1058 3 days before the window seen with a 1-day look-back")
	}

	res = analyzePath(t, articleEngine(t, Options{}), set)
	f := finding(t, res, "rdp-cert-private-key")
	h = hit(t, f, "rcm-1058")
	if h.Count != 0 || h.BeforeCount != 1 || h.Before == nil {
		t.Fatalf("rcm-1058 hit = %+v, want one match before the window", h)
	}
	if d := f.WindowStart.Sub(h.Before.Time); d != 3*24*time.Hour {
		t.Errorf("before the window by %v, want 72h", d)
	}
	b := finding(t, res, "rdp-broker-renamed")
	if b.Verdict != NotDetected || len(b.Caveats) == 0 || !strings.Contains(b.Caveats[0], "SessionBroker-Client/Operational") {
		t.Errorf("broker verdict %s caveats %q: want not_detected with the absent client log as caveat", b.Verdict, b.Caveats)
	}
	if hit(t, b, "broker-2056").Before == nil {
		t.Error("broker-2056 3 days before the window not seen with a 7-day look-back")
	}

	// No look-back: nothing outside the window.
	res = analyzePath(t, articleEngine(t, Options{LookBack: -1}), set)
	for _, f := range res.Findings {
		for _, x := range f.Hits {
			if x.Before != nil || x.After != nil {
				t.Errorf("%s: match outside the window without look-back", x.Query.ID)
			}
		}
	}
}

func TestAtMovesTheWindow(t *testing.T) {
	// With --at four days back, the 1058 of outside-window is in the window
	// and the noise after it is "after the window".
	at := t0.Add(-4*24*time.Hour + time.Hour)
	e := builtinEngine(t, Options{At: at})
	res := analyzePath(t, e, filepath.Join(scenarioDir, "outside-window"))
	if !res.ReferenceTime.Equal(at) || res.ReferenceFrom != "" {
		t.Errorf("reference %v from %q, want %v given", res.ReferenceTime, res.ReferenceFrom, at)
	}
	f := finding(t, res, "rdp-cert-private-key")
	if f.Verdict != Detected || f.Refinements[0].Refinement.ID != "machinekeys-access-denied" {
		t.Errorf("verdict %s, want detected by access denied", f.Verdict)
	}
	// A window of 30 minutes ending at t0 sees nothing of cert-1058 (2h old).
	e = builtinEngine(t, Options{Window: 30 * time.Minute})
	res = analyzePath(t, e, filepath.Join(scenarioDir, "cert-1058-access-denied"))
	f = finding(t, res, "rdp-cert-private-key")
	if f.Verdict != NotDetected || f.Window != 30*time.Minute || f.Hits[0].BeforeCount != 1 {
		t.Errorf("30m window: verdict %s window %v before %d", f.Verdict, f.Window, f.Hits[0].BeforeCount)
	}
}

func TestBrokerCorroboration(t *testing.T) {
	e := builtinEngine(t, Options{})
	res := analyzePath(t, e, filepath.Join(scenarioDir, "broker-renamed"))
	f := finding(t, res, "rdp-broker-renamed")
	var texts []string
	for _, c := range f.Corroboration {
		texts = append(texts, c.Text)
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{`changed from "RDCB-OLD" to "RDCB01"`, `"RDCB-OLD.contoso.com"`, `then "RDCB01.contoso.com"`} {
		if !strings.Contains(all, want) {
			t.Errorf("corroboration lacks %s:\n%s", want, all)
		}
	}
	if len(f.Refinements) != 2 {
		t.Errorf("refinements %d, want 2 (2056 and 1296)", len(f.Refinements))
	}
}

func TestCorroborationLooksFurtherWhenDetected(t *testing.T) {
	// The rename is 3 days back; with no look-back at all the detected
	// broker rule still finds it (corroboration_look_back: 720h).
	e := articleEngine(t, Options{LookBack: -1})
	res := analyzePath(t, e, filepath.Join(scenarioDir, "broker-renamed"))
	f := finding(t, res, "rdp-broker-renamed")
	if len(f.Corroboration) != 2 || !strings.Contains(f.Corroboration[0].Text, "RDCB-OLD") {
		t.Errorf("corroboration %v", f.Corroboration)
	}
	for _, in := range res.Inputs {
		if in.Channel == "System" && !in.Since.Equal(t0.Add(-31*24*time.Hour)) {
			t.Errorf("System decoded since %v, want 31 days back", in.Since)
		}
		// The window only: from where its timediff condition starts to
		// select, less than 1 ms before t0 − 24h (windowStart).
		if in.Channel != "System" && !in.Since.Equal(windowStart(t0, 24*time.Hour)) {
			t.Errorf("%s decoded since %v, want the window only", in.Path, in.Since)
		}
	}
	// Not detected: no extra pass.
	res = analyzePath(t, e, filepath.Join(scenarioDir, "padded-provider"))
	for _, in := range res.Inputs {
		if !in.Since.Equal(windowStart(t0, 24*time.Hour)) {
			t.Errorf("%s decoded since %v without a detection", in.Path, in.Since)
		}
	}
}

func TestLogEndingBeforeTheWindowIsNotChecked(t *testing.T) {
	// --at a week after the newest record: the System log ends before the
	// window, so nothing can be said.
	e := builtinEngine(t, Options{At: t0.Add(7 * 24 * time.Hour)})
	res := analyzePath(t, e, filepath.Join(scenarioDir, "healthy"))
	f := finding(t, res, "rdp-tls-disabled")
	if f.Verdict != NotChecked || len(f.Reasons) != 1 || !strings.Contains(f.Reasons[0], "6 days before the window's start") {
		t.Errorf("%s %q", f.Verdict, f.Reasons)
	}
}

func TestSpansBeyondDurationRange(t *testing.T) {
	// time.Time.Sub saturates at about 292 years (106751 days); --at and
	// TimeCreated reach up to the year 30828.
	at := time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC)
	e := builtinEngine(t, Options{At: at})
	res := analyzePath(t, e, filepath.Join(scenarioDir, "healthy"))
	f := finding(t, res, "rdp-tls-disabled")
	// 2024-05-01T12:00 to 9999-12-30T12:00 (the window's start): 2913051
	// days (Python: date(9999,12,30) - date(2024,5,1)).
	if f.Verdict != NotChecked || len(f.Reasons) != 1 || !strings.Contains(f.Reasons[0], "2913051 days before the window's start") {
		t.Errorf("%s %q", f.Verdict, f.Reasons)
	}
	for _, c := range []struct {
		a, b time.Time
		want string
	}{
		{t0, at, "2913052 days"},
		{at, t0, "2913052 days"},
		{time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(30828, 9, 14, 2, 48, 5, 0, time.UTC), "10675199 days"},
		{t0, t0.Add(106749 * 24 * time.Hour), "106749 days"},
		{t0, t0.Add(106751 * 24 * time.Hour), "106751 days"},
		{t0, t0.Add(90 * time.Minute), "1 hour"},
		{t0, t0, "0 seconds"},
	} {
		if got := FormatSpan(c.a, c.b); got != c.want {
			t.Errorf("FormatSpan(%v, %v) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

func TestFarOffReferenceRecordWarns(t *testing.T) {
	e := builtinEngine(t, Options{})
	res := analyzePath(t, e, filepath.Join(scenarioDir, "far-off-record"))
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "give --at") {
		t.Errorf("warnings %q", res.Warnings)
	}
	// With --at on the real events' last day, the 1058 is found.
	res = analyzePath(t, builtinEngine(t, Options{At: t0.Add(-400 * 24 * time.Hour)}), filepath.Join(scenarioDir, "far-off-record"))
	if f := finding(t, res, "rdp-cert-private-key"); f.Verdict != Detected || len(res.Warnings) != 0 {
		t.Errorf("with --at: %s, warnings %q", f.Verdict, res.Warnings)
	}
	res = analyzePath(t, e, filepath.Join(scenarioDir, "healthy"))
	if len(res.Warnings) != 0 {
		t.Errorf("healthy: warnings %q", res.Warnings)
	}
}

func TestNotCheckedSaysWhy(t *testing.T) {
	e := builtinEngine(t, Options{})
	res := analyzePath(t, e, filepath.Join(scenarioDir, "healthy"))
	f := finding(t, res, "rdp-broker-renamed")
	if f.Verdict != NotChecked || len(f.Reasons) != 3 || !strings.Contains(f.Reasons[2], "is not installed") {
		t.Errorf("broker: %s %q", f.Verdict, f.Reasons)
	}
	res = analyzePath(t, e, filepath.Join(scenarioDir, "starts-in-window"))
	f = finding(t, res, "rdp-tls-disabled")
	if len(f.Reasons) != 1 || !strings.Contains(f.Reasons[0], "after the window's start") {
		t.Errorf("starts-in-window reasons %q", f.Reasons)
	}
}

func TestOnlyNeededChannelsAreRead(t *testing.T) {
	e := articleEngine(t, Options{})
	res := analyzePath(t, e, filepath.Join(scenarioDir, "volume"))
	for _, in := range res.Inputs {
		app := strings.HasSuffix(in.Path, "Application.evtx")
		if in.Used == app {
			t.Errorf("%s: used %v", in.Path, in.Used)
		}
	}
	// Records outside the window and look-back are not decoded.
	res = analyzePath(t, e, filepath.Join(scenarioDir, "cert-schannel-36870"))
	in := res.Inputs[0]
	if in.Stats.Skipped == 0 || in.Stats.Records+in.Stats.Filtered+in.Stats.Skipped != 122 || !in.Since.Equal(t0.Add(-8*24*time.Hour)) {
		t.Errorf("decoded %d, filtered %d, skipped %d, since %v; want records from 8 days back only (window and look-back)", in.Stats.Records, in.Stats.Filtered, in.Stats.Skipped, in.Since)
	}
	// Of those, only the records whose provider and event id a query
	// names are decoded: the Schannel 36870 evidence.
	if in.Stats.Records != 1 || in.Stats.Filtered == 0 {
		t.Errorf("decoded %d, filtered %d; want only the one Schannel event decoded", in.Stats.Records, in.Stats.Filtered)
	}
	// Only the broker rule: System is read for the reference time and the
	// 6011 corroboration, the client log for evidence.
	rs, _ := Builtin()
	e2, err := NewEngine(rs[2:3], Options{Timeline: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e2.Channels(), ","); got != "Microsoft-Windows-TerminalServices-SessionBroker-Client/Operational,Microsoft-Windows-TerminalServices-SessionBroker/Operational,System" {
		t.Errorf("channels %s", got)
	}
}

func TestDirtyLogEvidence(t *testing.T) {
	e := builtinEngine(t, Options{})
	res := analyzePath(t, e, filepath.Join(scenarioDir, "dirty-uncounted-chunk"))
	in := res.Inputs[0]
	if !in.Stats.Dirty || in.Stats.Recovered == 0 || in.Stats.Chunks <= in.Stats.HeaderChunks {
		t.Errorf("stats %+v: want dirty, recovered records, more chunks than the header counts", in.Stats)
	}
	f := finding(t, res, "rdp-cert-private-key")
	if f.Verdict != Detected || f.Evidence[0].EventID != 1057 {
		t.Errorf("verdict %s", f.Verdict)
	}
}

func TestNoReadableLog(t *testing.T) {
	e := builtinEngine(t, Options{})
	res, err := e.Analyze(nil)
	if !errors.Is(err, ErrNoReadableLog) || res == nil || len(res.Findings) != len(e.Rules()) {
		t.Fatalf("Analyze(nil) = %v, %v", res, err)
	}
	for _, f := range res.Findings {
		if f.Verdict != NotChecked {
			t.Errorf("%s: %s without logs", f.Rule.ID, f.Verdict)
		}
	}
}

// realDetections are the findings the real samples show, and why a support
// engineer would agree (rdp-causes.md names both samples).
var realDetections = map[string]string{
	// 134 RdpCoreTS 140 and 127 RdpCoreTS 131 from Internet addresses:
	// a real brute-force attack on an exposed RDP port.
	"omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx": "rdp-brute-force",
	// EventLog 6008 "The previous system shutdown ... was unexpected"
	// within 72 hours of the log's end (records 13388, 13530).
	"williballenthin__python-evtx__tests__data__system.evtx": "rdp-os-unstable",
}

// TestRealSamples analyses every real sample log: no error other than "no
// readable log", no detection other than realDetections (the others do not
// hold these failures), and a not_detected verdict only when the System
// log was read and covers the window.
func TestRealSamples(t *testing.T) {
	paths, err := filepath.Glob("../testdata/evtx/*.evtx")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	e := builtinEngine(t, Options{})
	systems := 0
	for _, p := range paths {
		logs, err := evtx.Find(p)
		if err != nil {
			t.Errorf("Find(%s): %v", p, err)
			continue
		}
		res, err := e.Analyze(logs)
		if err != nil && !errors.Is(err, ErrNoReadableLog) {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if res.Inputs[0].Channel == "System" && res.Inputs[0].Readable() {
			systems++
		}
		for _, f := range res.Findings {
			switch f.Verdict {
			case Detected:
				if realDetections[filepath.Base(p)] != f.Rule.ID {
					t.Errorf("%s: %s detected", p, f.Rule.ID)
				}
			case NotDetected:
				if !res.Inputs[0].Readable() || res.Inputs[0].Stats.First.After(f.WindowStart) {
					t.Errorf("%s: %s not detected, but the log does not cover the window", p, f.Rule.ID)
				}
			case NotChecked:
				if len(f.Reasons) == 0 {
					t.Errorf("%s: %s not checked without a reason", p, f.Rule.ID)
				}
			}
		}
	}
	if systems < 3 {
		t.Errorf("%d System samples recognised, want at least 3 (channel from the events)", systems)
	}
}

func TestDuplicateInputsCountOnce(t *testing.T) {
	set := filepath.Join(scenarioDir, "tls-36871-10013")
	a, err := evtx.Find(set)
	if err != nil {
		t.Fatal(err)
	}
	b, err := evtx.Find(filepath.Join(set, "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	if a[0].Path != b[0].Path {
		t.Fatalf("Find paths differ: %s, %s", a[0].Path, b[0].Path)
	}
	res, err := builtinEngine(t, Options{}).Analyze(append(a, b...))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Inputs) != 1 || finding(t, res, "rdp-tls-disabled").EvidenceCount != 2 {
		t.Errorf("%d inputs, %d events; want 1 and 2", len(res.Inputs), finding(t, res, "rdp-tls-disabled").EvidenceCount)
	}
}

// TestSamplesFalsePositives counts, per rule, the real samples (each
// analysed alone; the same files as ../shared/samples) on which it is
// detected or possible without being one of realDetections: every count
// must be 0. go test -run TestSamplesFalsePositives -v prints the table.
func TestSamplesFalsePositives(t *testing.T) {
	paths, err := filepath.Glob("../testdata/evtx/*.evtx")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	e := builtinEngine(t, Options{})
	type counts struct{ read, flagged, fp int }
	per := map[string]*counts{}
	for _, r := range e.Rules() {
		per[r.ID] = &counts{}
	}
	for _, p := range paths {
		logs, err := evtx.Find(p)
		if err != nil {
			t.Fatalf("Find(%s): %v", p, err)
		}
		res, err := e.Analyze(logs)
		if err != nil && !errors.Is(err, ErrNoReadableLog) {
			t.Fatalf("%s: %v", p, err)
		}
		for _, f := range res.Findings {
			c := per[f.Rule.ID]
			if f.Verdict != NotChecked {
				c.read++
			}
			if f.Verdict == Detected || f.Verdict == Possible {
				c.flagged++
				if realDetections[filepath.Base(p)] != f.Rule.ID {
					c.fp++
					t.Errorf("%s: %s %s: %s", filepath.Base(p), f.Rule.ID, f.Verdict, f.Why)
				}
			}
		}
	}
	t.Logf("%-26s %8s %8s %15s", "rule", "checked", "flagged", "false positives")
	for _, r := range e.Rules() {
		c := per[r.ID]
		t.Logf("%-26s %8d %8d %15d", r.ID, c.read, c.flagged, c.fp)
	}
	t.Logf("over %d samples, each analysed alone", len(paths))
}

// TestRealSampleVerdicts runs the real samples that rdp-causes.md names
// for the causes beyond the article over their whole span (a 20-year
// window) and checks the verdicts a support engineer would give: NotDetected
// below means no finding (over a 20-year window the logs cannot cover it,
// so the verdict is not_checked; what matters is that nothing is flagged).
func TestRealSampleVerdicts(t *testing.T) {
	e := builtinEngine(t, Options{Window: 20 * 365 * 24 * time.Hour, Timeline: 1000})
	for _, c := range []struct {
		sample, rule string
		verdict      Verdict
		why          string
		timeline     string // a timeline line that must be there
	}{
		// TermService stopped and started normally (7036 TermService/1,
		// /4): no failure, the last state is running.
		{"williballenthin__python-evtx__tests__data__system.evtx", "rdp-service-not-running", NotDetected, "", "Binary=TermService/4"},
		// Unexpected shutdowns (EventLog 6008, records 13388, 13530).
		{"williballenthin__python-evtx__tests__data__system.evtx", "rdp-os-unstable", Detected, "the previous shutdown was unexpected", "the previous shutdown was unexpected"},
		// TermDD 56/50 from one address: not a flood.
		{"williballenthin__python-evtx__tests__data__system.evtx", "rdp-brute-force", NotDetected, "", ""},
		// SCM failures of services RDP does not need (7000 CldFlt %%50,
		// 7023 Spooler, 7023 iphlpsvc %%1058).
		{"omerbenamram__evtx__samples__system.evtx", "rdp-service-not-running", NotDetected, "", ""},
		{"omerbenamram__evtx__samples__system.evtx", "rdp-network-services", NotDetected, "", ""},
		{"fukusuket__evtx-parser__samples__System.evtx", "rdp-service-not-running", NotDetected, "", ""},
		// One failed RDP logon (4625 LogonType 10, 0xc000006a, a wrong
		// password from 23.94.153.202): noise, shown in the timeline.
		{"omerbenamram__evtx__samples__Security_short_selected.evtx", "rdp-logon-account", NotDetected, "", "IpAddress=23.94.153.202"},
		{"omerbenamram__evtx__samples__Security_short_selected.evtx", "rdp-brute-force", NotDetected, "", ""},
		// The disabled Guest through Advapi (records 441...): a local
		// program, not an RDP logon.
		{"omerbenamram__evtx__samples__Security_with_size_t.evtx", "rdp-logon-account", NotDetected, "", ""},
		// 134 RdpCoreTS 140 and 127 RdpCoreTS 131 from Internet addresses.
		{"omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx", "rdp-brute-force", Detected, "Peak:", "RDP connections failed on a wrong user name or password"},
	} {
		res := analyzePath(t, e, filepath.Join("../testdata/evtx", c.sample))
		f := finding(t, res, c.rule)
		got := f.Verdict
		if got == NotChecked {
			got = NotDetected
		}
		if got != c.verdict || !strings.Contains(f.Why, c.why) {
			t.Errorf("%s: %s %s (%s), want %s", c.sample, c.rule, f.Verdict, f.Why, c.verdict)
		}
		if c.timeline != "" {
			found := false
			for _, l := range res.Timeline {
				found = found || strings.Contains(l.Text, c.timeline)
			}
			if !found {
				t.Errorf("%s: no timeline line with %q", c.sample, c.timeline)
			}
		}
	}
}

// A log of forwarded events whose records come from two computers, one
// after the other record by record (a Windows Event Collector gathering
// the RD Connection Broker client logs of a farm's session hosts), is not
// a rename: the change of its Computer field between records does not
// corroborate the broker rule, and the finding says why.
func TestForwardedLogIsNoRename(t *testing.T) {
	dir := t.TempDir()
	var evs []*evtx.Event
	for i := range 48 {
		ev := evtxtest.SessionBrokerClient1296(t0.Add(-time.Duration(47-i)*time.Hour), "CONTOSO", "alice", "Remote Desktop Connection Broker is not ready for RPC communication.")
		ev.System.Computer = []string{"RDSH01.contoso.com", "RDSH02.contoso.com"}[i%2]
		evs = append(evs, ev)
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "ForwardedEvents.evtx"), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	res := analyzePath(t, builtinEngine(t, Options{}), dir)
	f := finding(t, res, "rdp-broker-renamed")
	if f.Verdict != Possible || len(f.Corroboration) != 0 {
		t.Errorf("verdict %s, corroboration %v; want possible without corroboration", f.Verdict, f.Corroboration)
	}
	caveats := strings.Join(f.Caveats, "\n")
	if !strings.Contains(caveats, "ForwardedEvents.evtx") || !strings.Contains(caveats, "interleaved") {
		t.Errorf("caveats %q: want the interleaved computer names of the forwarded log", f.Caveats)
	}

	// The same records from one computer renamed half-way (RDSH01 up to
	// record 24, RDSH02 after it): a change of the Computer field, one
	// machine, and the finding is detected.
	for i, ev := range evs {
		ev.System.Computer = []string{"RDSH01.contoso.com", "RDSH02.contoso.com"}[i*2/len(evs)]
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "ForwardedEvents.evtx"), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	res = analyzePath(t, builtinEngine(t, Options{}), dir)
	f = finding(t, res, "rdp-broker-renamed")
	if f.Verdict != Detected || len(f.Corroboration) != 1 || !strings.Contains(f.Corroboration[0].Text, `then "RDSH02.contoso.com"`) {
		t.Errorf("renamed: verdict %s, corroboration %v; want detected by the change of the Computer field", f.Verdict, f.Corroboration)
	}
}

// TestPartialRecordsAreACaveat: records decoded in part (a template
// damaged: provider and event id unknown) are never evidence, so a verdict
// over a window that holds them says that events among them are not seen,
// as it does for unreadable bytes. It said "System read and covers it"
// alone.
func TestPartialRecordsAreACaveat(t *testing.T) {
	data, err := os.ReadFile("../testdata/evtx/williballenthin__python-evtx__tests__data__system.evtx")
	if err != nil {
		t.Fatal(err)
	}
	// Overwrite names in chunk 1's template area: its records keep their
	// values but lose their names.
	for i := 4096 + 65536 + 600; i < 4096+65536+700; i++ {
		data[i] ^= 0xff
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "System.evtx"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	res := analyzePath(t, builtinEngine(t, Options{At: time.Date(2012, 3, 15, 12, 0, 0, 0, time.UTC)}), dir)
	if res.Inputs[0].Stats.Partial == 0 {
		t.Fatal("no partial record: the damage missed the templates")
	}
	f := finding(t, res, "rdp-cert-private-key")
	if !strings.Contains(strings.Join(f.Caveats, "\n"), "decoded in part") {
		t.Errorf("%s, caveats %q", f.Verdict, f.Caveats)
	}
}

// TestReferenceBeforeTheLog: with --at before a log's first record, the
// log holds nothing of the window; it said "starts 14 days after the
// window's start; older events may have been overwritten or the log
// cleared", as if it had lost the window's events.
func TestReferenceBeforeTheLog(t *testing.T) {
	at := time.Date(2012, 3, 1, 0, 0, 0, 0, time.UTC) // the log: 2012-03-14 to 2012-04-08
	res := analyzePath(t, builtinEngine(t, Options{At: at}), "../testdata/evtx/williballenthin__python-evtx__tests__data__system.evtx")
	f := finding(t, res, "rdp-tls-disabled")
	why := strings.Join(f.Reasons, "\n")
	if f.Verdict != NotChecked || !strings.Contains(why, "after the reference time") || strings.Contains(why, "overwritten") {
		t.Errorf("%s: %q", f.Verdict, f.Reasons)
	}
}

// TestUnreadableLogNotAtAdvice: when the only System log cannot be read,
// the reason a rule is not checked is that, not "the logs hold no record
// time; give one (--at)" (--at would not make the log readable).
func TestUnreadableLogNotAtAdvice(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "System.evtx"), make([]byte, 70000), 0o644); err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := builtinEngine(t, Options{}).Analyze(logs)
	if res == nil {
		t.Fatal("no result")
	}
	f := finding(t, res, "rdp-tls-disabled")
	why := strings.Join(f.Reasons, "\n")
	if f.Verdict != NotChecked || strings.Contains(why, "--at") || !strings.Contains(why, "unreadable") {
		t.Errorf("%s: %q", f.Verdict, f.Reasons)
	}
}

// A forwarded-events log naming 40 computers, interleaved, across several
// chunks: the caveat counts all 40 and lists the 16 whose records come
// first (by TimeCreated), whatever the decoding goroutines' order and with
// every shortcut off alike. The read used to keep the first 16 names to
// reach it, which with a filter was the decoders' order: a caveat naming
// "16 computers", a different 16 from run to run.
func TestComputerSightingsOrderFree(t *testing.T) {
	dir := t.TempDir()
	var evs []*evtx.Event
	const hostsN, rounds = 40, 30
	for i := range hostsN * rounds {
		ev := evtxtest.SessionBrokerClient1296(t0.Add(-time.Duration(hostsN*rounds-i)*time.Minute), "CONTOSO", "alice", "Remote Desktop Connection Broker is not ready for RPC communication.")
		ev.System.Computer = fmt.Sprintf("RDSH%02d.contoso.com", (i*7)%hostsN) // first seen in the order 0, 7, 14, ...
		evs = append(evs, ev)
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "ForwardedEvents.evtx"), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range maxComputers {
		want = append(want, fmt.Sprintf("%q", fmt.Sprintf("RDSH%02d.contoso.com", (i*7)%hostsN)))
	}
	wantText := fmt.Sprintf("name 40 computers interleaved (%s and 24 more:", strings.Join(want, ", "))
	for _, o := range []Options{{Workers: 1}, {Workers: 4}, {Workers: 4}, {Workers: 4, NoShortcuts: true}} {
		f := finding(t, analyzePath(t, builtinEngine(t, o), dir), "rdp-broker-renamed")
		caveats := strings.Join(f.Caveats, "\n")
		if !strings.Contains(caveats, wantText) {
			t.Errorf("workers %d, no shortcuts %v: caveats %q, want %q", o.Workers, o.NoShortcuts, caveats, wantText)
		}
	}
}

// TestHoldsIsEqualFold: Input.Holds (and the scan's channel test, the same
// expression) answers as strings.EqualFold alone: the equal-text test
// first changes nothing, for channel names, their case variants, the
// runes that fold to ASCII and invalid UTF-8, compared with themselves,
// copies and each other.
func TestHoldsIsEqualFold(t *testing.T) {
	chs := []string{"", "System", "SYSTEM", "system", "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
		"microsoft-windows-terminalservices-remoteconnectionmanager/operational", "\u212Aey", "Key", "\u017Fystem", "System\xff", "\xff", "\xe2\x84"}
	for _, a := range chs {
		for _, b := range append([]string{strings.Clone(a)}, chs...) {
			for _, in := range []*Input{{Channel: a}, {Channel: "Other", Channels: []string{"Other", a}}} {
				want := strings.EqualFold(in.Channel, b) || slices.ContainsFunc(in.Channels, func(c string) bool { return strings.EqualFold(c, b) })
				if got := in.Holds(b); got != want {
					t.Errorf("%+v.Holds(%q) = %v, EqualFold %v", in, b, got, want)
				}
			}
		}
	}
}
