package rules_test

import (
	"path/filepath"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// Two copies of a System log given to Analyze apart (not merged), one of
// whose Schannel 36871 has no TimeCreated read in the shadow copy (a null
// substitution): evtx.Merge takes it for a copy of the volume's record
// of the same channel, EventRecordID and content but for TimeCreated,
// one record (3 events in the window, no match without a TimeCreated),
// but rules matched copies by their whole identity only, so with the
// volume given first the record counted twice: 3 in the window and 1
// more among the matches without a TimeCreated (a caveat naming it),
// with shortcuts and without. Now the copy without a TimeCreated is
// counted once, from the volume, as merged.
func TestCopyWithoutTimeCreatedGivenApartCountsOnce(t *testing.T) {
	volume, shadow, piece := writeUntimedCopies(t)
	for plain, eng := range copiesEngines(t) {
		merged := analyzeMerged(t, eng, volume, shadow)
		if n, u := tlsFinding(t, merged).EvidenceCount, tlsHit(t, merged).Untimed; n != 3 || u != 0 {
			t.Fatalf("plain %v, merged: %d events, %d without TimeCreated; want 3 and 0", plain, n, u)
		}
		res := analyzeApart(t, eng, volume, shadow)
		if n, u := tlsFinding(t, res).EvidenceCount, tlsHit(t, res).Untimed; n != 3 || u != 0 {
			t.Errorf("plain %v, given apart: %d events, %d without TimeCreated; want 3 and 0, as merged", plain, n, u)
		}
		if in := res.Inputs[1]; in.CopyOf != res.Inputs[0].Path || in.SharedMatches < 3 {
			t.Errorf("plain %v, given apart: second input CopyOf %q, SharedMatches %d; want the first, at least 3", plain, in.CopyOf, in.SharedMatches)
		}
		res = analyzeApart(t, eng, volume, piece)
		if n, u := tlsFinding(t, res).EvidenceCount, tlsHit(t, res).Untimed; n != 3 || u != 0 {
			t.Errorf("plain %v, the record alone given apart: %d events, %d without TimeCreated; want 3 and 0", plain, n, u)
		}
		if in := res.Inputs[1]; in.CopyOf != res.Inputs[0].Path || in.SharedMatches != 1 {
			t.Errorf("plain %v, the record alone given apart: second input CopyOf %q, SharedMatches %d; want the first, 1", plain, in.CopyOf, in.SharedMatches)
		}
	}
}

// writeUntimedCopies writes a System log whose Schannel 36871 are its
// records 91, 96 and 99 as three copies: the volume's (volume), its shadow
// copy (shadow), in which record 96 has no TimeCreated (a null
// substitution), and a piece of the log holding that record alone, without
// its TimeCreated (piece): with shortcuts, the only record piece and
// volume share is the one without a TimeCreated.
func writeUntimedCopies(t *testing.T) (volume, shadow, piece string) {
	t.Helper()
	evs := copiesLog(90, 95, 98)
	dir := t.TempDir()
	volume, shadow, piece = filepath.Join(dir, "volume"), filepath.Join(dir, "shadow"), filepath.Join(dir, "piece")
	untimed := evtxtest.Options{NoTimeCreated: func(_ int, ev *evtx.Event) bool { return ev == evs[95] }}
	writeSystemLog(t, winevtLogs(volume), evs, evtxtest.Options{})
	writeSystemLog(t, winevtLogs(shadow), evs, untimed)
	writeSystemLog(t, piece, evs[95:96], untimed)
	return volume, shadow, piece
}
