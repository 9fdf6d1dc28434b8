package evtx

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestRecordMemoBound: however many chunks the passes over a log offer,
// the record memos hold at most maxRecMemoBytes, and a Log gives up the
// chunks of its oldest records first, so that those it keeps are newer
// than those it does not.
func TestRecordMemoBound(t *testing.T) {
	var name string
	var b []byte
	for n, lb := range testLogs(t) {
		if len(lb) > len(b) || len(lb) == len(b) && n < name {
			name, b = n, lb
		}
	}
	p := filepath.Join(t.TempDir(), "big.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	recMemoMu.Lock()
	oldMax, oldBytes := maxRecMemoBytes, recMemoBytes
	recMemoBytes = 0
	recMemoMu.Unlock()
	maxRecMemoBytes = 16 << 10
	logs, err := Find(p)
	if err != nil || len(logs) != 1 {
		t.Fatalf("Find: %v", err)
	}
	l := logs[0]
	l.Prime(2)
	m := l.memo.m
	m.mu.Lock()
	defer m.mu.Unlock()
	recMemoMu.Lock()
	defer recMemoMu.Unlock()
	// What this Log holds is not counted after the test (its cleanup then
	// takes nothing off).
	defer func() { maxRecMemoBytes, recMemoBytes, *m.recBytes = oldMax, oldBytes, 0 }()
	if recMemoBytes > maxRecMemoBytes || *m.recBytes != recMemoBytes {
		t.Fatalf("%s: the record memo holds %d bytes (the Log %d), bound %d", name, recMemoBytes, *m.recBytes, maxRecMemoBytes)
	}
	var kept, left []time.Time
	for i, cm := range m.chunks {
		if !cm.timed {
			continue
		}
		if m.recs[i] != nil {
			kept = append(kept, cm.tmax)
		} else {
			left = append(left, cm.tmax)
		}
	}
	if len(kept) == 0 || len(left) == 0 {
		t.Fatalf("%s: %d chunks kept, %d not: the test proves little", name, len(kept), len(left))
	}
	slices.SortFunc(kept, time.Time.Compare)
	slices.SortFunc(left, time.Time.Compare)
	if kept[len(kept)/2].Before(left[len(left)/2]) {
		t.Errorf("%s: the chunks kept are older than those given up (medians %v, %v)", name, kept[len(kept)/2], left[len(left)/2])
	}
	t.Logf("%s: %d chunks kept (%d bytes), %d not", name, len(kept), recMemoBytes, len(left))
}
