package evtx_test

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestLostLeavesOutSlackRecords: a record the file holds as an old record
// (chunk slack) is in the file, so it is not counted lost. The shadow copy
// 2-vss_0-...RdpCoreTS%4Operational.evtx holds in chunk 7's slack the
// last records of that chunk's earlier use, 6950920 to 6950997, 73 of
// which decode (Options.Recover yields them), inside the run 6914519 to
// 6950997 that no current record holds: LostRecords counted all 36,479
// numbers lost; now 36,401, the other 78 (every intact record header,
// decodable or not) in LostSpan.Slack. On every sample, each record
// Options.Recover yields from chunk slack whose number lies in a run
// counts in that run's Slack, and Count and Slack make up the run.
func TestLostLeavesOutSlackRecords(t *testing.T) {
	checked := 0
	for name, b := range sampleLogs(t) {
		rd, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Recover: true, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		var old []uint64
		for {
			ev, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.Recovered != "" {
				old = append(old, ev.RecordID)
			}
		}
		lost := rd.LostRecords()
		rd.Close()
		for _, l := range lost {
			seen := map[uint64]bool{}
			for _, id := range old {
				if id > l.AfterID && id < l.BeforeID {
					seen[id] = true
				}
			}
			if uint64(len(seen)) > l.Slack {
				t.Errorf("%s: run %d..%d: %d old records in it read with Recover, Slack %d", name, l.AfterID+1, l.BeforeID-1, len(seen), l.Slack)
			}
			if l.Count()+l.Slack != l.BeforeID-l.AfterID-1 {
				t.Errorf("%s: run %d..%d: Count %d + Slack %d", name, l.AfterID+1, l.BeforeID-1, l.Count(), l.Slack)
			}
			if len(seen) > 0 {
				checked++
			}
		}
		if filepath.Base(name) != "omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx" {
			continue
		}
		found := false
		for _, l := range lost {
			if l.AfterID == 6914518 && l.BeforeID == 6950998 {
				found = true
				if l.Count() != 36401 || l.Slack != 78 {
					t.Errorf("%s: run 6914519..6950997: Count %d, Slack %d; want 36401, 78", name, l.Count(), l.Slack)
				}
			}
		}
		if !found {
			t.Errorf("%s: no run 6914519..6950997 in %+v", name, lost)
		}
	}
	if checked == 0 {
		t.Fatal("no sample held old records inside a lost run: the test checks nothing")
	}
}
