package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestDamagedChunkNameNoRename: a Computer value that only records of a
// chunk whose checksum fails give is damage, as grouping takes it
// (fleet's Machine.DamagedNames), not a rename nor a second computer of
// the rules' per-computer judgement. A SessionBroker-Client log of 48
// RDSH01 records, 16 a chunk, with the records of one chunk naming
// RDSHO1 (a bit flip) and that chunk's records checksum broken: the
// damage in the last chunk read as a rename (corroboration, detected),
// in the middle chunk as forwarded events (a caveat naming two computers
// interleaved). The finding says instead which records gave the name.
// The same chunk intact still reads as a rename and as forwarded events.
func TestDamagedChunkNameNoRename(t *testing.T) {
	const host, flipped = "RDSH01.contoso.com", "RDSHO1.contoso.com"
	for _, c := range []struct {
		name   string
		chunk  int
		broken bool
		// want: "rename", "forwarded" or "damage"
		want string
	}{
		{"last chunk damaged", 2, true, "damage"},
		{"middle chunk damaged", 1, true, "damage"},
		{"last chunk intact", 2, false, "rename"},
		{"middle chunk intact", 1, false, "forwarded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var evs []*evtx.Event
			for i := range 48 {
				ev := evtxtest.SessionBrokerClient1296(t0.Add(-time.Duration(47-i)*time.Hour), "CONTOSO", "alice", "Remote Desktop Connection Broker is not ready for RPC communication.")
				ev.System.Computer = host
				if i/16 == c.chunk {
					ev.System.Computer = flipped
				}
				evs = append(evs, ev)
			}
			path := filepath.Join(dir, "Microsoft-Windows-TerminalServices-SessionBroker-Client%4Operational.evtx")
			if err := evtxtest.WriteFile(path, evs, evtxtest.Options{MaxRecordsPerChunk: 16}); err != nil {
				t.Fatal(err)
			}
			if c.broken {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				b[4096+c.chunk*65536+52] ^= 1 // the chunk's stored records checksum
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f := finding(t, analyzePath(t, builtinEngine(t, Options{}), dir), "rdp-broker-renamed")
			// Decoding every record (no pre-filter: every name comes
			// from an event, none from a summary) gives the same.
			plain := finding(t, analyzePath(t, builtinEngine(t, Options{NoShortcuts: true}), dir), "rdp-broker-renamed")
			if f.Verdict != plain.Verdict || strings.Join(f.Caveats, "\n") != strings.Join(plain.Caveats, "\n") || len(f.Corroboration) != len(plain.Corroboration) {
				t.Errorf("shortcuts: %s %q %d; without: %s %q %d", f.Verdict, f.Caveats, len(f.Corroboration), plain.Verdict, plain.Caveats, len(plain.Corroboration))
			}
			var corro []string
			for _, x := range f.Corroboration {
				corro = append(corro, x.Text)
			}
			caveats := strings.Join(f.Caveats, "\n")
			renamed := strings.Contains(strings.Join(corro, "\n"), "changes:")
			forwarded := strings.Contains(caveats, "interleaved")
			damage := strings.Contains(caveats, "records in damaged chunks") && strings.Contains(caveats, flipped)
			switch c.want {
			case "rename":
				if !renamed || forwarded || damage || f.Verdict != Detected {
					t.Errorf("verdict %s, corroboration %q, caveats %q; want detected by a rename", f.Verdict, corro, f.Caveats)
				}
			case "forwarded":
				if renamed || !forwarded || damage {
					t.Errorf("verdict %s, corroboration %q, caveats %q; want forwarded events", f.Verdict, corro, f.Caveats)
				}
			case "damage":
				if renamed || forwarded || !damage || f.Verdict == Detected {
					t.Errorf("verdict %s, corroboration %q, caveats %q; want no rename, no forwarded events, and a caveat naming %s as damage", f.Verdict, corro, f.Caveats, flipped)
				}
				want := "records in damaged chunks (their checksum fails), record numbers " + map[int]string{1: "17 to 32", 2: "33 to 48"}[c.chunk]
				if !strings.Contains(caveats, want) {
					t.Errorf("caveats %q: want %q", f.Caveats, want)
				}
			}
		})
	}
}
