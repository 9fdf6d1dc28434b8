package rules

import (
	"strings"
	"testing"
)

// TestRuleQueryThatCannotMatchRefused: a query whose EventID conditions
// no event Windows writes satisfies (a 16-bit number, written once) is
// refused naming the file's line and the offset, as an empty time window
// is; one some event id satisfies is not.
func TestRuleQueryThatCannotMatchRefused(t *testing.T) {
	const head = "id: my-rule\ntitle: t\nseverity: error\ncause: c\nresolution: [{id: s, title: t, text: x, source: s}]\nqueries:\n  - id: q\n    channel: System\n"
	for _, c := range []struct{ xpath, want string }{
		{"Event[System[EventID=70000]]", "mine.yaml:9: my-rule: queries[q].xpath: xpath: offset 20: no event id satisfies"},
		{"Event[System[EventID='1036a']]", "offset 20: no event id satisfies"},
		{"Event[System[EventID=1036 and EventID=1037]]", "offset 37: no event id satisfies"},
		{"Event[System[(EventID=1036 or EventID=1037) and Level=2]]", ""},
		{"Event[System[EventID=1036]]", ""},
	} {
		r, err := Parse("mine.yaml", []byte(head+"    xpath: \""+c.xpath+"\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		err = Validate([]*Rule{r})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.xpath, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "can never match")):
			t.Errorf("%s: %v, want %q", c.xpath, err, c.want)
		}
	}
}
