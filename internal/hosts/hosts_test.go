package hosts

import (
	"testing"
	"time"
)

func TestKey(t *testing.T) {
	for in, want := range map[string]string{"RDCB01": "rdcb01", "rdcb01.contoso.com": "rdcb01", "": "", "WEB-02.Fabrikam.local": "web-02"} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInterleaved(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	for _, c := range []struct {
		name  string
		spans []Span
		want  bool
	}{
		{"one host", []Span{{1, 100, h(0), h(10)}}, false},
		{"a rename: one name after another", []Span{{1, 50, h(0), h(5)}, {51, 100, h(5), h(10)}}, false},
		{"three names one after another", []Span{{1, 10, h(0), h(1)}, {11, 20, h(2), h(3)}, {21, 30, h(4), h(5)}}, false},
		{"alternating records", []Span{{1, 99, h(0), h(9)}, {2, 100, h(0), h(10)}}, true},
		{"record numbers apart, times overlapping", []Span{{1, 50, h(0), h(6)}, {51, 100, h(5), h(10)}}, true},
		{"times apart, record numbers overlapping", []Span{{1, 60, h(0), h(5)}, {51, 100, h(6), h(10)}}, true},
		{"the third host overlaps the first", []Span{{1, 10, h(0), h(3)}, {11, 20, h(4), h(5)}, {21, 30, h(2), h(6)}}, true},
	} {
		if got := Interleaved(c.spans); got != c.want {
			t.Errorf("%s: Interleaved = %v, want %v", c.name, got, c.want)
		}
	}
}
