//go:build unix

package main

import (
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// TestSignalStopsAnalysis: a SIGINT or SIGTERM once the analysis has
// begun cancels it (its reads stop at their next chunk) rather than end
// the process at once: analyze says it was stopped and that no report was
// written, writes none, and returns 128+signal, the temporary directory
// removed as the run ends. The signal is sent to the test process itself,
// whose handler (inputs) takes it.
func TestSignalStopsAnalysis(t *testing.T) {
	defer func(f func(*inputs)) { stopArmed = f }(stopArmed)
	for _, c := range []struct {
		sig  syscall.Signal
		name string
		code int
	}{{syscall.SIGINT, "SIGINT", 130}, {syscall.SIGTERM, "SIGTERM", 143}} {
		for _, args := range [][]string{
			{"analyze", "--format", "json", scenarios + "/cert-1058-access-denied"},
			{"analyze", "--format", "jsonl", scenarios + "/cert-1058-access-denied", scenarios + "/tls-36871-10013", systemSample},
		} {
			stopArmed = func(in *inputs) {
				if err := syscall.Kill(syscall.Getpid(), c.sig); err != nil {
					t.Fatal(err)
				}
				// The handler takes the stopper when it calls it: wait
				// for that (the signal is delivered asynchronously).
				for in.stopper.Load() != nil {
					runtime.Gosched()
				}
			}
			code, out, errOut := runCmd(args...)
			if code != c.code {
				t.Errorf("%v %s: exit %d, want %d\n%s", args, c.name, code, c.code, errOut)
			}
			if want := "evtxrdp analyze: stopped by " + c.name + " before the analysis ended: no report was written"; !strings.Contains(errOut, want) {
				t.Errorf("%v %s: stderr lacks %q:\n%s", args, c.name, want, errOut)
			}
			if out != "" {
				t.Errorf("%v %s: a report was written:\n%s", args, c.name, out)
			}
		}
	}
	// Without a signal the same run ends as before.
	stopArmed = func(*inputs) {}
	if code, out, _ := runCmd("analyze", "--format", "json", scenarios+"/cert-1058-access-denied"); code == 130 || out == "" {
		t.Errorf("no signal: exit %d, %d bytes", code, len(out))
	}
}
