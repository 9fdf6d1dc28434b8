package main

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// eventKey is what a fixture event must keep when written and read back.
func eventKey(ev *evtx.Event) string {
	var b strings.Builder
	s := ev.System
	b.WriteString(evtx.FormatTime(s.TimeCreated) + "|" + s.Provider.Name + "|" + s.Channel + "|" + s.Computer + "|")
	b.WriteString(strings.Repeat("#", int(s.Level)) + "|")
	b.WriteString(evtx.FormatTime(ev.Written) + "|")
	b.WriteString(strconv.Itoa(int(s.EventID)) + "|")
	for _, f := range ev.EventData {
		b.WriteString(f.Name + "=" + f.Value.String() + ";")
	}
	if ev.UserData != nil {
		b.WriteString("ud:" + ev.UserData.Text())
	}
	return b.String()
}

// TestUpToDate reads every committed fixture log back and requires the
// events the generator describes, in order (the byte layout is the
// writer's; run "go run ./internal/genfixtures" from the module root to
// rewrite the files), and the EXPECT files to be current.
func TestUpToDate(t *testing.T) {
	committed := filepath.Join("..", "..", "testdata", "evtx", "scenarios")
	for _, s := range sets() {
		dir := filepath.Join(committed, s.name)
		exp, err := os.ReadFile(filepath.Join(dir, "EXPECT"))
		if err != nil || string(exp) != expectFile(s) {
			t.Errorf("%s/EXPECT is not current (%v)", s.name, err)
		}
		input := dir
		if s.input != "" {
			input = filepath.Join(dir, s.input)
		}
		logs, err := evtx.Find(input)
		if err != nil {
			t.Errorf("%s: %v", s.name, err)
			continue
		}
		if len(logs) != len(s.logs) {
			t.Errorf("%s: %d logs found, %d generated", s.name, len(logs), len(s.logs))
			continue
		}
		for _, l := range s.logs {
			base := filepath.Base(l.name)
			var log *evtx.Log
			for _, x := range logs {
				if strings.HasSuffix(x.Path, base) {
					log = x
				}
			}
			if log == nil {
				t.Errorf("%s: %s not found", s.name, l.name)
				continue
			}
			f, err := log.Open(evtx.Options{})
			if err != nil {
				t.Errorf("%s: %v", log.Path, err)
				continue
			}
			got := map[string]int{}
			for {
				ev, err := f.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got[eventKey(ev)]++
			}
			f.Close()
			for _, ev := range l.events {
				w := *ev
				if w.Written.IsZero() {
					w.Written = w.System.TimeCreated
				}
				k := eventKey(&w)
				if got[k] == 0 {
					t.Errorf("%s: event not in the committed file: %s", log.Path, k)
					continue
				}
				got[k]--
			}
			for k, n := range got {
				if n > 0 {
					t.Errorf("%s: %d unexpected events %s", log.Path, n, k)
				}
			}
		}
	}
}

func TestEverySetExpectsEveryRule(t *testing.T) {
	for _, s := range sets() {
		seen := map[string]bool{}
		for _, e := range s.expect {
			seen[e.rule] = true
			if e.verdict == detected && e.refinement == "" {
				t.Errorf("%s: %s detected without an expected refinement", s.name, e.rule)
			}
		}
		for _, r := range append([]string{ruleCert, ruleTLS, ruleBroker}, quietRules...) {
			if !seen[r] {
				t.Errorf("%s: no expectation for %s", s.name, r)
			}
		}
	}
}
