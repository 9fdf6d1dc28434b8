package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// dump and query of a machine's logs folder read its .evtx files alone,
// as analyze does, and name, as analyze names them (fleet.SkippedBelow),
// what it holds besides them: a subfolder of logs (Archive/Security.evtx)
// and an archive (logs.zip). Before, analyze named both and dump and
// query said nothing: "query DIR" over a folder whose Security log was in
// Archive/ printed no Security event and no word why. A folder without
// logs below is not named, nor is anything for a log file given by name,
// and the exit code is that of the logs read.
func TestDumpQueryNameWhatALogsFolderHoldsBelow(t *testing.T) {
	dir := t.TempDir()
	src := "../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"
	copyFile(t, src, filepath.Join(dir, "System.evtx"))
	copyFile(t, src, filepath.Join(dir, "Archive", "Security.evtx"))
	if err := os.MkdirAll(filepath.Join(dir, "empty", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	variantZip(t, filepath.Join(dir, "logs.zip"), map[string][]byte{"Logs/System.evtx": mustRead(t, src)})
	named := []string{
		"fleet: " + filepath.Join(dir, "Archive") + ": a folder below the logs folder " + dir + ", not read with it (a folder holding .evtx files is read alone; give " + filepath.Join(dir, "Archive") + " as a PATH of its own)\n",
		"fleet: " + filepath.Join(dir, "logs.zip") + ": an archive beside the logs of " + dir + ", not read with them (give it as a PATH of its own)\n",
	}
	for _, c := range []struct {
		cmd  string
		args []string
	}{
		{"analyze", []string{"-f", "json"}},
		{"dump", []string{"-f", "none"}},
		{"query", []string{"-f", "xml", "-q", "*[System[EventID=6005]]"}},
	} {
		args := append(append([]string{c.cmd}, c.args...), dir)
		code, _, errOut := runCmd(args...)
		if code == exitFailure || code == exitUsage {
			t.Errorf("%q: exit %d\n%s", args, code, errOut)
		}
		for _, w := range named {
			if !strings.Contains(errOut, "evtxrdp "+c.cmd+": "+w) {
				t.Errorf("%q: stderr lacks %q:\n%s", args, "evtxrdp "+c.cmd+": "+w, errOut)
			}
		}
		if strings.Contains(errOut, "empty") {
			t.Errorf("%q: a folder without logs named:\n%s", args, errOut)
		}
		// The log given by name: nothing below it to name.
		args = append(append([]string{c.cmd}, c.args...), filepath.Join(dir, "System.evtx"))
		if _, _, errOut := runCmd(args...); strings.Contains(errOut, "not read with") {
			t.Errorf("%q: names what lies beside a log given by name:\n%s", args, errOut)
		}
	}
}

// dump --since 24h over the logs of two machines counts back from each
// machine's own last-written record, as analyze and query take "now",
// and stderr names the machines and their reference times. Before, it
// counted back from the latest of both (vm2's, three days after vm1's
// last record), silently: vm1's last day printed no event.
func TestDumpSincePerMachine(t *testing.T) {
	vm1 := filepath.Join(cases, "two-computers", "vm1", "System.evtx")
	vm2 := filepath.Join(cases, "two-computers", "vm2", "System.evtx")
	count := func(out string) int { return strings.Count(out, "<Event ") + strings.Count(out, "<Event>") }
	for _, since := range [][]string{{"--since", "24h"}, {"--since", "24h", "--until", "1h"}, {"--since", "2024-04-01", "--until", "1h"}} {
		args := append([]string{"dump", "-f", "xml"}, since...)
		_, one, _ := runCmd(append(args, vm1)...)
		_, two, _ := runCmd(append(args, vm2)...)
		code, both, errOut := runCmd(append(args, vm1, vm2)...)
		if count(one) == 0 || count(two) == 0 {
			t.Fatalf("%q: %d and %d events alone", since, count(one), count(two))
		}
		if code != exitOK || both != one+two {
			t.Errorf("%q: both machines: exit %d, %d events; alone %d and %d\n%s", since, code, count(both), count(one), count(two), errOut)
		}
		for _, w := range []string{
			"evtxrdp dump: the logs come from 2 machines (vm1.contoso.com, vm2.contoso.com); --since and --until count back from each machine's own last-written record",
			"reference time of vm1.contoso.com: 2024-05-01T12:00:00.0000000Z (the last-written record, EventRecordID 123 in " + vm1 + ")",
			"reference time of vm2.contoso.com: 2024-05-04T12:00:00.0000000Z (the last-written record, EventRecordID 121 in " + vm2 + ")",
		} {
			if !strings.Contains(errOut, w) {
				t.Errorf("%q: stderr lacks %q:\n%s", since, w, errOut)
			}
		}
	}
	// An absolute window uses no reference time: nothing said.
	if _, _, errOut := runCmd("dump", "-f", "none", "--since", "2024-04-01", vm1, vm2); strings.Contains(errOut, "machines") || strings.Contains(errOut, "reference time") {
		t.Errorf("absolute --since: stderr:\n%s", errOut)
	}
}

// dump and query of a folder that holds no .evtx file but folders and
// archives of logs below it (a fleet, which analyze reads) fail as
// before, and now name what below it holds logs, found as analyze finds
// it (fleet.Find): before, they said only "no .evtx logs in DIR (nor in
// Windows/System32/winevt/Logs below it)".
func TestDumpQueryNameLogsBelowAFolderWithout(t *testing.T) {
	dir := t.TempDir()
	src := "../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"
	copyFile(t, src, filepath.Join(dir, "vm1", "System.evtx"))
	copyFile(t, src, filepath.Join(dir, "deep", "er", "vm3", "System.evtx"))
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	variantZip(t, filepath.Join(dir, "vm2.zip"), map[string][]byte{"Logs/System.evtx": mustRead(t, src)})
	want := "; 3 places below it hold logs, not read: " + filepath.Join(dir, "deep", "er", "vm3") + ", " + filepath.Join(dir, "vm1") + ", " + filepath.Join(dir, "vm2.zip") + " (give each as a PATH of its own; analyze " + dir + " reads them all)"
	for _, args := range [][]string{{"dump", "-f", "none"}, {"query", "-f", "xml"}} {
		code, out, errOut := runCmd(append(args, dir)...)
		if code != exitFailure || out != "" || !strings.Contains(errOut, "no .evtx logs in "+dir) || !strings.Contains(errOut, want) {
			t.Errorf("%q: exit %d, stdout %q, stderr:\n%s\nwant %q", args, code, out, errOut, want)
		}
	}
	// A folder with nothing below: the error alone.
	empty := filepath.Join(dir, "empty")
	if _, _, errOut := runCmd("dump", empty); strings.Contains(errOut, "below it hold logs") {
		t.Errorf("empty folder: stderr:\n%s", errOut)
	}
}

// analyze, dump and query of a collection zip name each archive inside it,
// which none of them reads, on stderr: before, a zip holding System.evtx
// and vm2.zip was read as one machine with no word of vm2.zip, and one
// holding only zips said "no .evtx members" and nothing of them. The same
// for the archive on standard input ("-!vm2.zip").
func TestCommandsNameArchivesInsideAnArchive(t *testing.T) {
	dir := t.TempDir()
	src := "../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"
	inner := filepath.Join(dir, "vm2.zip")
	variantZip(t, inner, map[string][]byte{"Logs/System.evtx": mustRead(t, src)})
	mixed := filepath.Join(dir, "mixed.zip")
	variantZip(t, mixed, map[string][]byte{"System.evtx": mustRead(t, src), "vm2.zip": mustRead(t, inner)})
	only := filepath.Join(dir, "only.zip")
	variantZip(t, only, map[string][]byte{"vm2.zip": mustRead(t, inner)})
	for _, c := range []struct {
		cmd  string
		args []string
	}{
		{"analyze", []string{"-f", "json"}},
		{"dump", []string{"-f", "none"}},
		{"query", []string{"-f", "xml", "-q", "*[System[EventID=6005]]"}},
	} {
		for _, z := range []string{mixed, only} {
			args := append(append([]string{c.cmd}, c.args...), z)
			code, _, errOut := runCmd(args...)
			want := "evtxrdp " + c.cmd + ": fleet: " + z + "!vm2.zip: an archive inside the archive " + z + ", not read (extract it and give it as a PATH of its own)\n"
			if !strings.Contains(errOut, want) {
				t.Errorf("%q: exit %d, stderr lacks %q:\n%s", args, code, want, errOut)
			}
			if (code == exitFailure) != (z == only) {
				t.Errorf("%q: exit %d", args, code)
			}
			// The same archive on standard input: named "-" then the
			// member's path, as its .evtx members are ("-!System.evtx").
			// Before, nothing named vm2.zip.
			args = append(append([]string{c.cmd}, c.args...), "-")
			withStdin(t, z, func() { code, _, errOut = runCmd(args...) })
			want = "evtxrdp " + c.cmd + ": fleet: -!vm2.zip: an archive inside the archive -, not read (extract it and give it as a PATH of its own)\n"
			if !strings.Contains(errOut, want) || strings.Contains(errOut, "stdin-") {
				t.Errorf("%q < %s: exit %d, stderr lacks %q or names the temporary copy:\n%s", args, z, code, want, errOut)
			}
			if (code == exitFailure) != (z == only) {
				t.Errorf("%q < %s: exit %d", args, z, code)
			}
		}
	}
}

// A tar (or another archive evtxrdp does not read) inside a zip, given by
// path or on standard input, is named on stderr and in the report's
// not-read list, as a .zip inside it is: a zip holding System.evtx and
// vm2.tar was read as System.evtx alone, with no word of vm2.tar.
func TestCommandsNameTarInsideAnArchive(t *testing.T) {
	dir := t.TempDir()
	src := "../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"
	z := filepath.Join(dir, "all.zip")
	variantZip(t, z, map[string][]byte{"System.evtx": mustRead(t, src), "vm2.tar": []byte("not read")})
	for _, name := range []string{z, "-"} {
		want := "fleet: " + name + "!vm2.tar: a tar archive inside the archive " + name + ", not read (only .zip archives are read: extract it and give what it holds as a PATH of its own)"
		var code int
		var out, errOut string
		if name == "-" {
			withStdin(t, z, func() { code, out, errOut = runCmd("analyze", "-f", "json", "-") })
		} else {
			code, out, errOut = runCmd("analyze", "-f", "json", z)
		}
		if code == exitFailure || code == exitUsage || !strings.Contains(errOut, "evtxrdp analyze: "+want+"\n") || !strings.Contains(out, want) {
			t.Errorf("analyze %s: exit %d, stderr or the report's not_read lacks %q:\n%s", name, code, want, errOut)
		}
		if name == "-" {
			continue
		}
		code, _, errOut = runCmd("dump", "-f", "none", z)
		if code != exitOK || !strings.Contains(errOut, "evtxrdp dump: "+want+"\n") {
			t.Errorf("dump %s: exit %d, stderr lacks %q:\n%s", name, code, want, errOut)
		}
	}
}

// dump and query of a mounted volume name, as analyze names them, what
// they do not read on it: another installation's logs (Windows.old) and
// a log elsewhere on the volume (an export on a user's Desktop), the
// latter with the command, their own, that reads it with the volume's
// logs; a log so named that is given as a PATH too is read, and not
// named. Before, dump and query of a volume said nothing of either: a
// forensics user dumping a disk's logs lost the older installation's
// without a word.
func TestDumpQueryNameWhatAVolumeHoldsBeside(t *testing.T) {
	vol := t.TempDir()
	src := "../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"
	copyFile(t, src, filepath.Join(vol, "Windows", "System32", "winevt", "Logs", "System.evtx"))
	copyFile(t, src, filepath.Join(vol, "Windows.old", "Windows", "System32", "winevt", "Logs", "System.evtx"))
	export := filepath.Join(vol, "Users", "bob", "Desktop", "export.evtx")
	copyFile(t, src, export)
	size := len(mustRead(t, src))
	for _, c := range []struct {
		cmd  string
		args []string
	}{
		{"analyze", []string{"-f", "json"}},
		{"dump", []string{"-f", "none"}},
		{"query", []string{"-f", "xml", "-q", "*[System[EventID=6005]]"}},
	} {
		old := "evtxrdp " + c.cmd + ": fleet: " + filepath.Join(vol, "Windows.old") + ": another Windows installation's logs (its Windows/System32/winevt/Logs) on the volume " + vol + ", not read with the volume's (give it as a PATH of its own)\n"
		other := "evtxrdp " + c.cmd + ": fleet: " + export + " (" + strconv.Itoa(size) + " bytes): a log on the volume " + vol + " outside its Windows/System32/winevt/Logs, not read with the volume's logs (to read it with them: evtxrdp " + c.cmd + " " + vol + " " + export + ")\n"
		args := append(append([]string{c.cmd}, c.args...), vol)
		code, _, errOut := runCmd(args...)
		if code == exitFailure || code == exitUsage {
			t.Errorf("%q: exit %d\n%s", args, code, errOut)
		}
		for _, w := range []string{old, other} {
			if !strings.Contains(errOut, w) {
				t.Errorf("%q: stderr lacks %q:\n%s", args, w, errOut)
			}
		}
		// The export given too: read, so not named; Windows.old still is.
		args = append(args, export)
		_, _, errOut = runCmd(args...)
		if strings.Contains(errOut, "outside its Windows/System32/winevt/Logs") || !strings.Contains(errOut, old) {
			t.Errorf("%q: stderr names the export given, or not Windows.old:\n%s", args, errOut)
		}
		// Windows.old given too: read, so not named "not read".
		args = append(args, filepath.Join(vol, "Windows.old"))
		code, _, errOut = runCmd(args...)
		if code == exitFailure || code == exitUsage || strings.Contains(errOut, "another Windows installation") {
			t.Errorf("%q: exit %d, stderr names Windows.old, given:\n%s", args, code, errOut)
		}
	}
}
