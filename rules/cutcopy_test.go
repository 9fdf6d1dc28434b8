package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCutCopyIsNotChecked: a System log cut short (a copy or download
// that stopped, head -c 30000, a zip member cut short) lost its newest
// records, but its last readable record became "now", the window ended
// there and every rule without evidence was "not detected: System read
// and covers it", with only a caveat of 152 unreadable bytes: the two
// Schannel 36871 events of the log's last day were simply gone. The file
// header counts a chunk of 64 KiB that the file does not hold: the log's
// window end is not in this copy, so such rules are not checked, with the
// cut named. Cut at a chunk boundary (the header counts more chunks than
// the file holds) the same; whole, the log covers the window.
func TestCutCopyIsNotChecked(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(scenarioDir, "tls-36871-10013", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := os.ReadFile(filepath.Join(scenarioDir, "wrapped-full-log", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	e := builtinEngine(t, Options{})
	for _, c := range []struct {
		name string
		log  []byte
		want string // in the reason; "" for a log that covers the window
	}{
		{"inside a chunk", b[:30000], "is cut short: it ends after 30000 bytes, where its file header counts 1 chunk (69632 bytes)"},
		{"at a chunk boundary", w[:4096+4*65536], "is cut short: it ends after 266240 bytes, where its file header counts 5 chunks (331776 bytes)"},
		{"whole", b, ""},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "System.evtx"), c.log, 0o644); err != nil {
			t.Fatal(err)
		}
		f := finding(t, analyzePath(t, e, dir), "rdp-cert-private-key")
		why := strings.Join(f.Reasons, "\n")
		switch {
		case c.want == "" && f.Verdict != NotDetected:
			t.Errorf("%s: %s %q, want not detected", c.name, f.Verdict, f.Reasons)
		case c.want != "" && (f.Verdict != NotChecked || !strings.Contains(why, c.want)):
			t.Errorf("%s: %s %q, want not checked because %q", c.name, f.Verdict, f.Reasons, c.want)
		}
	}
}
