package evtx

import (
	"strings"
	"testing"
)

// The command a problem gives names the input's real path, quoted for
// the shell (it named FILE, a placeholder); standard input gets tail
// reading the same bytes piped again; an archive piped to standard input
// (a temporary copy) and a path a terminal line cannot show get none.
func TestCopyOutCommandNamesPath(t *testing.T) {
	for _, c := range []struct {
		name    string
		aligned bool
		want    string
	}{
		{"logs/two.evtx", true, "dd if=logs/two.evtx of=OUT bs=4096 skip=2"},
		{"it's two.evtx", true, `dd if='it'\''s two.evtx' of=OUT bs=4096 skip=2`},
		{"-x.evtx", false, "tail -c +8193 ./-x.evtx > OUT"},
		{"a b.evtx", false, "tail -c +8193 'a b.evtx' > OUT"},
		{"-", true, "the same bytes piped again into: tail -c +8193 > OUT"},
		{"", false, "tail -c +8193 FILE > OUT, FILE being the input"},
		{"bad\x1b.evtx", true, "no shell command is given: the file's path holds characters"},
	} {
		if got := copyOutCommand(Options{Name: c.name}, 8192, 10000, "OUT", c.aligned); !strings.HasPrefix(got, c.want) {
			t.Errorf("%q: %q, want %q", c.name, got, c.want)
		}
	}
	m := &Log{file: "/tmp/evtxrdp-123/stdin", member: "System.evtx"}
	if got := copyOutCommand(Options{Name: "-!System.evtx", member: m}, 8192, 10000, "OUT", true); !strings.Contains(got, "standard input") || strings.Contains(got, "/tmp/") {
		t.Errorf("archive from standard input: %q", got)
	}
}
