package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
)

// FleetWriter writes the fleet document of WriteFleet, the same bytes,
// from reports given one at a time, holding in memory only each machine's
// summary row (FleetEntry) and the number of rules its report judged:
// each report is rendered when it is added, into a temporary file, and
// Close writes the document, the summary table first, then copies the
// renderings. A fleet document of 2,000 machines (one small System log
// each) held every report until the end: 240 MiB peak RSS in text, 1.7
// GiB in JSON, and past the command's soft memory limit the collector
// ran without pause (54 s, against 8.7 s for the same machines in JSON
// Lines). In JSON Lines each report is written when it is added.
//
// The zero value is not usable: NewFleetWriter makes one; Add and Close
// of the zero FleetWriter (or of a nil *FleetWriter) return an error
// wrapping ErrNilArg. A FleetWriter is not safe for concurrent use.
type FleetWriter struct {
	w        io.Writer
	f        Format
	spill    *os.File      // the reports rendered, one after another (not JSON Lines)
	buf      *bufio.Writer // writes to spill
	size     int64         // bytes written to spill
	ends     []int64       // the end offset in spill of each report's rendering
	machines []FleetEntry
	rules    []int // len(Report.Findings) of each report
	err      error
}

// NewFleetWriter returns a FleetWriter that writes the document in format
// f to w, its renderings kept in a temporary file of dir (os.TempDir when
// ""), which Close removes. The error is that of creating the file, or an
// unknown format, or ErrNilArg for a nil w.
func NewFleetWriter(w io.Writer, f Format, dir string) (*FleetWriter, error) {
	if w == nil {
		return nil, fmt.Errorf("%w: NewFleetWriter(io.Writer)", ErrNilArg)
	}
	fw := &FleetWriter{w: w, f: f}
	switch f {
	case FormatJSONL:
		return fw, nil
	case FormatJSON, FormatText, FormatMarkdown:
	default:
		return nil, fmt.Errorf("report: unknown format %q", f)
	}
	spill, err := os.CreateTemp(dir, "evtxrdp-fleet-*")
	if err != nil {
		return nil, fmt.Errorf("report: fleet document: %w", err)
	}
	fw.spill, fw.buf = spill, bufio.NewWriterSize(spill, 64<<10)
	return fw, nil
}

// Add adds the report of the next machine, with the engine error e of it
// ("" when none), as NewFleet takes them: r.Machine names the machine. It
// returns the first error met writing (every later call returns it too).
func (fw *FleetWriter) Add(r *Report, e string) error {
	if fw == nil || fw.w == nil {
		return errNoFleetWriter
	}
	if fw.err != nil {
		return fw.err
	}
	if r == nil {
		return fmt.Errorf("%w: FleetWriter.Add(*Report)", ErrNilArg)
	}
	if fw.f == FormatJSONL {
		fw.err = WriteJSONLine(fw.w, r)
		return fw.err
	}
	fw.machines = append(fw.machines, newFleetEntry(r, e))
	fw.rules = append(fw.rules, len(r.Findings))
	cw := &countWriter{w: fw.buf}
	switch fw.f {
	case FormatText:
		fw.err = WriteText(cw, r)
	case FormatMarkdown:
		fw.err = WriteMarkdown(cw, r)
	case FormatJSON:
		// As an element of the document's "reports" array, indented as
		// WriteFleet's encoder indents it there.
		var b []byte
		if b, fw.err = encodeIndented(r, "    ", "  "); fw.err == nil {
			_, fw.err = cw.Write(EscapeJSONUnsafe(bytes.TrimSuffix(b, []byte("\n"))))
		}
	}
	fw.size += cw.n
	fw.ends = append(fw.ends, fw.size)
	return fw.err
}

// Close writes the document, the inputs that could not be read at all
// (Fleet.NotRead) with it, and removes the temporary file. It returns the
// first error met.
func (fw *FleetWriter) Close(notRead []string) error {
	if fw == nil || fw.w == nil {
		return errNoFleetWriter
	}
	if fw.spill != nil {
		defer func() {
			fw.spill.Close()
			os.Remove(fw.spill.Name())
		}()
	}
	if fw.err != nil || fw.f == FormatJSONL {
		return fw.err
	}
	if err := fw.buf.Flush(); err != nil {
		return err
	}
	// segment copies report i's rendering to the document.
	var start int64
	segment := func(i int) error {
		end := fw.ends[i]
		_, err := io.Copy(fw.w, io.NewSectionReader(fw.spill, start, end-start))
		start = end
		return err
	}
	if fw.f != FormatJSON {
		return writeFleetDoc(fw.w, fw.machines, fw.rules, notRead, fw.f, segment)
	}
	// The document as WriteFleet encodes it, with one placeholder report
	// whose "null" the renderings replace.
	fl := &Fleet{SchemaVersion: SchemaVersion, Tool: "evtxrdp", Machines: fw.machines, NotRead: notRead}
	if fl.Machines == nil {
		fl.Machines = []FleetEntry{}
	}
	if len(fw.ends) > 0 {
		fl.Reports = []*Report{nil}
	}
	doc, err := encodeIndented(fl, "", "  ")
	if err != nil {
		return err
	}
	b := EscapeJSONUnsafe(doc)
	if len(fw.ends) == 0 {
		_, err := fw.w.Write(b)
		return err
	}
	const placeholder = "\"reports\": [\n    null\n  ]"
	at := bytes.Index(b, []byte(placeholder))
	if at < 0 {
		return fmt.Errorf("report: fleet document: no reports array in %q", b)
	}
	head := len(placeholder) - len("null\n  ]")
	if _, err := fw.w.Write(b[:at+head]); err != nil {
		return err
	}
	for i := range fw.ends {
		if i > 0 {
			if _, err := io.WriteString(fw.w, ",\n    "); err != nil {
				return err
			}
		}
		if err := segment(i); err != nil {
			return err
		}
	}
	_, err = fw.w.Write(b[at+len(placeholder)-len("\n  ]"):])
	return err
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
