package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// encoderIndented is the plain path encodeIndented replaces: the
// encoder's own indentation.
func encoderIndented(t testing.TB, v any, prefix, indent string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent(prefix, indent)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawJSON is a value whose MarshalJSON writes white space, which the
// encoder compacts.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// TestIndentJSONEqualsEncoder: encodeIndented writes the bytes of
// json.Encoder with SetIndent, for the reports and fleet documents of
// testdata (each written as WriteJSON, FleetWriter and WriteFleet indent
// them) and for crafted values: empty and nested objects and arrays,
// strings holding brackets, commas, colons, escaped quotes and
// backslashes, HTML and non-ASCII characters, numbers and literals at the
// top, and a MarshalJSON with white space.
func TestIndentJSONEqualsEncoder(t *testing.T) {
	var values []any
	paths, _ := filepath.Glob("testdata/*.json")
	if len(paths) == 0 {
		t.Fatal("no testdata/*.json")
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := ReadJSON(bytes.NewReader(b)); err == nil {
			values = append(values, r, &Fleet{SchemaVersion: SchemaVersion, Tool: "evtxrdp", Reports: []*Report{r, r}})
		} else if fl, err := ReadFleetJSON(bytes.NewReader(b)); err == nil {
			values = append(values, fl)
		} else {
			t.Fatalf("%s reads as neither a report nor a fleet document", p)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		values = append(values, v)
	}
	values = append(values,
		map[string]any{}, []any{}, map[string]any{"a": []any{}, "b": map[string]any{}, "c": []any{[]any{}, map[string]any{"": nil}}},
		[]string{`{`, `}`, `[`, `]`, `,`, `:`, `"`, `\`, `\"`, `\\`, `a\"b,c:d`, "<&>", "é\u2028\u202e\x01\t\n", ""},
		map[string]string{`k"e,y:`: `v}a]l{`, `\`: `\\`},
		[]any{1, -2.5e-10, true, false, nil, "x"},
		struct {
			A []int
			B map[string]int
			C *int
			D rawJSON
			E rawJSON
		}{D: rawJSON(" { \"x\" : [ 1 , 2 , { } , [ ] ] , \"y\" : \" a b \" } "), E: rawJSON(` [ ] `)},
		"a string", 42, 3.25, true, nil, rawJSON(" [ ] "),
	)
	n := 0
	for _, v := range values {
		for _, pi := range [][2]string{{"", "  "}, {"    ", "  "}, {"", "\t"}, {">", ""}} {
			want := encoderIndented(t, v, pi[0], pi[1])
			got, err := encodeIndented(v, pi[0], pi[1])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("encodeIndented(%q, %q) differs from the encoder's:\n%s\nwant:\n%s", pi[0], pi[1], got, want)
			}
			n++
		}
	}
	t.Logf("%d encodings compared", n)
}

// FuzzIndentJSON: indentJSON of any valid JSON text, compacted and
// followed by a newline (as json.Encoder writes it), equals json.Indent
// of it.
func FuzzIndentJSON(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.json")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "", "  ")
	}
	f.Add([]byte(`{"a":[{},[],{"b":"\"}]"}],"c":"\\"}`), "    ", "  ")
	f.Add([]byte(` [ 1 , "x" , null ] `), "", "\t")
	f.Add([]byte(`"top"`), "p", "i")
	f.Fuzz(func(t *testing.T, b []byte, prefix, indent string) {
		if !json.Valid(b) {
			return
		}
		var c bytes.Buffer
		if err := json.Compact(&c, b); err != nil {
			t.Fatal(err)
		}
		c.WriteByte('\n')
		var want bytes.Buffer
		want.WriteString("kept")
		if err := json.Indent(&want, c.Bytes(), prefix, indent); err != nil {
			t.Fatal(err)
		}
		if got := indentJSON([]byte("kept"), c.Bytes(), prefix, indent); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("indentJSON(%q, %q, %q):\n%q\njson.Indent:\n%q", c.Bytes(), prefix, indent, got, want.Bytes())
		}
	})
}
