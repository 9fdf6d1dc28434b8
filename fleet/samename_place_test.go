package fleet_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/rules"
)

// sameNameLogs writes two machines of one computer name (VMs built from
// one image), whose System logs cover the same two days with different
// records: vm1's holds a Schannel 36870 of a TLS server that names no
// calling process, an hour before t0; vm2's RemoteConnectionManager
// Operational log holds an RDP connection (261) two seconds before it.
// The paths are given by name (System1, System2, RCM2) relative to dir.
func sameNameLogs(t *testing.T, dir string, paths map[string]string) {
	t.Helper()
	named := func(evs []*evtx.Event, first uint64) []*evtx.Event {
		slices.SortStableFunc(evs, func(a, b *evtx.Event) int { return a.System.TimeCreated.Compare(b.System.TimeCreated) })
		for i, ev := range evs {
			ev.System.Computer = "AZ-RDPVM01"
			ev.RecordID = first + uint64(i)
		}
		return evs
	}
	s1 := append(evtxtest.Noise(t0.Add(-48*time.Hour+time.Second), 10*time.Minute, 48*6),
		evtxtest.Schannel36870(t0.Add(-time.Hour), 0x8009030d, 10001))
	write(t, filepath.Join(dir, paths["System1"]), named(s1, 1))
	write(t, filepath.Join(dir, paths["System2"]), named(evtxtest.Noise(t0.Add(-48*time.Hour+7*time.Second), 10*time.Minute, 48*6), 5000))
	write(t, filepath.Join(dir, paths["RCM2"]), named([]*evtx.Event{evtxtest.RCMOperational(t0.Add(-time.Hour-2*time.Second), 261)}, 100))
}

// certVerdicts analyses ms and returns, per machine (in order), its logs'
// file names and the rdp-cert-private-key verdict.
func certVerdicts(t *testing.T, eng *rules.Engine, ms []*fleet.Machine) []string {
	t.Helper()
	out := make([]string, len(ms))
	fleet.Analyze(eng, ms, 2, func(i int, r *fleet.Result) {
		if r.Result == nil {
			t.Fatalf("machine %d: %v", i, r.Err)
		}
		var names []string
		for _, l := range ms[i].Logs {
			names = append(names, filepath.Base(l.Copies[0].Path))
		}
		out[i] = strings.Join(names, "+") + ": " + string(finding(t, r.Result, "rdp-cert-private-key").Verdict)
	}, nil)
	return out
}

// TestSameNameLogGoesWithItsPlace: of two machines of one name, a log
// whose records do not say whose it is (no log of its channel on either
// covers its period: vm2's RemoteConnectionManager log) went with the
// machine that existed when it came, vm1, wherever it lay; vm1's Schannel
// 36870 then counted as RDP's for the RDP connection made on vm2 two
// seconds before it, and rdp-cert-private-key was DETECTED on vm1 and not
// seen on vm2. It now goes with the machine whose other logs lie in its
// folder (vm1's 36870 is possible: nothing attributes it); where its
// folder holds both machines' logs, whose it is cannot be told and it is
// analysed apart, which its grouping lines say, so that neither
// machine's verdict rests on it.
func TestSameNameLogGoesWithItsPlace(t *testing.T) {
	eng := engine(t)
	rcm := "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"

	dir := t.TempDir()
	sameNameLogs(t, dir, map[string]string{"System1": "vm1/System.evtx", "System2": "vm2/System.evtx", "RCM2": "vm2/" + rcm})
	ms := group(t, eng, dir)
	got := certVerdicts(t, eng, ms)
	want := []string{"System.evtx: possible", rcm + "+System.evtx: not_detected"}
	if !slices.Equal(got, want) {
		t.Errorf("folders vm1, vm2: machines %q, want %q", got, want)
	}

	flat := t.TempDir()
	sameNameLogs(t, flat, map[string]string{"System1": "vm1-System.evtx", "System2": "vm2-System.evtx", "RCM2": "vm2-RCM.evtx"})
	ms = group(t, eng, flat)
	got = certVerdicts(t, eng, ms)
	want = []string{"vm1-System.evtx: possible", "vm2-RCM.evtx: not_checked", "vm2-System.evtx: not_detected"}
	if !slices.Equal(got, want) {
		t.Errorf("one folder: machines %q, want %q", got, want)
	}
	if len(ms) == 3 {
		g := strings.Join(ms[1].Grouping, "\n")
		if !strings.Contains(g, "vm2-RCM.evtx: analysed apart: 2 machines have the computer name its records name") || !strings.Contains(g, "2 of them have logs in its place") {
			t.Errorf("grouping of the log analysed apart: %q", ms[1].Grouping)
		}
	}
}
