package main

import (
	"io"
	"os"
	"testing"
)

// BenchmarkAnalyzeVolume runs `analyze --format json` of
// EVTXRDP_BENCH_VOLUME (bench/run's bench/out/volume, say), else of
// testdata/evtx, in this process: for CPU and memory profiles of the
// whole command (go test -bench AnalyzeVolume -cpuprofile ...).
func BenchmarkAnalyzeVolume(b *testing.B) {
	vol := os.Getenv("EVTXRDP_BENCH_VOLUME")
	if vol == "" {
		vol = "../../testdata/evtx"
	}
	for b.Loop() {
		if rc := run([]string{"analyze", "--format", "json", vol}, io.Discard, io.Discard); rc != exitOK && rc != exitDetected {
			b.Fatalf("analyze %s: exit %d", vol, rc)
		}
	}
}
