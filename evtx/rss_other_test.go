//go:build !unix

package evtx_test

import "os"

// maxRSS is 0 where the system gives no rusage: the child's own report
// (printHWM) or nothing.
func maxRSS(*os.ProcessState) int64 { return 0 }
