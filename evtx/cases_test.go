package evtx

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestGarbageSamples: the logs of shared/cases/CASES.md whose chunk slack
// holds records of another log (fakenevtx built them by copying chunks):
// libevtx, python-evtx and Velocidex read 1, 9 and 2 records. A plain read
// yields exactly those, none flagged, and counts the rest as stale; with
// Recover every slack record is yielded flagged, decoded in full (its own
// template resolves) or in part (its values, reported with its offset),
// and every element name of every event is an XML name.
func TestGarbageSamples(t *testing.T) {
	for _, c := range []struct {
		file     string
		live     int
		minStale int
		minFull  int // slack records decoded in full with Recover
	}{
		{"michkoll__fakenevtx__tests__data__Security_Single4688.evtx", 1, 130, 0},
		{"michkoll__fakenevtx__tests__data__ex_001.evtx", 9, 80, 0},
		{"michkoll__fakenevtx__usecases__Security_2.evtx", 2, 85, 0},
	} {
		t.Run(strings.TrimSuffix(c.file, ".evtx"), func(t *testing.T) {
			path := filepath.Join(realSamplesDir, c.file)
			evs, st := readFile(t, path, Options{Workers: 2})
			if len(evs) != c.live || st.Stale < c.minStale || st.Partial != 0 {
				t.Errorf("plain read: %d events (want %d), %d stale, %d partial", len(evs), c.live, st.Stale, st.Partial)
			}
			for _, ev := range evs {
				if ev.Recovered != "" || ev.Partial != "" {
					t.Errorf("record %d flagged %q %q in a plain read", ev.RecordID, ev.Recovered, ev.Partial)
				}
			}
			r, err := OpenOptions(path, Options{Workers: 2, Recover: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			all := readAll(t, r.Reader)
			reported := map[int64]bool{}
			for _, e := range r.Errors() {
				reported[e.Offset] = true
			}
			full, partial := 0, 0
			for _, ev := range all[c.live:] {
				if ev.Recovered != RecoveredSlack {
					t.Errorf("record %d after the current ones is not flagged slack", ev.RecordID)
				}
				if ev.Partial != "" {
					partial++
					if len(ev.Unresolved) == 0 || !reported[ev.Source.Offset] {
						t.Errorf("partial record %d: %d values, reported %v", ev.RecordID, len(ev.Unresolved), reported[ev.Source.Offset])
					}
				} else {
					full++
				}
			}
			for _, ev := range all {
				var walk func(e *Element)
				walk = func(e *Element) {
					if !isXMLName(e.Name) {
						t.Errorf("record %d: element name %q", ev.RecordID, e.Name)
					}
					for _, a := range e.Attrs {
						if !isXMLName(a.Name) {
							t.Errorf("record %d: attribute name %q", ev.RecordID, a.Name)
						}
					}
					for _, ch := range e.Children {
						walk(ch)
					}
				}
				walk(ev.Root)
			}
			st2 := r.Stats()
			if st2.SlackRead+st2.SlackUnreadable+st2.Duplicates != st.Stale {
				t.Errorf("Recover: %d read, %d unreadable, %d duplicates of %d stale; %d full", st2.SlackRead, st2.SlackUnreadable, st2.Duplicates, st.Stale, full)
			}
			t.Logf("%d current; slack %d: %d in full, %d partial, %d unreadable", c.live, st.Stale, full, partial, st2.SlackUnreadable)
		})
	}
}

// TestVSSRecord463403: the VSS RemoteConnectionManager sample's record
// 463403, a 1149 past the free space offset of chunk 4, whose nested
// (UserData) template was overwritten. The file is dirty and the record's
// id lies above its chunk header's last record id (422425): it is one of
// the log's newest records, not an old one, so the plain read yields it,
// with its System part decoded and its user, host and IP address as
// unresolved values, flagged as partial and reported; nowhere does it come
// as an empty <UserData/>.
func TestVSSRecord463403(t *testing.T) {
	path := filepath.Join(realSamplesDir, "omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx")
	r, err := OpenOptions(path, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got *Event
	for _, ev := range readAll(t, r.Reader) {
		if ev.RecordID == 463403 {
			got = ev
		}
	}
	if got == nil {
		t.Fatal("record 463403 not yielded")
	}
	if got.Recovered == RecoveredSlack {
		t.Error("record 463403 flagged as an old slack record")
	}
	var vals []string
	for _, v := range got.Unresolved {
		vals = append(vals, v.String())
	}
	if got.Partial == "" || got.System.EventID != 1149 ||
		strings.Join(vals, "|") != "Administrator|DESKTOP-1N4R894|31.14.75.59" {
		t.Errorf("record 463403: recovered %q partial %q event id %d values %q", got.Recovered, got.Partial, got.System.EventID, vals)
	}
	if !strings.Contains(got.XML(), "<UserData><Unresolved Template='0xc63ced8c'><Value Type='UnicodeString'>Administrator</Value>") {
		t.Errorf("XML: %s", got.XML())
	}
	found := false
	for _, e := range r.Errors() {
		found = found || e.Record == 463403 && e.Offset == got.Source.Offset && strings.Contains(e.Error(), "decoded in part")
	}
	if !found {
		t.Error("record 463403 not reported")
	}
}

func readFile(t *testing.T, path string, o Options) ([]*Event, Stats) {
	t.Helper()
	r, err := OpenOptions(path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	evs := readAll(t, r.Reader)
	return evs, r.Stats()
}

// TestDirtyChunkHeaderLags: in the dirty VSS RemoteConnectionManager
// sample, shadow-copy blocks of a newer use of a chunk lie past the free
// space offset of an older chunk header. Those records (ids above the chunk
// header's last record id, and the torn record whose old header id 442663
// precedes the body of EventRecordID 463139) are the log's newest and are
// read without Recover; in a cleanly closed file (the fakenevtx Security
// samples, whose log was cleared) higher ids past the free space offset are
// old and are not.
func TestDirtyChunkHeaderLags(t *testing.T) {
	path := filepath.Join(realSamplesDir, "omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx")
	evs, _ := readFile(t, path, Options{Workers: 2})
	ids := map[uint64]bool{}
	for _, ev := range evs {
		ids[ev.System.EventRecordID] = true
		if ev.Recovered == RecoveredSlack {
			t.Errorf("record %d flagged as slack in a plain read", ev.RecordID)
		}
	}
	for _, id := range []uint64{463046, 463076, 463139, 463140, 463394, 463433} {
		if !ids[id] {
			t.Errorf("EventRecordID %d not read", id)
		}
	}
	clean := filepath.Join(realSamplesDir, "michkoll__fakenevtx__tests__data__Security_Single4688.evtx")
	if evs, _ := readFile(t, clean, Options{Workers: 2}); len(evs) != 1 {
		t.Errorf("%s: %d events, want the 1 current record", filepath.Base(clean), len(evs))
	}
}
