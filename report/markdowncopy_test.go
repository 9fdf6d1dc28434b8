package report

import (
	"bytes"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// mdBlock is a fenced code block as a CommonMark renderer reads it.
type mdBlock struct{ lang, content string }

// mdRead parses src with goldmark (a CommonMark renderer, independent of
// the writer, with GitHub's extensions: tables, strikethrough, autolinks) and returns its fenced code blocks and the text each
// paragraph shows once rendered (HTML tags dropped, entities decoded).
func mdRead(t *testing.T, src []byte) (blocks []mdBlock, paras []string) {
	t.Helper()
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	doc := md.Parser().Parse(text.NewReader(src))
	tags := regexp.MustCompile(`<[^>]*>`)
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.FencedCodeBlock:
			var b strings.Builder
			for i := 0; i < n.Lines().Len(); i++ {
				seg := n.Lines().At(i)
				b.WriteString(strings.Repeat(" ", seg.Padding))
				b.Write(seg.Value(src))
			}
			blocks = append(blocks, mdBlock{string(n.Language(src)), b.String()})
			return ast.WalkSkipChildren, nil
		case *ast.Paragraph, *ast.TextBlock:
			var b bytes.Buffer
			if err := md.Renderer().Render(&b, src, n); err != nil {
				return ast.WalkStop, err
			}
			paras = append(paras, strings.TrimSpace(html.UnescapeString(tags.ReplaceAllString(b.String(), ""))))
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return blocks, paras
}

// rawBlock returns the lines of the raw Markdown between the fence that
// opens the code block of step number n (the first fence and its shell
// after the line that starts the step, from line from on) and the fence
// that closes it, less the opening fence's indentation: what an engineer
// copies from the Markdown source; and the line after it.
func rawBlock(src string, n int, fence, shell string, from int) (string, int, bool) {
	lines := strings.Split(src, "\n")
	for from < len(lines) && !strings.HasPrefix(lines[from], fmt.Sprintf("%d. **", n)) {
		from++
	}
	for i := from; i < len(lines); i++ {
		t := strings.TrimLeft(lines[i], " ")
		if t != fence+shell {
			continue
		}
		indent := lines[i][:len(lines[i])-len(t)]
		var out []string
		for j := i + 1; j < len(lines); j++ {
			if strings.TrimLeft(lines[j], " ") == fence {
				return strings.Join(out, "\n"), j + 1, true
			}
			out = append(out, strings.TrimPrefix(lines[j], indent))
		}
		return "", len(lines), false
	}
	return "", len(lines), false
}

// TestMarkdownCommandsCopyAsWritten: a fix step's commands are what an
// engineer gets from the Markdown report both ways: rendered (a
// CommonMark renderer's code block holds them exactly: goldmark, as a
// ticket system or GitHub shows the report) and raw (the lines between
// the fences, less the list item's indentation, are the commands; no
// escape to undo). The step's prose renders as its title and text, and
// a path in it (C:\BackupACLs\TermService.reg, %ProgramData%\Microsoft)
// is written raw as it is, since a backslash before a letter is no
// escape in CommonMark ("Backslashes before other characters are treated
// as literal backslashes", CommonMark spec 0.31.2, 2.4 Backslash
// escapes, https://spec.commonmark.org/0.31.2/#backslash-escapes); one
// before punctuation, or at the end, is doubled, and renders as one.
// Over the reports of testdata (their rules' real steps) and a crafted
// finding of twelve steps (a two-digit number widens the list item)
// whose commands hold what Markdown would read: backslashes, UNC paths,
// * _ < > & |, backquotes, a line that starts with # or "1.", and
// leading spaces.
func TestMarkdownCommandsCopyAsWritten(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no reports: %v", err)
	}
	var reports []*Report
	var names []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, r)
		names = append(names, filepath.Base(p))
	}
	// The crafted finding: edge.json's detected finding with other steps.
	crafted := *reports[0]
	for i, p := range paths {
		if filepath.Base(p) == "edge.json" {
			crafted = *reports[i]
		}
	}
	crafted.Findings = append([]Finding(nil), crafted.Findings...)
	f := &crafted.Findings[0]
	if f.Verdict != "detected" {
		t.Fatalf("edge.json's first finding is %s", f.Verdict)
	}
	cmds := []string{
		`reg export "HKLM\SYSTEM\CurrentControlSet\Services\TermService" C:\BackupACLs\TermService.reg /y`,
		`dir \\fileserver\share\*_old_*.reg & echo done | more`,
		"icacls %ProgramData%\\Microsoft\\Crypto\\RSA\\MachineKeys /save C:\\BackupACLs\\mk.txt /t /c\nif exist C:\\BackupACLs\\mk.txt icacls %ProgramData%\\Microsoft\\Crypto\\RSA\\MachineKeys /grant \"*S-1-5-18:(F)\"",
		"# a comment, not a heading\n1. not a list\n    indented four\n- not a bullet",
		"Write-Output \"`$env:SystemRoot is $env:SystemRoot\"\n$x = '```'\n$y = \"<CERTIFICATE THUMBPRINT>\"",
		`cd C:\`,
		`echo \_ \* \\ \[x\]`,
		"reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\" /v fDenyTSConnections",
		"sc.exe qc TermService",
		"net stop SessionEnv\nnet start SessionEnv",
		`reg import C:\BackupACLs\TermService.reg`,
		"Get-Item -Path HKLM:\\SYSTEM\\CurrentControlSet\\Services\\TermService | Format-List *",
	}
	f.Steps = nil
	for i, c := range cmds {
		shell := "cmd"
		if strings.Contains(c, "$") || strings.Contains(c, "Get-Item") {
			shell = "powershell"
		}
		f.Steps = append(f.Steps, Step{Number: i + 1, ID: fmt.Sprintf("s%d", i+1), Title: fmt.Sprintf(`Step %d: save C:\BackupACLs first`, i+1),
			Text:  `To undo, reg import C:\BackupACLs\TermService.reg; the keys are in %ProgramData%\Microsoft\Crypto\RSA\MachineKeys (icacls <the key's folder> /restore <file>, *S-1-5-18 SYSTEM, *S-1-5-20). ERROR_DEPENDENT_SERVICES, a\*b, C:\_x and C:\`,
			Shell: shell, RunOn: "vm", Commands: c, Source: `rdp-causes.md \ D3 C:\Windows`})
	}
	reports = append(reports, &crafted)
	names = append(names, "crafted")

	steps := 0
	for i, r := range reports {
		t.Run(names[i], func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteMarkdown(&b, r); err != nil {
				t.Fatal(err)
			}
			src := b.String()
			blocks, paras := mdRead(t, b.Bytes())
			at := 0
			for _, f := range r.Findings {
				if f.Verdict != "detected" && f.Verdict != "possible" {
					continue // no steps shown
				}
				for _, s := range f.Steps {
					steps++
					if s.Commands != "" {
						want := mdBlock{s.Shell, s.Commands + "\n"}
						found := false
						for _, bl := range blocks {
							found = found || bl == want
						}
						if !found {
							t.Errorf("step %d of %s: no rendered code block holds its commands:\n%q\nblocks:\n%q", s.Number, f.RuleID, want, blocks)
						}
						raw, next, ok := rawBlock(src, s.Number, fenceFor(s.Commands), s.Shell, at)
						if !ok || raw != s.Commands {
							t.Errorf("step %d of %s: the raw block is\n%s\nnot its commands\n%s", s.Number, f.RuleID, raw, s.Commands)
						}
						at = next
					}
					shown := s.Title
					if s.Text != "" {
						shown += " " + s.Text
					}
					found := false
					for _, p := range paras {
						found = found || p == shown
					}
					if !found {
						t.Errorf("step %d of %s: no paragraph renders as\n%q\nparagraphs:\n%q", s.Number, f.RuleID, shown, paras)
					}
				}
			}
			if names[i] == "crafted" {
				for _, raw := range []string{`reg import C:\BackupACLs\TermService.reg;`, `%ProgramData%\Microsoft\Crypto\RSA\MachineKeys (icacls`, `ERROR_DEPENDENT_SERVICES`, `save C:\BackupACLs first`, `Source: rdp-causes.md \ D3 C:\Windows`} {
					if !strings.Contains(src, raw) {
						t.Errorf("the raw Markdown does not write %q as it is", raw)
					}
				}
				found := false
				for _, p := range paras {
					found = found || p == `Source: rdp-causes.md \ D3 C:\Windows`
				}
				if !found {
					t.Errorf("no paragraph renders the source:\n%q", paras)
				}
			}
		})
	}
	if steps < len(cmds)+5 {
		t.Errorf("%d steps with commands compared: the comparison proves little", steps)
	}
}

// TestMdEscapeRendersAsWritten: prose escaped by mdEscape renders, in a
// CommonMark renderer (goldmark), as the text it escapes (control
// characters as evtx.EscapeText writes them, line breaks as spaces), in
// the places the report puts prose: after a label and before a period
// ("Why: %s."), as a list item ("- %s") and as a table cell. Every
// string of up to three characters from backslashes, the ASCII
// punctuation Markdown gives a meaning, a letter, a digit and a space,
// and longer ones with paths, UNC names and escapes.
func TestMdEscapeRendersAsWritten(t *testing.T) {
	alphabet := []string{`\`, "*", "_", "`", "[", "]", "<", ">", "&", "#", "-", "!", "(", ")", ".", "|", "~", ":", "+", "=", "a", "1", " "}
	var cases []string
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		if prefix != "" {
			cases = append(cases, prefix)
		}
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+c, n-1)
		}
	}
	grow("", 3)
	// Longer runs of what emphasis and escapes are made of.
	alphabet = []string{`\`, "_", "*", "a", " "}
	for n := 4; n <= 6; n++ {
		var long []string
		cases, long = nil, cases
		grow("", n)
		for _, c := range cases {
			if len(c) >= 4 {
				long = append(long, c)
			}
		}
		cases = long
	}
	cases = append(cases, `C:\BackupACLs\TermService.reg`, `\\fileserver\share\*_old_*.reg`, `%ProgramData%\Microsoft\Crypto`,
		`a\\\b`, `\x1b is not ESC`, "tab\there\x1b[31m", "line\nbreak", `ends in \`, `\\`, `\&amp;`, `\<b>`, "&lt; &#42; &copy;", `\`+"`code`",
		`1\. no list`, `icacls <the key's folder> /restore <file>`, `*S-1-5-18 SYSTEM, *S-1-5-20`,
		"a__b", "a_b_c", "foo_bar_ baz", "_a_b", "a_b_", "snake_case_name and _x_", "C:\\temp\\BeforeScript_permissions.txt", "ERROR_DEPENDENT_SERVICES (1051)", "é_a_é", "x_é_")
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	tags := regexp.MustCompile(`<[^>]*>`)
	render := func(src string) string {
		var b bytes.Buffer
		if err := md.Convert([]byte(src), &b); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(html.UnescapeString(tags.ReplaceAllString(b.String(), "")))
	}
	bad := 0
	for _, s := range cases {
		want := evtx.EscapeText(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s))
		e := mdEscape(s)
		for _, c := range []struct{ src, want string }{
			{"Why: " + e + ".\n", "Why: " + want + "."},
			{"- " + e + "\n", strings.TrimSpace(want)},
			{"| a | b |\n|---|---|\n| " + e + " | x |\n", ""}, // compared below
		} {
			got := render(c.src)
			w := c.want
			if strings.HasPrefix(c.src, "| a") {
				got = strings.Join(strings.Fields(got), " ")
				w = strings.Join(strings.Fields("a b "+want+" x"), " ")
			}
			if got != w {
				bad++
				if bad <= 20 {
					t.Errorf("%q escaped %q in %q renders as %q, not %q", s, e, c.src, got, w)
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d renderings differ", bad, 3*len(cases))
	}
	t.Logf("%d strings rendered in three places", len(cases))
}
