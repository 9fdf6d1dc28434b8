package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDumpUnknownChannelWording: a log of which no record can be read
// (its file header alone) named export.evtx has no known channel, and
// dump says so as analyze does ("no record told its channel"); named
// System.evtx it is System's log to analyze, and dump says nothing of
// its channel. Before, dump said only "no readable record" for both.
func TestDumpUnknownChannelWording(t *testing.T) {
	src, err := os.ReadFile("../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, unknown := range map[string]bool{"export.evtx": true, "System.evtx": false} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, src[:4096], 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		if code := run([]string{"dump", path}, &out, &errb); code != exitFailure {
			t.Fatalf("%s: exit %d, want %d; stderr:\n%s", name, code, exitFailure, errb.String())
		}
		s := errb.String()
		if !strings.Contains(s, "no readable record") {
			t.Errorf("%s: stderr lacks \"no readable record\":\n%s", name, s)
		}
		if got := strings.Contains(s, "no record told its channel") && strings.Contains(s, "its channel is not known"); got != unknown {
			t.Errorf("%s: channel-unknown note %v, want %v:\n%s", name, got, unknown, s)
		}
		var ab bytes.Buffer
		run([]string{"analyze", path}, &ab, &ab)
		if got := strings.Contains(ab.String(), "no record told its channel"); got != unknown {
			t.Errorf("%s: analyze's channel-unknown wording %v, want %v (dump and analyze disagree)", name, got, unknown)
		}
	}
}
