package rules

import (
	"fmt"
	"strconv"
	"strings"
)

// This file builds the commands that check a query on the live machine
// (wevtutil qe /q:"XPath"): the query's XPath, the rule's window as a
// timediff condition, and the where and unless conditions the Windows
// event XPath subset can hold. What it cannot hold is said, never
// dropped: LiveUnchecked lists it for the user to read in the events the
// command prints.
//
// What the subset holds (the sources, and how rules/xpath follows them,
// are in rules/xpath/doc.go):
//
//   - "and", "or", "=", "!=" and parentheses; the only function besides
//     band and timediff is position() ("Consuming Events", XPath 1.0
//     limitations, learn.microsoft.com/windows/win32/wes/consuming-events;
//     [MS-EVEN6] 2.2.15.1 Filter XPath 1.0 Subset: "Core Function
//     Library: position()"). So no not(), no substring functions
//     (starts-with, contains, normalize-space): a split list (LocalPorts
//     "3389,3390"), a cut value (before), an address test, the <Binary>
//     data read as text, and the rule's comparison of text trimmed,
//     without a final '.' and ignoring case, cannot be written.
//   - An unless condition is written with "!=", joined by "and". That
//     holds only for an event that has the field: "this XPath inequality
//     is false for events that do not contain a Data node with the
//     requested name" (review of EvotecIT/EventViewerX#91, an exclude
//     filter written the same way), where the rule's unless does not
//     exclude such an event. Hence verbatim's promise that every event
//     of the query has the field, once.
//   - Whether Windows compares EventData text ignoring case is not
//     settled (rules/xpath/doc.go, "String comparisons"); a Data value
//     Windows pads ("User32 " and "Advapi  " in LogonProcessName of 4625,
//     as the real Security logs of ../shared/samples show) never equals
//     the trimmed text. So a condition goes into the XPath only when the
//     rule marks it verbatim: the field holds the text exactly as the
//     rule spells it, or a number written in decimal (a number-typed
//     field such as the Firewall's UInt16 Active, or text of digits),
//     which compares as a number both under XPath 1.0's string-to-number
//     conversion and typed. Both forms are in use for the UInt32
//     LogonType of 4624/4625: "Data=10" (eventlogxp.com, "Advanced
//     filtering. How to filter events by event description", 2016) and
//     "Data='7'" (the logon-logoff.md query list of the ulpeters/snippets
//     repository, git.in-ulm.de). No Windows host was at hand to run them;
//     the number form is the one that does not depend on the text.
//   - The cmd line wraps the XPath in double quotes, so a text with a
//     quote of either kind (an XPath literal cannot hold both, and '"'
//     ends the argument) or a '%' (cmd expands %NAME% even inside quotes)
//     is not written either, and Validate refuses a channel or a query
//     XPath holding a '"', a '%' or a control character, or what
//     PowerShell expands inside double quotes ('$', '`', a typographic
//     double quote), where an engineer who ran the fix steps may paste the
//     command (cmdQuotable); a channel holding anything but letters,
//     digits, '-', '_', '.' and '/' is quoted.
//   - The XPath must stay within what wevtutil accepts: at most 22
//     operands joined by one operator and 32 expressions (xpath.MaxClauses,
//     xpath.MaxExpressions), and the command within cmd's 8191 characters
//     (MaxCommandLine); conditions that would exceed them are left to
//     LiveUnchecked, the last first.

// LiveXPath returns q's filter with the rule's window as a timediff
// condition and the where and unless conditions that the XPath can hold
// (see LiveUnchecked for the others), for running on the live machine
// (wevtutil qe /q:, Get-WinEvent -FilterXPath). The result always
// compiles with package xpath when q.XPath does with the window added
// (Validate checks that).
func (r *Rule) LiveXPath(q *Query) string {
	x, _ := r.live(q, true)
	return x
}

// LiveUnchecked returns what the command of q does not check, one
// condition each, in the rule's order (where, unless, then the
// attribution's require and process conditions, then what the rule
// judges over several events: threshold, unless_followed): "an item of
// LocalPorts split at ',' is '3389'", "param3 is not 'disabled' or 'auto
// start'", "Type is 'server', where the event has Type", "at least 30
// such events within 10 minutes". Every event the rule counts satisfies
// each of them; the user reads them in the events the command prints.
// Empty when the command checks all of q.
func (r *Rule) LiveUnchecked(q *Query) []string {
	_, cs := r.live(q, true)
	var un []string
	for _, c := range cs {
		if c.pred == "" {
			un = append(un, c.text)
		}
	}
	un = append(un, q.liveAttribution()...)
	return append(un, r.liveJudged(q)...)
}

// liveJudged says what the rule judges over several events of q, which
// no XPath (it selects events one by one) can: a threshold ("at least 30
// such events within 10 minutes, with at least 5 distinct IpAddress") and
// an unless_followed ("no match of rcm-started-listening (the RDP
// listener started listening, in ...) within 10 minutes after it").
func (r *Rule) liveJudged(q *Query) []string {
	var out []string
	if t := q.Threshold; t != nil {
		s := fmt.Sprintf("at least %d such events within %s", t.Count, FormatDuration(t.Within))
		if d := t.Distinct; d != nil {
			label := d.liveLabel()
			if d.Before != "" {
				label += " up to the first '" + sayText(d.Before) + "'"
			}
			if d.Address {
				label += " (client addresses, the port aside)"
			}
			s += fmt.Sprintf(", with at least %d distinct %s", t.DistinctCount, label)
		}
		out = append(out, s)
	}
	if u := q.UnlessFollowed; u != nil {
		var by []string
		for _, id := range u.Queries {
			if o := r.Query(id); o != nil {
				by = append(by, fmt.Sprintf("%s (%s, in %s)", sayText(o.ID), sayText(strings.TrimSpace(o.Describes)), sayText(o.Channel)))
			}
		}
		out = append(out, fmt.Sprintf("no match of %s within %s after it", orList(by), FormatDuration(u.Within)))
	}
	return out
}

// liveAttribution says what makes an event of q another program's, never
// evidence (Attribution steps 1 and 2): a Require condition it fails, or
// a process image that is not RDP's, each only where the event has the
// field, which the XPath subset cannot say (it has no not(), so no
// "absent or equal").
func (q *Query) liveAttribution() []string {
	at := q.Attribution
	if at == nil {
		return nil
	}
	var out []string
	for _, c := range at.Require {
		if c != nil {
			out = append(out, c.liveText(false)+", where the event has "+c.liveLabel())
		}
	}
	if p := at.Process; p != nil && p.Image != "" && len(p.Allow) > 0 {
		var allow []string
		for _, a := range p.Allow {
			allow = append(allow, sayText(a))
		}
		img := sayText(p.Image)
		out = append(out, "the file name in "+img+" is "+orList(allow)+", where the event has "+img)
	}
	return out
}

// WevtutilCommand returns the command that runs q on the live machine, newest
// match first (/rd:true, which the article omits). Evidence queries carry
// the rule's window; corroboration queries look at the whole log. Both
// carry the conditions LiveXPath writes. q is one of r's queries; LiveXPath,
// LiveUnchecked and WevtutilCommand panic if it is nil.
func (r *Rule) WevtutilCommand(q *Query) string {
	x, _ := r.live(q, q.Role != RoleCorroboration)
	return wevtutilLine(q.Channel, x)
}

// MaxCommandLine is the longest command a live-VM command may be, in
// UTF-16 code units: "The maximum length of the string that you can use
// at the command prompt is 8191 characters" (Microsoft Learn, "Command
// prompt (Cmd.exe) command-line string limitation"). Conditions that
// would make a command longer are left to the reader (LiveUnchecked).
const MaxCommandLine = 8191

func wevtutilLine(channel, x string) string {
	return fmt.Sprintf(`wevtutil qe %s /rd:true /c:1 /f:text /q:"%s"`, quoteArg(channel), x)
}

// utf16Len is the length of s in UTF-16 code units, as Windows counts a
// command line.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// liveCond is one where or unless (negate) condition of a query, as the
// live command holds it (pred != "") or says it (text).
type liveCond struct {
	c      *Condition
	negate bool
	pred   string
	text   string
}

// live returns the XPath of q for the live machine, with the window when
// window is set, and its where and unless conditions, each held by the
// XPath or not.
func (r *Rule) live(q *Query, window bool) (string, []liveCond) {
	var cs []liveCond
	for _, c := range q.Where {
		if c == nil {
			continue
		}
		p, _ := c.livePredicate(false)
		cs = append(cs, liveCond{c: c, pred: p, text: c.liveText(false)})
	}
	for _, c := range q.Unless {
		if c == nil {
			continue
		}
		p, _ := c.livePredicate(true)
		cs = append(cs, liveCond{c: c, negate: true, pred: p, text: c.liveText(true)})
	}
	tc := ""
	if window {
		tc = fmt.Sprintf("TimeCreated[timediff(@SystemTime) <= %d]", r.Window.Milliseconds())
	}
	build := func() string {
		var preds []string
		for _, c := range cs {
			if c.pred != "" {
				preds = append(preds, c.pred)
			}
		}
		return composeLive(oneLine(q.XPath), tc, preds)
	}
	x := build()
	// Beyond wevtutil's limits or cmd's line: leave conditions to the
	// reader, the last first, until it fits (or none is left: then q's own
	// XPath with the window fails, which Validate reports).
	fits := func(x string) bool {
		_, err := compileXPath(x)
		return err == nil && utf16Len(wevtutilLine(q.Channel, x)) <= MaxCommandLine
	}
	for i := len(cs) - 1; i >= 0; i-- {
		if fits(x) {
			break
		}
		if cs[i].pred != "" {
			cs[i].pred = ""
			x = build()
		}
	}
	return x, cs
}

// oneLine returns the XPath x trimmed, with each tab, CR and LF outside
// its string literals turned into a space (XPath white space), so that the
// command stays one line when pasted: a YAML block scalar keeps the line
// breaks of a long query, and cmd runs each line as a command.
func oneLine(x string) string {
	b := []byte(strings.TrimSpace(x))
	var quote byte
	for i, c := range b {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '\t' || c == '\r' || c == '\n':
			b[i] = ' '
		}
	}
	return string(b)
}

// composeLive adds the time condition tc (none when "") and the event
// predicates preds to the query's XPath x.
func composeLive(x, tc string, preds []string) string {
	more := ""
	for _, p := range preds {
		more += " and " + p
	}
	// "Event[System[...]]" or "*[System[...]]" with one System predicate:
	// add the time condition inside it, as the article writes it, and the
	// other predicates beside it. An 'or' at the top of the System
	// predicate is parenthesised first ('and' binds tighter).
	for _, head := range []string{"Event[System[", "*[System["} {
		if strings.HasPrefix(x, head) && strings.HasSuffix(x, "]]") {
			inner := x[len(head) : len(x)-2]
			if ok, or := scanTop(inner); ok {
				if tc != "" {
					if or {
						inner = "(" + inner + ")"
					}
					inner += " and " + tc
				}
				return head + inner + "]" + more + "]"
			}
		}
	}
	sys := ""
	if tc != "" {
		sys = " and System[" + tc + "]"
	}
	// Any other "Event[P]" or "*[P]": add the predicates beside P.
	for _, head := range []string{"Event[", "*["} {
		if strings.HasPrefix(x, head) && strings.HasSuffix(x, "]") {
			inner := x[len(head) : len(x)-1]
			if ok, _ := scanTop(inner); ok {
				if sys == "" && more == "" {
					return x
				}
				return head + "(" + inner + ")" + sys + more + "]"
			}
		}
	}
	// Selectors joined by and/or ("*[A] or *[B]", "(*[A]) and *[B]"): the
	// time condition and the predicates are one more selector joined by
	// and, so that they hold for every selector's events (predicates
	// added to the last selector would hold for its events only).
	if joinedSelectors(x) {
		var all []string
		if tc != "" {
			all = append(all, "System["+tc+"]")
		}
		all = append(all, preds...)
		if len(all) == 0 {
			return x
		}
		return "(" + x + ") and *[" + strings.Join(all, " and ") + "]"
	}
	// Anything else ("*", "*[A][B]"): more predicates on the event step.
	if tc != "" {
		x += "[System[" + tc + "]]"
	}
	if len(preds) > 0 {
		x += "[" + strings.Join(preds, " and ") + "]"
	}
	return x
}

// joinedSelectors reports whether the XPath x is event selectors joined
// by and/or (or one in parentheses), not one selector ("*" or "Event"
// with predicates): outside its brackets and string literals, x holds
// more than that name.
func joinedSelectors(x string) bool {
	var top strings.Builder
	depth := 0
	var quote byte
	for i := 0; i < len(x); i++ {
		c := x[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case depth > 0 && (c == '\'' || c == '"'):
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0:
			top.WriteByte(c)
		}
	}
	name := strings.TrimSpace(top.String())
	return name != "*" && name != "Event"
}

// livePredicate returns c as a predicate on the event ("EventData[...]",
// "System[...]"), negated for an unless condition, and "" with the reason
// when the XPath cannot hold it.
func (c *Condition) livePredicate(negate bool) (string, string) {
	if !c.Verbatim {
		return "", "not marked verbatim"
	}
	if why := c.liveReason(); why != "" {
		return "", why
	}
	var lits []string
	for _, t := range c.Text {
		lits = append(lits, "'"+t+"'")
	}
	for _, n := range c.codes {
		lits = append(lits, strconv.FormatUint(n, 10))
	}
	var step, lhs string
	switch {
	case c.Data != "":
		step, lhs = "EventData", "Data[@Name='"+c.Data+"']"
	case c.Index > 0:
		step, lhs = "EventData", "Data["+strconv.Itoa(c.Index)+"]"
	case c.System == "Provider":
		step, lhs = "System", "Provider/@Name"
	default:
		step, lhs = "System", c.System
	}
	op, join := "=", " or "
	if negate {
		op, join = "!=", " and "
	}
	parts := make([]string, len(lits))
	for i, l := range lits {
		parts[i] = lhs + op + l
	}
	return step + "[" + strings.Join(parts, join) + "]", ""
}

// liveReason says why the XPath cannot hold c even when it is verbatim,
// "" when it can.
func (c *Condition) liveReason() string {
	switch {
	case c.Before != "":
		return "before: the XPath subset has no substring function"
	case c.Split != "":
		return "split: the XPath subset has no substring function"
	case c.Address:
		return "address: the XPath subset cannot test for an IP address"
	case len(c.Ports) > 0:
		return "ports: the XPath subset cannot read a port list or range"
	case c.UserData != "" || c.AnyField:
		return "user_data and any_field select elements at any depth, which the XPath subset (child steps only) cannot"
	case c.BinaryText:
		return "binary_text: the XPath sees <Binary> as hexadecimal, not as text"
	case c.System != "" && !contains(SystemFields, c.System):
		return "unknown system field"
	case c.Data == "" && c.Index <= 0 && c.System == "":
		return "no field selected"
	case len(c.Text) == 0 && len(c.Codes) == 0:
		return "no text or codes"
	}
	if !liveName(c.Data) {
		return "the data name has a quote, '%', '$', '`', a typographic double quote or a control character"
	}
	for _, t := range c.Text {
		switch {
		case t == "" || t != strings.TrimSpace(t) || strings.HasSuffix(t, "."):
			return fmt.Sprintf("text %q: the rule compares it trimmed and without a final '.', the XPath as spelled", t)
		case !liveName(t):
			return fmt.Sprintf("text %q has a quote, '%%', '$', '`', a typographic double quote or a control character, which the command line (cmd or PowerShell) cannot carry", t)
		}
	}
	for _, n := range c.codes {
		if n > 1<<53 {
			return fmt.Sprintf("code %d is beyond the numbers an XPath number holds exactly", n)
		}
	}
	return ""
}

// liveName reports whether s can be written in a single-quoted XPath
// literal inside cmd's double quotes.
func liveName(s string) bool {
	return !strings.ContainsRune(s, '\'') && cmdQuotable(s)
}

// cmdQuotable reports whether s can be written inside the double quotes
// of a command pasted into cmd or into PowerShell (the fix steps' shell):
// no '"' (it ends the quoted text, and '&', '|', '<' or '>' after it start
// a command or a redirection), no '%' (cmd expands %NAME% even inside
// quotes), no '$' or '`' (PowerShell expands $name and $(...) and escapes
// with '`' inside double quotes), no typographic double quote (U+201C,
// U+201D, U+201E: PowerShell ends a "..." string on them too) and no
// control character (a line break ends the command).
func cmdQuotable(s string) bool {
	for _, r := range s {
		switch {
		case r == '"' || r == '%' || r == '$' || r == '`' || r < 0x20 || r == 0x7f,
			r == '\u201c' || r == '\u201d' || r == '\u201e':
			return false
		}
	}
	return true
}

// liveText says c for the user: "LocalPorts is '3389'", "an item of
// LocalPorts split at ',' is '3389'", "param3 is not 'disabled' or 'auto
// start'" (negate: an unless condition).
func (c *Condition) liveText(negate bool) string {
	var alts []string
	for _, t := range c.Text {
		alts = append(alts, "'"+sayText(t)+"'")
	}
	for _, n := range c.Codes {
		alts = append(alts, sayText(n))
	}
	if c.Address {
		alts = append(alts, "an IP address")
	}
	for _, p := range c.Ports {
		alts = append(alts, fmt.Sprintf("a port list including %d ('*', a range)", p))
	}
	verb := " is "
	if negate {
		verb = " is not "
	}
	label := c.liveLabel()
	if c.Present {
		if negate {
			return label + " is absent"
		}
		return label + " is present"
	}
	if c.Before != "" {
		label += " up to the first '" + sayText(c.Before) + "'"
	}
	if c.Split != "" {
		label = "an item of " + label + " split at '" + sayText(c.Split) + "'"
	}
	return label + verb + orList(alts)
}

// sayText returns s for a note printed under a command (a cmd "rem"
// line): each control character written as Go escapes it ("\n"), so
// that a rule's text cannot end the line and start a command.
func sayText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// liveLabel names the field c selects for the user ("LocalPorts",
// "Data[2]", "the Binary data read as text").
func (c *Condition) liveLabel() string {
	var label string
	switch {
	case c.Data != "":
		label = sayText(c.Data)
	case c.Index > 0:
		label = "Data[" + strconv.Itoa(c.Index) + "]"
	case c.UserData != "":
		label = "the UserData field " + sayText(c.UserData)
	case c.AnyField:
		label = "a data field"
	case c.BinaryText:
		label = "the Binary data read as text"
	case c.System != "":
		label = sayText(c.System)
	}
	return label
}

// orList joins alternatives: "a", "a or b", "a, b or c".
func orList(alts []string) string {
	switch n := len(alts); n {
	case 0:
		return ""
	case 1:
		return alts[0]
	default:
		return strings.Join(alts[:n-1], ", ") + " or " + alts[n-1]
	}
}
