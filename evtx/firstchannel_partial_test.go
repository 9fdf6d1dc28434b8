package evtx_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestFirstChannelSkipsPartialFirstRecord: a System log saved as
// view.evtx whose first record was decoded in part (its template's field
// element name System overwritten in its chunk, where no other record
// lies: its values have no names, its channel is unknown) and whose other records are whole. FirstChannel said "" (the
// first event names no channel), so the log was taken for a log of the
// channel "view" no rule reads and was not read at all, its EventLog 6008
// unseen. The first event that names a channel tells it, in a file and in
// a zip member alike.
func TestFirstChannelSkipsPartialFirstRecord(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := append([]*evtx.Event{evtxtest.Schannel36871(at.Add(-3*time.Hour), 10013)}, evtxtest.Noise(at.Add(-2*time.Hour), time.Minute, 5)...)
	evs = append(evs, evtxtest.EventLog6008(at.Add(-time.Hour), "10:00:00", "5/1/2024"))
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 1})
	if err != nil {
		t.Fatal(err)
	}
	const chunk0 = 4096 + 512 // the first chunk's records and names
	i := bytes.Index(b[chunk0:chunk0+65536-512], []byte("S\x00y\x00s\x00t\x00e\x00m\x00"))
	if i < 0 {
		t.Fatal("no System name in the first chunk")
	}
	b[chunk0+i] = 'X'
	dir := t.TempDir()
	file := filepath.Join(dir, "view.evtx")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(dir, "logs.zip")
	if err := evtxtest.WriteZip(zipPath, map[string][]byte{"view.evtx": b}); err != nil {
		t.Fatal(err)
	}
	rd, err := evtx.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	first, err := rd.Next()
	rd.Close()
	if err != nil || first.Partial == "" || first.System.Channel != "" {
		t.Fatalf("the first record is not decoded in part without a channel: %v, %q, %q", err, first.Partial, first.System.Channel)
	}
	for _, p := range []string{file, zipPath} {
		logs, err := evtx.Find(p)
		if err != nil || len(logs) != 1 {
			t.Fatalf("Find(%s): %d logs, %v", p, len(logs), err)
		}
		for range 2 { // the answer remembered gives the same
			if ch, err := logs[0].FirstChannel(); ch != "System" || err != nil {
				t.Errorf("%s: FirstChannel %q, %v; want System", logs[0].Path, ch, err)
			}
		}
	}
}
