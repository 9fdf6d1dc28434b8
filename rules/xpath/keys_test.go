package xpath

import (
	"io"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

func TestKeys(t *testing.T) {
	rcm := "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
	for _, c := range []struct {
		q     string
		provs []string
		ids   []uint16
	}{
		{"Event[System[Provider[@Name='" + rcm + "'] and EventID=1058 and TimeCreated[timediff(@SystemTime) <= 86400000]]]", []string{rcm}, []uint16{1058}},
		{"*[System[Provider[@Name='Schannel'] and (EventID=36870 or EventID=36871)]]", []string{"Schannel"}, []uint16{36870, 36871}},
		{"*[System/EventID=4624]", nil, []uint16{4624}},
		{"*[System[EventID=4624 or Level=2]]", nil, nil},
		{"*[System[EventID!=4624]]", nil, nil},
		{"*[System[Provider[@Name='A']] or System[Provider[@Name='B'] and EventID=7]]", []string{"A", "B"}, nil},
		{"*[System[Provider[@Name=' Microsoft-Windows-TerminalServices-SessionBroker ']]]", []string{" Microsoft-Windows-TerminalServices-SessionBroker "}, nil},
		{"*[EventData[Data[@Name='EventID']=5]]", nil, nil},
		{"*", nil, nil},
	} {
		q, err := Compile(c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		k, ok := q.Keys()
		if ok != (c.provs != nil || c.ids != nil) || !slices.Equal(k.Providers, c.provs) || !slices.Equal(k.EventIDs, c.ids) {
			t.Errorf("%s: Keys() = %+v, %v; want %v %v", c.q, k, ok, c.provs, c.ids)
		}
	}
}

// Keys are necessary conditions: whatever event a query matches, its keys
// accept that event's provider and id (checked over every real sample
// event and queries of many shapes).
func TestKeysNecessary(t *testing.T) {
	queries := []string{
		"*[System[Provider[@Name='Service Control Manager'] and EventID=7036]]",
		"*[System[(EventID=7036 or EventID=7040) and Level=4]]",
		"*[System[Provider[@Name='Microsoft-Windows-Security-Auditing']] and EventData[Data[@Name='LogonType']=2]]",
		"*[System[EventID=4624] or System[EventID=4625]]",
		"Event[System[Provider[@Name='EventLog'] and (EventID=6005 or EventID=6006 or EventID=6013)]]",
		"*[System[Provider[@Name='Microsoft-Windows-Kernel-General'] or Provider[@Name='EventLog']]]",
		"*[System/EventID=1]",
	}
	paths, _ := filepath.Glob("../../testdata/evtx/*.evtx")
	if len(paths) < 40 {
		t.Fatalf("%d samples", len(paths))
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var qs []*Query
	var ks []Keys
	for _, s := range queries {
		q := MustCompile(s)
		k, ok := q.Keys()
		if !ok {
			t.Fatalf("%s: no keys", s)
		}
		qs, ks = append(qs, q), append(ks, k)
	}
	matched := 0
	for _, p := range paths {
		f, err := evtx.Open(p)
		if err != nil {
			continue
		}
		for {
			ev, err := f.Next()
			if err == io.EOF {
				break
			}
			for i, q := range qs {
				if q.Match(ev, now) {
					matched++
					if !ks[i].Accepts(ev.System.Provider.Name, ev.System.EventID) {
						t.Errorf("%s matches %s record %d (%s %d), its keys %+v refuse it", queries[i], filepath.Base(p), ev.RecordID, ev.System.Provider.Name, ev.System.EventID, ks[i])
					}
				}
			}
		}
		f.Close()
	}
	if matched < 100 {
		t.Errorf("only %d matches: the check proves little", matched)
	}
	t.Logf("%d matches checked", matched)
}
