package rules

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// NormalizeText is how status texts compare: white space trimmed, one
// trailing '.' removed, lower case ("Access is denied.\r\n" and
// "access is denied" are equal).
func NormalizeText(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	return strings.ToLower(strings.TrimSpace(s))
}

// text is v.String() without building it for the text kinds, whose
// text is Str.
func text(v evtx.Value) string {
	switch v.Kind {
	case evtx.KindString, evtx.KindAnsiString, evtx.KindGUID, evtx.KindSID, evtx.KindEvtXML:
		return v.Str
	}
	return v.String()
}

// sameNormalized reports whether NormalizeText(a) == NormalizeText(b)
// without building either: the trimmed texts compared rune by rune, each
// lowered as strings.ToLower lowers it (unicode.ToLower; a byte that is
// not UTF-8 is U+FFFD). Two lowered texts are equal exactly when their
// runes are, UTF-8 having one encoding per rune. A condition's texts are
// compared so with each event's value (TestSameNormalized).
func sameNormalized(a, b string) bool { return sameTrimmed(trimText(a), trimText(b)) }

// trimText is a text as NormalizeText trims it: white space, one trailing
// '.', white space again.
func trimText(s string) string {
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "."))
}

// sameTrimmed is sameNormalized of two texts trimText has trimmed (a
// condition's value is trimmed once for all its texts).
func sameTrimmed(a, b string) bool {
	for a != "" && b != "" {
		ra, wa := rune(a[0]), 1
		if ra >= utf8.RuneSelf {
			ra, wa = utf8.DecodeRuneInString(a)
		}
		rb, wb := rune(b[0]), 1
		if rb >= utf8.RuneSelf {
			rb, wb = utf8.DecodeRuneInString(b)
		}
		if ra != rb && unicode.ToLower(ra) != unicode.ToLower(rb) {
			return false
		}
		a, b = a[wa:], b[wb:]
	}
	return a == "" && b == ""
}

// Codes returns the numbers a field value stands for: the value of a numeric
// field; a decimal, 0x-hex or negative (32-bit HRESULT) string; or a "%%N"
// Win32 error insert, which stands for N and HRESULT_FROM_WIN32(N).
func Codes(v evtx.Value) []uint64 {
	switch v.Kind {
	case evtx.KindInt8, evtx.KindInt16, evtx.KindInt32, evtx.KindInt64:
		if v.Int < 0 {
			return []uint64{uint64(uint32(int32(v.Int)))}
		}
		return []uint64{uint64(v.Int)}
	case evtx.KindUint8, evtx.KindUint16, evtx.KindUint32, evtx.KindUint64,
		evtx.KindHexInt32, evtx.KindHexInt64, evtx.KindSizeT:
		return []uint64{v.Uint}
	case evtx.KindString, evtx.KindAnsiString:
		return textCodes(v.Str)
	}
	return nil
}

func textCodes(s string) []uint64 {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return nil
	}
	if rest, ok := strings.CutPrefix(s, "%%"); ok {
		n, err := strconv.ParseUint(rest, 10, 32)
		if err != nil {
			return nil
		}
		if n <= 0xFFFF {
			return []uint64{n, 0x80070000 | n}
		}
		return []uint64{n}
	}
	if strings.HasPrefix(s, "-") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < -1<<31 {
			return nil
		}
		return []uint64{uint64(uint32(int32(n)))}
	}
	n, err := evtx.ParseUint(s)
	if err != nil {
		return nil
	}
	return []uint64{n}
}

// values returns the values c selects from ev, each cut at c.Before when
// that is set, and split into its elements at c.Split when that is set.
func (c *Condition) values(ev *evtx.Event) []evtx.Value { return c.appendValues(nil, ev) }

// appendValues appends c.values(ev) to dst and returns the result (so that
// Match, called for every event a query matches, reads one value without
// allocating).
func (c *Condition) appendValues(dst []evtx.Value, ev *evtx.Event) []evtx.Value {
	n := len(dst)
	return c.cutValues(c.appendSelected(dst, ev), n)
}

// cutValues applies c.Before and c.Split to dst[n:], the values c
// selected, and returns dst[:n] followed by the result.
func (c *Condition) cutValues(dst []evtx.Value, n int) []evtx.Value {
	if c.Before != "" {
		for i := n; i < len(dst); i++ {
			s := dst[i].String()
			if j := strings.Index(s, c.Before); j >= 0 {
				dst[i] = evtx.StringValue(s[:j])
			}
		}
	}
	if c.Split == "" {
		return dst
	}
	out := dst[:n:n] // a new array for the parts: dst[n:] is read meanwhile
	for _, v := range dst[n:] {
		for _, s := range strings.Split(v.String(), c.Split) {
			out = append(out, evtx.StringValue(strings.TrimSpace(s)))
		}
	}
	return out
}

// selected returns the values of the field c selects from ev.
func (c *Condition) selected(ev *evtx.Event) []evtx.Value { return c.appendSelected(nil, ev) }

// appendSelected appends c.selected(ev) to dst and returns the result.
func (c *Condition) appendSelected(dst []evtx.Value, ev *evtx.Event) []evtx.Value {
	switch {
	case c.System != "":
		if v, ok := systemValue(ev, c.System); ok {
			return append(dst, v)
		}
	case c.BinaryText:
		if s, ok := BinaryText(ev.Binary); ok {
			return append(dst, evtx.StringValue(s))
		}
	case c.Data != "":
		if v, ok := ev.Data(c.Data); ok {
			return append(dst, v)
		}
	case c.Index > 0:
		if c.Index <= len(ev.EventData) {
			return append(dst, ev.EventData[c.Index-1].Value)
		}
	case c.UserData != "":
		walkLeaves(ev.UserData, func(e *evtx.Element) {
			if evtx.NameIs(e.Name, c.UserData) {
				dst = append(dst, e.Value)
			}
		})
	case c.AnyField:
		for _, f := range ev.EventData {
			dst = append(dst, f.Value)
		}
		walkLeaves(ev.UserData, func(e *evtx.Element) { dst = append(dst, e.Value) })
	}
	return dst
}

// Match reports whether ev has a field selected by c whose text or number
// is one of c's values (with Present: whose field is there at all).
func (c *Condition) Match(ev *evtx.Event) bool {
	var buf [1]evtx.Value
	return c.matchSelected(c.appendSelected(buf[:0], ev))
}

// matchSelected is Match for an event from which c selects the values
// sel (appendSelected; cutValues may change sel's elements).
func (c *Condition) matchSelected(sel []evtx.Value) bool {
	vals := c.cutValues(sel, 0)
	if c.Present {
		return len(vals) > 0
	}
	for _, v := range vals {
		if c.matchValue(v) {
			return true
		}
	}
	return false
}

func (c *Condition) matchValue(v evtx.Value) bool {
	if c.Address && isAddress(text(v)) {
		return true
	}
	if len(c.Ports) > 0 && portListHas(text(v), c.Ports) {
		return true
	}
	if len(c.Text) > 0 {
		t := trimText(text(v))
		for _, want := range c.Text {
			if sameTrimmed(t, trimText(want)) {
				return true
			}
		}
	}
	if len(c.codes) > 0 {
		for _, n := range Codes(v) {
			for _, want := range c.codes {
				if n == want {
					return true
				}
			}
		}
	}
	return false
}

// portListHas reports whether the port list s (Condition.Ports: "3389",
// "80,3380-3400", "*") includes one of ports.
func portListHas(s string, ports []int) bool {
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "*" {
			return true
		}
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
				continue
			}
		}
		for _, p := range ports {
			if a <= p && p <= b {
				return true
			}
		}
	}
	return false
}

// isAddress reports whether s, trimmed, is an IP address, with or without
// a port (Condition.Address): ClientAddress reads it.
func isAddress(s string) bool {
	_, ok := ClientAddress(s)
	return ok
}

// ClientAddress reads the client address a Windows event writes in a
// field such as Security 4624/4625's IpAddress, RdpCoreTS 131's ClientIP,
// RdpCoreTS 140's IPString, TermDD 56's second insertion string, RCM
// 1149's Param3 or LocalSessionManager 21/24/25's Address, and returns it
// normalised, so that one client is one value: an IPv4-mapped IPv6
// address is its IPv4 address (::ffff:203.0.113.5 is 203.0.113.5), an
// IPv6 address loses its zone (fe80::1%12 is fe80::1: the zone is the
// server's interface index, not part of the client), and the port is
// dropped. It reports false for a value that is no address ("-", "LOCAL",
// "X.224", a host name, an empty or damaged value).
//
// The forms it reads, trimmed of white space, and where each is seen:
//
//   - an IPv4 address, "203.0.113.5": 4625 IpAddress, RdpCoreTS 140
//     IPString and TermDD 56 in the real samples (omerbenamram/evtx
//     Security_with_size_t.evtx, the RdpCoreTS VSS copy; python-evtx
//     system.evtx record 12304).
//   - an IPv4 address and port, "203.0.113.5:50123": RdpCoreTS 131
//     ClientIP in the real RdpCoreTS sample (record 6334928
//     "51.15.147.173:54151").
//   - an IPv6 address as RFC 5952 text, "fe80::b56e:8722:b95d:5403",
//     "::1", or IPv4-mapped, "::ffff:203.0.113.5": 4624/4625 IpAddress,
//     which Microsoft's auditing reference describes as "IPv6 address or
//     ::ffff:IPv4 address of a client. ::1 or 127.0.0.1 means localhost"
//     (windows-itpro-docs event-4624.md, event-4625.md; 4778's Client
//     Address likewise); "::1" in the real 4625s of Velocidex/evtx
//     testdata/Security.evtx, and a 4625 with "fe80::b56e:8722:b95d:5403"
//     in Microsoft's NTLM troubleshooting workflow "Failed authentication
//     request across a Trust".
//   - an IPv6 address in brackets, with or without a port,
//     "[2001:db8::5]:50123", "[2001:db8::5]": unverified. No source found
//     shows RdpCoreTS 131 or 140, RCM 1149 or LocalSessionManager for an
//     IPv6 client; 131 writes IPv4 as address:port, and the bracketed
//     form is how an IPv6 address and port are written unambiguously
//     (RFC 5952 section 6), so it is read as such.
//
// A bare IPv6 address followed by a port without brackets cannot be told
// from an address ("2001:db8::5:3389" is itself a valid IPv6 address): it
// is read as written, the whole text one address, which may count one
// client connecting from two ports as two clients, never two clients as
// one; with a port that is no 16-bit hex group ("2001:db8::5:50123") it
// is no address (unverified: no source shows Windows writing either).
func ClientAddress(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		var ap netip.AddrPort
		if ap, err = netip.ParseAddrPort(s); err == nil {
			a = ap.Addr()
		} else if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
			a, err = netip.ParseAddr(s[1 : len(s)-1])
			if err == nil && !a.Is6() {
				err = errNotAddress // "[203.0.113.5]" is no form of an address
			}
		}
	}
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// errNotAddress marks a bracketed IPv4 address, which ClientAddress
// does not read.
var errNotAddress = errors.New("rules: not an address")

// Match reports whether ev satisfies every condition of f. A refinement
// without conditions matches every event of its queries (the event id
// alone says the cause, e.g. RCM 1055).
func (f *Refinement) Match(ev *evtx.Event) bool {
	for _, c := range f.When {
		if !c.Match(ev) {
			return false
		}
	}
	return true
}

// walkLeaves calls fn for every element under e (e excluded) that has no
// child elements.
func walkLeaves(e *evtx.Element, fn func(*evtx.Element)) {
	if e == nil {
		return
	}
	for _, c := range e.Children {
		if len(c.Children) == 0 {
			fn(c)
		} else {
			walkLeaves(c, fn)
		}
	}
}

// Key data shown for an evidence event.
const (
	maxKeyFields   = 12
	maxFieldLength = 200
)

// KeyData returns an event's data fields for display: EventData items by
// name (unnamed classic items as "Data[1]", "Data[2]", ...) and UserData
// leaves by element name, in document order, then the <Binary> data when
// it reads as ASCII UTF-16 text (Service Control Manager's key name), at
// most 12, long values cut. It panics if ev is nil.
func KeyData(ev *evtx.Event) []DataField {
	var out []DataField
	add := func(name string, v evtx.Value) {
		if len(out) >= maxKeyFields {
			return
		}
		s := truncate(v.String(), maxFieldLength)
		out = append(out, DataField{Name: name, Value: s})
	}
	for i, f := range ev.EventData {
		name := f.Name
		if name == "" {
			name = "Data[" + strconv.Itoa(i+1) + "]"
		}
		add(name, f.Value)
	}
	walkLeaves(ev.UserData, func(e *evtx.Element) { add(e.Name, e.Value) })
	if s, ok := BinaryText(ev.Binary); ok && printableASCII(s) {
		add("Binary", evtx.StringValue(s)) // a service's key name (SCM)
	}
	return out
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// DataField is one named value of an event, as text.
type DataField struct {
	Name  string
	Value string
}

// truncate cuts s to at most n bytes at a character boundary and marks the
// cut with "...".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
