//go:build unix

package main

import (
	"os"
	"syscall"
)

// cleanupSignals end a run early; inputs removes its temporary files on
// each, then exits with 128+signal. SIGPIPE is among them: a reader that
// goes away (`| head`) must not leave a temporary copy behind.
var cleanupSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE}

func signalExitCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}
