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

// gcPercent is the garbage collector's target (debug.SetGCPercent) unless
// GOGC sets one: a collection when the heap has grown by 4 times the live
// heap after the last, rather than Go's default of 1 time. A run's live
// heap is a few MiB, so the default collected every few MiB allocated:
// 0.1 of the 1.2 CPU seconds of analyze on bench/run's volume. The memory
// limit above still bounds the heap.
const gcPercent = 400

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
