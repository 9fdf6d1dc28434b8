package rawpath

import (
	"encoding/base64"
	"slices"
	"testing"
)

// TestBase64: "" for valid UTF-8, the exact bytes otherwise; two names
// that differ only in invalid bytes get different values that decode to
// each name.
func TestBase64(t *testing.T) {
	for _, p := range []string{"", "System.evtx", "/mnt/disk/Système.evtx"} {
		if got := Base64(p); got != "" {
			t.Errorf("Base64(%q) = %q, want \"\"", p, got)
		}
	}
	a, b := "bad\xff\xfename.evtx", "bad\xfe\xffname.evtx"
	ea, eb := Base64(a), Base64(b)
	if ea == "" || ea == eb {
		t.Fatalf("Base64: %q and %q", ea, eb)
	}
	for name, e := range map[string]string{a: ea, b: eb} {
		if d, err := base64.StdEncoding.DecodeString(e); err != nil || string(d) != name {
			t.Errorf("%q decodes to %q, %v; want %q", e, d, err, name)
		}
	}
	if got := List([]string{"ok.evtx", a}); !slices.Equal(got, []string{"", ea}) {
		t.Errorf("List = %q", got)
	}
	if got := List([]string{"ok.evtx"}); got != nil {
		t.Errorf("List of valid names = %q, want nil", got)
	}
}
