package rules

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestCorroborationReadCountsEachRecordOnce: the further read of a
// detected rule's corroboration log (corroborateFurther: the broker rule
// reads System 30 days further back for a rename) adds to the log's
// decoded records only those the main pass passed over. It added all its
// reader yielded: with NoShortcuts every record (the main pass had decoded
// them all), so the System log of broker-renamed with one damaged name
// said 244 records decoded and -122 skipped of its 122; with shortcuts,
// the 121 records decoded in part, which the reader yields whatever its
// window, were counted again (243 decoded, -121 skipped). The report's
// inputs print them (decoded N), with shortcuts and without.
func TestCorroborationReadCountsEachRecordOnce(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(scenarioDir, "broker-renamed")
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "System.evtx" && damageNameHash(b, "EventSourceName") == 0 {
			t.Fatal("no name to damage in System.evtx")
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var verdicts []string
	for _, plain := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain}), dir)
		f := finding(t, res, "rdp-broker-renamed")
		verdicts = append(verdicts, string(f.Verdict))
		if f.Verdict != Detected || len(f.Corroboration) == 0 {
			t.Fatalf("NoShortcuts %v: broker rule %s with %d corroborating events: the further read did not run", plain, f.Verdict, len(f.Corroboration))
		}
		var sys *Input
		for _, in := range res.Inputs {
			if in.Channel == "System" {
				sys = in
			}
		}
		// What the reader yields of the period read, counted from a
		// plain read: records whose TimeCreated lies in it, and, with
		// shortcuts, those without one (yielded whatever the window);
		// with NoShortcuts every record is decoded.
		total, want, partial := 0, 0, 0
		f0, err := evtx.Open(filepath.Join(dir, "System.evtx"))
		if err != nil {
			t.Fatal(err)
		}
		for {
			ev, err := f0.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			total++
			if ev.Partial != "" {
				partial++
			}
			tc, ok := evtx.TimeCreatedOf(ev)
			if plain || !ok || !tc.Before(sys.Since) && !tc.After(sys.Until) {
				want++
			}
		}
		f0.Close()
		s := sys.Stats
		if partial == 0 {
			t.Fatalf("NoShortcuts %v: %d records, %d decoded in part, %d in the period: the log proves little", plain, total, partial, want)
		}
		if s.Records != want || s.Records+s.Skipped+s.Filtered != total || s.Skipped < 0 {
			t.Errorf("NoShortcuts %v: System decoded %d, skipped %d, filtered %d; want %d decoded of its %d records (since %v)",
				plain, s.Records, s.Skipped, s.Filtered, want, total, sys.Since)
		}
	}
	if verdicts[0] != verdicts[1] {
		t.Errorf("verdicts with shortcuts and without: %q", verdicts)
	}
}
