// Command genfixtures writes the scenario fixture logs under
// testdata/evtx/scenarios/: one directory per log set, as Windows would
// write the logs, with an EXPECT file giving the verdict each rule must
// reach on it. Run it from the module root:
//
//	go run ./internal/genfixtures
//
// The output is deterministic; TestUpToDate fails when the committed files
// differ from what the generator writes.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	dir := flag.String("dir", "testdata/evtx/scenarios", "output directory (replaced)")
	flag.Parse()
	if err := Generate(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "genfixtures:", err)
		os.Exit(1)
	}
}
