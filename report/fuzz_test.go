package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzReadJSON checks the report readers on any bytes: ReadJSON and
// ReadFleetJSON never both take a document; whatever either takes is
// written in every format without a panic or an error (a report read back
// from JSON is what a forensics tool feeds the writers); and its JSON
// reads back and writes the same bytes again.
func FuzzReadJSON(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"schema_version":"` + SchemaVersion + `","machines":[],"reports":[]}`))
	f.Add([]byte(`{"schema_version":"` + SchemaVersion + `","findings":[{}],"inputs":[{}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, rerr := ReadJSON(bytes.NewReader(b))
		fl, ferr := ReadFleetJSON(bytes.NewReader(b))
		if rerr == nil && ferr == nil {
			t.Fatalf("both ReadJSON and ReadFleetJSON take %q", b)
		}
		if rerr == nil {
			for _, f := range []Format{FormatText, FormatMarkdown, FormatJSON, FormatJSONL} {
				if err := Write(io.Discard, r, f); err != nil {
					t.Fatalf("Write(%s) of a report ReadJSON took: %v", f, err)
				}
			}
			var first, again bytes.Buffer
			if err := WriteJSON(&first, r); err != nil {
				t.Fatal(err)
			}
			back, err := ReadJSON(bytes.NewReader(first.Bytes()))
			if err != nil {
				t.Fatalf("WriteJSON's output does not read back: %v\n%s", err, first.Bytes())
			}
			if err := WriteJSON(&again, back); err != nil || !bytes.Equal(first.Bytes(), again.Bytes()) {
				t.Fatalf("the report does not write the same JSON twice (%v):\n%s\n%s", err, first.Bytes(), again.Bytes())
			}
		}
		if ferr == nil {
			for _, f := range []Format{FormatText, FormatMarkdown, FormatJSON, FormatJSONL} {
				if err := WriteFleet(io.Discard, fl, f); err != nil {
					t.Fatalf("WriteFleet(%s) of a document ReadFleetJSON took: %v", f, err)
				}
			}
			var first, again bytes.Buffer
			if err := WriteFleet(&first, fl, FormatJSON); err != nil {
				t.Fatal(err)
			}
			back, err := ReadFleetJSON(bytes.NewReader(first.Bytes()))
			if err != nil {
				t.Fatalf("WriteFleet's JSON does not read back: %v\n%s", err, first.Bytes())
			}
			if err := WriteFleet(&again, back, FormatJSON); err != nil || !bytes.Equal(first.Bytes(), again.Bytes()) {
				t.Fatalf("the fleet document does not write the same JSON twice (%v)", err)
			}
		}
	})
}

// FuzzReportText plants a fuzzed string in every string field of real
// reports (times and the schema version aside) and checks that the text
// and Markdown reports written from them stay inert: no control character
// but the line feed, no DEL, C1 control, line or paragraph separator or
// bidirectional override or isolate, and valid UTF-8 (EscapeText's
// promise: values from a possibly compromised machine cannot drive the
// terminal or forge lines).
func FuzzReportText(f *testing.F) {
	for _, s := range []string{"plain", "a\x1b[31mred", "line\nforged: DETECTED", "cr\rover", "\u202egnp.exe", "\u009b2J", "\xff\xfe", "| cell | break |", "# heading", "`code`", "tab\there", "\u2028sep"} {
		f.Add(s, uint8(0))
	}
	var docs [][]byte
	for _, name := range []string{"healthy", "several", "edge", "outside-window", "dirty-uncounted-chunk"} {
		b, err := os.ReadFile("testdata/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		docs = append(docs, b)
	}
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		var doc any
		if err := json.Unmarshal(docs[int(which)%len(docs)], &doc); err != nil {
			t.Fatal(err)
		}
		n := 0
		doc = plant(doc, "", s, &n)
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ReadJSON(bytes.NewReader(b))
		if err != nil {
			return // a field that must hold something else (a verdict, a format)
		}
		// The timeline's events without a TimeCreated, named by file and
		// provider (the seed documents hold none, nor a timeline).
		if r.Timeline == nil {
			r.Timeline = []TimelineLine{}
		}
		r.TimelineUntimed = 3
		r.TimelineUntimedEvents = []Event{{File: s, Provider: s, EventRecordID: 7, RecordID: 7}, {File: "x", Provider: s, RecordID: 9}}
		for _, f := range []Format{FormatText, FormatMarkdown} {
			var out bytes.Buffer
			if err := Write(&out, r, f); err != nil {
				t.Fatalf("Write(%s): %v", f, err)
			}
			if bad, at := unsafeText(out.String()); bad != "" {
				t.Fatalf("%s report with %q planted in %d fields writes %s at byte %d:\n%s", f, s, n, bad, at, out.String())
			}
		}
		// The same report as two machines of a fleet, the string also
		// a machine's name, its error and an input not read.
		r.Machine = &Machine{Name: s, Computers: []string{s}, Grouping: []string{s}}
		fl := NewFleet([]*Report{r, r}, []string{"", s})
		fl.NotRead = []string{s}
		for _, f := range []Format{FormatText, FormatMarkdown} {
			var out bytes.Buffer
			if err := WriteFleet(&out, fl, f); err != nil {
				t.Fatalf("WriteFleet(%s): %v", f, err)
			}
			if bad, at := unsafeText(out.String()); bad != "" {
				t.Fatalf("%s fleet with %q planted writes %s at byte %d:\n%s", f, s, bad, at, out.String())
			}
		}
	})
}

// plant returns v with s in every string field but the schema version
// and the times (strings that parse as RFC 3339), counting them in n.
func plant(v any, key, s string, n *int) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = plant(e, k, s, n)
		}
	case []any:
		for i, e := range x {
			x[i] = plant(e, key, s, n)
		}
	case string:
		if _, err := time.Parse(time.RFC3339Nano, x); err == nil || key == "schema_version" {
			return x
		}
		*n++
		return s
	}
	return v
}

// unsafeText returns what of out a terminal or a ticket would act on, and
// its byte offset, or "".
func unsafeText(out string) (string, int) {
	for i, r := range out {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(out[i:], "\uFFFD"):
			return "a byte that is not UTF-8", i
		case r < 0x20 && r != '\n', r == 0x7f, r >= 0x80 && r <= 0x9f:
			return fmt.Sprintf("control character %U", r), i
		case r == 0x2028 || r == 0x2029 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			return fmt.Sprintf("separator or bidirectional control %U", r), i
		}
	}
	return "", 0
}
