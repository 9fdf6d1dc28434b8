package main

import (
	"fmt"
	"io"
)

// runDump is implemented in a later change.
func runDump(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "evtxrdp dump: not implemented yet")
	return exitFailure
}
