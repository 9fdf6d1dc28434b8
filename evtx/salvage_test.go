package evtx_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// damagedTemplateLog writes 40 records of one shape (one System template,
// defined inline by the first record and referenced by the others) and
// damages that template's definition with damage.
func damagedTemplateLog(t *testing.T, damage func(chunk []byte, def int)) []byte {
	t.Helper()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := 0; i < 40; i++ {
		evs = append(evs, evtxtest.Schannel36871(t0.Add(time.Duration(i)*time.Minute), uint32(10013+i)))
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := b[4096 : 4096+65536]
	// The first record's body: fragment header, then the template instance
	// (token, 1, template id, definition offset).
	body := 512 + 24
	if c[body+4] != 0x0c {
		t.Fatalf("no template instance at %#x", body+4)
	}
	def := int(binary.LittleEndian.Uint32(c[body+10:]))
	damage(c, def)
	return b
}

// oracleCounts runs the other parsers on file, each in its own process
// (the Velocidex parser dies of out-of-memory errors on damaged input,
// shared/crashers): how many events libevtx (evtxexport -f xml), python-evtx
// (records whose XML renders) and Velocidex (bench/depparse, under a 1 GiB
// address-space limit) read; -1 where a tool is not installed, 0 where it
// crashes.
func oracleCounts(t *testing.T, file string) map[string]int {
	t.Helper()
	m := map[string]int{"libevtx": -1, "python-evtx": -1, "velocidex": -1}
	if _, err := exec.LookPath("evtxexport"); err == nil {
		out, _ := exec.Command("evtxexport", "-f", "xml", file).Output()
		m["libevtx"] = bytes.Count(out, []byte("<Event "))
	}
	const py = "/usr/bin/python3"
	if exec.Command(py, "-c", "import Evtx.Evtx").Run() == nil {
		out, _ := exec.Command(py, "-c", `
import sys, Evtx.Evtx as E
n = 0
with E.Evtx(sys.argv[1]) as l:
    for r in l.records():
        try:
            r.xml(); n += 1
        except Exception:
            pass
print(n)`, file).Output()
		n, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err == nil {
			m["python-evtx"] = n
		} else {
			m["python-evtx"] = 0
		}
	}
	if dep := depparse(t); dep != "" {
		out, _ := exec.Command("sh", "-c", `ulimit -v 1048576; exec "$0" "$1"`, dep, file).Output()
		m["velocidex"] = 0
		for _, f := range strings.Fields(string(out)) {
			if v, ok := strings.CutPrefix(f, "records="); ok {
				m["velocidex"], _ = strconv.Atoi(v)
			}
		}
	}
	return m
}

var depparseOnce struct {
	sync.Once
	path string
}

// depparse builds bench/depparse once and returns its path ("" if it does
// not build).
func depparse(t *testing.T) string {
	depparseOnce.Do(func() {
		dir, err := os.MkdirTemp("", "depparse")
		if err != nil {
			return
		}
		p := filepath.Join(dir, "depparse")
		if out, err := exec.Command("go", "build", "-o", p, "../bench/depparse").CombinedOutput(); err != nil {
			t.Logf("go build bench/depparse: %v\n%s", err, out)
			return
		}
		depparseOnce.path = p
	})
	return depparseOnce.path
}

// TestSalvageDamagedTemplate damages the one template definition forty
// records use (its size field; one character of a name it defines) and
// requires every record to be yielded, flagged as partial and reported,
// with well-formed XML, at least as many as the Velocidex parser reads.
func TestSalvageDamagedTemplate(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(c []byte, def int)
	}{
		{"size", func(c []byte, def int) {
			le := binary.LittleEndian
			le.PutUint32(c[def+20:], le.Uint32(c[def+20:])+0x1000)
		}},
		{"size too small", func(c []byte, def int) {
			le := binary.LittleEndian
			le.PutUint32(c[def+20:], le.Uint32(c[def+20:])/2)
		}},
		{"name", func(c []byte, def int) {
			i := bytes.Index(c[def:], []byte("S\x00y\x00s\x00t\x00e\x00m\x00"))
			if i < 0 {
				panic("no System name")
			}
			c[def+i] = 'X'
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := damagedTemplateLog(t, c.damage)
			evs, st, errs := read(t, b, false)
			file := filepath.Join(t.TempDir(), "damaged.evtx")
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			oracles := oracleCounts(t, file)
			best := 0
			for _, n := range oracles {
				best = max(best, n)
			}
			full, partial := 0, 0
			for _, ev := range evs {
				checkWellFormed(t, ev)
				if ev.Partial != "" {
					partial++
				} else {
					full++
				}
				// A damaged size leaves the tokens whole: decoded in
				// full, flagged. A damaged name leaves the values.
				if c.name == "name" && len(ev.Unresolved) == 0 || c.name != "name" && (ev.System.EventID != 36871 || len(ev.Unresolved) != 0) {
					t.Errorf("record %d: event id %d, %d unresolved values: %s", ev.RecordID, ev.System.EventID, len(ev.Unresolved), ev.XML())
				}
			}
			reported := 0
			for _, e := range errs {
				if strings.Contains(e.Error(), "decoded in part") || strings.Contains(e.Error(), "damaged") {
					reported++
				}
			}
			t.Logf("%d events (%d full, %d partial), %d bad, %d reported; others read %v", len(evs), full, partial, st.BadRecords, reported, oracles)
			if len(evs) != 40 || len(evs) < best {
				t.Errorf("%d events, want 40 (others read %v)", len(evs), oracles)
			}
			if partial != 40 || reported != 40 {
				t.Errorf("%d flagged partial, %d reported; want 40 each", partial, reported)
			}
		})
	}
}
