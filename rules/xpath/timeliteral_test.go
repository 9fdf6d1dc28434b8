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
