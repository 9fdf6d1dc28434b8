package xpath

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// keywordsEvent is schannel36870 with other Keywords, EventRecordID and
// EventData values of 64 bits.
func keywordsEvent(kw, recordID uint64) *evtx.Event {
	ev := schannel36870(refTime.Add(-time.Hour))
	ev.System.Keywords = kw
	ev.System.EventRecordID = recordID
	ev.EventData = []evtx.Field{
		{Name: "Hex", Value: str("0x" + strconv.FormatUint(kw, 16))},
		{Name: "Dec", Value: str(strconv.FormatUint(kw, 10))},
		{Name: "Big", Value: evtx.Value{Kind: evtx.KindUint64, Uint: kw}},
		{Name: "Neg", Value: evtx.Value{Kind: evtx.KindInt64, Int: -int64(recordID)}},
		{Name: "Ratio", Value: evtx.Value{Kind: evtx.KindReal64, Float: 0.5}},
	}
	ev.Root = nil
	return finish(ev)
}

// TestExactIntegerComparisons: Keywords, EventRecordID, FILETIMEs and
// the other 64-bit integers of an event compare with a number as
// integers, exactly, as MS-EVEN6 2.2.15.2 has them (UINT64 and 64-bit
// bitfield values, converted from a literal by its syntax; doc.go,
// "64-bit numbers"), not as float64, which holds 53 bits: 0x8000000000000001
// and 0x8000000000000000 are the same float64. The float64 evaluator
// gave the wrong answer in 28 of these rows.
func TestExactIntegerComparisons(t *testing.T) {
	const two63 = uint64(1) << 63
	k0 := keywordsEvent(two63, 1<<53)       // 0x8000000000000000, 9007199254740992
	k1 := keywordsEvent(two63+1, 1<<53+1)   // 0x8000000000000001, 9007199254740993
	k2004 := keywordsEvent(two63+0x2004, 7) // the classic-event keywords of many System logs
	max := keywordsEvent(math.MaxUint64, math.MaxUint64)
	low := keywordsEvent(1, 1)
	ft := int64(evtx.TimeToFiletime(k0.System.TimeCreated))
	d := int64(1<<53 + 993) // 100 ns units: 900719925474.1985 ms, beyond float64's 53 bits
	cases := []struct {
		q    string
		ev   *evtx.Event
		want bool
	}{
		{`*[System[Keywords=9223372036854775809]]`, k0, false},
		{`*[System[Keywords=9223372036854775809]]`, k1, true},
		{`*[System[Keywords!=9223372036854775809]]`, k0, true},
		{`*[System[Keywords=9223372036854775808]]`, k1, false},
		{`*[System[Keywords>9223372036854775808]]`, k1, true},
		{`*[System[Keywords>9223372036854775808]]`, k0, false},
		{`*[System[Keywords<9223372036854775809]]`, k0, true},
		{`*[System[Keywords>=9223372036854775809]]`, k0, false},
		{`*[System[9223372036854775809 > Keywords]]`, k0, true},
		{`*[System[Keywords=9223372036854784005]]`, k2004, false},
		{`*[System[Keywords=9223372036854784004]]`, k2004, true},
		{`*[System[Keywords>9223372036854784004]]`, k2004, false},
		// A literal with a fraction: its integer part is read exactly.
		{`*[System[Keywords=9223372036854775809.0]]`, k1, true},
		{`*[System[Keywords=9223372036854775809.0]]`, k0, false},
		{`*[System[Keywords=9223372036854775808.5]]`, k0, false},
		{`*[System[Keywords>9223372036854775808.5]]`, k1, true},
		{`*[System[Keywords<9223372036854775808.5]]`, k0, true},
		{`*[System[Keywords<9223372036854775809.00000000000000000001]]`, k1, true},
		// 2^64 is above every 64-bit value; float64(MaxUint64) is 2^64.
		{`*[System[Keywords=18446744073709551616]]`, max, false},
		{`*[System[Keywords<18446744073709551616]]`, max, true},
		{`*[System[Keywords=18446744073709551615]]`, max, true},
		{`*[System[Keywords<18446744073709551615]]`, max, false},
		// EventRecordID (UInt64) and an EventData UInt64 past 2^53.
		{`*[System[EventRecordID=9007199254740993]]`, k0, false},
		{`*[System[EventRecordID=9007199254740993]]`, k1, true},
		{`*[EventData[Data[@Name='Big']=9223372036854775809]]`, k0, false},
		{`*[EventData[Data[@Name='Big'] > Data[@Name='Dec']]]`, k1, false},
		{`*[EventData[Data[@Name='Neg'] < '-9007199254740992']]`, k1, true},
		// Text read as a number: decimal and 0x hexadecimal, exactly.
		{`*[EventData[Data[@Name='Hex']=9223372036854775808]]`, k1, false},
		{`*[EventData[Data[@Name='Hex']=9223372036854775809]]`, k1, true},
		{`*[EventData[Data[@Name='Dec']=9223372036854775808]]`, k1, false},
		{`*[EventData[Data[@Name='Dec'] > 9223372036854775808]]`, k1, true},
		{`*[EventData[Data[@Name='Hex'] = Data[@Name='Big']]]`, k1, false}, // = of two nodes compares text
		{`*[EventData[Data[@Name='Hex'] >= Data[@Name='Big']]]`, k1, true},
		{`*[EventData[Data[@Name='Dec'] > '9223372036854775808']]`, k1, true},
		{`*[EventData[Data[@Name='Ratio'] < 0.50000000000000001]]`, k1, false}, // the literal's double is 0.5
		// A FILETIME compared with a number, to the 100 ns.
		{`*[System/TimeCreated[@SystemTime=` + itoa64(ft+1) + `]]`, k0, false},
		{`*[System/TimeCreated[@SystemTime=` + itoa64(ft) + `]]`, k0, true},
		{`*[System/TimeCreated[@SystemTime<` + itoa64(ft+1) + `]]`, k0, true},
		// timediff in milliseconds, exactly: t2 - t1 is 900719925474.1985 ms.
		{`*[System/TimeCreated[timediff(@SystemTime, ` + itoa64(ft+d) + `) = 900719925474.1985]]`, k0, true},
		{`*[System/TimeCreated[timediff(@SystemTime, ` + itoa64(ft+d) + `) > 900719925474.1984]]`, k0, true},
		{`*[System/TimeCreated[timediff(@SystemTime, ` + itoa64(ft+d) + `) < 900719925474.1986]]`, k0, true},
		{`*[System/TimeCreated[timediff(@SystemTime, ` + itoa64(ft+1) + `) = 0.0001]]`, k0, true},
		// band() reads the literal's integer exactly; a literal that is
		// not an integer of 0..2^64-1 is no bitfield, as the text "1.5"
		// of an event is none.
		{`*[System[band(Keywords, 9223372036854775809.0)]]`, low, true},
		{`*[System[band(Keywords, 9223372036854775809)]]`, low, true},
		{`*[System[band(Keywords, 1.5)]]`, low, false},
		{`*[System[band(Keywords, 1.0)]]`, low, true},
		{`*[System[band(Keywords, 18446744073709551616)]]`, max, false},
		{`*[System[band(Keywords, 18446744073709551615)]]`, max, true},
	}
	for _, c := range cases {
		q, err := Compile(c.q)
		if err != nil {
			t.Errorf("Compile(%q): %v", c.q, err)
			continue
		}
		if got := q.Match(c.ev, refTime); got != c.want {
			t.Errorf("%s on Keywords %#x, EventRecordID %d: Match = %v, want %v", c.q, c.ev.System.Keywords, c.ev.System.EventRecordID, got, c.want)
		}
	}
}

// TestStrictStaysDouble: strict mode (XPath 1.0 over the XML text, the
// reference lxml is compared with) still compares IEEE doubles, so the
// differential test keeps its meaning: there 9007199254740993 is
// 9007199254740992.
func TestStrictStaysDouble(t *testing.T) {
	k0 := keywordsEvent(1<<63, 1<<53)
	for q, want := range map[string]bool{
		`*[System[EventRecordID=9007199254740993]]`:                     true,
		`*[EventData[Data[@Name='Dec']=9223372036854775809]]`:           true,
		`*[EventData[Data[@Name='Dec'] > '9223372036854775807']]`:       false,
		`*[System[EventRecordID=9007199254740992.0000000000000000001]]`: true,
	} {
		strict := *MustCompile(q)
		strict.xnum = xpathNumber
		if got := strict.Match(k0, refTime); got != want {
			t.Errorf("strict %s: %v, want %v", q, got, want)
		}
	}
}

// exactRat is n as a rational, and whether n is exact.
func exactRat(n number) (*big.Rat, bool) {
	if !n.exact {
		return nil, false
	}
	r := new(big.Rat).SetFrac(new(big.Int).SetUint64(n.mag), big.NewInt(1))
	r.Add(r, new(big.Rat).SetFloat64(n.frac))
	if n.neg {
		r.Neg(r)
	}
	return r, true
}

// TestNumberCompareProperty: number.compare orders numbers as their exact
// rational values do (math/big), over integers near the 2^53 and 2^63
// boundaries, doubles, decimal and hexadecimal texts, millisecond
// differences, NaN and infinities; and a number read from a decimal text
// has the text's integer part exactly.
func TestNumberCompareProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 64))
	edges := []uint64{0, 1, 1<<53 - 1, 1 << 53, 1<<53 + 1, 1<<63 - 1, 1 << 63, 1<<63 + 1, math.MaxUint64 - 1, math.MaxUint64}
	gen := func() (number, string) {
		u := edges[rng.IntN(len(edges))]
		if rng.IntN(3) == 0 {
			u = rng.Uint64() >> rng.IntN(64)
		}
		switch rng.IntN(9) {
		case 0:
			return uintNumber(u), "uint " + strconv.FormatUint(u, 10)
		case 1:
			i := int64(u)
			return intNumber(i), "int " + strconv.FormatInt(i, 10)
		case 2:
			f := float64(u) * (rng.Float64() - 0.5)
			return floatNumber(f), "float " + strconv.FormatFloat(f, 'g', -1, 64)
		case 3:
			s := strconv.FormatUint(u, 10)
			if rng.IntN(2) == 0 {
				s = "-" + s
			}
			if rng.IntN(2) == 0 {
				s += "." + strconv.Itoa(rng.IntN(1000))
			}
			return typedNumber(" " + s + "\n"), "text " + s
		case 4:
			s := "0x" + strconv.FormatUint(u, 16)
			return typedNumber(s), "text " + s
		case 5:
			d := int64(u)
			return msNumber(d), "ms of " + strconv.FormatInt(d, 10)
		case 6:
			return floatNumber(math.Inf(1 - 2*rng.IntN(2))), "inf"
		case 7:
			return typedNumber("18446744073709551616" + strings.Repeat("0", rng.IntN(3))), "2^64 or more"
		}
		return nanNumber, "NaN"
	}
	// value is the number's exact value, or ±Inf/NaN for the others.
	cmpRef := func(a, b number) (int, bool) {
		if a.isNaN() || b.isNaN() {
			return 0, false
		}
		ra, ea := exactRat(a)
		rb, eb := exactRat(b)
		switch {
		case ea && eb:
			return ra.Cmp(rb), true
		case ea:
			return -int(math.Copysign(1, b.f)), true
		case eb:
			return int(math.Copysign(1, a.f)), true
		}
		return big.NewFloat(a.f).Cmp(big.NewFloat(b.f)), true
	}
	for range 200000 {
		a, as := gen()
		b, bs := gen()
		c, ok := a.compare(b)
		wc, wok := cmpRef(a, b)
		if c != wc || ok != wok {
			t.Fatalf("%s vs %s: compare = %d, %v; exact %d, %v", as, bs, c, ok, wc, wok)
		}
		if a.exact && (a.frac < 0 || a.frac >= 1 || a.neg && a.mag == 0 && a.frac == 0) {
			t.Fatalf("%s: not normal: %+v", as, a)
		}
	}
	for _, s := range []string{"9223372036854775809", "9223372036854775809.0", "18446744073709551615.999999999999999999999", "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001", "-0.0", "-0", ".5", "5."} {
		n, ok := decimalNumber(s)
		want, _ := new(big.Rat).SetString(s)
		r, exact := exactRat(n)
		ip := new(big.Int).Quo(want.Num(), want.Denom())
		if !ok || !exact || new(big.Int).Abs(ip).Cmp(new(big.Int).SetUint64(n.mag)) != 0 || (want.Sign() == 0) != (r.Sign() == 0) || want.Sign() != r.Sign() {
			t.Errorf("decimalNumber(%q) = %+v (%v, exact %v); want the value %s", s, n, ok, exact, want.FloatString(30))
		}
	}
}
