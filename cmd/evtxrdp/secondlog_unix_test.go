//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// The "second log" problem gives the command that copies the second log
// out: it printed "dd if=FILE ...", a placeholder to edit by hand. Now it
// names the real path, quoted for a POSIX shell, and run by sh in the
// folder dump ran in it copies exactly the second log's bytes, also from
// a path with a space and a quote.
func TestSecondLogCommandPasteable(t *testing.T) {
	a, err := os.ReadFile(filepath.Join("..", "..", "testdata", "evtx", "fukusuket__evtx-parser__samples__System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "evtx", "fukusuket__evtx-parser__samples__Application.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "it's two logs.evtx")
	if err := os.WriteFile(p, append(append([]byte(nil), a...), b...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, errOut := runCmd("dump", "-f", "none", p)
	m := regexp.MustCompile(`copy it into a file of its own \((dd if=[^\n]*? skip=\d+)\)`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("no dd command in:\n%s", errOut)
	}
	cmd := exec.Command("sh", "-c", m[1])
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", m[1], err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "SECOND.evtx"))
	if err != nil || !bytes.Equal(got, b) {
		t.Errorf("%s copied %d bytes (%v), want the second log's %d", m[1], len(got), err, len(b))
	}
}

// analyze's text report wraps problems at 78 columns; the
// copy command of the second log stays whole on one line (a dd cut before
// its bs= and skip= runs, pasted, as a dd of the wrong bytes and a failed
// command), from a long path with a space and a quote too, and the line
// pasted into sh copies the second log's bytes.
func TestSecondLogCommandWholeInReport(t *testing.T) {
	a, err := os.ReadFile(filepath.Join("..", "..", "testdata", "evtx", "fukusuket__evtx-parser__samples__System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, "a folder's long name, to push the command past a line's end")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(sub, "System.evtx")
	if err := os.WriteFile(p, append(append([]byte(nil), a...), a...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text"} {
		_, out, _ := runCmd("analyze", "--format", format, p)
		m := regexp.MustCompile(`(?m)^.*\((dd if=.*? skip=\d+)\).*$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%s: no dd command whole on a line in:\n%s", format, out)
		}
		cmd := exec.Command("sh", "-c", m[1])
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %s: %v\n%s", format, m[1], err, out)
		}
		got, err := os.ReadFile(filepath.Join(dir, "SECOND.evtx"))
		if err != nil || !bytes.Equal(got, a) {
			t.Errorf("%s: %s copied %d bytes (%v), want the second log's %d", format, m[1], len(got), err, len(a))
		}
		os.Remove(filepath.Join(dir, "SECOND.evtx"))
	}
}

// The Markdown report gave the second log's copy command as escaped prose:
// from a path with an underscore, a quote or a '>' (tail's output), the
// Markdown source held "\_", a doubled backslash in each escaped quote
// and "&gt;", and the command pasted
// from it (a ticket that shows Markdown as it is) read another file. It
// is a code span now, as it renders and as it pastes: run by sh exactly
// as the Markdown source has it, it copies the second log's bytes, from a
// path with an underscore, a quote, a '$' and a non-ASCII letter.
func TestSecondLogCommandPastesFromMarkdown(t *testing.T) {
	a, err := os.ReadFile(filepath.Join("..", "..", "testdata", "evtx", "fukusuket__evtx-parser__samples__System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, "vm_1 $HOME 'copy' é")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(sub, "it's_System.evtx")
	if err := os.WriteFile(p, append(append([]byte(nil), a...), a...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ := runCmd("analyze", "--format", "markdown", p)
	m := regexp.MustCompile("(?m)\\(`(dd if=[^`]*? skip=\\d+)`\\)").FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no dd command in a code span in:\n%s", out)
	}
	cmd := exec.Command("sh", "-c", m[1])
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", m[1], err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "SECOND.evtx"))
	if err != nil || !bytes.Equal(got, a) {
		t.Errorf("%s copied %d bytes (%v), want the second log's %d", m[1], len(got), err, len(a))
	}
}
