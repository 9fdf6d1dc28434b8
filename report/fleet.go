package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/internal/rawpath"
)

// Machine says which machine a report is about and how the inputs were
// grouped into it (package fleet).
type Machine struct {
	// Name is the Computer value of the machine's newest record; for
	// forwarded events or a machine whose logs name no computer, a label
	// that says so.
	Name string `json:"name"`
	// Computers are the host names its logs carry, oldest first (several
	// after a rename, or for forwarded events).
	Computers []string `json:"computers,omitempty"`
	// Forwarded is set for one log whose records name several computers,
	// interleaved: analysed as one log, not split.
	Forwarded bool `json:"forwarded,omitempty"`
	// Grouping says, for people, how the logs were grouped and why.
	Grouping []string `json:"grouping"`
	// Logs are the machine's logs, each with its copies.
	Logs []MachineLog `json:"logs"`
}

// MachineLog is one log of a machine: one file, or copies of one log read
// as one (each record counted once).
type MachineLog struct {
	Channel string `json:"channel"`
	// Read is false for logs of channels no rule reads (read no further
	// than the first record, which names the channel) and
	// for logs none of whose copies could be opened.
	Read bool `json:"read"`
	// Records counts the distinct records of all copies (when Read).
	Records int `json:"records"`
	// Copies lists the files, the one read first first.
	Copies []Copy `json:"copies"`
}

// Copy is one file holding a log.
type Copy struct {
	Path string `json:"path"`
	// PathBase64 is Path's bytes in base64 when Path is not valid UTF-8
	// (SCHEMA.md).
	PathBase64 string `json:"path_base64,omitempty"`
	// Records counts its records; Added those no copy before it holds.
	Records int `json:"records"`
	Added   int `json:"added"`
	// Untimed counts those of Records without a usable TimeCreated
	// (fleet.Copy.Untimed): counted, placed in no time when grouping;
	// omitted when 0.
	Untimed int `json:"untimed,omitempty"`
	// SameFile: the same file as an earlier copy by another path (a link);
	// not read again.
	SameFile bool `json:"same_file,omitempty"`
}

// NewMachine converts a machine found by package fleet. It panics if m
// is nil.
func NewMachine(m *fleet.Machine) *Machine {
	rm := &Machine{Name: m.Label(), Computers: m.Computers, Forwarded: m.Forwarded, Grouping: m.Grouping, Logs: []MachineLog{}}
	if rm.Grouping == nil {
		rm.Grouping = []string{}
	}
	for _, l := range m.Logs {
		ml := MachineLog{Channel: l.Channel, Read: l.Read, Records: l.Records, Copies: []Copy{}}
		for _, c := range l.Copies {
			ml.Copies = append(ml.Copies, Copy{Path: c.Path, PathBase64: rawpath.Base64(c.Path), Records: c.Records, Added: c.Added, Untimed: c.Untimed, SameFile: c.SameFile})
		}
		rm.Logs = append(rm.Logs, ml)
	}
	return rm
}

// Fleet is the document for the inputs of several machines: a summary
// row per machine, then each machine's report, in the same order.
type Fleet struct {
	SchemaVersion string       `json:"schema_version"`
	Tool          string       `json:"tool"`
	Machines      []FleetEntry `json:"machines"`
	Reports       []*Report    `json:"reports"`
	// NotRead lists the inputs given that could not be read at all
	// (Report.NotRead); omitted when none.
	NotRead []string `json:"not_read,omitempty"`
}

// FleetEntry is a machine's row of the fleet summary.
type FleetEntry struct {
	Machine string `json:"machine"`
	// Detected and Possible list the rule ids with those verdicts.
	Detected []string `json:"detected"`
	Possible []string `json:"possible"`
	// NotChecked lists the rule ids not checked (a log absent, unreadable
	// or starting inside the window; every rule when no log could be
	// read): the summary table counts them, so that a machine not
	// analysed is not taken for one with nothing found.
	NotChecked []string `json:"not_checked"`
	// NewestEvent is the TimeCreated of the machine's last-written record
	// (of each log read, the one with the highest record number; the
	// latest of them): when it last logged, its reference time unless
	// --at gives one. Never a record header time, which exported logs
	// borrow or leave 0, nor a later TimeCreated of a clock that ran ahead
	// (also a log's last-written record written then: Input.ClockAhead).
	NewestEvent string `json:"newest_event"`
	// Error says why no log of the machine could be read ("" otherwise).
	Error string `json:"error,omitempty"`
}

// NewFleet builds the fleet document from per-machine reports (each with
// Machine set) and the engine errors of each ("" when none).
func NewFleet(reports []*Report, errs []string) *Fleet {
	fl := &Fleet{SchemaVersion: SchemaVersion, Tool: "evtxrdp", Machines: []FleetEntry{}, Reports: reports}
	for i, r := range reports {
		e := ""
		if i < len(errs) {
			e = errs[i]
		}
		fl.Machines = append(fl.Machines, newFleetEntry(r, e))
	}
	return fl
}

// newFleetEntry is the summary row of report r, with the engine error e
// ("" when none).
func newFleetEntry(r *Report, e string) FleetEntry {
	fe := FleetEntry{Detected: []string{}, Possible: []string{}, NotChecked: []string{}, Error: e}
	if r.Machine != nil {
		fe.Machine = r.Machine.Name
	}
	for _, f := range r.Findings {
		switch f.Verdict {
		case "detected":
			fe.Detected = append(fe.Detected, f.RuleID)
		case "possible":
			fe.Possible = append(fe.Possible, f.RuleID)
		case "not_checked":
			fe.NotChecked = append(fe.NotChecked, f.RuleID)
		}
	}
	for _, in := range r.Inputs {
		if lw := in.LastWritten; lw != nil && !in.ClockAhead && lw.Time > fe.NewestEvent {
			fe.NewestEvent = lw.Time
		}
	}
	return fe
}

// WriteFleet renders a fleet document: JSON as one object; text and
// Markdown as the summary table, then each machine's report; JSON Lines
// as one report per line. It holds every report; FleetWriter writes the
// same bytes holding only the summary rows.
func WriteFleet(w io.Writer, fl *Fleet, f Format) error {
	if w == nil || fl == nil {
		return fmt.Errorf("%w: WriteFleet(%s)", ErrNilArg, nilNames(w == nil, "io.Writer", fl == nil, "*Fleet"))
	}
	switch f {
	case FormatJSON:
		b, err := encodeIndented(fl, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(EscapeJSONUnsafe(b))
		return err
	case FormatJSONL:
		for _, r := range fl.Reports {
			if err := WriteJSONLine(w, r); err != nil {
				return err
			}
		}
		return nil
	}
	rules := make([]int, len(fl.Reports))
	for i, r := range fl.Reports {
		rules[i] = len(r.Findings)
	}
	return writeFleetDoc(w, fl.Machines, rules, fl.NotRead, f, func(i int) error {
		if f == FormatMarkdown {
			return WriteMarkdown(w, fl.Reports[i])
		}
		return WriteText(w, fl.Reports[i])
	})
}

// writeFleetDoc writes a text or Markdown fleet document: the summary
// table of the machines (rules[i]: how many rules machine i's report
// judged), the machines not analysed, the inputs not read, then each
// machine's header followed by its report, which report(i) writes.
func writeFleetDoc(w io.Writer, machines []FleetEntry, rules []int, notReadPaths []string, f Format, report func(i int) error) error {
	switch f {
	case FormatText:
		p := &printer{w: w, esc: true}
		p.printf("evtxrdp: RDP failure diagnosis of %s\n\n", plural.N(len(machines), "machine"))
		rows := [][]string{{"MACHINE", "DETECTED", "POSSIBLE", "NOT CHECKED", "NEWEST EVENT"}}
		cells := make([]string, len(machines))
		for i, e := range machines {
			cells[i] = fitCell(evtx.EscapeText(e.Machine), maxMachineCell)
		}
		for i, e := range machines {
			name := cells[i]
			sfx := sameNameSuffix(machines, i)
			if sfx == "" && cutAlike(cells, i) {
				// Two names cut to one cell ("(no computer name)
				// disk/Windows/System32/wine ... (+18 more)" of two
				// unreadable logs of one folder): numbered as
				// machines of one name are, which the sections'
				// headers name whole.
				sfx = fmt.Sprintf(" (machine %d of %d)", i+1, len(machines))
			}
			if sfx != "" {
				name = fitCell(evtx.EscapeText(e.Machine), maxMachineCell-len(sfx)) + sfx
			}
			rows = append(rows, []string{name, listOrDash(e.Detected), listOrDash(e.Possible), notChecked(e, rules[i]), orNone(e.NewestEvent)})
		}
		table(p, rows)
		sep := true
		for _, e := range machines {
			if e.Error != "" {
				if sep {
					p.line("")
					sep = false
				}
				p.printf("%s: not analysed: %s\n", e.Machine, e.Error)
			}
		}
		if len(notReadPaths) > 0 {
			p.line("")
			for _, n := range notReadPaths {
				p.wrapData("not read: ", n, textWidth)
			}
		}
		for i := range machines {
			if p.err != nil {
				return p.err
			}
			p.printf("\n\n######## Machine %d of %d: %s ########\n\n", i+1, len(machines), machines[i].Machine)
			if p.err == nil {
				p.err = report(i)
			}
		}
		return p.err
	case FormatMarkdown:
		p := &printer{w: w}
		p.printf("# evtxrdp: RDP failure diagnosis of %s\n\n", plural.N(len(machines), "machine"))
		p.line("| Machine | Detected | Possible | Not checked | Newest event |")
		p.line("|---|---|---|---|---|")
		for i, e := range machines {
			p.printf("| %s%s | %s | %s | %s | %s |\n", cell(e.Machine), sameNameSuffix(machines, i), cellList(e.Detected), cellList(e.Possible), notChecked(e, rules[i]), code(orNone(e.NewestEvent)))
		}
		for _, e := range machines {
			if e.Error != "" {
				p.printf("\n%s: not analysed: %s\n", code(e.Machine), mdEscape(e.Error))
			}
		}
		notRead(p, notReadPaths)
		for i := range machines {
			if p.err != nil {
				return p.err
			}
			p.printf("\n---\n\n<!-- machine %d of %d -->\n\n", i+1, len(machines))
			if p.err == nil {
				p.err = report(i)
			}
		}
		return p.err
	}
	return fmt.Errorf("report: unknown format %q", f)
}

// sameNameSuffix is what the summary row of machines[i] adds to its name
// when another row has the same name, ignoring case (two VMs built from one
// image, each its own machine): " (machine 2 of 3)", the section that
// names its logs; "" otherwise.
// cutAlike reports whether the cell of machine i, cut (fitCell), reads
// as another machine's cell.
func cutAlike(cells []string, i int) bool {
	for j, c := range cells {
		if j != i && strings.EqualFold(c, cells[i]) {
			return true
		}
	}
	return false
}

func sameNameSuffix(machines []FleetEntry, i int) string {
	for j, e := range machines {
		if j != i && strings.EqualFold(e.Machine, machines[i].Machine) {
			return fmt.Sprintf(" (machine %d of %d)", i+1, len(machines))
		}
	}
	return ""
}

// ReadFleetJSON reads a fleet document written by WriteFleet with
// FormatJSON (analyze --format json of several machines). As ReadJSON, it
// rejects a schema version other than SchemaVersion, the document's or a
// report's, and ignores fields it does not know. It rejects a document
// without "machines" (the report of one machine: read it with ReadJSON)
// and anything but white space after the document. Errors start with
// "report: "; a nil rd is one (ErrNilArg).
func ReadFleetJSON(rd io.Reader) (*Fleet, error) {
	raw, err := readDocument(rd, true)
	if err != nil {
		return nil, err
	}
	var fl Fleet
	if err := json.Unmarshal(raw, &fl); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if fl.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("report: schema version %q (want %q)", fl.SchemaVersion, SchemaVersion)
	}
	for i, r := range fl.Reports {
		if r == nil || r.SchemaVersion != SchemaVersion {
			return nil, fmt.Errorf("report: machine %d of %d: not a report of schema version %q", i+1, len(fl.Reports), SchemaVersion)
		}
	}
	if len(fl.Machines) != len(fl.Reports) {
		return nil, fmt.Errorf("report: %s but %s", plural.N(len(fl.Machines), "machine"), plural.N(len(fl.Reports), "report"))
	}
	return &fl, nil
}

// WriteJSONLine writes r as one line of compact JSON (JSON Lines).
func WriteJSONLine(w io.Writer, r *Report) error {
	if err := nilArgs(w, r); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(EscapeJSONUnsafe(buf.Bytes()))
	return err
}

// maxMachineCell is the most columns the MACHINE cell of the text fleet
// table takes: a forwarded events log names every host it holds (60
// hosts: 1,200 characters), and the table pads every row to its widest
// cell. The machine's section header names it whole.
const maxMachineCell = 60

// fitCell returns s, or, when s takes more than max columns, its start
// followed by " ... (+N more)", N the characters left out, in max columns.
func fitCell(s string, max int) string {
	if columns(s) <= max {
		return s
	}
	rs := []rune(s)
	width := make([]int, len(rs)+1) // width[k]: columns of rs[:k]
	for i, r := range rs {
		width[i+1] = width[i] + columns(string(r))
	}
	for k := len(rs) - 1; k > 0; k-- {
		more := fmt.Sprintf(" ... (+%d more)", len(rs)-k)
		if width[k]+len(more) <= max {
			return string(rs[:k]) + more
		}
	}
	return s
}

// notChecked is the NOT CHECKED cell of a machine's row: "-", or how
// many of its rules were not checked ("3 of 14").
func notChecked(e FleetEntry, rules int) string {
	if len(e.NotChecked) == 0 {
		return "-"
	}
	return fmt.Sprintf("%d of %d", len(e.NotChecked), rules)
}

func listOrDash(l []string) string {
	if len(l) == 0 {
		return "-"
	}
	return strings.Join(l, ", ")
}

func cellList(l []string) string {
	if len(l) == 0 {
		return "-"
	}
	var cs []string
	for _, s := range l {
		cs = append(cs, cell(s))
	}
	return strings.Join(cs, ", ")
}
