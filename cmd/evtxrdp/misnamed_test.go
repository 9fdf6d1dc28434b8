package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// Logs whose records are not of the channel their file name says: a
// support engineer's Security.evtx that holds the System log, a
// System.evtx that holds Application records. The channel a log is read
// as comes from its records; the file name only when no record tells.
// analyze read Security.evtx as Security: the System rules said "System:
// no log of this channel among the inputs", the Security rules "Security
// read and covers it", and the run ended with exit 0 over a System log
// holding two Schannel 36871 (rdp-tls-disabled).
func TestMisnamedLogs(t *testing.T) {
	tls := filepath.Join(scenarios, "tls-36871-10013", "System.evtx")
	app := "../../testdata/evtx/fukusuket__evtx-parser__samples__Application.evtx"
	dir := t.TempDir()
	copyFile(t, tls, filepath.Join(dir, "Security.evtx"))
	copyFile(t, app, filepath.Join(dir, "System.evtx"))

	code, out, errOut := runCmd("analyze", dir)
	if code != exitDetected || !strings.Contains(out, "DETECTED      2  rdp-tls-disabled") {
		t.Errorf("analyze: exit %d, want %d with rdp-tls-disabled detected:\n%s%s", code, exitDetected, out, errOut)
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"Security.evtx: its records are of the System channel, not of Security as its file name says; it is read as System",
		"System.evtx: its records are of the Application channel, not of System as its file name says; it is read as Application",
		"Security.evtx  [System (from the events; the file name says Security)]",
		"System.evtx  [Application (from the events; the file name says System)]  not read (no rule reads its channel)",
	} {
		if !strings.Contains(out, want) && !strings.Contains(flat, want) {
			t.Errorf("analyze's report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Log Security (evidence): read") {
		t.Errorf("the System log saved as Security.evtx is reported as the Security log read:\n%s", out)
	}

	_, js, _ := runCmd("analyze", "--format", "json", dir)
	var rep struct {
		Warnings []string
		Inputs   []struct {
			Path              string
			Channel           string
			ChannelFromEvents bool   `json:"channel_from_events"`
			FileChannel       string `json:"file_channel"`
			Used              bool
		}
	}
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) != 2 || len(rep.Inputs) != 2 {
		t.Fatalf("json: warnings %q, inputs %+v", rep.Warnings, rep.Inputs)
	}
	for _, in := range rep.Inputs {
		want := map[string]string{"Security.evtx": "System", "System.evtx": "Application"}[filepath.Base(in.Path)]
		if in.Channel != want || !in.ChannelFromEvents || in.FileChannel != strings.TrimSuffix(filepath.Base(in.Path), ".evtx") || in.Used != (want == "System") {
			t.Errorf("json input %+v, want channel %s from the events", in, want)
		}
	}
	_, md, _ := runCmd("analyze", "--format", "markdown", dir)
	if !strings.Contains(md, "`System` (from the events; the file name says `Security`)") {
		t.Errorf("markdown inputs do not say Security.evtx holds System records:\n%s", md)
	}

	// query: --channel selects by the records' channel, and stderr names
	// the logs whose name says another.
	code, out, errOut = runCmd("query", dir, "--channel", "System", "-f", "text", "-q", "*[System[Provider[@Name='Schannel'] and EventID=36871]]")
	if code != exitOK || strings.Count(out, "Event[") != 2 || !strings.Contains(errOut, "Security.evtx: its records are of the System channel, not of Security as its file name says") {
		t.Errorf("query --channel System: exit %d, %d events, stderr:\n%s", code, strings.Count(out, "Event["), errOut)
	}
	code, _, errOut = runCmd("query", dir, "--channel", "Security", "-q", "*")
	if code != exitFailure || !strings.Contains(errOut, `no log of channel "Security" among the 2 logs given (their channels: Application, System)`) {
		t.Errorf("query --channel Security over no Security records: exit %d, stderr:\n%s", code, errOut)
	}
	// dump names them too.
	code, _, errOut = runCmd("dump", "-f", "none", dir)
	if code != exitOK || !strings.Contains(errOut, "evtxrdp dump: "+filepath.Join(dir, "Security.evtx")+": its records are of the System channel, not of Security as its file name says") ||
		!strings.Contains(errOut, "System.evtx: its records are of the Application channel") {
		t.Errorf("dump: exit %d, stderr:\n%s", code, errOut)
	}
}

// A log that mixes channels (a saved custom view): System records with two
// Schannel 36871, then Security records ending with an RDP lockout. analyze
// evaluates each record by the rules of its own channel, lists the
// channels in the inputs and warns.
func TestMixedChannelLogCLI(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(at.Add(-48*time.Hour), 30*time.Minute, 90)
	evs = append(evs, evtxtest.Schannel36871(at.Add(-3*time.Hour), 10013), evtxtest.Schannel36871(at.Add(-2*time.Hour), 10013),
		evtxtest.Security4625(at.Add(-20*time.Hour), "alice", "203.0.113.7", 0xC000006E, 0xC0000234, 10),
		evtxtest.Security4740(at.Add(-40*time.Minute), "alice", "VM1"))
	for i, ev := range evs {
		ev.RecordID = uint64(i + 1)
	}
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "custom-view.evtx"), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("analyze", dir)
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"DETECTED 2 rdp-tls-disabled",
		"DETECTED - rdp-logon-account",
		"custom-view.evtx holds records of several channels (System, Security: those of its first record, its first- and last-written records and the records a rule's query matched): each record is evaluated by the rules of its own channel",
		"custom-view.evtx [System (from the events; the file name says custom-view); records of System, Security]",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("analyze lacks %q: exit %d\n%s%s", want, code, out, errOut)
		}
	}
	if code != exitDetected {
		t.Errorf("exit %d", code)
	}

	// query: a QueryList selects each record by its own channel, and its
	// reader window is that of every Select, so that --no-skip gives the
	// same. The Select of System (the first record's channel) was applied
	// to every record of the log, and the Security Select to none: of the
	// two Security records only the one inside System's hour came out.
	ql := filepath.Join(dir, "q.xml")
	if err := os.WriteFile(ql, []byte(`<QueryList><Query Id="0">
<Select Path="System">*[System[TimeCreated[timediff(@SystemTime) &lt;= 3600000]]]</Select>
<Select Path="Security">*</Select>
</Query></QueryList>`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, noSkip := range []bool{false, true} {
		args := []string{"query", filepath.Join(dir, "custom-view.evtx"), "--structured-query", ql, "-f", "text"}
		if noSkip {
			args = append(args, "--no-skip")
		}
		code, out, errOut := runCmd(args...)
		if code != exitOK || strings.Count(out, "Event[") != 2 || !strings.Contains(out, "Event ID: 4625") || !strings.Contains(out, "Event ID: 4740") {
			t.Errorf("query %q: exit %d\n%s%s", args[1:], code, out, errOut)
		}
	}
}

// TestQueryChannelMixedLog: --channel selects records by their own
// System/Channel, as a query list's Path does. Over a saved custom view
// whose first record is Security's, whose middle holds two System
// Schannel 36871 and whose last record is Application's (given as its
// folder, so not kept as a file named on the command line),
// `--channel System` said "no log of channel System (their channels:
// Security)" and exit 1, while a query list with Path="System" found the
// two; and `--channel Security -q *` would print the System and
// Application records too. Both now select by each record's channel,
// --no-skip alike.
func TestQueryChannelMixedLog(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := range 3 {
		evs = append(evs, evtxtest.Security4625(at.Add(-3*time.Hour+time.Duration(i)*time.Second), "alice", "203.0.113.7", 0xC000006D, 0xC000006A, 10))
	}
	evs = append(evs, evtxtest.Schannel36871(at.Add(-2*time.Hour), 10013), evtxtest.Schannel36871(at.Add(-time.Hour), 10013))
	app := evtxtest.Noise(at, time.Minute, 2)
	for _, ev := range app {
		ev.System.Channel = "Application"
	}
	evs = append(evs, app...)
	for i, ev := range evs {
		ev.RecordID = uint64(i + 1)
	}
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "view.evtx"), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	ql := filepath.Join(t.TempDir(), "q.xml")
	if err := os.WriteFile(ql, []byte(`<QueryList><Query Id="0"><Select Path="System">*</Select></Query></QueryList>`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, noSkip := range []bool{false, true} {
		for _, c := range []struct {
			args []string
			n    int
			id   string
		}{
			{[]string{"--channel", "System", "-q", "*[System[EventID=36871]]"}, 2, "36871"},
			{[]string{"--channel", "system"}, 2, "36871"},
			{[]string{"--structured-query", ql}, 2, "36871"},
			{[]string{"--channel", "Security"}, 3, "4625"},
			{[]string{"--channel", "Application"}, 2, "7036"},
		} {
			args := append([]string{"query", dir, "-f", "text"}, c.args...)
			if noSkip {
				args = append(args, "--no-skip")
			}
			code, out, errOut := runCmd(args...)
			if code != exitOK || strings.Count(out, "Event[") != c.n || strings.Count(out, "Event ID: "+c.id) != c.n {
				t.Errorf("query %q: exit %d, want %d events %s\n%s%s", args[1:], code, c.n, c.id, out, errOut)
			}
		}
	}
	// A channel no record is of is still "no log of channel".
	if code, _, errOut := runCmd("query", dir, "--channel", "Setup"); code != exitFailure || !strings.Contains(errOut, `no log of channel "Setup"`) {
		t.Errorf("--channel Setup: exit %d, %s", code, errOut)
	}
}

// An archived log (Archive-System-....evtx) is of the channel it archives
// for query --channel as for analyze (rules.LogChannel), also when no
// record of it can be read: --channel System selects it and says why it
// cannot be read, rather than that no log is of the System channel.
func TestArchivedLogChannelUnreadable(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "Archive-System-2024-05-01-06-00-00-000.evtx")
	if err := os.WriteFile(bad, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd("query", "--channel", "System", "-q", "*", dir)
	if code != exitFailure || !strings.Contains(errOut, bad+": file header: offset 0x0: not an EVTX file: empty") || strings.Contains(errOut, "no log of channel") {
		t.Errorf("query --channel System over an empty System archive: exit %d, stderr:\n%s", code, errOut)
	}
}

// A support engineer's copies named after the machine or numbered by the
// browser (vm1-System.evtx, "System (1).evtx") hold their file name's
// channel with decoration around it. dump and query said of each "its
// records are of the System channel, not of vm1-System as its file name
// says", a contradiction that is not there, once per log and run; a
// Security.evtx holding System records is still named.
func TestDecoratedFileNameNamesChannel(t *testing.T) {
	tls := filepath.Join(scenarios, "tls-36871-10013", "System.evtx")
	// Each log alone in its folder: copies given together are read as one.
	for _, name := range []string{"vm1-System", "System (1)", "system_2024-05-01", "Security"} {
		dir := t.TempDir()
		copyFile(t, tls, filepath.Join(dir, name+".evtx"))
		for _, args := range [][]string{
			{"dump", "-f", "none", dir},
			{"query", dir, "-f", "xml", "-q", "*[System[EventID=36871]]"},
		} {
			code, _, errOut := runCmd(args...)
			noted := strings.Contains(errOut, name+".evtx: its records are of the System channel, not of "+name+" as its file name says")
			if code != exitOK || noted != (name == "Security") {
				t.Errorf("%s %s.evtx: exit %d, stderr names it as misnamed: %v, want %v:\n%s", args[0], name, code, noted, name == "Security", errOut)
			}
		}
	}
}

func TestNamesChannel(t *testing.T) {
	for _, c := range []struct {
		name, ch string
		want     bool
	}{
		{"vm1-System", "System", true},
		{"System (1)", "System", true},
		{"SYSTEM_copy", "System", true},
		{"export__Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational", "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational", true},
		{"Security", "System", false},
		{"export", "System", false},
		{"SystemBackup", "System", false},
		{"Microsoft-Windows-SystemDataArchiver/Diagnostic", "System", false},
		{"Microsoft-Windows-Windows Firewall With Advanced Security/Firewall", "Security", false},
		{"Microsoft-Windows-Security-Mitigations/KernelMode", "Security", false},
		{"System", "System", false}, // equal: not decorated (noteMisnamed compares equal names first)
		{"vm1-System", "", false},
	} {
		if got := namesChannel(c.name, c.ch); got != c.want {
			t.Errorf("namesChannel(%q, %q) = %v, want %v", c.name, c.ch, got, c.want)
		}
	}
}

// A file name that names no channel (export.evtx, ex_001.evtx, cut.evtx)
// makes no claim of its records' channel: dump, query and analyze said
// "its records are of the System channel, not of export as its file name
// says" (dump and query) though the name says no such thing. Now none of
// the three names such a log, and all three name one whose file name names
// another channel, alone or with decoration (Security.evtx,
// vm1-Security.evtx holding System records).
func TestUnnamingFileNameMakesNoClaim(t *testing.T) {
	tls := filepath.Join(scenarios, "tls-36871-10013", "System.evtx")
	for _, name := range []string{"export", "ex_001", "cut", "Security", "vm1-Security"} {
		want := strings.Contains(name, "Security")
		dir := t.TempDir()
		copyFile(t, tls, filepath.Join(dir, name+".evtx"))
		for _, args := range [][]string{
			{"dump", "-f", "none", dir},
			{"query", dir, "-f", "xml", "-q", "*[System[EventID=36871]]"},
			{"analyze", "-f", "json", dir},
		} {
			code, out, errOut := runCmd(args...)
			noted := strings.Contains(out+errOut, name+".evtx: its records are of the System channel, not of "+name+" as its file name says")
			if code != exitOK && args[0] != "analyze" || noted != want {
				t.Errorf("%s %s.evtx: exit %d, names it as misnamed: %v, want %v:\n%s", args[0], name, code, noted, want, errOut)
			}
		}
	}
}
