package evtx

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"
)

// TestDamagedSizeField: a record one of whose two size copies is damaged
// (a byte of the header's size, or of the trailing copy, changed), the
// other agreeing with where the next record starts, is read as the bytes
// up to the next record, with a problem naming both sizes, as a record
// whose size fields are both 0 is; so is one whose signature is damaged,
// both size copies agreeing with it (a problem names the signature). It was not read: "1624 bytes ... hold
// no readable record (a record header claims 1703 bytes but the trailing
// size copy is 67110912: half written)", 650 of the log's 651 events. A
// window that excludes the record reports the same problem.
func TestDamagedSizeField(t *testing.T) {
	orig := readSample(t, "fukusuket__evtx-parser__samples__System.evtx")
	want := readBytes(t, orig, Options{})
	const rec = fileHeaderBlock + chunkHeaderSize // record 1
	size := int(binary.LittleEndian.Uint32(orig[rec+4:]))
	for _, c := range []struct {
		name, says string
		at         int
	}{
		{"header size", "one of them damaged)", rec + 4},
		{"trailing size copy", "one of them damaged)", rec + size - 4},
		{"signature", "the record signature is damaged (d5 2a 00 00)", rec},
	} {
		b := append([]byte(nil), orig...)
		b[c.at] ^= 0xff
		got := readBytes(t, b, Options{})
		if len(got.events) != len(want.events) {
			t.Errorf("%s damaged: %d events, want %d", c.name, len(got.events), len(want.events))
			continue
		}
		for i := range want.events {
			if g, w := fmt.Sprint(got.events[i].System, got.events[i].EventData), fmt.Sprint(want.events[i].System, want.events[i].EventData); g != w {
				t.Errorf("%s damaged: event %d is %s, want %s", c.name, i, g, w)
				break
			}
		}
		e := findErr(got.errs, ErrCorrupt, fmt.Sprintf("%s; read as the %d bytes up to the next record", c.says, size))
		if e == nil || e.Offset != rec || e.Record != 1 {
			t.Errorf("%s damaged: problems %v", c.name, got.errs)
		}
		win := readBytes(t, b, Options{Since: want.events[0].System.TimeCreated.Add(time.Hour * 24 * 365)})
		if fmt.Sprint(win.errs) != fmt.Sprint(got.errs) {
			t.Errorf("%s damaged: a window changes the problems reported:\n%v\n%v", c.name, win.errs, got.errs)
		}
	}
}
