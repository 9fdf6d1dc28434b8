package report

import (
	"strings"
	"testing"
)

// TestCountsReadRight: the report's input problems say a count of 1 in
// the singular and 2 in the plural ("the file header counts 1 chunks",
// "1 records missing", "1 bytes unread" were printed).
func TestCountsReadRight(t *testing.T) {
	for _, c := range []struct {
		what      string
		in        func(n int) Input
		one, many string
	}{
		{"header chunks", func(n int) Input { return Input{Used: true, HeaderChunks: n, Chunks: 3} }, "the file header counts 1 chunk,", "the file header counts 2 chunks,"},
		{"lost", func(n int) Input { return Input{LostRecords: uint64(n)} }, "1 record missing", "2 records missing"},
		{"unread", func(n int) Input { return Input{UnreadBytes: int64(n)} }, "1 byte unread", "2 bytes unread"},
		{"format errors", func(n int) Input { return Input{ErrorCount: n} }, "1 format error", "2 format errors"},
	} {
		if got := strings.Join(problems(c.in(1)), "; "); !strings.Contains(got, c.one) {
			t.Errorf("%s of 1: %q, want %q in it", c.what, got, c.one)
		}
		if got := strings.Join(problems(c.in(2)), "; "); !strings.Contains(got, c.many) {
			t.Errorf("%s of 2: %q, want %q in it", c.what, got, c.many)
		}
	}
}
