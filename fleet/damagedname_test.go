package fleet_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/fleet"
)

// twoFlips returns the System log of a Windows 10 machine
// (testdata/evtx's copy of omerbenamram/evtx's samples/2-vss_7-System.evtx)
// with two bits flipped in its chunk 0, as a damaged disk leaves them:
// byte 0x1669 0x53 -> 0x51 ("DESKTOP" reads "DEQKTOP" in the Computer
// value of a template) and byte 0x181e 0x8a -> 0xaa (a name hash, so
// that templates of the chunk do not resolve). The chunk's records
// checksum fails; its records name DEQKTOP-1N4R894 and DESKTOP-1N4R894
// interleaved.
func twoFlips(t *testing.T) (intact, damaged []byte) {
	t.Helper()
	b, err := os.ReadFile("../testdata/evtx/omerbenamram__evtx__samples__2-vss_7-System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	if b[0x1669] != 0x53 || b[0x181e] != 0x8a {
		t.Fatalf("the sample's bytes 0x1669, 0x181e are %#x, %#x, want 0x53, 0x8a", b[0x1669], b[0x181e])
	}
	d := bytes.Clone(b)
	d[0x1669], d[0x181e] = 0x51, 0xaa
	return b, d
}

// TestDamagedChunkNamesNoMachine: a Computer value that only records of
// a chunk whose checksum fails give does not make a log forwarded events
// or another machine; grouping says which records give it. Two bit flips
// in chunk 0 of a Windows 10 System log made it "forwarded events:
// DEQKTOP-1N4R894, DESKTOP-1N4R894", alone and beside its intact copy. A
// log whose intact records name two computers interleaved is still
// forwarded events, and so is one whose records name them in intact
// chunks while a damaged chunk names a third.
func TestDamagedChunkNamesNoMachine(t *testing.T) {
	eng := engine(t)
	intact, damaged := twoFlips(t)
	const name, flipped = "DESKTOP-1N4R894", "DEQKTOP-1N4R894"
	// The sample spans a month: grouped from the analysed period and
	// from every record, its copies count other records; each grouping
	// is checked.
	groupings := func(path string) map[string][]*fleet.Machine {
		t.Helper()
		units, probs, err := fleet.Find([]string{path})
		if err != nil || len(probs) > 0 {
			t.Fatalf("Find: %v %v", probs, err)
		}
		out := map[string][]*fleet.Machine{}
		for what, period := range map[string]time.Duration{"the analysed period": 10 * 24 * time.Hour, "every record": 0} {
			out[what] = fleet.Group(units, fleet.Options{Channels: eng.Channels(), Period: period, Accepts: eng.Accepts()})
		}
		return out
	}
	check1 := func(what string, ms []*fleet.Machine, damagedPath, n string) {
		t.Helper()
		if len(ms) != 1 {
			t.Fatalf("%s: machines %q, want one", what, labels(ms))
		}
		m := ms[0]
		if m.Forwarded || m.Name != name || !slices.Equal(m.Computers, []string{name}) {
			t.Errorf("%s: forwarded %v, name %q, computers %q; want %s alone", what, m.Forwarded, m.Name, m.Computers, name)
		}
		if damagedPath == "" {
			if len(m.DamagedNames) != 0 {
				t.Errorf("%s: damaged names %q, want none", what, m.DamagedNames)
			}
			return
		}
		if !slices.Equal(m.DamagedNames, []string{flipped}) {
			t.Errorf("%s: damaged names %q, want %s", what, m.DamagedNames, flipped)
		}
		want := regexp.MustCompile("(?m)^" + regexp.QuoteMeta(damagedPath) + ": " + n + ` records in damaged chunks \(their checksum fails\), record numbers 1 to 131, name ` + flipped + ", which no intact record names")
		if g := strings.Join(m.Grouping, "\n"); !want.MatchString(g) {
			t.Errorf("%s: grouping\n%s\nwant a line matching %s", what, g, want)
		}
	}
	check := func(what, path, damagedPath string) {
		t.Helper()
		// 97 of the records of the analysed period, 108 of all (11 have
		// a TimeCreated before it).
		n := map[string]string{"the analysed period": "97", "every record": "108"}
		for from, ms := range groupings(path) {
			check1(what+", from "+from, ms, damagedPath, n[from])
		}
	}

	dir := t.TempDir()
	alone := writeLogFile(t, dir, "alone", damaged)
	check("the damaged log", alone, filepath.Join(alone, "System.evtx"))
	whole := writeLogFile(t, dir, "intact", intact)
	check("the intact log", whole, "")
	// The damaged copy beside the intact one, read first or second.
	both := writeLogFile(t, dir, "both", damaged)
	if err := os.WriteFile(filepath.Join(both, "System-copy.evtx"), intact, 0o644); err != nil {
		t.Fatal(err)
	}
	check("the damaged copy beside the intact one", both, filepath.Join(both, "System.evtx"))
	both2 := writeLogFile(t, dir, "both2", intact)
	if err := os.WriteFile(filepath.Join(both2, "System-copy.evtx"), damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	check("the intact copy beside the damaged one", both2, filepath.Join(both2, "System-copy.evtx"))
}

// TestDamagedChunkKeepsForwarded: forwarded events stay forwarded events
// whatever a damaged chunk names. A log (evtxtest, 40 records a chunk)
// whose records name web01 and web02 in turn is forwarded events; with
// chunk 1's records naming sql01 alone, intact, it names three
// computers; with chunk 1's records checksum broken, sql01 is damage:
// two computers, still forwarded, sql01 a damaged name. A log naming x
// but in chunk 1, which names y, is forwarded events while that chunk is
// intact and x alone, y a damaged name, when its checksum fails.
func TestDamagedChunkKeepsForwarded(t *testing.T) {
	eng := engine(t)
	dir := t.TempDir()
	breakChunk1 := func(path string) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 4096+2*65536 {
			t.Fatalf("%s: %d bytes, want 2 chunks or more", path, len(b))
		}
		b[4096+65536+52] ^= 1 // the stored records checksum of chunk 1
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name      string
		names     func(i int) string
		broken    bool
		forwarded bool
		computers int
		damaged   []string
	}{
		{"two computers", func(i int) string { return []string{"web01", "web02"}[i%2] }, false, true, 2, nil},
		{"two computers, chunk 1 damaged", func(i int) string { return []string{"web01", "web02"}[i%2] }, true, true, 2, nil},
		{"three computers", func(i int) string {
			if i >= 40 && i < 80 {
				return "sql01"
			}
			return []string{"web01", "web02"}[i%2]
		}, false, true, 3, nil},
		{"two computers, sql01 in a damaged chunk", func(i int) string {
			if i >= 40 && i < 80 {
				return "sql01"
			}
			return []string{"web01", "web02"}[i%2]
		}, true, true, 2, []string{"sql01"}},
		{"y in chunk 1", func(i int) string {
			if i >= 40 && i < 80 {
				return "y"
			}
			return "x"
		}, false, true, 2, nil},
		{"y in a damaged chunk 1", func(i int) string {
			if i >= 40 && i < 80 {
				return "y"
			}
			return "x"
		}, true, false, 1, []string{"y"}},
	} {
		evs := systemLog("x", t0, 2, 1)
		for i, ev := range evs {
			ev.System.Computer = c.names(i)
		}
		d := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
		path := filepath.Join(d, "System.evtx")
		write(t, path, evs)
		if c.broken {
			breakChunk1(path)
		}
		m := oneMachine(t, group(t, eng, d))
		if m.Forwarded != c.forwarded || len(m.Computers) != c.computers || !slices.Equal(m.DamagedNames, c.damaged) {
			t.Errorf("%s: forwarded %v, computers %q, damaged names %q; want %v, %d, %q", c.name, m.Forwarded, m.Computers, m.DamagedNames, c.forwarded, c.computers, c.damaged)
		}
	}
}
