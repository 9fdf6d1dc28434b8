package fleet_test

import (
	"encoding/binary"
	"fmt"
	"os"
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

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

const ruleTLS = "rdp-tls-disabled"

// systemLog returns a System log of computer: background events every ten
// minutes over the two days before end, with n Schannel 36871 (TLS
// disabled) events an hour before end. Record ids start at first.
func systemLog(computer string, end time.Time, n int, first uint64) []*evtx.Event {
	evs := evtxtest.Noise(end.Add(-48*time.Hour), 10*time.Minute, 48*6)
	for i := range n {
		evs = append(evs, evtxtest.Schannel36871(end.Add(-time.Hour+time.Duration(i)*time.Second), 10013))
	}
	evs = append(evs, evtxtest.Noise(end, time.Minute, 1)...)
	slices.SortStableFunc(evs, func(a, b *evtx.Event) int { return a.System.TimeCreated.Compare(b.System.TimeCreated) })
	for i, ev := range evs {
		ev.System.Computer = computer
		ev.RecordID = first + uint64(i)
	}
	return evs
}

// appLog is n events of the Application channel, a minute apart from t:
// a log no rule reads.
func appLog(t time.Time, n int) []*evtx.Event {
	evs := evtxtest.Noise(t, time.Minute, n)
	for _, ev := range evs {
		ev.System.Channel = "Application"
	}
	return evs
}

func write(t *testing.T, path string, evs []*evtx.Event) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(path, evs, evtxtest.Options{MaxRecordsPerChunk: 40}); err != nil {
		t.Fatal(err)
	}
}

func engine(t *testing.T) *rules.Engine {
	t.Helper()
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	e, err := rules.NewEngine(rs, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// group groups the logs at paths as analyze does (reading the records of
// the analysed period), and checks that reading every record groups them
// the same way.
func group(t *testing.T, eng *rules.Engine, paths ...string) []*fleet.Machine {
	t.Helper()
	units, probs, err := fleet.Find(paths)
	if err != nil || len(probs) > 0 {
		t.Fatalf("Find: %v %v", probs, err)
	}
	ms := fleet.Group(units, fleet.Options{Channels: eng.Channels(), Period: 10 * 24 * time.Hour, Accepts: eng.Accepts()})
	all := fleet.Group(units, fleet.Options{Channels: eng.Channels(), Accepts: eng.Accepts()})
	if got, want := shape(ms), shape(all); got != want {
		t.Errorf("grouped from the analysed period:\n%s\nfrom every record:\n%s", got, want)
	}
	checkLoneAlt(t, units, fleet.Options{Channels: eng.Channels(), Period: 10 * 24 * time.Hour, Accepts: eng.Accepts()}, ms)
	return ms
}

// checkLoneAlt fails t unless ms, grouped from units with o, is what the
// grouping gives when it computes the eventKeys and recordKeys of every
// log, also of those no other log of their channel is read beside
// (fleet's lone-log shortcuts off): the same machines, logs, copies,
// counts and grouping lines.
func checkLoneAlt(t *testing.T, units []*fleet.Unit, o fleet.Options, ms []*fleet.Machine) {
	t.Helper()
	fleet.SetLoneAltOn(true)
	defer fleet.SetLoneAltOn(false)
	plain := fleet.Group(units, o)
	if got, want := fullShape(ms), fullShape(plain); got != want {
		t.Errorf("grouped without the eventKeys of lone logs:\n%s\nwith them:\n%s", got, want)
	}
}

// fullShape is shape with each machine's grouping lines and its unmerged
// copies.
func fullShape(ms []*fleet.Machine) string {
	var b strings.Builder
	b.WriteString(shape(ms))
	for _, m := range ms {
		fmt.Fprintf(&b, "%s unmerged=%v\n  %s\n", m.Label(), m.UnmergedCopy, strings.Join(m.Grouping, "\n  "))
	}
	return b.String()
}

// TestLoneLogAltKeysChangeNothing: Group computes no eventKeys for a log
// no other log of its channel is read beside (nothing to compare them
// with), nor recordKeys when no other path names its file (it counts its
// distinct records without them: TestLoneProfileEqualsKeyed); the
// machines it finds must be those it finds computing them for
// every log, for the shared samples (48 logs: VSS copies, exports, several
// machines), testdata/evtx, each sample folder alone, and two folders of
// the same samples (every log a copy).
func TestLoneLogAltKeysChangeNothing(t *testing.T) {
	eng := engine(t)
	o := fleet.Options{Channels: eng.Channels(), Period: 12 * 24 * time.Hour, Accepts: eng.Accepts()}
	inputs := [][]string{{"../../shared/samples"}, {"../testdata/evtx"}, {"../../shared/samples", "../testdata/evtx"}}
	files, _ := filepath.Glob("../../shared/samples/*.evtx")
	for _, f := range files {
		inputs = append(inputs, []string{f})
	}
	if len(files) < 40 {
		t.Fatalf("%d shared samples, want the 48", len(files))
	}
	lone := 0
	for _, in := range inputs {
		units, _, err := fleet.Find(in)
		if err != nil {
			t.Fatalf("Find %v: %v", in, err)
		}
		ms := fleet.Group(units, o)
		checkLoneAlt(t, units, o, ms)
		for _, m := range ms {
			for _, l := range m.Logs {
				if l.Read && len(l.Copies) == 1 {
					lone++
				}
			}
		}
	}
	if lone < 40 {
		t.Errorf("%d lone logs read: the test compares little", lone)
	}
}

// shape describes machines: labels, computers and each log's copies.
func shape(ms []*fleet.Machine) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s %q forwarded=%v\n", m.Label(), m.Computers, m.Forwarded)
		for _, l := range m.Logs {
			fmt.Fprintf(&b, "  %s read=%v records=%d\n", l.Channel, l.Read, l.Records)
			for _, c := range l.Copies {
				fmt.Fprintf(&b, "    %s %d %d %v\n", c.Path, c.Records, c.Added, c.SameFile)
			}
		}
	}
	return b.String()
}

// analyze returns each machine's result by label.
func analyze(t *testing.T, eng *rules.Engine, ms []*fleet.Machine) map[string]*rules.Result {
	t.Helper()
	out := map[string]*rules.Result{}
	fleet.Analyze(eng, ms, 2, func(i int, r *fleet.Result) {
		if r.Machine != ms[i] || r.Result == nil {
			t.Fatalf("result %d: %+v", i, r)
		}
		out[r.Machine.Label()] = r.Result
	}, nil)
	return out
}

func finding(t *testing.T, r *rules.Result, id string) *rules.Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.Rule.ID == id {
			return f
		}
	}
	t.Fatalf("no finding %s", id)
	return nil
}

func labels(ms []*fleet.Machine) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Label())
	}
	return out
}

// Two VMs' logs in one folder: each machine gets its own reference time,
// so vm1's failure, three days older than vm2's newest record, is found.
func TestTwoMachinesOneFolder(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "vm1-System.evtx"), systemLog("vm1.contoso.com", t0.Add(-72*time.Hour), 2, 1))
	write(t, filepath.Join(dir, "vm2-System.evtx"), systemLog("vm2.contoso.com", t0, 0, 1))
	eng := engine(t)
	ms := group(t, eng, dir)
	if got := labels(ms); !slices.Equal(got, []string{"vm1.contoso.com", "vm2.contoso.com"}) {
		t.Fatalf("machines %q", got)
	}
	res := analyze(t, eng, ms)
	if f := finding(t, res["vm1.contoso.com"], ruleTLS); f.Verdict != rules.Detected || f.EvidenceCount != 2 {
		t.Errorf("vm1: %s, %d events", f.Verdict, f.EvidenceCount)
	}
	if f := finding(t, res["vm2.contoso.com"], ruleTLS); f.Verdict != rules.NotDetected {
		t.Errorf("vm2: %s", f.Verdict)
	}
	if !res["vm1.contoso.com"].ReferenceTime.Equal(t0.Add(-72 * time.Hour)) {
		t.Errorf("vm1 reference time %v", res["vm1.contoso.com"].ReferenceTime)
	}
}

// Beside a System log named as such, logs whose names mention a channel
// the rules read are logs of it too: another machine's renamed System log
// ("vm2-System") is a machine of its own, and a newer copy ("System (1)",
// a second download) is a copy whose newest records count. Both were
// listed as "not read (no rule reads this channel)".
func TestRenamedLogBesideSystem(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "System.evtx"), systemLog("vm1.contoso.com", t0, 0, 1))
	write(t, filepath.Join(dir, "vm2-System.evtx"), systemLog("vm2.contoso.com", t0.Add(-72*time.Hour), 2, 1))
	eng := engine(t)
	ms := group(t, eng, dir)
	if got := labels(ms); !slices.Equal(got, []string{"vm1.contoso.com", "vm2.contoso.com"}) {
		t.Fatalf("machines %q", got)
	}
	res := analyze(t, eng, ms)
	if f := finding(t, res["vm2.contoso.com"], ruleTLS); f.Verdict != rules.Detected || f.EvidenceCount != 2 {
		t.Errorf("vm2: %s, %d events", f.Verdict, f.EvidenceCount)
	}
	if f := finding(t, res["vm1.contoso.com"], ruleTLS); f.Verdict != rules.NotDetected {
		t.Errorf("vm1: %s", f.Verdict)
	}

	dir = t.TempDir()
	all := systemLog("vm1", t0, 3, 1)
	write(t, filepath.Join(dir, "System.evtx"), all[:len(all)-10]) // older: before the failure
	write(t, filepath.Join(dir, "System (1).evtx"), all)
	m := oneMachine(t, group(t, eng, dir))
	checkCopies(t, m, len(all), len(all), 0)
	if f := finding(t, analyze(t, eng, []*fleet.Machine{m})["vm1"], ruleTLS); f.Verdict != rules.Detected || f.EvidenceCount != 3 {
		t.Errorf("newer copy: %s, %d events", f.Verdict, f.EvidenceCount)
	}
}

// Two machines in two folders, given as their parent folder.
func TestTwoMachinesTwoFolders(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a", "System.evtx"), systemLog("vm1.contoso.com", t0.Add(-72*time.Hour), 2, 1))
	write(t, filepath.Join(dir, "b", "System.evtx"), systemLog("VM2", t0, 0, 1))
	eng := engine(t)
	ms := group(t, eng, dir)
	if got := labels(ms); !slices.Equal(got, []string{"vm1.contoso.com", "VM2"}) {
		t.Fatalf("machines %q", got)
	}
	res := analyze(t, eng, ms)
	if f := finding(t, res["vm1.contoso.com"], ruleTLS); f.Verdict != rules.Detected {
		t.Errorf("vm1: %s", f.Verdict)
	}
	// The same two folders given one by one, the other way round.
	if got := labels(group(t, eng, filepath.Join(dir, "b"), filepath.Join(dir, "a"))); !slices.Equal(got, []string{"vm1.contoso.com", "VM2"}) {
		t.Fatalf("machines %q", got)
	}
}

// A machine renamed (EventLog 6011, then the new name in the same log)
// stays one machine, also when its older name is only in another log.
func TestRenamedMachine(t *testing.T) {
	dir := t.TempDir()
	evs := systemLog("RDCB-OLD.contoso.com", t0, 1, 1)
	half := len(evs) / 2
	ren := evtxtest.EventLog6011(evs[half].System.TimeCreated, "RDCB-OLD", "RDCB01")
	evs = slices.Insert(evs, half, ren)
	for i, ev := range evs {
		ev.RecordID = uint64(i + 1)
		if i >= half {
			ev.System.Computer = "RDCB01.contoso.com"
		}
	}
	write(t, filepath.Join(dir, "m", "System.evtx"), evs)
	broker := evtxtest.SessionBrokerClient1296(t0.Add(-time.Hour), "CONTOSO", "admin", "x")
	broker.System.Computer = "rdcb01"
	write(t, filepath.Join(dir, "m", evtx.FileNameForChannel(evtxtest.ChannelSessionBrokerClient)), []*evtx.Event{broker})
	// An older System log of the old name only (an archive).
	write(t, filepath.Join(dir, "old", "Archive-System-2024-04-20-00-00-00-000.evtx"), systemLog("RDCB-OLD", t0.Add(-10*24*time.Hour), 0, 1))
	eng := engine(t)
	ms := group(t, eng, dir)
	if len(ms) != 1 {
		t.Fatalf("machines %q, want one", labels(ms))
	}
	m := ms[0]
	// Each host by the name of its newest record.
	if m.Name != "RDCB01.contoso.com" || !slices.Equal(m.Computers, []string{"RDCB-OLD.contoso.com", "RDCB01.contoso.com"}) {
		t.Errorf("name %q, computers %q", m.Name, m.Computers)
	}
	if len(m.Logs) != 3 || !strings.Contains(strings.Join(m.Grouping, "\n"), "6011") {
		t.Errorf("logs %d, grouping %q", len(m.Logs), m.Grouping)
	}
}

// Two hosts logging over the same period are two machines, also with the
// same name; one name after another in separate logs without a 6011 is
// not taken for a rename either.
func TestSameNameTwoMachines(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a", "System.evtx"), systemLog("WEB01", t0, 1, 1))
	write(t, filepath.Join(dir, "b", "System.evtx"), systemLog("web01.contoso.com", t0.Add(-time.Hour), 0, 1))
	write(t, filepath.Join(dir, "c", "System.evtx"), systemLog("WEB02", t0.Add(-30*24*time.Hour), 0, 1))
	eng := engine(t)
	ms := group(t, eng, dir)
	if got := labels(ms); !slices.Equal(got, []string{"WEB01", "web01.contoso.com", "WEB02"}) {
		t.Fatalf("machines %q", got)
	}
	if !strings.Contains(strings.Join(ms[0].Grouping, "\n"), "same computer name") {
		t.Errorf("grouping %q", ms[0].Grouping)
	}
}

// evidence returns the counts of every query of every finding.
func evidence(r *rules.Result) map[string]int {
	out := map[string]int{}
	for _, f := range r.Findings {
		out[f.Rule.ID] = f.EvidenceCount
		for _, h := range f.Hits {
			out[f.Rule.ID+"/"+h.Query.ID] = h.Count*1000000 + h.BeforeCount*1000 + h.AfterCount
		}
	}
	return out
}

// single analyses one log alone.
func single(t *testing.T, eng *rules.Engine, path string) *rules.Result {
	t.Helper()
	logs, err := evtx.Find(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := eng.Analyze(logs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func oneMachine(t *testing.T, ms []*fleet.Machine) *fleet.Machine {
	t.Helper()
	if len(ms) != 1 {
		t.Fatalf("machines %q, want one", labels(ms))
	}
	return ms[0]
}

// writeLogFile writes data as System.evtx in the folder name of dir, made
// if need be, and returns that folder.
func writeLogFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name, "System.evtx"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// groupCopies finds the logs at paths and groups them with o, which must
// give one machine with one log of a copy a path: it returns both. what
// names the case in a failure.
func groupCopies(t *testing.T, what string, o fleet.Options, paths ...string) (*fleet.Machine, *fleet.Log) {
	t.Helper()
	units, probs, err := fleet.Find(paths)
	if err != nil || len(probs) > 0 {
		t.Fatal(probs, err)
	}
	m := oneMachine(t, fleet.Group(units, o))
	if len(m.Logs) != 1 || len(m.Logs[0].Copies) != len(paths) {
		t.Fatalf("%s: logs %+v, want one of %d copies", what, m.Logs, len(paths))
	}
	return m, m.Logs[0]
}

func checkCopies(t *testing.T, m *fleet.Machine, records int, added ...int) {
	t.Helper()
	var sys *fleet.Log
	for _, l := range m.Logs {
		if l.Channel == "System" {
			sys = l
		}
	}
	if sys == nil || len(sys.Copies) != len(added) || sys.Records != records {
		t.Fatalf("System log: %+v", sys)
	}
	for i, c := range sys.Copies {
		if c.Added != added[i] {
			t.Errorf("copy %d (%s) adds %d, want %d", i, c.Path, c.Added, added[i])
		}
	}
}

// A shadow copy of the logs folder: each record counts once.
func TestVSSCopy(t *testing.T) {
	dir := t.TempDir()
	all := systemLog("vm1", t0, 3, 1)
	cur := filepath.Join(dir, "current", "System.evtx")
	write(t, cur, all)
	write(t, filepath.Join(dir, "shadow", "System.evtx"), all[:len(all)-2]) // older: two records fewer
	eng := engine(t)
	m := oneMachine(t, group(t, eng, filepath.Join(dir, "current"), filepath.Join(dir, "shadow")))
	checkCopies(t, m, len(all), len(all), 0)
	want := evidence(single(t, eng, cur))
	got := evidence(analyze(t, eng, []*fleet.Machine{m})["vm1"])
	if want[ruleTLS] != 3 || !equalMaps(got, want) {
		t.Errorf("evidence %v, single copy %v", got, want)
	}
}

// An older copy that still holds records the newer one has overwritten
// (a wrapped log), with chunks laid out differently: both add records, each
// counted once, and the evidence is that of one log holding them all.
func TestOverlappingCopies(t *testing.T) {
	dir := t.TempDir()
	all := systemLog("vm1", t0, 3, 1)
	whole := filepath.Join(dir, "whole", "System.evtx")
	write(t, whole, all)
	write(t, filepath.Join(dir, "new", "System.evtx"), all[100:])
	old := all[:len(all)-5]
	if err := evtxtest.WriteFile(filepath.Join(dir, "old.evtx"), old, evtxtest.Options{MaxRecordsPerChunk: 33}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "old"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "old.evtx"), filepath.Join(dir, "old", "System.evtx")); err != nil {
		t.Fatal(err)
	}
	eng := engine(t)
	m := oneMachine(t, group(t, eng, filepath.Join(dir, "new"), filepath.Join(dir, "old")))
	checkCopies(t, m, len(all), len(old), len(all)-len(old))
	want := evidence(single(t, eng, whole))
	got := evidence(analyze(t, eng, []*fleet.Machine{m})["vm1"])
	if want[ruleTLS] != 3 || !equalMaps(got, want) {
		t.Errorf("evidence %v, one whole log %v", got, want)
	}
}

// The same log by two paths (a symbolic link, and "dir/./file") is read
// once.
func TestSameLogTwoPaths(t *testing.T) {
	dir := t.TempDir()
	cur := filepath.Join(dir, "logs", "System.evtx")
	write(t, cur, systemLog("vm1", t0, 2, 1))
	if err := os.Symlink(cur, filepath.Join(dir, "link.evtx")); err != nil {
		t.Fatal(err)
	}
	eng := engine(t)
	m := oneMachine(t, group(t, eng, filepath.Join(dir, "logs"), filepath.Join(dir, "link.evtx"), dir+"/logs/./System.evtx"))
	checkCopies(t, m, len(systemLog("vm1", t0, 2, 1)), len(systemLog("vm1", t0, 2, 1)), 0, 0)
	l := m.Logs[0]
	if !l.Copies[1].SameFile || !l.Copies[2].SameFile || len(m.EvtxLogs()) != 1 || len(m.EvtxLogs()[0].Parts()) != 0 {
		t.Errorf("copies %+v %+v; logs to read %d", l.Copies[1], l.Copies[2], len(m.EvtxLogs()))
	}
	want := evidence(single(t, eng, cur))
	got := evidence(analyze(t, eng, []*fleet.Machine{m})["vm1"])
	if want[ruleTLS] != 2 || !equalMaps(got, want) {
		t.Errorf("evidence %v, single copy %v", got, want)
	}
}

func writeZip(t *testing.T, path string, members map[string]string) {
	t.Helper()
	data := map[string][]byte{}
	for n, p := range members {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		data[n] = b
	}
	if err := evtxtest.WriteZip(path, data); err != nil {
		t.Fatal(err)
	}
}

// A zip that repeats a member: one log.
func TestZipRepeatedMember(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src", "System.evtx")
	write(t, src, systemLog("vm1", t0, 2, 1))
	z := filepath.Join(dir, "logs.zip")
	writeZip(t, z, map[string]string{"a/System.evtx": src, "b/System.evtx": src, "c/System.evtx": src})
	eng := engine(t)
	m := oneMachine(t, group(t, eng, z))
	n := len(systemLog("vm1", t0, 2, 1))
	checkCopies(t, m, n, n, 0, 0)
	want := evidence(single(t, eng, src))
	got := evidence(analyze(t, eng, []*fleet.Machine{m})["vm1"])
	if want[ruleTLS] != 2 || !equalMaps(got, want) {
		t.Errorf("evidence %v, single copy %v", got, want)
	}
}

// A fleet folder holding a zip, a mounted volume and a folder, at several
// depths, with a log no rule reads beside one of them.
func TestFleetFolder(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(t.TempDir(), "System.evtx")
	write(t, src, systemLog("vm-zip", t0, 1, 1))
	writeZip(t, filepath.Join(dir, "scale-set", "vm-zip.zip"), map[string]string{"Logs/System.evtx": src})
	write(t, filepath.Join(dir, "disks", "vm-vol", "Windows", "System32", "winevt", "Logs", "System.evtx"), systemLog("vm-vol", t0.Add(-time.Hour), 0, 1))
	write(t, filepath.Join(dir, "disks", "vm-vol", "Windows", "System32", "winevt", "Logs", "Application.evtx"), appLog(t0, 3))
	write(t, filepath.Join(dir, "deep", "er", "vm-dir", "System.evtx"), systemLog("vm-dir", t0.Add(-2*time.Hour), 0, 1))
	eng := engine(t)
	ms := group(t, eng, dir)
	if got := labels(ms); !slices.Equal(got, []string{"vm-dir", "vm-vol", "vm-zip"}) {
		t.Fatalf("machines %q", got)
	}
	if len(ms[1].Logs) != 2 || ms[1].Logs[0].Read {
		t.Errorf("volume machine logs %+v", ms[1].Logs)
	}
	res := analyze(t, eng, ms)
	for name, want := range map[string]rules.Verdict{"vm-dir": rules.NotDetected, "vm-vol": rules.NotDetected, "vm-zip": rules.Detected} {
		if f := finding(t, res[name], ruleTLS); f.Verdict != want {
			t.Errorf("%s: %s, want %s", name, f.Verdict, want)
		}
	}
}

// Forwarded events: one log whose records name several computers,
// interleaved, is one machine marked Forwarded, not split.
func TestForwardedEvents(t *testing.T) {
	dir := t.TempDir()
	evs := systemLog("x", t0, 2, 1)
	names := []string{"web01", "web02", "sql01"}
	for i, ev := range evs {
		ev.System.Computer = names[i%3]
	}
	write(t, filepath.Join(dir, "ForwardedEvents.evtx"), evs)
	eng := engine(t)
	m := oneMachine(t, group(t, eng, dir))
	if !m.Forwarded || len(m.Computers) != 3 || !strings.HasPrefix(m.Label(), "forwarded events: ") {
		t.Errorf("forwarded %v, computers %q, label %q", m.Forwarded, m.Computers, m.Label())
	}
	if !strings.Contains(strings.Join(m.Grouping, "\n"), "not split") {
		t.Errorf("grouping %q", m.Grouping)
	}
	// The engine does not read the computers of the forwarded log as a
	// rename (hosts.Interleaved, the test Group applies).
	res := analyze(t, eng, []*fleet.Machine{m})[m.Label()]
	if f := finding(t, res, "rdp-broker-renamed"); len(f.Corroboration) != 0 {
		t.Errorf("broker corroboration %q: the forwarded log's computers read as a rename", f.Corroboration[0].Text)
	}
}

// A forwarded log holds the same events as one of its hosts' own System
// log (the same TimeCreated, provider, event id and computer): it is not
// made a copy of that log (copies by event, for exports, join only logs
// naming one host): they stay two logs.
func TestForwardedNotACopy(t *testing.T) {
	dir := t.TempDir()
	evs := systemLog("x", t0, 2, 1)
	names := []string{"web01", "web02", "sql01"}
	var own []*evtx.Event
	for i, ev := range evs {
		ev.System.Computer = names[i%3]
		if i%3 == 0 {
			c := *ev
			c.RecordID = uint64(5000 + len(own)) // its own numbering
			own = append(own, &c)
		}
	}
	write(t, filepath.Join(dir, "fwd", "ForwardedEvents.evtx"), evs)
	write(t, filepath.Join(dir, "web01", "System.evtx"), own)
	logs := 0
	for _, m := range group(t, engine(t), dir) {
		for _, l := range m.Logs {
			logs++
			if len(l.Copies) != 1 {
				t.Errorf("%s: log %s has %d copies", m.Label(), l.Channel, len(l.Copies))
			}
		}
	}
	if logs != 2 {
		t.Errorf("%d logs, want 2", logs)
	}
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Copies finds the copies among logs without grouping machines: the same
// file by another path, the same archive member twice, an older copy, a
// byte-identical archive member; other logs stay apart, in the order of
// their first copy.
func TestCopies(t *testing.T) {
	dir := t.TempDir()
	all := systemLog("vm1", t0, 2, 1)
	cur := filepath.Join(dir, "current", "System.evtx")
	write(t, cur, all)
	shadow := filepath.Join(dir, "shadow", "System.evtx")
	write(t, shadow, all[:len(all)-3])
	other := filepath.Join(dir, "vm2", "System.evtx")
	write(t, other, systemLog("vm2", t0, 0, 1)[:10])
	link := filepath.Join(dir, "link.evtx")
	if err := os.Symlink(cur, link); err != nil {
		t.Fatal(err)
	}
	z := filepath.Join(dir, "logs.zip")
	writeZip(t, z, map[string]string{"Logs/System.evtx": other})
	var logs []*evtx.Log
	for _, p := range []string{shadow, other, cur, link, z, z} {
		found, err := evtx.Find(p)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, found...)
	}
	sets := fleet.Copies(logs, 2)
	var got []string
	for _, l := range sets {
		var cs []string
		for _, c := range l.Copies {
			cs = append(cs, fmt.Sprintf("%s %d/%d same=%q", strings.TrimPrefix(c.Path, dir), c.Added, c.Records, strings.TrimPrefix(c.SameAs, dir)))
		}
		got = append(got, strings.Join(cs, ", "))
	}
	n := len(all)
	want := []string{
		fmt.Sprintf(`/current/System.evtx %d/%d same="", /shadow/System.evtx 0/%d same="", /link.evtx 0/%d same="/current/System.evtx"`, n, n, n-3, n),
		// The zip's member is a copy of vm2's log; the zip given twice
		// is the same member twice.
		`/vm2/System.evtx 10/10 same="", /logs.zip!Logs/System.evtx 0/10 same="", /logs.zip!Logs/System.evtx 0/10 same="/logs.zip!Logs/System.evtx"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("copies:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if m := sets[0].EvtxLog(); len(m.Parts()) != 2 {
		t.Errorf("the merged log reads %d parts, want 2 (the link is the same file)", len(m.Parts()))
	}
}

// A log deeper than MaxDepth below the path given is not searched for, and
// the problem says so; it was "no .evtx logs in DIR", though there was one.
func TestFindTooDeep(t *testing.T) {
	dir := t.TempDir()
	deep := dir
	for i := range fleet.MaxDepth + 2 {
		deep = filepath.Join(deep, fmt.Sprintf("d%d", i))
	}
	write(t, filepath.Join(deep, "System.evtx"), systemLog("vm1", t0, 0, 1))
	write(t, filepath.Join(dir, "near", "System.evtx"), systemLog("vm2", t0, 0, 1))
	units, probs, err := fleet.Find([]string{dir})
	if err != nil || len(units) != 1 || len(probs) != 1 || !strings.Contains(probs[0].Error(), fmt.Sprintf("more than %d directory levels", fleet.MaxDepth)) {
		t.Fatalf("%d units, problems %v, error %v", len(units), probs, err)
	}
	// Many cut directories make one problem, not one line each.
	for i := range 5 {
		if err := os.MkdirAll(filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(deep))), fmt.Sprintf("x%d", i), "y"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, probs, _ = fleet.Find([]string{dir}); len(probs) != 1 || !strings.Contains(probs[0].Error(), "6 directories more than") {
		t.Errorf("problems %v", probs)
	}
}

// A renamed log whose name mentions no channel read ("rdp.evtx"), beside
// one machine's System.evtx and another machine's System log saved as
// Security.evtx, is read by its records: a System log of vm1 whose records
// differ from those of System.evtx over the same period, so a machine of
// that name of its own, whose failure is found (it was not opened when
// only names decided) and is never reported as vm2's.
func TestUnreadLogNotGivenToAnotherMachine(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "System.evtx"), systemLog("vm1", t0, 0, 1))
	write(t, filepath.Join(dir, "Security.evtx"), systemLog("vm2", t0, 0, 1)) // System records of vm2
	write(t, filepath.Join(dir, "rdp.evtx"), systemLog("vm1", t0, 2, 5000))
	eng := engine(t)
	ms := group(t, eng, dir)
	if got := labels(ms); !slices.Equal(got, []string{"vm1", "vm1", "vm2"}) {
		t.Fatalf("machines %q", got)
	}
	res := analyze(t, eng, ms)
	for _, l := range ms[2].Logs {
		if strings.HasSuffix(l.Copies[0].Path, "rdp.evtx") {
			t.Errorf("rdp.evtx given to vm2")
		}
	}
	if f := finding(t, res["vm2"], ruleTLS); f.Verdict == rules.Detected || f.EvidenceCount != 0 {
		t.Errorf("vm2: %s, %d events (vm1's log read as vm2's)", f.Verdict, f.EvidenceCount)
	}
	detected := 0
	for _, m := range ms[:2] {
		r, err := eng.Analyze(m.EvtxLogs())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Findings {
			if f.Rule.ID == ruleTLS && f.Verdict == rules.Detected {
				detected++
			}
		}
	}
	if detected != 1 {
		t.Errorf("rdp.evtx's failure found on %d of the two machines named vm1, want 1", detected)
	}
}

// A machine with most of the bytes is analysed first and with every
// worker, the others with one each: the results, emitted in the machines'
// order, are those of each machine analysed alone.
func TestAnalyzeLargestFirstEqualsAlone(t *testing.T) {
	dir := t.TempDir()
	big := systemLog("vm3.contoso.com", t0, 3, 1)
	big = append(evtxtest.Noise(t0.Add(-40*time.Hour), 20*time.Second, 6000), big...)
	slices.SortStableFunc(big, func(a, b *evtx.Event) int { return a.System.TimeCreated.Compare(b.System.TimeCreated) })
	for i, ev := range big {
		ev.System.Computer = "vm3.contoso.com"
		ev.RecordID = uint64(i + 1)
	}
	write(t, filepath.Join(dir, "vm1-System.evtx"), systemLog("vm1.contoso.com", t0.Add(-72*time.Hour), 2, 1))
	write(t, filepath.Join(dir, "vm2-System.evtx"), systemLog("vm2.contoso.com", t0, 0, 1))
	write(t, filepath.Join(dir, "vm3-System.evtx"), big)
	eng := engine(t)
	ms := group(t, eng, dir)
	if got := labels(ms); !slices.Equal(got, []string{"vm1.contoso.com", "vm2.contoso.com", "vm3.contoso.com"}) {
		t.Fatalf("machines %q", got)
	}
	if s := ms[2].EvtxLogs()[0].Size; 2*s <= ms[0].EvtxLogs()[0].Size+ms[1].EvtxLogs()[0].Size+s {
		t.Fatalf("vm3's log (%d bytes) is not most of the bytes", s)
	}
	res := analyze(t, eng, ms)
	for _, m := range ms {
		alone, err := eng.Analyze(m.EvtxLogs())
		if err != nil {
			t.Fatal(err)
		}
		got := res[m.Label()]
		if !got.ReferenceTime.Equal(alone.ReferenceTime) || len(got.Findings) != len(alone.Findings) {
			t.Fatalf("%s: reference %v, %d findings; alone %v, %d", m.Label(), got.ReferenceTime, len(got.Findings), alone.ReferenceTime, len(alone.Findings))
		}
		for i, f := range got.Findings {
			a := alone.Findings[i]
			if f.Rule.ID != a.Rule.ID || f.Verdict != a.Verdict || f.EvidenceCount != a.EvidenceCount {
				t.Errorf("%s %s: %s %d; alone %s %d", m.Label(), f.Rule.ID, f.Verdict, f.EvidenceCount, a.Verdict, a.EvidenceCount)
			}
		}
	}
	if f := finding(t, res["vm3.contoso.com"], ruleTLS); f.Verdict != rules.Detected || f.EvidenceCount != 3 {
		t.Errorf("vm3: %s, %d events", f.Verdict, f.EvidenceCount)
	}
}

// TestAnalyzeStreams: results reach emit while the fleet is analysed, not
// all at its end, whatever the machines' sizes: with the machines in
// ascending order of size (the first one smallest), few results wait for
// an earlier machine at any time, and every result comes, in order, once.
func TestAnalyzeStreams(t *testing.T) {
	dir := t.TempDir()
	const n, workers = 16, 2
	for i := range n {
		evs := evtxtest.Noise(t0.Add(-48*time.Hour), time.Minute, 40*(i+1))
		for j, ev := range evs {
			ev.System.Computer = fmt.Sprintf("vm%02d", i)
			ev.RecordID = uint64(j + 1)
		}
		write(t, filepath.Join(dir, fmt.Sprintf("vm%02d", i), "System.evtx"), evs)
	}
	eng := engine(t)
	ms := group(t, eng, dir)
	if len(ms) != n {
		t.Fatalf("%d machines", len(ms))
	}
	done, emitted, waiting := 0, 0, 0
	fleet.Analyze(eng, ms, workers, func(i int, r *fleet.Result) {
		if i != emitted || r.Machine != ms[i] || r.Result == nil {
			t.Fatalf("emit %d (want %d): %+v", i, emitted, r)
		}
		emitted++
	}, func(d, total int) {
		if d != done+1 || total != n {
			t.Fatalf("progress %d of %d after %d", d, total, done)
		}
		done = d
		// emit runs after progress for the same result: the results
		// done but not emitted, this one included, wait.
		waiting = max(waiting, done-emitted)
	})
	if emitted != n || done != n {
		t.Fatalf("%d emitted, %d done of %d", emitted, done, n)
	}
	if waiting > fleet.MaxWaiting(workers) {
		t.Errorf("up to %d results waited for an earlier machine (at most %d should)", waiting, fleet.MaxWaiting(workers))
	}
}

// Records decoded only in part (their template does not resolve: no
// provider, event id, computer or TimeCreated) say nothing about which
// machine wrote a log or when. omerbenamram's system.evtx with ten
// records of its first chunk so damaged, beside an older copy of it (its
// first three chunks, as a copy taken months earlier holds), made two
// machines of one name: the partial records placed the newer copy at
// their header times, inside the older copy's period, with records the
// older copy does not share ("cover the same period with different
// records"), and each copy got its own report and reference time.
func TestPartialRecordsDoNotSplitMachine(t *testing.T) {
	b, err := os.ReadFile("../testdata/evtx/omerbenamram__evtx__samples__system.evtx")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	old := b[:4096+3*65536]
	newer := slices.Clone(b)
	off, damaged := 4096+512, 0
	for n := 0; n < 40; n++ {
		size := int(binary.LittleEndian.Uint32(newer[off+4:]))
		// The template instance after the fragment header: token 0x0c,
		// one byte, then the template id the definition must carry.
		if n >= 5 && n < 15 && newer[off+24] == 0x0f && newer[off+28] == 0x0c {
			newer[off+30] ^= 0xff
			damaged++
		}
		off += size
	}
	for name, data := range map[string][]byte{"new": newer, "old": old} {
		writeLogFile(t, dir, name, data)
	}
	f, err := evtx.Open(filepath.Join(dir, "new", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := f.Next(); err != nil {
			break
		}
	}
	f.Close()
	if damaged != 10 || f.Stats().Partial != 10 {
		t.Fatalf("%d records damaged, %d partial: want 10", damaged, f.Stats().Partial)
	}
	// Grouped as analyze groups (from the analysed period) and from every
	// record: one machine either way. (The two ways differ in whether
	// the older copy is a copy or a second log of the machine, as they do
	// without the damage: its records lie outside the newer copy's
	// period, so no record key is shared there.)
	units, probs, err := fleet.Find([]string{filepath.Join(dir, "new"), filepath.Join(dir, "old")})
	if err != nil || len(probs) > 0 {
		t.Fatalf("Find: %v %v", probs, err)
	}
	eng := engine(t)
	for _, period := range []time.Duration{10 * 24 * time.Hour, 0} {
		ms := fleet.Group(units, fleet.Options{Channels: eng.Channels(), Period: period})
		if len(ms) != 1 {
			t.Errorf("period %v: machines %q, want one\n%s", period, labels(ms), shape(ms))
		}
	}
}

// A record whose TimeCreated is FILETIME 0 (1601-01-01: a time the writer
// did not set) is no time for the machine grouping, as it is none for the
// reference time (rules' writtenTime): it must not stretch the current
// System log's period back to 1601, over its archived predecessor, and
// split one machine in two. The record is written first, or last (then the
// period is that before the record written before it, as "now" is).
// Grouped with the analysed period and from every record, which reads it.
func TestZeroTimeCreatedDoesNotSplitMachine(t *testing.T) {
	for _, last := range []bool{false, true} {
		dir := t.TempDir()
		older := systemLog("vm1.contoso.com", t0.Add(-30*24*time.Hour), 0, 1)
		current := systemLog("vm1.contoso.com", t0, 0, uint64(len(older))+1)
		zero := evtxtest.Noise(t0, time.Minute, 1)[0]
		zero.System.Computer = "vm1.contoso.com"
		zero.System.TimeCreated = time.Time{} // written as FILETIME 0
		if last {
			zero.RecordID = current[len(current)-1].RecordID + 1
			current = append(current, zero)
		} else {
			zero.RecordID = current[0].RecordID
			for _, ev := range current {
				ev.RecordID++
			}
			current = append([]*evtx.Event{zero}, current...)
		}
		write(t, filepath.Join(dir, "Archive-System-2026-10-30-12-00-00-000.evtx"), older)
		write(t, filepath.Join(dir, "System.evtx"), current)
		// It lies outside the period (1601) written first or last: the
		// two ways read different records, and each must give one
		// machine.
		units, probs, err := fleet.Find([]string{dir})
		if err != nil || len(probs) > 0 {
			t.Fatalf("Find: %v %v", probs, err)
		}
		for _, period := range []time.Duration{10 * 24 * time.Hour, 0} {
			if ms := fleet.Group(units, fleet.Options{Channels: engine(t).Channels(), Period: period}); len(ms) != 1 {
				t.Errorf("zero time written last %v, period %v: machines %q, want one\n%s", last, period, labels(ms), shape(ms))
			}
		}
	}
}

// Logs whose records hold equal times, providers, event ids and data but
// EventRecordIDs shifted by one, or the same EventRecordIDs and header
// times at other TimeCreated, are not copies of one log (evtx.Merge counts
// their records apart): they were grouped as copies of which the second
// "adds none of its records" while all were read. A copy with one record's
// data changed still is one (its keys are the original's); analyze reads
// the changed record beside the original (Copy.Added is judged without
// decoding).
func TestOtherRecordIDsOrTimesNotCopies(t *testing.T) {
	dir := t.TempDir()
	mk := func() []*evtx.Event {
		evs := systemLog("vm1", t0, 2, 100)
		for _, ev := range evs {
			ev.Written = ev.System.TimeCreated
		}
		return evs
	}
	shifted, later, changed := mk(), mk(), mk()
	for _, ev := range shifted {
		ev.RecordID++
	}
	for _, ev := range later {
		ev.System.TimeCreated = ev.System.TimeCreated.Add(time.Second)
	}
	changed[5].EventData[0].Value = evtx.StringValue("Print Spooler")
	paths := map[string]string{}
	for name, evs := range map[string][]*evtx.Event{"a": mk(), "shifted": shifted, "later": later, "changed": changed} {
		paths[name] = filepath.Join(dir, name, "System.evtx")
		write(t, paths[name], evs)
	}
	n := len(mk())
	for _, c := range []struct {
		other string
		want  string
	}{
		{"shifted", fmt.Sprintf("a %d/%d | shifted %d/%d", n, n, n, n)},
		{"later", fmt.Sprintf("a %d/%d | later %d/%d", n, n, n, n)},
		{"changed", fmt.Sprintf("a %d/%d, changed 0/%d", n, n, n)},
	} {
		var logs []*evtx.Log
		for _, p := range []string{paths["a"], paths[c.other]} {
			found, err := evtx.Find(p)
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, found...)
		}
		var sets []string
		for _, l := range fleet.Copies(logs, 2) {
			var cs []string
			for _, cp := range l.Copies {
				cs = append(cs, fmt.Sprintf("%s %d/%d", filepath.Base(filepath.Dir(cp.Path)), cp.Added, cp.Records))
			}
			sets = append(sets, strings.Join(cs, ", "))
		}
		if got := strings.Join(sets, " | "); got != c.want {
			t.Errorf("copies of a and %s: %s, want %s", c.other, got, c.want)
		}
		// Analyze groups them alike, from the analysed period or from
		// every record.
		ms := group(t, engine(t), paths["a"], paths[c.other])
		logsOf := 0
		for _, m := range ms {
			logsOf += len(m.Logs)
		}
		if want := 1 + strings.Count(c.want, "|"); logsOf != want {
			t.Errorf("a and %s: analyze found %d logs, want %d:\n%s", c.other, logsOf, want, shape(ms))
		}
	}
}

// TestUnreadLogBesideACopy: two folders each hold the machine's System log
// (the second a byte copy: a shadow copy, a second download) and a log no
// rule reads. The copies are one Log, whose unit was the first folder
// only, so the second folder's unread log was a machine of its own: "(no
// computer name) b/Application.evtx", every rule not checked and "no
// readable log" in the fleet summary, a machine that does not exist. It
// goes with the machine whose log has a copy beside it.
func TestUnreadLogBesideACopy(t *testing.T) {
	dir := t.TempDir()
	sys := systemLog("vm1", t0, 2, 1)
	for _, d := range []string{"a", "b"} {
		write(t, filepath.Join(dir, d, "System.evtx"), sys)
		write(t, filepath.Join(dir, d, "Application.evtx"), appLog(t0.Add(-time.Hour), 3))
	}
	m := oneMachine(t, group(t, engine(t), dir))
	var apps []string
	for _, l := range m.Logs {
		if l.Channel == "Application" {
			for _, c := range l.Copies {
				apps = append(apps, filepath.Base(filepath.Dir(c.Path)))
			}
		}
	}
	if !slices.Equal(apps, []string{"a", "b"}) {
		t.Errorf("the machine's unread logs are those of %q, want a and b", apps)
	}
}

// TestAnalyzeNilPanicsInCaller: a nil engine or machine panics in the
// caller's goroutine, where a recover catches it (it panicked in a worker
// goroutine, ending the program).
func TestAnalyzeNilPanicsInCaller(t *testing.T) {
	eng := engine(t)
	for name, call := range map[string]func(){
		"nil engine":  func() { fleet.Analyze(nil, []*fleet.Machine{{}}, 1, func(int, *fleet.Result) {}, nil) },
		"nil machine": func() { fleet.Analyze(eng, []*fleet.Machine{nil}, 1, func(int, *fleet.Result) {}, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			call()
		}()
	}
}

// TestExportIsACopy: a log saved from the live one (Event Viewer's "Save
// All Events As", wevtutil epl: records renumbered from 1, each keeping
// its EventRecordID and TimeCreated, header times borrowed from the next
// record, the last 0) and one saved with a filter (every other record) are
// copies of it, in another folder as in the same one: the copy keys hold
// EventRecordID and TimeCreated (b101548), which an export keeps.
func TestExportIsACopy(t *testing.T) {
	sys := systemLog("vm1", t0, 2, 500) // numbered from 500: saved ones from 1
	var every2 []*evtx.Event
	for i, ev := range sys {
		if i%2 == 0 {
			every2 = append(every2, ev)
		}
	}
	for name, saved := range map[string][]*evtx.Event{"all": evtxtest.Exported(sys), "filtered": evtxtest.Exported(every2)} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "live", "System.evtx"), sys)
		write(t, filepath.Join(dir, "saved", "System.evtx"), saved)
		m := oneMachine(t, group(t, engine(t), dir))
		var copies []string
		for _, l := range m.Logs {
			if l.Channel == "System" {
				for _, c := range l.Copies {
					copies = append(copies, filepath.Base(filepath.Dir(c.Path)))
				}
			}
		}
		slices.Sort(copies)
		if !slices.Equal(copies, []string{"live", "saved"}) {
			t.Errorf("%s: the System log's copies are %q, want live and saved", name, copies)
		}
	}
}

// A saved custom view (view.evtx) whose first and last records are
// Application's and whose middle holds a brute force on vm1 (40 failed
// RDP logons from 8 addresses), beside the System logs of vm1 and vm2: the
// engine reads such a view (its records of the channels the rules read),
// so grouping must give it to the machine its records name. It was listed
// with each machine as a log no rule reads, and each machine's analysis
// read it: vm2 was DETECTED with vm1's failed logons.
func TestMixedViewUnreadEndsGoesToItsMachine(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "vm1-System.evtx"), systemLog("vm1", t0, 0, 1))
	write(t, filepath.Join(dir, "vm2-System.evtx"), systemLog("vm2", t0.Add(time.Second), 0, 1))
	view := appLog(t0.Add(-3*time.Hour), 3)
	for i := range 40 {
		view = append(view, evtxtest.Security4625(t0.Add(-2*time.Hour+time.Duration(i)*5*time.Second), "admin",
			fmt.Sprintf("203.0.113.%d", i%8+1), 0xC000006D, 0xC000006A, 10))
	}
	view = append(view, appLog(t0.Add(-time.Hour), 3)...)
	for i, ev := range view {
		ev.System.Computer = "vm1"
		ev.RecordID = uint64(i + 1)
	}
	write(t, filepath.Join(dir, "view.evtx"), view)
	eng := engine(t)
	ms := group(t, eng, dir)
	if got := labels(ms); !slices.Equal(got, []string{"vm1", "vm2"}) {
		t.Fatalf("machines %q", got)
	}
	for _, m := range ms {
		has := slices.ContainsFunc(m.Logs, func(l *fleet.Log) bool { return strings.HasSuffix(l.Copies[0].Path, "view.evtx") })
		if has != (m.Label() == "vm1") {
			t.Errorf("machine %s holds view.evtx: %v", m.Label(), has)
		}
	}
	res := analyze(t, eng, ms)
	if f := finding(t, res["vm1"], "rdp-brute-force"); f.Verdict != rules.Detected || f.EvidenceCount != 40 {
		t.Errorf("vm1: %s, %d events", f.Verdict, f.EvidenceCount)
	}
	if f := finding(t, res["vm2"], "rdp-brute-force"); f.Verdict != rules.NotChecked {
		t.Errorf("vm2: %s, %d events (%q)", f.Verdict, f.EvidenceCount, f.Reasons)
	}
}

// TestCopyCountsFromTheMergedLogsPeriod: the copies of one log are counted
// over one grouping period, the one analyze reads the merged log over,
// running back from the newest copy's last-written record. Each copy's
// profile runs back from its own last-written record, so a copy cut short
// (the log's first 25 of its 30 days) began 5 days earlier than the whole
// log, and its records of those 5 days, which the whole log holds too,
// were counted as records it adds: "adds 240 of its 481 records". It adds
// none, and holds 241 records of the period.
func TestCopyCountsFromTheMergedLogsPeriod(t *testing.T) {
	dir := t.TempDir()
	const step, days = 30 * time.Minute, 30
	evs := evtxtest.Noise(t0.Add(-days*24*time.Hour), step, days*48+1)
	for i, ev := range evs {
		ev.System.Computer = "VM01"
		ev.RecordID = uint64(i + 1)
		ev.System.EventRecordID = ev.RecordID
	}
	write(t, filepath.Join(dir, "a", "System.evtx"), evs)
	write(t, filepath.Join(dir, "b", "System.evtx"), evs[:25*48+1])
	eng := engine(t)
	units, probs, err := fleet.Find([]string{dir})
	if err != nil || len(probs) > 0 {
		t.Fatalf("Find: %v %v", probs, err)
	}
	const period = 10 * 24 * time.Hour
	ms := fleet.Group(units, fleet.Options{Channels: eng.Channels(), Period: period, Accepts: eng.Accepts()})
	m := oneMachine(t, ms)
	var sys *fleet.Log
	for _, l := range m.Logs {
		if l.Channel == "System" {
			sys = l
		}
	}
	if sys == nil || len(sys.Copies) != 2 {
		t.Fatalf("System log %+v: want one log of two copies", sys)
	}
	// The whole log's period: 10 days before its last record, 481
	// records; the cut copy holds those of days 20 to 25 of them.
	a, b := sys.Copies[0], sys.Copies[1]
	if !strings.HasSuffix(a.Path, filepath.Join("a", "System.evtx")) || a.Records != 481 || a.Added != 481 {
		t.Errorf("first copy %s: %d records, adds %d; want a/System.evtx, 481 and 481", a.Path, a.Records, a.Added)
	}
	if b.Records != 241 || b.Added != 0 || sys.Records != 481 {
		t.Errorf("cut copy %s: %d records, adds %d, log %d records; want 241, 0 and 481", b.Path, b.Records, b.Added, sys.Records)
	}
	checkLoneAlt(t, units, fleet.Options{Channels: eng.Channels(), Period: period, Accepts: eng.Accepts()}, ms)
	// The grouping lines say which records they count: those of the
	// grouping period, the log's line too (it said "481 records of VM01"
	// of a log of 1,441).
	lines := strings.Join(m.Grouping, "\n")
	for _, want := range []string{
		filepath.Join("a", "System.evtx") + ": 481 records of the grouping period, of VM01",
		filepath.Join("b", "System.evtx") + ": a copy of " + a.Path + "; adds none of its 241 records of the grouping period",
	} {
		if !strings.Contains(lines, want) {
			t.Errorf("grouping lines lack %q:\n%s", want, lines)
		}
	}
	// Grouped from every record, they count all and say no period.
	all := oneMachine(t, fleet.Group(units, fleet.Options{Channels: eng.Channels(), Accepts: eng.Accepts()}))
	lines = strings.Join(all.Grouping, "\n")
	if want := filepath.Join("a", "System.evtx") + ": 1441 records, of VM01"; !strings.Contains(lines, want) || strings.Contains(lines, "grouping period") {
		t.Errorf("grouped from every record, the lines lack %q or name a grouping period:\n%s", want, lines)
	}
}
