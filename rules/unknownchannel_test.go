package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestUnreadableLogOfUnknownChannel: a log no record of which could be
// read, named after no channel the rules read (a System log copied as
// export.evtx and cut after its file header), may be any channel's. The
// report said of it "not read (no rule reads its channel)", a channel
// taken from its file name, and of every rule "System: no log of this
// channel among the inputs", as if no System log had been given. Now the
// input is unreadable, said so with the first problem, and the rules
// name it as what may be their log. A whole log that holds no record
// (cleared) stays a log of its file name's channel, and so does a
// readable one.
func TestUnreadableLogOfUnknownChannel(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	b, err := evtxtest.Bytes([]*evtx.Event{evtxtest.Schannel36871(t0, 10013)}, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cut := t.TempDir()
	if err := os.WriteFile(filepath.Join(cut, "export.evtx"), b[:3000], 0o644); err != nil {
		t.Fatal(err)
	}
	cleared, err := evtxtest.Bytes(nil, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "export.evtx"), cleared, 0o644); err != nil {
		t.Fatal(err)
	}
	whole := t.TempDir()
	if err := os.WriteFile(filepath.Join(whole, "export.evtx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, plain := range []bool{false, true} {
		e := builtinEngine(t, Options{NoShortcuts: plain})
		logs, err := evtx.Find(cut)
		if err != nil {
			t.Fatal(err)
		}
		res, _ := e.Analyze(logs)
		if res == nil || len(res.Inputs) != 1 {
			t.Fatalf("NoShortcuts %v: %+v", plain, res)
		}
		in := res.Inputs[0]
		if !in.ChannelUnknown || in.Err == nil || !strings.Contains(in.Err.Error(), "no record could be read, so its channel is not known") || !strings.Contains(in.Err.Error(), "offset 0xbb8") {
			t.Errorf("NoShortcuts %v: cut export.evtx: unknown %v, err %v", plain, in.ChannelUnknown, in.Err)
		}
		f := finding(t, res, "rdp-tls-disabled")
		if why := strings.Join(f.Reasons, "\n"); f.Verdict != NotChecked || !strings.Contains(why, "System: no readable log of this channel among the inputs; "+filepath.Join(cut, "export.evtx")+" could not be read in full, and no record told its channel") {
			t.Errorf("NoShortcuts %v: %s, reasons %q", plain, f.Verdict, why)
		}
		logs, err = evtx.Find(empty)
		if err != nil {
			t.Fatal(err)
		}
		res, _ = e.Analyze(logs)
		if in := res.Inputs[0]; in.ChannelUnknown || in.Err != nil || in.Channel != "export" {
			t.Errorf("NoShortcuts %v: cleared export.evtx: unknown %v, err %v, channel %q", plain, in.ChannelUnknown, in.Err, in.Channel)
		}
		res = analyzePath(t, e, whole)
		if in := res.Inputs[0]; in.ChannelUnknown || in.Err != nil || in.Channel != "System" {
			t.Errorf("NoShortcuts %v: whole export.evtx: unknown %v, err %v, channel %q", plain, in.ChannelUnknown, in.Err, in.Channel)
		}
	}
}

// TestPartialOnlyLogOfUnknownChannel: a System log saved as export.evtx
// whose first records and the templates they define were zeroed yields
// every other record decoded in part, values without names, so no record
// tells its channel. The report said "not read (no rule reads its
// channel)", the channel being its file name's, "export", and every rule
// "System: no log of this channel among the inputs". Its channel is not
// known: the input says so, with why, and the rules name it as what may
// be their log, as for a log none of whose records could be read.
func TestPartialOnlyLogOfUnknownChannel(t *testing.T) {
	b, err := os.ReadFile("../testdata/evtx/scenarios/tls-36871-10013/System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	clear(b[4096+0x200 : 4096+0x2000])
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "export.evtx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, plain := range []bool{false, true} {
		e := builtinEngine(t, Options{NoShortcuts: plain})
		logs, err := evtx.Find(dir)
		if err != nil {
			t.Fatal(err)
		}
		res, _ := e.Analyze(logs)
		if res == nil || len(res.Inputs) != 1 {
			t.Fatalf("NoShortcuts %v: %+v", plain, res)
		}
		in := res.Inputs[0]
		if !in.ChannelUnknown || in.Err == nil || !strings.Contains(in.Err.Error(), "decoded in part") || !strings.Contains(in.Err.Error(), "its channel is not known") {
			t.Errorf("NoShortcuts %v: unknown %v, err %v", plain, in.ChannelUnknown, in.Err)
		}
		f := finding(t, res, "rdp-tls-disabled")
		if why := strings.Join(f.Reasons, "\n"); f.Verdict != NotChecked || !strings.Contains(why, filepath.Join(dir, "export.evtx")+" could not be read in full, and no record told its channel") {
			t.Errorf("NoShortcuts %v: %s, reasons %q", plain, f.Verdict, why)
		}
	}
}

// TestUnreadableLogNamedAfterUnreadChannel: a disk's winevt/Logs holds
// hundreds of logs named after their channels, some empty (0 bytes) or
// cut when the disk was detached. Such a log named after a channel no
// rule reads (Microsoft-Windows-AAD%4Operational.evtx, Application.evtx)
// is that channel's, as a cut System.evtx is System's: unreadable, but
// not "channel unknown". Every rule without its log listed each of them
// as "it may be this channel's log" (60 empty files made each rule's
// reason 600 lines long); only a log whose name names no channel
// (export.evtx) may be any channel's.
func TestUnreadableLogNamedAfterUnreadChannel(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	b, err := evtxtest.Bytes([]*evtx.Event{evtxtest.Schannel36871(t0, 10013)}, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string][]byte{
		"Microsoft-Windows-AAD%4Operational.evtx": nil,      // empty
		"Application.evtx":                        b[:3000], // cut after its file header
		"export.evtx":                             nil,      // names no channel
		"System.evtx":                             b,        // read
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, plain := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain}), dir)
		for _, in := range res.Inputs {
			name := filepath.Base(in.Path)
			if name == "System.evtx" {
				continue
			}
			if name == "export.evtx" && in.Err == nil {
				t.Errorf("NoShortcuts %v: %s read without error", plain, name)
			}
			if want := name == "export.evtx"; in.ChannelUnknown != want {
				t.Errorf("NoShortcuts %v: %s: channel unknown %v, want %v (channel %q)", plain, name, in.ChannelUnknown, want, in.Channel)
			}
		}
		f := finding(t, res, "rdp-firewall-rules")
		why := strings.Join(f.Reasons, "\n")
		if f.Verdict != NotChecked || !strings.Contains(why, "export.evtx could not be read in full") || strings.Contains(why, "AAD") || strings.Contains(why, "Application.evtx") {
			t.Errorf("NoShortcuts %v: reasons %q", plain, why)
		}
	}
}

// TestClassicLogsOfADiskNameTheirChannel: a disk's winevt/Logs holds
// classic logs beyond System, Application and Security (OAlerts.evtx,
// "DNS Server.evtx", "Directory Service.evtx", ...: classicChannels), each
// named by its channel as a Microsoft-Windows-...%4Operational.evtx is.
// One of them cut when the disk was detached was "channel unknown", and
// every rule named it as a log that might be theirs; a System log copied
// under such a name was not said to be misnamed. Now each is its
// channel's log, which no rule reads (not unknown, not opened), with
// shortcuts and without,
// and its name, alone or decorated (vm1-OAlerts), claims that channel.
func TestClassicLogsOfADiskNameTheirChannel(t *testing.T) {
	names := []string{"OAlerts", "DNS Server", "Directory Service", "Active Directory Web Services",
		"DFS Replication", "File Replication Service", "Key Management Service", "Internet Explorer",
		"Windows PowerShell", "HardwareEvents", "Media Center"}
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	b, err := evtxtest.Bytes([]*evtx.Event{evtxtest.Schannel36871(t0, 10013)}, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "Windows", "System32", "winevt", "Logs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n+".evtx"), b[:3000], 0o644); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{n, "vm1-" + n, n + " (1)", strings.ToLower(n)} {
			if got := FileNameClaim(name); got != n {
				t.Errorf("FileNameClaim(%q) = %q, want %q", name, got, n)
			}
			if !Misnamed(name, "System") {
				t.Errorf("Misnamed(%q, System) = false: a System log copied as %s.evtx names another channel", name, name)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "System.evtx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, plain := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain}), dir)
		if len(res.Inputs) != len(names)+1 {
			t.Fatalf("NoShortcuts %v: %d inputs, want %d", plain, len(res.Inputs), len(names)+1)
		}
		for _, in := range res.Inputs {
			n := strings.TrimSuffix(filepath.Base(in.Path), ".evtx")
			if n == "System" {
				continue
			}
			// Not read (no rule reads its channel), as a cut Application.evtx.
			if in.ChannelUnknown || in.Channel != n || in.Err != nil || in.Used {
				t.Errorf("NoShortcuts %v: %s.evtx: channel %q, unknown %v, err %v, used %v; want %q, known, not read",
					plain, n, in.Channel, in.ChannelUnknown, in.Err, in.Used, n)
			}
		}
		f := finding(t, res, "rdp-tls-disabled")
		if why := strings.Join(f.Reasons, "\n"); strings.Contains(why, "could not be read in full") {
			t.Errorf("NoShortcuts %v: a classic log named as one that may be the rules' own: %q", plain, why)
		}
	}
}
