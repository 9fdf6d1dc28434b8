//go:build unix

package evtx_test

import (
	"os"
	"syscall"
)

// maxRSS is a finished process's peak resident set in bytes, as the
// system's rusage says it (Linux: KiB).
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}
