package report

import (
	"bytes"
	"encoding/json"
)

// encodeIndented returns v as json.Encoder writes it with
// SetIndent(prefix, indent) and SetEscapeHTML(false): the same bytes
// (TestIndentJSONEqualsEncoder), with the indentation made by indentJSON
// rather than the encoder's own pass, which steps encoding/json's
// scanner through every byte through a function pointer: that pass was
// about 1.5% of the instructions of `analyze --format json` of bench/run's
// volume (its 0.7 MB report), work the dump does not do.
func encodeIndented(v any, prefix, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return indentJSON(make([]byte, 0, 2*buf.Len()), buf.Bytes(), prefix, indent), nil
}

// indentJSON appends to dst the JSON text src indented as json.Indent(dst,
// src, prefix, indent) indents it, for src as json.Encoder writes a value
// without indentation: valid, with no white space outside strings but
// after the value (the newline Encode ends it with). It begins a new line,
// then prefix and one indent per level of nesting, before each element of
// an object or array and before the bracket that closes a non-empty one,
// writes ": " after each name, keeps an empty object or array as "{}" or
// "[]", drops white space within the value and keeps that after it. A
// src that is not an object or an array (a string, number or literal at
// the top, or white space first) goes to json.Indent.
func indentJSON(dst, src []byte, prefix, indent string) []byte {
	if len(src) == 0 || src[0] != '{' && src[0] != '[' {
		var b bytes.Buffer
		b.Write(dst)
		if err := json.Indent(&b, src, prefix, indent); err != nil {
			return append(dst, src...) // not reached: Encode writes valid JSON
		}
		return b.Bytes()
	}
	newline := func(dst []byte, depth int) []byte {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
		return dst
	}
	depth := 0
	open := false // the last byte written opens an object or array
	for i := 0; i < len(src); i++ {
		c := src[i]
		if open && c != '}' && c != ']' && !isJSONSpace(c) {
			dst = newline(dst, depth)
			open = false
		}
		switch c {
		case '"':
			// The string up to its closing quote, written as it is.
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(src))
			dst = append(dst, src[i:j]...)
			i = j - 1
		case '{', '[':
			dst = append(dst, c)
			depth++
			open = true
		case '}', ']':
			depth--
			if !open {
				dst = newline(dst, depth)
			}
			open = false
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			dst = newline(dst, depth)
		case ':':
			dst = append(dst, c, ' ')
		case ' ', '\t', '\n', '\r':
			if depth == 0 {
				dst = append(dst, c) // after the value
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// isJSONSpace reports whether c is white space between JSON tokens.
func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
