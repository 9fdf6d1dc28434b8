package xpath

import (
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

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

// The pre-filter never refuses what Match accepts when provider names
// differ in case between the query and the event (Windows compares them
// case-insensitively; PowerShell's Get-WinEvent sends them lower-cased):
// generated queries of several shapes over events whose provider names
// are spelled in random cases.
func TestKeysProviderCaseProperty(t *testing.T) {
	names := []string{"Schannel", "Microsoft-Windows-Security-Auditing", "EventLog", "Service Control Manager", "Microsoft-Windows-TerminalServices-RemoteConnectionManager"}
	rng := rand.New(rand.NewPCG(7, 7))
	respell := func(s string) string {
		b := []rune(s)
		for i, r := range b {
			switch rng.IntN(3) {
			case 0:
				b[i] = unicode.ToLower(r)
			case 1:
				b[i] = unicode.ToUpper(r)
			}
		}
		return string(b)
	}
	cond := func() string {
		n := respell(names[rng.IntN(len(names))])
		id := []int{36871, 4624, 6011, 7036, 1058}[rng.IntN(5)]
		switch rng.IntN(6) {
		case 0:
			return fmt.Sprintf("System[Provider[@Name='%s'] and EventID=%d]", n, id)
		case 1:
			return fmt.Sprintf("System/Provider[@Name='%s']", n)
		case 2:
			return fmt.Sprintf("System/Provider/@Name='%s'", n)
		case 3:
			return fmt.Sprintf("System[Provider[@Name='%s' or @Name='%s']]", n, respell(names[rng.IntN(len(names))]))
		case 4:
			return fmt.Sprintf("(System[Provider[@Name='%s']] or System[Provider[@Name='%s']]) and System/EventID=%d", n, respell(names[rng.IntN(len(names))]), id)
		}
		return fmt.Sprintf("System[EventID=%d] and System[Provider[@Name=\"%s\"]]", id, n)
	}
	var events []*evtx.Event
	for range 200 {
		events = append(events, &evtx.Event{System: evtx.System{
			Provider: evtx.Provider{Name: respell(names[rng.IntN(len(names))])},
			EventID:  []uint16{36871, 4624, 6011, 7036, 1058}[rng.IntN(5)],
		}})
	}
	now := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	matched, differentCase := 0, 0
	for range 400 {
		src := "*[" + cond() + "]"
		q := MustCompile(src)
		k, ok := q.Keys()
		if !ok {
			t.Fatalf("%s: no keys", src)
		}
		for _, ev := range events {
			if !q.Match(ev, now) {
				continue
			}
			matched++
			if !slices.Contains(k.Providers, ev.System.Provider.Name) {
				differentCase++
			}
			if !k.Accepts(ev.System.Provider.Name, ev.System.EventID) {
				t.Fatalf("%s matches provider %q id %d, its keys %+v refuse it", src, ev.System.Provider.Name, ev.System.EventID, k)
			}
		}
	}
	if matched < 1000 || differentCase < matched/2 {
		t.Errorf("%d matches, %d with the name in another case: the check proves little", matched, differentCase)
	}
	t.Logf("%d matches checked, %d with the provider name spelled in another case than the query's", matched, differentCase)
}

// TestKeySetEqualsAccepts: a KeySet answers as Keys.Accepts on each of its
// Keys, asked from several goroutines, for provider names in other cases
// (the Kelvin sign folds to k), names no Keys has, every event id the Keys
// name and others, and past the names it remembers.
func TestKeySetEqualsAccepts(t *testing.T) {
	ks := []Keys{
		{Providers: []string{"Microsoft-Windows-Kernel-General"}, EventIDs: []uint16{1, 12}},
		{Providers: []string{"Schannel", "Microsoft-Windows-Schannel"}, EventIDs: []uint16{36870, 36871}},
		{EventIDs: []uint16{6008, 65535, 0}},
		{Providers: []string{"EventLog"}},
		{Providers: []string{"Service Control Manager"}, EventIDs: []uint16{7036}},
	}
	providers := []string{"", "Schannel", "SCHANNEL", "schannel", "microsoft-windows-\u212aernel-general", "Microsoft-Windows-Kernel-General",
		"eventlog", "EventLog", "Service Control Manager", "service control manager ", "Other"}
	for i := range 300 {
		providers = append(providers, fmt.Sprintf("Provider-%d", i)) // past maxKeySetProviders
	}
	ids := []uint16{0, 1, 2, 12, 63, 64, 6008, 7036, 36870, 36871, 36872, 65534, 65535}
	for _, set := range [][]Keys{ks, nil, ks[:1], ks[3:4]} {
		s := NewKeySet(set)
		var wg sync.WaitGroup
		var bad atomic.Int32
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range 2 { // the second round is answered from memory
					for pi := range providers {
						p := providers[(pi+g*7+r)%len(providers)]
						for _, id := range ids {
							want := slices.ContainsFunc(set, func(k Keys) bool { return k.Accepts(p, id) })
							if s.Accepts(p, id) != want {
								bad.Add(1)
								t.Errorf("KeySet.Accepts(%q, %d) = %v, Keys.Accepts %v", p, id, !want, want)
							}
						}
					}
				}
			}()
		}
		wg.Wait()
		if bad.Load() > 0 {
			return
		}
	}
}
