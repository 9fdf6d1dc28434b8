package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

// TestValidateSystemTimeBounds: a rule query with @SystemTime bounds is
// accepted only when the evaluator, the reader's window and the live
// command read each bound as the same time and some time lies between
// them; each refusal names the rule, the query and the literal's offset.
// Before, Validate accepted '10000-01-01T00:00:00Z' and '+2024-...' (text
// to the evaluator: the condition selected nothing), 'junk', a time
// without a zone, 9 digits of a second, a year before 1601 and reversed
// bounds.
func TestValidateSystemTimeBounds(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	const good = "2024-02-01T00:00:00Z"
	for _, c := range []struct {
		lo, hi string
		want   string // in the error; "" accepted
		at     string // the literal the offset names
	}{
		{"2024-01-01T00:00:00Z", good, "", ""},
		{"2024-01-01T00:00:00.1234567Z", good, "", ""},
		{"2024-01-01T01:00:00+01:00", good, "", ""},
		{"2024-02-01T00:00:00Z", good, "", ""}, // one instant: >= and <= hold
		{"2024-01-01", good, "is not a date-time", "2024-01-01"},
		{"2024-13-01T00:00:00Z", good, "is not a date-time", "2024-13-01T00:00:00Z"},
		{"10000-01-01T00:00:00Z", good, "is not a date-time", "10000-01-01T00:00:00Z"},
		{"2024-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "is not a date-time", "10000-01-01T00:00:00Z"},
		{"+2024-01-01T00:00:00Z", good, "is not a date-time", "+2024-01-01T00:00:00Z"},
		{"junk", good, "which is not a date-time: the condition selects no event", "junk"},
		{"2024-01-01T00:00:00", good, "names no zone: write Z", "2024-01-01T00:00:00"},
		{"2024-01-01T00:00:00.12345678Z", good, "has 8 digits of a second", "2024-01-01T00:00:00.12345678Z"},
		{"2024-01-01T00:00:00.1234567891Z", good, "is not a date-time", "2024-01-01T00:00:00.1234567891Z"},
		{"1600-12-31T23:59:59Z", good, "before 1601-01-01T00:00:00Z", "1600-12-31T23:59:59Z"},
		{"1601-01-01T00:30:00+01:00", good, "before 1601-01-01T00:00:00Z", "1601-01-01T00:30:00+01:00"},
		{"2025-01-01T00:00:00Z", good, "@SystemTime bounds leave no time", "2025-01-01T00:00:00Z"},
		{"2024-02-01T00:00:00.0000001Z", good, "@SystemTime bounds leave no time", "2024-02-01T00:00:00.0000001Z"},
	} {
		x := "*[System[EventID=7036 and TimeCreated[@SystemTime >= '" + c.lo + "' and @SystemTime <= '" + c.hi + "']]]"
		r := *rs[0]
		r.Queries = append([]*Query{{ID: "x", Channel: "System", Role: RoleContext, XPath: x}}, r.Queries...)
		err := Validate([]*Rule{&r})
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", x, err)
			}
			continue
		}
		var re *RuleError
		var se *xpath.SyntaxError
		switch {
		case err == nil:
			t.Errorf("%s: accepted, want %q", x, c.want)
		case !strings.Contains(err.Error(), c.want):
			t.Errorf("%s: %v; want %q", x, err, c.want)
		case !errors.As(err, &re) || re.Rule != r.ID || re.Field != "queries[x].xpath":
			t.Errorf("%s: %v; want a *RuleError naming %s and queries[x].xpath", x, err, r.ID)
		case !errors.As(err, &se) || se.Offset != strings.Index(x, "'"+c.at+"'"):
			t.Errorf("%s: %v; want a *xpath.SyntaxError at offset %d", x, err, strings.Index(x, "'"+c.at+"'"))
		}
	}
	// A strict bound at the other's instant leaves none either.
	r := *rs[0]
	x := "*[System[TimeCreated[@SystemTime > '2024-01-01T00:00:00Z'] and TimeCreated[@SystemTime <= '2024-01-01T00:00:00Z']]]"
	r.Queries = append([]*Query{{ID: "x", Channel: "System", Role: RoleContext, XPath: x}}, r.Queries...)
	if err := Validate([]*Rule{&r}); err == nil || !strings.Contains(err.Error(), "leave no time") {
		t.Errorf("%s: %v; want \"leave no time\"", x, err)
	}
}
