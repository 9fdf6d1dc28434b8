// Command genfleet writes the logs of a fleet of generated machines for
// bench/run: one folder per machine, each holding a small System log and
// the two RD Connection Broker Operational logs, written with
// evtx/evtxtest. Machine i is named vm-NNN.fleet.example and logs until
// --end minus i minutes; every tenth machine (i = 0, 10, ...) has the TLS
// scenario's Schannel 36871 events in its last hour, so that analyze has
// something to find on some machines and not on others.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "genfleet:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := pflag.NewFlagSet("genfleet", pflag.ContinueOnError)
	out := fs.StringP("output", "o", "", "directory to write the machines' folders into")
	n := fs.IntP("machines", "n", 200, "number of machines")
	records := fs.Int("records", 288, "background records per System log (one every 10 minutes)")
	endFlag := fs.String("end", "2026-11-01T00:00:00Z", "time of machine 0's newest record (RFC 3339)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *n <= 0 {
		return errors.New("usage: genfleet -o DIR [-n MACHINES] [--records N] [--end T]")
	}
	end, err := time.Parse(time.RFC3339, *endFlag)
	if err != nil {
		return fmt.Errorf("--end: %w", err)
	}
	for i := range *n {
		name := fmt.Sprintf("vm-%03d.fleet.example", i)
		dir := filepath.Join(*out, fmt.Sprintf("vm-%03d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		last := end.Add(-time.Duration(i) * time.Minute)
		sys := evtxtest.Noise(last.Add(-time.Duration(*records-1)*10*time.Minute), 10*time.Minute, *records)
		if i%10 == 0 {
			sys = append(sys[:len(sys)-1],
				evtxtest.Schannel36871(last.Add(-30*time.Minute), 10013),
				evtxtest.Schannel36871(last.Add(-20*time.Minute), 10013),
				sys[len(sys)-1])
		}
		broker := []*evtx.Event{evtxtest.SessionBroker2056(last.Add(-72*time.Hour), "RDCB", "sql", "Logon to the database failed.")}
		client := []*evtx.Event{evtxtest.SessionBrokerClient1296(last.Add(-72*time.Hour), "FLEET", "admin", "not ready")}
		for _, l := range []struct {
			channel string
			events  []*evtx.Event
		}{{evtxtest.ChannelSystem, sys}, {evtxtest.ChannelSessionBroker, broker}, {evtxtest.ChannelSessionBrokerClient, client}} {
			for _, ev := range l.events {
				ev.System.Computer = name
			}
			if err := evtxtest.WriteFile(filepath.Join(dir, evtx.FileNameForChannel(l.channel)), l.events, evtxtest.Options{}); err != nil {
				return err
			}
		}
	}
	fmt.Printf("wrote %d machines under %s\n", *n, *out)
	return nil
}
