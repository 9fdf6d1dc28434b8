package evtx

import (
	"unicode/utf8"
)

// EscapeText returns s made safe to print on a terminal or paste into a
// ticket as one line of plain text: the escaping of every text output of
// evtxrdp (wevtutil-style event text, the text report, messages on
// stderr). Event data, file names and archive member names come from a
// possibly compromised machine; written raw, an ESC sequence would drive
// the terminal and a line break would forge lines of output.
//
// Escaped, in Go's notation:
//   - C0 control characters and DEL: \t, \n and \r for tab, line feed and
//     carriage return, \x1b for the others;
//   - C1 control characters (U+0080 to U+009F; terminals may read U+009B
//     as CSI), the line and paragraph separators U+2028 and U+2029, and the
//     bidirectional embeddings, overrides and isolates (U+202A to U+202E,
//     U+2066 to U+2069: they reorder what a line shows, the "Trojan Source"
//     characters of CVE-2021-42574): \u009b, \u202e. The bidirectional
//     marks (U+200E, U+200F, U+061C) are kept: Windows writes U+200E into
//     ordinary event data, and a mark alone reorders nothing;
//   - bytes that are not UTF-8: \xff.
//
// Everything else, backslashes included (Windows paths), is written as it
// is: the escaping keeps text readable and inert, and is not meant to be
// reversed (a "\x1b" in the output may also be those four characters in
// the data; the JSON outputs are exact).
func EscapeText(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return string(AppendEscapedText(make([]byte, 0, len(s)+8), s))
		}
	}
	return s
}

// AppendEscapedText appends EscapeText(s) to dst.
func AppendEscapedText(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < 0x80 {
			dst = append(dst, s[start:i]...)
			switch c {
			case '\t':
				dst = append(dst, `\t`...)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			default:
				dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
		case IsUnsafeRune(r):
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
		default:
			i += n
			continue
		}
		i += n
		start = i
	}
	return append(dst, s[start:]...)
}

// IsUnsafeRune reports whether EscapeText escapes the non-ASCII rune r: C1
// controls, the line and paragraph separators and the bidirectional
// embeddings, overrides and isolates.
func IsUnsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f,
		r == 0x2028, r == 0x2029,
		r >= 0x202a && r <= 0x202e,
		r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
