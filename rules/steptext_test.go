package rules

import (
	"regexp"
	"testing"
)

// TestBuiltinStepTextsNameNoFixedDrive: a built-in step's prose, which an
// engineer follows by hand, names no path on a fixed drive letter (C:\temp,
// D:\...): the VM's system drive need not be C: and a recovery VM's
// attached disk never is (%SystemDrive%, %TEMP% or a variable the step
// sets instead), as the steps' commands already do. "not always
// C:\Windows" says so rather than naming a path to use, and is allowed.
// The service step's Process Monitor trace named c:\temp\ProcMonTrace.PML.
func TestBuiltinStepTextsNameNoFixedDrive(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	fixed := regexp.MustCompile(`(?i)(^|[^%\w])[a-z]:\\`)
	n := 0
	for _, r := range rs {
		for _, s := range r.Resolution {
			n++
			for _, m := range fixed.FindAllStringIndex(s.Text, -1) {
				if at := m[0]; at >= len("not always ") && s.Text[at-len("not always")+1:at+1] == "not always " {
					continue
				}
				t.Errorf("%s/%s: the text names a path on a fixed drive at %q", r.ID, s.ID, s.Text[m[0]:min(len(s.Text), m[1]+30)])
			}
		}
	}
	if n < 20 {
		t.Fatalf("%d steps read: the test reads too few", n)
	}
}
