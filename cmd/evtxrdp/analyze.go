package main

import (
	"fmt"
	"io"
)

// runAnalyze is implemented in a later change.
func runAnalyze(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "evtxrdp analyze: not implemented yet")
	return exitFailure
}
