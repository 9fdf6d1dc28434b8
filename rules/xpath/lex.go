package xpath

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token of an XPath expression.
type tokKind uint8

const (
	tEOF       tokKind = iota
	tName              // NCName (also and, or, div, axis and function names)
	tNumber            // 12, 1.5, .5
	tString            // 'x' or "x"
	tStar              // *
	tAt                // @
	tSlash             // /
	tSlash2            // //
	tDot               // .
	tDot2              // ..
	tLBrack            // [
	tRBrack            // ]
	tLParen            // (
	tRParen            // )
	tComma             // ,
	tEq                // =
	tNe                // !=
	tLt                // <
	tLe                // <=
	tGt                // >
	tGe                // >=
	tColon             // :
	tColon2            // ::
	tDollar            // $
	tPipe              // |
	tPlus              // +
	tMinus             // -
	tIllegal           // a character that starts no token
	tHexNumber         // 0x1F: not a Number of XPath; refused (hexMessage)
)

// token is one lexical token; off and end are byte offsets in the source.
type token struct {
	kind tokKind
	off  int
	end  int
	text string // tName: the name; tString: the content without quotes; tNumber: the digits
}

// isSpace reports whether c is XML white space (XPath's ExprWhitespace).
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isNameStart reports whether r may start an NCName.
func isNameStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

// isNameChar reports whether r may continue an NCName.
func isNameChar(r rune) bool {
	return isNameStart(r) || r == '-' || r == '.' || unicode.IsDigit(r) ||
		unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || r == 0xB7
}

// scan reads the token that starts at or after byte offset pos of src.
// Errors (an unterminated string) are reported as tIllegal tokens whose
// text says what went wrong.
func scan(src string, pos int) token {
	for pos < len(src) && isSpace(src[pos]) {
		pos++
	}
	if pos >= len(src) {
		return token{kind: tEOF, off: len(src), end: len(src)}
	}
	c := src[pos]
	one := func(k tokKind) token { return token{kind: k, off: pos, end: pos + 1, text: src[pos : pos+1]} }
	two := func(k tokKind) token { return token{kind: k, off: pos, end: pos + 2, text: src[pos : pos+2]} }
	next := byte(0)
	if pos+1 < len(src) {
		next = src[pos+1]
	}
	switch c {
	case '*':
		return one(tStar)
	case '@':
		return one(tAt)
	case '/':
		if next == '/' {
			return two(tSlash2)
		}
		return one(tSlash)
	case '.':
		if next == '.' {
			return two(tDot2)
		}
		if isDigit(next) {
			return scanNumber(src, pos)
		}
		return one(tDot)
	case '[':
		return one(tLBrack)
	case ']':
		return one(tRBrack)
	case '(':
		return one(tLParen)
	case ')':
		return one(tRParen)
	case ',':
		return one(tComma)
	case '=':
		return one(tEq)
	case '!':
		if next == '=' {
			return two(tNe)
		}
		return one(tIllegal)
	case '<':
		if next == '=' {
			return two(tLe)
		}
		return one(tLt)
	case '>':
		if next == '=' {
			return two(tGe)
		}
		return one(tGt)
	case ':':
		if next == ':' {
			return two(tColon2)
		}
		return one(tColon)
	case '$':
		return one(tDollar)
	case '|':
		return one(tPipe)
	case '+':
		return one(tPlus)
	case '-':
		return one(tMinus)
	case '&':
		// An XML escape (&lt;, &gt;, &amp;, &apos;, &quot;, &#60;) copied
		// from a QueryList or Event Viewer's XML view into a query given
		// alone: taken whole, so that the error names it (describe).
		if e, ok := xmlEscape(src[pos:]); ok {
			return token{kind: tIllegal, off: pos, end: pos + len(e), text: e}
		}
	case '\'', '"':
		end := pos + 1
		for end < len(src) && src[end] != c {
			end++
		}
		if end >= len(src) {
			return token{kind: tIllegal, off: pos, end: len(src), text: "unterminated string literal"}
		}
		return token{kind: tString, off: pos, end: end + 1, text: src[pos+1 : end]}
	}
	if isDigit(c) {
		return scanNumber(src, pos)
	}
	r, size := utf8.DecodeRuneInString(src[pos:])
	if r == utf8.RuneError && size <= 1 {
		return token{kind: tIllegal, off: pos, end: pos + 1, text: "invalid UTF-8"}
	}
	if !isNameStart(r) {
		return token{kind: tIllegal, off: pos, end: pos + size, text: src[pos : pos+size]}
	}
	end := pos + size
	for end < len(src) {
		r, size := utf8.DecodeRuneInString(src[end:])
		if r == utf8.RuneError && size <= 1 || !isNameChar(r) {
			break
		}
		end += size
	}
	return token{kind: tName, off: pos, end: end, text: src[pos:end]}
}

// scanNumber scans XPath's Number: Digits ('.' Digits?)? | '.' Digits.
// A 0 followed by x or X is scanned with the name characters after it as
// one tHexNumber token ("0x8010000000000000", "0x12g"), which no rule of
// the grammar accepts: the parser refuses it with hexMessage instead of
// reading a 0 followed by a name.
func scanNumber(src string, pos int) token {
	if src[pos] == '0' && pos+1 < len(src) && (src[pos+1] == 'x' || src[pos+1] == 'X') {
		end := pos + 2
		for end < len(src) {
			r, size := utf8.DecodeRuneInString(src[end:])
			if r == utf8.RuneError && size <= 1 || !isNameChar(r) {
				break
			}
			end += size
		}
		return token{kind: tHexNumber, off: pos, end: end, text: src[pos:end]}
	}
	end := pos
	for end < len(src) && isDigit(src[end]) {
		end++
	}
	if end < len(src) && src[end] == '.' {
		end++
		for end < len(src) && isDigit(src[end]) {
			end++
		}
	}
	return token{kind: tNumber, off: pos, end: end, text: src[pos:end]}
}

// describe names a token for an error message.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tString:
		return "string literal " + strconv.Quote(t.text)
	case tNumber, tHexNumber:
		return "number " + t.text
	case tIllegal:
		if t.text == "unterminated string literal" || t.text == "invalid UTF-8" {
			return t.text
		}
		if u, ok := xmlUnescaped[t.text]; ok || strings.HasPrefix(t.text, "&#") {
			write := ""
			if ok && u != "&" {
				write = "write '" + u + "': "
			}
			return "the XML escape " + strconv.Quote(t.text) + " (" + write + "XML escapes belong in a QueryList file, not in a query given alone)"
		}
		return "character " + strconv.Quote(t.text)
	}
	return "'" + t.text + "'"
}

// xmlUnescaped maps XML's predefined entity references to their
// characters (XML 1.0, 4.6).
var xmlUnescaped = map[string]string{"&lt;": "<", "&gt;": ">", "&amp;": "&", "&apos;": "'", "&quot;": `"`}

// xmlEscape returns the XML escape s begins with: a predefined entity
// reference or a character reference (&#60;, &#x3C;).
func xmlEscape(s string) (string, bool) {
	semi := strings.IndexByte(s, ';')
	if semi < 0 || semi > 10 {
		return "", false
	}
	e := s[:semi+1]
	if _, ok := xmlUnescaped[e]; ok {
		return e, true
	}
	digits, hex := strings.CutPrefix(e[:semi], "&#x")
	if !hex {
		var ok bool
		if digits, ok = strings.CutPrefix(e[:semi], "&#"); !ok {
			return "", false
		}
	}
	if digits == "" {
		return "", false
	}
	for _, c := range digits {
		if !(c >= '0' && c <= '9' || hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
			return "", false
		}
	}
	return e, true
}

// hexMessage is the error for a 0x number literal (tHexNumber). Whether
// Windows' event query accepts one is not established (doc.go, "Numbers
// and strings"), so it is refused, naming the decimal value to write
// where the text is a hexadecimal number of 64 bits or fewer.
func hexMessage(text string) string {
	digits := text[2:]
	v, ok := new(big.Int).SetString(digits, 16)
	if digits == "" || !ok || strings.ContainsAny(digits, "+-_") {
		return fmt.Sprintf("%s is not a number: XPath numbers are decimal digits", strconv.Quote(text))
	}
	msg := "hexadecimal number " + text + " is not accepted: XPath 1.0 has no hexadecimal numbers and no source shows that Windows' event query reads one"
	if v.BitLen() > 64 {
		return msg + "; it is also above 2^64-1, more than any event value holds"
	}
	return msg + "; write it in decimal: " + v.String()
}
