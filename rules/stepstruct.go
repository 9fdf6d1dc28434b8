package rules

// The structural backup check of a fix step: every command that changes
// something (a registry key, a file's permissions, a file, a certificate,
// a private key, the firewall, a netsh context, a local group or account)
// must come after a command of the same step that saved, or for a group,
// an account or a netsh context listed, that same thing: the same key or
// one above it, the same path or a folder above it, the same group. A
// step that exports one key and writes another, or saves one folder's
// permissions and changes another's, fails, where a check of the words
// alone ("a reg export somewhere before") passed it.
//
// The commands are read, not run: a line is cut into commands at the
// separators of both shells outside quotes (; & && | || { } and an
// unmatched ")"), a command is found by its first word (reg, icacls,
// Remove-Item ...), and its target is its first argument or its -Path.
// A certificate is named by a variable or the pipe, so any
// Export-Certificate of the step saves it.
//
// A target held in a variable is compared by the value the step gives it
// (stepCommands). Where the step sets a variable only outside blocks and
// loops, a use stands for the last setting before it: a quoted literal
// ($k = 'HKLM:\\...' first on its line, set K=... alone on its line) as
// that literal, so a reg export of a key covers Set-ItemProperty $k of the
// same key and no other; another value ($f = Get-Item ...) as that one
// value, equal only to itself; none yet, as the value the user gave it
// before pasting, equal only to itself. Settings are $k = (a cast before
// it, several variables at once: $k, $n = ...), set K=, Set-Variable and
// New-Variable, and a parameter that names a variable (-OutVariable k,
// Tee-Object -Variable k). cmd expands %K% when it reads a
// line, so a use sees the settings of earlier lines only; !K! (delayed
// expansion) when the command runs, so one sees earlier commands'. A variable set
// inside a block or loop (where the check cannot tell which setting a use
// sees), $_ and the like, and a subexpression cannot be named: a change
// of one is refused, and a save of one saves nothing. A cmd for loop over
// words (for %s in (A B) do ...) runs its command once for each word;
// over anything else (for /f ...) its variable cannot be named.
//
// A service's configuration (sc config, sc failure, sc sdset, sc delete
// and the other sc commands that change it; Set-Service with anything
// but -Name and -Status) is kept under its key,
// HKLM\SYSTEM\CurrentControlSet\Services\<name> ("sc.exe config:
// Modifies the value of a service's entries in the registry and in the
// Service Control Manager database",
// https://learn.microsoft.com/windows-server/administration/windows-commands/sc-config;
// the commands, "Configuring a Service Using SC",
// https://learn.microsoft.com/windows/win32/services/configuring-a-service-using-sc;
// Set-Service changes "Description, DisplayName, and StartupType",
// -Credential and -SecurityDescriptorSddl,
// https://learn.microsoft.com/powershell/module/microsoft.powershell.management/set-service),
// so its change follows a reg export of that key, which reg import
// restores; sc qc only prints it. checkServiceBackups judges those
// changes, since a step may change a service that an earlier step saved.

import (
	"fmt"
	"strings"
)

// What a step's command changes or saves.
const (
	thingRegistry = "registry"
	thingACL      = "acl"
	thingFile     = "file"
	thingCert     = "certificate"
	thingKey      = "private key"
	thingFirewall = "firewall"
	thingGroup    = "group"
	thingUser     = "account"
	thingNetsh    = "netsh context"
)

// keyFolders are the two folders a machine's private keys are kept in: the
// legacy CryptoAPI providers' RSA\MachineKeys and the CNG key storage
// providers' Keys ("Key Storage and Retrieval", Microsoft Learn, Key
// Directories and Files: "%ALLUSERSPROFILE%\Application
// Data\Microsoft\Crypto\RSA\MachineKeys" and "Shared private",
// "%ALLUSERSPROFILE%\Application Data\Microsoft\Crypto\Keys"; Application
// Data under C:\ProgramData is a junction to C:\ProgramData itself). A
// certificate's key is in the folder of the provider that created it, so
// a step that deletes keys it has not opened copies both.
var keyFolders = []string{`c:\programdata\microsoft\crypto\rsa\machinekeys`, `c:\programdata\microsoft\crypto\keys`}

// stepAction is one command of a step that changes or saves something.
type stepAction struct {
	line    int    // 0-based line of the step's commands
	verb    string // the command's first word, as written
	thing   string // thing*
	target  string // normalised (normTarget); "" when the command names none
	write   bool   // changes target; else saves (or for a group, lists) it
	subtree bool   // a save that covers what is below target too
	pfx     bool   // Export-PfxCertificate: saves the private key as well
	// unnamed is, for a target the check cannot name (a variable
	// stepCommands cannot resolve), that variable as written: a change
	// of it is refused, a save of it saves nothing.
	unnamed string
	// service is the service a change of its configuration names (sc
	// config, Set-Service), as written; target is its key. unsavedWrites
	// leaves these to checkServiceBackups.
	service string
	// psKey is, for a reg.exe command, its key when written as a
	// PowerShell drive or provider path (HKLM:\..., Registry::...),
	// which reg.exe refuses: its export saves nothing.
	psKey string
}

// unsavedWrites returns, for the commands of s in order, each change
// that no earlier command of s saved (checkSteps' messages name the kind
// of backup it wants), skipping comment lines: a commented backup saves
// nothing.
func unsavedWrites(s *Step) []string {
	acts := stepActions(s)
	lines := strings.Split(s.Commands, "\n")
	var bad []string
	for i, w := range acts {
		if w.psKey != "" {
			what := "fails"
			if !w.write {
				what = "fails and saves nothing"
			}
			bad = append(bad, fmt.Sprintf("reg.exe given the PowerShell path %s: its keys start with a root key (HKLM\\..., HKEY_LOCAL_MACHINE\\...), so the command %s: line %d: %s", shownTarget(w.psKey), what, w.line+1, shownLine(lines[w.line])))
			continue
		}
		if !w.write || w.service != "" {
			continue
		}
		before := acts[:i]
		l := fmt.Sprintf("line %d: %s", w.line+1, shownLine(lines[w.line]))
		if w.unnamed != "" && w.thing != thingCert && w.thing != thingKey && w.thing != thingFirewall {
			bad = append(bad, fmt.Sprintf("%s of %s, which the check cannot name: %s; set it outside any block or loop ($k = 'HKLM:\\...', set K=...), or write the %s itself: %s", changeKind(w.thing), shownTarget(w.target), unnamedWhy(w.unnamed), targetNoun(w.thing), l))
			continue
		}
		switch w.thing {
		case thingRegistry:
			if !saved(before, thingRegistry, w.target) {
				bad = append(bad, fmt.Sprintf("registry write before a reg export of its key (%s, or a key above it) in the step (reg query only reads; the export is what reg import restores): %s", shownTarget(w.target), l))
			}
		case thingACL:
			if !saved(before, thingACL, w.target) {
				bad = append(bad, fmt.Sprintf("ACL change before an icacls /save backup of %s (or of a folder above it, with /t) in the step: %s", shownTarget(w.target), l))
			}
		case thingFile:
			if !saved(before, thingFile, w.target) {
				bad = append(bad, fmt.Sprintf("%s before a copy of what it removes (%s) in the step (Copy-Item, robocopy, xcopy of it or of a folder above it): %s", w.verb, shownTarget(w.target), l))
			}
		case thingCert:
			if !saved(before, thingCert, "") {
				bad = append(bad, fmt.Sprintf("Remove-Item of a certificate before Export-Certificate (or Export-PfxCertificate) saves it in the step; a list of thumbprints restores nothing: %s", l))
			}
		case thingKey:
			if missing := unsavedKeyFolders(before); len(missing) > 0 {
				bad = append(bad, fmt.Sprintf("Remove-Item -DeleteKey before the private key is saved in the step: copy (robocopy /B) both key folders, %s, or Export-PfxCertificate; not copied: %s: %s", strings.Join(keyFolders, " and "), strings.Join(missing, ", "), l))
			}
		case thingNetsh:
			if !saved(before, thingNetsh, w.target) {
				bad = append(bad, fmt.Sprintf("netsh %s change before the step shows its settings (netsh %s ... show, or netsh %s dump), which is what undoes it: %s", w.target, w.target, w.target, l))
			}
		case thingFirewall:
			if !saved(before, thingFirewall, "") {
				bad = append(bad, fmt.Sprintf("firewall change before a netsh advfirewall export in the step: %s", l))
			}
		case thingGroup, thingUser:
			if !saved(before, w.thing, w.target) {
				list := "net localgroup " + shownTarget(w.target)
				if w.thing == thingUser {
					list = "net user " + shownTarget(w.target)
				}
				bad = append(bad, fmt.Sprintf("group or account change before the step lists it (%s), which is what undoes it: %s", list, l))
			}
		}
	}
	return bad
}

// saved reports whether one of acts saves thing's target: the same
// target, or one above it when the save covers a subtree; any save of
// thing when target is "" (the command names none). A group or an
// account must be listed by its own name.
func saved(acts []stepAction, thing, target string) bool {
	for _, a := range acts {
		if a.write || a.thing != thing || a.unnamed != "" || a.psKey != "" {
			continue
		}
		if target == "" || a.target == target || a.subtree && a.target != "" && strings.HasPrefix(target, a.target+`\`) {
			return true
		}
	}
	return false
}

// unsavedKeyFolders returns the key folders no file save of acts covers
// (none when an Export-PfxCertificate saved the key itself).
func unsavedKeyFolders(acts []stepAction) []string {
	var missing []string
	for _, a := range acts {
		if a.pfx && !a.write {
			return nil
		}
	}
	for _, f := range keyFolders {
		if !saved(acts, thingFile, f) {
			missing = append(missing, f)
		}
	}
	return missing
}

func shownTarget(t string) string {
	if t == "" {
		return "what it names"
	}
	return strings.ReplaceAll(t, unnamedMark, "")
}

// changeKind and targetNoun name a change of thing and what it changes.
func changeKind(thing string) string {
	switch thing {
	case thingRegistry:
		return "registry write"
	case thingACL:
		return "ACL change"
	case thingFile:
		return "removal or move"
	case thingNetsh:
		return "netsh change"
	}
	return "group or account change"
}

func targetNoun(thing string) string {
	switch thing {
	case thingRegistry:
		return "key"
	case thingACL, thingFile:
		return "path"
	case thingNetsh:
		return "context"
	}
	return "name"
}

// unnamedWhy says why the variable v (as written) cannot be named.
func unnamedWhy(v string) string {
	switch l := strings.ToLower(v); {
	case strings.HasPrefix(l, "$("):
		return v + " is a subexpression"
	case l == "$_" || l == "$psitem" || l == "$input" || l == "$args" || l == "$this" || l == "$matches":
		return v + " is set by PowerShell for each object"
	case strings.HasPrefix(l, "%"):
		return v + " is set by a for loop that does not list its words, or by cmd (%~...)"
	}
	return v + " is set inside a block or loop, where the check cannot tell which setting this use sees"
}

// stepActions returns the changes and saves of s's commands in order
// (stepCommands); a step that names the Cert: drive removes with a
// Remove-Item with no path the certificates piped to it.
func stepActions(s *Step) []stepAction {
	certStep := strings.Contains(strings.ToLower(s.Commands), "cert:")
	var acts []stepAction
	for _, c := range stepCommands(s) {
		acts = append(acts, commandActions(c.line, c.words, certStep)...)
	}
	return acts
}

// splitCommands cuts line into commands at the separators of cmd and
// PowerShell outside quotes (; & | { } and a ")" that closes no "(" of
// the command) and returns each as its words, quotes removed. A command
// starts after an if or for header too: "if exist X reg add ..." and
// "for %s in (...) do reg export ..." give the words from reg on
// (commandStart). Single quotes quote in PowerShell only. A line that
// hands its commands to the other shell (cmd /c "...", powershell
// -Command "...") is cut as if the quotes were not there, so that the
// commands inside are seen.
func splitCommands(line, shell string) [][]string {
	var cmds [][]string
	for _, words := range splitRaw(line, shell) {
		if w := commandStart(words); len(w) > 0 {
			cmds = append(cmds, w)
		}
	}
	return cmds
}

// splitRaw is splitCommands without commandStart: each command's words
// with its if or for header, or its assignment, still in front.
func splitRaw(line, shell string) [][]string {
	cmds, _ := splitBraced(line, shell)
	return cmds
}

// splitBraced is splitRaw that also gives, for each command, the count of
// the line's { before it that a } has not closed: 0 for a command outside
// any PowerShell block the line opens.
func splitBraced(line, shell string) ([][]string, []int) {
	f := foldASCII(line)
	nested := shell == "powershell" && cmdInside.match(line, f) || shell == "cmd" && psInside.match(line, f)
	var cmds [][]string
	var braces []int
	var words []string
	var word strings.Builder
	inWord := false
	var quote byte
	depth, brace := 0, 0
	endWord := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	endCmd := func() {
		endWord()
		if len(words) > 0 {
			cmds = append(cmds, words)
			braces = append(braces, brace)
		}
		words, depth = nil, 0
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		if quote != 0 {
			switch {
			case c == quote && shell == "powershell" && i+1 < len(line) && line[i+1] == quote:
				word.WriteByte(c) // '' in '...', "" in "...": the quote itself
				i++
			case c == quote:
				quote = 0
			default:
				word.WriteByte(c)
			}
			continue
		}
		switch {
		case !nested && (c == '"' || c == '\'' && shell == "powershell"):
			quote, inWord = c, true
		case nested && (c == '"' || c == '\''):
			endCmd() // the quotes around the other shell's commands
		case c == ';' || c == '&' || c == '|':
			endCmd()
		case c == '{':
			endCmd()
			brace++
		case c == '}':
			endCmd()
			brace = max(brace-1, 0)
		case c == '(':
			depth++
			endWord()
			if len(words) == 0 {
				// "(" opens a block or a subexpression: what follows
				// starts a command.
				depth = 0
			}
		case c == ')':
			if depth == 0 {
				endCmd()
				continue
			}
			depth--
			endWord()
		case c == ' ' || c == '\t' || c == '\r':
			endWord()
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	endCmd()
	return cmds, braces
}

// commandStart drops an if or for header from the front of a command's
// words: cmd's "if [not] exist X", "if [not] defined X", "if [/i] A==B",
// "for ... do" and PowerShell's "if"/"else"/"foreach" keywords (their
// conditions are cut off at the brackets), an assignment ("$x ="), and
// an unquoted "cmd /c" or "powershell -Command", returning the command
// they run.
func commandStart(words []string) []string {
	w, _ := commandStartLoops(words)
	return w
}

// commandStartLoops is commandStart that also returns the for headers it
// dropped, outermost first.
func commandStartLoops(words []string) ([]string, []forLoop) {
	var loops []forLoop
	for len(words) > 0 {
		switch w := strings.ToLower(words[0]); {
		case w == "@if" || w == "if":
			rest := words[1:]
			if len(rest) > 0 && strings.EqualFold(rest[0], "/i") {
				rest = rest[1:]
			}
			if len(rest) > 0 && strings.EqualFold(rest[0], "not") {
				rest = rest[1:]
			}
			switch {
			case len(rest) >= 2 && (strings.EqualFold(rest[0], "exist") || strings.EqualFold(rest[0], "defined") || strings.EqualFold(rest[0], "errorlevel")):
				words = rest[2:]
			case len(rest) >= 1 && strings.Contains(rest[0], "=="):
				words = rest[1:]
			default:
				return nil, loops // PowerShell's if: its condition was cut at "("
			}
		case w == "@for" || w == "for":
			i := 1
			for i < len(words) && !strings.EqualFold(words[i], "do") {
				i++
			}
			if i >= len(words) {
				return nil, loops // the header goes on in brackets
			}
			loops = append(loops, forHeader(words[1:i]))
			words = words[i+1:]
		case w == "do" || w == "else" || w == "elseif" || w == "foreach" || w == "try" || w == "catch" || w == "finally":
			words = words[1:]
		case len(words) >= 2 && strings.HasPrefix(w, "$") && words[1] == "=":
			words = words[2:] // $x = <command>: the command runs
		case (w == "cmd" || w == "cmd.exe") && len(words) >= 2 && (strings.EqualFold(words[1], "/c") || strings.EqualFold(words[1], "/k")):
			words = words[2:] // cmd /c <command> without quotes
		case w == "powershell" || w == "powershell.exe" || w == "pwsh" || w == "pwsh.exe":
			i := 1
			for i < len(words) && !strings.EqualFold(words[i], "-command") && !strings.EqualFold(words[i], "-c") {
				i++
			}
			if i+1 >= len(words) {
				return words, loops // the commands, if any, were in quotes: cut apart already
			}
			words = words[i+1:] // powershell -Command <command> without quotes
		default:
			return words, loops
		}
	}
	return nil, loops
}

// forHeader reads a cmd for header's words between "for" and "do": for
// %s in (A B) loops over A and B (commas and semicolons also separate
// them); for /f, /r, /d, /l, and a set with a wildcard, over what the
// check does not know.
func forHeader(h []string) forLoop {
	in := -1
	for i, w := range h {
		if strings.EqualFold(w, "in") {
			in = i
			break
		}
	}
	if in < 1 || !strings.HasPrefix(h[in-1], "%") {
		return forLoop{}
	}
	l := forLoop{v: h[in-1]}
	if in > 1 || strings.HasPrefix(h[0], "/") {
		return l // options: for /f ...
	}
	items := []string{}
	for _, w := range h[in+1:] {
		for _, it := range strings.FieldsFunc(w, func(r rune) bool { return r == ',' || r == ';' || r == '=' }) {
			if strings.ContainsAny(it, "*?") {
				return l
			}
			items = append(items, it)
		}
	}
	l.items = items
	return l
}

// commandActions classifies one command (its words) as the changes and
// saves it makes.
func commandActions(n int, words []string, certStep bool) []stepAction {
	verb := words[0]
	v := strings.TrimSuffix(strings.ToLower(verb), ".exe")
	args := words[1:]
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	act := func(thing, target string, write bool) stepAction {
		return stepAction{line: n, verb: verb, thing: thing, target: normTarget(target), write: write, unnamed: unnamedIn(target)}
	}
	switch v {
	case "reg":
		// reg.exe's keys start with a root key, "HKLM, HKCU, HKCR, HKU,
		// and HKCC" (or its long name: reg export, Microsoft Learn,
		// https://learn.microsoft.com/windows-server/administration/windows-commands/reg-export);
		// HKLM:\ and Registry:: are PowerShell's paths.
		regAct := func(target string, write bool) stepAction {
			a := act(thingRegistry, target, write)
			if l := strings.ToLower(strings.TrimSpace(target)); strings.Contains(l, "::") || isRegistry(normTarget(l)) && strings.Contains(strings.SplitN(l, `\`, 2)[0], ":") {
				a.psKey = target
			}
			return a
		}
		switch strings.ToLower(arg(0)) {
		case "add", "delete":
			return []stepAction{regAct(arg(1), true)}
		case "import":
			// The keys are those in the file: any reg export of the
			// step counts.
			return []stepAction{act(thingRegistry, "", true)}
		case "export":
			a := regAct(arg(1), false)
			a.subtree = true
			return []stepAction{a}
		}
	case "icacls":
		target := arg(0)
		var save, write, tree bool
		for _, a := range args[min(1, len(args)):] {
			switch l := strings.ToLower(a); {
			case l == "/save":
				save = true
			case l == "/t":
				tree = true
			case l == "/grant" || strings.HasPrefix(l, "/grant:") || l == "/deny" || l == "/remove" || strings.HasPrefix(l, "/remove:") ||
				l == "/reset" || l == "/setowner" || strings.HasPrefix(l, "/inheritance:") || strings.HasPrefix(l, "/setintegritylevel"):
				write = true
			}
		}
		switch {
		case save:
			a := act(thingACL, target, false)
			a.subtree = tree
			return []stepAction{a}
		case write:
			return []stepAction{act(thingACL, target, true)}
		}
	case "takeown":
		return []stepAction{act(thingACL, switchValue(args, "/f"), true)}
	case "set-acl":
		return []stepAction{act(thingACL, psPath(args), true)}
	case "netsh":
		if ctx := strings.ToLower(arg(0)); ctx != "" && ctx != "advfirewall" {
			// Another context (interface, winhttp, http ...): a change
			// (set, add, delete, reset, import) follows a show or dump
			// of the same context, which is what undoes it.
			for _, a := range args[1:] {
				switch strings.ToLower(a) {
				case "set", "add", "delete", "reset", "import":
					return []stepAction{act(thingNetsh, ctx, true)}
				case "show", "dump":
					return []stepAction{act(thingNetsh, ctx, false)}
				}
			}
			break
		}
		switch s := strings.ToLower(arg(1)); {
		case s == "export":
			return []stepAction{act(thingFirewall, "", false)}
		case s == "set" || s == "reset" || s == "import":
			return []stepAction{act(thingFirewall, "", true)}
		case s == "firewall":
			switch strings.ToLower(arg(2)) {
			case "set", "add", "delete":
				return []stepAction{act(thingFirewall, "", true)}
			}
		}
	case "net":
		kind := map[string]string{"localgroup": thingGroup, "user": thingUser}[strings.ToLower(arg(0))]
		if kind == "" || arg(1) == "" || strings.HasPrefix(arg(1), "/") {
			break
		}
		for _, a := range args[2:] {
			l := strings.ToLower(a)
			if l == "/add" || l == "/delete" || kind == thingUser && strings.HasPrefix(l, "/") {
				return []stepAction{act(kind, arg(1), true)}
			}
		}
		if len(args) == 2 {
			return []stepAction{act(kind, arg(1), false)}
		}
	case "del", "erase":
		for _, a := range args {
			if !strings.HasPrefix(a, "/") {
				return []stepAction{act(thingFile, a, true)}
			}
		}
		return []stepAction{act(thingFile, "", true)}
	case "robocopy":
		if len(args) < 2 {
			break
		}
		var acts []stepAction
		for _, f := range args[2:] {
			if !strings.HasPrefix(f, "/") {
				acts = append(acts, act(thingFile, args[0]+`\`+f, false))
			}
		}
		if len(acts) == 0 {
			a := act(thingFile, args[0], false)
			a.subtree = true
			acts = append(acts, a)
		}
		return acts
	case "xcopy", "copy-item":
		p := psPath(args)
		if v == "xcopy" {
			p = arg(0)
		}
		if isRegistry(normTarget(p)) {
			return []stepAction{act(thingRegistry, "", true)} // writes its destination key
		}
		a := act(thingFile, p, false)
		a.subtree = true
		return []stepAction{a}
	case "export-certificate":
		return []stepAction{act(thingCert, "", false)}
	case "export-pfxcertificate":
		a := act(thingCert, "", false)
		a.pfx = true
		return []stepAction{a}
	case "remove-item", "move-item":
		p := psPath(args)
		t := normTarget(p)
		switch {
		case isRegistry(t):
			return []stepAction{act(thingRegistry, p, true)}
		case strings.HasPrefix(t, "cert:") || p == "" && certStep && v == "remove-item":
			acts := []stepAction{act(thingCert, "", true)}
			if hasSwitch(args, "-deletekey") {
				acts = append(acts, act(thingKey, "", true))
			}
			return acts
		default:
			return []stepAction{act(thingFile, p, true)}
		}
	case "set-item", "new-item", "rename-item", "clear-item", "set-itemproperty", "new-itemproperty", "remove-itemproperty",
		"rename-itemproperty", "clear-itemproperty", "copy-itemproperty", "move-itemproperty":
		p := psPath(args)
		if isRegistry(normTarget(p)) {
			return []stepAction{act(thingRegistry, p, true)}
		}
		// A path held in a variable: an item property is a registry
		// value (the FileSystem provider's files have none a fix step
		// sets), and so is an item set, cleared or renamed, or created
		// without -ItemType (a folder or a file names its type).
		if p != "" && !literalPath(p) && (strings.HasSuffix(v, "property") || v != "new-item" || switchValue(args, "-itemtype") == "") {
			return []stepAction{act(thingRegistry, p, true)}
		}
	case "sc":
		// sc.exe [\\server] <command> <service> [options]
		// ("Configuring a Service Using SC", Microsoft Learn): a service
		// on another server is not under this machine's key.
		server := ""
		if strings.HasPrefix(arg(0), `\\`) {
			server, args = arg(0), args[1:]
		}
		switch strings.ToLower(arg(0)) {
		case "config", "delete", "description", "failure", "failureflag", "privs", "sdset", "sidtype":
			name := arg(1)
			if name == "" {
				name = unnamedMark + "sc " + strings.ToLower(arg(0)) + " without a service" + unnamedMark
			}
			return []stepAction{serviceAct(n, verb, server, name)}
		}
	case "set-service":
		// -Status starts, stops or pauses; any other parameter changes
		// the configuration (Set-Service, Microsoft Learn).
		name, config := "", false
		for i := 0; i < len(args); i++ {
			l := strings.ToLower(args[i])
			switch {
			case l == "-name" && i+1 < len(args):
				name = args[i+1]
				i++
			case l == "-status" || l == "-inputobject" || l == "-computername":
				i++
			case l == "-passthru" || l == "-whatif" || l == "-force" || l == "-confirm" || strings.HasPrefix(l, "-erroraction") || strings.HasPrefix(l, "-verbose"):
			case !strings.HasPrefix(l, "-") && name == "" && i == 0:
				name = args[i] // -Name's position
			default:
				config = true
			}
		}
		if config {
			if name == "" {
				name = unnamedMark + "a service piped or given by -InputObject" + unnamedMark
			}
			return []stepAction{serviceAct(n, verb, "", name)}
		}
	}
	if fwCmdlet(v) {
		return []stepAction{act(thingFirewall, "", true)}
	}
	return nil
}

// fwCmdlet reports whether v (lower case) is a NetSecurity cmdlet that
// changes a firewall rule or profile.
func fwCmdlet(v string) bool {
	for _, verb := range []string{"enable-", "disable-", "set-", "new-", "remove-"} {
		if v == verb+"netfirewallrule" || v == verb+"netfirewallprofile" {
			return true
		}
	}
	return false
}

// psPath is the path a PowerShell provider cmdlet's words name: its
// -Path or -LiteralPath value, else its first word that is no parameter
// (the position of -Path).
func psPath(args []string) string {
	for i, a := range args {
		if l := strings.ToLower(a); (l == "-path" || l == "-literalpath") && i+1 < len(args) {
			return args[i+1]
		}
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0]
	}
	return ""
}

// switchValue is the word after the switch sw (case-insensitive) in args.
func switchValue(args []string, sw string) string {
	for i, a := range args {
		if strings.EqualFold(a, sw) && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func hasSwitch(args []string, sw string) bool {
	for _, a := range args {
		if strings.EqualFold(a, sw) {
			return true
		}
	}
	return false
}

// normTarget writes a key or path one way: lower case, backslashes, no
// trailing backslash; a registry root as reg.exe's short name (HKLM) from
// its long name, a PowerShell drive (HKLM:) or the Registry:: provider
// path; the ProgramData folder as C:\ProgramData from %ProgramData%,
// %ALLUSERSPROFILE%, $env:ProgramData or $env:ALLUSERSPROFILE.
func normTarget(p string) string {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(p), "/", `\`))
	t = strings.TrimPrefix(t, `microsoft.powershell.core\`)
	t = strings.TrimPrefix(t, "registry::")
	for long, short := range map[string]string{"hkey_local_machine": "hklm", "hkey_current_user": "hkcu", "hkey_classes_root": "hkcr", "hkey_users": "hku", "hkey_current_config": "hkcc"} {
		if t == long || strings.HasPrefix(t, long+`\`) {
			t = short + t[len(long):]
		}
	}
	for _, root := range []string{"hklm", "hkcu", "hkcr", "hku", "hkcc"} {
		if t == root+":" || strings.HasPrefix(t, root+`:\`) {
			t = root + t[len(root)+1:]
		}
	}
	for _, v := range []string{"%programdata%", "%allusersprofile%", "$env:programdata", "$env:allusersprofile", "${env:programdata}", "${env:allusersprofile}"} {
		if t == v || strings.HasPrefix(t, v+`\`) {
			t = `c:\programdata` + t[len(v):]
		}
	}
	return strings.TrimRight(t, `\`)
}

// isRegistry reports whether t (normTarget) is a registry key.
func isRegistry(t string) bool {
	for _, root := range []string{"hklm", "hkcu", "hkcr", "hku", "hkcc"} {
		if t == root || strings.HasPrefix(t, root+`\`) {
			return true
		}
	}
	return false
}
