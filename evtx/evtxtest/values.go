package evtxtest

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// appendUTF16 appends s as UTF-16LE without a terminator.
func appendUTF16(dst []byte, s string) []byte {
	for _, u := range utf16.Encode([]rune(s)) {
		dst = binary.LittleEndian.AppendUint16(dst, u)
	}
	return dst
}

// utf16Len is the number of UTF-16 code units of s.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// appendValue appends the substitution value encoding of v (MS-EVEN6
// §2.2.18 value types): strings UTF-16LE without terminator, integers little
// endian, booleans 4 bytes, GUIDs in their mixed-endian binary form, SIDs in
// binary form, FILETIME as 8 bytes, SYSTEMTIME as 16 bytes. String arrays
// hold NUL-terminated strings. Null values are empty.
func appendValue(dst []byte, v evtx.Value) ([]byte, error) {
	if v.Kind.IsArray() {
		for i, e := range v.Array {
			if e.Kind != v.Kind.Base() {
				return nil, fmt.Errorf("evtxtest: array of %v has element %d of kind %v", v.Kind, i, e.Kind)
			}
			var err error
			dst, err = appendValue(dst, e)
			if err != nil {
				return nil, err
			}
			switch e.Kind {
			case evtx.KindString:
				dst = append(dst, 0, 0)
			case evtx.KindAnsiString:
				dst = append(dst, 0)
			}
		}
		return dst, nil
	}
	le := binary.LittleEndian
	switch v.Kind {
	case evtx.KindNull:
		return dst, nil
	case evtx.KindString:
		return appendUTF16(dst, v.Str), nil
	case evtx.KindAnsiString:
		return append(dst, v.Str...), nil
	case evtx.KindInt8:
		return append(dst, byte(int8(v.Int))), nil
	case evtx.KindUint8:
		return append(dst, byte(v.Uint)), nil
	case evtx.KindInt16:
		return le.AppendUint16(dst, uint16(int16(v.Int))), nil
	case evtx.KindUint16:
		return le.AppendUint16(dst, uint16(v.Uint)), nil
	case evtx.KindInt32:
		return le.AppendUint32(dst, uint32(int32(v.Int))), nil
	case evtx.KindUint32, evtx.KindHexInt32:
		return le.AppendUint32(dst, uint32(v.Uint)), nil
	case evtx.KindInt64:
		return le.AppendUint64(dst, uint64(v.Int)), nil
	case evtx.KindUint64, evtx.KindHexInt64, evtx.KindSizeT:
		return le.AppendUint64(dst, v.Uint), nil
	case evtx.KindReal32:
		return le.AppendUint32(dst, math.Float32bits(float32(v.Float))), nil
	case evtx.KindReal64:
		return le.AppendUint64(dst, math.Float64bits(v.Float)), nil
	case evtx.KindBool:
		b := uint32(0)
		if v.Uint != 0 {
			b = 1
		}
		return le.AppendUint32(dst, b), nil
	case evtx.KindBinary:
		return append(dst, v.Bytes...), nil
	case evtx.KindGUID:
		g, err := parseGUID(v.Str)
		if err != nil {
			return nil, err
		}
		return append(dst, g[:]...), nil
	case evtx.KindFileTime:
		return le.AppendUint64(dst, evtx.TimeToFiletime(v.Time)), nil
	case evtx.KindSysTime:
		t := v.Time.UTC()
		for _, f := range []int{t.Year(), int(t.Month()), int(t.Weekday()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond() / 1e6} {
			dst = le.AppendUint16(dst, uint16(f))
		}
		return dst, nil
	case evtx.KindSID:
		s, err := parseSID(v.Str)
		if err != nil {
			return nil, err
		}
		return append(dst, s...), nil
	}
	return nil, fmt.Errorf("evtxtest: cannot write a value of kind %v", v.Kind)
}

// parseGUID parses "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" (braces
// optional, any case) into the on-disk GUID layout: Data1, Data2, Data3
// little endian, Data4 as is.
func parseGUID(s string) ([16]byte, error) {
	var g [16]byte
	t := strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return g, fmt.Errorf("evtxtest: bad GUID %q", s)
	}
	raw, err := hex.DecodeString(t[0:8] + t[9:13] + t[14:18] + t[19:23] + t[24:])
	if err != nil {
		return g, fmt.Errorf("evtxtest: bad GUID %q", s)
	}
	g[0], g[1], g[2], g[3] = raw[3], raw[2], raw[1], raw[0]
	g[4], g[5] = raw[5], raw[4]
	g[6], g[7] = raw[7], raw[6]
	copy(g[8:], raw[8:])
	return g, nil
}

// parseSID parses "S-1-5-21-..." into the binary SID: revision, sub
// authority count, 48-bit big-endian identifier authority, little-endian
// 32-bit sub authorities.
func parseSID(s string) ([]byte, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || (parts[0] != "S" && parts[0] != "s") || len(parts)-3 > 15 {
		return nil, fmt.Errorf("evtxtest: bad SID %q", s)
	}
	rev, err := strconv.ParseUint(parts[1], 10, 8)
	if err != nil {
		return nil, fmt.Errorf("evtxtest: bad SID %q", s)
	}
	auth, err := evtx.ParseUint(parts[2])
	if err != nil || auth >= 1<<48 {
		return nil, fmt.Errorf("evtxtest: bad SID %q", s)
	}
	b := []byte{byte(rev), byte(len(parts) - 3)}
	for i := 5; i >= 0; i-- {
		b = append(b, byte(auth>>(8*i)))
	}
	for _, p := range parts[3:] {
		sub, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("evtxtest: bad SID %q", s)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(sub))
	}
	return b, nil
}
