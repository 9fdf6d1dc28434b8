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

// TestBootWithoutListenerWhereItsLogLostRecords: a boot (EventLog 6005)
// with no RCM Operational 258 ("started listening") within 10 minutes is
// rdp-listener's evidence, but not when the RCM Operational log read lost
// the records after the boot, where the 258 may be: its newest chunk
// zeroed while its file header counts the records it held, a chunk zeroed
// between two others, or the copy cut short. The listener started a minute
// after the boot, its 258 in the lost chunk, and the finding was
// "detected: Windows started, and the RDP listener did not start listening
// within 10 minutes", beside a caveat that the log had lost records; now
// it is possible, saying why. The same log whole is not detected, and a
// whole log with no 258 after the boot (listener-never-started) is still
// detected.
func TestBootWithoutListenerWhereItsLogLostRecords(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(-d) }
	var sys []*evtx.Event
	for i := 72; i > 5; i-- {
		sys = append(sys, evtxtest.Noise(at(time.Duration(i)*time.Hour), time.Hour, 1)...)
	}
	sys = append(sys, evtxtest.EventLog(at(5*time.Hour), 6005))
	for i := 4; i >= 0; i-- {
		sys = append(sys, evtxtest.Noise(at(time.Duration(i)*time.Hour), time.Hour, 1)...)
	}
	// The RCM Operational log, ten records a chunk: a 258 nine days ago
	// and connections until 20 hours ago (chunks 0 and 1), then the 258
	// a minute after the boot (chunk 2).
	rcmEvents := func(started bool) []*evtx.Event {
		evs := []*evtx.Event{evtxtest.RCMOperational(at(9*24*time.Hour), 258)}
		for i := 19; i > 0; i-- {
			evs = append(evs, evtxtest.RCM261(at(20*time.Hour+time.Duration(i)*time.Hour)))
		}
		if started {
			evs = append(evs, evtxtest.RCMOperational(at(5*time.Hour-time.Minute), 258))
		} else {
			evs = append(evs, evtxtest.RCM261(at(20*time.Hour)))
		}
		return append(evs, evtxtest.RCM261(at(4*time.Hour)))
	}
	rcm := func(started bool, o evtxtest.Options, zero ...int) []byte {
		o.MaxRecordsPerChunk = 10
		b, err := evtxtest.Bytes(rcmEvents(started), o)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range zero {
			clear(b[4096+z*65536 : 4096+(z+1)*65536])
		}
		return b
	}
	whole := rcm(true, evtxtest.Options{})
	// A dirty log whose file header counts two chunks (records up to
	// 20): cut inside the third, only the cut says records are lost.
	lagging := rcm(true, evtxtest.Options{Dirty: true, UndercountChunks: 1})
	e := builtinEngine(t, Options{})
	for _, c := range []struct {
		name string
		rcm  []byte
		want Verdict
		why  string // in the caveats
	}{
		{"newest chunk zeroed", rcm(true, evtxtest.Options{}, 2), Possible, "records 21 to 22 (2) missing after record 20"},
		{"cut short", whole[:4096+2*65536+300], Possible, "records 21 to 22 (2) missing after record 20"},
		{"cut short, header lagging", lagging[:4096+2*65536+300], Possible, "is cut short after record 20"},
		{"whole, started", whole, NotDetected, ""},
		{"whole, never started", rcm(false, evtxtest.Options{}), Detected, ""},
		// Records lost before the boot (11 to 20, up to 20 hours ago)
		// leave the boot judged.
		{"never started, older records lost", rcm(false, evtxtest.Options{}, 1), Detected, ""},
	} {
		dir := t.TempDir()
		if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sys, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"), c.rcm, 0o644); err != nil {
			t.Fatal(err)
		}
		f := finding(t, analyzePath(t, e, dir), "rdp-listener")
		caveats := strings.Join(f.Caveats, "\n")
		if f.Verdict != c.want || c.why != "" && (!strings.Contains(caveats, c.why) || !strings.Contains(f.Why, "may be among them")) {
			t.Errorf("%s: %s (%s), caveats %q; want %s because %q", c.name, f.Verdict, f.Why, f.Caveats, c.want, c.why)
		}
	}
}

// TestBootWithoutListenerOutsideWindowNotLastSeen: a boot outside the
// window is a match of boot-without-listener's xpath alone (EventLog
// 6005); whether a listener start followed it is judged for the window's
// boots only. The report said "boot-without-listener: last seen 2 days
// before the window", a boot without a listener start, of a System log
// read beside an RCM Operational log holding the 258 a minute after that
// boot, and of one read without any RCM log (the real python-evtx
// system.evtx: its 6005 boots "last seen 6 hours before the window").
// Such matches are now counted in a caveat, not listed as seen.
func TestBootWithoutListenerOutsideWindowNotLastSeen(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(-d) }
	var sys []*evtx.Event
	for i := 96; i > 50; i-- {
		sys = append(sys, evtxtest.Noise(at(time.Duration(i)*time.Hour), time.Hour, 1)...)
	}
	sys = append(sys, evtxtest.EventLog(at(50*time.Hour), 6005)) // 26 hours before the window
	for i := 49; i >= 0; i-- {
		sys = append(sys, evtxtest.Noise(at(time.Duration(i)*time.Hour), time.Hour, 1)...)
	}
	rcm := []*evtx.Event{evtxtest.RCMOperational(at(9*24*time.Hour), 258), evtxtest.RCMOperational(at(50*time.Hour-time.Minute), 258)}
	for i := 49; i >= 0; i-- {
		rcm = append(rcm, evtxtest.RCM261(at(time.Duration(i)*time.Hour)))
	}
	e := builtinEngine(t, Options{})
	for _, withRCM := range []bool{true, false} {
		dir := t.TempDir()
		if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sys, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		if withRCM {
			if err := evtxtest.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"), rcm, evtxtest.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		f := finding(t, analyzePath(t, e, dir), "rdp-listener")
		for _, h := range f.Hits {
			if h.Query.ID == "boot-without-listener" && (h.Before != nil || h.BeforeCount != 0) {
				t.Errorf("RCM log read %v: boot-without-listener last seen %v (%d before the window): a boot followed or not, listed as one without a listener start", withRCM, h.Before.Time, h.BeforeCount)
			}
		}
		if want := "boot-without-listener: 1 match outside the window"; !strings.Contains(strings.Join(f.Caveats, "\n"), want) {
			t.Errorf("RCM log read %v: caveats %q lack %q", withRCM, f.Caveats, want)
		}
	}
}
