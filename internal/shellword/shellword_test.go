package shellword

import (
	"os/exec"
	"strings"
	"testing"
)

var words = []string{
	"plain/path.evtx", "", "with space", "it's", `back\slash`, "$(touch /tmp/shellword-ran)",
	"`id`", "new\nline", "tab\there", "bad\xffbyte", "rtl\u200emark", "emoji😀 ok", "U+FFFD \uFFFD kept",
	"-leading", "a'b'c", "*?[x]", "~home", "semi;colon", "pipe|amp&", "100%", "quote\"d",
}

// TestQuoteRoundTrip reads each quoted word back through bash: printf
// prints exactly the word, and nothing in it runs.
func TestQuoteRoundTrip(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to read the words back")
	}
	for _, w := range words {
		out, err := exec.Command(bash, "-c", "printf '%s' "+Quote(w)).Output()
		if err != nil {
			t.Fatalf("%q as %s: %v", w, Quote(w), err)
		}
		if string(out) != w {
			t.Errorf("%q quoted as %s reads back as %q", w, Quote(w), out)
		}
	}
}

// TestQuoteShowsOnlyPrintable: a quoted word holds no byte a terminal or
// an escaping report would show otherwise, so what is shown is what runs.
func TestQuoteShowsOnlyPrintable(t *testing.T) {
	for _, w := range words {
		q := Quote(w)
		for i, r := range q {
			if notPrintable(r, q[i:]) {
				t.Errorf("%q quoted as %q holds %U", w, q, r)
			}
		}
	}
	for w, want := range map[string]string{
		"plain/path.evtx": "plain/path.evtx",
		"with space":      "'with space'",
		"it's":            `'it'\''s'`,
		"":                "''",
		"new\nline":       `$'new\x0aline'`,
		"bad\xffbyte":     `$'bad\xffbyte'`,
		"a'b\n":           `$'a\'b\x0a'`,
	} {
		if got := Quote(w); got != want {
			t.Errorf("Quote(%q) = %s, want %s", w, got, want)
		}
	}
}

func TestPath(t *testing.T) {
	for p, want := range map[string]string{
		"-vol":       "./-vol",
		"-a b":       "'./-a b'",
		"/abs/-x":    "/abs/-x",
		"plain":      "plain",
		"--":         "./--",
		"-new\nline": `$'./-new\x0aline'`,
	} {
		if got := Path(p); got != want {
			t.Errorf("Path(%q) = %s, want %s", p, got, want)
		}
		if strings.HasPrefix(strings.TrimLeft(Path(p), "$'"), "-") {
			t.Errorf("Path(%q) begins with '-'", p)
		}
	}
}
