package rules

import (
	"io/fs"
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
				_ = r.WevtutilCommand(q)
			}
			if _, err := NewEngine([]*Rule{r}, Options{}); err != nil {
				t.Fatalf("valid rule does not compile: %v", err)
			}
		}
	})
}
