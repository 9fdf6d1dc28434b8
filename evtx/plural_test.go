package evtx

import (
	"bytes"
	"strings"
	"testing"
)

// TestCountsReadRight: the reader's problems say a count of 1 in the
// singular and 2 in the plural ("all zero (1 bytes)", "need 1 bytes" were
// printed).
func TestCountsReadRight(t *testing.T) {
	for _, c := range []struct {
		what      string
		f         func(n int) string
		one, many string
	}{
		{"all zero", func(n int) string {
			return notEVTX(bytes.NewReader(make([]byte, n)), int64(n), make([]byte, n), Options{}).Error()
		}, "all zero (1 byte)", "all zero (2 bytes)"},
		{"need", func(n int) string {
			c := &cursor{pos: 0, end: 0}
			return c.need(n, "a value").Error()
		}, "need 1 byte,", "need 2 bytes,"},
	} {
		if got := c.f(1); !strings.Contains(got, c.one) {
			t.Errorf("%s of 1: %q, want %q in it", c.what, got, c.one)
		}
		if got := c.f(2); !strings.Contains(got, c.many) {
			t.Errorf("%s of 2: %q, want %q in it", c.what, got, c.many)
		}
	}
}
