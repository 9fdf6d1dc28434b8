package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// The Markdown escaping (one for every value the report prints):
//   - values from the logs (file and member names, channels, times, event
//     data, computer names, query ids) are inline code spans (code, cell):
//     control characters escaped as in text (evtx.EscapeText: \x1b, \n,
//     \r, \u202e), a fence longer than any run of backquotes in the value,
//     and '|' escaped inside table cells, so a value cannot close its span,
//     start a line or add a table row;
//   - prose (rule texts, and sentences that quote paths or errors: reasons,
//     caveats, problems) goes through mdEscape: line breaks become spaces,
//     control characters are escaped as in text, the characters Markdown
//     gives a meaning inline (| * _ ` [ ] ~) are backslash-escaped, but
//     for underscores between ASCII letters or digits, and a backslash
//     where it would escape what follows (before ASCII punctuation, or at
//     the end, where the template's next character may be punctuation),
//     < > & become entities, and a first character
//     that could start a block (# + - = : > or "1." / "1)") is
//     backslash-escaped, and of four leading spaces or more (an indented
//     code block) the first is written &#32;. A backslash before anything else is written as
//     it is: CommonMark reads it as a backslash ("Backslashes before
//     other characters are treated as literal backslashes", CommonMark
//     spec 0.31.2, 2.4 Backslash escapes,
//     https://spec.commonmark.org/0.31.2/#backslash-escapes), so that a
//     path in prose (C:\BackupACLs\TermService.reg, %ProgramData%\Microsoft)
//     reads the same in the raw Markdown as rendered, and an engineer
//     who copies it from either gets the path
//     (TestMarkdownCommandsCopyAsWritten). Likewise a run of underscores
//     with a letter or digit on both sides (BeforeScript_permissions.txt,
//     ERROR_DEPENDENT_SERVICES) neither opens nor closes emphasis: it is
//     both left- and right-flanking, and "A single _ character can open
//     emphasis iff it is part of a left-flanking delimiter run and either
//     (a) not part of a right-flanking delimiter run or (b) part of a
//     right-flanking delimiter run preceded by a Unicode punctuation
//     character" (the same spec, 6.2 Emphasis and strong emphasis, rules
//     2 and 6, and 4 and 8 for closing). TestMdEscapeRendersAsWritten
//     renders the escaped prose with goldmark, a CommonMark renderer.
//
// Commands in fenced code blocks come from the rules, not the logs. The
// shell commands in prose that copy a log out of a file (evtx's dd, tail
// and unzip, commandRE) are code spans, so that the Markdown source pastes
// as it renders.

var mdReplacer = strings.NewReplacer("|", `\|`, "*", `\*`, "`", "\\`",
	"[", `\[`, "]", `\]`, "~", `\~`, "<", "&lt;", ">", "&gt;", "&", "&amp;")

// mdEscape escapes prose for Markdown (see above). A shell command in it
// (commandRE: the dd, tail or unzip that copies a log out) is a code span
// instead, its characters as they are: escaped as prose, a path's quote
// or underscore or the > before the output file were backslashes and
// entities in the Markdown source, and the command pasted from it copied
// the wrong bytes or none.
func mdEscape(s string) string { return mdEscapeIn(s, code) }

// mdCell is mdEscape for a table cell: a command's code span has its '|'
// escaped (cell), as GitHub splits cells at '|' even inside code spans.
func mdCell(s string) string { return mdEscapeIn(s, cell) }

// mdEscapeIn is mdEscape with span writing each command: line breaks
// made spaces, the prose before the first command escaped as a line's
// start (mdProse), the rest inline (mdInline).
func mdEscapeIn(s string, span func(string) string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	cmds := commandRE.FindAllStringIndex(s, -1)
	if len(cmds) == 0 {
		return mdProse(s)
	}
	// The prose before the first command is checked for a block marker
	// at its start (mdProse); the rest follows a code span on its line.
	var b strings.Builder
	b.WriteString(mdProse(s[:cmds[0][0]]))
	for k, c := range cmds {
		if k > 0 {
			b.WriteString(mdInline(s[cmds[k-1][1]:c[0]]))
		}
		b.WriteString(span(s[c[0]:c[1]]))
	}
	b.WriteString(mdInline(s[cmds[len(cmds)-1][1]:]))
	return b.String()
}

// mdProse escapes prose without commands or line breaks that starts a
// line for Markdown: inline markup (mdInline) and a block marker.
func mdProse(s string) string {
	s = mdInline(s)
	// A block marker at the start (the text follows "- " or "| ").
	t := strings.TrimLeft(s, " ")
	lead := s[:len(s)-len(t)]
	switch {
	case len(lead) >= 4:
		// Four spaces at the start of a line, or five after "- ", make
		// an indented code block, which shows the escapes: the first
		// written as a character reference (CommonMark 2.5) is no
		// indentation. So do spaces alone before a command's code span
		// (mdEscapeIn), whose backquotes the block would show.
		return "&#32;" + s[1:]
	case t == "":
	case strings.ContainsRune("#+-=:", rune(t[0])):
		return lead + `\` + t
	default:
		i := 0
		for i < len(t) && i < 9 && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		if i > 0 && i < len(t) && (t[i] == '.' || t[i] == ')') {
			return lead + t[:i] + `\` + t[i:]
		}
	}
	return s
}

// mdInline escapes prose without line breaks that does not start a line
// for Markdown: its inline markup (mdProse also escapes a block marker at
// a line's start; mdEscapeIn makes line breaks spaces first).
func mdInline(s string) string {
	return mdReplacer.Replace(mdUnderscores(mdBackslashes(evtx.EscapeText(s))))
}

// mdBackslashes doubles each backslash of s that CommonMark would read
// as an escape: one before ASCII punctuation, and one at the end (see
// above). mdReplacer's escapes come after: they escape the punctuation
// that follows, as they do anywhere.
func mdBackslashes(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '\\' && (i+1 == len(s) || isASCIIPunct(s[i+1])) {
			b.WriteByte('\\')
		}
	}
	return b.String()
}

// mdUnderscores backslash-escapes the underscores of s but for a run of
// them between ASCII letters or digits (see above).
func mdUnderscores(s string) string {
	if !strings.Contains(s, "_") {
		return s
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '_' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '_' {
			j++
		}
		if i > 0 && j < len(s) && alnum(s[i-1]) && alnum(s[j]) {
			b.WriteString(s[i:j])
		} else {
			b.WriteString(strings.Repeat(`\_`, j-i))
		}
		i = j
	}
	return b.String()
}

// isASCIIPunct reports whether c is ASCII punctuation as CommonMark
// defines it (the characters a backslash escapes): ! " # $ % & ' ( ) *
// + , - . / : ; < = > ? @ [ \ ] ^ _ ` { | } ~.
func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// mdName is a data field name: as it is when it is made of letters,
// digits and "_.-[]" ("Data[1]": brackets alone cannot make a link), else
// mdEscape'd.
func mdName(s string) string {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-[]", c) >= 0) {
			return mdEscape(s)
		}
	}
	if s == "" || strings.IndexByte("-", s[0]) >= 0 {
		return mdEscape(s)
	}
	return s
}

// code wraps a value in a code span that can hold backquotes (see above).
func code(s string) string {
	s = evtx.EscapeText(s)
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// cell is code for a table cell: GitHub splits cells at '|' even inside
// code spans unless it is escaped.
func cell(s string) string { return strings.ReplaceAll(code(s), "|", `\|`) }

func fenceFor(s string) string {
	f := "```"
	for strings.Contains(s, f) {
		f += "`"
	}
	return f
}

// WriteMarkdown renders r as Markdown for a support ticket.
func WriteMarkdown(w io.Writer, r *Report) error {
	if err := nilArgs(w, r); err != nil {
		return err
	}
	p := &printer{w: w}
	p.line("# evtxrdp: RDP failure diagnosis")
	p.line("")
	if r.Machine == nil && len(r.Computers) > 0 {
		var names []string
		for _, c := range r.Computers {
			names = append(names, code(c))
		}
		p.printf("- %s: %s\n", machinesLabel(r.Computers), strings.Join(names, ", "))
	}
	p.printf("- Reference time: %s (%s)\n", code(orNone(r.ReferenceTime)), mdEscape(referenceText(r)))
	if r.ToolVersion != "" {
		var opts []string
		for _, o := range r.Options {
			opts = append(opts, code(o))
		}
		if len(opts) == 0 {
			opts = []string{"none"}
		}
		p.printf("- Run: evtxrdp %s, options: %s\n", code(r.ToolVersion), strings.Join(opts, " "))
	}
	for _, w := range r.Warnings {
		p.printf("- **Warning:** %s\n", mdEscape(w))
	}
	if m := r.Machine; m != nil {
		p.printf("- Machine: %s\n", code(m.Name))
		for _, g := range m.Grouping {
			p.printf("  - %s\n", mdEscape(g))
		}
	}
	p.printf("- Verdicts: %s\n", summaryText(r.Summary))
	p.printf("- Windows end at the reference time; %s\n", lookBackText(r.LookBackSeconds))
	p.line("")
	p.line("| Verdict | # | Rule | Evidence | Window | Title |")
	p.line("|---|---|---|---|---|---|")
	for _, f := range r.Findings {
		ev := EvidenceCell(f)
		v := mdEscape(verdictText(f.Verdict))
		if f.Verdict == "detected" || f.Verdict == "possible" {
			v = "**" + v + "**"
		}
		p.printf("| %s | %s | %s | %s | %s | %s |\n", v, scenarioText(f.Scenario), cell(f.RuleID), ev,
			windowText(f.WindowSeconds), mdCell(f.Title))
	}

	for i, f := range r.Findings {
		p.line("")
		p.printf("## %d. %s: %s\n\n", i+1, mdEscape(f.RuleID), mdEscape(verdictText(f.Verdict)))
		p.printf("%s.\n\n", mdEscape(capitalize(f.Title)))
		if f.VerdictReason != "" {
			p.printf("Why: %s\n\n", mdEscape(f.VerdictReason))
		}
		if f.WindowStart != "" {
			p.printf("Window: %s to %s (%s).\n\n", code(f.WindowStart), code(f.WindowEnd), windowText(f.WindowSeconds))
		}
		p.line("| Log | Role | Status | Files |")
		p.line("|---|---|---|---|")
		for _, l := range f.Logs {
			var files []string
			for _, pth := range l.Paths {
				files = append(files, cell(pth))
			}
			p.printf("| %s | %s | %s | %s |\n", cell(l.Channel), mdCell(l.Role), mdCell(l.Status), strings.Join(files, ", "))
		}
		for _, l := range f.Logs {
			if strings.Contains(l.Detail, "not read (unreadable)") {
				p.printf("\n%s: %s\n", code(l.Channel), mdEscape(l.Detail))
			}
		}
		if len(f.Reasons) > 0 {
			p.line("\nNot checked because:\n")
			for _, s := range f.Reasons {
				p.printf("- %s\n", mdEscape(s))
			}
		}
		if len(f.Caveats) > 0 {
			p.line("\nCaveats:\n")
			for _, s := range f.Caveats {
				p.printf("- %s\n", mdEscape(s))
			}
		}
		if hasEvidence(f.Verdict) {
			p.printf("\n### Evidence\n\n%s in the window", plural.N(f.EvidenceCount, "event"))
			if u := Unattributed(f); u > 0 && u < f.EvidenceCount {
				p.printf(", %d not attributable to RDP", u)
			}
			if len(f.Evidence) < f.EvidenceCount {
				p.printf(" (the newest %d shown)", len(f.Evidence))
			}
			p.line(".\n")
			p.line("| Time | File | Record | Provider | Event | Query | Data | Attribution |")
			p.line("|---|---|---|---|---|---|---|---|")
			for _, e := range f.Evidence {
				data := mdData(e)
				if len(r.Computers) > 1 && e.Computer != "" {
					// A machine of several computer names (forwarded
					// events, a rename): whose event it is.
					data = strings.TrimSuffix("Computer: "+cell(e.Computer)+"<br>"+data, "<br>")
				}
				p.printf("| %s | %s | %s | %s | %d | %s | %s | %s |\n", cell(eventTime(e.Time)), cell(e.File), recordText(e.EventRecordID, e.RecordID),
					mdCell(e.Provider), e.EventID, cell(e.Query), data, mdCell(e.Attribution))
			}
		}
		if len(f.Others) > 0 {
			p.line("\nNot RDP's:\n")
			for _, o := range f.Others {
				p.printf("- %s\n", mdEscape(o))
			}
		}
		if len(f.OutsideWindow) > 0 {
			p.line("\nOutside the window:\n")
			for _, o := range f.OutsideWindow {
				p.printf("- %s: %s (%s, %s %s; %s)\n", code(o.Query), mdEscape(o.Text), code(o.Event.Time)+implausibleNote(o.Event.Time),
					code(o.Event.File), recordText(o.Event.EventRecordID, o.Event.RecordID), plural.N(o.Count, "match"))
			}
		}
		if len(f.Corroboration) > 0 {
			p.line("\nCorroboration:\n")
			for _, c := range f.Corroboration {
				s := mdEscape(c.Text)
				if c.Event != nil {
					s += fmt.Sprintf(" (%s%s, %s %s)", code(c.Event.Time), implausibleNote(c.Event.Time), code(c.Event.File), recordText(c.Event.EventRecordID, c.Event.RecordID))
				}
				p.printf("- %s\n", s)
			}
		}
		if !hasEvidence(f.Verdict) {
			continue
		}
		p.line("\n### Cause\n")
		if len(f.Refinements) > 0 {
			h := f.Refinements[0]
			p.printf("Refined by %s (%s): %s\n", code(h.ID), plural.N(h.Count, "event"), mdEscape(f.Cause))
			if h.Note != "" {
				p.printf("\nNote: %s\n", mdEscape(h.Note))
			}
			for _, o := range f.Refinements[1:] {
				p.printf("\nAlso %s (%s): %s\n", code(o.ID), plural.N(o.Count, "event"), mdEscape(o.Cause))
			}
		} else {
			p.line(mdEscape(f.Cause))
		}
		steps := f.Steps
		if f.Verdict == "resolved" {
			steps = nil // recovered: the steps matter only if it comes back
		}
		if len(steps) > 0 {
			p.line("\n### Resolution\n")
		}
		for _, s := range steps {
			p.printf("%d. **%s**", s.Number, mdEscape(s.Title))
			if s.Text != "" {
				p.printf(" %s", mdEscape(s.Text))
			}
			p.line("")
			if s.Commands != "" {
				fence := fenceFor(s.Commands)
				p.printf("\n   Run %s (%s):\n", runOnText(s.RunOn), s.Shell)
				p.printf("\n   %s%s\n", fence, s.Shell)
				for _, c := range strings.Split(s.Commands, "\n") {
					p.printf("   %s\n", c)
				}
				p.printf("   %s\n", fence)
			}
			if s.Source != "" {
				p.printf("\n   Source: %s\n", mdEscape(s.Source))
			}
			p.line("")
		}
		if len(f.Queries) > 0 {
			p.line(liveHeading(&f) + "\n")
			var cmds []string
			for _, c := range liveChecks(&f) {
				cmds = append(cmds, c.command)
				// "rem # ": a remark in cmd, and in PowerShell (where
				// an engineer who ran the PowerShell steps may paste
				// the block) an unknown command whose '#' starts a
				// comment, so no ';', '$' or word of the note runs.
				for _, n := range c.notes {
					cmds = append(cmds, "rem # "+n)
				}
			}
			all := strings.Join(cmds, "\n")
			fence := fenceFor(all)
			p.printf("%scmd\n%s\n%s\n", fence, all, fence)
		}
		if len(f.Notes) > 0 {
			p.line("\nNotes:\n")
			for _, n := range f.Notes {
				p.printf("- %s\n", mdEscape(n))
			}
		}
		if len(f.References) > 0 {
			p.line("\nReferences:\n")
			for _, ref := range f.References {
				p.printf("- [%s](%s)\n", mdEscape(ref.Title), ref.URL)
			}
		}
	}

	p.line("\n## Inputs\n")
	p.line("| File | Channel | Records | Earliest event | Latest event | Decoded | Problems |")
	p.line("|---|---|---|---|---|---|---|")
	for _, in := range r.Inputs {
		ch := cell(in.Channel)
		if in.ChannelFromEvents {
			if in.FileChannel == "" {
				ch += " (from the events)"
			} else {
				ch += " (from the events; the file name says " + cell(in.FileChannel) + ")"
			}
		}
		if len(in.Channels) > 1 {
			ch += "; records of " + cellList(in.Channels)
		}
		if in.ChannelUnknown {
			ch = "channel unknown"
		}
		if !in.Used || in.Error != "" {
			// A log not one byte of which was read (Error) is not read,
			// whether a rule reads its channel or not: no record count.
			if in.Error != "" && in.Used && !in.ChannelUnknown && !in.ChannelFromEvents {
				ch += " (from the file name)"
			}
			probs := " "
			if len(in.Problems) > 0 {
				probs = " " + cell(strings.Join(in.Problems, "; ")) + " "
			}
			p.printf("| %s | %s | | | | not read |%s|\n", cell(in.Path), ch, probs)
			continue
		}
		probs := in.Problems
		if lw := in.LastWritten; lw != nil {
			s := "last written: " + recordIn(lw) + " at " + eventTime(lw.Time)
			if in.NewestLost {
				s = "newest held: " + recordIn(lw) + " at " + eventTime(lw.Time) + " (the records written after it are lost)"
			}
			if in.Exported {
				s += " (an exported log)"
			}
			if in.ClockAhead {
				s += " (written while the clock ran ahead: see the warnings)"
			}
			probs = append([]string{s}, probs...)
		}
		p.printf("| %s | %s | %d | %s | %s | %d | %s |\n", cell(in.Path), ch, in.Records, codeOr(in.FirstCreated)+implausibleNote(in.FirstCreated), codeOr(in.LastCreated)+implausibleNote(in.LastCreated),
			in.Decoded, mdCell(strings.Join(probs, "; ")))
	}
	// The format errors themselves, as the text report gives them (the
	// table counts them): where the damage is, and what to do about it
	// (a second log's copy command, say), belong in the ticket too.
	heading := false
	for _, in := range r.Inputs {
		if len(in.Errors) == 0 {
			continue
		}
		if !heading {
			p.line("\nFormat errors (the first five of each file):\n")
			heading = true
		}
		for _, e := range in.Errors[:min(len(in.Errors), 5)] {
			p.printf("- %s\n", mdEscape(e))
		}
		if len(in.Errors) > 5 {
			p.printf("- %s more %s in %s (see the JSON report)\n", plural.Itoa(in.ErrorCount-5), plural.Noun(in.ErrorCount-5, "format error"), code(in.Path))
		}
	}
	notRead(p, r.NotRead)

	if r.Timeline == nil {
		return p.err
	}
	p.line("\n## RDP timeline (oldest first)\n")
	if r.TimelineOmitted > 0 {
		note, cuts := timelineOmittedNote(r)
		p.printf("%s.\n\n", mdEscape(capitalize(note)))
		for _, c := range cuts {
			// A fence longer than any run of backticks in the command.
			cmd, fence := evtx.EscapeText(c.command), "```"
			for strings.Contains(cmd, fence) {
				fence += "`"
			}
			p.printf("%s\n\n%s\n%s\n%s\n\n", mdEscape(capitalize(c.text)), fence, cmd, fence)
		}
	}
	if note := timelineUntimedNote(r); note != "" {
		p.printf("%s.\n\n", mdEscape(capitalize(note)))
	}
	if len(r.Timeline) == 0 {
		p.line(capitalize(noTimelineEvent(r)) + ".")
		return p.err
	}
	p.line("| Time (UTC) | Event |")
	p.line("|---|---|")
	for _, l := range r.Timeline {
		p.printf("| %s | %s |\n", cell(TimelineWhen(l)), mdCell(TimelineText(l)))
	}
	return p.err
}

func codeOr(s string) string {
	if s == "" {
		return ""
	}
	return code(s)
}

func mdData(e Event) string {
	var parts []string
	for _, d := range e.Data {
		parts = append(parts, mdName(d.Name)+": "+cell(d.Value))
	}
	return strings.Join(parts, "<br>")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// notRead lists the inputs given that could not be read at all.
func notRead(p *printer, list []string) {
	if len(list) == 0 {
		return
	}
	p.line("\nNot read (given, but no log of theirs could be read):\n")
	for _, n := range list {
		p.printf("- %s\n", mdEscape(n))
	}
}
