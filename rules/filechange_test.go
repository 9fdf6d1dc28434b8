package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestFileChangedDuringRun: a log file that changes while a run reads it
// (appended to, truncated, rewritten in place) is read several times by
// one Analyze (the last-written record, the rules' pass) and by the
// Analyzes of one Engine.WithMemo copy; the reads gave two versions of
// the file, mixed silently: the reference time of one and the evidence of
// the other, the channels remembered from the first. Now each Analyze
// whose reads of a log found the file changed says so in its warnings,
// naming the file and both sizes; one that found it unchanged says
// nothing.
func TestFileChangedDuringRun(t *testing.T) {
	evs := evtxtest.Noise(t0.Add(-200*10*time.Minute), 10*time.Minute, 200)
	evs[150] = evtxtest.Schannel36871(evs[150].System.TimeCreated, 10013)
	write := func(t *testing.T, p string, evs []*evtx.Event) int64 {
		t.Helper()
		b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return int64(len(b))
	}
	more := append(append([]*evtx.Event(nil), evs...), evtxtest.Noise(t0.Add(time.Minute), 10*time.Minute, 100)...)
	changedWarning := func(res *Result) string {
		for _, w := range res.Warnings {
			if strings.Contains(w, "changed while this run read it") {
				return w
			}
		}
		return ""
	}
	for _, c := range []struct {
		name  string
		after []*evtx.Event // the file's new contents
	}{
		{"appended to", more},
		{"truncated", evs[:80]},
	} {
		t.Run(c.name+", between two Analyzes of one WithMemo engine", func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "System.evtx")
			size := write(t, p, evs)
			logs, err := evtx.Find(dir)
			if err != nil {
				t.Fatal(err)
			}
			e := builtinEngine(t, Options{}).WithMemo()
			res, err := e.Analyze(logs)
			if err != nil {
				t.Fatal(err)
			}
			if w := changedWarning(res); w != "" {
				t.Fatalf("unchanged file: warning %q", w)
			}
			// Unchanged still on a second Analyze.
			if res, err = e.Analyze(logs); err != nil || changedWarning(res) != "" {
				t.Fatalf("unchanged file, second Analyze: %v %q", err, res.Warnings)
			}
			time.Sleep(20 * time.Millisecond) // a modification time the file system tells apart
			newSize := write(t, p, c.after)
			res, err = e.Analyze(logs)
			if err != nil {
				t.Fatal(err)
			}
			w := changedWarning(res)
			want := fmt.Sprintf("%s: the file changed while this run read it (%d bytes, then %d", p, size, newSize)
			if !strings.Contains(w, want) {
				t.Errorf("warnings %q: want one containing %q", res.Warnings, want)
			}
		})
	}
	t.Run("appended to within one Analyze", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "System.evtx")
		size := write(t, p, evs)
		logs, err := evtx.Find(dir)
		if err != nil {
			t.Fatal(err)
		}
		// The file is appended to as the first read of it reads its
		// first chunk: the reads after it find it changed.
		var once sync.Once
		var newSize int64
		logs[0].Progress = func(evtx.Progress) {
			once.Do(func() {
				time.Sleep(20 * time.Millisecond)
				newSize = write(t, p, more)
			})
		}
		res, err := builtinEngine(t, Options{}).Analyze(logs)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%s: the file changed while this run read it (%d bytes, then %d", p, size, newSize)
		if w := changedWarning(res); newSize == 0 || !strings.Contains(w, want) {
			t.Errorf("warnings %q: want one containing %q", res.Warnings, want)
		}
	})
}
