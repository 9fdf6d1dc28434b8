package xpath

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// QueryList is a structured query (the Windows Query Schema):
//
//	<QueryList>
//	  <Query Id="0" Path="System">
//	    <Select Path="System">*[System[Level&lt;=3]]</Select>
//	    <Suppress Path="System">*[System[EventID=7036]]</Suppress>
//	  </Query>
//	</QueryList>
//
// An event of a channel matches when a Select of some Query for that
// channel matches it and no Suppress of the same Query for that channel
// does (suppress wins).
type QueryList struct {
	Queries []QueryItem

	// bound maps a file Path to the given log files it names exactly
	// (BindFile); such a Path applies to those alone.
	bound map[string]map[string]bool
}

// QueryItem is one <Query> element.
type QueryItem struct {
	ID         int64  // the Id attribute, 0 when absent
	Path       string // the Path attribute, the default of its selectors
	Selects    []Selector
	Suppresses []Selector
}

// Selector is a <Select> or <Suppress> element: the channel (or log) it
// applies to and its compiled XPath.
type Selector struct {
	Path  string
	Query *Query
}

// QueryListError reports an invalid structured query. Line is the line of
// the element at fault (1-based); Err, when set, is the underlying
// *SyntaxError or XML error.
type QueryListError struct {
	Line int
	Msg  string
	Err  error
}

func (e *QueryListError) Error() string {
	s := fmt.Sprintf("xpath: query list: line %d: %s", e.Line, e.Msg)
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "xpath: ")
	}
	return s
}

func (e *QueryListError) Unwrap() error { return e.Err }

// maxQueryList bounds the size of a structured query document.
const maxQueryList = 4 << 20

// ParseQueryList parses and compiles a structured query. It applies the
// rules of the Query Schema: the root is QueryList, holding Query elements
// that hold Select and Suppress elements; a selector without a Path takes
// its Query's; every Query has at least one Select; every Suppress has a
// Select with the same Path (compared case-insensitively, as channel names
// are) in its Query. XML escapes (&lt; ...) are decoded before the XPath is
// compiled.
func ParseQueryList(data []byte) (*QueryList, error) {
	if len(data) > maxQueryList {
		return nil, &QueryListError{Line: 1, Msg: fmt.Sprintf("larger than %d bytes", maxQueryList)}
	}
	data = toUTF8(data)
	d := xml.NewDecoder(bytes.NewReader(data))
	// The text is UTF-8 by now whatever the declaration says (files saved on
	// Windows often declare UTF-16).
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	line := func() int { l, _ := d.InputPos(); return l }
	xmlErr := func(err error) error {
		if err == io.EOF {
			return &QueryListError{Line: line(), Msg: "unexpected end of document"}
		}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return &QueryListError{Line: se.Line, Msg: "malformed XML", Err: err}
		}
		return &QueryListError{Line: line(), Msg: "malformed XML", Err: err}
	}
	// The root element.
	var root xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, &QueryListError{Line: line(), Msg: "no QueryList element"}
			}
			return nil, xmlErr(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) > 0 {
			return nil, &QueryListError{Line: line(), Msg: "text outside the QueryList element"}
		}
	}
	if root.Name.Local != "QueryList" {
		return nil, &QueryListError{Line: line(), Msg: fmt.Sprintf("root element is %s, want QueryList", root.Name.Local)}
	}
	l := &QueryList{}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "Query" {
				return nil, &QueryListError{Line: line(), Msg: fmt.Sprintf("unexpected element %s in QueryList, want Query", t.Name.Local)}
			}
			q, err := parseQueryItem(d, t, line(), xmlErr)
			if err != nil {
				return nil, err
			}
			l.Queries = append(l.Queries, q)
		case xml.EndElement:
			if len(l.Queries) == 0 {
				return nil, &QueryListError{Line: line(), Msg: "QueryList has no Query"}
			}
			if err := l.checkPaths(); err != nil {
				return nil, err
			}
			if err := afterRoot(d, line, xmlErr); err != nil {
				return nil, err
			}
			return l, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, &QueryListError{Line: line(), Msg: "text in QueryList"}
			}
		}
	}
}

// afterRoot refuses what follows the QueryList element unless it is
// white space, comments and processing instructions: XML 1.0 (W3C, section
// 2.1, "document ::= prolog element Misc*") allows nothing else after the
// root element, so a second element or text there makes the file not
// well-formed, and it was ignored (a query list pasted twice, or with a
// stray Query after </QueryList>, ran its first part only).
func afterRoot(d *xml.Decoder, line func() int, xmlErr func(error) error) error {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return &QueryListError{Line: line(), Msg: fmt.Sprintf("element %s after the QueryList element (a document has one root element)", t.Name.Local)}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return &QueryListError{Line: line(), Msg: "text after the QueryList element"}
			}
		}
	}
}

// checkPaths applies the Query Schema's rule "You can query for events from
// multiple channels or log files but you cannot mix channels and log
// files" (learn.microsoft.com/windows/win32/wes/queryschema-schema).
func (l *QueryList) checkPaths() error {
	var channel, file string
	for _, q := range l.Queries {
		for _, ss := range [][]Selector{q.Selects, q.Suppresses} {
			for _, s := range ss {
				if IsLogFile(s.Path) {
					file = s.Path
				} else {
					channel = s.Path
				}
			}
		}
	}
	if channel != "" && file != "" {
		return &QueryListError{Line: 1, Msg: fmt.Sprintf("Paths mix a channel (%q) and a log file (%q); Windows rejects that: query them in separate lists", channel, file)}
	}
	return nil
}

// toUTF8 strips a UTF-8 byte order mark and converts UTF-16 text with a
// byte order mark to UTF-8, and UTF-16 text without one that begins with
// '<' (an XML declaration, <?xml encoding="utf-16"?>, as XML 1.0
// Appendix F detects it from its first bytes, 3C 00 3F 00 or 00 3C 00 3F:
// a "<" then a NUL, which no UTF-8 XML holds, was "malformed XML").
func toUTF8(b []byte) []byte {
	start := 2
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:]
	case len(b) >= 2 && (b[0] == 0x3C && b[1] == 0 || b[0] == 0 && b[1] == 0x3C):
		start = 0
		fallthrough
	case len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF):
		le := b[0] == 0xFF || b[0] == 0x3C
		u := make([]uint16, 0, len(b)/2)
		for i := start; i+1 < len(b); i += 2 {
			if le {
				u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
			} else {
				u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
			}
		}
		return []byte(string(utf16.Decode(u)))
	}
	return b
}

func attr(se xml.StartElement, name string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func parseQueryItem(d *xml.Decoder, start xml.StartElement, startLine int, xmlErr func(error) error) (QueryItem, error) {
	line := func() int { l, _ := d.InputPos(); return l }
	var q QueryItem
	if id, ok := attr(start, "Id"); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
		if err != nil {
			return q, &QueryListError{Line: startLine, Msg: fmt.Sprintf("Query Id %q is not an integer", id)}
		}
		q.ID = n
	}
	q.Path, _ = attr(start, "Path")
	for {
		tok, err := d.Token()
		if err != nil {
			return q, xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			kind := t.Name.Local
			if kind != "Select" && kind != "Suppress" {
				return q, &QueryListError{Line: line(), Msg: fmt.Sprintf("unexpected element %s in Query, want Select or Suppress", kind)}
			}
			selLine := line()
			path, ok := attr(t, "Path")
			if !ok || path == "" {
				path = q.Path
			}
			if path == "" {
				return q, &QueryListError{Line: selLine, Msg: kind + " has no Path and its Query has none"}
			}
			var text strings.Builder
		content:
			for {
				tok, err := d.Token()
				if err != nil {
					return q, xmlErr(err)
				}
				switch c := tok.(type) {
				case xml.CharData:
					text.Write(c)
				case xml.StartElement:
					return q, &QueryListError{Line: line(), Msg: fmt.Sprintf("unexpected element %s in %s: the XPath is text (escape < as &lt;)", c.Name.Local, kind)}
				case xml.EndElement:
					break content
				}
			}
			cq, err := Compile(text.String())
			if err != nil {
				return q, &QueryListError{Line: selLine, Msg: fmt.Sprintf("%s Path=%q", kind, path), Err: err}
			}
			s := Selector{Path: path, Query: cq}
			if kind == "Select" {
				q.Selects = append(q.Selects, s)
			} else {
				q.Suppresses = append(q.Suppresses, s)
			}
		case xml.EndElement:
			if len(q.Selects) == 0 {
				return q, &QueryListError{Line: startLine, Msg: "Query has no Select (a query needs at least one)"}
			}
			for _, s := range q.Suppresses {
				found := false
				for _, sel := range q.Selects {
					found = found || strings.EqualFold(sel.Path, s.Path)
				}
				if !found {
					return q, &QueryListError{Line: startLine, Msg: fmt.Sprintf("Suppress Path=%q has no Select with the same Path in its Query", s.Path)}
				}
			}
			return q, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return q, &QueryListError{Line: line(), Msg: "text in Query outside Select and Suppress"}
			}
		}
	}
}

// Match reports whether an event of the channel (a log name such as
// "System"; compared case-insensitively) is selected: some Query has a
// Select for the channel that matches and no Suppress for the channel
// that matches. See MatchLog for Paths that name log files.
func (l *QueryList) Match(channel string, ev *evtx.Event, now time.Time) bool {
	return l.MatchLog(Log{Channel: channel}, ev, now)
}

// Channels returns the Paths of the Select elements, each once (compared
// case-insensitively, first spelling kept), sorted.
func (l *QueryList) Channels() []string {
	var out []string
	seen := map[string]bool{}
	for _, q := range l.Queries {
		for _, s := range q.Selects {
			k := strings.ToLower(s.Path)
			if !seen[k] {
				seen[k] = true
				out = append(out, s.Path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TimeBounds is the union of the windows of the Select queries for the
// channel ("" for all channels); see Query.TimeBounds.
func (l *QueryList) TimeBounds(channel string, now time.Time) (since, until time.Time, ok bool) {
	return l.timeBounds(func(path string) bool { return channel == "" || strings.EqualFold(path, channel) }, now)
}

func (l *QueryList) timeBounds(applies func(path string) bool, now time.Time) (since, until time.Time, ok bool) {
	first := true
	openSince, openUntil := false, false
	for _, q := range l.Queries {
		for _, s := range q.Selects {
			if !applies(s.Path) {
				continue
			}
			si, un, _ := s.Query.TimeBounds(now)
			if si.IsZero() {
				openSince = true
			} else if first || si.Before(since) {
				since = si
			}
			if un.IsZero() {
				openUntil = true
			} else if first || un.After(until) {
				until = un
			}
			first = false
		}
	}
	if first {
		return time.Time{}, time.Time{}, false
	}
	if openSince {
		since = time.Time{}
	}
	if openUntil {
		until = time.Time{}
	}
	return since, until, !since.IsZero() || !until.IsZero()
}
