package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/internal/shellword"
	"github.com/evtxrdp/evtxrdp/rules"
	"golang.org/x/text/width"
)

// Format is an output format.
type Format string

// Formats.
const (
	FormatText     Format = "text"
	FormatMarkdown Format = "markdown"
	FormatJSON     Format = "json"
	// FormatJSONL is JSON Lines: each report as one line of compact JSON
	// (one line per machine).
	FormatJSONL Format = "jsonl"
)

// ParseFormat returns the format named s ("md" is markdown).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "text", "txt":
		return FormatText, nil
	case "markdown", "md":
		return FormatMarkdown, nil
	case "json":
		return FormatJSON, nil
	case "jsonl", "ndjson":
		return FormatJSONL, nil
	}
	return "", fmt.Errorf("report: unknown format %q (want text, markdown, json or jsonl)", s)
}

// Write renders r in format f (WriteText, WriteMarkdown, WriteJSON or
// WriteJSONLine). The error is a failed write's, or, for a format that is
// none of those (ParseFormat checks a name), one naming it, before
// anything is written.
//
// A nil w or r is an error (ErrNilArg), for every Write function of this
// package, before anything is written.
func Write(w io.Writer, r *Report, f Format) error {
	switch f {
	case FormatText:
		return WriteText(w, r)
	case FormatMarkdown:
		return WriteMarkdown(w, r)
	case FormatJSON:
		return WriteJSON(w, r)
	case FormatJSONL:
		return WriteJSONLine(w, r)
	}
	return fmt.Errorf("report: unknown format %q", f)
}

// printer writes with a sticky error. With esc (the text format) every
// string argument of printf, every word of wrap and every table cell is
// escaped with evtx.EscapeText: values from the logs (event data, file
// and member names, computer names, error messages quoting them) cannot
// write control characters or line breaks; the format strings and the
// report's own line structure can.
type printer struct {
	w   io.Writer
	err error
	esc bool
}

func (p *printer) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	if p.esc {
		for i, a := range args {
			switch v := a.(type) {
			case string:
				args[i] = evtx.EscapeText(v)
			case error:
				args[i] = evtx.EscapeText(v.Error())
			}
		}
	}
	_, p.err = fmt.Fprintf(p.w, format, args...)
}

// line writes s and a line break; s is the report's own text (not
// escaped).
func (p *printer) line(s string) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, "%s\n", s)
}

// wrapData is wrap for a text that holds values from the logs (reasons,
// caveats, problems, errors): in the text format its line breaks are
// escaped too, so that it stays one paragraph.
func (p *printer) wrapData(first, s string, width int) {
	if p.esc {
		s = evtx.EscapeText(s)
	}
	p.wrap(first, s, width)
}

// wrap writes s as paragraphs of at most width columns: the first line
// starts with first, the others are indented as far. Each "\n" of s
// starts a paragraph (rule texts); in the text format words are escaped.
func (p *printer) wrap(first, s string, width int) {
	indent := strings.Repeat(" ", len(first))
	prefix := first
	for _, para := range strings.Split(s, "\n") {
		words := fields(para)
		if len(words) == 0 {
			continue
		}
		cur, empty := prefix, true
		for _, w := range words {
			if p.esc {
				w = evtx.EscapeText(w)
			}
			if !empty && columns(cur)+1+columns(w) > width {
				p.line(cur)
				cur, empty = indent, true
			}
			if !empty {
				cur += " "
			}
			cur += w
			empty = false
		}
		p.line(cur)
		prefix = indent
	}
}

const textWidth = 78

func verdictText(v string) string {
	switch v {
	case "detected":
		return "DETECTED"
	case "possible":
		return "POSSIBLE"
	case "resolved":
		return "resolved"
	case "not_detected":
		return "not detected"
	case "not_checked":
		return "NOT CHECKED"
	}
	return v
}

func windowText(sec int64) string {
	if sec%3600 == 0 && sec <= 2*86400 {
		return plural.N(int(sec/3600), "hour")
	}
	if sec%86400 == 0 {
		return plural.N(int(sec/86400), "day")
	}
	if sec%3600 == 0 {
		return plural.N(int(sec/3600), "hour")
	}
	if sec%60 == 0 {
		return plural.N(int(sec/60), "minute")
	}
	return plural.N(int(sec), "second")
}

func scenarioText(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

func eventLine(e Event) string {
	return fmt.Sprintf("%s  %s %s  %s %d", eventTime(e.Time), e.File, recordText(e.EventRecordID, e.RecordID), e.Provider, e.EventID)
}

// recordText names a record by its EventRecordID, with its record number
// in the file beside it where the two differ (exported logs); by its
// record number, said so, when its EventRecordID was not read (0).
func recordText(eventRecordID, number uint64) string {
	if eventRecordID == 0 {
		return fmt.Sprintf("record %d (no EventRecordID read)", number)
	}
	if eventRecordID == number {
		return fmt.Sprintf("EventRecordID %d", eventRecordID)
	}
	return fmt.Sprintf("EventRecordID %d (record %d in the file)", eventRecordID, number)
}

// recordIn names r as recordText does, and, for a record of copies read
// as one, the copy that holds it, before its record number there:
// "EventRecordID 5100 in /mnt/export/System.evtx (record 100 in the
// file)".
func recordIn(r *Record) string {
	if r.File == "" {
		return recordText(r.EventRecordID, r.RecordNumber)
	}
	if r.EventRecordID == 0 {
		return fmt.Sprintf("record %d in %s (no EventRecordID read)", r.RecordNumber, r.File)
	}
	s := fmt.Sprintf("EventRecordID %d in %s", r.EventRecordID, r.File)
	if r.EventRecordID != r.RecordNumber {
		s += fmt.Sprintf(" (record %d in the file)", r.RecordNumber)
	}
	return s
}

func dataText(e Event) string {
	var parts []string
	for _, d := range e.Data {
		parts = append(parts, fmt.Sprintf("%s=%q", d.Name, d.Value))
	}
	return strings.Join(parts, " ")
}

// WriteText renders r for a terminal: the verdict table first, then the
// inputs, then each finding with its evidence, cause and numbered
// resolution steps whose commands can be copied as they are.
func WriteText(w io.Writer, r *Report) error {
	if err := nilArgs(w, r); err != nil {
		return err
	}
	p := &printer{w: w, esc: true}
	p.line("evtxrdp: RDP failure diagnosis")
	if r.Machine == nil && len(r.Computers) > 0 {
		p.printf("%s: %s\n", machinesLabel(r.Computers), strings.Join(r.Computers, ", "))
	}
	p.printf("Reference time: %s (%s)\n", orNone(r.ReferenceTime), referenceText(r))
	if r.ToolVersion != "" {
		p.printf("Run: evtxrdp %s, options: %s\n", r.ToolVersion, optionsText(r.Options))
	}
	for _, w := range r.Warnings {
		p.wrapData("WARNING: ", w, textWidth)
	}
	if m := r.Machine; m != nil {
		p.printf("Machine: %s\n", m.Name)
		for _, g := range m.Grouping {
			p.wrapData("  - ", g, textWidth)
		}
	}
	p.line("")

	// Verdict table.
	rows := [][]string{{"VERDICT", "#", "RULE", "EVIDENCE", "WINDOW", "TITLE"}}
	for _, f := range r.Findings {
		rows = append(rows, []string{verdictText(f.Verdict), scenarioText(f.Scenario), f.RuleID, EvidenceCell(f),
			windowText(f.WindowSeconds), f.Title})
	}
	table(p, rows)
	p.printf("\n%s.\n", summaryText(r.Summary))
	if r.ReferenceTime != "" && len(r.Findings) > 0 {
		p.printf("Windows end at the reference time; %s.\n", lookBackText(r.LookBackSeconds))
	}

	// Findings.
	for i, f := range r.Findings {
		p.line("")
		p.printf("== %d. %s: %s ==\n", i+1, f.RuleID, verdictText(f.Verdict))
		p.wrap("", f.Title, textWidth)
		if f.VerdictReason != "" {
			p.wrapData("Why: ", f.VerdictReason, textWidth)
		}
		if f.WindowStart != "" {
			p.printf("Window: %s to %s (%s)\n", f.WindowStart, f.WindowEnd, windowText(f.WindowSeconds))
		}
		for _, l := range f.Logs {
			where := strings.Join(l.Paths, ", ")
			if where == "" {
				where = "-"
			}
			p.printf("Log %s (%s): %s, %s\n", l.Channel, l.Role, l.Status, where)
			if strings.Contains(l.Detail, "not read (unreadable)") {
				p.wrapData("  ", l.Detail, textWidth)
			}
		}
		if len(f.Reasons) > 0 {
			p.line("Not checked because:")
			for _, s := range f.Reasons {
				p.wrapData("  - ", s, textWidth)
			}
		}
		if len(f.Caveats) > 0 {
			p.line("Caveats:")
			for _, s := range f.Caveats {
				p.wrapData("  - ", s, textWidth)
			}
		}
		if hasEvidence(f.Verdict) {
			p.printf("\nEvidence (%s in the window", plural.N(f.EvidenceCount, "event"))
			if u := Unattributed(f); u > 0 && u < f.EvidenceCount {
				p.printf(", %d not attributable to RDP", u)
			}
			p.printf(", newest first")
			if len(f.Evidence) < f.EvidenceCount {
				p.printf("; %d shown", len(f.Evidence))
			}
			p.line("):")
			for _, e := range f.Evidence {
				p.printf("  %s  [%s]\n", eventLine(e), e.Query)
				if d := dataText(e); d != "" {
					p.printf("      %s\n", d)
				}
				if len(r.Computers) > 1 && e.Computer != "" {
					// A machine of several computer names (forwarded
					// events, a rename): whose event it is.
					p.wrapData("      computer: ", e.Computer, textWidth)
				}
				if e.Attribution != "" {
					p.wrapData("      attribution: ", e.Attribution, textWidth)
				}
			}
		}
		for _, o := range f.Others {
			p.wrapData("Not RDP's: ", o, textWidth)
		}
		if len(f.OutsideWindow) > 0 {
			p.line("\nOutside the window:")
			for _, o := range f.OutsideWindow {
				p.printf("  %s: %s (%s, %s %s; %s)\n", o.Query, o.Text, eventTime(o.Event.Time), o.Event.File, recordText(o.Event.EventRecordID, o.Event.RecordID),
					plural.N(o.Count, "match"))
			}
		}
		if len(f.Corroboration) > 0 {
			p.line("\nCorroboration:")
			for _, c := range f.Corroboration {
				s := c.Text
				if c.Event != nil {
					s += fmt.Sprintf(" (%s, %s %s)", eventTime(c.Event.Time), c.Event.File, recordText(c.Event.EventRecordID, c.Event.RecordID))
				}
				p.wrapData("  - ", s, textWidth)
			}
		}
		if !hasEvidence(f.Verdict) {
			continue
		}
		p.line("")
		if len(f.Refinements) > 0 {
			h := f.Refinements[0]
			p.printf("Cause (refined by %s, %s):\n", h.ID, plural.N(h.Count, "event"))
		} else {
			p.line("Cause:")
		}
		p.wrap("  ", f.Cause, textWidth)
		if len(f.Refinements) > 0 && f.Refinements[0].Note != "" {
			p.wrap("  Note: ", f.Refinements[0].Note, textWidth)
		}
		for _, h := range f.Refinements[min(1, len(f.Refinements)):] {
			p.wrap("  Also: ", fmt.Sprintf("%s (%s): %s", h.ID, plural.N(h.Count, "event"), h.Cause), textWidth)
		}
		steps := f.Steps
		if f.Verdict == "resolved" {
			steps = nil // recovered: the steps matter only if it comes back
		}
		if len(steps) > 0 {
			p.line("\nResolution:")
		}
		for _, s := range steps {
			p.printf("  %d. %s\n", s.Number, s.Title)
			p.wrap("     ", s.Text, textWidth)
			if s.Commands != "" {
				p.printf("     [%s, %s]\n", s.Shell, runOnText(s.RunOn))
				for _, c := range strings.Split(s.Commands, "\n") {
					p.printf("       %s\n", c)
				}
			}
			if s.Source != "" {
				p.wrap("     Source: ", s.Source, textWidth)
			}
		}
		if len(f.Queries) > 0 {
			p.line("\n" + liveHeading(&f))
		}
		for _, c := range liveChecks(&f) {
			p.printf("  %s\n", c.command)
			for _, n := range c.notes {
				p.wrap("    ", n, textWidth)
			}
		}
		if len(f.Notes) > 0 {
			p.line("\nNotes:")
			for _, n := range f.Notes {
				p.wrap("  - ", n, textWidth)
			}
		}
		if len(f.References) > 0 {
			p.line("\nReferences:")
			for _, ref := range f.References {
				p.printf("  - %s\n    %s\n", ref.Title, ref.URL)
			}
		}
	}

	// Inputs.
	p.line("")
	p.line("== Inputs ==")
	for _, in := range r.Inputs {
		ch := in.Channel
		if in.ChannelFromEvents {
			ch += channelFromEventsText(in.FileChannel)
		}
		if len(in.Channels) > 1 {
			ch += "; records of " + strings.Join(in.Channels, ", ")
		}
		if in.ChannelUnknown {
			ch = "channel unknown"
		}
		if in.Error != "" {
			// Not one byte of it was read: no count of records, no
			// span decoded, and a channel that only its file name
			// gives (a log the rules read is "used" all the same:
			// "[Security]  0 records" read as an empty log).
			if in.Used && !in.ChannelUnknown && !in.ChannelFromEvents {
				ch += " (from the file name)"
			}
			p.printf("  %s  [%s]  not read (unreadable): %s\n", in.Path, ch, in.Error)
			for _, pr := range in.Problems {
				if pr != "unreadable: "+in.Error {
					p.wrapData("      problem: ", pr, textWidth)
				}
			}
			continue
		}
		if !in.Used {
			p.printf("  %s  [%s]  not read (no rule reads its channel)\n", in.Path, ch)
			continue
		}
		p.printf("  %s  [%s]  %s", in.Path, ch, plural.N(in.Records, "record"))
		if in.FirstCreated != "" {
			// The earliest and latest TimeCreated, labelled as such: a
			// reason names the first- and last-written records, whose
			// times differ from these where the clock jumped.
			p.printf(", earliest event at %s, latest at %s", eventTime(in.FirstCreated), eventTime(in.LastCreated))
		}
		p.line("")
		if lw := in.LastWritten; lw != nil {
			if in.NewestLost {
				p.printf("      newest held: %s at %s (the records written after it are lost)", recordIn(lw), eventTime(lw.Time))
			} else {
				p.printf("      last written: %s at %s", recordIn(lw), eventTime(lw.Time))
			}
			if in.Exported {
				p.printf("; an exported log (record numbers or header times are not the original ones)")
			}
			if in.ClockAhead {
				p.printf("; written while the clock ran ahead (see the warnings)")
			}
			p.line("")
		}
		if in.DecodedSince != "" {
			if in.Filtered > 0 {
				p.printf("      decoded %d, passed over %d that no query can match (records from %s to %s)\n", in.Decoded, in.Filtered, in.DecodedSince, in.DecodedUntil)
			} else {
				p.printf("      decoded %d (records from %s to %s)\n", in.Decoded, in.DecodedSince, in.DecodedUntil)
			}
		}
		for _, pr := range in.Problems {
			p.wrapData("      problem: ", pr, textWidth)
		}
		for _, e := range in.Errors[:min(len(in.Errors), 5)] {
			p.wrapData("      ", e, textWidth)
		}
		if len(in.Errors) > 5 {
			p.printf("      ... %s more %s (see the JSON report)\n", plural.Itoa(in.ErrorCount-5), plural.Noun(in.ErrorCount-5, "format error"))
		}
	}
	for _, n := range r.NotRead {
		p.wrapData("  not read: ", n, textWidth)
	}

	// Timeline.
	if r.Timeline == nil {
		return p.err
	}
	p.line("")
	p.line("== RDP timeline (oldest first) ==")
	if r.TimelineOmitted > 0 {
		note, cuts := timelineOmittedNote(r)
		p.wrapData("  ", "("+note+")", textWidth)
		for _, c := range cuts {
			// The command on a line of its own: wrapped, it would paste
			// as two.
			p.wrapData("  ", "("+c.text+")", textWidth)
			p.printf("      %s\n", evtx.EscapeText(c.command))
		}
	}
	if note := timelineUntimedNote(r); note != "" {
		p.wrapData("  ", "("+note+")", textWidth)
	}
	if len(r.Timeline) == 0 {
		p.line("  " + noTimelineEvent(r))
	}
	for _, l := range r.Timeline {
		p.wrapData("  "+TimelineWhen(l)+"  ", TimelineText(l), textWidth)
	}
	return p.err
}

// timelineCutNote is what a report says of a TimelineCut: text, and
// the command that lists the events.
type timelineCutNote struct{ text, command string }

// timelineOmittedNote says how many older events the timeline left out
// (Report.TimelineOmitted) and what brings them back: --timeline N for
// those trimmed to N lines, not for those set aside with their groups
// while reading (Report.TimelineCut), which cuts says, each with the
// query that lists the events of its entry.
func timelineOmittedNote(r *Report) (note string, cuts []timelineCutNote) {
	cut := 0
	for _, c := range r.TimelineCut {
		cut += c.Events
	}
	note = plural.N(r.TimelineOmitted, "older event") + " before these left out"
	switch {
	case cut == 0:
		note += "; --timeline N shows more"
	case cut < r.TimelineOmitted:
		note += fmt.Sprintf("; --timeline N shows more of the other %s, not the %s set aside below", plural.N(r.TimelineOmitted-cut, "event"), plural.Itoa(cut))
	}
	for _, c := range r.TimelineCut {
		cuts = append(cuts, timelineCutNote{
			text: fmt.Sprintf("%s of them, in %s of the timeline's %s events, %s set aside while reading, when the groups reached %s (the older half each time): no --timeline N brings them back; this command, given the logs analysed, lists every %s event, those set aside included:",
				plural.Itoa(c.Events), plural.N(c.Groups, "group"), c.Entry, plural.Word(c.Events, "was", "were"), plural.Itoa(rules.MaxTimelineGroups), c.Entry),
			command: "evtxrdp query --channel " + shellQuote(c.Channel) + " -q " + shellQuote(c.XPath) + " PATH",
		})
	}
	return note, cuts
}

// shellQuote quotes s as one word of a POSIX shell command: as
// shellword.Quote does, but in double quotes where nothing in it is
// special there (an XPath's single quotes kept as written).
func shellQuote(s string) string {
	if q := shellword.Quote(s); q == s || strings.HasPrefix(q, "$'") || strings.ContainsAny(s, "\"$`\\!") {
		return q
	}
	return `"` + s + `"`
}

// timelineUntimedNote says which events of the timeline's kinds are on
// no line for want of a TimeCreated (Report.TimelineUntimed): how many,
// why their record header time does not place them, and the last written
// by file, EventRecordID, provider and event id; "" when there are none.
func timelineUntimedNote(r *Report) string {
	if r.TimelineUntimed == 0 {
		return ""
	}
	what := plural.N(r.TimelineUntimed, "event") + " of the timeline's kinds have no TimeCreated and are not placed in it"
	if r.TimelineUntimed == 1 {
		what = "1 event of the timeline's kinds has no TimeCreated and is not placed in it"
	}
	var files []string
	byFile := map[string][]string{}
	for _, e := range r.TimelineUntimedEvents {
		if _, ok := byFile[e.File]; !ok {
			files = append(files, e.File)
		}
		byFile[e.File] = append(byFile[e.File], fmt.Sprintf("%s (%s %d)", recordText(e.EventRecordID, e.RecordID), shortProviderName(e.Provider), e.EventID))
	}
	var parts []string
	for _, f := range files {
		parts = append(parts, "in "+f+": "+strings.Join(byFile[f], ", "))
	}
	last := "the last written"
	if n := len(r.TimelineUntimedEvents); n == 1 && r.TimelineUntimed > 1 {
		last = "the last written of them"
	} else if n < r.TimelineUntimed {
		last = fmt.Sprintf("the last written %d of them", n)
	}
	s := what + " (a record header time is when the record was written, not when its event happened)"
	if len(parts) > 0 {
		s += "; " + last + " " + strings.Join(parts, "; ") + "; read them with evtxrdp dump"
	}
	return s
}

// noTimelineEvent is what an empty timeline says: that no RDP-relevant
// event lies around the reference time, of those with a TimeCreated when
// some have none (timelineUntimedNote names them).
func noTimelineEvent(r *Report) string {
	if r.TimelineUntimed > 0 {
		return "no RDP-relevant event with a TimeCreated around the reference time"
	}
	return "no RDP-relevant event around the reference time"
}

// TimelineWhen is a timeline line's time: "2024-05-01T11:00:00Z", or for a
// group "2024-05-01T10:00:00Z .. 11:00:00Z" (seconds, UTC); a time of it
// that evtx.UsableTime refuses is followed by why (eventTime), and when
// both of a group's are, once after both.
func TimelineWhen(l TimelineLine) string {
	t := shortTime(l.Time)
	// A time evtx.UsableTime refuses is said to be one (a line of a
	// timeline around a reference time given with --at, say): the note
	// follows the time it is about, once after both when both are so.
	note := implausibleNote(l.Time)
	if l.LastTime != "" && l.LastTime != l.Time {
		last := shortTime(l.LastTime)
		// Only a time shortTime cut to "2024-05-01T10:00:00Z" has a date to
		// drop: a report read back (ReadJSON) may hold any text.
		if len(t) == 20 && len(last) == 20 && t[:11] == last[:11] {
			last = last[11:]
		}
		if lastNote := implausibleNote(l.LastTime); lastNote != note {
			t += note
			note = lastNote
		}
		t += " .. " + last
	}
	return t + note
}

// TimelineText is a timeline line's text with its source: "12x failed RDP
// or network logons (...) [Security-Auditing 4625, EventRecordID 7]".
func TimelineText(l TimelineLine) string {
	s := l.Text
	if l.Count > 1 {
		s = fmt.Sprintf("%dx %s", l.Count, s)
	}
	return fmt.Sprintf("%s [%s %d, %s]", s, shortProviderName(l.Provider), l.EventID, recordText(l.EventRecordID, l.RecordNumber))
}

// shortTime cuts an event XML time to whole seconds: "2024-05-01T11:00:00Z".
// A year written signed (after 9999: evtx.FormatTime) keeps its seconds
// too.
func shortTime(s string) string {
	if i := strings.IndexByte(s, 'T'); i >= 10 && len(s) >= i+9 {
		return s[:i+9] + "Z"
	}
	return s
}

// shortProviderName drops "Microsoft-Windows-" from a provider name.
func shortProviderName(p string) string {
	return strings.TrimPrefix(p, "Microsoft-Windows-")
}

func machinesLabel(computers []string) string {
	if len(computers) == 1 {
		return "Machine"
	}
	return "Machines (computer names in the records)"
}

func optionsText(o []string) string {
	if len(o) == 0 {
		return "none"
	}
	return strings.Join(o, " ")
}

// Unattributed counts a finding's evidence events in the window that are
// consistent with the scenario but not attributable to RDP: the evidence
// queries' Possible (included in EvidenceCount).
func Unattributed(f Finding) int {
	n := 0
	for _, q := range f.Queries {
		if q.Role == "evidence" {
			n += q.Possible
		}
	}
	return n
}

// EvidenceCell is a finding's cell of the EVIDENCE column: "-" when not
// checked; the evidence events in the window, "3"; or, when some but not
// all of them are attributed to RDP, the attributed ones, which are what
// the verdict counts, and the others: "1 (+1 unattributed)".
func EvidenceCell(f Finding) string {
	if f.Verdict == "not_checked" {
		return "-"
	}
	if u := Unattributed(f); u > 0 && u < f.EvidenceCount {
		return fmt.Sprintf("%d (+%d unattributed)", f.EvidenceCount-u, u)
	}
	return strconv.Itoa(f.EvidenceCount)
}

// hasEvidence reports whether a verdict comes with evidence in the window.
func hasEvidence(v string) bool { return v == "detected" || v == "possible" || v == "resolved" }

// summaryText counts the verdicts: "1 detected, 1 possible, 0 resolved,
// 1 not detected, 0 not checked".
func summaryText(s Summary) string {
	return fmt.Sprintf("%d detected, %d possible, %d resolved, %d not detected, %d not checked",
		s.Detected, s.Possible, s.Resolved, s.NotDetected, s.NotChecked)
}

func lookBackText(sec int64) string {
	if sec <= 0 {
		return "matches outside them are not looked for"
	}
	return "matches up to " + windowText(sec) + " outside them are reported"
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func referenceText(r *Report) string {
	switch r.ReferenceSource {
	case "given":
		return "given with --at"
	case "newest record": // before the last-written record was "now"
		return "the newest record, in " + r.ReferenceLog
	case "last-written record":
		if r.ReferenceNewestLost {
			// Its file header counts newer records, lost (a warning
			// names them).
			rec := "the newest record " + r.ReferenceLog + " holds"
			if rr := r.ReferenceRecord; rr != nil {
				rec = recordText(rr.EventRecordID, rr.RecordNumber) + " in " + r.ReferenceLog + ", the newest record the file holds"
			}
			return rec + "; the records written after it are lost, so it is not the last-written record"
		}
		if rr := r.ReferenceRecord; rr != nil {
			return "the last-written record, " + recordText(rr.EventRecordID, rr.RecordNumber) + " in " + r.ReferenceLog
		}
		return "the last-written record, in " + r.ReferenceLog
	}
	unreadable := false
	for _, in := range r.Inputs {
		if in.Used && in.Error == "" {
			return "no record times found; give --at"
		}
		// A log whose channel no record told may be one a rule reads.
		unreadable = unreadable || in.Used || in.ChannelUnknown
	}
	// No input is a log a rule reads, or none could be read: --at would
	// not make anything checkable.
	if unreadable {
		return "no log a rule reads could be read"
	}
	return "no log a rule reads is among the inputs"
}

// table writes rows with columns padded to their widest cell (the last
// column unpadded).
func table(p *printer, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	widths := make([]int, len(rows[0]))
	if p.esc {
		for _, row := range rows {
			for i, c := range row {
				row[i] = evtx.EscapeText(c)
			}
		}
	}
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], columns(c))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, c := range row {
			if i == len(row)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-columns(c)+2))
		}
		p.line(strings.TrimRight(b.String(), " "))
	}
}

// columns is how many terminal columns s takes: 2 for an East Asian wide
// or fullwidth character (Unicode Standard Annex #11, as
// golang.org/x/text/width classifies it), 0 for a combining mark, 1 for
// any other character (an invalid byte, escaped before, is ASCII).
func columns(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			n++
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
		default:
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				n += 2
			default:
				n++
			}
		}
	}
	return n
}

// channelFromEventsText says, after a log's channel, that it comes from the
// events, and which channel the file name gives when it gives one.
func channelFromEventsText(file string) string {
	if file == "" {
		return " (from the events)"
	}
	return " (from the events; the file name says " + file + ")"
}

// runOnText says where a step's commands run (Step.RunOn), for the text
// and Markdown renderings.
func runOnText(on string) string {
	switch on {
	case rules.RunOnVM, "":
		return "on the VM"
	case rules.RunOnRescueVM:
		return "on the recovery VM with the OS disk attached"
	case rules.RunOnWorkstation:
		return "on your own machine or Cloud Shell"
	}
	return "on " + on
}
