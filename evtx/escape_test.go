package evtx

import "testing"

func TestEscapeText(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		`C:\Windows\System32`:  `C:\Windows\System32`,
		"a\x1b[31mred\x1b[0m":  `a\x1b[31mred\x1b[0m`,
		"line\r\n| DETECTED |": `line\r\n| DETECTED |`,
		"tab\there\x7f":        `tab\there\x7f`,
		"csi\u009b2J":          `csi\u009b2J`,
		"rtl\u202eexe.txt":     `rtl\u202eexe.txt`,
		"sep\u2028x\u2029":     `sep\u2028x\u2029`,
		"bad\xff\xfe utf8":     `bad\xff\xfe utf8`,
		"Grüße, 日本語, emoji 🙂":  "Grüße, 日本語, emoji 🙂",
		"nul\x00":              `nul\x00`,
	} {
		if got := EscapeText(in); got != want {
			t.Errorf("EscapeText(%q) = %q, want %q", in, got, want)
		}
	}
}
