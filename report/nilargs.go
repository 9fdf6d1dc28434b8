package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNilArg is what the package's functions return (errors.Is) when given
// a nil io.Writer, io.Reader, *Report or *Fleet, or called on a
// FleetWriter that NewFleetWriter did not make: a programming error
// reported as an error rather than a nil-pointer panic. The error's text
// names the argument.
var ErrNilArg = errors.New("report: nil argument")

// errNoFleetWriter is Add's and Close's error on the zero FleetWriter.
var errNoFleetWriter = fmt.Errorf("%w: FleetWriter not made by NewFleetWriter", ErrNilArg)

// nilArgs is the Write functions' check of their arguments.
func nilArgs(w io.Writer, r *Report) error {
	if w == nil || r == nil {
		return fmt.Errorf("%w: %s", ErrNilArg, nilNames(w == nil, "io.Writer", r == nil, "*Report"))
	}
	return nil
}

// nilNames names the nil ones of two arguments.
func nilNames(aNil bool, a string, bNil bool, b string) string {
	var n []string
	if aNil {
		n = append(n, a)
	}
	if bNil {
		n = append(n, b)
	}
	return strings.Join(n, " and ")
}
