//go:build !unix

package main

import "os"

var cleanupSignals = []os.Signal{os.Interrupt}

var stopSignals = []os.Signal{os.Interrupt}

func signalExitCode(os.Signal) int { return 130 }

const exitBrokenPipe = exitFailure

func brokenPipe(error) bool { return false }
