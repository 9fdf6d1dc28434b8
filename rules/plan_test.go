package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestPlan tests the plan alone, from the logs' names and first events:
// logs of channels no query reads are not used, a path given twice is one
// input, an archived log's name gives its channel, and without a System
// log by name a renamed log's channel comes from its first event. No
// record is decoded.
func TestPlan(t *testing.T) {
	e := builtinEngine(t, Options{})
	find := func(p string) []*evtx.Log {
		t.Helper()
		logs, err := evtx.Find(p)
		if err != nil {
			t.Fatal(err)
		}
		return logs
	}
	vol := find(filepath.Join(scenarioDir, "volume"))
	p := e.plan(append(vol, vol...))
	if len(p.inputs) != len(vol) || len(p.logs) != len(p.inputs) {
		t.Fatalf("%d inputs for %d logs given twice", len(p.inputs), len(vol))
	}
	for _, in := range p.inputs {
		app := strings.HasSuffix(in.Path, "Application.evtx")
		if in.Used == app {
			t.Errorf("%s: used %v", in.Path, in.Used)
		}
		if in.Decoded || in.Stats.Records != 0 {
			t.Errorf("%s: the plan read records", in.Path)
		}
	}
	if len(p.byChannel["system"]) == 0 || len(p.byChannel["security"]) == 0 {
		t.Errorf("queries per channel: %d System, %d Security", len(p.byChannel["system"]), len(p.byChannel["security"]))
	}
	p = e.plan(find(filepath.Join(scenarioDir, "archived-system")))
	for _, in := range p.inputs {
		if in.Channel != "System" || !in.Used {
			t.Errorf("%s: channel %q used %v, want System", in.Path, in.Channel, in.Used)
		}
	}
	p = e.plan(find("../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"))
	if in := p.inputs[0]; in.Channel != "System" || !in.ChannelFromEvents || !in.Used {
		t.Errorf("renamed System log: channel %q from events %v used %v", in.Channel, in.ChannelFromEvents, in.Used)
	}
	// Every log is read by its first event's channel, whatever its name
	// and whatever lies beside it: a second copy, another machine's log,
	// a log saved under another channel's name (Security.evtx holding
	// System records, read as System, with a warning naming it) or under
	// a name that is no channel's. A log whose records are of a channel no
	// rule reads is not read, whatever its name (Application records in a
	// file named System.evtx).
	dir := t.TempDir()
	src, err := os.ReadFile("../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	app, err := os.ReadFile("../testdata/evtx/fukusuket__evtx-parser__samples__Application.evtx")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"System.evtx", "System (1).evtx", "vm2-SYSTEM.evtx", "Setup.evtx", "Security.evtx"} {
		if err := os.WriteFile(filepath.Join(dir, n), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "vm3-System.evtx"), app, 0o644); err != nil {
		t.Fatal(err)
	}
	p = e.plan(find(dir))
	for _, in := range p.inputs {
		base := filepath.Base(in.Path)
		switch {
		case base == "vm3-System.evtx":
			if in.Used || in.Channel != "Application" || in.FileChannel != "vm3-System" {
				t.Errorf("%s holding Application records: channel %q (file name %q) used %v", base, in.Channel, in.FileChannel, in.Used)
			}
		case base == "System.evtx":
			if !in.Used || in.ChannelFromEvents || in.FileChannel != "" || in.Channel != "System" {
				t.Errorf("%s: channel %q from events %v (file name %q) used %v", base, in.Channel, in.ChannelFromEvents, in.FileChannel, in.Used)
			}
		default:
			want := strings.TrimSuffix(base, ".evtx")
			if !in.Used || !in.ChannelFromEvents || in.FileChannel != want || in.Channel != "System" {
				t.Errorf("%s holding System records: channel %q from events %v (file name %q) used %v", base, in.Channel, in.ChannelFromEvents, in.FileChannel, in.Used)
			}
		}
	}
	// A warning names each log whose file name names another channel
	// (Misnamed, as dump and query decide): Security.evtx and Setup.evtx
	// holding System records, vm3-System.evtx holding Application ones;
	// not those whose name holds their own channel.
	var named []string
	for _, w := range p.warnings {
		for _, n := range []string{"Security", "Setup", "vm3-System"} {
			if strings.Contains(w, n+".evtx: its records are of the ") && strings.Contains(w, "not of "+n+" as its file name says") {
				named = append(named, n)
			}
		}
	}
	if len(p.warnings) != 3 || len(named) != 3 {
		t.Errorf("warnings %q, want one naming each of Security.evtx, Setup.evtx, vm3-System.evtx", p.warnings)
	}
	// A log whose name gives no channel and that cannot be opened (stdin
	// that was empty, a damaged export) is unreadable, not a log of a
	// channel no rule reads.
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "export.evtx"), make([]byte, 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	if in := e.plan(find(dir)).inputs[0]; in.Used || !errors.Is(in.Err, evtx.ErrNotEVTX) {
		t.Errorf("all-zero export: used %v, error %v", in.Used, in.Err)
	}
	// A System log by name that cannot be opened (a directory, an
	// all-zero file) or holds no record does not stop a renamed System
	// log from being read by its first event; it stays an input, used, so
	// that the scan says why it is unreadable.
	for _, bad := range []string{"directory", "all-zero", "truncated"} {
		dir = t.TempDir()
		sys := filepath.Join(dir, "System.evtx")
		switch bad {
		case "directory":
			err = os.Mkdir(sys, 0o755)
		case "all-zero":
			err = os.WriteFile(sys, make([]byte, 69632), 0o644)
		case "truncated": // the file header alone: no chunk, no record
			err = os.WriteFile(sys, src[:4096], 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "vm.evtx"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		logs, err := evtx.Find(dir)
		if err != nil {
			t.Fatal(err)
		}
		var renamed, named bool
		for _, in := range e.plan(logs).inputs {
			switch filepath.Base(in.Path) {
			case "vm.evtx":
				renamed = in.Used && in.ChannelFromEvents && in.Channel == "System"
			case "System.evtx":
				named = in.Used && in.Channel == "System"
			}
		}
		if !renamed || !named {
			t.Errorf("%s System.evtx: renamed System log read %v, System.evtx kept as an input %v", bad, renamed, named)
		}
	}
	// The article's rules without the timeline read no Security log.
	if len(articleEngine(t, Options{}).plan(nil).byChannel["security"]) != 0 {
		t.Error("the article's rules read Security")
	}
}

func TestMisnamed(t *testing.T) {
	for _, c := range []struct {
		file, ch string
		want     bool
	}{
		{"Security", "System", true},
		{"vm1-Security", "System", true},
		{"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", "System", true},
		{"export", "System", false},
		{"ex_001", "Application", false},
		{"cut", "System", false},
		{"view", "System", false},
		{"vm1-System", "System", false},
		{"System", "system", false},
		{"SystemBackup", "Application", false},
		{"Security", "", false},
	} {
		if got := Misnamed(c.file, c.ch); got != c.want {
			t.Errorf("Misnamed(%q, %q) = %v, want %v", c.file, c.ch, got, c.want)
		}
	}
}
