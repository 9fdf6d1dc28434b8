package xpath

import (
	"math"
	"strconv"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// newLiteral precomputes the conversions of a string literal.
func newLiteral(s string) *literal {
	l := &literal{s: s, tnum: typedNumber(s)}
	// White space around a date-time is not part of it: XPath 1.0's
	// number() trims it, and XML Schema's dateTime collapses it (the
	// attribute's type, EventSchema's TimeCreated). Windows' reading of
	// a padded literal is not known; reading it as the time selects
	// what Windows would if it trims, where text would select nothing.
	l.t, l.isTime = parseTime(trimSpace(s))
	if u, err := strconv.ParseUint(s, 10, 64); err == nil && strconv.FormatUint(u, 10) == s {
		l.isIntDec, l.u = true, u
	}
	return l
}

// xpathNumber converts a string to a number as XPath 1.0's number() does:
// optional white space, an optional minus, digits with an optional decimal
// point, optional white space; anything else is NaN.
func xpathNumber(s string) float64 {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	t := s[i:j]
	k := 0
	if k < len(t) && t[k] == '-' {
		k++
	}
	digits := 0
	for k < len(t) && isDigit(t[k]) {
		k++
		digits++
	}
	if k < len(t) && t[k] == '.' {
		k++
		for k < len(t) && isDigit(t[k]) {
			k++
			digits++
		}
	}
	if digits == 0 || k != len(t) {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(t, 64) // out of range: ±Inf or 0, as XPath
	return f
}

// parseTime parses an ISO 8601 date-time as used in event queries:
// YYYY-MM-DDThh:mm:ss, an optional fraction of 1 to 9 digits, and an
// optional zone (Z, z or ±hh:mm); no zone means UTC.
func parseTime(s string) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			if !isDigit(s[i]) {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || month < 1 || month > 12 || day < 1 ||
		day > daysIn(year, month) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := s[19:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		k := 1
		for k < len(rest) && isDigit(rest[k]) {
			k++
		}
		if k == 1 || k > 10 {
			return time.Time{}, false
		}
		frac, _ := num(20, 19+k)
		for d := k - 1; d < 9; d++ {
			frac *= 10
		}
		nsec = frac
		rest = rest[k:]
	}
	loc := time.UTC
	offset := 0
	switch {
	case rest == "" || rest == "Z" || rest == "z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		base := len(s) - 6
		h, ok1 := num(base+1, base+3)
		m, ok2 := num(base+4, base+6)
		if !ok1 || !ok2 || h > 23 || m > 59 {
			return time.Time{}, false
		}
		offset = h*3600 + m*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	return t.Add(-time.Duration(offset) * time.Second).UTC(), true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// isTimeKind reports whether v holds a time.
func isTimeKind(k evtx.Kind) bool { return k == evtx.KindFileTime || k == evtx.KindSysTime }

// isStringKind reports whether v holds text in Str.
func isStringKind(k evtx.Kind) bool {
	switch k {
	case evtx.KindString, evtx.KindAnsiString, evtx.KindGUID, evtx.KindSID, evtx.KindEvtXML:
		return true
	}
	return false
}

// filetime returns t as a FILETIME number (100 ns since 1601), exact up
// to math.MaxInt64 (year 30828), where it stays: a later time (a damaged
// TimeCreated) would wrap to a negative number and so lie before every
// other, while the reader's window, which compares times, puts it after.
func filetime(t time.Time) int64 {
	return int64(min(evtx.TimeToFiletime(t), math.MaxInt64))
}

// valueNumber converts a typed value to a number for a comparison with a
// number (see the package documentation): integers and times exactly.
func valueNumber(v *evtx.Value) number {
	switch v.Kind {
	case evtx.KindInt8, evtx.KindInt16, evtx.KindInt32, evtx.KindInt64:
		return intNumber(v.Int)
	case evtx.KindUint8, evtx.KindUint16, evtx.KindUint32, evtx.KindUint64,
		evtx.KindHexInt32, evtx.KindHexInt64, evtx.KindSizeT, evtx.KindBool:
		return uintNumber(v.Uint)
	case evtx.KindReal32, evtx.KindReal64:
		return floatNumber(v.Float)
	case evtx.KindFileTime, evtx.KindSysTime:
		return uintNumber(evtx.TimeToFiletime(v.Time))
	case evtx.KindString, evtx.KindAnsiString:
		return typedNumber(v.Str)
	case evtx.KindGUID, evtx.KindSID, evtx.KindEvtXML:
		n, _ := decimalNumber(trimSpace(v.Str))
		return n
	case evtx.KindNull:
		return nanNumber
	}
	n, _ := decimalNumber(trimSpace(v.String()))
	return n
}

// valueUint converts a value to a 64-bit unsigned integer for band().
func valueUint(v *evtx.Value) (uint64, bool) {
	switch v.Kind {
	case evtx.KindInt8, evtx.KindInt16, evtx.KindInt32, evtx.KindInt64:
		return uint64(v.Int), true
	case evtx.KindUint8, evtx.KindUint16, evtx.KindUint32, evtx.KindUint64,
		evtx.KindHexInt32, evtx.KindHexInt64, evtx.KindSizeT, evtx.KindBool:
		return v.Uint, true
	case evtx.KindString, evtx.KindAnsiString:
		return textUint(v.Str)
	}
	return 0, false
}

// textUint parses decimal or 0x-hexadecimal text (surrounding white space
// allowed) as a uint64.
func textUint(s string) (uint64, bool) {
	u, err := evtx.ParseUint(trimSpace(s))
	return u, err == nil
}

func compareTimes(a, b time.Time, op cmpOp) bool { return op.holds(a.Compare(b)) }
