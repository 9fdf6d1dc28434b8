package rules

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestPartialCopyInFileCountsOnceInWindow: a log whose chunk 1 has its
// second half overwritten by chunk 3's (a copy taken while a chunk was
// rewritten) holds 65 of chunk 3's records twice: decoded in part in
// chunk 1, whose templates they do not find, and in full in chunk 3. The
// reader yields both; a rule's window counted each twice, once in part
// (65 of the window's records 'decoded in part' though every one is read
// in full), without shortcuts (with them the window held 71 records, none
// in part: the shortcut changed the answer). Each counts once now, in
// full, with shortcuts and without:
// the window's records are the distinct records of a plain read whose
// time lies in it, and none of them is in part.
func TestPartialCopyInFileCountsOnceInWindow(t *testing.T) {
	b, err := os.ReadFile("../testdata/evtx/omerbenamram__evtx__samples__system.evtx")
	if err != nil {
		t.Fatal(err)
	}
	evtxtest.OverwriteChunkHalf(b, 1, 3)
	dir := t.TempDir()
	p := filepath.Join(dir, "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// A plain read: the records in part, each with a copy in full, and
	// the time of the newest of them, where the window is put.
	f, err := evtx.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		id uint64
		w  int64
	}
	full := map[key]time.Time{}
	var parts []key
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		k := key{ev.RecordID, ev.Written.UnixNano()}
		if ev.Partial != "" {
			parts = append(parts, k)
		} else {
			full[k] = eventTime(ev)
		}
	}
	f.Close()
	var at time.Time
	for _, k := range parts {
		if tf, ok := full[k]; !ok {
			t.Fatalf("record %d decoded in part has no copy in full", k.id)
		} else if tf.After(at) {
			at = tf
		}
	}
	if len(parts) < 50 {
		t.Fatalf("%d records in part: the copy proves little", len(parts))
	}
	want := 0
	for _, tf := range full {
		if !tf.Before(at.Add(-24*time.Hour)) && !tf.After(at) {
			want++
		}
	}
	for _, plain := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain, At: at}), dir)
		in := res.Inputs[0]
		n, pn, ok := in.inWindow(at.Add(-24 * time.Hour))
		if !ok || n != want || pn != 0 {
			t.Errorf("NoShortcuts %v: 24-hour window: %d records, %d in part (ok %v); want the %d distinct records, none in part (%d in part, each with a copy in full)",
				plain, n, pn, ok, want, len(parts))
		}
	}
}
