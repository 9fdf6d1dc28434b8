package xpath

import (
	"errors"
	"strings"
	"testing"
)

// TestTimeLiteralNotADateTimeRejected: @SystemTime compared with text that
// begins as a date but is not a date-time (a date alone, a time written
// with dots) is a syntax error at the literal, as Windows refuses such a
// query; compared as XPath 1.0 strings it matched nothing, silently. A
// date-time, with spaces around it or not, and other text still compile.
func TestTimeLiteralNotADateTimeRejected(t *testing.T) {
	for _, c := range []struct {
		lit    string
		reject bool
	}{
		{"2018-08-07", true},
		{"2026-01-15T10.30.45.000Z", true},
		{"2018-08-07 18:00:00", true},
		{"2018-13-01T00:00:00Z", true},
		{"10000-01-01T00:00:00Z", true}, // five-digit year: compared as text it matched nothing
		{"+2018-08-07T18:00:00Z", true},
		{"-2018-08-07T18:00:00Z", true},
		{"2018-08-07T18:00:00.1234567891Z", true}, // ten fraction digits
		{"2018-08-07T18:00:00", false},
		{"2018-08-07T18:00:00.1234567Z", false},
		{"2018-08-07T18:00:00+02:00", false},
		{" 2018-08-07T18:00:00Z ", false},
		{"abc", false},
		{"", false},
	} {
		for _, q := range []string{
			"*[System[TimeCreated[@SystemTime >= '" + c.lit + "']]]",
			"*[System[TimeCreated['" + c.lit + "' < @SystemTime]]]",
			"Event[System/TimeCreated/@SystemTime='" + c.lit + "']",
		} {
			_, err := Compile(q)
			var se *SyntaxError
			switch {
			case c.reject && (!errors.As(err, &se) || se.Offset != strings.Index(q, "'"+c.lit+"'") || !strings.Contains(se.Msg, "is not a date-time")):
				t.Errorf("%s: %v; want a syntax error at the literal (offset %d)", q, err, strings.Index(q, "'"+c.lit+"'"))
			case !c.reject && err != nil:
				t.Errorf("%s: %v", q, err)
			}
		}
	}
}

// TestPaddedTimeLiteralComparesAsTime: a date-time with white space
// around it compiled (notTimeLiteral reads it spaces aside) but compared
// as text, so TimeCreated[@SystemTime >= ' 2018-08-07T18:00:00Z '] selected
// nothing, silently; it compares as the time, and TimeBounds reads it.
func TestPaddedTimeLiteralComparesAsTime(t *testing.T) {
	ev := schannel36870(refTime)
	for _, q := range []string{
		"*[System[TimeCreated[@SystemTime >= ' 2022-10-17T07:00:00Z ']]]",
		"*[System[TimeCreated[@SystemTime <= '\t2022-10-17T09:00:00Z\n']]]",
		"*[System[TimeCreated[' 2022-10-17T08:00:00Z' = @SystemTime]]]",
	} {
		cq := MustCompile(q)
		if !cq.Match(ev, refTime) {
			t.Errorf("%q does not select the event at %v", q, refTime)
		}
		if _, _, ok := cq.TimeBounds(refTime); !ok {
			t.Errorf("%q: TimeBounds reads no bound", q)
		}
	}
}
