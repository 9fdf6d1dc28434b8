package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDumpUnknownChannelWording: a log no record of which tells its
// channel (its file header alone: none read; or every record decoded in
// part, their templates zeroed) named export.evtx has no known channel,
// and dump says so in analyze's words ("so its channel is not known",
// "channel unknown") and with analyze's reason; named System.evtx it is
// System's log to analyze, and dump says nothing of its channel. Before,
// dump said only "no readable record" of the first and nothing of the
// second.
func TestDumpUnknownChannelWording(t *testing.T) {
	src, err := os.ReadFile("../../testdata/evtx/scenarios/tls-36871-10013/System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	partial := bytes.Clone(src)
	clear(partial[4096+0x200 : 4096+0x2000]) // the first records and the templates they define
	for _, c := range []struct {
		kind   string
		data   []byte
		exit   int
		reason string
	}{
		{"header only", src[:4096], exitFailure, "no record could be read, so its channel is not known"},
		{"decoded in part", partial, exitOK, "records were all decoded in part (their templates damaged: values without names), so its channel is not known"},
	} {
		for name, unknown := range map[string]bool{"export.evtx": true, "System.evtx": false} {
			path := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			if code := run([]string{"dump", "-f", "none", path}, &out, &errb); code != c.exit {
				t.Fatalf("%s %s: exit %d, want %d; stderr:\n%s", c.kind, name, code, c.exit, errb.String())
			}
			s := errb.String()
			if got := strings.Contains(s, c.reason) && strings.Contains(s, `analyze lists it as "channel unknown"`); got != unknown {
				t.Errorf("%s %s: channel-unknown note %v, want %v:\n%s", c.kind, name, got, unknown, s)
			}
			var ab bytes.Buffer
			run([]string{"analyze", path}, &ab, &ab)
			a := strings.Join(strings.Fields(ab.String()), " ")
			if got := strings.Contains(a, "[channel unknown]") && strings.Contains(a, c.reason) &&
				strings.Contains(a, "could not be read in full, and no record told its channel"); got != unknown {
				t.Errorf("%s %s: analyze's channel-unknown wording %v, want %v (dump and analyze disagree):\n%s", c.kind, name, got, unknown, a)
			}
		}
	}
}
