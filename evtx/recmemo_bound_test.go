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
	name, p := biggestTestLog(t)
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

// TestPrimeKeepsLatest: the scan that primes the record memo makes entries
// only for the chunks whose records may stay in it, those numbered from
// primeFrom of the file header's next record number; without that hint it
// made one for every chunk and dropped most. What it keeps decides no
// answer (TestRecordMemoEqualsReadSmall reads with this bound).
func TestPrimeKeepsLatest(t *testing.T) {
	name, p := biggestTestLog(t)
	made := func(bound int64) (made, chunks int, from uint64) {
		defer SetMaxRecMemoBytes(bound)()
		logs, err := Find(p)
		if err != nil || len(logs) != 1 {
			t.Fatalf("Find: %v", err)
		}
		l := logs[0]
		l.Prime(2)
		f, err := l.Open(Options{})
		if err != nil {
			t.Fatal(err)
		}
		from = f.Reader.src.memoFrom
		f.Close()
		m := l.memo.m
		m.mu.Lock()
		defer m.mu.Unlock()
		defer func() { *m.recBytes = 0 }()
		return m.recMade, len(m.chunks), from
	}
	allMade, chunks, from := made(1 << 30)
	if from != 0 || allMade != chunks {
		t.Fatalf("%s: unbounded, the prime kept %d of %d chunks (from record %d)", name, allMade, chunks, from)
	}
	fewMade, _, from := made(16 << 10)
	if from == 0 || fewMade == 0 || fewMade*2 > chunks {
		t.Fatalf("%s: bounded to 16 KiB, the prime kept %d of %d chunks (from record %d): the hint did not narrow it", name, fewMade, chunks, from)
	}
	t.Logf("%s: the prime made entries for %d of %d chunks (from record %d)", name, fewMade, chunks, from)
}

// biggestTestLog writes the largest of the test logs (by name among equals)
// to a temporary file and returns its name and the file's path.
func biggestTestLog(t *testing.T) (name, path string) {
	t.Helper()
	var b []byte
	for n, lb := range testLogs(t) {
		if len(lb) > len(b) || len(lb) == len(b) && n < name {
			name, b = n, lb
		}
	}
	path = filepath.Join(t.TempDir(), "big.evtx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return name, path
}
