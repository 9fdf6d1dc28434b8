package fleet_test

import (
	"fmt"
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

// cloneShared is how many records clones hold alike (EventRecordIDs 1 to
// 195: the clone point lies inside a chunk of 40 records, whose bytes then
// differ in each clone while both its checksums verify).
const cloneShared = 195

// cloneAt is the TimeCreated of the last record clones share.
var cloneAt = t0.Add(-5 * 24 * time.Hour)

// cloneLog returns the System log of clone k of the VM "vm": the shared
// history (cloneShared background records ten minutes apart, ending at
// cloneAt), then n records of its own, seven minutes apart from an hour
// after the clone and k minutes and k seconds later (each machine writes
// at its own times), with a Schannel 36871 (TLS disabled, RDP cannot
// accept connections) after the tls-th of them when tls > 0. Records are
// numbered on from the shared ones, as a cloned VM's log goes on.
func cloneLog(k, n, tls int) []*evtx.Event {
	evs := evtxtest.Noise(cloneAt.Add(-(cloneShared-1)*10*time.Minute), 10*time.Minute, cloneShared)
	own := evtxtest.Noise(cloneAt.Add(time.Hour+time.Duration(k)*(time.Minute+time.Second)), 7*time.Minute, n)
	if tls > 0 {
		ev := evtxtest.Schannel36871(own[tls-1].System.TimeCreated.Add(time.Minute), 10013)
		own = slices.Insert(own, tls, ev)
	}
	evs = append(evs, own...)
	for i, ev := range evs {
		ev.System.Computer = "vm"
		ev.RecordID = uint64(i + 1)
	}
	return evs
}

// groupedResults groups the logs at paths as analyze does (group: from
// the analysed period, the same from every record) and analyses each
// machine, in the machines' order.
func groupedResults(t *testing.T, eng *rules.Engine, paths ...string) ([]*fleet.Machine, []*rules.Result) {
	t.Helper()
	ms := group(t, eng, paths...)
	out := make([]*rules.Result, len(ms))
	fleet.Analyze(eng, ms, 2, func(i int, r *fleet.Result) {
		if r.Err != nil || r.Result == nil {
			t.Fatalf("machine %d: %+v", i, r)
		}
		out[i] = r.Result
	}, nil)
	return ms, out
}

// machineOf returns the index of the machine one of whose logs has a copy
// in the folder dir, failing unless exactly one has.
func machineOf(t *testing.T, ms []*fleet.Machine, dir string) int {
	t.Helper()
	found := -1
	for i, m := range ms {
		for _, l := range m.Logs {
			for _, c := range l.Copies {
				if filepath.Base(filepath.Dir(c.Path)) == dir {
					if found >= 0 && found != i {
						t.Fatalf("%s is in machines %d and %d:\n%s", dir, found, i, fullShape(ms))
					}
					found = i
				}
			}
		}
	}
	if found < 0 {
		t.Fatalf("no machine holds %s:\n%s", dir, fullShape(ms))
	}
	return found
}

// systemCopies lists the folders of the copies of machine m's System log.
func systemCopies(m *fleet.Machine) []string {
	var out []string
	for _, l := range m.Logs {
		if l.Channel == "System" {
			for _, c := range l.Copies {
				out = append(out, filepath.Base(filepath.Dir(c.Path)))
			}
		}
	}
	slices.Sort(out)
	return out
}

// checkClones checks that ms are one machine per group of folders
// (each machine's System log's copies are those folders), each named vm,
// that rdp-tls-disabled is detected on the machines of the folders in
// detected and on no other, and that each machine's grouping says where
// its System log parted from each other machine's: at EventRecordID
// cloneShared.
func checkClones(t *testing.T, what string, ms []*fleet.Machine, res []*rules.Result, groups [][]string, detected ...string) {
	t.Helper()
	if len(ms) != len(groups) {
		t.Fatalf("%s: %d machines, want %d:\n%s", what, len(ms), len(groups), fullShape(ms))
	}
	for _, g := range groups {
		i := machineOf(t, ms, g[0])
		m := ms[i]
		if got := systemCopies(m); !slices.Equal(got, g) {
			t.Errorf("%s: the System log of the machine of %s has copies in %q, want %q", what, g[0], got, g)
		}
		if m.Name != "vm" {
			t.Errorf("%s: machine of %s named %q", what, g[0], m.Name)
		}
		f := finding(t, res[i], ruleTLS)
		want := rules.NotDetected
		if slices.Contains(detected, g[0]) {
			want = rules.Detected
		}
		if f.Verdict != want {
			t.Errorf("%s: machine of %s: %s %s, want %s", what, g[0], ruleTLS, f.Verdict, want)
		}
		said := strings.Join(m.Grouping, "\n")
		w := fmt.Sprintf("are not copies of one log: they hold the same records up to EventRecordID %d (%s)", cloneShared, evtx.FormatEventTime(cloneAt))
		if n := strings.Count(said, w); n != len(groups)-1 {
			t.Errorf("%s: machine of %s: grouping says %d times %q, want %d:\n%s", what, g[0], n, w, len(groups)-1, said)
		}
		if strings.Contains(said, "one copy is damaged") {
			t.Errorf("%s: machine of %s: grouping calls a clone a damaged copy:\n%s", what, g[0], said)
		}
	}
}

// TestClonesAreTwoMachines: two System logs of one computer name that
// hold the same records 1 to 195 (a VM cloned from the other's disk) and
// then each its own (numbered on from 196, in chunks whose checksums
// verify) are two machines. They were read as copies of one log, one
// machine with "a damaged copy": analysed from vm1's newest record, two
// days after vm2's, vm2's Schannel 36871 lay outside every window and
// rdp-tls-disabled said "not detected". Now each is analysed from its own
// newest record, the 36871 is found on vm2 alone, and both machines'
// grouping says where the logs part. dump and query (fleet.Copies) read
// them as two logs too.
func TestClonesAreTwoMachines(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "vm1", "System.evtx"), cloneLog(1, 500, 0))
	write(t, filepath.Join(dir, "vm2", "System.evtx"), cloneLog(2, 60, 30))
	eng := engine(t)
	ms, res := groupedResults(t, eng, dir)
	checkClones(t, "vm1 and vm2", ms, res, [][]string{{"vm1"}, {"vm2"}}, "vm2")
	if t.Failed() {
		return
	}
	said := strings.Join(ms[machineOf(t, ms, "vm1")].Grouping, "\n")
	if w := "past it 61 records at the same EventRecordIDs differ"; !strings.Contains(said, w) { // vm2's own, which vm1 holds too
		t.Errorf("grouping does not say %q:\n%s", w, said)
	}
	var logs []*evtx.Log
	for _, d := range []string{"vm1", "vm2"} {
		found, err := evtx.Find(filepath.Join(dir, d))
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, found...)
	}
	if got := fleet.Copies(logs, 2); len(got) != 2 {
		t.Errorf("fleet.Copies of the clones: %d logs, want 2", len(got))
	}
}

// TestThreeClones: three VMs cloned from one disk at one record, vm3
// alone with TLS disabled: three machines named vm, each reading its own
// log, each grouping naming the other two.
func TestThreeClones(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "vm1", "System.evtx"), cloneLog(1, 300, 0))
	write(t, filepath.Join(dir, "vm2", "System.evtx"), cloneLog(2, 200, 0))
	write(t, filepath.Join(dir, "vm3", "System.evtx"), cloneLog(3, 100, 50))
	ms, res := groupedResults(t, engine(t), dir)
	checkClones(t, "three clones", ms, res, [][]string{{"vm1"}, {"vm2"}, {"vm3"}}, "vm3")
}

// TestCloneAndItsCopy: a clone (vm2) beside the log it was cloned from
// (vm1) and an older copy of vm2's log: one that stops 30 records after
// the clone (a shadow copy taken then), and one whose file was cut short
// in the chunk after the clone point (its last chunk damaged: the records
// that differ from vm1's are not verified there). Either copy is vm2's,
// read with it, not a third machine, not vm1's.
func TestCloneAndItsCopy(t *testing.T) {
	vm2 := cloneLog(2, 60, 30)
	for _, c := range []struct {
		name string
		copy func(t *testing.T, path string)
	}{
		{"older copy", func(t *testing.T, path string) { write(t, path, vm2[:cloneShared+30]) }},
		{"cut short", func(t *testing.T, path string) {
			b, err := evtxtest.Bytes(vm2, evtxtest.Options{MaxRecordsPerChunk: 40})
			if err != nil {
				t.Fatal(err)
			}
			// Chunk 4 holds records 161 to 200; cut it after its
			// first 40 KiB (about 38 records: none of vm2's own whole).
			writeLogFile(t, filepath.Dir(filepath.Dir(path)), filepath.Base(filepath.Dir(path)), b[:4096+4*65536+40*1024])
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "vm1", "System.evtx"), cloneLog(1, 500, 0))
			write(t, filepath.Join(dir, "vm2", "System.evtx"), vm2)
			c.copy(t, filepath.Join(dir, "vm2copy", "System.evtx"))
			ms, res := groupedResults(t, engine(t), dir)
			checkClones(t, c.name, ms, res, [][]string{{"vm1"}, {"vm2", "vm2copy"}}, "vm2")
		})
	}
}

// TestDamagedCopyStaysOneMachine: a copy of vm1's log whose records after
// 195 differ from vm1's, but in chunks whose records checksum fails (a
// damaged copy: what it holds there is not what Windows wrote), is vm1's
// log, one machine, as before; and so is a copy whose last record's
// TimeCreated differs by 100 ns, its chunk checksums right (one field
// changed before they were computed: evtx.Merge reads the two as one
// record).
func TestDamagedCopyStaysOneMachine(t *testing.T) {
	vm1 := cloneLog(1, 100, 0)
	last := vm1[len(vm1)-1].System.TimeCreated
	for _, c := range []struct {
		name string
		data func(t *testing.T) []byte
	}{
		{"other records in damaged chunks", func(t *testing.T) []byte {
			// Chunks 4 to 7 hold records 161 to 295 (40 a chunk).
			b, err := evtxtest.Bytes(cloneLog(2, 100, 0), evtxtest.Options{MaxRecordsPerChunk: 40, BadRecordsCRC: []int{4, 5, 6, 7}})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{"last record's TimeCreated changed", func(t *testing.T) []byte {
			b, err := evtxtest.Bytes(vm1, evtxtest.Options{MaxRecordsPerChunk: 40})
			if err != nil {
				t.Fatal(err)
			}
			ft := uint64(evtx.TimeToFiletime(last))
			return changeInRecord(t, b, uint64(len(vm1)), ft, ft+1)
		}},
	} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "vm1", "System.evtx"), vm1)
		writeLogFile(t, dir, "copy", c.data(t))
		m := oneMachine(t, group(t, engine(t), dir))
		if got := systemCopies(m); !slices.Equal(got, []string{"copy", "vm1"}) {
			t.Errorf("%s: System copies %q, want copy and vm1", c.name, got)
		}
		if said := strings.Join(m.Grouping, "\n"); strings.Contains(said, "are not copies of one log") {
			t.Errorf("%s: a damaged copy called a clone:\n%s", c.name, said)
		}
	}
}

// TestExportOfAClone: vm2's log saved from Event Viewer (an export:
// records renumbered from 1, EventRecordIDs kept, header times borrowed)
// beside vm1's live log: the two share the history by EventRecordID and
// TimeCreated (eventKey) and part after it, two machines; with vm2's live
// log beside them too, the export is a copy of vm2's.
func TestExportOfAClone(t *testing.T) {
	vm2 := cloneLog(2, 60, 30)
	for _, withLive := range []bool{false, true} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "vm1", "System.evtx"), cloneLog(1, 500, 0))
		write(t, filepath.Join(dir, "vm2saved", "System.evtx"), evtxtest.Exported(vm2))
		groups := [][]string{{"vm1"}, {"vm2saved"}}
		if withLive {
			write(t, filepath.Join(dir, "vm2", "System.evtx"), vm2)
			groups = [][]string{{"vm1"}, {"vm2", "vm2saved"}}
		}
		ms, res := groupedResults(t, engine(t), dir)
		checkClones(t, fmt.Sprintf("export, live log beside it %v", withLive), ms, res, groups, groups[1][0])
	}
}

// TestCloneWithLaggingHeader: vm2's log not closed cleanly, its file
// header counting chunks 0 to 3 of 7 (records 1 to 160): its own records,
// from 196, lie in chunks past the header's count, each chunk's header
// and records checksums right, as a crashed VM's disk holds them. They are
// vm2's records all the same (the reader reads them as current), and the
// two logs part: two machines, vm2's 36871 found on vm2.
func TestCloneWithLaggingHeader(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "vm1", "System.evtx"), cloneLog(1, 500, 0))
	b, err := evtxtest.Bytes(cloneLog(2, 60, 30), evtxtest.Options{MaxRecordsPerChunk: 40, Dirty: true, UndercountChunks: 3})
	if err != nil {
		t.Fatal(err)
	}
	writeLogFile(t, dir, "vm2", b)
	ms, res := groupedResults(t, engine(t), dir)
	checkClones(t, "header lags", ms, res, [][]string{{"vm1"}, {"vm2"}}, "vm2")
}

// TestCloneRenamed: a clone (vm2) renamed after the clone point (its own
// records name vm-renamed) is a machine of its own, named vm-renamed. Its
// grouping and vm1's said "another machine has the same computer name",
// and that the clone "keeps the computer name": neither is true of vm1 and
// vm-renamed. They say the name both carried.
func TestCloneRenamed(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "vm1", "System.evtx"), cloneLog(1, 500, 0))
	vm2 := cloneLog(2, 60, 30)
	for _, ev := range vm2[cloneShared:] {
		ev.System.Computer = "vm-renamed"
	}
	write(t, filepath.Join(dir, "vm2", "System.evtx"), vm2)
	ms, _ := groupedResults(t, engine(t), dir)
	if len(ms) != 2 {
		t.Fatalf("%d machines, want 2:\n%s", len(ms), fullShape(ms))
	}
	names := map[string]string{"vm1": "vm", "vm2": "vm-renamed"}
	for d, name := range names {
		m := ms[machineOf(t, ms, d)]
		if m.Name != name {
			t.Errorf("%s: machine %q, want %q", d, m.Name, name)
		}
		other := names["vm1"]
		if d == "vm1" {
			other = names["vm2"]
		}
		said := strings.Join(m.Grouping, "\n")
		for _, bad := range []string{"has the same computer name", "keeps the computer name"} {
			if strings.Contains(said, bad) {
				t.Errorf("%s's grouping says %q:\n%s", d, bad, said)
			}
		}
		if w := "another machine, " + other + ", is not this one, though both carried the computer name vm: their System logs hold the same records up to a point and different ones after it (a clone: the lines below say where)"; !strings.Contains(said, w) {
			t.Errorf("%s's grouping does not say %q:\n%s", d, w, said)
		}
	}
}
