package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// readmeVersion is the version the README's example shows.
const readmeVersion = "v0.0.0-20261129161500-0123456789ab"

var runLine = regexp.MustCompile(`^(Run: evtxrdp )[^,]*,`)

// The worked example in README.md must be what evtxrdp prints: the test
// runs the command the README shows and compares the lines it quotes.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const prompt = "    $ evtxrdp analyze "
	text := string(readme)
	i := strings.Index(text, prompt)
	if i < 0 {
		t.Fatal("README.md has no analyze example")
	}
	rest := text[i+len(prompt):]
	arg, body, _ := strings.Cut(rest, "\n")
	end := strings.Index(body, "\n    ...\n")
	if end < 0 {
		t.Fatal("README.md's example does not end with an indented '...' line")
	}
	var want []string
	for _, l := range strings.Split(body[:end], "\n") {
		want = append(want, strings.TrimPrefix(l, "    "))
	}

	var out, errb bytes.Buffer
	code := run([]string{"analyze", "../../" + arg}, &out, &errb)
	if code != exitDetected {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitDetected, errb.String())
	}
	got := strings.Split(strings.ReplaceAll(out.String(), "../../", ""), "\n")
	// The version is the build's: the README shows a checkout's go build.
	for k := range got {
		if strings.HasPrefix(got[k], "Run: evtxrdp ") {
			got[k] = runLine.ReplaceAllString(got[k], "${1}"+readmeVersion+",")
		}
	}
	if len(got) < len(want) {
		t.Fatalf("output has %d lines, README quotes %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("README line %d:\n  README: %q\n  output: %q", k+1, w, got[k])
		}
	}
}

// TestReadmeSynopsisFlags: the README's "## Commands" lines name every
// long flag each command's --help lists, and no other: the synopsis left
// out dump's --max-errors, analyze's --timeline and query's --no-skip.
func TestReadmeSynopsisFlags(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(readme), "\n## Commands\n")
	if !ok {
		t.Fatal("README.md has no Commands section")
	}
	flag := regexp.MustCompile(`(?:^|[\s\[|])--([a-z][a-z-]+)`)
	shortFlag := regexp.MustCompile(`[\s\[|]-([a-zA-Z])\b`)
	helpFlag := regexp.MustCompile(`(?m)^\s+(?:-([a-zA-Z]), )?--([a-z][a-z-]+)`)
	for _, cmd := range []string{"analyze", "query", "dump", "rules"} {
		var line string
		for _, l := range strings.Split(sec, "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "evtxrdp" && f[1] == cmd {
				line = l
				break
			}
		}
		if line == "" {
			t.Errorf("README synopsis has no line for %s", cmd)
			continue
		}
		_, out, errOut := runCmd(cmd, "--help")
		help := out + errOut
		_, flags, _ := strings.Cut(help, "\nflags:\n")
		flags, _, _ = strings.Cut(flags, "\n\n")
		want := map[string]bool{}
		short := map[string]string{} // "c" -> "count"
		for _, m := range helpFlag.FindAllStringSubmatch(flags, -1) {
			if m[2] != "help" {
				want[m[2]] = true
				if m[1] != "" {
					short[m[1]] = m[2]
				}
			}
		}
		if len(want) == 0 {
			t.Fatalf("%s --help lists no flags:\n%s", cmd, help)
		}
		got := map[string]bool{}
		for _, m := range flag.FindAllStringSubmatch(line, -1) {
			got[m[1]] = true
		}
		for _, m := range shortFlag.FindAllStringSubmatch(line, -1) {
			if long, ok := short[m[1]]; ok {
				got[long] = true
			}
		}
		for f := range want {
			if !got[f] {
				t.Errorf("README synopsis of %s lacks --%s: %s", cmd, f, line)
			}
		}
		for f := range got {
			if !want[f] {
				t.Errorf("README synopsis of %s names --%s, which %s --help does not list", cmd, f, cmd)
			}
		}
	}
}
