package rules_test

import (
	"fmt"
	"log"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/rules"
)

// Analyze a directory of exported logs with the built-in rules, without the
// CLI.
func ExampleEngine_Analyze() {
	rs, err := rules.Builtin()
	if err != nil {
		log.Fatal(err)
	}
	eng, err := rules.NewEngine(rs, rules.Options{}) // reference time: the last-written record
	if err != nil {
		log.Fatal(err)
	}
	logs, err := evtx.Find("../testdata/evtx/scenarios/tls-36871-10013")
	if err != nil {
		log.Fatal(err)
	}
	res, err := eng.Analyze(logs)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("reference time:", res.ReferenceTime)
	for _, f := range res.Findings {
		fmt.Printf("%s: %s (%d events)\n", f.Rule.ID, f.Verdict, f.EvidenceCount)
		if f.Verdict == rules.Detected {
			fmt.Printf("  refined by %s; first step: %s\n", f.Refinements[0].Refinement.ID, f.Steps[0].Title)
			e := f.Evidence[0]
			fmt.Printf("  newest: record %d at %s, %s %d %v\n", e.RecordID, e.Time.Format("15:04"), e.Provider, e.EventID, e.Data)
		}
	}
	// Output:
	// reference time: 2024-05-01 12:00:00 +0000 UTC
	// rdp-cert-private-key: not_detected (0 events)
	// rdp-tls-disabled: detected (2 events)
	//   refined by tls-server-no-protocol; first step: Read how the TLS server protocols are set up
	//   newest: record 122 at 11:30, Schannel 36871 [{Type server} {ErrorState 10013}]
	// rdp-broker-renamed: not_checked (0 events)
	// rdp-brute-force: not_checked (0 events)
	// rdp-domain-trust: not_detected (0 events)
	// rdp-firewall-rules: not_checked (0 events)
	// rdp-guest-firewall: not_detected (0 events)
	// rdp-licensing: not_checked (0 events)
	// rdp-listener: not_detected (0 events)
	// rdp-logon-account: not_checked (0 events)
	// rdp-network-services: not_detected (0 events)
	// rdp-os-disk-full: not_detected (0 events)
	// rdp-os-unstable: not_detected (0 events)
	// rdp-service-not-running: not_detected (0 events)
}
