package fleet_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
)

// TestRenamedHeadCopyAndTailExport: a renamed machine's System log given
// as a head copy (an older copy of the live log: its first records) and a
// tail export (Event Viewer's save of its newest records: renumbered from
// 1, header times 0), the two overlapping, is one machine whose System
// log has both copies, wherever the rename lies (in the head only, in
// the overlap, in the tail only) and whether an EventLog 6011 says it or
// only the Computer changes. The export shares no record header with the
// copy, only events (eventKey), and a log naming two hosts took no part
// in linking by events: the two logs stayed apart, and since they cover
// the same period with different records, they were two machines. Linked,
// their hosts' record numbers mix two numberings, which read as
// interleaved hosts (forwarded events) without a 6011.
func TestRenamedHeadCopyAndTailExport(t *testing.T) {
	live := systemLog("RDCB-OLD.contoso.com", t0, 1, 1) // 290 records
	n := len(live)
	headEnd, tailStart := n*6/10, n*4/10 // records [0, headEnd) and [tailStart, n)
	for _, c := range []struct {
		name   string
		rename int // the index of the first record of the new name
	}{
		{"in the head only", tailStart / 2},
		{"in the overlap", (tailStart + headEnd) / 2},
		{"in the tail only", (headEnd + n) / 2},
	} {
		for _, with6011 := range []bool{true, false} {
			name := fmt.Sprintf("%s, 6011 %v", c.name, with6011)
			evs := systemLog("RDCB-OLD.contoso.com", t0, 1, 1)
			for i, ev := range evs {
				if i >= c.rename {
					ev.System.Computer = "RDCB01.contoso.com"
				}
			}
			if with6011 {
				// The 6011 takes the place of a background event, so the
				// cut points stay.
				ren := evtxtest.EventLog6011(evs[c.rename].System.TimeCreated, "RDCB-OLD", "RDCB01")
				ren.System.Computer, ren.RecordID = evs[c.rename].System.Computer, evs[c.rename].RecordID
				evs[c.rename] = ren
			}
			tail := evtxtest.Exported(evs[tailStart:])
			for _, ev := range tail {
				ev.Written = evtxtest.NoTime
			}
			dir := t.TempDir()
			write(t, filepath.Join(dir, "head", "System.evtx"), evs[:headEnd])
			write(t, filepath.Join(dir, "tail", "System.evtx"), tail)
			ms := group(t, engine(t), dir)
			if len(ms) != 1 {
				t.Errorf("%s: machines %q, want one", name, labels(ms))
				for _, m := range ms {
					t.Logf("%s: %q", m.Label(), m.Grouping)
				}
				continue
			}
			m := ms[0]
			var sys *fleet.Log
			for _, l := range m.Logs {
				if l.Channel == "System" {
					sys = l
				}
			}
			var copies []string
			for _, c := range sys.Copies {
				copies = append(copies, filepath.Base(filepath.Dir(c.Path)))
			}
			slices.Sort(copies)
			if !slices.Equal(copies, []string{"head", "tail"}) || sys.Records != n {
				t.Errorf("%s: System copies %q, %d records, want head and tail, %d", name, copies, sys.Records, n)
			}
			// The rename's line gives no record numbers: the copies'
			// numberings differ, and spans mixing them would overlap.
			why := strings.Join(m.Grouping, "\n")
			if !strings.Contains(why, "a rename, one machine; its copies number its records differently") || strings.Contains(why, "(records ") {
				t.Errorf("%s: grouping %q", name, m.Grouping)
			}
			if m.Forwarded {
				t.Errorf("%s: taken for forwarded events", name)
			}
			if m.Name != "RDCB01.contoso.com" || !slices.Equal(m.Computers, []string{"RDCB-OLD.contoso.com", "RDCB01.contoso.com"}) {
				t.Errorf("%s: name %q, computers %q", name, m.Name, m.Computers)
			}
		}
	}
}
