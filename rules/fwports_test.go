package rules

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestFirewallBlockRulePortForms: an enabled inbound TCP block rule
// blocks RDP when its LocalPorts include 3389, however the list writes
// it: "3389", an item of "80,3389", a range "3380-3400" or "*" (every
// port; a real 2004 writes LocalPorts "*" for a rule on every local port).
// Before, only an item "3389" counted: a block rule on every TCP port, or
// on a range holding 3389, was not detected. A range or port beside
// 3389, and the keywords Windows Firewall writes for other ports, are
// not RDP's port. The engine gives the same answers with every shortcut
// off.
func TestFirewallBlockRulePortForms(t *testing.T) {
	at := t0.Add(-3 * time.Hour)
	for _, c := range []struct {
		ports string
		want  Verdict
	}{
		{"3389", Detected},
		{"80,3389", Detected},
		{"*", Detected},
		{"3380-3400", Detected},
		{"443, 3000-4000", Detected},
		{"3389-3389", Detected},
		{"3390-3400", NotDetected},
		{"3390", NotDetected},
		{"33890", NotDetected},
		{"RPC", NotDetected},
		{"1-3388,3390-65535", NotDetected},
	} {
		dir := t.TempDir()
		fw := []*evtx.Event{
			evtxtest.Firewall(t0.Add(-48*time.Hour), 2004, [2]string{"RuleId", "{1A2B3C4D-0000-4000-8000-000000000001}"}, [2]string{"RuleName", "Contoso Agent"},
				[2]string{"Direction", "1"}, [2]string{"Protocol", "6"}, [2]string{"LocalPorts", "8443"}, [2]string{"Action", "3"}, [2]string{"Active", "1"}),
			evtxtest.Firewall(at, 2004, [2]string{"RuleId", "{6B1E8E2C-6F0B-4E4C-9C4B-2C1D3E4F5A60}"}, [2]string{"RuleName", "Block"},
				[2]string{"Direction", "1"}, [2]string{"Protocol", "6"}, [2]string{"LocalPorts", c.ports}, [2]string{"Action", "2"}, [2]string{"Active", "1"}),
		}
		for name, evs := range map[string][]*evtx.Event{
			"System.evtx": evtxtest.Noise(t0.Add(-72*time.Hour), time.Hour, 73),
			"Microsoft-Windows-Windows Firewall With Advanced Security%4Firewall.evtx": fw,
		} {
			if err := evtxtest.WriteFile(filepath.Join(dir, name), evs, evtxtest.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		var got [2]Verdict
		for i, noShortcuts := range []bool{false, true} {
			f := finding(t, analyzePath(t, builtinEngine(t, Options{NoShortcuts: noShortcuts}), dir), "rdp-firewall-rules")
			got[i] = f.Verdict
			if f.Verdict != c.want {
				t.Errorf("LocalPorts %q (no shortcuts %v): %s (%s); want %s", c.ports, noShortcuts, f.Verdict, f.Why, c.want)
			}
		}
		if got[0] != got[1] {
			t.Errorf("LocalPorts %q: shortcuts change the verdict: %s, without %s", c.ports, got[0], got[1])
		}
	}
}

// TestPortListHas: the port list forms Condition.Ports reads.
func TestPortListHas(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"3389", true}, {" 3389 ", true}, {"*", true}, {"80,*", true}, {"3000-4000", true}, {"3000 - 4000", true},
		{"", false}, {"-", false}, {"3389x", false}, {"4000-3000", false}, {"3390-", false}, {"-3389", false}, {"Any", false},
	} {
		if got := portListHas(c.s, []int{3389}); got != c.want {
			t.Errorf("portListHas(%q, 3389) = %v, want %v", c.s, got, c.want)
		}
	}
}
