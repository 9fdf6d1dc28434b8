package rules_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
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
	evs := copiesLog(time.Hour, 90, 95, 98)
	dir := t.TempDir()
	volume, shadow, piece = filepath.Join(dir, "volume"), filepath.Join(dir, "shadow"), filepath.Join(dir, "piece")
	untimed := evtxtest.Options{NoTimeCreated: func(_ int, ev *evtx.Event) bool { return ev == evs[95] }}
	writeSystemLog(t, winevtLogs(volume), evs, evtxtest.Options{})
	writeSystemLog(t, winevtLogs(shadow), evs, untimed)
	writeSystemLog(t, piece, evs[95:96], untimed)
	return volume, shadow, piece
}

// A record without a TimeCreated in one copy (the shadow copy's, or a
// piece of the log) counted once whatever the order the copies are given
// in: given before the volume's copy, which has its TimeCreated, it was
// counted from the earlier input among the matches without a TimeCreated
// (QueryHit.Untimed 1, a caveat saying so, Result.TimelineUntimed 1)
// while the volume's copy counted in the window too (3 events, as merged):
// of the 6 orders of volume, shadow and piece, the 4 that give the volume
// after another copy said so, with shortcuts and without, and the piece
// given before the volume alone. Now a record
// without a TimeCreated is set aside until every input is read and counted
// only when no other input gave a copy of it with one (evtx.Merge keeps
// that copy): every order gives the finding of the copies merged. Which
// file each listed event is read from is the first input's that holds it,
// so events are compared by what they are, not by file.
func TestCopyWithoutTimeCreatedAnyOrder(t *testing.T) {
	volume, shadow, piece := writeUntimedCopies(t)
	for plain, eng := range copiesEngines(t) {
		merged := analyzeMerged(t, eng, volume, shadow)
		want := tlsFinding(t, merged)
		if want.EvidenceCount != 3 || tlsHit(t, merged).Untimed != 0 {
			t.Fatalf("plain %v, merged: %d events, %d without TimeCreated; want 3 and 0", plain, want.EvidenceCount, tlsHit(t, merged).Untimed)
		}
		// The piece and volume alone share only the record without a
		// TimeCreated: with shortcuts, it alone makes the scan exact.
		var orders [][]string
		for _, set := range [][]string{{volume, shadow, piece}, {volume, piece}} {
			orders = append(orders, permutations(set)...)
		}
		for _, order := range orders {
			res := analyzeApart(t, eng, order...)
			names := make([]string, len(order))
			for i, p := range order {
				names[i] = filepath.Base(p)
			}
			if d := findingDiff(want, tlsFinding(t, res)); d != "" {
				t.Errorf("plain %v, %v given apart: %s, as merged", plain, names, d)
			}
			if res.TimelineUntimed != merged.TimelineUntimed {
				t.Errorf("plain %v, %v given apart: %d timeline events without TimeCreated, want %d as merged", plain, names, res.TimelineUntimed, merged.TimelineUntimed)
			}
			shared := 0
			for _, in := range res.Inputs {
				shared += in.SharedMatches
			}
			if want := 1 + 3*(len(order)-2); shared < want {
				t.Errorf("plain %v, %v given apart: %d matches shared in all, want at least %d (1 of the piece, 3 of the shadow copy)", plain, names, shared, want)
			}
		}
	}
}

// permutations returns every order of list.
func permutations(list []string) [][]string {
	if len(list) <= 1 {
		return [][]string{append([]string(nil), list...)}
	}
	var all [][]string
	for i := range list {
		rest := append(append([]string(nil), list[:i]...), list[i+1:]...)
		for _, p := range permutations(rest) {
			all = append(all, append([]string{list[i]}, p...))
		}
	}
	return all
}

// findingDiff says how got differs from want in its verdict, evidence
// count, caveats, hits and the events it lists (by what each event is,
// not the file it was read from), "" when it does not.
func findingDiff(want, got *rules.Finding) string {
	if got.Verdict != want.Verdict || got.EvidenceCount != want.EvidenceCount {
		return fmt.Sprintf("%s with %d events, want %s with %d", got.Verdict, got.EvidenceCount, want.Verdict, want.EvidenceCount)
	}
	if !slices.Equal(got.Caveats, want.Caveats) {
		return fmt.Sprintf("caveats %q, want %q", got.Caveats, want.Caveats)
	}
	if len(got.Hits) != len(want.Hits) {
		return fmt.Sprintf("%d hits, want %d", len(got.Hits), len(want.Hits))
	}
	for i, g := range got.Hits {
		w := want.Hits[i]
		if g.Query.ID != w.Query.ID || g.Count != w.Count || !g.First.Equal(w.First) || !g.Last.Equal(w.Last) ||
			g.BeforeCount != w.BeforeCount || g.AfterCount != w.AfterCount || g.Possible != w.Possible || g.Other != w.Other ||
			g.Untimed != w.Untimed || !sameEventRef(g.UntimedNewest, w.UntimedNewest) {
			return fmt.Sprintf("hit %s: %d in the window, %d without TimeCreated; want %s: %d and %d", g.Query.ID, g.Count, g.Untimed, w.Query.ID, w.Count, w.Untimed)
		}
	}
	if len(got.Evidence) != len(want.Evidence) {
		return fmt.Sprintf("%d events listed, want %d", len(got.Evidence), len(want.Evidence))
	}
	for i, g := range got.Evidence {
		if !sameEventRef(g, want.Evidence[i]) {
			return fmt.Sprintf("event %d listed is EventRecordID %d at %s, want %d at %s", i, g.EventRecordID, g.Time, want.Evidence[i].EventRecordID, want.Evidence[i].Time)
		}
	}
	return ""
}

// sameEventRef reports whether a and b name the same event (of one log,
// whichever copy of it each was read from).
func sameEventRef(a, b *rules.EventRef) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Query == b.Query && a.Channel == b.Channel && a.EventRecordID == b.EventRecordID && a.Time.Equal(b.Time) &&
		a.Provider == b.Provider && a.EventID == b.EventID && a.Computer == b.Computer && slices.Equal(a.Data, b.Data)
}

// A record without a TimeCreated in one copy whose copy with one lies
// outside the period the scan reads (a daily log of 100 days, its record
// 11 without a TimeCreated in the shadow copy): evtx.Merge yields the
// copy with a TimeCreated, in no window, and nothing without one; given
// apart, the scan never read that copy and counted the other among the
// matches without a TimeCreated (1, with its caveat and 1 in the
// timeline's), in either order, with shortcuts and without, and so did
// the record alone given with the volume. Now a record
// without a TimeCreated that no input gave with one among the records
// read is looked for in the other inputs of its channel, all their
// records, as Merge reads them.
func TestCopyWithoutTimeCreatedOutsideThePeriod(t *testing.T) {
	evs := copiesLog(24*time.Hour, 10, 97, 99)
	dir := t.TempDir()
	volume, shadow, piece := filepath.Join(dir, "volume"), filepath.Join(dir, "shadow"), filepath.Join(dir, "piece")
	untimed := evtxtest.Options{NoTimeCreated: func(_ int, ev *evtx.Event) bool { return ev == evs[10] }}
	writeSystemLog(t, winevtLogs(volume), evs, evtxtest.Options{})
	writeSystemLog(t, winevtLogs(shadow), evs, untimed)
	// The record alone: with shortcuts, no matched record of it and the
	// volume shares a key (the volume's copy is not read).
	writeSystemLog(t, piece, evs[10:11], untimed)
	for plain, eng := range copiesEngines(t) {
		merged := analyzeMerged(t, eng, volume, shadow)
		want := tlsFinding(t, merged)
		if tlsHit(t, merged).Untimed != 0 || tlsHit(t, analyzeApart(t, eng, shadow)).Untimed != 1 {
			t.Fatalf("plain %v: merged, %d without TimeCreated, want 0; the shadow copy alone %d, want 1", plain, tlsHit(t, merged).Untimed, tlsHit(t, analyzeApart(t, eng, shadow)).Untimed)
		}
		for _, order := range [][]string{{volume, shadow}, {shadow, volume}, {volume, piece}, {piece, volume}} {
			res := analyzeApart(t, eng, order...)
			name := filepath.Base(order[0]) + " and " + filepath.Base(order[1])
			if d := findingDiff(want, tlsFinding(t, res)); d != "" {
				t.Errorf("plain %v, %s given apart: %s, as merged", plain, name, d)
			}
			if res.TimelineUntimed != merged.TimelineUntimed {
				t.Errorf("plain %v, %s given apart: %d timeline events without TimeCreated, want %d as merged", plain, name, res.TimelineUntimed, merged.TimelineUntimed)
			}
			if in := res.Inputs[slices.Index(order, volume)^1]; in.CopyOf != res.Inputs[slices.Index(order, volume)].Path || in.SharedMatches < 1 {
				t.Errorf("plain %v, %s given apart: %s CopyOf %q, SharedMatches %d; want the volume's, at least 1", plain, name, in.Path, in.CopyOf, in.SharedMatches)
			}
		}
	}
}
