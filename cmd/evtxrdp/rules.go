package main

import (
	"fmt"
	"io"
)

// runRules is implemented in a later change.
func runRules(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "evtxrdp rules: not implemented yet")
	return exitFailure
}
