package rules

import (
	"io/fs"
	"strings"
	"testing"
)

// FuzzParse feeds rule files to Parse and Validate: user rule files
// (--rules DIR) must never crash the tool.
func FuzzParse(f *testing.F) {
	entries, err := fs.ReadDir(builtinFS, "scenarios")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := builtinFS.ReadFile("scenarios/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("id: x\nqueries: [{id: q, channel: System, xpath: '*'}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		if Validate([]*Rule{r}) == nil {
			for _, q := range r.Queries {
				cmd := r.WevtutilCommand(q)
				if strings.ContainsAny(cmd, "\r\n") {
					t.Fatalf("live command of %s spans lines: %q", q.ID, cmd)
				}
				// One cmd command: the quotes are the channel's (when
				// quoted) and /q:'s, everything between them quoted, and
				// nothing for cmd to expand.
				quotes := strings.Count(cmd, `"`)
				if (quotes != 2 && quotes != 4) || !strings.HasSuffix(cmd, `"`) || strings.ContainsRune(cmd, '%') ||
					(quotes == 2 && strings.ContainsAny(cmd[:strings.Index(cmd, `"`)], "&|<>^()")) {
					t.Fatalf("live command of %s is not one cmd command: %q", q.ID, cmd)
				}
				if _, err := compileXPath(r.LiveXPath(q)); err != nil {
					t.Fatalf("live XPath of %s does not compile: %v", q.ID, err)
				}
				for _, u := range r.LiveUnchecked(q) {
					if strings.ContainsAny(u, "\r\n") {
						t.Fatalf("live note of %s spans lines: %q", q.ID, u)
					}
				}
			}
			if _, err := NewEngine([]*Rule{r}, Options{}); err != nil {
				t.Fatalf("valid rule does not compile: %v", err)
			}
		}
	})
}

// FuzzParseTimeline feeds timeline files to ParseTimeline: it never
// panics, and what it takes is entries with unique ids, each naming a
// channel, a text and a query that compiles.
func FuzzParseTimeline(f *testing.F) {
	f.Add(timelineYAML)
	f.Add([]byte("- id: x\n  channel: System\n  xpath: \"Event[System[EventID=1]]\"\n  says: one\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ParseTimeline("fuzz.yaml", data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range es {
			if e == nil || seen[e.ID] || strings.TrimSpace(e.Channel) == "" || strings.TrimSpace(e.Says) == "" {
				t.Fatalf("ParseTimeline took entry %+v (ids so far %v)", e, seen)
			}
			seen[e.ID] = true
			if _, err := compileXPath(e.XPath); err != nil {
				t.Fatalf("ParseTimeline took entry %s whose query does not compile: %v", e.ID, err)
			}
		}
	})
}
