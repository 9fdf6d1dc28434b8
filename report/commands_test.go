package report

import (
	"bytes"
	"strings"
	"testing"
)

// Every form of copy command evtx writes (evtx/copyout.go) stays whole on
// one line of a wrapped paragraph, wherever the line would end, with the
// punctuation that touches it; the words around it wrap as before.
func TestWrapKeepsCommandsWhole(t *testing.T) {
	cmds := []string{
		"dd if=/mnt/vm/Windows/System32/winevt/Logs/System.evtx of=SECOND.evtx bs=4096 skip=273",
		"dd if='/mnt/a b'\\''s/System.evtx' of=LOG2.evtx bs=4096 skip=17 count=257",
		"tail -c +1119233 /mnt/vm/System.evtx > SECOND.evtx",
		"tail -c +1119233 '/mnt/my logs/System.evtx' | head -c 65536 > SECOND.evtx",
		"unzip -p logs.zip 'Logs/System.evtx' | tail -c +1119233 | head -c 4096 > SECOND.evtx",
		"tail -c +1200 logs.zip | head -c 4096 > LOG.evtx",
	}
	for _, cmd := range cmds {
		for pad := 0; pad < 60; pad += 7 {
			text := strings.Repeat("word ", pad) + "to read it, copy it into a file of its own (" + cmd + ") and give that file"
			var b bytes.Buffer
			p := &printer{w: &b}
			p.wrap("      ", text, textWidth)
			out := b.String()
			if !strings.Contains(out, "("+cmd+")") {
				t.Fatalf("pad %d: %q cut:\n%s", pad, cmd, out)
			}
			if got, want := strings.Join(strings.Fields(out), " "), strings.Join(strings.Fields(text), " "); got != want {
				t.Fatalf("pad %d: words changed:\n%s\nwant\n%s", pad, got, want)
			}
			for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
				if columns(l) > textWidth && !strings.Contains(l, cmd) {
					t.Fatalf("pad %d: a line without the command is %d columns: %q", pad, columns(l), l)
				}
			}
		}
	}
}

// The Markdown report's format errors hold evtx's copy commands as code
// spans, byte for byte: escaped as prose, "tail ... | head -c 4096 >
// LOG2.evtx" read "\| head -c 4096 &gt; LOG2.evtx" and
// "Microsoft\_Windows" (now written as it is: mdUnderscores), which pasted from the report's text (a ticket
// that shows Markdown as it is) runs "&" and "gt;", not the copy. The
// prose around them is escaped as before.
func TestMarkdownErrorsKeepCommands(t *testing.T) {
	for _, cmd := range []string{
		"dd if=/mnt/vm/Logs/Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx of=LOG2.evtx bs=4096 skip=17 count=257",
		"tail -c +1119233 '/mnt/my logs/Sys_tem*.evtx' | head -c 65536 > LOG2.evtx",
		"unzip -p logs.zip 'Logs/System.evtx' | tail -c +1119233 | head -c 4096 > LOG2.evtx",
	} {
		msg := "evtx: a_b.evtx: chunk 3: offset 0x31000: corrupt data: the file holds a second log from here (logs concatenated, or a carved file); " +
			"to read it, copy it into a file of its own (" + cmd + ") and give that file <now>"
		r := &Report{ReferenceSource: "none", Inputs: []Input{{Path: "a_b.evtx", Channel: "System", Used: true, Errors: []string{msg}, ErrorCount: 1}}}
		var b bytes.Buffer
		if err := WriteMarkdown(&b, r); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, "(`"+cmd+"`) and give that file &lt;now&gt;") || !strings.Contains(out, "- evtx: a_b.evtx: chunk 3") {
			t.Errorf("markdown does not hold %q whole in a code span, the prose escaped:\n%s", cmd, out)
		}
	}
}
