package report

import (
	"bytes"
	"html"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	xast "github.com/yuin/goldmark/extension/ast"
	text2 "github.com/yuin/goldmark/text"
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

// A copy command in the text of a Markdown table cell (a finding's title,
// a log's role or status, an input's problems, a timeline line) is a code
// span whose '|' is escaped, as GitHub splits cells at '|' even inside
// code spans: the row keeps its cells, and the cell shows the command
// whole (goldmark with GitHub's tables reads it back).
func TestMarkdownTableCellsKeepCommands(t *testing.T) {
	const cmd = "unzip -p logs.zip 'Logs/System.evtx' | tail -c +1119233 | head -c 4096 > LOG2.evtx"
	text := "copy it (" + cmd + ") first"
	data, err := os.ReadFile("testdata/edge.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) == 0 || len(r.Inputs) == 0 {
		t.Fatal("edge.json has no findings or inputs")
	}
	want := len(r.Findings) + 2 // the titles, an input's problems, a timeline line
	for i := range r.Findings {
		want += 2 * len(r.Findings[i].Logs)
		r.Findings[i].Title = text
		for k := range r.Findings[i].Logs {
			r.Findings[i].Logs[k].Role, r.Findings[i].Logs[k].Status = text, text
		}
	}
	r.Inputs[0].Problems = []string{text}
	r.Timeline = append(r.Timeline, TimelineLine{Time: "2024-05-01T10:00:00.0000000Z", Text: text, Provider: "P", EventID: 1, EventRecordID: 1})
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	src := b.Bytes()
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	doc := md.Parser().Parse(text2.NewReader(src))
	tags := regexp.MustCompile(`<[^>]*>`)
	rows, cells := 0, 0
	err = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		tbl, ok := n.(*xast.Table)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		head := tbl.FirstChild().ChildCount()
		for row := tbl.FirstChild().NextSibling(); row != nil; row = row.NextSibling() {
			rows++
			var got []string
			for c := row.FirstChild(); c != nil; c = c.NextSibling() {
				var b bytes.Buffer
				if err := md.Renderer().Render(&b, src, c); err != nil {
					return ast.WalkStop, err
				}
				got = append(got, html.UnescapeString(tags.ReplaceAllString(b.String(), "")))
			}
			// goldmark pads a row that is short with empty cells and
			// drops the cells past the header's: count what is written.
			line := rowLine(src, row)
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") - 1; n != head {
				t.Errorf("a row of a %d-column table has %d cells: %s", head, n, line)
			}
			for _, g := range got {
				if strings.Contains(g, "copy it") {
					cells++
					if !strings.Contains(g, cmd) {
						t.Errorf("a cell shows %q, not the command whole", g)
					}
				}
			}
		}
		return ast.WalkSkipChildren, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cells != want {
		t.Fatalf("%d cells of %d rows hold the command, not %d:\n%s", cells, rows, want, src)
	}
}

// rowLine is the source line of a table row.
func rowLine(src []byte, row ast.Node) string {
	c := row.FirstChild()
	for c != nil && c.Lines().Len() == 0 {
		c = c.NextSibling()
	}
	if c == nil {
		return ""
	}
	at := c.Lines().At(0).Start
	start := bytes.LastIndexByte(src[:at], '\n') + 1
	end := bytes.IndexByte(src[at:], '\n')
	if end < 0 {
		end = len(src) - at
	}
	return string(src[start : at+end])
}

// A comma or full stop that follows a copy command in a sentence is
// punctuation, not the end of its output file's name: evtx writes "tail
// -c +N FILE > LOG.evtx, FILE being the input" for a reader given no
// name, and the Markdown code span of the command held "LOG.evtx,", a
// command that, pasted, writes a file named so.
func TestCommandEndsBeforePunctuation(t *testing.T) {
	for _, c := range []struct{ text, cmd string }{
		{"copy it into a file of its own (tail -c +1119233 FILE > LOG.evtx, FILE being the input) and give that file", "tail -c +1119233 FILE > LOG.evtx"},
		{"copy it: tail -c +4097 FILE | head -c 65536 > LOG2.evtx. Then give that file", "tail -c +4097 FILE | head -c 65536 > LOG2.evtx"},
		{"copy it: tail -c +4097 '/mnt/a,b.' > 'LOG2,.evtx', then give that file", "tail -c +4097 '/mnt/a,b.' > 'LOG2,.evtx'"},
	} {
		if got := commandRE.FindString(c.text); got != c.cmd {
			t.Errorf("in %q the command is %q, want %q", c.text, got, c.cmd)
		}
		e := mdEscape(c.text)
		if !strings.Contains(e, "`"+c.cmd+"`") {
			t.Errorf("mdEscape(%q) = %q, want the command %q a code span", c.text, e, c.cmd)
		}
	}
}

// Prose of spaces alone before a copy command does not make the line an
// indented code block, which shows the code span's backquotes: pasted
// from it, `tail ...` runs as a command substitution. As rendered by
// goldmark, the command is a code span in a list item and after "Why: ".
func TestCommandAfterSpacesIsACodeSpan(t *testing.T) {
	const cmd = "tail -c +4097 /mnt/vm/System.evtx > LOG2.evtx"
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	for _, lead := range []string{"", " ", "    ", "     ", "        "} {
		e := mdEscape(lead + cmd)
		for _, src := range []string{"- " + e + "\n", e + "\n", "Why: " + e + "\n"} {
			var b bytes.Buffer
			if err := md.Convert([]byte(src), &b); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); !strings.Contains(got, "<code>"+strings.ReplaceAll(cmd, ">", "&gt;")+"</code>") || strings.Contains(got, "<pre>") {
				t.Errorf("%q (escaped %q) renders as %q, not a code span", src, e, got)
			}
		}
	}
}
