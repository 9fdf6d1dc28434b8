package main

import (
	"fmt"
	"io"
)

// runQuery is implemented in a later change.
func runQuery(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "evtxrdp query: not implemented yet")
	return exitFailure
}
