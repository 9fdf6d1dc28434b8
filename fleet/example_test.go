package fleet_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
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
