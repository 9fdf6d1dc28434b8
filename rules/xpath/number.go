package xpath

import (
	"math"
	"strconv"
)

// number is a number of the evaluation, held exactly where its source
// is exact: the 64-bit integers of an event (Keywords, EventRecordID, a
// FILETIME, a UInt64 or Int64 value), integers written as text in it
// (decimal or 0x hexadecimal), number literals, and timediff's t2 − t1
// in milliseconds. A float64 holds 53 bits, so that Keywords
// 0x8000000000000001 and 0x8000000000000000 would be one number; the
// Windows filter's data model has UINT64 and 64-bit bitfield values
// beside Double (MS-EVEN6 2.2.15.2, see doc.go, "64-bit numbers").
//
// An exact number is ±(mag + frac): mag is the integer part of its
// magnitude, frac the fraction in [0, 1) (as near as a float64 holds it:
// the fraction of a literal or a text, of a real value, of a timediff).
// Any other number (NaN, ±Inf, a magnitude of 2^64 or more) is held as
// the float64 f: beyond every exact one.
type number struct {
	f     float64 // !exact: the value
	exact bool
	neg   bool    // exact: negative (never for zero)
	mag   uint64  // exact: integer part of the magnitude
	frac  float64 // exact: fraction of the magnitude, in [0, 1)
	// ms marks a timediff whose exact value has a fraction of a
	// millisecond: Windows may read it as its floor or ceiling
	// (readings; doc.go, "timediff").
	ms bool
}

var nanNumber = number{f: math.NaN()}

// uintNumber returns u exactly.
func uintNumber(u uint64) number { return number{exact: true, mag: u} }

// intNumber returns i exactly.
func intNumber(i int64) number {
	if i < 0 {
		return number{exact: true, neg: true, mag: uint64(-(i + 1)) + 1}
	}
	return number{exact: true, mag: uint64(i)}
}

// floatNumber returns f: exactly when it is finite and of a magnitude
// below 2^64 (the integer part and fraction of a float64 are exact).
func floatNumber(f float64) number {
	a := math.Abs(f)
	if math.IsNaN(f) || a >= 1<<64 {
		return number{f: f}
	}
	t := math.Trunc(a)
	return number{exact: true, neg: f < 0 && a != 0, mag: uint64(t), frac: a - t}
}

// boolNumber is XPath's number(boolean): 1 or 0.
func boolNumber(b bool) number {
	if b {
		return uintNumber(1)
	}
	return uintNumber(0)
}

// isNaN reports whether n is NaN.
func (n number) isNaN() bool { return !n.exact && math.IsNaN(n.f) }

// isTrue is XPath's boolean(number): neither zero nor NaN.
func (n number) isTrue() bool {
	if n.exact {
		return n.mag != 0 || n.frac != 0
	}
	return !math.IsNaN(n.f)
}

// integer returns n when it is an integer of 0 to 2^64−1.
func (n number) integer() (uint64, bool) {
	return n.mag, n.exact && !n.neg && n.frac == 0
}

// float returns n as a float64 (rounded).
func (n number) float() float64 {
	if !n.exact {
		return n.f
	}
	f := float64(n.mag) + n.frac
	if n.neg {
		return -f
	}
	return f
}

// compare returns −1, 0 or +1 as a is less than, equal to or greater
// than b, exactly; ok is false when either is NaN (unordered).
func (a number) compare(b number) (c int, ok bool) {
	if a.isNaN() || b.isNaN() {
		return 0, false
	}
	switch {
	case a.exact && b.exact:
		if a.neg != b.neg {
			if a.neg {
				return -1, true
			}
			return 1, true
		}
		switch {
		case a.mag < b.mag:
			c = -1
		case a.mag > b.mag:
			c = 1
		case a.frac < b.frac:
			c = -1
		case a.frac > b.frac:
			c = 1
		}
		if a.neg {
			c = -c
		}
		return c, true
	case a.exact: // b is ±Inf or of a magnitude beyond every exact number
		if b.f > 0 {
			return -1, true
		}
		return 1, true
	case b.exact:
		if a.f > 0 {
			return 1, true
		}
		return -1, true
	}
	switch {
	case a.f < b.f:
		return -1, true
	case a.f > b.f:
		return 1, true
	}
	return 0, true
}

// compareNumbers applies op to a and b: a comparison with NaN is false,
// except != (XPath 1.0, IEEE 754). A timediff with a fraction of a
// millisecond compares as each of its readings: op holds when it holds
// for one of them (doc.go, "timediff").
func compareNumbers(a, b number, op cmpOp) bool {
	as, na := a.readings()
	bs, nb := b.readings()
	for _, x := range as[:na] {
		for _, y := range bs[:nb] {
			c, ok := x.compare(y)
			if !ok {
				if op == cmpNe {
					return true
				}
				continue
			}
			if op.holds(c) {
				return true
			}
		}
	}
	return false
}

// readings returns the values Windows may give n: n itself and, for a
// timediff with a fraction of a millisecond (n.ms), the whole
// milliseconds on either side of it, toward and away from zero. Which
// one Windows computes (the exact quotient, truncated, rounded, or the
// difference of two times each cut to whole milliseconds, which lies
// within a millisecond of the exact one) is not documented.
func (n number) readings() ([3]number, int) {
	if !n.ms || !n.exact || n.frac == 0 {
		return [3]number{n}, 1
	}
	in := number{exact: true, neg: n.neg && n.mag != 0, mag: n.mag}
	out := number{exact: true, neg: n.neg, mag: n.mag + 1}
	return [3]number{n, in, out}, 3
}

// decimalNumber reads the XPath 1.0 Number syntax (digits with an
// optional fraction; "5.", ".5"), with an optional leading minus,
// exactly: the integer part as an integer, the fraction to float64
// precision (never 0 when a digit of it is not, never 1). ok is false
// when s is not of that syntax.
func decimalNumber(s string) (n number, ok bool) {
	k := 0
	if k < len(s) && s[k] == '-' {
		k++
	}
	i := k
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	intPart := s[i:k]
	var fracPart string
	if k < len(s) && s[k] == '.' {
		k++
		j := k
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		fracPart = s[j:k]
	}
	if k != len(s) || intPart == "" && fracPart == "" {
		return nanNumber, false
	}
	neg := s[0] == '-'
	mag := uint64(0)
	if intPart != "" {
		u, err := strconv.ParseUint(intPart, 10, 64)
		if err != nil { // 2^64 or more: beyond every exact number
			f, _ := strconv.ParseFloat(s, 64)
			return number{f: f}, true
		}
		mag = u
	}
	frac := 0.0
	for _, c := range []byte(fracPart) {
		if c != '0' {
			frac, _ = strconv.ParseFloat("0."+fracPart, 64)
			frac = max(frac, math.SmallestNonzeroFloat64) // not below the digits
			frac = min(frac, math.Nextafter(1, 0))        // nor rounded up to 1
			break
		}
	}
	return number{exact: true, neg: neg && (mag != 0 || frac != 0), mag: mag, frac: frac}, true
}

// typedNumber reads text as a number for a typed comparison (see
// doc.go, Evaluation): the XPath Number syntax with an optional minus,
// or a 0x-prefixed hexadecimal integer of at most 64 bits (the text of
// HexInt32/HexInt64 values), white space around it allowed; anything
// else is NaN.
func typedNumber(s string) number {
	t := trimSpace(s)
	if n, ok := decimalNumber(t); ok {
		return n
	}
	if len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		if u, err := strconv.ParseUint(t[2:], 16, 64); err == nil {
			return uintNumber(u)
		}
	}
	return nanNumber
}

// trimSpace trims XML white space (XPath's number() allows it around).
func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

// msNumber returns d hundreds of nanoseconds in milliseconds, exactly
// in its integer part (d / 10000) and to float64 precision in its
// fraction, marked as a timediff (ms: see readings).
func msNumber(d int64) number {
	n := intNumber(d)
	n.frac = float64(n.mag%10000) / 10000
	n.mag /= 10000
	n.neg = n.neg && (n.mag != 0 || n.frac != 0)
	n.ms = n.frac != 0
	return n
}
