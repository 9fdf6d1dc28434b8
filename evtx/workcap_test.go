package evtx

import "testing"

// TestTimePlanBudgetAtRecordID: when a record's work budget runs out
// exactly at its EventRecordID, readTime by the template's time plan
// (plannedTime) gives what the read keeping every value gives (its
// TimeCreated, no EventRecordID), with the same budgets: the plan must
// not call the record timeless there. The budget is made to run out there
// by capping it (workCap) at one unit less than the read spends, for every
// record of the samples whose EventRecordID is read cheaply; with the cap
// at what the read spends, the EventRecordID is still read.
func TestTimePlanBudgetAtRecordID(t *testing.T) {
	defer func() { workCap = 0 }()
	checked := 0
	for name, b := range testLogs(t) {
		for ci := 0; fileHeaderBlock+ci*chunkSize < len(b) && ci < 1; ci++ {
			base := fileHeaderBlock + ci*chunkSize
			c := b[base:min(len(b), base+chunkSize)]
			for _, sp := range recordSpans(c) {
				off, size := sp[0], sp[1]
				workCap = 0
				d := newChunkDecoder(c)
				rt, ok := d.readTime(off, size)
				if !ok || !rt.hasID {
					continue
				}
				used := 8*size + 1024 - d.budget
				if used < 2 {
					t.Fatalf("%s chunk %d record at %#x: readTime spent %d units, want at least the TimeCreated's and the EventRecordID's", name, ci, off, used)
				}
				workCap = used
				if got, gok := newChunkDecoder(c).readTime(off, size); viewOf(got) != viewOf(rt) || !gok {
					t.Fatalf("%s chunk %d record at %#x: with the budget it spends, readTime %v %v, want %v", name, ci, off, got, gok, rt)
				}
				workCap = used - 1
				pd := newChunkDecoder(c)
				planned, pok := pd.readTime(off, size)
				timePlanOff = true
				fd := newChunkDecoder(c)
				full, fok := fd.readTime(off, size)
				timePlanOff = false
				want := rtView{created: rt.time()}
				if viewOf(planned) != viewOf(full) || pok != fok || pd.budget != fd.budget {
					t.Fatalf("%s chunk %d record at %#x, budget out at the EventRecordID: by plan %v %v (budget %d), every value kept %v %v (budget %d)",
						name, ci, off, planned, pok, pd.budget, full, fok, fd.budget)
				}
				if !pok || viewOf(planned) != want {
					t.Fatalf("%s chunk %d record at %#x, budget out at the EventRecordID: readTime %v %v, want %v true", name, ci, off, planned, pok, want)
				}
				// And every other way checkCheapTime compares.
				checkCheapTime(t, name, c, off, size)
				checked++
			}
		}
	}
	if checked < 500 {
		t.Errorf("only %d records had their EventRecordID read cheaply", checked)
	}
	t.Logf("%d records read with the budget running out at their EventRecordID", checked)
}
