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
