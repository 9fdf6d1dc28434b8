// Package shellword writes a string as one word of a POSIX shell command
// line, so that a command evtxrdp prints (a path to read, a dd or tail
// that copies a log's bytes out) runs as shown when pasted. It is the one
// helper for that; the packages do not keep their own.
package shellword

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quote returns s as one shell word:
//   - as it is when it holds only characters no shell reads specially
//     (ASCII letters and digits and _./:@%+=,-);
//   - in dollar-single-quotes, $'...', when it holds a byte that is not a
//     printable character (a newline, a control character, a byte of no
//     UTF-8 character, a Unicode format character), that byte as \xHH:
//     single quotes would hold it as it is, but stderr and the reports
//     show such a byte escaped (\n, \xff), and the command pasted from
//     there would name another word. Dollar-single-quotes are
//     POSIX.1-2024's (XCU 2.2.4, "Dollar-Single-Quotes": \xHH is the
//     byte, \\ and \' a backslash and a quote); bash, zsh and ksh read
//     them, not every sh does;
//   - else in single quotes, each quote in s closing them, written as a
//     backslash and a quote, and opening them again.
//
// The empty string is a pair of single quotes.
func Quote(s string) string {
	safe, printable := s != "", true
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./:@%+=,-", r)) {
			safe = false
		}
		if notPrintable(r, s[i:]) {
			printable = false
		}
	}
	switch {
	case safe:
		return s
	case printable:
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case notPrintable(r, s):
			for _, c := range []byte(s[:n]) {
				fmt.Fprintf(&b, "\\x%02x", c)
			}
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	b.WriteString("'")
	return b.String()
}

// notPrintable reports whether r, the rune rest begins with, is no
// printable character (a space is one): a byte of no UTF-8 character (not
// a U+FFFD written in s), a control or unassigned rune, a format
// character (U+200E and the like, which a terminal shows as nothing).
func notPrintable(r rune, rest string) bool {
	return r == utf8.RuneError && !strings.HasPrefix(rest, "\uFFFD") ||
		!unicode.IsPrint(r) && r != ' ' || unicode.Is(unicode.Cf, r)
}

// Path is Quote of a file's path, written ./-name when it begins with
// '-', which a command would read as an option.
func Path(s string) string {
	if strings.HasPrefix(s, "-") {
		s = "./" + s
	}
	return Quote(s)
}
