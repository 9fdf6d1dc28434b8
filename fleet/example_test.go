package fleet_test

import (
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/rules"
)

// Group reads the records of the period it is given (Options.Period, as
// evtxrdp analyze passes the rules' longest window plus the look-back),
// or every record (0): a log whose records named two computers,
// interleaved, a month ago (forwarded events) and one computer this week
// is forwarded events over its whole history, and that one computer's log
// within the week. A forwarded-events machine has no Name: Label names it.
func ExampleGroup() {
	dir, err := os.MkdirTemp("", "fleet")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	events := evtxtest.Noise(t.AddDate(0, -1, 0), time.Minute, 20)
	for i, ev := range events {
		ev.System.Computer = []string{"vm1", "vm2"}[i%2]
	}
	recent := evtxtest.Noise(t, time.Hour, 20)
	for _, ev := range recent {
		ev.System.Computer = "vm1"
	}
	err = evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), append(events, recent...), evtxtest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	units, _, err := fleet.Find([]string{dir})
	if err != nil {
		log.Fatal(err)
	}
	for _, period := range []time.Duration{0, 9 * 24 * time.Hour} {
		for _, m := range fleet.Group(units, fleet.Options{Period: period}) {
			fmt.Printf("Period %v: Name %q, Label %q, Forwarded %v\n", period, m.Name, m.Label(), m.Forwarded)
		}
	}
	// Output:
	// Period 0s: Name "", Label "forwarded events: vm1, vm2", Forwarded true
	// Period 216h0m0s: Name "vm1", Label "vm1", Forwarded false
}

// A path that holds no log is a problem, not an error: Find goes on with
// the other paths. err says only that the walk had to stop (MaxUnits).
func ExampleFind() {
	units, problems, err := fleet.Find([]string{"testdata/no-such-folder", "../testdata/evtx/scenarios/tls-36871-10013"})
	for _, u := range units {
		fmt.Println("unit:", u.Path, len(u.Logs), "log(s)")
	}
	fmt.Println("problems:", problems)
	fmt.Println("err:", err)
	// Output:
	// unit: ../testdata/evtx/scenarios/tls-36871-10013 1 log(s)
	// problems: [stat testdata/no-such-folder: no such file or directory]
	// err: <nil>
}

// The logs of a volume and of its shadow copy, found by evtx.Find, are
// two System logs: read one after the other, the records the shadow copy
// holds are counted twice. Copies finds that they are copies of one log
// (they share records) and EvtxLog reads them as one (evtx.Merge): each
// record once, the volume's copy first, and what each file adds.
func ExampleCopies() {
	dir, err := os.MkdirTemp("", "fleet")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	events := evtxtest.Noise(t, time.Hour, 30)
	for i, ev := range events {
		ev.RecordID = uint64(1001 + i)
		ev.System.EventRecordID = ev.RecordID
	}
	// The shadow copy was taken before the last 10 records were written.
	volume := filepath.Join(dir, "volume", "Windows", "System32", "winevt", "Logs")
	shadow := filepath.Join(dir, "shadow1", "Windows", "System32", "winevt", "Logs")
	for path, evs := range map[string][]*evtx.Event{volume: events, shadow: events[:20]} {
		if err := os.MkdirAll(path, 0o755); err != nil {
			log.Fatal(err)
		}
		if err := evtxtest.WriteFile(filepath.Join(path, "System.evtx"), evs, evtxtest.Options{}); err != nil {
			log.Fatal(err)
		}
	}
	var logs []*evtx.Log
	for _, root := range []string{filepath.Join(dir, "volume"), filepath.Join(dir, "shadow1")} {
		found, err := evtx.Find(root)
		if err != nil {
			log.Fatal(err)
		}
		logs = append(logs, found...)
	}
	count := func(l *evtx.Log) (n int, parts []int) {
		f, err := l.Open(evtx.Options{})
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		for {
			if _, err := f.Next(); err == io.EOF {
				return n, f.PartAdded()
			} else if err != nil {
				log.Fatal(err)
			}
			n++
		}
	}
	total := 0
	for _, l := range logs {
		n, _ := count(l)
		total += n
	}
	fmt.Printf("evtx.Find: %d logs, %d records read\n", len(logs), total)
	for _, l := range fleet.Copies(logs, 0) {
		n, added := count(l.EvtxLog())
		fmt.Printf("fleet.Copies: %s, %d copies, %d records; each copy adds %v\n", l.Channel, len(l.Copies), n, added)
	}
	// Output:
	// evtx.Find: 2 logs, 50 records read
	// fleet.Copies: System, 2 copies, 30 records; each copy adds [30 0]
}

// Analyze a folder as evtxrdp analyze does: find the places that hold
// logs, group their logs into machines by what the records say (reading
// the grouping period analyze reads, Period), and run the built-in rules
// on each machine, from its own reference time (the TimeCreated of its
// last-written record). Each finding has a verdict (how strong: detected,
// possible, resolved, not detected, not checked), the sentence that says
// why, and the newest evidence events, each with why it belongs to RDP.
func ExampleAnalyze() {
	rs, err := rules.Builtin()
	if err != nil {
		log.Fatal(err)
	}
	o := rules.Options{} // zero At: each machine's last-written record
	eng, err := rules.NewEngine(rs, o)
	if err != nil {
		log.Fatal(err)
	}
	units, problems, err := fleet.Find([]string{"../testdata/evtx/cases/two-computers"})
	if err != nil {
		log.Fatal(err) // more than MaxUnits places
	}
	for _, p := range problems {
		fmt.Println("not read:", p) // a path without logs, an unreadable folder, an archive inside an archive
	}
	ms := fleet.Group(units, fleet.Options{Channels: eng.Channels(), Accepts: eng.Accepts(), Period: fleet.Period(rs, o)})
	fleet.Analyze(eng, ms, 0, func(i int, r *fleet.Result) {
		fmt.Println(r.Machine.Label())
		if r.Err != nil { // rules.ErrNoReadableLog: r.Result.Inputs say why
			fmt.Println("  no readable log:", r.Err)
		}
		fmt.Println("  reference time:", evtx.FormatTime(r.Result.ReferenceTime))
		for _, f := range r.Result.Findings {
			if f.Verdict == rules.NotChecked || f.Verdict == rules.NotDetected {
				continue // not checked: f.Reasons say which log is missing
			}
			fmt.Printf("  %s: %s (%d evidence events)\n", f.Rule.ID, f.Verdict, f.EvidenceCount)
			fmt.Println("   ", f.Why)
			for _, e := range f.Evidence {
				fmt.Printf("    record %d (EventRecordID %d) %s %s %d: %s\n", e.RecordID, e.EventRecordID, evtx.FormatTime(e.Time), e.Provider, e.EventID, e.Attribution)
			}
		}
	}, nil)
	// Output:
	// vm1.contoso.com
	//   reference time: 2024-05-01T12:00:00.0000000Z
	//   rdp-tls-disabled: detected (2 evidence events)
	//     2 events in the window belong to RDP; the newest: Schannel failed to create a TLS server credential (Schannel 36871 at 2024-05-01T11:00:00.0000000Z), machine-wide (ErrorState=10013, Type=server); the live-VM commands show whether it still happens.
	//     record 122 (EventRecordID 122) 2024-05-01T11:00:00.0000000Z Schannel 36871: machine-wide (ErrorState=10013, Type=server)
	//     record 121 (EventRecordID 121) 2024-05-01T10:00:00.0000000Z Schannel 36871: machine-wide (ErrorState=10013, Type=server)
	// vm2.contoso.com
	//   reference time: 2024-05-04T12:00:00.0000000Z
}
