// Command evtxrdp diagnoses failed Remote Desktop connections to Windows
// machines from their exported event logs. See the README for usage.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
