package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestNilArgs calls the package's functions with nil arguments and the
// zero FleetWriter: each returns an error wrapping ErrNilArg that names
// the argument, and writes nothing; none panics. New and NewMachine,
// which have no error to return, are documented to panic on nil and
// checked to.
func TestNilArgs(t *testing.T) {
	var buf bytes.Buffer
	r := &Report{}
	tests := []struct {
		name string
		want string // in the error's text
		call func() error
	}{
		{"WriteText(nil w)", "io.Writer", func() error { return WriteText(nil, r) }},
		{"WriteText(nil r)", "*Report", func() error { return WriteText(&buf, nil) }},
		{"WriteMarkdown(nil, nil)", "io.Writer and *Report", func() error { return WriteMarkdown(nil, nil) }},
		{"WriteJSON(nil r)", "*Report", func() error { return WriteJSON(&buf, nil) }},
		{"WriteJSONLine(nil w)", "io.Writer", func() error { return WriteJSONLine(nil, r) }},
		{"Write(nil r)", "*Report", func() error { return Write(&buf, nil, FormatText) }},
		{"WriteFleet(nil fl)", "*Fleet", func() error { return WriteFleet(&buf, nil, FormatJSON) }},
		{"WriteFleet(nil w)", "io.Writer", func() error { return WriteFleet(nil, &Fleet{}, FormatText) }},
		{"ReadJSON(nil)", "io.Reader", func() error { _, err := ReadJSON(nil); return err }},
		{"ReadFleetJSON(nil)", "io.Reader", func() error { _, err := ReadFleetJSON(nil); return err }},
		{"NewFleetWriter(nil)", "io.Writer", func() error { _, err := NewFleetWriter(nil, FormatJSON, t.TempDir()); return err }},
		{"FleetWriter{}.Add", "NewFleetWriter", func() error { return (&FleetWriter{}).Add(r, "") }},
		{"FleetWriter{}.Close", "NewFleetWriter", func() error { return (&FleetWriter{}).Close(nil) }},
		{"(*FleetWriter)(nil).Close", "NewFleetWriter", func() error { return (*FleetWriter)(nil).Close(nil) }},
		{"FleetWriter.Add(nil)", "*Report", func() error {
			fw, err := NewFleetWriter(&buf, FormatJSONL, "")
			if err != nil {
				return err
			}
			return fw.Add(nil, "")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buf.Reset()
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panic: %v", p)
				}
			}()
			err := tc.call()
			if !errors.Is(err, ErrNilArg) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrNilArg naming %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Fatalf("wrote %q", buf.String())
			}
		})
	}
	for name, f := range map[string]func(){
		"New(nil)":        func() { New(nil) },
		"NewMachine(nil)": func() { NewMachine(nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic, as documented", name)
				}
			}()
			f()
		}()
	}
}
