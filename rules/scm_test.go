package rules

import (
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// keyNameText is a service key name as SCM writes it in <Binary>, with the
// state after a '/' in 7036 ("TermService/4", "OneSyncSvc_Session2"; key
// names of other vendors' services hold spaces: "FResponse Service/4" in
// python-evtx tests/data/system.evtx). A registry key name has no '\'.
var keyNameText = regexp.MustCompile(`^[^\\/]+(/[0-9]+)?$`)

// TestSCMKeyNamesInRealSamples checks, on every Service Control Manager
// record of the real samples, the layouts rdp-service-not-running.yaml
// relies on: the event ids that carry the key name in <Binary> (7000,
// 7009, 7023, 7031, 7036, 7043 have real records) carry a key name there,
// 7036 with its state; 7040 carries no <Binary> and the key name in
// param4; and two records named in the rule's comment read as it says.
func TestSCMKeyNamesInRealSamples(t *testing.T) {
	paths, err := filepath.Glob("../testdata/evtx/*.evtx")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	inBinary := map[uint16]bool{7000: true, 7001: true, 7009: true, 7022: true, 7023: true, 7024: true, 7031: true, 7034: true, 7036: true, 7043: true}
	seen := map[uint16]int{}
	named := map[string]string{}
	for _, p := range paths {
		f, err := evtx.Open(p)
		if err != nil {
			continue
		}
		for {
			ev, err := f.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil || ev == nil {
				continue // a damaged record: the evtx tests cover those
			}
			if ev.System.Provider.Name != "Service Control Manager" {
				continue
			}
			id := ev.System.EventID
			key, ok := BinaryText(ev.Binary)
			switch {
			case inBinary[id]:
				seen[id]++
				if !ok || !keyNameText.MatchString(key) {
					t.Errorf("%s record %d (SCM %d): <Binary> %q is not a key name", filepath.Base(p), ev.RecordID, id, key)
				}
				if id == 7036 && !strings.Contains(key, "/") {
					t.Errorf("%s record %d (SCM 7036): <Binary> %q has no state", filepath.Base(p), ev.RecordID, key)
				}
			case id == 7040:
				seen[id]++
				v, has := ev.Data("param4")
				if len(ev.Binary) != 0 || !has || !keyNameText.MatchString(v.String()) {
					t.Errorf("%s record %d (SCM 7040): binary %x, param4 %q; want no binary and the key name in param4", filepath.Base(p), ev.RecordID, ev.Binary, v.String())
				}
			}
			if id == 7036 || id == 7000 {
				p1, _ := ev.Data("param1")
				named[filepath.Base(p)+"/"+key] = p1.String()
			}
		}
		f.Close()
	}
	for _, id := range []uint16{7000, 7009, 7023, 7031, 7036, 7040} {
		if seen[id] == 0 {
			t.Errorf("no real SCM %d record: the check proves nothing for it", id)
		}
	}
	for k, want := range map[string]string{
		"omerbenamram__evtx__samples__system.evtx/CldFlt":                       "CldFlt",
		"williballenthin__python-evtx__tests__data__system.evtx/TermService/1":  "Remote Desktop Services",
		"williballenthin__python-evtx__tests__data__system.evtx/SessionEnv/4":   "Remote Desktop Configuration",
		"williballenthin__python-evtx__tests__data__system.evtx/UmRdpService/4": "Remote Desktop Services UserMode Port Redirector",
		"williballenthin__python-evtx__tests__data__system.evtx/RpcSs/4":        "Remote Procedure Call (RPC)",
	} {
		if got, ok := named[k]; !ok || got != want {
			t.Errorf("%s: param1 %q (found %v), want %q", k, got, ok, want)
		}
	}
	t.Logf("SCM records checked per event id: %v", seen)
}
