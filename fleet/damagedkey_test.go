package fleet_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
)

// changeInRecord returns a copy of the log b (as evtxtest writes it) in
// whose record numbered rec the 8 bytes of the event equal to old (once
// there) are new, the chunk checksums made right: a byte changed in one
// field of the record before they were computed.
func changeInRecord(t *testing.T, b []byte, rec, old, new uint64) []byte {
	t.Helper()
	const hdr, size = 4096, 65536
	le := binary.LittleEndian
	d := bytes.Clone(b)
	for c := hdr; c+size <= len(d); c += size {
		ch := d[c : c+size]
		for o := 512; o+24 < len(ch) && bytes.Equal(ch[o:o+4], []byte("**\x00\x00")); o += int(le.Uint32(ch[o+4:])) {
			if le.Uint64(ch[o+8:]) != rec {
				continue
			}
			body := ch[o+24 : o+int(le.Uint32(ch[o+4:]))]
			v := le.AppendUint64(nil, old)
			i := bytes.Index(body, v)
			if i < 0 || bytes.Contains(body[i+1:], v) {
				t.Fatalf("record %d: %#x is not in its event once", rec, old)
			}
			le.PutUint64(body[i:], new)
			evtxtest.SetChunkChecksums(ch)
			return d
		}
	}
	t.Fatalf("no record %d", rec)
	return nil
}

// TestDamagedKeyCopyAddsNothing: a copy of a 50-record System log whose
// record 25 differs in a field of its key (EventRecordID 125, or
// TimeCreated 100 ns later, its chunk checksums right) or whose
// TimeCreated could not be read (a null substitution), its record number
// and header time the same. evtx.Merge reads it as one record (a
// conflict, or a duplicate), but grouping counted it as a record the copy
// adds: "51 records", "adds 1 of its 50 records". Now the log counts 50,
// the copy adds none, Copy.Differ is 1 and the grouping line says so,
// whichever copy is read first.
func TestDamagedKeyCopyAddsNothing(t *testing.T) {
	b, err := evtxtest.MinuteLog(50, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	var written uint64 // record 25's header time, its TimeCreated
	for o := 4096 + 2*65536 + 512; ; o += int(le.Uint32(b[o+4:])) {
		if le.Uint64(b[o+8:]) == 25 {
			written = le.Uint64(b[o+16:])
			break
		}
	}
	null, err := evtxtest.MinuteLog(50, evtxtest.Options{NoTimeCreated: func(i int, _ *evtx.Event) bool { return i == 24 }})
	if err != nil {
		t.Fatal(err)
	}
	eng := engine(t)
	for _, c := range []struct {
		name string
		d    []byte
	}{
		{"EventRecordID", changeInRecord(t, b, 25, 25, 125)},
		{"TimeCreated", changeInRecord(t, b, 25, written, written+1)},
		{"no TimeCreated", null},
	} {
		for _, damagedFirst := range []bool{false, true} {
			dir := t.TempDir()
			first, second := b, c.d
			if damagedFirst {
				first, second = c.d, b
			}
			a, d := writeLogFile(t, dir, "a", first), writeLogFile(t, dir, "b", second)
			for _, o := range []fleet.Options{{Channels: eng.Channels(), Accepts: eng.Accepts()}, {Channels: eng.Channels(), Accepts: eng.Accepts(), Period: 10 * 24 * time.Hour}} {
				m, l := groupCopies(t, c.name, o, a, d)
				if l.Records != 50 || l.Copies[0].Added != 50 || l.Copies[1].Added != 0 || l.Copies[1].Differ != 1 {
					t.Errorf("%s, damaged first %v, period %v: %d records, copies add %d and %d (%d differ); want 50, 50 and 0 (1)",
						c.name, damagedFirst, o.Period, l.Records, l.Copies[0].Added, l.Copies[1].Added, l.Copies[1].Differ)
				}
				said := false
				for _, g := range m.Grouping {
					said = said || strings.Contains(g, "adds none of its 50 records") && strings.Contains(g, "1 record an earlier copy holds with the same record number, header time and event but another EventRecordID or TimeCreated")
				}
				if !said {
					t.Errorf("%s, damaged first %v, period %v: grouping %q does not say the copy adds none and holds 1 record that differs", c.name, damagedFirst, o.Period, m.Grouping)
				}
			}
		}
	}
}
