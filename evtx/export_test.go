package evtx

// MemoSize returns the chunks l's memo holds.
func MemoSize(l *Log) int {
	if l.memo == nil || l.memo.m == nil {
		return 0
	}
	l.memo.m.mu.Lock()
	defer l.memo.m.mu.Unlock()
	return len(l.memo.m.chunks)
}

// MemoChunks returns the chunk reads l's memo has served so far.
func MemoChunks(l *Log) int {
	if l.memo == nil || l.memo.m == nil {
		return 0
	}
	return l.memo.m.served
}

// MemoRecordHits returns how many TimeCreated reads and summaries l's
// record memo served (recmemo.go).
func MemoRecordHits(l *Log) int {
	if l.memo == nil || l.memo.m == nil {
		return 0
	}
	l.memo.m.mu.Lock()
	defer l.memo.m.mu.Unlock()
	return l.memo.m.recHits
}

// SetRecordMemoOff turns the record memo off (on) and returns a function
// that restores it.
func SetRecordMemoOff(off bool) (restore func()) {
	old := recMemoOff
	recMemoOff = off
	return func() { recMemoOff = old }
}

// SetMaxRecMemoBytes bounds the record memos of all Logs to n bytes and
// returns a function that restores the bound. What Logs hold then is not
// counted against the bound (the test's Logs are dropped with it).
func SetMaxRecMemoBytes(n int64) (restore func()) {
	recMemoMu.Lock()
	oldMax, oldBytes := maxRecMemoBytes, recMemoBytes
	maxRecMemoBytes, recMemoBytes = n, 0
	recMemoMu.Unlock()
	return func() {
		recMemoMu.Lock()
		maxRecMemoBytes, recMemoBytes = oldMax, oldBytes
		recMemoMu.Unlock()
	}
}

// RaceEnabled tells the external tests that the race detector is on.
const RaceEnabled = raceEnabled

// TestLogs is testLogs for the external tests: every log of testdata/evtx
// and of the shared samples, by base name.
var TestLogs = testLogs

// MemoFirstChannel returns the first channel l's memo remembers, nil when
// none.
func MemoFirstChannel(l *Log) *string {
	if l.memo == nil || l.memo.m == nil {
		return nil
	}
	l.memo.m.mu.Lock()
	defer l.memo.m.mu.Unlock()
	return l.memo.m.firstChannel
}

// MemoWalks returns how many times WrittenEnds walked l's file with its
// memo.
func MemoWalks(l *Log) int {
	if l.memo == nil || l.memo.m == nil {
		return 0
	}
	l.memo.m.mu.Lock()
	defer l.memo.m.mu.Unlock()
	return l.memo.m.walks
}

// SetLostScanOff makes LostRecords walk the record headers (on) even after
// Next has read every chunk, and returns a function that restores it.
func SetLostScanOff(off bool) (restore func()) {
	old := lostScanOff
	lostScanOff = off
	return func() { lostScanOff = old }
}

// DamagedForTest is damaged: a copy of a log's first three chunks with
// bytes flipped all over their record areas.
var DamagedForTest = damaged

// SetMaxPending sets the events decoded in part a merged log holds
// (maxPending) and returns a function that restores it.
func SetMaxPending(n int) (restore func()) {
	old := maxPending
	maxPending = n
	return func() { maxPending = old }
}

// SetClaimHeldOff makes LostRecords read every chunk's header again (on)
// rather than take the claim the read noted, and returns a function that
// restores it.
func SetClaimHeldOff(off bool) (restore func()) {
	old := claimHeldOff
	claimHeldOff = off
	return func() { claimHeldOff = old }
}
