//go:build !unix

package main

import "os"

var cleanupSignals = []os.Signal{os.Interrupt}

func signalExitCode(os.Signal) int { return 130 }
