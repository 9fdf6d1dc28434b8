package recordkey

import (
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestPrefixOf: PrefixOf lowers the channel as strings.ToLower does,
// ASCII or not.
func TestPrefixOf(t *testing.T) {
	for _, ch := range []string{"", "Security", "SECURITY", "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", "ÄÖÜ-Kanal/Betrieb", "İstanbul", "@Z[`{"} {
		if got, want := PrefixOf(ch, "Schannel", "VM-01"), Prefix(strings.ToLower(ch), "Schannel", "VM-01"); got != want {
			t.Errorf("PrefixOf(%q) = %#x, Prefix of strings.ToLower %#x", ch, got, want)
		}
	}
	if PrefixOf("Security", "a", "bc") == PrefixOf("Security", "ab", "c") {
		t.Error("provider and computer are not kept apart")
	}
}

// TestKeysAgree: rules keyed a matched record (identityKey) by another
// hash than fleet keyed its summary (eventKey): FNV-1a of the channel as
// written, EventRecordID, TimeCreated (0 where absent), provider, event id
// as 8 bytes and computer, against fleet's of the channel in lower case,
// provider and computer, then EventRecordID, TimeCreated and event id as
// 2 bytes; the one record had two keys. Both now call this package, and
// on the records of real logs OfEvent of the decoded event equals the key
// fleet computes from the summary the reader gives (Prefix of the channel
// in lower case, then Summary), wherever the summary read TimeCreated.
func TestKeysAgree(t *testing.T) {
	dir := "../../testdata/evtx"
	n := 0
	for _, name := range []string{
		"Velocidex__evtx__testdata__Security.evtx",
		"fukusuket__evtx-parser__samples__System.evtx",
		"fukusuket__evtx-parser__samples__Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx",
		"omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
	} {
		logs, err := evtx.Find(filepath.Join(dir, name))
		if err != nil || len(logs) != 1 {
			t.Fatalf("%s: %d logs, %v", name, len(logs), err)
		}
		var mu sync.Mutex
		sums := map[uint64]evtx.Summary{}
		f, err := logs[0].Open(evtx.Options{Filter: func(s evtx.Summary) bool {
			mu.Lock()
			defer mu.Unlock()
			sums[s.RecordID] = s
			return true
		}})
		if err != nil {
			t.Fatal(err)
		}
		for {
			ev, err := f.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				f.Close()
				t.Fatalf("%s: %v", name, err)
			}
			mu.Lock()
			s, ok := sums[ev.RecordID]
			mu.Unlock()
			if !ok || s.TimeCreated.IsZero() {
				continue
			}
			n++
			fleet := Prefix(strings.ToLower(ev.System.Channel), s.Provider, s.Computer).Summary(s)
			if got := OfEvent(ev); got != fleet {
				t.Errorf("%s record %d: OfEvent %#x, of its summary %#x (%+v)", name, ev.RecordID, got, fleet, s)
			}
		}
		f.Close()
	}
	t.Logf("%d records compared", n)
	if n < 1000 {
		t.Errorf("%d records compared, want the records of four real logs", n)
	}
}

// TestOfEventAllocates: rules keys every matched record of a scan of
// several logs, so OfEvent does not allocate for an ASCII channel.
func TestOfEventAllocates(t *testing.T) {
	ev := &evtx.Event{System: evtx.System{Channel: "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", Provider: evtx.Provider{Name: "P"}, Computer: "VM", EventRecordID: 7}}
	if n := testing.AllocsPerRun(100, func() { OfEvent(ev) }); n != 0 {
		t.Errorf("OfEvent allocates %v times", n)
	}
}
