package rules

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestCutCopyIsNotChecked: a System log cut short (a copy or download
// that stopped, head -c 30000, a zip member cut short) lost its newest
// records, but its last readable record became "now", the window ended
// there and every rule without evidence was "not detected: System read
// and covers it", with only a caveat of 152 unreadable bytes: the two
// Schannel 36871 events of the log's last day were simply gone. The file
// header counts a chunk of 64 KiB that the file does not hold: the log's
// window end is not in this copy, so such rules are not checked, with the
// cut named. Cut at a chunk boundary (the header counts more chunks than
// the file holds) the same; whole, the log covers the window.
func TestCutCopyIsNotChecked(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(scenarioDir, "tls-36871-10013", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := os.ReadFile(filepath.Join(scenarioDir, "wrapped-full-log", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if h := rd.Header(); h.Dirty() || h.ChunkCount != 1 {
		t.Fatalf("tls-36871-10013's header: %+v, want clean, counting 1 chunk", h)
	}
	free := 4096 + int(binary.LittleEndian.Uint32(b[4096+48:]))
	e := builtinEngine(t, Options{})
	for _, c := range []struct {
		name string
		log  []byte
		want string // in the reason; "" for a log that covers the window
	}{
		{"inside a chunk", b[:30000], "is cut short: it ends after 30000 bytes, where its file header counts 1 chunk (69632 bytes)"},
		{"at a chunk boundary", w[:4096+4*65536], "is cut short: it ends after 266240 bytes, where its file header counts 5 chunks (331776 bytes)"},
		// In the free space of its only chunk, after its last record:
		// every record its headers count is in the copy
		// (CutLoss.Counted), but records written after those, in the
		// space or the chunks after the cut, are counted by no header a
		// copy cut short holds when its file header was copied before
		// they were written: whether the window's end is in the copy
		// cannot be told, and the caveat says so (it said "the records
		// after the cut are lost ... the newest", then the log was read
		// as whole, "not detected"). One byte short of the free space
		// offset, its last record is lost.
		{"in the free space of its last chunk", b[:free+100], "whether the cut lost any record cannot be told from this copy (the log had not wrapped: its first chunk holds record 1"},
		{"one byte before its last record ends", b[:free-1], "is cut short: it ends after " + strconv.Itoa(free-1) + " bytes, where its file header counts 1 chunk (69632 bytes); the records after the cut are lost, and they are the newest"},
		{"whole", b, ""},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "System.evtx"), c.log, 0o644); err != nil {
			t.Fatal(err)
		}
		f := finding(t, analyzePath(t, e, dir), "rdp-cert-private-key")
		why := strings.Join(f.Reasons, "\n")
		switch {
		case c.want == "" && f.Verdict != NotDetected:
			t.Errorf("%s: %s %q, want not detected", c.name, f.Verdict, f.Reasons)
		case c.want != "" && (f.Verdict != NotChecked || !strings.Contains(why, c.want)):
			t.Errorf("%s: %s %q, want not checked because %q", c.name, f.Verdict, f.Reasons, c.want)
		}
	}
}

// TestNewestChunkZeroedIsNotChecked: a System log whose newest chunk is
// zero (a crash, an unflushed shadow copy) lost its newest records as a
// copy cut short does, but the file is whole: its last readable record
// became "now" and the rules without evidence were "not detected: System
// read and covers it" (the public williballenthin system.evtx with its
// last chunk zeroed: reference time 2012-04-06T14:10:29Z, 36 hours before
// its true last record, nine rules not detected). The file header's next
// record id counts the records lost: such rules are not checked, naming
// them, and a warning says the reference time is not the last-written
// record's. The same log whole covers the window and warns of nothing.
func TestNewestChunkZeroedIsNotChecked(t *testing.T) {
	w, err := os.ReadFile(filepath.Join(scenarioDir, "wrapped-full-log", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	// The newest chunk: the one whose header's last record id is highest.
	newest, hi := -1, uint64(0)
	for i := 0; 4096+(i+1)*65536 <= len(w); i++ {
		c := w[4096+i*65536:]
		if string(c[:8]) != "ElfChnk\x00" {
			continue
		}
		if id := binary.LittleEndian.Uint64(c[32:]); id > hi {
			newest, hi = i, id
		}
	}
	if newest < 0 {
		t.Fatal("no chunk in the fixture")
	}
	zeroed := append([]byte(nil), w...)
	clear(zeroed[4096+newest*65536 : 4096+(newest+1)*65536])
	e := builtinEngine(t, Options{})
	for _, c := range []struct {
		name string
		log  []byte
		want string // in the reason and a warning; "" for a log that covers the window
	}{
		{"newest chunk zeroed", zeroed, "the newest the file holds (its file header counts records up to"},
		{"whole", w, ""},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "System.evtx"), c.log, 0o644); err != nil {
			t.Fatal(err)
		}
		res := analyzePath(t, e, dir)
		f := finding(t, res, "rdp-cert-private-key")
		why := strings.Join(f.Reasons, "\n")
		switch {
		case c.want == "" && f.Verdict != NotDetected:
			t.Errorf("%s: %s %q, want not detected", c.name, f.Verdict, f.Reasons)
		case c.want != "" && (f.Verdict != NotChecked || !strings.Contains(why, c.want)):
			t.Errorf("%s: %s %q, want not checked because %q", c.name, f.Verdict, f.Reasons, c.want)
		}
		warned := strings.Contains(strings.Join(res.Warnings, "\n"), "not of the last-written one")
		if warned != (c.want != "") {
			t.Errorf("%s: warning of the reference time %v, want %v: %q", c.name, warned, c.want != "", res.Warnings)
		}
	}
}

// TestCutCaveatSaysWhich: the caveat of a log cut short said "the records
// after the cut are lost (the newest, unless the log had wrapped around)"
// whatever the log. It now says which when the copy tells it (evtx's
// CutLoss): the wrapped scenario log cut after its fourth chunk lost old
// records 61 to 90, its newest chunk (slot 1) in the copy; cut inside its
// first chunk it lost the newest; a wrapped log whose dirty header lags
// cannot tell, and the caveat says so.
func TestCutCaveatSaysWhich(t *testing.T) {
	w, err := os.ReadFile(filepath.Join(scenarioDir, "wrapped-full-log", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := range 40 {
		ev := evtxtest.EventLog(t0.Add(time.Duration(i)*3*time.Hour), 6013)
		ev.RecordID = 501 + uint64(i)
		evs = append(evs, ev)
	}
	lagging, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 10, UndercountChunks: 2, Dirty: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		log  []byte
		want string
	}{
		{"old records", w[:4096+4*65536], "the records after the cut are lost, and they are old ones of a log that wrapped, records 61 to 90 (the log had wrapped: its chunks' record numbers fall back from 122 (chunk 1, the newest, before the cut) to 1 (chunk 2)): the newest records are in this copy"},
		{"newest", w[:70000], "the records after the cut are lost, and they are the newest (its file header counts records up to 122 written, and none after 120 is read), so the window's end may not be in this copy"},
		{"not known", lagging[:4096+3*65536+300], "any record after the cut is lost: whether they are the newest or old ones of a log that wrapped cannot be told from this copy (its chunks' record numbers rise from 501 to 530 at the cut"},
	} {
		for _, plain := range []bool{false, true} {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "System.evtx"), c.log, 0o644); err != nil {
				t.Fatal(err)
			}
			f := finding(t, analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain}), dir), "rdp-cert-private-key")
			if why := strings.Join(f.Reasons, "\n"); f.Verdict != NotChecked || !strings.Contains(why, c.want) {
				t.Errorf("%s, NoShortcuts %v: %s %q, want not checked because %q", c.name, plain, f.Verdict, f.Reasons, c.want)
			}
		}
	}
}
