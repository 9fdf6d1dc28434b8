package fleet

import (
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/rules"
)

// TestNilArgs: HoldsChannel of a nil log and the zero Parted's Describe
// answer instead of panicking; Analyze panics on a nil engine or machine
// in the caller's goroutine, as documented, where recover catches it.
func TestNilArgs(t *testing.T) {
	calls := []struct {
		name string
		call func() bool // true: the documented answer
	}{
		{"HoldsChannel(nil)", func() bool { return !HoldsChannel(nil, func(string) bool { return true }, nil, 1) }},
		{"Parted{}.Describe", func() bool {
			s := Parted{}.Describe("/a/System.evtx", "")
			return strings.Contains(s, "/a/System.evtx and another log are not copies")
		}},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panic: %v", p)
				}
			}()
			if !tc.call() {
				t.Fatal("not the documented answer")
			}
		})
	}
	eng, err := rules.NewEngine(nil, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(){
		"Analyze(nil engine)": func() { Analyze(nil, nil, 1, func(int, *Result) {}, nil) },
		"Analyze(nil machine)": func() {
			Analyze(eng, []*Machine{nil}, 1, func(int, *Result) {}, nil)
		},
	} {
		func() {
			defer func() {
				if p := recover(); p == nil {
					t.Errorf("%s did not panic, as documented", name)
				}
			}()
			f()
		}()
	}
}
