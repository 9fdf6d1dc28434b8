package evtx_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// A merged log of two byte-identical copies of a damaged log counts what
// the log alone counts: each record once (an undecodable one too), each
// unreadable span and old record of chunk slack once, a record's copies inside the log
// as the log's own Reader counts them (Stats.Recovered and Stats.Partial
// count a duplicate where it lies). The damage: the second half of one
// chunk overwritten by another's, both ways (a copy taken while a chunk
// was rewritten), which puts copies of records, full and partial, inside
// one file.
func TestMergeOfCopiesCountsAsOne(t *testing.T) {
	const hdr, chunk = 4096, 65536
	n := 0
	for name, b := range sampleLogs(t) {
		if len(b) < hdr+2*chunk {
			continue
		}
		for _, way := range [][2]int{{0, 1}, {1, 0}} {
			d := bytes.Clone(b)
			dst, src := hdr+way[0]*chunk, hdr+way[1]*chunk
			copy(d[dst+chunk/2:dst+chunk], b[src+chunk/2:src+chunk])
			dir := t.TempDir()
			var parts []*evtx.Log
			for _, f := range []string{"a.evtx", "b.evtx"} {
				p := filepath.Join(dir, f)
				if err := os.WriteFile(p, d, 0o644); err != nil {
					t.Fatal(err)
				}
				ls, err := evtx.Find(p)
				if err != nil || len(ls) != 1 {
					t.Fatal(ls, err)
				}
				parts = append(parts, ls[0])
			}
			one := readAll(t, parts[0], evtx.Options{}).stats
			two := readAll(t, evtx.Merge(parts...), evtx.Options{}).stats
			if two.BadRecords != one.BadRecords || two.UnreadBytes != one.UnreadBytes || two.Stale != one.Stale {
				t.Errorf("%s (chunk %d's half over chunk %d's): merged copies: %d undecodable records, %d bytes unread, %d old records; the log alone %d, %d, %d",
					name, way[1], way[0], two.BadRecords, two.UnreadBytes, two.Stale, one.BadRecords, one.UnreadBytes, one.Stale)
			}
			if two.Records != one.Records || two.Recovered != one.Recovered || two.Partial != one.Partial {
				t.Errorf("%s (chunk %d's half over chunk %d's): merged copies: %d events, %d recovered, %d partial; the log alone %d, %d, %d (%d undecodable)",
					name, way[1], way[0], two.Records, two.Recovered, two.Partial, one.Records, one.Recovered, one.Partial, one.BadRecords)
			}
			// The file's own facts are the first file's; problems are
			// every file's (each names its file), and PartStats gives
			// each file's as read alone.
			if two.Chunks != one.Chunks || two.HeaderChunks != one.HeaderChunks || two.BadChunks != one.BadChunks ||
				two.Size != one.Size || two.Dirty != one.Dirty || two.Full != one.Full || two.Problems != 2*one.Problems {
				t.Errorf("%s (chunk %d's half over chunk %d's): merged copies: %d chunks, %d in header, %d damaged, %d bytes, %d problems; the log alone %d, %d, %d, %d, %d",
					name, way[1], way[0], two.Chunks, two.HeaderChunks, two.BadChunks, two.Size, two.Problems, one.Chunks, one.HeaderChunks, one.BadChunks, one.Size, one.Problems)
			}
			f, err := evtx.Merge(parts...).Open(evtx.Options{Since: one.LastCreated})
			if err != nil {
				t.Fatal(err)
			}
			for _, err := f.Next(); err == nil; _, err = f.Next() {
			}
			ps, ds, st := f.PartStats(), f.PartDamage(), f.Stats()
			f.Close()
			// The damage lies in the first copy, which the second copies
			// byte for byte: PartDamage gives it all to the first.
			if len(ds) != 2 || ds[0] != (evtx.Damage{BadChunks: st.BadChunks, BadRecords: st.BadRecords, UnreadBytes: st.UnreadBytes, Partial: st.Partial}) || ds[1] != (evtx.Damage{}) {
				t.Errorf("%s: PartDamage %+v, want all of the merged log's (%d bad chunks, %d undecodable, %d bytes unread, %d in part) in the first copy",
					name, ds, st.BadChunks, st.BadRecords, st.UnreadBytes, st.Partial)
			}
			if len(ps) != 2 || ps[0].Chunks != one.Chunks || ps[1].BadChunks != one.BadChunks || ps[1].Problems != one.Problems || ps[1].Duplicates != one.Duplicates {
				t.Errorf("%s: PartStats %+v, want two of %+v", name, ps, one)
			}
			if one.Duplicates > 0 {
				n++
			}
		}
	}
	if n < 5 {
		t.Fatalf("%d damaged copies hold duplicates: the test proves little", n)
	}
}
