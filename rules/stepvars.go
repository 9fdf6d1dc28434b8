package rules

// The commands of a fix step with their variables resolved, for the
// structural backup check (stepstruct.go): what a target held in a
// variable names, where the check can tell.

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// unnamedMark brackets, in a word, a variable the check cannot name (see
// stepstruct.go): a target that holds it is unnamed (unnamedIn).
const unnamedMark = "\x00"

// stepCommand is one command of a step: the 0-based line it is on and its
// words, headers dropped (commandStart), a for loop's variable replaced by
// each of its words, and variables resolved.
type stepCommand struct {
	line  int
	words []string
}

// rawCommand is a command as splitRaw gives it, with where it is.
type rawCommand struct {
	line  int
	words []string
	first bool // the first command of its line
	// top: outside any block (a line a ( or { of an earlier line left
	// open, or, in PowerShell, after a { of its own line) and in the
	// step's shell (not inside cmd /c "..." or powershell -Command "...").
	top bool
}

// assignment is a variable's setting in a step.
type assignment struct {
	pos     int    // index of the raw command that sets it
	line    int    // 0-based line
	step    string // the step's ID
	top     bool   // rawCommand.top
	literal bool   // to one quoted literal (literalSet)
	value   string // that literal
}

var (
	// psLiteralSet and cmdLiteralSet are a line that sets a variable to
	// one literal: $k = '...' or "..." without a variable, a
	// subexpression or an escape in it, optionally followed by ; and
	// more commands; set K=... or set "K=..." without %, !, quotes or a
	// redirection, alone on its line (cmd's set takes the rest of the
	// line as the value).
	psLiteralSet  = regexp.MustCompile("^\\s*\\$([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*(?:'([^']*)'|\"([^\"$`]*)\")\\s*(?:;.*)?$")
	cmdLiteralSet = regexp.MustCompile(`(?i)^\s*@?set\s+(?:"([A-Za-z_][A-Za-z0-9_]*)=([^"%!]*)"|([A-Za-z_][A-Za-z0-9_]*)=([^"%!&|<>^()]*))\s*$`)
	// psVarName is the name after $ (a scope or env: in front), cmdVarRef
	// a %NAME% reference.
	psVarName = regexp.MustCompile(`^(?i:(?:script|global|local|private|using|env):)?[A-Za-z0-9_]+`)
	cmdVarRef = regexp.MustCompile(`^%([A-Za-z_][A-Za-z0-9_]*)%`)
	// cmdDelayedRef is a !NAME! reference (delayed expansion).
	cmdDelayedRef = regexp.MustCompile(`^!([A-Za-z_][A-Za-z0-9_]*)!`)
)

// stepCommands returns s's commands in order (comment lines skipped),
// with a cmd for loop over words run once per word and each variable
// replaced by what it names where the step tells (the rules are in
// stepstruct.go's header); a variable the check cannot name is kept
// between unnamedMarks.
func stepCommands(s *Step) []stepCommand {
	var raws []rawCommand
	depth := 0
	for n, line := range strings.Split(s.Commands, "\n") {
		if comment.MatchString(line) {
			continue
		}
		f := foldASCII(line)
		nested := s.Shell == "powershell" && cmdInside.match(line, f) || s.Shell == "cmd" && psInside.match(line, f)
		cmds, braces := splitBraced(line, s.Shell)
		for i, w := range cmds {
			raws = append(raws, rawCommand{line: n, words: w, first: i == 0, top: depth == 0 && !nested && (s.Shell != "powershell" || braces[i] == 0)})
		}
		depth = max(depth+bracketDelta(line, s.Shell), 0)
	}
	lines := strings.Split(s.Commands, "\n")
	sets := map[string][]assignment{}
	for pos, r := range raws {
		vs, loop := assignedVars(r.words)
		for _, v := range vs {
			a := assignment{pos: pos, line: r.line, step: s.ID, top: r.top && !loop}
			if r.top && r.first {
				a.literal, a.value = literalSet(lines[r.line], s.Shell, v)
			}
			sets[v] = append(sets[v], a)
		}
	}
	for v, as := range sets {
		// A setting in a block goes first: varValue needs to look at one
		// setting only to find that the variable cannot be named.
		if i := slices.IndexFunc(as, func(a assignment) bool { return !a.top }); i > 0 {
			sets[v] = append([]assignment{as[i]}, as...)
		}
	}
	var cmds []stepCommand
	for pos, r := range raws {
		words, loops := commandStartLoops(r.words)
		if len(words) == 0 {
			continue
		}
		for _, w := range expandLoops(words, loops) {
			for i := 1; i < len(w); i++ {
				w[i] = resolveVars(w[i], pos, r.line, sets)
			}
			cmds = append(cmds, stepCommand{line: r.line, words: w})
		}
	}
	return cmds
}

// bracketDelta is the count of ( and { less ) and } outside quotes on
// line (cmd's blocks are in ( ), PowerShell's in { }).
func bracketDelta(line, shell string) int {
	d := 0
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' && shell == "powershell":
			quote = c
		case c == '(' || c == '{':
			d++
		case c == ')' || c == '}':
			d--
		}
	}
	return d
}

// varKey is the key of a variable reference: $name for PowerShell (lower
// case, a script:, global:, local:, private: or using: scope dropped;
// env: kept), %name% for cmd.
func varKey(ref string) string {
	l := strings.ToLower(ref)
	if strings.HasPrefix(l, "%") {
		return l
	}
	l = strings.TrimPrefix(l, "$")
	l = strings.TrimSuffix(strings.TrimPrefix(l, "{"), "}")
	for _, scope := range []string{"script:", "global:", "local:", "private:", "using:"} {
		l = strings.TrimPrefix(l, scope)
	}
	return "$" + l
}

// assignedVars returns the keys of the variables a raw command sets at
// its start, or after its if or for header: $x = (or +=, -=, ...; a cast
// before it, [string]$x =; $x=value in one word), foreach ($x in ...) and
// for ($x = ...), cmd's set X=..., Set-Variable or New-Variable -Name X
// (or X first); loop says a foreach or for header sets them, each time
// round.
func assignedVars(raw []string) (vs []string, loop bool) {
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			vs = append(vs, k)
		}
	}
	for _, words := range [][]string{raw, commandStart(raw)} {
		for len(words) > 0 {
			l := strings.ToLower(words[0])
			switch {
			case (l == "foreach" || l == "for") && len(words) > 1 && strings.HasPrefix(words[1], "$"):
				words = words[1:] // its variable is set as an assignment's
				loop = true
				continue
			case (l == "set" || l == "@set") && len(words) > 1:
				rest := words[1:]
				if len(rest) > 1 && strings.HasPrefix(rest[0], "/") {
					rest = rest[1:] // set /a, set /p
				}
				if name, _, ok := strings.Cut(rest[0], "="); ok && name != "" {
					add("%" + strings.ToLower(strings.TrimSpace(name)) + "%")
				}
			case l == "set-variable" || l == "new-variable" || l == "sv" || l == "nv":
				// PowerShell takes a parameter by any prefix of its name
				// that names no other (-N, -Na: -Name).
				// https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.core/about/about_parameters
				// The value may follow a colon (-Name:k, -N:k).
				var name string
				for i := 1; i < len(words); i++ {
					sw, val, colon := strings.Cut(words[i], ":")
					if l := strings.ToLower(sw); len(l) > 1 && strings.HasPrefix("-name", l) {
						if colon {
							name = val
						} else if i+1 < len(words) {
							name = words[i+1]
						}
						break
					}
				}
				if name == "" && len(words) > 1 && !strings.HasPrefix(words[1], "-") {
					name = words[1]
				}
				if name != "" {
					add(varKey("$" + name))
				}
			default:
				if ks := psListAssigned(words); ks != nil {
					for _, k := range ks {
						add(k)
					}
					break
				}
				if k, n := psAssigned(words); k != "" {
					add(k)
					words = words[n:] // $a = $b = ...
					continue
				}
			}
			break
		}
	}
	// A common parameter that names a variable sets it wherever it is
	// (-OutVariable k, -ov:+k; Tee-Object -Variable k): never to a
	// literal the check reads.
	// https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.core/about/about_commonparameters
	for i, w := range raw {
		sw, val, colon := strings.Cut(strings.ToLower(w), ":")
		if !varParams[sw] {
			continue
		}
		if !colon {
			if i+1 >= len(raw) {
				continue
			}
			val = raw[i+1]
		}
		if name := strings.TrimPrefix(strings.Trim(val, "'\""), "+"); name != "" && !strings.HasPrefix(name, "$") {
			add(varKey("$" + name))
		}
	}
	return vs, loop
}

// varParams are the parameters that name a variable a command sets.
var varParams = map[string]bool{
	"-outvariable": true, "-ov": true, "-pipelinevariable": true, "-pv": true,
	"-errorvariable": true, "-ev": true, "-warningvariable": true, "-wv": true,
	"-informationvariable": true, "-iv": true, "-variable": true,
}

// psListAssigned returns the keys of the variables words start by setting
// together ($a, $b = 1, 2; [int] $a, $b = ...), or nil.
func psListAssigned(words []string) []string {
	line := strings.Join(words, " ")
	m := psListSet.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	var ks []string
	for _, v := range strings.Split(m[1], ",") {
		v = strings.TrimSpace(v)
		if i := strings.LastIndex(v, "]"); i >= 0 {
			v = strings.TrimSpace(v[i+1:])
		}
		ks = append(ks, varKey(v))
	}
	return ks
}

// psListSet is a list of variables (each may have a cast) given values
// together.
var psListSet = regexp.MustCompile(`^((?:(?:\[[^\]]*\]\s*)?\$[A-Za-z0-9_:{}]+\s*,\s*)+(?:\[[^\]]*\]\s*)?\$[A-Za-z0-9_:{}]+)\s*=[^=]`)

// psAssigned returns the key of the variable words start by setting ($x
// =, $x += ..., [type]$x =, $x=value, foreach ($x in: "in" sets it too),
// and how many words the setting takes; "" when they start otherwise.
func psAssigned(words []string) (string, int) {
	w := words[0]
	if strings.HasPrefix(w, "[") && strings.HasSuffix(w, "]") && len(words) > 1 {
		// [string] $x = ...: a cast apart from its variable.
		if k, n := psAssigned(words[1:]); k != "" {
			return k, n + 1
		}
		return "", 0
	}
	if strings.HasPrefix(w, "[") {
		j := strings.LastIndex(w, "]$")
		if j < 0 {
			return "", 0
		}
		w = w[j+1:]
	}
	if !strings.HasPrefix(w, "$") {
		return "", 0
	}
	name := psVarName.FindString(w[1:])
	after := w[1+len(name):]
	if strings.HasPrefix(w, "${") {
		k := strings.Index(w, "}")
		if k < 0 {
			return "", 0
		}
		name, after = w[2:k], w[k+1:]
	}
	if name == "" {
		return "", 0
	}
	n := 1
	if after == "" && len(words) > 1 {
		after, n = words[1], 2
	}
	if strings.EqualFold(after, "in") {
		return varKey("$" + name), n
	}
	for _, op := range []string{"=", "+=", "-=", "*=", "/=", "%=", "??="} {
		if strings.HasPrefix(after, op) && !strings.HasPrefix(after, "==") {
			if after != op {
				n-- // $x=value, $x =value: the value is in the word
			}
			return varKey("$" + name), max(n, 1)
		}
	}
	return "", 0
}

// literalSet returns the literal line sets variable v (a key) to, when
// the line is one psLiteralSet or cmdLiteralSet matches for v.
func literalSet(line, shell, v string) (bool, string) {
	if m := psLiteralSet.FindStringSubmatch(line); m != nil && varKey("$"+m[1]) == v {
		if strings.HasPrefix(strings.TrimSpace(line[strings.Index(line, "=")+1:]), "'") {
			return true, m[2]
		}
		return true, m[3]
	}
	if shell != "cmd" {
		return false, ""
	}
	if m := cmdLiteralSet.FindStringSubmatch(line); m != nil {
		name, value := m[1], m[2]
		if name == "" {
			name, value = m[3], m[4]
		}
		if "%"+strings.ToLower(name)+"%" == v {
			return true, value
		}
	}
	return false, ""
}

// resolveVars replaces in word w (of the raw command at pos, on line)
// each variable reference by what it names there (varValue); a
// subexpression $(...) is put between unnamedMarks.
func resolveVars(w string, pos, line int, sets map[string][]assignment) string {
	if !strings.ContainsAny(w, "$%!") {
		return w
	}
	var b strings.Builder
	for i := 0; i < len(w); {
		c := w[i]
		if c != '$' && c != '%' && c != '!' {
			b.WriteByte(c)
			i++
			continue
		}
		var ref string
		switch {
		case c == '$' && strings.HasPrefix(w[i:], "$("):
			b.WriteString(unnamedMark + w[i:] + unnamedMark) // the rest: where the subexpression ends is not read
			return b.String()
		case c == '$' && strings.HasPrefix(w[i:], "${"):
			if k := strings.Index(w[i:], "}"); k > 0 {
				ref = w[i : i+k+1]
			}
		case c == '$':
			if name := psVarName.FindString(w[i+1:]); name != "" {
				ref = "$" + name
			}
		case c == '!':
			// cmd's delayed expansion (setlocal EnableDelayedExpansion)
			// reads !NAME! when the command runs, as PowerShell reads $x:
			// a variable the step sets is taken so, and set again after
			// a save is not the saved value.
			if m := cmdDelayedRef.FindStringSubmatch(w[i:]); m != nil && len(sets["%"+strings.ToLower(m[1])+"%"]) > 0 {
				b.WriteString(varValueOf(m[0], "%"+strings.ToLower(m[1])+"%", pos, line, false, sets))
				i += len(m[0])
				continue
			}
		default:
			if m := cmdVarRef.FindString(w[i:]); m != "" {
				ref = m
			}
		}
		if ref == "" {
			b.WriteByte(c)
			i++
			continue
		}
		b.WriteString(varValue(ref, pos, line, sets))
		i += len(ref)
	}
	return b.String()
}

// varValue is what the reference ref stands for in the raw command at
// pos, on line: as written when the step never sets it; when it sets it
// only outside blocks (assignment.top), the last setting before it (for
// $name, an earlier command; for %name%, which cmd expands when it reads
// the line, an earlier line) as its literal, or "ref[as set on line N of
// step ID]" for another value, or as written when none comes before it;
// else, and for $_ and the like, ref between unnamedMarks.
func varValue(ref string, pos, line int, sets map[string][]assignment) string {
	k := varKey(ref)
	return varValueOf(ref, k, pos, line, strings.HasPrefix(k, "%"), sets)
}

// varValueOf is varValue of ref, whose key is k, the settings of earlier
// lines seen when byLine is true (cmd's %K%), else of earlier commands
// ($x, cmd's !K!).
func varValueOf(ref, k string, pos, line int, byLine bool, sets map[string][]assignment) string {
	switch k {
	case "$_", "$psitem", "$input", "$args", "$this", "$matches", "$foreach", "$switch":
		return unnamedMark + ref + unnamedMark
	}
	as := sets[k]
	if len(as) > 0 && !as[0].top {
		return unnamedMark + ref + unnamedMark // one setting in a block (stepCommands puts it first)
	}
	// The settings are in the order of the commands, so of the lines too.
	n := sort.Search(len(as), func(i int) bool {
		if byLine {
			return as[i].line >= line
		}
		return as[i].pos >= pos
	})
	switch {
	case n == 0:
		return ref
	case as[n-1].literal:
		return as[n-1].value
	}
	return fmt.Sprintf("%s[as set on line %d of step %s]", ref, as[n-1].line+1, as[n-1].step)
}

// unnamedIn returns the first variable of target (a word stepCommands
// gave) that the check cannot name, or "".
func unnamedIn(target string) string {
	i := strings.Index(target, unnamedMark)
	if i < 0 {
		return ""
	}
	rest := target[i+len(unnamedMark):]
	if j := strings.Index(rest, unnamedMark); j >= 0 {
		return rest[:j]
	}
	return rest
}

// literalPath reports whether p (a resolved word) names a path with no
// variable in it: the ProgramData folder's variables become
// C:\ProgramData (normTarget), any other $ or % reference is a value the
// check does not know.
func literalPath(p string) bool {
	return !strings.ContainsAny(normTarget(p), "$%"+unnamedMark)
}

// serviceAct is the change of service name's configuration (on server,
// "" for this machine) by the command verb on line n: a write of its key.
func serviceAct(n int, verb, server, name string) stepAction {
	key := `HKLM\SYSTEM\CurrentControlSet\Services\` + name
	if server != "" {
		key = server + `\` + key // another machine's: no reg export here saves it
	}
	return stepAction{line: n, verb: verb, thing: thingRegistry, target: normTarget(key), write: true, unnamed: unnamedIn(name), service: name}
}

// forLoop is a for header commandStartLoops dropped: its variable as
// written, and its words, nil when it loops over something else (for
// /f, /r, /d, /l, or a file set with * or ?).
type forLoop struct {
	v     string
	items []string
}

// maxLoopRuns bounds the commands a nest of for loops expands to; past
// it each loop's variable is unnamed.
const maxLoopRuns = 64

// expandLoops returns words once for each combination of loops' words,
// each loop's variable replaced (cmd's for variables are case-sensitive:
// %s is not %S), or, for a loop whose words are not known, put between
// unnamedMarks.
func expandLoops(words []string, loops []forLoop) [][]string {
	runs := 1
	for _, l := range loops {
		runs *= max(len(l.items), 1)
		if runs > maxLoopRuns {
			break
		}
	}
	out := [][]string{append([]string(nil), words...)}
	for _, l := range loops {
		if l.v == "" {
			continue
		}
		if l.items == nil || runs > maxLoopRuns {
			for _, w := range out {
				for i := range w {
					w[i] = strings.ReplaceAll(w[i], l.v, unnamedMark+l.v+unnamedMark)
				}
			}
			continue
		}
		var next [][]string
		for _, w := range out {
			for _, item := range l.items {
				c := make([]string, len(w))
				for i := range w {
					c[i] = strings.ReplaceAll(w[i], l.v, item)
				}
				next = append(next, c)
			}
		}
		out = next
	}
	return out
}
