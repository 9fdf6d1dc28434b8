package xpath

import (
	"testing"
	"time"
)

// TestNilEvent: a nil event matches no query, by Match, MatchKeys (which
// decides it for a query of keys, agreeing with Match) and QueryList.Match,
// without a panic; the nil receivers documented to panic do.
func TestNilEvent(t *testing.T) {
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, e := range []string{
		"*",
		"*[System[EventID=4625]]",
		"Event[System[Provider[@Name='Microsoft-Windows-TerminalServices-RemoteConnectionManager'] and (EventID=1149 or EventID=261)]]",
		"*[EventData[Data[@Name='x']='y']]",
		"*[System[TimeCreated[timediff(@SystemTime) &lt;= 1000]]]",
	} {
		t.Run(e, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panic: %v", p)
				}
			}()
			l, err := ParseQueryList([]byte(`<QueryList><Query Id="0"><Select Path="System">` + e + `</Select></Query></QueryList>`))
			if err != nil {
				t.Fatal(err)
			}
			if l.Match("System", nil, now) {
				t.Error("QueryList.Match(nil) is true")
			}
			q := l.Queries[0].Selects[0].Query
			if q.Match(nil, now) {
				t.Error("Match(nil) is true")
			}
			if m, decided := q.MatchKeys(nil, "", 4625); m || decided != (q.byKeys && q.xnum == nil) {
				t.Errorf("MatchKeys(nil) = %v, %v", m, decided)
			}
		})
	}
	for name, f := range map[string]func(){
		"MustCompile(\"\")":          func() { MustCompile("") },
		"(*QueryList)(nil).Channels": func() { (*QueryList)(nil).Channels() },
		"(*KeySet)(nil).Accepts":     func() { (*KeySet)(nil).Accepts("p", 1) },
		"(*Query)(nil).String":       func() { _ = (*Query)(nil).String() },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic, as documented", name)
				}
			}()
			f()
		}()
	}
}
