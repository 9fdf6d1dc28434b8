package evtx

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a Value. The numbers are the BinXML value types of the
// EVTX format (MS-EVEN6 §2.2.18 / libevtx "value types"); an array of a type
// has the ArrayFlag bit set.
type Kind uint8

// The value kinds.
const (
	KindNull       Kind = 0x00
	KindString     Kind = 0x01 // UTF-16 string
	KindAnsiString Kind = 0x02
	KindInt8       Kind = 0x03
	KindUint8      Kind = 0x04
	KindInt16      Kind = 0x05
	KindUint16     Kind = 0x06
	KindInt32      Kind = 0x07
	KindUint32     Kind = 0x08
	KindInt64      Kind = 0x09
	KindUint64     Kind = 0x0a
	KindReal32     Kind = 0x0b
	KindReal64     Kind = 0x0c
	KindBool       Kind = 0x0d
	KindBinary     Kind = 0x0e
	KindGUID       Kind = 0x0f
	KindSizeT      Kind = 0x10
	KindFileTime   Kind = 0x11
	KindSysTime    Kind = 0x12
	KindSID        Kind = 0x13
	KindHexInt32   Kind = 0x14
	KindHexInt64   Kind = 0x15
	KindEvtHandle  Kind = 0x20
	KindBinXML     Kind = 0x21
	KindEvtXML     Kind = 0x23

	// ArrayFlag marks an array of the base kind (e.g. KindString|ArrayFlag).
	ArrayFlag Kind = 0x80
)

// IsArray reports whether k is an array kind.
func (k Kind) IsArray() bool { return k&ArrayFlag != 0 }

// Base returns the element kind of an array kind, or k itself.
func (k Kind) Base() Kind { return k &^ ArrayFlag }

var kindNames = map[Kind]string{
	KindNull: "Null", KindString: "UnicodeString", KindAnsiString: "AnsiString",
	KindInt8: "Int8", KindUint8: "UInt8", KindInt16: "Int16", KindUint16: "UInt16",
	KindInt32: "Int32", KindUint32: "UInt32", KindInt64: "Int64", KindUint64: "UInt64",
	KindReal32: "Float", KindReal64: "Double", KindBool: "Boolean", KindBinary: "Binary",
	KindGUID: "GUID", KindSizeT: "SizeT", KindFileTime: "FILETIME", KindSysTime: "SYSTEMTIME",
	KindSID: "SID", KindHexInt32: "HexInt32", KindHexInt64: "HexInt64",
	KindEvtHandle: "EvtHandle", KindBinXML: "BinXml", KindEvtXML: "EvtXml",
}

// String returns the Windows name of the kind ("UnicodeString", "HexInt32",
// "UInt32[]" ...).
func (k Kind) String() string {
	name, ok := kindNames[k.Base()]
	if !ok {
		name = "0x" + strconv.FormatUint(uint64(k.Base()), 16)
	}
	if k.IsArray() {
		name += "[]"
	}
	return name
}

// Value is one typed value of an event: a substitution value or literal text.
// Exactly the fields that belong to Kind are set:
//
//	KindString, KindAnsiString, KindGUID, KindSID: Str (GUID as "{XXXXXXXX-...}" upper case,
//	                                               SID as "S-1-5-18")
//	signed integers (Int8..Int64):                 Int
//	unsigned, hex, SizeT, Bool (0/1):              Uint
//	KindReal32, KindReal64:                        Float
//	KindBinary:                                    Bytes
//	KindFileTime, KindSysTime:                     Time (UTC)
//	arrays:                                        Array (elements of Kind.Base())
//	KindBinXML:                                    Elem (the embedded fragment's root)
type Value struct {
	Kind  Kind
	Str   string
	Int   int64
	Uint  uint64
	Float float64
	Bytes []byte
	Time  time.Time
	Array []Value
	Elem  *Element
}

// StringValue returns a KindString value.
func StringValue(s string) Value { return Value{Kind: KindString, Str: s} }

// IsNull reports whether v holds no value.
func (v Value) IsNull() bool { return v.Kind == KindNull }

// String returns the canonical text of v: what Windows' event XML (wevtutil
// qe /f:xml, Event Viewer's XML view) shows for it. HexInt32/HexInt64 are
// "0x" followed by lower-case hex digits without padding, FILETIME and
// SYSTEMTIME are ISO 8601 UTC with 7 fractional digits and "Z", binary is
// upper-case hex, GUIDs are braced upper case, booleans "true"/"false".
// Arrays join their elements' text with ",". A null value is "".
func (v Value) String() string {
	var b strings.Builder
	v.appendText(&b)
	return b.String()
}

// AppendText appends the canonical text of v to dst.
func (v Value) AppendText(dst []byte) []byte {
	return append(dst, v.String()...)
}

func (v Value) appendText(b *strings.Builder) {
	if v.Kind.IsArray() {
		for i, e := range v.Array {
			if i > 0 {
				b.WriteByte(',')
			}
			e.appendText(b)
		}
		return
	}
	switch v.Kind {
	case KindNull:
	case KindString, KindAnsiString, KindGUID, KindSID, KindEvtXML:
		b.WriteString(v.Str)
	case KindInt8, KindInt16, KindInt32, KindInt64:
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case KindUint8, KindUint16, KindUint32, KindUint64:
		b.WriteString(strconv.FormatUint(v.Uint, 10))
	case KindHexInt32, KindHexInt64, KindSizeT:
		b.WriteString("0x")
		b.WriteString(strconv.FormatUint(v.Uint, 16))
	case KindReal32:
		b.WriteString(formatFloat(v.Float, 32))
	case KindReal64:
		b.WriteString(formatFloat(v.Float, 64))
	case KindBool:
		if v.Uint != 0 {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case KindBinary, KindEvtHandle:
		b.WriteString(strings.ToUpper(hex.EncodeToString(v.Bytes)))
	case KindFileTime, KindSysTime:
		b.WriteString(FormatTime(v.Time))
	case KindBinXML:
		if v.Elem != nil {
			b.WriteString(v.Elem.Text())
		}
	default:
		b.WriteString(strings.ToUpper(hex.EncodeToString(v.Bytes)))
	}
}

func formatFloat(f float64, bits int) string {
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// Number returns v as a float64 the way an XPath number comparison sees it:
// integers, hex integers, booleans and reals convert directly, strings are
// parsed (decimal, or hex with a 0x prefix); ok is false when v has no
// numeric meaning.
func (v Value) Number() (f float64, ok bool) {
	switch v.Kind {
	case KindInt8, KindInt16, KindInt32, KindInt64:
		return float64(v.Int), true
	case KindUint8, KindUint16, KindUint32, KindUint64, KindHexInt32, KindHexInt64, KindSizeT, KindBool:
		return float64(v.Uint), true
	case KindReal32, KindReal64:
		return v.Float, true
	case KindString, KindAnsiString:
		s := strings.TrimSpace(v.Str)
		if u, err := ParseUint(s); err == nil {
			return float64(u), true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "eEnNiI") {
			return f, true
		}
	}
	return 0, false
}

// ParseUint parses a decimal or 0x-prefixed hexadecimal unsigned integer.
func ParseUint(s string) (uint64, error) {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return strconv.ParseUint(s[2:], 16, 64)
	}
	return strconv.ParseUint(s, 10, 64)
}

// Base64 returns the standard base64 encoding of a binary value's bytes.
func (v Value) Base64() string { return base64.StdEncoding.EncodeToString(v.Bytes) }

// FormatTime renders t as Windows event XML does: UTC, 7 fractional digits
// (100 ns, FILETIME precision) and a trailing "Z",
// e.g. "2022-10-16T20:27:36.2228549Z": RFC 3339, for the years 0 to 9999.
// A time after the year 9999, which only a damaged value holds (a
// FILETIME reaches the year 60056, a SYSTEMTIME 65535; Windows' own
// clock stops in 30827), has its year written with a plus sign and every
// digit it needs, as ISO 8601's expanded form writes it
// ("+30828-09-14T02:48:05.4775808Z"), and a time before the year 0 (a
// SYSTEMTIME of year 0 and month 0) with a minus sign
// ("-0001-11-30T00:00:00.0000000Z"): neither is read as an RFC 3339 time
// by mistake, and no year runs into the month. UsableTime tells the
// times written the plain way that a record can be placed at.
func FormatTime(t time.Time) string {
	return string(AppendTime(make([]byte, 0, 28), t))
}

// AppendTime appends FormatTime(t) to dst.
func AppendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	dst = appendDateTime(dst, t)
	dst = append(dst, '.')
	ns := t.Nanosecond() / 100
	var d [7]byte
	for i := 6; i >= 0; i-- {
		d[i] = byte('0' + ns%10)
		ns /= 10
	}
	dst = append(dst, d[:]...)
	return append(dst, 'Z')
}

// appendDateTime appends the date and time of t (UTC) to the second,
// "2006-01-02T15:04:05", its year signed when it has more than four
// digits (see FormatTime).
func appendDateTime(dst []byte, t time.Time) []byte {
	if t.Year() > 9999 {
		dst = append(dst, '+') // time.Format writes a minus sign, not a plus
	}
	return t.AppendFormat(dst, "2006-01-02T15:04:05")
}

// MinUsableTime is the earliest time UsableTime accepts: 1980-01-01
// UTC. FILETIME counts from 1601 and a SYSTEMTIME's year may be 1601 to
// 30827 ("SYSTEMTIME structure (minwinbase.h)",
// https://learn.microsoft.com/windows/win32/api/minwinbase/ns-minwinbase-systemtime),
// and evtxrdp takes a time before 1980 for a cleared or damaged value
// rather than a clock's reading. That is a judgement, not a limit Windows
// documents for every version; what it rests on: the Date and Time dialog
// of Windows XP accepts only the years 1980 to 2099 ("Windows XP: The
// Complete Reference", chapter 12, "Setting the Current Date and Time",
// https://angelfire.com/mac/gregor49032/Files/winxptcr/keymouse/5.htm);
// Windows NT 4.0 took a date before 1996 (3.51: 1990) at logon for a
// clock gone wrong and asked for it to be set ("Err: Invalid System Time
// with Real Time Clock and Windows NT", KB Q220951,
// https://jeffpar.github.io/kbarchive/kb/220/Q220951/); event log files
// (.evtx) came with Windows Vista (2007), so a record of such a time was
// written by a clock decades wrong if it was written by a clock at all.
// A TimeCreated before 1980 (FILETIME 1, 100 ns after 1601, say) places
// its record nowhere, as FILETIME 0 does, and reports print it with
// "implausible" (Implausible).
var MinUsableTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// maxUsableTime is the latest time UsableTime accepts: the last FILETIME
// (100 ns) of the year 9999 (a time within its 100 ns passes too).
var maxUsableTime = time.Date(9999, 12, 31, 23, 59, 59, 999999900, time.UTC)

// UsableTime reports whether t, a TimeCreated as read, places its record
// in time: it is neither the zero time nor FILETIME 0 (1601-01-01, which
// a record holds for no time), nor before MinUsableTime (1980), taken for a
// cleared or damaged value (FILETIME 1, say), nor
// after 9999-12-31T23:59:59.9999999Z, where RFC 3339, --at and every
// clock Windows keeps in practice end (a FILETIME of 2^63 or more is not
// even one Windows converts to a date: such a time is a damaged value).
// The last-written record that gives "now" and dump's last-written
// record (Stats.LastWrittenID) are chosen among records whose
// TimeCreated passes; windows and queries still compare any time as it
// is (a damaged far-future time lies after every window's start), and
// reports that print a time UsableTime refuses say it is implausible
// (Implausible).
func UsableTime(t time.Time) bool {
	return usableFT(TimeToFiletime(t))
}

// usableFT is UsableTime of the time of FILETIME ft.
func usableFT(ft uint64) bool { return ft >= minUsableFT && ft <= maxUsableFT }

// minUsableFT and maxUsableFT are MinUsableTime and maxUsableTime as
// FILETIMEs; filetimeZero is the time of FILETIME 0.
var (
	filetimeZero = FiletimeToTime(0)
	minUsableFT  = TimeToFiletime(MinUsableTime)
	maxUsableFT  = TimeToFiletime(maxUsableTime)
)

// Implausible says why t, a record's time that is not the zero time nor
// FILETIME 0 (which mean no time), does not place its record in time
// (UsableTime), for a report that prints it beside t: "implausible:
// before 1980, taken for a cleared or damaged value" or "implausible: after the
// year 9999, a damaged value"; "" when UsableTime(t), or t is no time.
// A time before 1601, which a SYSTEMTIME holds and no FILETIME does
// (TimeToFiletime makes it 0), is before 1980 too, not FILETIME 0.
func Implausible(t time.Time) string {
	ft := TimeToFiletime(t)
	switch {
	case t.IsZero() || t.Equal(filetimeZero):
		return ""
	case ft < minUsableFT:
		return "implausible: before 1980, taken for a cleared or damaged value"
	case ft > maxUsableFT:
		return "implausible: after the year 9999, a damaged value"
	}
	return ""
}

// FormatEventTime is FormatTime for a record's time printed for people:
// a time UsableTime refuses is followed by why (Implausible), as
// "1601-01-01T00:00:00.0000001Z (implausible: before 1980, taken for a
// cleared or damaged value)".
func FormatEventTime(t time.Time) string {
	if why := Implausible(t); why != "" {
		return FormatTime(t) + " (" + why + ")"
	}
	return FormatTime(t)
}

// filetimeEpochDelta is the number of 100 ns intervals between 1601-01-01
// and 1970-01-01.
const filetimeEpochDelta = 116444736000000000

// FiletimeToTime converts a Windows FILETIME (100 ns intervals since
// 1601-01-01 UTC) to a UTC time.Time without loss of precision.
func FiletimeToTime(ft uint64) time.Time {
	// Split to avoid overflow of int64 nanoseconds for far dates.
	secs := int64(ft/10000000) - filetimeEpochDelta/10000000
	nsec := int64(ft%10000000) * 100
	return time.Unix(secs, nsec).UTC()
}

// TimeToFiletime converts t to a Windows FILETIME (truncated to 100 ns).
// Times before 1601 return 0, and times after the largest FILETIME
// (2^64-1, in the year 60056; a SYSTEMTIME reaches the year 65535) return
// it, rather than a FILETIME that wrapped around to a time before them.
func TimeToFiletime(t time.Time) uint64 {
	secs := t.Unix() + filetimeEpochDelta/10000000
	if secs < 0 {
		return 0
	}
	const maxSecs = math.MaxUint64 / 10000000
	hns := uint64(t.Nanosecond() / 100)
	if uint64(secs) > maxSecs || uint64(secs) == maxSecs && hns > math.MaxUint64%10000000 {
		return math.MaxUint64
	}
	return uint64(secs)*10000000 + hns
}
