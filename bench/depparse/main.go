// Command depparse times the Velocidex EVTX parser alone on one file: it
// decodes every chunk with the dependency and counts the records, the
// "dependency parsing alone" line of bench/run. It is a measuring tool, not
// part of evtxrdp: never run it on untrusted input (the dependency has
// fatal out-of-memory paths, see shared/crashers).
package main

import (
	"fmt"
	"os"
	"time"

	"www.velocidex.com/golang/evtx"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: depparse FILE.evtx")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "depparse:", err)
		os.Exit(1)
	}
	defer f.Close()
	start := time.Now()
	chunks, err := evtx.GetChunks(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "depparse:", err)
		os.Exit(1)
	}
	records := 0
	for _, c := range chunks {
		recs, _ := c.Parse(0)
		records += len(recs)
	}
	el := time.Since(start)
	fmt.Printf("records=%d seconds=%.3f records_per_second=%.0f\n", records, el.Seconds(), float64(records)/el.Seconds())
}
