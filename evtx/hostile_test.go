package evtx_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// hostileChildEnv names the file TestHostileChild reads when the test
// binary runs itself as a child process.
const hostileChildEnv = "EVTX_HOSTILE_FILE"

// TestHostileChild is the child side of TestHostileSetBounded: it reads
// one file with Recover, checks that every event renders as well-formed
// XML, and prints the counts. It does nothing in a normal test run.
func TestHostileChild(t *testing.T) {
	file := os.Getenv(hostileChildEnv)
	if file == "" {
		return
	}
	f, err := evtx.OpenOptions(file, evtx.Options{Recover: true})
	if err != nil {
		fmt.Printf("open-error %v\n", err)
		return
	}
	defer f.Close()
	defer printHWM()
	events, wellFormed := 0, 0
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		events++
		d := xml.NewDecoder(strings.NewReader(ev.XML()))
		d.Strict = true
		ok := true
		for {
			if _, err := d.Token(); err != nil {
				ok = err == io.EOF
				break
			}
		}
		if ok {
			wellFormed++
		}
	}
	fmt.Printf("events=%d wellformed=%d\n", events, wellFormed)
}

// TestHostileSetBounded reads every sample, the Velocidex crasher and the
// crafted damaged logs of these tests (damaged template size and name, old
// records of chunk slack) in a child process each, with Recover: none
// crashes, none takes more than a minute, none uses more than 512 MiB
// (peak resident set), and every event it yields is well-formed XML. On the
// crafted logs and the crasher it reads at least as many events as the best
// of libevtx, python-evtx and Velocidex (TestGolden compares the samples
// with their committed counts).
func TestHostileSetBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("one child process per file")
	}
	files, err := filepath.Glob("../testdata/evtx/*.evtx")
	if err != nil || len(files) < 49 {
		t.Fatalf("samples: %d %v", len(files), err)
	}
	dir := t.TempDir()
	crafted := map[string][]byte{
		"damaged-size.evtx": damagedTemplateLog(t, func(c []byte, def int) {
			le := binary.LittleEndian
			le.PutUint32(c[def+20:], le.Uint32(c[def+20:])+0x1000)
		}),
		"damaged-name.evtx": damagedTemplateLog(t, func(c []byte, def int) {
			c[def+bytes.Index(c[def:], []byte("S\x00y\x00s\x00t\x00e\x00m\x00"))] = 'X'
		}),
	}
	compare := map[string]bool{"velocidex-evtx-oom-crasher.evtx": true}
	for name, b := range crafted {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
		compare[name] = true
	}
	var peak int64
	for _, file := range files {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHostileChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), hostileChildEnv+"="+file)
		out, err := cmd.Output()
		cancel()
		name := filepath.Base(file)
		if err != nil {
			t.Errorf("%s: child: %v\n%s", name, err, out)
			continue
		}
		// The child's own peak (VmHWM, Linux); the rusage of a child
		// started by vfork also counts the parent's peak before exec.
		rss := maxRSS(cmd.ProcessState)
		if i := bytes.Index(out, []byte("hwm=")); i >= 0 {
			var kib int64
			if _, err := fmt.Sscanf(string(out[i:]), "hwm=%d", &kib); err == nil {
				rss = kib << 10
			}
		}
		peak = max(peak, rss)
		if rss > 512<<20 && !evtx.RaceEnabled { // the race detector's shadow memory is not ours
			t.Errorf("%s: peak RSS %d MiB", name, rss>>20)
		}
		var events, wellFormed int
		if _, err := fmt.Sscanf(string(out[bytes.Index(out, []byte("events=")):]), "events=%d wellformed=%d", &events, &wellFormed); err != nil {
			t.Errorf("%s: child said %q", name, out)
			continue
		}
		if wellFormed != events {
			t.Errorf("%s: %d of %d events not well-formed XML", name, events-wellFormed, events)
		}
		if compare[name] {
			others := oracleCounts(t, file)
			for who, n := range others {
				if events < n {
					t.Errorf("%s: we read %d events, %s %d", name, events, who, n)
				}
			}
			t.Logf("%s: %d events; others %v", name, events, others)
		}
	}
	t.Logf("%d files, peak RSS of a child %d MiB", len(files), peak>>20)
}

// printHWM prints the process's peak resident set ("hwm=KiB"), where the
// system says it (Linux /proc/self/status VmHWM).
func printHWM() {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			fmt.Printf("hwm=%s\n", strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
}
