package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// A System log whose chunk 1 has its second half overwritten by chunk 3's
// holds 65 records twice: in part in chunk 1 (whose templates they do not
// find) and in full in chunk 3. Before, dump's summary said "65 records
// decoded in part" and analyze's partial_records 65 (and "65 records
// decoded in part (template overwritten or damaged; not used as
// evidence)"), though every one of them is read in full and analyze's
// windows count each once, in full. Now both say 0, dump naming the 65
// copies in part of records held in full, with a window as without.
func TestPartialHeldInFullCountedAlike(t *testing.T) {
	b, err := os.ReadFile("../../testdata/evtx/omerbenamram__evtx__samples__system.evtx")
	if err != nil {
		t.Fatal(err)
	}
	evtxtest.OverwriteChunkHalf(b, 1, 3)
	dir := t.TempDir()
	p := filepath.Join(dir, "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{p}, {"--since", "2018-03-06T00:00:00Z", p}} {
		_, _, stderr := runDumpArgs(t, args...)
		if !strings.Contains(stderr, " events, 0 records decoded in part (and 65 copies decoded in part of records the file holds in full, counted once, in full),") {
			t.Errorf("dump %v: summary %q", args, strings.SplitN(stderr, "\n", 2)[0])
		}
	}
	_, out, stderr := runCmd("analyze", "--format", "json", dir)
	var r struct {
		Inputs []struct {
			Path     string   `json:"path"`
			Partial  int      `json:"partial_records"`
			Problems []string `json:"problems"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("analyze: %v\n%s", err, stderr)
	}
	if len(r.Inputs) != 1 || r.Inputs[0].Partial != 0 || strings.Contains(strings.Join(r.Inputs[0].Problems, "\n"), "decoded in part") {
		t.Errorf("analyze inputs: %+v; want partial_records 0 and no records decoded in part", r.Inputs)
	}
}

// TestQueryPartialHeldNotNamed: a copy in part of a record the file also
// holds in full (evtx.Reader.HeldInFull) is printed, as the stream meets
// it before the full copy can be known, and the note says so: the System
// log of TestPartialHeldInFullCountedAlike (65 such copies) prints, for
// every event, at most as many as the log before the overwrite held plus
// the copies the note says are also held in full, and the note never
// names them as records the query may select and did not print; with
// --no-skip and a time condition alike.
func TestQueryPartialHeldNotNamed(t *testing.T) {
	src := "../../testdata/evtx/omerbenamram__evtx__samples__system.evtx"
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	count := func(p string, args ...string) (int, string) {
		code, out, errOut := runCmd(append(append([]string{"query", "-f", "jsonl"}, args...), p)...)
		if code != exitOK {
			t.Fatalf("query %v %s: exit %d: %s", args, p, code, errOut)
		}
		return strings.Count(out, "\n"), errOut
	}
	evtxtest.OverwriteChunkHalf(b, 1, 3)
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{}, {"--no-skip"}, {"-q", "*[System[TimeCreated[@SystemTime >= '2018-03-06T00:00:00Z']]]"}, {"--no-skip", "-q", "*[System[TimeCreated[@SystemTime >= '2018-03-06T00:00:00Z']]]"}} {
		want, _ := count(src, args...)
		n, errOut := count(p, args...)
		if strings.Contains(errOut, "that the query may select") {
			t.Errorf("query %v: names copies in part of records held in full as not printed: %q", args, errOut)
		}
		// The overwritten half's own records are lost; the copies in
		// part of records held in full are printed twice, as said.
		twice := 0
		if m := regexp.MustCompile(`; (\d+) of them the file also holds decoded in full, printed from that copy too`).FindStringSubmatch(errOut); m != nil {
			twice, _ = strconv.Atoi(m[1])
		}
		if n == 0 || n > want+twice {
			t.Errorf("query %v: %d events printed, the log before the overwrite %d, %d said printed twice:\n%s", args, n, want, twice, errOut)
		}
	}
}
