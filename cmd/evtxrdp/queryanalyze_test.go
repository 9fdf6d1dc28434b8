package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// TestQueryAnalyzeCountsAgree: for every log of testdata/evtx (the real
// samples, the crafted cases and scenarios), each read alone, the matches
// analyze counts in a rule's window for an evidence query that its XPath
// alone decides (no where, unless, attribution or subject; the rules'
// thresholds and unless_followed, which the judge applies to the counts
// afterwards, taken off) are the events query prints for that XPath and
// channel between the window's start and end (TimeCreated literals, both
// ends included). Neither counts a record decoded in part among them (the
// real RdpCoreTS sample's 140 of EventRecordID 6952156: query printed it,
// 63 against analyze's 62 in its last hour; now both name it apart).
func TestQueryAnalyzeCountsAgree(t *testing.T) {
	var paths []string
	err := filepath.WalkDir("../../testdata/evtx", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(strings.ToLower(p), ".evtx") {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil || len(paths) == 0 {
		t.Fatalf("no logs: %v", err)
	}
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		for _, q := range r.Queries {
			q.Threshold, q.UnlessFollowed = nil, nil
		}
	}
	e, err := rules.NewEngine(rs, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	compared, nonzero := 0, 0
	for _, p := range paths {
		logs, err := evtx.Find(p)
		if err != nil {
			continue
		}
		res, err := e.Analyze(logs)
		if err != nil || res.ReferenceTime.IsZero() || len(res.Inputs) != 1 || !res.Inputs[0].Decoded {
			continue
		}
		in := res.Inputs[0]
		done := map[string]bool{}
		for _, f := range res.Findings {
			for _, h := range f.Hits {
				q := h.Query
				if q.Role != rules.RoleEvidence || len(q.Where) > 0 || len(q.Unless) > 0 || q.Attribution != nil || q.Subject != nil || !in.Holds(q.Channel) {
					continue
				}
				inner, ok := strings.CutPrefix(q.XPath, "Event[")
				if !ok || !strings.HasSuffix(inner, "]") {
					t.Fatalf("%s: query %s: XPath %q not of the form Event[...]", f.Rule.ID, q.ID, q.XPath)
				}
				x := "Event[(" + strings.TrimSuffix(inner, "]") + ") and System[TimeCreated[@SystemTime >= '" +
					evtx.FormatEventTime(f.WindowStart) + "' and @SystemTime <= '" + evtx.FormatEventTime(f.WindowEnd) + "']]]"
				key := x + "\x00" + q.Channel
				if done[key] {
					continue
				}
				done[key] = true
				var errOut0 string
				for _, skip := range []string{"", "--no-skip"} {
					if skip != "" && h.Count == 0 && !strings.Contains(errOut0, "decoded in part") {
						break // the plain read too, where there is something to find
					}
					args := []string{"query", "-f", "jsonl", "--channel", q.Channel, "-q", x, p}
					if skip != "" {
						args = append(args, skip)
					}
					code, out, errOut := runCmd(args...)
					if skip == "" {
						errOut0 = errOut
					}
					if code != exitOK {
						t.Fatalf("%s: query %s: exit %d: %s", p, x, code, errOut)
					}
					// Printed records decoded in part (flagged
					// "partial", named on stderr) are not among
					// analyze's matches.
					n := 0
					for sc := bufio.NewScanner(strings.NewReader(out)); sc.Scan(); {
						if strings.TrimSpace(sc.Text()) != "" && !strings.Contains(sc.Text(), `"partial":`) {
							n++
						}
					}
					if n != h.Count {
						t.Errorf("%s: %s of %s in %s to %s: query %s prints %d, analyze counts %d (stderr %q)",
							p, q.ID, f.Rule.ID, evtx.FormatEventTime(f.WindowStart), evtx.FormatEventTime(f.WindowEnd), skip, n, h.Count, errOut)
					}
				}
				compared++
				if h.Count > 0 {
					nonzero++
				}
			}
		}
	}
	t.Logf("%d logs, %d query and window pairs compared, %d with matches", len(paths), compared, nonzero)
	if nonzero < 10 {
		t.Errorf("only %d pairs with matches compared", nonzero)
	}
}

// TestPartialRecordNamed: the real RdpCoreTS sample's 140 of EventRecordID
// 6952156, decoded in part in the brute-force window, is named by query
// (printed, flagged "partial", and named on stderr, whatever the format)
// and by analyze's report (the
// rdp-brute-force finding, text and JSON), so that a user can look at it
// with evtxrdp dump.
func TestPartialRecordNamed(t *testing.T) {
	p := "../../testdata/evtx/omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx"
	const name = "EventRecordID 6952156"
	for _, f := range []string{"jsonl", "xml", "text"} {
		code, out, errOut := runCmd("query", "-f", f, "-q", "Event[System[Provider[@Name='Microsoft-Windows-RemoteDesktopServices-RdpCoreTS'] and EventID=140 and TimeCreated[timediff(@SystemTime) <= 3600000]]]", p)
		if code != exitOK || !strings.Contains(errOut, "1 record printed was decoded in part (Microsoft-Windows-RemoteDesktopServices-RdpCoreTS 140 at 2018-08-07T19:30:22.1772226Z, "+name+", flagged \"partial\")") {
			t.Errorf("query -f %s: exit %d, stderr %q does not name the record decoded in part", f, code, errOut)
		}
		if f != "text" && !strings.Contains(out, "6952156") {
			t.Errorf("query -f %s did not print the record decoded in part", f)
		}
	}
	for _, f := range []string{"text", "json"} {
		_, out, _ := runCmd("analyze", "--format", f, p)
		i := strings.Index(out, "rdp-brute-force")
		if i < 0 || !strings.Contains(out[i:], name) {
			t.Errorf("analyze --format %s does not name %s after rdp-brute-force", f, name)
		}
	}
}

// TestPartialRecordWithoutSystemNamed: sample_with_a_bad_chunk_magic.evtx
// holds 82 records decoded in part whose System template did not resolve
// either (no provider, event id or TimeCreated), which the query "*"
// selects as read. The note named each " 0 at 0001-01-01T00:00:00..."
// (an empty provider, an event id and a TimeCreated never read) and said
// "their System part was read": neither is true of them. It names them
// as records with no System part read, says so, and keeps its wording
// for the RdpCoreTS sample, whose records decoded in part have their
// System part.
func TestPartialRecordWithoutSystemNamed(t *testing.T) {
	p := "../../testdata/evtx/omerbenamram__evtx__samples__sample_with_a_bad_chunk_magic.evtx"
	code, _, errOut := runCmd("query", "-f", "jsonl", p)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, bad := range []string{"0001-01-01", "their System part was read", " 0 at "} {
		if strings.Contains(errOut, bad) {
			t.Errorf("stderr says %q of records without a System part:\n%s", bad, errOut)
		}
	}
	for _, want := range []string{"82 records printed were decoded in part (the newest: no System part read, record 47613 (no EventRecordID read);",
		"not even their System part could be read (no provider, event id or TimeCreated)"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not say %q:\n%s", want, errOut)
		}
	}
	rdp := "../../testdata/evtx/omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx"
	_, _, errOut = runCmd("query", "-f", "jsonl", rdp)
	if !strings.Contains(errOut, "21 records printed were decoded in part (the newest: Microsoft-Windows-RemoteDesktopServices-RdpCoreTS 140 at 2018-08-07T19:30:22.1772226Z, EventRecordID 6952156;") ||
		!strings.Contains(errOut, "their System part was read, but their event data could not be read") {
		t.Errorf("RdpCoreTS sample's note changed:\n%s", errOut)
	}
}

// TestPartialRecordBeforeCountNamed: a log read as a stream (one log,
// oldest first) with --count stops after the N-th match; a record decoded
// in part that the query may select, read before it (between the printed
// matches), was then named nowhere: the note waits for the end of the
// read. It is named; one after the N-th match is not, and without records
// decoded in part the read still stops at the N-th match.
func TestPartialRecordBeforeCountNamed(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := 0; i < 6; i++ {
		ev := evtxtest.Schannel36871(at.Add(time.Duration(i)*time.Minute), 10013)
		if i == 1 || i == 4 {
			ev.EventData[1].Name = "Kaputt" // its template's name damaged below: decoded in part
		}
		evs = append(evs, ev)
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	name := []byte{}
	for _, r := range "Kaputt" {
		name = append(name, byte(r), 0)
	}
	n := 0
	for i := 0; ; {
		j := bytes.Index(b[i:], name)
		if j < 0 {
			break
		}
		// A name structure: offset, hash (2 bytes), length, then the
		// UTF-16 text; a wrong hash leaves the template unresolved.
		b[i+j-4] ^= 0xff
		i += j + len(name)
		n++
	}
	if n == 0 {
		t.Fatal("no name to damage")
	}
	evtxtest.SetChunkChecksums(b[4096 : 4096+65536]) // the damage is the template's, not the chunk's
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	q := "*[System[Provider[@Name='Schannel']]]"
	code, out, errOut := runCmd("query", "-f", "jsonl", "-q", q, p)
	if code != exitOK || strings.Count(out, "\n") != 6 || !strings.Contains(errOut, "2 records printed were decoded in part") {
		t.Fatalf("the test's log: exit %d, %d events printed, stderr:\n%s", code, strings.Count(out, "\n"), errOut)
	}
	code, out, errOut = runCmd("query", "-f", "jsonl", "-c", "2", "-q", q, p)
	if code != exitOK || strings.Count(out, "\n") != 2 {
		t.Fatalf("-c 2: exit %d, %d events printed", code, strings.Count(out, "\n"))
	}
	if !strings.Contains(errOut, "1 record printed was decoded in part (Schannel 36871 at 2024-05-01T10:01:00.0000000Z, EventRecordID 2,") {
		t.Errorf("-c 2 does not name the record decoded in part it printed:\n%s", errOut)
	}
	// A query on the event data refuses them as read: not printed, named.
	q = "*[System[Provider[@Name='Schannel']] and EventData[Data[@Name='Kaputt']='x']]"
	if code, out, errOut = runCmd("query", "-f", "jsonl", "-q", q, p); code != exitOK || out != "" || !strings.Contains(errOut, "2 records decoded in part (") || !strings.Contains(errOut, "that the query may select are not printed") {
		t.Errorf("a query on the event data: exit %d, printed %q, stderr:\n%s", code, out, errOut)
	}
}
