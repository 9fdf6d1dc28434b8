package xpath

import (
	"strconv"
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
	tHexNumber         // 0x421: a number literal outside the subset (doc.go)
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
// "0x" and the letters and digits after it are one tHexNumber token, so
// that Compile names the hexadecimal literal it refuses (doc.go, "Numbers
// and strings") rather than a name "x421" after the number 0.
func scanNumber(src string, pos int) token {
	end := pos
	for end < len(src) && isDigit(src[end]) {
		end++
	}
	if end == pos+1 && src[pos] == '0' && end < len(src) && (src[end] == 'x' || src[end] == 'X') {
		end++
		for end < len(src) && (isDigit(src[end]) || 'a' <= src[end]|0x20 && src[end]|0x20 <= 'z') {
			end++
		}
		return token{kind: tHexNumber, off: pos, end: end, text: src[pos:end]}
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
	case tNumber:
		return "number " + t.text
	case tIllegal:
		if t.text == "unterminated string literal" || t.text == "invalid UTF-8" {
			return t.text
		}
		return "character " + strconv.Quote(t.text)
	}
	return "'" + t.text + "'"
}
