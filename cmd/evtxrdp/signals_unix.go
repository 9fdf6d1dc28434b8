//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// cleanupSignals end a run early; inputs removes its temporary files on
// each, then exits with 128+signal. SIGPIPE is among them: a reader that
// goes away (`| head`) must not leave a temporary copy behind.
var cleanupSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE}

// stopSignals stop an analysis (analyze's context) rather than end the run
// at once, the first time (inputs.stopOn): SIGINT (Ctrl-C) and SIGTERM.
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM}

// exitBrokenPipe is the exit code of a run whose output reader went away:
// 128 + SIGPIPE, as if the signal had ended it.
const exitBrokenPipe = 128 + int(syscall.SIGPIPE)

// brokenPipe reports whether err is a write to a pipe whose reader went
// away (EPIPE).
func brokenPipe(err error) bool { return errors.Is(err, syscall.EPIPE) }

func signalExitCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}
