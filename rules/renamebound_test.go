package rules

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// A log of many renames (EventLog 6011: a hostile log, or a machine
// renamed in a loop) kept every 6011 in the renameSet, and same walked
// the whole list for each name it reached: memory and time grew with the
// log. Now each rename (old and new name) is kept once, at its
// first-written record, and at most maxRenames of them; the records of
// the others are counted, and a gap whose two names no kept rename links
// says how many were not read. With shortcuts and without alike.
func TestRenamesBounded(t *testing.T) {
	defer func(n int) { maxRenames = n }(maxRenames)
	maxRenames = 16
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	name := func(i int) string { return fmt.Sprintf("HOST%03d", i) }
	var evs []*evtx.Event
	// HOST000 -> HOST001 written three times (first at record 1), then a
	// chain HOST001 -> HOST002 -> ... -> HOST040: 40 distinct renames in
	// 42 records, of which the first 16 distinct are kept.
	for k := range 3 {
		evs = append(evs, evtxtest.EventLog6011(t0.Add(time.Duration(k)*time.Minute), name(0), name(1)))
	}
	for i := 1; i < 40; i++ {
		evs = append(evs, evtxtest.EventLog6011(t0.Add(time.Duration(i)*time.Hour), name(i), name(i+1)))
	}
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find(dir)
	if err != nil || len(logs) != 1 {
		t.Fatalf("%v %v", logs, err)
	}
	for _, plain := range []bool{false, true} {
		rs, err := readRenames(logs[0], evtx.Options{}, plain)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs.list) != 16 || rs.omitted != 40-16 {
			t.Errorf("plain %v: %d renames kept, %d records omitted; want 16 and 24", plain, len(rs.list), rs.omitted)
			continue
		}
		if r := rs.list[0]; r.names != [2]string{name(0), name(1)} || r.record.EventRecordID != 1 {
			t.Errorf("plain %v: first rename %v at %v, want HOST000 to HOST001 at EventRecordID 1", plain, r.names, r.record)
		}
		// Linked through kept renames: HOST000 .. HOST016.
		if same, via := rs.same(name(0), name(16)); !same || len(via) != 16 {
			t.Errorf("plain %v: HOST000 and HOST016 same %v via %d renames, want true via 16", plain, same, len(via))
		}
		// HOST017 onwards lies past the kept renames: not linked, and a
		// gap between the two names says the renames not read.
		if same, _ := rs.same(name(0), name(30)); same {
			t.Errorf("plain %v: HOST000 and HOST030 linked through renames not kept", plain)
		}
		g := &TimeGap{renames: rs}
		g.computers = [2]string{name(0), name(30)}
		want := "among the 16 renames read (the first 16 distinct in the order read; 24 more EventLog 6011 records, of other renames, were not read)"
		if txt := g.namesText(); !strings.Contains(txt, want) {
			t.Errorf("plain %v: gap text %q, want it to say %q", plain, txt, want)
		}
	}
}
