package evtx

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// fixedSize returns the byte size of a fixed-size value kind, or 0.
func fixedSize(k Kind) int {
	switch k {
	case KindInt8, KindUint8:
		return 1
	case KindInt16, KindUint16:
		return 2
	case KindInt32, KindUint32, KindReal32, KindBool, KindHexInt32:
		return 4
	case KindInt64, KindUint64, KindReal64, KindFileTime, KindHexInt64:
		return 8
	case KindGUID, KindSysTime:
		return 16
	}
	return 0
}

// decodeValue decodes a substitution value of kind k from b (b is not
// retained). pos is the chunk offset of b, for error messages. A
// fixed-size value whose size does not match its kind is kept as binary.
func decodeValue(k Kind, b []byte, pos int) (Value, error) {
	if k.IsArray() {
		return decodeArray(k, b, pos)
	}
	switch k {
	case KindNull:
		return Value{}, nil
	case KindString, KindEvtXML:
		return Value{Kind: k, Str: trimNUL(decodeUTF16(b))}, nil
	case KindAnsiString:
		return Value{Kind: k, Str: trimNUL(decodeANSI(b))}, nil
	case KindSizeT:
		switch len(b) {
		case 4:
			return Value{Kind: k, Uint: uint64(binary.LittleEndian.Uint32(b))}, nil
		case 8:
			return Value{Kind: k, Uint: binary.LittleEndian.Uint64(b)}, nil
		}
		return binaryValue(b), nil
	case KindSID:
		s, n, ok := decodeSID(b)
		if !ok || n != len(b) {
			return binaryValue(b), nil
		}
		return Value{Kind: k, Str: s}, nil
	case KindBinary, KindEvtHandle:
		return Value{Kind: k, Bytes: append([]byte(nil), b...)}, nil
	}
	if n := fixedSize(k); n > 0 {
		if len(b) != n {
			return binaryValue(b), nil
		}
		return decodeFixed(k, b), nil
	}
	// Unknown kinds keep their bytes.
	return Value{Kind: k, Bytes: append([]byte(nil), b...)}, nil
}

func binaryValue(b []byte) Value {
	return Value{Kind: KindBinary, Bytes: append([]byte(nil), b...)}
}

// decodeFixed decodes a fixed-size kind; len(b) == fixedSize(k).
func decodeFixed(k Kind, b []byte) Value {
	v := Value{Kind: k}
	switch k {
	case KindInt8:
		v.Int = int64(int8(b[0]))
	case KindUint8:
		v.Uint = uint64(b[0])
	case KindInt16:
		v.Int = int64(int16(binary.LittleEndian.Uint16(b)))
	case KindUint16:
		v.Uint = uint64(binary.LittleEndian.Uint16(b))
	case KindInt32:
		v.Int = int64(int32(binary.LittleEndian.Uint32(b)))
	case KindUint32, KindHexInt32:
		v.Uint = uint64(binary.LittleEndian.Uint32(b))
	case KindInt64:
		v.Int = int64(binary.LittleEndian.Uint64(b))
	case KindUint64, KindHexInt64:
		v.Uint = binary.LittleEndian.Uint64(b)
	case KindReal32:
		v.Float = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	case KindReal64:
		v.Float = math.Float64frombits(binary.LittleEndian.Uint64(b))
	case KindBool:
		if binary.LittleEndian.Uint32(b) != 0 {
			v.Uint = 1
		}
	case KindGUID:
		v.Str = formatGUID(b)
	case KindFileTime:
		v.Time = FiletimeToTime(binary.LittleEndian.Uint64(b))
	case KindSysTime:
		v.Time = systemTime(b)
	}
	return v
}

// decodeArray splits an array value into its elements: strings on NUL
// terminators, fixed-size kinds by element size, SIDs one after another.
func decodeArray(k Kind, b []byte, pos int) (Value, error) {
	base := k.Base()
	v := Value{Kind: k}
	switch base {
	case KindString:
		for len(b) >= 2 {
			i := 0
			for i+1 < len(b) && (b[i] != 0 || b[i+1] != 0) {
				i += 2
			}
			v.Array = append(v.Array, Value{Kind: base, Str: decodeUTF16(b[:i])})
			if i+2 > len(b) {
				break
			}
			b = b[i+2:]
		}
		return v, nil
	case KindAnsiString:
		for len(b) > 0 {
			i := 0
			for i < len(b) && b[i] != 0 {
				i++
			}
			v.Array = append(v.Array, Value{Kind: base, Str: decodeANSI(b[:i])})
			if i+1 > len(b) {
				break
			}
			b = b[i+1:]
		}
		return v, nil
	case KindSID:
		for len(b) > 0 {
			s, n, ok := decodeSID(b)
			if !ok {
				return binaryValue(b), nil
			}
			v.Array = append(v.Array, Value{Kind: base, Str: s})
			b = b[n:]
		}
		return v, nil
	case KindSizeT:
		size := 8
		if len(b)%8 != 0 {
			size = 4
		}
		if len(b)%size != 0 {
			return binaryValue(b), nil
		}
		v.Array = make([]Value, 0, len(b)/size)
		for ; len(b) > 0; b = b[size:] {
			e, _ := decodeValue(base, b[:size], pos)
			v.Array = append(v.Array, e)
		}
		return v, nil
	}
	size := fixedSize(base)
	if size == 0 || len(b)%size != 0 {
		return binaryValue(b), nil
	}
	v.Array = make([]Value, 0, len(b)/size)
	for ; len(b) > 0; b = b[size:] {
		v.Array = append(v.Array, decodeFixed(base, b[:size]))
	}
	return v, nil
}

func trimNUL(s string) string { return strings.TrimRight(s, "\x00") }

// cp1252 maps the bytes 0x80-0x9f of Windows code page 1252 (the default
// ANSI code page of the samples; evtxexport's default too); other bytes map
// to the same code point (Latin-1).
var cp1252 = [32]rune{
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
}

// decodeANSI converts Windows-1252 bytes to UTF-8.
func decodeANSI(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		r := rune(c)
		if c >= 0x80 && c < 0xa0 {
			r = cp1252[c-0x80]
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out)
}

const hexUpper = "0123456789ABCDEF"

// formatGUID renders a 16-byte GUID as "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}".
func formatGUID(b []byte) string {
	var s [38]byte
	s[0] = '{'
	i := 1
	put := func(x byte) {
		s[i] = hexUpper[x>>4]
		s[i+1] = hexUpper[x&15]
		i += 2
	}
	for _, j := range [4]int{3, 2, 1, 0} {
		put(b[j])
	}
	s[i] = '-'
	i++
	put(b[5])
	put(b[4])
	s[i] = '-'
	i++
	put(b[7])
	put(b[6])
	s[i] = '-'
	i++
	put(b[8])
	put(b[9])
	s[i] = '-'
	i++
	for j := 10; j < 16; j++ {
		put(b[j])
	}
	s[i] = '}'
	return string(s[:])
}

// decodeSID parses a binary SID: revision, sub-authority count, 6-byte
// big-endian authority, 32-bit sub-authorities. It returns the string form
// and the bytes used.
func decodeSID(b []byte) (string, int, bool) {
	if len(b) < 8 {
		return "", 0, false
	}
	n := int(b[1])
	size := 8 + 4*n
	if size > len(b) {
		return "", 0, false
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	s := make([]byte, 0, 16+11*n)
	s = append(s, "S-"...)
	s = strconv.AppendUint(s, uint64(b[0]), 10)
	s = append(s, '-')
	if auth >= 1<<32 {
		s = append(s, "0x"...)
		for _, c := range b[2:8] {
			s = append(s, hexUpper[c>>4], hexUpper[c&15])
		}
	} else {
		s = strconv.AppendUint(s, auth, 10)
	}
	for i := 0; i < n; i++ {
		s = append(s, '-')
		s = strconv.AppendUint(s, uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10)
	}
	return string(s), size, true
}

// systemTime converts a 16-byte SYSTEMTIME (year, month, day of week, day,
// hour, minute, second, milliseconds) to UTC.
func systemTime(b []byte) time.Time {
	u := func(i int) int { return int(binary.LittleEndian.Uint16(b[2*i:])) }
	return time.Date(u(0), time.Month(u(1)), u(3), u(4), u(5), u(6), u(7)*1e6, time.UTC)
}
