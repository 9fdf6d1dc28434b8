package fleet

import (
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestSummaryKeyIsFNV: summaryKey, which hashes without allocating, gives
// hash/fnv's FNV-1a of the same bytes.
func TestSummaryKeyIsFNV(t *testing.T) {
	ss := []evtx.Summary{
		{},
		{Provider: "Microsoft-Windows-TerminalServices-RemoteConnectionManager", EventID: 1149, Computer: "VM-01.contoso.com", RecordID: 42,
			Written: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), TimeCreated: time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)},
		{Provider: "Schannel", EventID: 36871, Computer: "ÄÖÜ-サーバー"},
	}
	for _, ch := range []string{"", "System", "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational"} {
		for _, s := range ss {
			for _, fixed := range [][]byte{nil, {0, 1, 2, 0xff}} {
				h := fnv.New64a()
				h.Write(fixed)
				h.Write([]byte(strings.ToLower(ch)))
				h.Write([]byte{0})
				h.Write([]byte(s.Provider))
				h.Write([]byte{0})
				h.Write([]byte(s.Computer))
				if got, want := summaryKey(fixed, strings.ToLower(ch), s), h.Sum64(); got != want {
					t.Errorf("summaryKey(%x, %q, %+v) = %#x, hash/fnv %#x", fixed, ch, s, got, want)
				}
			}
		}
	}
}
