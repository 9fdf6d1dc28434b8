package rules

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestClockChangeOfSummaryEqualsDecoded: the filter's fast path over a
// record's summary (clockChangeOfSummary), asked as the rules' Filter
// asks it (a summary whose TimeCreated was read cheaply), gives, for
// every record it answers (ok), what clockChangeOf gives for the record
// decoded, over every real log of testdata/evtx, a copy of each with
// bytes flipped all over its first chunks, and crafted logs of clock
// changes: intact, their template's data size field damaged (every
// record then decodes in full but Partial says so: clockChangeOf names
// no change), their template's id overwritten (the System part does not
// resolve), and flipped bytes.
//
// clockChangeOfSummary has no Partial check of its own, and needs none
// while this holds: a summary's TimeCreated is set only when the reader
// read it cheaply (evtx's leanHead: the record's definition intact, not
// damaged, the one the instance names; binXMLResolves: every BinXML
// value's the same), and Summary.Data reads only such records
// (leanElement), which are exactly the records whose decoding leaves
// Partial empty. The test fails if a cheap read comes to accept a record
// that decodes in part.
func TestClockChangeOfSummaryEqualsDecoded(t *testing.T) {
	logs := map[string][]byte{}
	paths, err := filepath.Glob("../testdata/evtx/*.evtx")
	if err != nil || len(paths) < 40 {
		t.Fatalf("%d logs: %v", len(paths), err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		logs[filepath.Base(p)] = b
		logs[filepath.Base(p)+" (bytes flipped)"] = flipBytes(b)
	}
	crafted := clockChangeLog(t)
	logs["crafted"] = crafted
	logs["crafted (bytes flipped)"] = flipBytes(crafted)
	sizeDamaged := bytes.Clone(crafted)
	def := firstDefinition(t, sizeDamaged)
	// The data size field says 64 bytes more than the tokens hold: the
	// definition is read from its tokens, flagged (Event.Partial).
	size := binary.LittleEndian.Uint32(sizeDamaged[def+20:])
	binary.LittleEndian.PutUint32(sizeDamaged[def+20:], size+64)
	evtxtest.SetChunkChecksums(sizeDamaged[4096 : 4096+65536])
	logs["crafted, template size field damaged"] = sizeDamaged
	idDamaged := bytes.Clone(crafted)
	binary.LittleEndian.PutUint32(idDamaged[def+4:], binary.LittleEndian.Uint32(idDamaged[def+4:])^0x5a5a)
	evtxtest.SetChunkChecksums(idDamaged[4096 : 4096+65536])
	logs["crafted, template id overwritten"] = idDamaged

	var answered, named, partial, partialCrafted int
	for name, b := range logs {
		type fast struct {
			c  *ClockChange
			ok bool
		}
		var mu sync.Mutex
		byRecord := map[uint64]fast{}
		o := evtx.Options{Workers: 1, MaxErrors: -1, Filter: func(s evtx.Summary) bool {
			if !s.TimeCreated.IsZero() && isClockChange(s.Provider, s.EventID) {
				c, ok := clockChangeOfSummary(s, false)
				mu.Lock()
				byRecord[s.RecordID] = fast{c, ok}
				mu.Unlock()
			}
			return true
		}}
		r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
		if err != nil {
			continue // not a log the reader opens: nothing to compare
		}
		for {
			ev, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !isClockChange(ev.System.Provider.Name, ev.System.EventID) {
				continue
			}
			if ev.Partial != "" {
				partial++
				if name == "crafted, template size field damaged" {
					partialCrafted++
				}
			}
			f, found := byRecord[ev.RecordID]
			if !found || !f.ok {
				continue // decoded by the caller: clockChangeOf judges it
			}
			answered++
			plain := clockChangeOf(ev, false)
			if plain != nil {
				named++
			}
			if describeChange(f.c) != describeChange(plain) {
				t.Errorf("%s, record %d (partial %q): summary %s, decoded %s", name, ev.RecordID, ev.Partial, describeChange(f.c), describeChange(plain))
			}
		}
	}
	// Crafted: 20 records, every one a change; omerbenamram's system.evtx
	// holds dozens.
	if answered < 40 || named < 20 || partialCrafted < 20 {
		t.Errorf("%d clock-change records answered from their summary, %d of them named, %d decoded in part (%d of the crafted, size-damaged log): the comparison proves little",
			answered, named, partial, partialCrafted)
	}
	t.Logf("%d logs: %d clock-change records answered from their summary, %d named; %d decoded in part", len(logs), answered, named, partial)
}

// describeChange is what a test compares of a change.
func describeChange(c *ClockChange) string {
	if c == nil {
		return "none"
	}
	return c.String() + " on " + c.computer + " at " + c.Record.String()
}

// clockChangeLog is a log of 20 Kernel-General 1 records, every one a
// change of an hour or more, alternately ahead and back.
func clockChangeLog(t *testing.T) []byte {
	t.Helper()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := range 20 {
		at := t0.Add(time.Duration(i) * 3 * time.Hour)
		old := at.Add(-time.Hour)
		if i%2 == 1 {
			old = at.Add(2 * time.Hour)
		}
		evs = append(evs, evtxtest.KernelGeneral1(old, at, 1, `C:\Windows\System32\svchost.exe`, 1212))
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstDefinition returns the file offset of the template definition the
// first record of log b's first chunk names (every record of
// clockChangeLog uses it).
func firstDefinition(t *testing.T, b []byte) int {
	t.Helper()
	c := b[4096 : 4096+65536]
	body := 512 + 24 // the first record's body: fragment header, instance
	if c[body+4] != 0x0c {
		t.Fatalf("no template instance at %#x", body+4)
	}
	return 4096 + int(binary.LittleEndian.Uint32(c[body+10:]))
}

// flipBytes returns a copy of log b's first three chunks with every 509th
// byte of their record areas flipped.
func flipBytes(b []byte) []byte {
	const head, chunk, chunkHead = 4096, 65536, 512
	d := bytes.Clone(b[:min(len(b), head+3*chunk)])
	for i := head; i < len(d); i += 509 {
		if (i-head)%chunk >= chunkHead {
			d[i] ^= 0x5a
		}
	}
	return d
}
