package evtx

import (
	"strconv"
	"unicode/utf8"
)

// XML returns the event as Windows event XML in the layout of
// `wevtutil qe /f:xml`: one line, single-quoted attributes, empty elements
// as <Name/>, values in their canonical text (Value.String).
//
// The result is always a well-formed XML 1.0 document (see appendEscaped
// for control characters); "" only for a nil event. An event without Root
// (built by hand) is rendered from its typed fields (Tree). An event read from chunk slack (Event.Recovered)
// or decoded in part (Event.Partial) is preceded by a comment that says so:
// <!-- evtxrdp: recovered from chunk slack; partial: ... -->.
func (ev *Event) XML() string {
	return string(ev.AppendXML(make([]byte, 0, 1024)))
}

// AppendXML appends ev.XML() to dst.
func (ev *Event) AppendXML(dst []byte) []byte {
	if ev == nil {
		return dst
	}
	dst = ev.appendFlags(dst)
	return appendElement(dst, ev.Tree(), false, -1)
}

// appendFlags appends the comment that flags a recovered or partial event.
func (ev *Event) appendFlags(dst []byte) []byte {
	if ev.Recovered == "" && ev.Partial == "" {
		return dst
	}
	return appendComment(dst, "evtxrdp: "+ev.flagText())
}

// flagText says how a recovered or partial event was read ("recovered
// from chunk slack; partial: ..."), "" for a current event read whole.
func (ev *Event) flagText() string {
	var text string
	switch ev.Recovered {
	case "":
	case RecoveredSlack:
		text = "recovered from chunk slack"
	case RecoveredUnallocated:
		text = "recovered from an old chunk past the file header's count"
	default:
		text = "recovered: " + ev.Recovered
	}
	if ev.Partial != "" {
		if text != "" {
			text += "; "
		}
		text += "partial: " + ev.Partial
	}
	return text
}

// appendComment appends <!-- s --> so that it is a well-formed XML
// comment: no "--" inside (a space is put between the dashes), no
// characters XML 1.0 forbids (replaced as in appendEscaped).
func appendComment(dst []byte, s string) []byte {
	dst = append(dst, "<!-- "...)
	prev := rune(0)
	for _, r := range s {
		r = xmlChar(r)
		if r == '-' && prev == '-' {
			dst = append(dst, ' ')
		}
		dst = utf8.AppendRune(dst, r)
		prev = r
	}
	return append(dst, " -->"...)
}

// xmlChar maps a character XML 1.0 does not allow (§2.2 Char: C0 controls
// other than tab, newline and carriage return; U+FFFE, U+FFFF; invalid
// UTF-8 decoded as U+FFFD already) to one it does: a C0 control to its
// Unicode control picture (U+0001 to U+2401 "␁"), U+FFFE and U+FFFF to
// U+FFFD.
func xmlChar(r rune) rune {
	switch {
	case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
		return 0x2400 + r
	case r == 0xFFFE || r == 0xFFFF:
		return 0xFFFD
	}
	return r
}

// XMLIndent returns the event as Event Viewer's "XML View" shows it:
// two-space indentation, double-quoted attributes, empty elements as
// <Name />, one element per line, no trailing newline. An event without
// Root is rendered from its typed fields (Tree); a nil event is "".
func (ev *Event) XMLIndent() string {
	if ev == nil {
		return ""
	}
	dst := ev.appendFlags(make([]byte, 0, 2048))
	if len(dst) > 0 {
		dst = append(dst, '\n')
	}
	return string(appendElement(dst, ev.Tree(), true, 0))
}

// appendElement renders e. indent < 0 means the one-line wevtutil form;
// otherwise e starts at that indentation level (Event Viewer form).
func appendElement(dst []byte, e *Element, pretty bool, indent int) []byte {
	if pretty {
		for i := 0; i < indent; i++ {
			dst = append(dst, ' ', ' ')
		}
	}
	q := byte('\'')
	if pretty {
		q = '"'
	}
	dst = append(dst, '<')
	dst = append(dst, e.Name...)
	for _, a := range e.Attrs {
		dst = append(dst, ' ')
		dst = append(dst, a.Name...)
		dst = append(dst, '=', q)
		dst = appendValueEscaped(dst, a.Value, true)
		dst = append(dst, q)
	}
	hasText := !valueEmpty(e.Value)
	if !hasText && len(e.Children) == 0 {
		if pretty {
			return append(dst, " />"...)
		}
		return append(dst, "/>"...)
	}
	dst = append(dst, '>')
	if hasText {
		dst = appendValueEscaped(dst, e.Value, false)
	}
	if len(e.Children) > 0 {
		for _, c := range e.Children {
			if pretty {
				dst = append(dst, '\n')
				dst = appendElement(dst, c, true, indent+1)
			} else {
				dst = appendElement(dst, c, false, -1)
			}
		}
		if pretty {
			dst = append(dst, '\n')
			for i := 0; i < indent; i++ {
				dst = append(dst, ' ', ' ')
			}
		}
	}
	dst = append(dst, "</"...)
	dst = append(dst, e.Name...)
	return append(dst, '>')
}

// valueEmpty reports whether v renders as no text.
func valueEmpty(v Value) bool {
	switch v.Kind {
	case KindNull:
		return true
	case KindString, KindAnsiString, KindEvtXML:
		return v.Str == ""
	case KindBinary, KindEvtHandle:
		return len(v.Bytes) == 0
	}
	if v.Kind.IsArray() {
		return len(v.Array) == 0
	}
	return false
}

// appendValueEscaped appends the canonical text of v, XML-escaped. The
// common kinds are rendered without intermediate allocation.
func appendValueEscaped(dst []byte, v Value, attr bool) []byte {
	switch v.Kind {
	case KindString, KindAnsiString, KindGUID, KindSID, KindEvtXML:
		return appendEscaped(dst, v.Str, attr)
	case KindInt8, KindInt16, KindInt32, KindInt64:
		return strconv.AppendInt(dst, v.Int, 10)
	case KindUint8, KindUint16, KindUint32, KindUint64:
		return strconv.AppendUint(dst, v.Uint, 10)
	case KindHexInt32, KindHexInt64, KindSizeT:
		dst = append(dst, '0', 'x')
		return strconv.AppendUint(dst, v.Uint, 16)
	case KindFileTime, KindSysTime:
		return AppendTime(dst, v.Time)
	case KindBinary:
		for _, c := range v.Bytes {
			dst = append(dst, hexUpper[c>>4], hexUpper[c&15])
		}
		return dst
	case KindNull:
		return dst
	}
	return appendEscaped(dst, v.String(), attr)
}

// appendEscaped appends s with &, <, > escaped, and in attributes ' and "
// too. What XML 1.0 does not allow in a document, not even as a character
// reference (§2.2 Char; wevtutil writes &#x1;, which XML 1.0 parsers
// reject), is replaced so that every event renders as well-formed XML 1.0
// and no raw control byte reaches a terminal: a C0 control character other
// than tab, newline and carriage return by its Unicode control picture
// (U+0001 by U+2401 "␁", U+001B by U+241B "␛"), U+FFFE and U+FFFF by
// U+FFFD, invalid UTF-8 by U+FFFD. The exact value stays in the typed
// Value (and in dump's JSON, which escapes it as \u0001).
func appendEscaped(dst []byte, s string, attr bool) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var rep string
		switch {
		case c == '&':
			rep = "&amp;"
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '\'' && attr:
			rep = "&apos;"
		case c == '"' && attr:
			rep = "&quot;"
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			dst = append(dst, s[start:i]...)
			dst = utf8.AppendRune(dst, xmlChar(rune(c)))
			start = i + 1
			continue
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\uFFFD"...)
				start = i + n
			}
			i += n - 1
			continue
		default:
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, rep...)
		start = i + 1
	}
	return append(dst, s[start:]...)
}
