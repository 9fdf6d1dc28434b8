package fleet

import (
	"encoding/binary"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestSummaryKeyIsFNV: recordKey and eventKey, which hash without
// allocating, give hash/fnv's FNV-1a of the bytes their doc comment
// names.
func TestSummaryKeyIsFNV(t *testing.T) {
	ss := []evtx.Summary{
		{},
		{Provider: "Microsoft-Windows-TerminalServices-RemoteConnectionManager", EventID: 1149, Computer: "VM-01.contoso.com", RecordID: 42, EventRecordID: 41,
			Written: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), TimeCreated: time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)},
		{Provider: "Schannel", EventID: 36871, Computer: "ÄÖÜ-サーバー", RecordID: 0xfedcba9876543210,
			Written: time.Unix(0, -1), TimeCreated: time.Unix(1<<33, 12345)},
	}
	for _, ch := range []string{"", "System", "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational"} {
		for _, s := range ss {
			fnvOf := func(fixed ...any) uint64 {
				h := fnv.New64a()
				for _, x := range []string{strings.ToLower(ch), s.Provider, s.Computer} {
					h.Write([]byte(x))
					h.Write([]byte{0})
				}
				for _, f := range fixed {
					if err := binary.Write(h, binary.LittleEndian, f); err != nil {
						t.Fatal(err)
					}
				}
				return h.Sum64()
			}
			lower := strings.ToLower(ch)
			id := s.EventRecordID
			if id == 0 {
				id = s.RecordID
			}
			if got, want := recordKey(lower, s), fnvOf(s.RecordID, s.Written.UnixNano(), s.EventID, id, s.TimeCreated.UnixNano(), s.EventID); got != want {
				t.Errorf("recordKey(%q, %+v) = %#x, hash/fnv %#x", ch, s, got, want)
			}
			if got, want := eventKey(lower, s), fnvOf(id, s.TimeCreated.UnixNano(), s.EventID); got != want {
				t.Errorf("eventKey(%q, %+v) = %#x, hash/fnv %#x", ch, s, got, want)
			}
		}
	}
}
