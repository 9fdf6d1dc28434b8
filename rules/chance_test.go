package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestCoincidenceInAFloodIsChance: on a machine whose RDP port is on the
// Internet, connection attempts come every few seconds. The real RCM
// Operational log of omerbenamram/evtx's DESKTOP-1N4R894 (1384 RCM 261 and
// RdpCoreTS 131 from 15:30 to 19:00 on 2018-08-07: 81% of those seconds
// lie within 10 seconds of one, 97% of the hour around 16:10) made an
// event of any other program at 16:10:10 "RDP's": a Schannel 36870 naming no process (IIS's, LDAPS's)
// made rdp-cert-private-key DETECTED, and a failed network logon of a
// disabled account (an SMB client's, LogonType 3 NtLmSsp) made
// rdp-logon-account DETECTED, both by the 261 1.6 seconds before it. An
// attempt near an event attributes it only when attempts lie within the
// coincidence of less than a quarter of the hour around it; in the flood
// the event is possible, and its attribution says why. The same event
// with a few attempts an hour, one of them 1.6 seconds before it, stays
// detected.
func TestCoincidenceInAFloodIsChance(t *testing.T) {
	const realRCM = "../testdata/evtx/omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"
	const host = "DESKTOP-1N4R894"
	at := time.Date(2018, 8, 7, 16, 10, 10, 0, time.UTC)
	named := func(evs []*evtx.Event) []*evtx.Event {
		for _, ev := range evs {
			ev.System.Computer = host
		}
		return sortByTime(evs)
	}
	// System and Security reach back over the window (it ends at the real
	// log's last record, 2018-08-07T19:34:58).
	start := time.Date(2018, 8, 5, 20, 0, 0, 0, time.UTC)
	system := named(append(evtxtest.Noise(start, 30*time.Minute, 94), evtxtest.Schannel36870(at, 0x8009030D, 10001)))
	security := named([]*evtx.Event{
		evtxtest.Security4625(start, "svc", "-", 0xC000006D, 0xC000006A, 2),
		evtxtest.Security4625(at, "olduser", "10.0.0.7", 0xC000006E, 0xC0000072, 3),
	})
	// sparse: RCM 261 once an hour, and 1.6 seconds before the event.
	var sparse []*evtx.Event
	for h := 0; h < 44; h++ {
		sparse = append(sparse, evtxtest.RCM261(start.Add(time.Duration(h)*time.Hour+17*time.Minute)))
	}
	sparse = named(append(sparse, evtxtest.RCM261(at.Add(-1600*time.Millisecond))))

	e := builtinEngine(t, Options{})
	for _, c := range []struct {
		name string
		rcm  []*evtx.Event // nil: the real log
		rule string
		want Verdict
		says string
	}{
		{"flood, Schannel 36870", nil, "rdp-cert-private-key", Possible, "RDP connection attempts lie within 10 seconds of 97% of the hour around it"},
		{"flood, failed network logon", nil, "rdp-logon-account", Possible, "of the hour around it (a flood of connections, such as a brute-force attack), so the one 1 second before it (RemoteConnectionManager 261 at 2018-08-07T16:10:08.3822489Z) may be chance"},
		{"sparse, Schannel 36870", sparse, "rdp-cert-private-key", Detected, "an RDP connection attempt 1 second before it"},
		{"sparse, failed network logon", sparse, "rdp-logon-account", Detected, "an RDP connection attempt 1 second before it"},
	} {
		dir := t.TempDir()
		for name, evs := range map[string][]*evtx.Event{"System.evtx": system, "Security.evtx": security} {
			if err := evtxtest.WriteFile(filepath.Join(dir, name), evs, evtxtest.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		var logs []*evtx.Log
		paths := []string{dir}
		if c.rcm == nil {
			paths = append(paths, realRCM)
		} else if err := evtxtest.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"), c.rcm, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			l, err := evtx.Find(p)
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, l...)
		}
		res, err := e.Analyze(logs)
		if err != nil {
			t.Fatal(err)
		}
		f := finding(t, res, c.rule)
		var attr []string
		for _, r := range f.Evidence {
			attr = append(attr, r.Attribution)
		}
		if f.Verdict != c.want || !strings.Contains(strings.Join(attr, "\n"), c.says) {
			t.Errorf("%s: %s (%s), attribution %q; want %s, %q", c.name, f.Verdict, f.Why, attr, c.want, c.says)
		}
		// In the flood an attempt at the same moment is no confirmation.
		if c.want == Possible && strings.Contains(f.Why, "an RDP connection attempt at the same moment") {
			t.Errorf("%s: why %q offers an attempt at the same moment as confirmation", c.name, f.Why)
		}
	}
}

// TestCoincidentShare: the share of the hour around an event that lies
// within the coincidence of an attempt, of the part of the hour the
// attempts' logs cover: its end cut at the reference time or where they
// end, its start where they start.
func TestCoincidentShare(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	every := func(from, to time.Time, step time.Duration) []contextTime {
		var cs []contextTime
		for x := from; !x.After(to); x = x.Add(step) {
			cs = append(cs, contextTime{t: x, query: "rcm-261"})
		}
		return cs
	}
	for _, c := range []struct {
		name      string
		cs        []contextTime
		start     time.Time
		end       time.Time
		wantShare float64
		chance    bool
	}{
		{"one attempt", []contextTime{{t: t0.Add(2 * time.Second)}}, time.Time{}, time.Time{}, 20.0 / 3600, false},
		{"every 20 s", every(t0.Add(-40*time.Minute), t0.Add(40*time.Minute), 20*time.Second), time.Time{}, time.Time{}, 1, true},
		{"every 80 s: a quarter", every(t0.Add(-40*time.Minute), t0.Add(40*time.Minute), 80*time.Second), time.Time{}, time.Time{}, 0.25, true},
		{"every 100 s", every(t0.Add(-40*time.Minute), t0.Add(40*time.Minute), 100*time.Second), time.Time{}, time.Time{}, 0.2, false},
		{"every 80 s up to an event at the reference time", every(t0.Add(-40*time.Minute), t0, 80*time.Second), time.Time{}, t0, 0.25, true},
		{"every 100 s up to the reference time", every(t0.Add(-40*time.Minute), t0.Add(5*time.Minute), 100*time.Second), time.Time{}, t0.Add(5 * time.Minute), 0.2, false},
		// Near the start of the attempts' logs, 5 minutes before the
		// event: the share is of the 35 minutes they cover, not of the
		// hour, whose 25 minutes before them are unseen (0.194 before:
		// attributed in a flood).
		{"every 60 s from the log's start", every(t0.Add(-5*time.Minute), t0.Add(40*time.Minute), time.Minute), t0.Add(-5 * time.Minute), time.Time{}, 1.0 / 3, true},
		{"every 100 s from the log's start", every(t0.Add(-500*time.Second), t0.Add(40*time.Minute), 100*time.Second), t0.Add(-500 * time.Second), time.Time{}, 0.2, false},
		// Near their end, 5 minutes after the event (the reference
		// time later, from another log).
		{"every 60 s up to the log's end", every(t0.Add(-40*time.Minute), t0.Add(5*time.Minute), time.Minute), time.Time{}, t0.Add(5 * time.Minute), 1.0 / 3, true},
		// Both: 10 minutes seen.
		{"every 60 s, a 10-minute log", every(t0.Add(-5*time.Minute), t0.Add(5*time.Minute), time.Minute), t0.Add(-5 * time.Minute), t0.Add(5 * time.Minute), 1.0 / 3, true},
		// The logs start 5 seconds after the event: the 30 minutes
		// after them are what is seen (0.167 of the whole hour).
		{"a start after the event", every(t0.Add(5*time.Second), t0.Add(40*time.Minute), time.Minute), t0.Add(5 * time.Second), time.Time{}, 1.0 / 3, true},
	} {
		near, share, chance := coincident(c.cs, t0, 10*time.Second, c.start, c.end)
		if d := share - c.wantShare; d > 0.02 || d < -0.02 || chance != c.chance || (near == nil) != chance {
			t.Errorf("%s: share %.3f, chance %v, attempt %v; want %.3f, %v", c.name, share, chance, near, c.wantShare, c.chance)
		}
	}
}

// TestFloodAtTheLogStartIsChance: an event 5 minutes after the RCM
// Operational log starts, in a flood of attempts (one a minute, one at
// the event's moment), is judged by the 35 minutes of its hour the log
// covers: a third of them lies within 10 seconds of an attempt, so the
// attempt at its moment may be chance and the Schannel 36870 naming no
// process is possible. The 25 minutes before the log, counted as free of
// attempts, made the share 0.19 and the event RDP's (detected). The
// same event an hour into the flood was already judged so.
func TestFloodAtTheLogStartIsChance(t *testing.T) {
	for _, c := range []struct {
		name  string
		after time.Duration // from the log's start to the event
	}{
		{"5 minutes into the log", 5 * time.Minute},
		{"an hour into the log", time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			at := t0.Add(-2 * time.Hour)
			start := at.Add(-c.after)
			system := sortByTime(append(evtxtest.Noise(t0.Add(-3*24*time.Hour), time.Hour, 73), evtxtest.Schannel36870(at, 0x8009030D, 10001)))
			var rcm []*evtx.Event
			for x := start; !x.After(at.Add(40 * time.Minute)); x = x.Add(time.Minute) {
				rcm = append(rcm, evtxtest.RCM261(x))
			}
			dir := t.TempDir()
			for name, evs := range map[string][]*evtx.Event{"System.evtx": system, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx": rcm} {
				if err := evtxtest.WriteFile(filepath.Join(dir, name), evs, evtxtest.Options{}); err != nil {
					t.Fatal(err)
				}
			}
			f := finding(t, analyzePath(t, builtinEngine(t, Options{At: t0}), dir), "rdp-cert-private-key")
			var attr []string
			for _, r := range f.Evidence {
				attr = append(attr, r.Attribution)
			}
			if f.Verdict != Possible || !strings.Contains(strings.Join(attr, "\n"), "RDP connection attempts lie within 10 seconds of 33% of the hour around it") {
				t.Errorf("%s (%s), attribution %q; want possible, attempts within 10 seconds of 33%% of the hour", f.Verdict, f.Why, attr)
			}
		})
	}
}
