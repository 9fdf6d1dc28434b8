package main

import (
	"strings"
	"testing"
)

// A time flag of the right shape with a field out of range says which
// field, for analyze's --at and dump's --since and --until alike (it
// said only "want RFC 3339", which reads as a shape error); a value of
// the wrong shape still gets the shape.
func TestTimeFlagFieldOutOfRange(t *testing.T) {
	for _, c := range []struct{ value, want string }{
		{"2022-13-01", "month out of range (want "},
		{"2022-02-30", "day out of range (want "},
		{"2022-02-28T24:00:00Z", "hour out of range (want "},
		{"2022-02-28 10:60:00", "minute out of range (want "},
		{"2022-02-28T10:00:00+25:00", "time zone offset hour out of range (want "},
		{"yesterday", `"yesterday": want `},
		{"2022-02-3", `"2022-02-3": want `},
	} {
		for _, args := range [][]string{
			{"analyze", "--at", c.value, "x.evtx"},
			{"dump", "--since", c.value, "x.evtx"},
			{"dump", "--until", c.value, "x.evtx"},
		} {
			want := c.want + "RFC 3339, e.g."
			if args[0] == "dump" {
				want = c.want + "a time (2024-05-01T12:00:00Z"
			}
			code, _, stderr := runCmd(args...)
			if code != 2 || !strings.Contains(stderr, want) {
				t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", args, code, stderr, want)
			}
		}
	}
}
