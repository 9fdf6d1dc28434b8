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
		{"one host", []Span{{MinID: 1, MaxID: 100, First: h(0), Last: h(10)}}, false},
		{"a rename: one name after another", []Span{{MinID: 1, MaxID: 50, First: h(0), Last: h(5)}, {MinID: 51, MaxID: 100, First: h(5), Last: h(10)}}, false},
		{"three names one after another", []Span{{MinID: 1, MaxID: 10, First: h(0), Last: h(1)}, {MinID: 11, MaxID: 20, First: h(2), Last: h(3)}, {MinID: 21, MaxID: 30, First: h(4), Last: h(5)}}, false},
		{"alternating records", []Span{{MinID: 1, MaxID: 99, First: h(0), Last: h(9)}, {MinID: 2, MaxID: 100, First: h(0), Last: h(10)}}, true},
		{"record numbers apart, times overlapping", []Span{{MinID: 1, MaxID: 50, First: h(0), Last: h(6)}, {MinID: 51, MaxID: 100, First: h(5), Last: h(10)}}, true},
		{"times apart, record numbers overlapping", []Span{{MinID: 1, MaxID: 60, First: h(0), Last: h(5)}, {MinID: 51, MaxID: 100, First: h(6), Last: h(10)}}, true},
		{"the third host overlaps the first", []Span{{MinID: 1, MaxID: 10, First: h(0), Last: h(3)}, {MinID: 11, MaxID: 20, First: h(4), Last: h(5)}, {MinID: 21, MaxID: 30, First: h(2), Last: h(6)}}, true},
		// A collector's records of two computers, one after the other, each
		// numbering its own events from 1: not a rename, whose new name's
		// EventRecordIDs follow the old name's.
		{"EventRecordIDs numbered anew", []Span{{MinID: 1, MaxID: 53, MinRID: 1, MaxRID: 53, First: h(0), Last: h(5)}, {MinID: 54, MaxID: 104, MinRID: 1, MaxRID: 51, First: h(6), Last: h(10)}}, true},
		{"a rename: EventRecordIDs go on", []Span{{MinID: 1, MaxID: 53, MinRID: 101, MaxRID: 153, First: h(0), Last: h(5)}, {MinID: 54, MaxID: 104, MinRID: 154, MaxRID: 204, First: h(6), Last: h(10)}}, false},
		{"EventRecordIDs of one name not read", []Span{{MinID: 1, MaxID: 53, First: h(0), Last: h(5)}, {MinID: 54, MaxID: 104, MinRID: 1, MaxRID: 51, First: h(6), Last: h(10)}}, false},
	} {
		if got := Interleaved(c.spans); got != c.want {
			t.Errorf("%s: Interleaved = %v, want %v", c.name, got, c.want)
		}
	}
}
