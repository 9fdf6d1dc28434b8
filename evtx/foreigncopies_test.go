package evtx_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// A log and its copy (a VSS copy beside it, the same file under two
// names in one machine's folder) read as one (Merge) that both hold
// another log's chunk counted that chunk in Stats.ForeignChunks once for
// each copy: one problem of the log reported as two. A chunk found in
// both copies is one foreign chunk, as its records are one set of old
// records (StaleOldChunks); two different foreign chunks, or one that a
// single copy holds, count as such.
func TestMergedCopiesCountForeignChunkOnce(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	other := foreignLog(t, "vm3.contoso.com", 1000, t0.Add(-2*time.Hour), evtxtest.Options{}, nil)
	clean := foreignLog(t, "vm1.contoso.com", 400, t0, evtxtest.Options{}, nil)
	// with puts the other log's chunk 9-i in slot slots[i]: records
	// numbered past the log's, not its own.
	with := func(slots ...int) []byte {
		b := append([]byte(nil), clean...)
		for i, s := range slots {
			copy(chunkOf(b, s), chunkOf(other, 9-i))
		}
		return b
	}
	// moved is with(2) holding the other log's chunk 8, not 9.
	moved := append([]byte(nil), clean...)
	copy(chunkOf(moved, 2), chunkOf(other, 8))
	for _, c := range []struct {
		name  string
		files [][]byte
		want  int
	}{
		{"one foreign chunk in both copies", [][]byte{with(1), with(1)}, 1},
		{"the same foreign chunk in three copies", [][]byte{with(1), with(1), with(1)}, 1},
		{"one foreign chunk in the copy alone", [][]byte{clean, with(1)}, 1},
		{"two foreign chunks in both copies", [][]byte{with(1, 2), with(1, 2)}, 2},
		{"one foreign chunk in two slots of the copies", [][]byte{with(1), with(2)}, 1},
		{"different foreign chunks in the two", [][]byte{with(1), moved}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var parts []*evtx.Log
			alone := 0
			for i, b := range c.files {
				p := filepath.Join(dir, string(rune('a'+i)), "System.evtx")
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
				ls, err := evtx.Find(p)
				if err != nil || len(ls) != 1 {
					t.Fatal(ls, err)
				}
				parts = append(parts, ls[0])
				alone = max(alone, readAll(t, ls[0], evtx.Options{}).stats.ForeignChunks)
			}
			if alone == 0 {
				t.Fatal("no copy has a foreign chunk read alone: the test proves nothing")
			}
			st := readAll(t, evtx.Merge(parts...), evtx.Options{}).stats
			if st.ForeignChunks != c.want {
				t.Errorf("merged copies: ForeignChunks %d, want %d (each copy alone: at most %d)", st.ForeignChunks, c.want, alone)
			}
		})
	}
}
