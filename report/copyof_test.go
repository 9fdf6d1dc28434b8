package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/rules"
)

// An input the engine found to be a copy of an earlier one (copies given
// unmerged: rules.Input.CopyOf) says so in the JSON report, and survives
// ReadJSON; inputs that are no copy leave the fields out.
func TestInputCopyOf(t *testing.T) {
	res := &rules.Result{Inputs: []*rules.Input{
		{Path: "volume/System.evtx", Channel: "System", Used: true},
		{Path: "shadow/System.evtx", Channel: "System", Used: true, CopyOf: "volume/System.evtx", SharedMatches: 2},
	}}
	var js bytes.Buffer
	if err := WriteJSON(&js, New(res)); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(js.String(), `"copy_of"`); n != 1 || !strings.Contains(js.String(), `"copy_of": "volume/System.evtx",`) || !strings.Contains(js.String(), `"shared_matches": 2`) {
		t.Errorf("JSON report: %d copy_of fields, want the second input's only:\n%s", n, js.String())
	}
	r, err := ReadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range r.Inputs { // sorted by path
		if in.Path == "shadow/System.evtx" && (in.CopyOf != "volume/System.evtx" || in.SharedMatches != 2) {
			t.Errorf("read back: CopyOf %q, SharedMatches %d", in.CopyOf, in.SharedMatches)
		}
	}
}
