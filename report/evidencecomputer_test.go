package report

import (
	"bytes"
	"strings"
	"testing"
)

// The evidence of a machine whose records name several computers
// (forwarded events, a rename) said which event it was, but not whose:
// the text and Markdown reports of a ForwardedEvents log of vm1 and vm2
// said "rdp-tls-disabled DETECTED" with vm2's two Schannel 36871 and
// nothing naming vm2 (only the JSON had "computer"), so the engineer
// could fix the wrong VM. Now each evidence line names its computer when
// the machine has more than one; a machine of one computer is unchanged.
func TestEvidenceNamesComputer(t *testing.T) {
	ev := Event{Query: "schannel-36871", File: "ForwardedEvents.evtx", EventRecordID: 184, RecordID: 184,
		Time: "2024-05-01T10:26:00.0000000Z", Provider: "Schannel", EventID: 36871, Computer: "vm2.contoso.com",
		Data: []Field{{Name: "ErrorState", Value: "10013"}}}
	for _, c := range []struct {
		computers []string
		text, md  string
	}{
		{[]string{"vm1.contoso.com", "vm2.contoso.com"}, "      computer: vm2.contoso.com\n", "Computer: `vm2.contoso.com`<br>ErrorState: `10013`"},
		{[]string{"vm2.contoso.com"}, "", ""},
	} {
		r := &Report{Computers: c.computers, Findings: []Finding{{RuleID: "rdp-tls-disabled", Verdict: "detected", EvidenceCount: 1, Evidence: []Event{ev}}}}
		var text, md bytes.Buffer
		if err := WriteText(&text, r); err != nil {
			t.Fatal(err)
		}
		if err := WriteMarkdown(&md, r); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(text.String(), "computer: vm2.contoso.com"); got != (c.text != "") || c.text != "" && !strings.Contains(text.String(), c.text) {
			t.Errorf("computers %v: text names the computer: %v, want %q in:\n%s", c.computers, got, c.text, text.String())
		}
		if got := strings.Contains(md.String(), "Computer: `vm2"); got != (c.md != "") || c.md != "" && !strings.Contains(md.String(), c.md) {
			t.Errorf("computers %v: markdown names the computer: %v, want %q in:\n%s", c.computers, got, c.md, md.String())
		}
	}
}
