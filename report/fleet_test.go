package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// TestFleetTableShowsUncheckedMachines: the summary table of several
// machines must tell a machine whose logs were not read, or whose rules
// were all not checked, from a machine with nothing found. Its rows gave
// "-" "-" for all three alike, so an engineer scanning a fleet's table
// took an unreadable disk for a healthy one. The NOT CHECKED column
// counts the rules not checked, and a machine with an error says why
// under the table; JSON gives the rule ids (not_checked).
func TestFleetTableShowsUncheckedMachines(t *testing.T) {
	finding := func(id, verdict string) Finding { return Finding{RuleID: id, Verdict: verdict} }
	mk := func(name string, fs ...Finding) *Report {
		return &Report{Machine: &Machine{Name: name}, Findings: fs}
	}
	fl := NewFleet([]*Report{
		mk("healthy", finding("a", "not_detected"), finding("b", "not_detected")),
		mk("half", finding("a", "detected"), finding("b", "not_checked")),
		mk("unread", finding("a", "not_checked"), finding("b", "not_checked")),
	}, []string{"", "", "rules: no readable log for the rules' channels"})

	var b bytes.Buffer
	if err := WriteFleet(&b, fl, FormatText); err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(b.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			if _, ok := rows[f[0]]; !ok {
				rows[f[0]] = strings.Join(f, " ")
			}
		}
	}
	for name, want := range map[string]string{
		"MACHINE": "MACHINE DETECTED POSSIBLE NOT CHECKED NEWEST EVENT",
		"healthy": "healthy - - - unknown",
		"half":    "half a - 1 of 2 unknown",
		"unread":  "unread - - 2 of 2 unknown",
	} {
		if rows[name] != want {
			t.Errorf("text row %q, want %q", rows[name], want)
		}
	}
	if !strings.Contains(b.String(), "\n\nunread: not analysed: rules: no readable log for the rules' channels\n") {
		t.Errorf("text: the unread machine's error is not said under the table:\n%s", b.String())
	}

	b.Reset()
	if err := WriteFleet(&b, fl, FormatMarkdown); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| Machine | Detected | Possible | Not checked | Newest event |", "| `unread` | - | - | 2 of 2 | `unknown` |",
		"`unread`: not analysed: rules: no readable log for the rules' channels"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}

	b.Reset()
	if err := WriteFleet(&b, fl, FormatJSON); err != nil {
		t.Fatal(err)
	}
	var back Fleet
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Machines[2].NotChecked; strings.Join(got, ",") != "a,b" {
		t.Errorf("json not_checked of unread = %q, want [a b]", got)
	}
	if got := back.Machines[0].NotChecked; got == nil || len(got) != 0 {
		t.Errorf("json not_checked of healthy = %#v, want []", got)
	}
}

// TestTableAlignsWideText: the columns of the text tables line up by the
// columns a terminal shows, not by bytes: a machine named from a folder
// "Müller-VM" (2 bytes per ü) or a computer name in CJK characters (3
// bytes, 2 columns each) shifted every later cell of its row.
func TestTableAlignsWideText(t *testing.T) {
	var b bytes.Buffer
	p := &printer{w: &b, esc: true}
	table(p, [][]string{
		{"MACHINE", "DETECTED", "NEWEST"},
		{"Müller-VM", "a", "x"},
		{"東京-VM", "b", "y"},
		{"plain", "c", "z"},
	})
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	col := func(l, cell string) int { return columns(l[:strings.Index(l, cell)]) }
	want := col(lines[0], "DETECTED")
	for i, c := range []string{"a", "b", "c"} {
		if got := col(lines[i+1], " "+c+" ") + 1; got != want {
			t.Errorf("row %q: DETECTED cell at column %d, want %d", lines[i+1], got, want)
		}
	}
	if columns("東京-VM") != 7 || columns("Müller") != 6 {
		t.Errorf("columns: %d, %d; want 7, 6", columns("東京-VM"), columns("Müller"))
	}
}

// TestFleetTableLongMachineName: the MACHINE cell of the text table is
// cut at maxMachineCell columns, with "..." and the number of characters
// left out; the machine's own section header names it whole. A forwarded
// events log of 60 hosts is named "forwarded events: web00..., ..."
// (1,200 characters), and every row of the table was padded to it.
func TestFleetTableLongMachineName(t *testing.T) {
	var hosts []string
	for i := range 60 {
		hosts = append(hosts, fmt.Sprintf("web%02d.contoso.com", i))
	}
	long := "forwarded events: " + strings.Join(hosts, ", ")
	fl := NewFleet([]*Report{{Machine: &Machine{Name: "AZ-RDPVM01"}}, {Machine: &Machine{Name: long}}}, nil)
	var b bytes.Buffer
	if err := WriteFleet(&b, fl, FormatText); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	for _, l := range lines[2:5] {
		if columns(l) > maxMachineCell+60 {
			t.Errorf("table line of %d columns: %.120s...", columns(l), l)
		}
	}
	row := lines[4]
	cell := long[:maxMachineCell-len(" ... (+1111 more)")] + " ... (+"
	if !strings.HasPrefix(row, cell) {
		t.Errorf("row %q, want it to start with %q", row, cell)
	}
	if !strings.Contains(b.String(), "######## Machine 2 of 2: "+long+" ########") {
		t.Error("the section header does not name the machine whole")
	}
}

// TestFitCellBoundary: a MACHINE cell of exactly maxMachineCell columns
// is kept whole, one column more is cut, and a cut cell, of narrow or
// wide (2-column) characters, takes at most maxMachineCell columns and
// says how many characters it left out.
func TestFitCellBoundary(t *testing.T) {
	for _, c := range []struct {
		s   string
		cut bool
	}{
		{strings.Repeat("a", 60), false},
		{strings.Repeat("a", 61), true},
		{strings.Repeat("語", 30), false},
		{strings.Repeat("語", 30) + "a", true},
		{strings.Repeat("語", 31), true},
	} {
		got := fitCell(c.s, maxMachineCell)
		if cut := got != c.s; cut != c.cut {
			t.Errorf("%d columns: cut %v, want %v (%q)", columns(c.s), cut, c.cut, got)
		}
		if columns(got) > maxMachineCell {
			t.Errorf("%d columns: cell of %d columns", columns(c.s), columns(got))
		}
		if c.cut {
			kept := got[:strings.Index(got, " ... (+")]
			left := []rune(c.s)[len([]rune(kept)):]
			if !strings.HasPrefix(c.s, kept) || !strings.HasSuffix(got, fmt.Sprintf(" ... (+%d more)", len(left))) {
				t.Errorf("%d columns: %q does not say the %d characters it left out", columns(c.s), got, len(left))
			}
			// Cut no shorter than it needs: a wide character may leave
			// one column over.
			if columns(got) < maxMachineCell-1 || (len(c.s) == len([]rune(c.s)) && columns(got) != maxMachineCell) {
				t.Errorf("%d columns: cell of %d columns, cut shorter than it needs", columns(c.s), columns(got))
			}
		}
	}
}

// TestReadFleetJSON: the several-machine JSON document reads back into a
// Fleet that writes the same bytes again, not_read included; a wrong
// schema version, of the document or of a report, and a document whose
// machines and reports differ in number are refused.
func TestReadFleetJSON(t *testing.T) {
	var reports []*Report
	for _, name := range []string{"healthy", "several"} {
		b, err := os.ReadFile("testdata/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		r, err := ReadJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r.Machine = &Machine{Name: "vm-" + name}
		reports = append(reports, r)
	}
	fl := NewFleet(reports, []string{"", "rules: no readable log"})
	fl.NotRead = []string{"stat /mnt/vm3: no such file or directory"}
	var first bytes.Buffer
	if err := WriteFleet(&first, fl, FormatJSON); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFleetJSON(bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := WriteFleet(&again, back, FormatJSON); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), again.Bytes()) {
		t.Errorf("the document does not read back to the same bytes (%d, then %d)", first.Len(), again.Len())
	}
	if len(back.Reports) != 2 || back.Machines[1].Error != "rules: no readable log" || back.NotRead[0] != fl.NotRead[0] {
		t.Errorf("read back %d reports, machines %+v, not_read %q", len(back.Reports), back.Machines, back.NotRead)
	}
	doc := first.String()
	for name, bad := range map[string]string{
		"document version": strings.Replace(doc, `"schema_version": "2"`, `"schema_version": "1"`, 1),
		"report version":   reportVersion(doc),
		"no reports":       `{"schema_version":"2","machines":[{"machine":"a"}],"reports":[]}`,
		"not json":         "machines",
	} {
		if _, err := ReadFleetJSON(strings.NewReader(bad)); err == nil || !strings.HasPrefix(err.Error(), "report: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// reportVersion returns the fleet document doc with its first report's
// schema version (the second in the text) changed.
func reportVersion(doc string) string {
	const v = `"schema_version": "2"`
	i := strings.Index(doc, v) + len(v)
	return doc[:i] + strings.Replace(doc[i:], v, `"schema_version": "9"`, 1)
}

// TestReadWrongDocument: analyze --format json writes a Report for one
// machine and a Fleet for several, and --format jsonl one Report per line.
// Each reader refuses the other's document and a second JSON value after
// the first, naming what to use, instead of returning an empty Report (the
// Fleet's fields are unknown to it and ignored), an empty Fleet, or the
// first line of a JSON Lines file alone.
func TestReadWrongDocument(t *testing.T) {
	one, err := os.ReadFile("testdata/healthy.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ReadJSON(bytes.NewReader(one))
	if err != nil {
		t.Fatal(err)
	}
	r.Machine = &Machine{Name: "vm-a"}
	var doc, lines bytes.Buffer
	if err := WriteFleet(&doc, NewFleet([]*Report{r, r}, []string{"", ""}), FormatJSON); err != nil {
		t.Fatal(err)
	}
	if err := WriteFleet(&lines, NewFleet([]*Report{r, r}, []string{"", ""}), FormatJSONL); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		read func(io.Reader) error
		in   []byte
		want string
	}{
		"ReadJSON of a fleet":     {readReport, doc.Bytes(), "ReadFleetJSON"},
		"ReadFleetJSON of report": {readFleet, one, "ReadJSON"},
		"ReadJSON of JSON Lines":  {readReport, lines.Bytes(), "one report per line"},
		"ReadFleetJSON of two":    {readFleet, append(doc.Bytes(), doc.Bytes()...), "more than one"},
	} {
		err := c.read(bytes.NewReader(c.in))
		if err == nil || !strings.HasPrefix(err.Error(), "report: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
	// What they accept: their own document, followed by white space.
	if _, err := ReadJSON(bytes.NewReader(append(one, "\n\n"...))); err != nil {
		t.Errorf("ReadJSON: %v", err)
	}
	if _, err := ReadFleetJSON(bytes.NewReader(doc.Bytes())); err != nil {
		t.Errorf("ReadFleetJSON: %v", err)
	}
}

func readReport(rd io.Reader) error { _, err := ReadJSON(rd); return err }
func readFleet(rd io.Reader) error  { _, err := ReadFleetJSON(rd); return err }

// TestFleetTableTellsSameNamedMachinesApart: two machines of one name
// (two VMs built from one image, each disk's System log covering the same
// days with other records) had two summary rows that said the same
// "AZ-RDPVM01", one with a finding and one without, and nothing told
// which disk was which. A row whose name another row has too says which
// machine section it is ("machine 2 of 3", the section header that names
// its logs); other rows stay as they are. The JSON keeps the names.
func TestFleetTableTellsSameNamedMachinesApart(t *testing.T) {
	mk := func(name, verdict string) *Report {
		return &Report{Machine: &Machine{Name: name}, Findings: []Finding{{RuleID: "a", Verdict: verdict}}}
	}
	fl := NewFleet([]*Report{mk("AZ-RDPVM01", "detected"), mk("vm2", "not_detected"), mk("az-rdpvm01", "not_detected")}, nil)
	var b bytes.Buffer
	if err := WriteFleet(&b, fl, FormatText); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nAZ-RDPVM01 (machine 1 of 3)  a ", "\nvm2  ", "\naz-rdpvm01 (machine 3 of 3)  - "} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "vm2 (machine") {
		t.Errorf("a name no other row has is marked:\n%s", b.String())
	}
	b.Reset()
	if err := WriteFleet(&b, fl, FormatMarkdown); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| `AZ-RDPVM01` (machine 1 of 3) | `a` |", "| `vm2` | - |", "| `az-rdpvm01` (machine 3 of 3) | - |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
	if fl.Machines[0].Machine != "AZ-RDPVM01" || fl.Machines[2].Machine != "az-rdpvm01" {
		t.Errorf("JSON names changed: %q", fl.Machines)
	}
}

// TestFitCellCutAlike: two machine names that differ only past the cut
// (two unreadable logs of one folder, "(no computer name)
// disk/Windows/System32/winevt/Logs/Empty.evtx" and ".../Notes.evtx")
// made two identical MACHINE cells; each now says which machine it is,
// as machines of one name do. Names that differ within the cell are left
// as they were.
func TestFitCellCutAlike(t *testing.T) {
	dir := "(no computer name) disk/Windows/System32/winevt/Logs/"
	names := []string{dir + "Empty.evtx", dir + "Notes.evtx", "AZ-RDPVM01"}
	var reps []*Report
	for _, n := range names {
		reps = append(reps, &Report{Machine: &Machine{Name: n}})
	}
	var b bytes.Buffer
	if err := WriteFleet(&b, NewFleet(reps, nil), FormatText); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(b.String(), "\n")[3:6]
	cells := map[string]bool{}
	for _, r := range rows {
		cell := strings.TrimSpace(r[:strings.Index(r, "  ")])
		if cells[cell] {
			t.Errorf("two rows read %q:\n%s", cell, strings.Join(rows, "\n"))
		}
		cells[cell] = true
	}
	if !strings.Contains(b.String(), "(machine 1 of 3)") || !strings.Contains(b.String(), "(machine 2 of 3)") || strings.Contains(b.String(), "AZ-RDPVM01 (machine") {
		t.Errorf("table:\n%s", strings.Join(rows, "\n"))
	}
}
