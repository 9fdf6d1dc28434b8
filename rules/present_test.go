package rules

import (
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestConditionPresent: a condition with present: true holds when the
// field it selects is there with a value (a <Binary> key name, a named
// data item), whatever the value; as an unless condition it keeps only
// the events without it (Windows 7's Service Control Manager failures,
// which carry no key name). It takes no text, codes or address.
func TestConditionPresent(t *testing.T) {
	key := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r), 0)
		}
		return append(b, 0, 0)
	}
	withKey := &evtx.Event{Binary: key("Spooler"), EventData: []evtx.Field{{Name: "param1", Value: evtx.StringValue("Remote Desktop Services")}}}
	noKey := &evtx.Event{EventData: []evtx.Field{{Name: "param1", Value: evtx.StringValue("Remote Desktop Services")}}}
	bin := &Condition{BinaryText: true, Present: true}
	data := &Condition{Data: "param2", Present: true}
	for _, c := range []struct {
		c    *Condition
		ev   *evtx.Event
		want bool
	}{
		{bin, withKey, true},
		{bin, noKey, false},
		{data, withKey, false},
		{&Condition{Data: "param1", Present: true}, noKey, true},
	} {
		if got := c.c.Match(c.ev); got != c.want {
			t.Errorf("%+v on %v: %v, want %v", *c.c, c.ev.EventData, got, c.want)
		}
	}
	r := &Rule{ID: "x", File: "x.yaml"}
	if errs := validateCondition(r, "where[0]", bin); len(errs) != 0 {
		t.Errorf("present alone: %v", errs)
	}
	errs := validateCondition(r, "where[0]", &Condition{BinaryText: true, Present: true, Text: []string{"a"}})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "present takes no text, codes or address") {
		t.Errorf("present with text: %v", errs)
	}
	if got := bin.liveText(true); got != "the Binary data read as text is absent" {
		t.Errorf("liveText(negate) = %q", got)
	}
}
