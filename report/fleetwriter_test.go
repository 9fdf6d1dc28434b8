package report

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestFleetWriterWritesWriteFleetBytes: FleetWriter, which renders each
// report into a temporary file as it is added and keeps only the summary
// rows, writes the bytes WriteFleet writes from every report held, in
// every format: machines with findings, one not analysed (an engine
// error), a machine name and data with control characters, inputs not
// read, and one machine or none. It leaves no temporary file behind.
func TestFleetWriterWritesWriteFleetBytes(t *testing.T) {
	var reports []*Report
	for _, name := range []string{"healthy", "several", "healthy"} {
		b, err := os.ReadFile("testdata/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		r, err := ReadJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r.Machine = &Machine{Name: "vm-" + name + "\x1b[2J\u202e"}
		reports = append(reports, r)
	}
	reports[2].Warnings = append(reports[2].Warnings, "a warning with \x1b]0;title\x07 in it")
	errs := []string{"", "", "rules: no readable log"}
	notRead := []string{"stat /mnt/vm3\n: no such file or directory"}
	for _, c := range []struct {
		name    string
		reports []*Report
		errs    []string
		notRead []string
	}{
		{"three", reports, errs, notRead},
		{"one", reports[:1], errs[:1], nil},
		{"none", nil, nil, notRead},
	} {
		for _, f := range []Format{FormatText, FormatMarkdown, FormatJSON, FormatJSONL} {
			fl := NewFleet(c.reports, c.errs)
			fl.NotRead = c.notRead
			var want bytes.Buffer
			if err := WriteFleet(&want, fl, f); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var got bytes.Buffer
			fw, err := NewFleetWriter(&got, f, dir)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range c.reports {
				if err := fw.Add(r, c.errs[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := fw.Close(c.notRead); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				g, w := got.String(), want.String()
				i := 0
				for i < len(g) && i < len(w) && g[i] == w[i] {
					i++
				}
				t.Errorf("%s, %s: %d bytes, WriteFleet %d; first difference at %d: %q, want %q", c.name, f, len(g), len(w), i, g[max(0, i-40):min(len(g), i+40)], w[max(0, i-40):min(len(w), i+40)])
			}
			if f != FormatJSONL && len(c.reports) > 0 && !strings.Contains(got.String(), "vm-healthy") {
				t.Errorf("%s, %s: the reports are not in the document", c.name, f)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
				t.Errorf("%s, %s: temporary files left: %q", c.name, f, left)
			}
		}
	}
}

// TestFleetWriterUnknownFormat: an unknown format is an error, as in
// WriteFleet, and creates no file.
func TestFleetWriterUnknownFormat(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewFleetWriter(&bytes.Buffer{}, Format("xml"), dir); err == nil {
		t.Error("no error for format xml")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
		t.Errorf("temporary files left: %q", left)
	}
}

// TestFleetWriterHoldsNoReport: the reports added to a FleetWriter are
// not kept: 300 reports decoded one at a time and added leave the heap,
// after a collection, at less than a quarter of what the same 300 reports
// take when held, as evtxrdp analyze held them for text, Markdown and
// JSON until it wrote the document (2,000 machines: 240 MiB in text, 1.7
// GiB in JSON).
func TestFleetWriterHoldsNoReport(t *testing.T) {
	raw, err := os.ReadFile("testdata/several.json")
	if err != nil {
		t.Fatal(err)
	}
	decode := func() *Report {
		r, err := ReadJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		r.Machine = &Machine{Name: "vm"}
		return r
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const n = 300
	base := heap()
	var held []*Report
	for range n {
		held = append(held, decode())
	}
	holding := heap() - base
	runtime.KeepAlive(held)
	held = nil
	for _, f := range []Format{FormatText, FormatJSON} {
		base = heap()
		fw, err := NewFleetWriter(io.Discard, f, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for range n {
			if err := fw.Add(decode(), ""); err != nil {
				t.Fatal(err)
			}
		}
		grown := heap() - min(base, heap())
		if grown*4 > holding {
			t.Errorf("%s: the heap grew by %d bytes over %d reports added; holding them takes %d", f, grown, n, holding)
		}
		if err := fw.Close(nil); err != nil {
			t.Fatal(err)
		}
	}
}
