// Command evtxrdp diagnoses failed Remote Desktop connections to Windows
// machines from their exported event logs. See the README for usage.
package main

import (
	"os"
	"runtime/debug"
)

// memoryLimit is the soft limit of the Go heap (debug.SetMemoryLimit)
// unless GOMEMLIMIT sets one: the garbage collector works harder as the
// heap nears it, so that the peak RSS stays under the 150 MiB bench/run
// checks whatever the flags (8 decoding workers peaked at 134 MiB without
// it). The live heap of a run is far below it.
const memoryLimit = 100 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
