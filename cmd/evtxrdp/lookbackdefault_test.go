package main

import (
	"testing"

	"github.com/evtxrdp/evtxrdp/rules"
)

// The grouping period (fleet.Period) counts rules.DefaultLookBack as the
// least look-back; --look-back's default must be that value, or the
// grouping would read another period than the default analysis.
func TestLookBackDefaultIsRules(t *testing.T) {
	d, err := parseDuration(defaultLookBack)
	if err != nil || d != rules.DefaultLookBack {
		t.Fatalf("--look-back default %q = %v, %v; rules.DefaultLookBack is %v", defaultLookBack, d, err, rules.DefaultLookBack)
	}
}
