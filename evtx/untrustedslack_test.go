package evtx

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// TestUntrustedChunkSlackStaysSlack: a dirty log's current chunk whose
// header checksums lag its records (the header CRC and records CRC
// wrong: its free space offset cannot be believed) holds its current
// records and, after them, what remains of an earlier use of the chunk,
// numbered lower. Those old records were read as current (25 records
// "decoded in part", their templates gone) and the lost run after record
// 1155 of the real VSS System sample shrank from 237 records to 133. A
// record numbered at or below one read before it in such a chunk is now
// slack: the damaged copy yields what the intact one does, with and
// without a window, and with Recover the old records flagged as slack.
func TestUntrustedChunkSlackStaysSlack(t *testing.T) {
	src, err := os.ReadFile("../testdata/evtx/omerbenamram__evtx__samples__2-vss_7-System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(src)
	const chunk12 = 4096 + 12*65536 // holds records 1418..1422, then slack from 1289 on
	copy(bad[chunk12+124:], []byte{0x11, 0x22, 0x33, 0x44})
	copy(bad[chunk12+52:], []byte{0x55, 0x66, 0x77, 0x88})
	type out struct {
		ids                   []uint64
		records, partial, old int
	}
	read := func(b []byte, o Options) out {
		r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
		if err != nil {
			t.Fatal(err)
		}
		var o2 out
		for _, ev := range readAll(t, r) {
			if ev.Recovered != "" {
				o2.old++
				continue
			}
			o2.ids = append(o2.ids, ev.RecordID)
		}
		st := r.Stats()
		o2.records, o2.partial = st.Records, st.Partial
		return o2
	}
	since := time.Date(2018, 8, 8, 0, 0, 0, 0, time.UTC) // chunk 12's records
	for _, o := range []Options{{Workers: 1}, {Workers: 4}, {Workers: 1, Recover: true}, {Workers: 1, Since: since}, {Workers: 2, Since: since, Recover: true}} {
		want, got := read(src, o), read(bad, o)
		if got.partial != want.partial || len(got.ids) != len(want.ids) || got.old != want.old {
			t.Errorf("%+v: damaged copy: %d current records, %d decoded in part, %d old; intact: %d, %d, %d",
				o, len(got.ids), got.partial, got.old, len(want.ids), want.partial, want.old)
			continue
		}
		for i := range want.ids {
			if got.ids[i] != want.ids[i] {
				t.Errorf("%+v: record %d: %d, intact %d", o, i, got.ids[i], want.ids[i])
				break
			}
		}
	}
}
