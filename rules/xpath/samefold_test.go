package xpath

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSameFoldIsEqualFold: sameFold's equal-text test never changes
// strings.EqualFold's answer: over provider names, their case variants,
// the runes that fold to ASCII (Kelvin sign, long s), invalid UTF-8 and
// random bytes, each compared with itself, a copy and the others.
func TestSameFoldIsEqualFold(t *testing.T) {
	in := []string{"", "Schannel", "SCHANNEL", "schannel", "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
		"microsoft-windows-terminalservices-remoteconnectionmanager", "\u212Aerberos", "Kerberos", "\u017Fchannel", "Schannel\xff", "\xff", "\xe2\x84"}
	rng := rand.New(rand.NewPCG(5, 8))
	pieces := []string{"a", "A", "k", "K", "\u212A", "s", "S", "\u017F", "\xff", "\xe2\x84", "é", "É", "-", " "}
	for range 500 {
		var b strings.Builder
		for range rng.IntN(8) {
			if rng.IntN(4) == 0 {
				b.WriteByte(byte(rng.IntN(256)))
			} else {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
		}
		in = append(in, b.String())
	}
	for _, a := range in {
		c := strings.Clone(a)
		for _, b := range append([]string{a, c}, in[:40]...) {
			if got, want := sameFold(a, b), strings.EqualFold(a, b); got != want {
				t.Errorf("sameFold(%q, %q) = %v, EqualFold %v", a, b, got, want)
			}
		}
	}
}
