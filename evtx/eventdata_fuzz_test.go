package evtx

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// FuzzEventData: on any chunk, eventData never panics, and where it
// answers for a record that decodes in full, it gives what Event.Data
// gives for every field name of the decoded event and for a name the
// event does not have.
func FuzzEventData(f *testing.F) {
	addSummaryFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, chunk []byte) {
		if len(chunk) > chunkSize {
			chunk = chunk[:chunkSize]
		}
		for off := 512; off+28 <= len(chunk); {
			size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
			if size < 28 || size > len(chunk)-off {
				break
			}
			ev, err := decodeSafely(newChunkDecoder(chunk), off, size)
			names := []string{"", "NoSuchField"}
			if err == nil {
				for _, fd := range ev.EventData {
					names = append(names, fd.Name)
				}
			}
			d := newChunkDecoder(chunk)
			for _, n := range names {
				v, found, ok := d.eventData(off, size, n)
				if !ok || err != nil || ev.Partial != "" {
					continue
				}
				want, wantFound := ev.Data(n)
				if found != wantFound || !reflect.DeepEqual(v, want) {
					t.Fatalf("record at %#x: Data(%q) = %#v, %v; decoded %#v, %v", off, n, v, found, want, wantFound)
				}
			}
			off += size
		}
	})
}
