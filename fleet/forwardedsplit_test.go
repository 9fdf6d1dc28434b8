package fleet_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// forwardedHost is one computer whose events a collector received.
type forwardedHost struct {
	name string
	end  time.Time // TimeCreated of its last event
	tls  int       // Schannel 36871 (TLS disabled) events an hour before end
	// firstID is the EventRecordID of its first System event (0: 1).
	firstID uint64
}

// collect returns each host's events (systemLog: two days of background
// events, numbered by the host from EventRecordID 1) and the collector's
// log of them all: interleaved by TimeCreated, numbered by the collector
// from record 1 in the order written.
func collect(hs []forwardedHost) (own map[string][]*evtx.Event, fwd []*evtx.Event) {
	own = map[string][]*evtx.Event{}
	for _, h := range hs {
		evs := systemLog(h.name, h.end, h.tls, max(h.firstID, 1))
		for _, ev := range evs {
			ev.System.EventRecordID = ev.RecordID
		}
		own[h.name] = evs
		for _, ev := range evs {
			c := *ev
			fwd = append(fwd, &c)
		}
	}
	slices.SortStableFunc(fwd, func(a, b *evtx.Event) int { return a.System.TimeCreated.Compare(b.System.TimeCreated) })
	number(fwd)
	return own, fwd
}

// number numbers a collector's records in the order written, from 1.
func number(fwd []*evtx.Event) {
	for i, ev := range fwd {
		ev.RecordID = uint64(i + 1)
	}
}

// TestForwardedSplit: a collector's ForwardedEvents log of three
// computers is analysed as three machines, each from its own records of
// the log (evtx.Log.ForComputer) and its own reference time: the
// TimeCreated of its record with the highest EventRecordID. vm1 alone has
// rdp-tls-disabled evidence (2 events): detected there, not on vm2 and
// vm3. Analysed as one log before, the three shared vm1's reference time
// and findings, and the report said they were mixed.
//
// vm3's last two records reached the collector in the reverse order
// (a resend): its record with the highest collector record number is its
// EventRecordID 289, but its last-written record is 290, ten minutes
// later, which gives its "now". vm2's System events are numbered from
// EventRecordID 100, and it forwarded two RemoteConnectionManager
// Operational events too, that channel's EventRecordIDs 1 (before its
// first System event) and 400 (20 minutes before its last System event),
// the collector writing 400 last: its record numbers and EventRecordIDs
// rise together and its first and last records are of one channel (no
// export out of order), yet its last-written record is its last System
// event, EventRecordID 388, the latest of its channels' highest
// EventRecordIDs; by the collector's record numbers "now" was 20 minutes
// early.
func TestForwardedSplit(t *testing.T) {
	eng := engine(t)
	hs := []forwardedHost{
		{"vm1.contoso.com", t0, 2, 0},
		{"vm2.contoso.com", t0.Add(-30 * time.Hour), 0, 100},
		{"vm3.contoso.com", t0.Add(-50 * time.Hour), 0, 0},
	}
	own, fwd := collect(hs)
	vm2 := own["vm2.contoso.com"]
	rcm := func(at time.Time, id uint64) *evtx.Event {
		ev := evtxtest.RCMOperational(at, 261)
		ev.System.Computer, ev.System.EventRecordID = "vm2.contoso.com", id
		return ev
	}
	fwd = append([]*evtx.Event{rcm(vm2[0].System.TimeCreated.Add(-time.Minute), 1)}, fwd...)
	fwd = append(fwd, rcm(t0.Add(-30*time.Hour-20*time.Minute), 400))
	number(fwd)
	// vm3's last two records, swapped in the collector's order.
	var at []int
	for i, ev := range fwd {
		if ev.System.Computer == "vm3.contoso.com" {
			at = append(at, i)
		}
	}
	a, b := at[len(at)-2], at[len(at)-1]
	fwd[a], fwd[b] = fwd[b], fwd[a]
	fwd[a].RecordID, fwd[b].RecordID = fwd[b].RecordID, fwd[a].RecordID
	vm3Last := own["vm3.contoso.com"][len(own["vm3.contoso.com"])-1]
	if fwd[b].System.EventRecordID >= vm3Last.System.EventRecordID || !fwd[b].System.TimeCreated.Before(vm3Last.System.TimeCreated) {
		t.Fatal("the swap does not put an older record last")
	}

	dir := t.TempDir()
	write(t, filepath.Join(dir, "collector", "ForwardedEvents.evtx"), fwd)
	ms := group(t, eng, dir)
	if got := labels(ms); !slices.Equal(got, []string{"vm1.contoso.com", "vm2.contoso.com", "vm3.contoso.com"}) {
		t.Fatalf("machines %q", got)
	}
	res := analyze(t, eng, ms)
	for _, m := range ms {
		if !m.Forwarded || len(m.Logs) != 1 || m.Logs[0].Computer != m.Name || !strings.Contains(strings.Join(m.Grouping, "\n"), "forwarded events: its records name 3 computers") {
			t.Errorf("%s: forwarded %v, logs %d, grouping %q", m.Label(), m.Forwarded, len(m.Logs), m.Grouping)
		}
		if in := res[m.Label()].Inputs[0]; in.ForwardedComputer != strings.Split(m.Name, ".")[0] || in.Exported {
			t.Errorf("%s: input forwarded computer %q, exported %v", m.Label(), in.ForwardedComputer, in.Exported)
		}
	}
	for _, h := range hs {
		r := res[h.name]
		want := h.end
		if h.name == "vm3.contoso.com" {
			want = vm3Last.System.TimeCreated
		}
		if !r.ReferenceTime.Equal(want) {
			t.Errorf("%s: reference time %v, want %v (its own last-written record)", h.name, r.ReferenceTime, want)
		}
		f := finding(t, r, ruleTLS)
		switch {
		case h.tls > 0 && (f.Verdict != rules.Detected || f.EvidenceCount != h.tls):
			t.Errorf("%s: %s, %d events; want detected, %d", h.name, f.Verdict, f.EvidenceCount, h.tls)
		case h.tls == 0 && f.Verdict != rules.NotDetected:
			t.Errorf("%s: %s; want not detected", h.name, f.Verdict)
		}
	}
	if rr := res["vm2.contoso.com"].ReferenceRecord; rr == nil || rr.EventRecordID != vm2[len(vm2)-1].System.EventRecordID || vm2[len(vm2)-1].System.EventRecordID != 388 {
		t.Errorf("vm2: reference record %v, want EventRecordID %d", rr, vm2[len(vm2)-1].System.EventRecordID)
	}
	if rr := res["vm3.contoso.com"].ReferenceRecord; rr == nil || rr.EventRecordID != vm3Last.System.EventRecordID {
		t.Errorf("vm3: reference record %v, want EventRecordID %d", rr, vm3Last.System.EventRecordID)
	}
}

// TestForwardedSplitWithOwnLog: a collector's log of two computers, and
// vm1's own System.evtx (the same events, numbered by vm1) given too:
// two machines, vm1 reading its own log and its records of the
// forwarded log, its two Schannel 36871 events counted once, as its own
// log alone gives; its reference time is its own.
func TestForwardedSplitWithOwnLog(t *testing.T) {
	eng := engine(t)
	hs := []forwardedHost{
		{"vm1.contoso.com", t0, 2, 0},
		{"vm2.contoso.com", t0.Add(-30 * time.Hour), 0, 0},
	}
	own, fwd := collect(hs)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "collector", "ForwardedEvents.evtx"), fwd)
	write(t, filepath.Join(dir, "vm1", "System.evtx"), own["vm1.contoso.com"])

	alone := analyze(t, eng, group(t, eng, filepath.Join(dir, "vm1")))["vm1.contoso.com"]
	fa := finding(t, alone, ruleTLS)

	ms := group(t, eng, dir)
	if got := labels(ms); !slices.Equal(got, []string{"vm1.contoso.com", "vm2.contoso.com"}) {
		t.Fatalf("machines %q", got)
	}
	var computers []string
	for _, l := range ms[0].Logs {
		computers = append(computers, l.Computer)
	}
	slices.Sort(computers)
	if !slices.Equal(computers, []string{"", "vm1.contoso.com"}) {
		t.Fatalf("vm1: logs of %q, want its System.evtx and its forwarded records", computers)
	}
	res := analyze(t, eng, ms)
	f := finding(t, res["vm1.contoso.com"], ruleTLS)
	if fa.Verdict != rules.Detected || f.Verdict != fa.Verdict || f.EvidenceCount != fa.EvidenceCount || fa.EvidenceCount != 2 {
		t.Errorf("vm1: %s, %d events; its own log alone: %s, %d; want detected, 2", f.Verdict, f.EvidenceCount, fa.Verdict, fa.EvidenceCount)
	}
	if !res["vm1.contoso.com"].ReferenceTime.Equal(t0) || !res["vm2.contoso.com"].ReferenceTime.Equal(t0.Add(-30*time.Hour)) {
		t.Errorf("reference times %v, %v", res["vm1.contoso.com"].ReferenceTime, res["vm2.contoso.com"].ReferenceTime)
	}
	if f := finding(t, res["vm2.contoso.com"], ruleTLS); f.Verdict != rules.NotDetected {
		t.Errorf("vm2: %s", f.Verdict)
	}
	// The timeline holds each of vm1's events once.
	if tl, tla := len(res["vm1.contoso.com"].Timeline), len(alone.Timeline); tl != tla {
		t.Errorf("vm1: %d timeline lines, its own log alone %d", tl, tla)
	}
}
