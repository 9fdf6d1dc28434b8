package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// A filtered export whose last record gives no time: its TimeCreated is
// FILETIME 0 and, as in every export, its record header time is 0. The
// other records hold two 36871 in the last day. Before, the log had no
// last-written record with a time, so the analysis had no reference time
// ("unknown ... give --at") and every rule was not checked, although 123
// records say when the machine last logged. Now the reference time is
// the TimeCreated of the last record written before it with one, a
// warning names both records, with shortcuts and without.
func TestReferenceTimeExportLastRecordUntimed(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	dir := writeSystem(t, evtxtest.ExportedLastUntimed(newest))
	var answers [2]string
	for i, plain := range []bool{false, true} {
		res := analyzeDir(t, dir, plain)
		answers[i] = answer(res)
		if want := newest.Add(-time.Hour); !res.ReferenceTime.Equal(want) || res.ReferenceRecord == nil || res.ReferenceRecord.EventRecordID != 48 {
			t.Errorf("plain %v: reference time %v from %+v, want %v (EventRecordID 48)", plain, res.ReferenceTime, res.ReferenceRecord, want)
		}
		for _, fd := range res.Findings {
			if fd.Rule.ID == "rdp-tls-disabled" && (fd.Verdict != "detected" || fd.EvidenceCount != 2) {
				t.Errorf("plain %v: rdp-tls-disabled %s with %d events, want detected with both 36871", plain, fd.Verdict, fd.EvidenceCount)
			}
		}
		if w := strings.Join(res.Warnings, "\n"); !strings.Contains(w, "(EventRecordID 49) gives no time") || !strings.Contains(w, "taken from EventRecordID 48,") {
			t.Errorf("plain %v: warnings %q; want one naming EventRecordID 49 and 48", plain, w)
		}
	}
	if answers[0] != answers[1] {
		t.Errorf("shortcuts change the answer:\n%s\n%s", answers[0], answers[1])
	}
}

// A live log (not an export) whose last-written record has a TimeCreated
// of FILETIME 0 but a record header time: the header time is when the
// record was written, not when its event happened, so it does not stand
// for "now"; the last record written before it with a TimeCreated does,
// as for an export's last record with header time 0, and the warning
// names both records and the header time left unused. Before, analyze
// and query took the header time (12:00) for "now" while dump --since 24h
// counted back from EventRecordID 48 (11:00).
func TestReferenceTimeHeaderTimeNotUsed(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-48*time.Hour), time.Hour, 48)
	last := evtxtest.Noise(newest, time.Hour, 1)[0]
	last.System.TimeCreated = evtx.FiletimeToTime(0)
	last.Written = newest
	dir := writeSystem(t, append(evs, last))
	for _, plain := range []bool{false, true} {
		res := analyzeDir(t, dir, plain)
		if want := newest.Add(-time.Hour); !res.ReferenceTime.Equal(want) || res.ReferenceRecord == nil || res.ReferenceRecord.EventRecordID != 48 {
			t.Errorf("plain %v: reference time %v from %+v, want %v (EventRecordID 48)", plain, res.ReferenceTime, res.ReferenceRecord, want)
		}
		if w := strings.Join(res.Warnings, "\n"); !strings.Contains(w, "(EventRecordID 49) gives no time (no TimeCreated, or one of FILETIME 0; its record header time, 2024-05-01T12:00:00.0000000Z, is when it was written, not when its event happened, and is not used): its time is taken from EventRecordID 48, the last record written before it with a TimeCreated (2024-05-01T11:00:00.0000000Z)") {
			t.Errorf("plain %v: warnings %q", plain, w)
		}
	}
}

// A log none of whose records has a TimeCreated gives no reference time,
// whatever its record header times say, and the warning says so, naming
// its last-written record. Before, its last record's header time was
// "now".
func TestReferenceTimeNoTimeCreated(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-2*time.Hour), time.Hour, 3)
	for _, ev := range evs {
		ev.Written = ev.System.TimeCreated
		ev.System.TimeCreated = evtx.FiletimeToTime(0)
	}
	dir := writeSystem(t, evs)
	for _, plain := range []bool{false, true} {
		res := analyzeDir(t, dir, plain)
		if !res.ReferenceTime.IsZero() || res.ReferenceRecord != nil {
			t.Errorf("plain %v: reference time %v from %+v, want none", plain, res.ReferenceTime, res.ReferenceRecord)
		}
		if w := strings.Join(res.Warnings, "\n"); !strings.Contains(w, "(EventRecordID 3) gives no time (no TimeCreated, or one of FILETIME 0; its record header time, 2024-05-01T12:00:00.0000000Z, is when it was written, not when its event happened, and is not used), nor does any record written before it: ") {
			t.Errorf("plain %v: warnings %q", plain, w)
		}
	}
}

// A live log whose last-written record has a TimeCreated taken for a
// cleared or damaged value: FILETIME 1 (100 ns after 1601), or the Unix epoch (1970), both
// before 1980 (evtx.MinUsableTime). Before, FILETIME 1 was "now": the
// reference time was 1601-01-01T00:00:00.0000001Z, every rule not
// checked ("the log starts ... 154616 days after the reference time"),
// the 36871 of 11:30 unseen. Now, as for FILETIME 0, the last record
// written before it with a usable TimeCreated gives "now", with
// shortcuts and without, and the warning names both records and says why
// the time is not used.
func TestReferenceTimeLastRecordImplausible(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, bad := range []time.Time{evtx.FiletimeToTime(1), time.Unix(0, 0), evtx.MinUsableTime.Add(-100)} {
		evs := evtxtest.Noise(newest.Add(-48*time.Hour), time.Hour, 48)
		evs = append(evs, evtxtest.Schannel36871(newest.Add(-30*time.Minute), 10))
		last := evtxtest.Noise(newest, time.Hour, 1)[0]
		last.System.TimeCreated = bad
		last.Written = newest
		dir := writeSystem(t, append(evs, last))
		var answers [2]string
		for i, plain := range []bool{false, true} {
			res := analyzeDir(t, dir, plain)
			answers[i] = answer(res)
			if want := newest.Add(-30 * time.Minute); !res.ReferenceTime.Equal(want) || res.ReferenceRecord == nil || res.ReferenceRecord.EventRecordID != 49 {
				t.Errorf("%v, plain %v: reference time %v from %+v, want %v (EventRecordID 49)", bad, plain, res.ReferenceTime, res.ReferenceRecord, want)
			}
			w := strings.Join(res.Warnings, "\n")
			if want := "(EventRecordID 50) gives no time (its TimeCreated, " + evtx.FormatTime(bad) + ", lies before 1980, taken for a cleared or damaged value): its time is taken from EventRecordID 49, the last record written before it with a TimeCreated (2024-05-01T11:30:00.0000000Z)"; !strings.Contains(w, want) {
				t.Errorf("%v, plain %v: warnings %q\nwant one with %q", bad, plain, w, want)
			}
			for _, fd := range res.Findings {
				if fd.Rule.ID == "rdp-tls-disabled" && fd.EvidenceCount != 1 {
					t.Errorf("%v, plain %v: rdp-tls-disabled %s with %d events, want the 36871", bad, plain, fd.Verdict, fd.EvidenceCount)
				}
			}
		}
		if answers[0] != answers[1] {
			t.Errorf("%v: shortcuts change the answer:\n%s\n%s", bad, answers[0], answers[1])
		}
	}
}
