package report_test

import (
	"log"
	"os"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/report"
	"github.com/evtxrdp/evtxrdp/rules"
)

// Analyze logs with one rule and render the text report (shortened: the
// resolution steps, notes, live-VM commands and inputs are left out).
func ExampleNew() {
	rs, err := rules.Builtin()
	if err != nil {
		log.Fatal(err)
	}
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	eng, err := rules.NewEngine(rs[1:2], rules.Options{At: at, Timeline: -1}) // rdp-tls-disabled, no timeline
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
	r := report.New(res)
	r.Findings[0].Steps = nil // keep the example short
	r.Findings[0].Notes, r.Findings[0].References, r.Findings[0].Queries = nil, nil, nil
	r.Inputs = nil
	if err := report.Write(os.Stdout, r, report.FormatText); err != nil {
		log.Fatal(err)
	}
	// Output:
	// evtxrdp: RDP failure diagnosis
	// Reference time: 2024-05-01T12:00:00.0000000Z (given with --at)
	//
	// VERDICT   #  RULE              EVIDENCE  WINDOW    TITLE
	// DETECTED  2  rdp-tls-disabled  2         24 hours  the TLS protocol versions RDP needs are disabled
	//
	// 1 detected, 0 possible, 0 resolved, 0 not detected, 0 not checked.
	// Windows end at the reference time; matches up to 7 days outside them are reported.
	//
	// == 1. rdp-tls-disabled: DETECTED ==
	// the TLS protocol versions RDP needs are disabled
	// Why: 2 events in the window belong to RDP; the newest: Schannel failed to
	//      create a TLS server credential (Schannel 36871 at
	//      2024-05-01T11:30:00.0000000Z), machine-wide (ErrorState=10013,
	//      Type=server); the live-VM commands show whether it still happens.
	// Window: 2024-04-30T12:00:00.0000000Z to 2024-05-01T12:00:00.0000000Z (24 hours)
	// Log Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational (context): absent, -
	// Log Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational (context): absent, -
	// Log System (evidence): read, ../testdata/evtx/scenarios/tls-36871-10013/System.evtx
	//
	// Evidence (2 events in the window, newest first):
	//   2024-05-01T11:30:00.0000000Z  ../testdata/evtx/scenarios/tls-36871-10013/System.evtx EventRecordID 122  Schannel 36871  [schannel-36871]
	//       Type="server" ErrorState="10013"
	//       attribution: machine-wide (ErrorState=10013, Type=server)
	//   2024-05-01T10:30:00.0000000Z  ../testdata/evtx/scenarios/tls-36871-10013/System.evtx EventRecordID 121  Schannel 36871  [schannel-36871]
	//       Type="server" ErrorState="10013"
	//       attribution: machine-wide (ErrorState=10013, Type=server)
	//
	// Cause (refined by tls-server-no-protocol, 2 events):
	//   Schannel could not create a TLS server credential (internal state 10013): no
	//   TLS protocol version is enabled for servers on this machine. TLS 1.x Server
	//   "Enabled" is 0 in the registry or set so by Group Policy; a non-zero
	//   "DisabledByDefault" may have the same effect. This holds for every TLS
	//   server of the machine, the RDP listener included.
	//
	// == Inputs ==
}
