package rules

// The fix-step checks: a step is pasted into a broken production VM, so it
// cites its source, never prompts, and backs up or reads what it changes
// before it changes it. Validate applies them to every rule, built-in or
// loaded (--rules), so a user rule is held to what the built-ins are.

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	// regWrite is a reg.exe command that changes the registry.
	regWrite = pattern(`(?i)\breg(\.exe)?\s+(add|delete)\b`, "reg")
	// force is reg.exe's "no prompt" switch as a word of its own.
	force = pattern(`(?i)(^|\s)/f(\s|$)`, "/f")
	// psRegWrite is a PowerShell provider cmdlet that changes the
	// registry (a path on a registry drive, HKLM: ..., or Registry::).
	psRegWrite = pattern(`(?i)\b(Set|New|Remove|Rename|Clear|Copy|Move)-Item(Property)?\b.*\b(HK(LM|CU|CR|U|CC)|Registry):`, "-item")
	// aclWrite changes file permissions or owners: icacls /grant,
	// /deny, /remove, /reset, /setowner, /inheritance or
	// /setintegritylevel (icacls, Microsoft Learn), takeown, Set-Acl.
	aclWrite = pattern(`(?i)\b(icacls\b.*\s/(grant|deny|remove|reset|setowner|inheritance|setintegritylevel)\b|takeown\b|Set-Acl\b)`, "icacls", "takeown", "set-acl")
	// certRemove is Remove-Item, of a certificate, a file or a key: a
	// change unguardedWrites and changesBeforeCheck look for (what it
	// must follow is unsavedWrites', stepstruct.go).
	certRemove = pattern(`(?i)\bRemove-Item\b`, "remove-item")

	// offlineControlSet is a write to a numbered control set of a loaded
	// offline hive: the number must come from Select\Current, not be
	// assumed (rdp-causes.md D13).
	offlineControlSet = pattern(`(?i)\breg(\.exe)?\s+(add|delete|import)\b.*BROKENSYSTEM\\ControlSet0*[0-9]`, `brokensystem\controlset`)
	// unpaddedControlSet names a control set's key by a variable behind
	// fixed zeros (ControlSet00%CS%, ControlSet$n): the key carries
	// Select\Current's number in three digits ("If this value is 0x1 ...
	// the subkey producing the CurrentControlSet is ControlSet001", REG:
	// ControlSet\Select Subkey Entries, http://support.microsoft.com/kb/102984;
	// numbers above 9 are met, "3 or 47",
	// https://winreg-kb.readthedocs.io/en/latest/sources/system-keys/Current-control-set.html),
	// so Current 10 names ControlSet010, where ControlSet00%CS% gives
	// ControlSet0010, a key that does not exist. A substring of a padded
	// number (%CS:~1%) or a format ({0:D3}) is no variable here.
	unpaddedControlSet = pattern(`(?i)\bControlSet0*(%[A-Za-z_][A-Za-z0-9_]*%|![A-Za-z_][A-Za-z0-9_]*!|\$[A-Za-z_{])`, "controlset")

	// scConfig is an sc.exe command that changes a service's
	// configuration.
	scConfig = pattern(`(?i)\bsc(\.exe)?\s+config\s+("?)([A-Za-z0-9_]+)`, "config")
	// setServiceConfig is Set-Service with a parameter that changes the
	// service's configuration, not only its status (Set-Service,
	// Microsoft Learn).
	setServiceConfig = pattern(`(?i)\bSet-Service\b.*\s-(StartupType|StartMode|StartType|Credential|DisplayName|Description|SecurityDescriptorSddl)\b`, "set-service")

	// fwWrite matches a command that changes the Windows Firewall's rules
	// or profiles.
	fwWrite = pattern(`(?i)\b(Enable|Disable|Set|New|Remove)-NetFirewall(Rule|Profile)\b|\|\s*Disable-NetFirewallRule\b|\bnetsh\s+advfirewall\s+(set|reset|import|firewall\s+(set|add|delete))\b`, "-netfirewall", "netsh")

	// backupFile writes a backup to a fixed file name in the backup
	// folder, %SystemDrive%\BackupACLs (backupRoot).
	backupFile = pattern(`(?i)\b(reg(\.exe)?\s+export|netsh\s+advfirewall\s+export)\b.*`+backupRoot+`\\[^%$\s"]*(%s)?[^%$\s"]*("|\s|$)`, `\backupacls\`)
	// keepFirst leaves an existing backup alone.
	keepFirst = pattern(`(?i)\bif\s+not\s+exist\s+"?`+backupRoot+`(\\|"|\s)`, `\backupacls`)
	// regExportAny is reg export, which asks before overwriting an
	// existing file unless given /y; yes is that switch.
	regExportAny = pattern(`(?i)\breg(\.exe)?\s+export\b`, "export")
	yes          = pattern(`(?i)(^|\s)/y(\s|$)`, "/y")
	// quotedPlaceholder is a placeholder in quotes ("<server name>"):
	// cmd and PowerShell pass it as it is when it is not edited, where an
	// unquoted one (<name>) is a redirection or a parse error that runs
	// nothing. comment is a line cmd or PowerShell does not run.
	quotedPlaceholder = regexp.MustCompile(`["']<[^"'<>]*>["']`)
	comment           = regexp.MustCompile(`(?i)^\s*(#|rem(\s|$)|::)`)
	// makeDir creates the backup folder.
	makeDir = pattern(`(?i)\b(md|mkdir)\s+"?`+backupRoot+`"?\s*$`, `\backupacls`)
)

// backupRoot is the folder the steps keep their backups in, as a regular
// expression: BackupACLs on the Windows drive, named by its variable in
// cmd (%SystemDrive%) or PowerShell ($env:SystemDrive), never by a fixed
// letter (fixedWindowsDrive).
const backupRoot = `(%SystemDrive%|\$env:SystemDrive)\\BackupACLs`

// keyedPattern is a case-insensitive ((?i)) regular expression with the
// keywords one of which every text it matches holds, each a lower-case
// ASCII literal whose letters match in any case (Unicode simple folding:
// k is also the Kelvin sign K, s the long s ſ). A line whose folded
// text (foldASCII) holds none of them cannot match, and skips the
// expression: Go's backtracking matcher takes microseconds per line, and
// the built-in rules' 253 command lines were checked with 13 of them on
// every validation (6 ms, twice per analyze run).
type keyedPattern struct {
	re       *regexp.Regexp
	keywords []string
}

func pattern(expr string, keywords ...string) *keyedPattern {
	return &keyedPattern{re: regexp.MustCompile(expr), keywords: keywords}
}

// match reports whether p matches line; folded is foldASCII(line).
func (p *keyedPattern) match(line, folded string) bool {
	return p.mayMatch(folded) && p.re.MatchString(line)
}

// find is p's FindStringSubmatch of line; folded is foldASCII(line).
func (p *keyedPattern) find(line, folded string) []string {
	if !p.mayMatch(folded) {
		return nil
	}
	return p.re.FindStringSubmatch(line)
}

// MatchString reports whether p matches line.
func (p *keyedPattern) MatchString(line string) bool { return p.match(line, foldASCII(line)) }

func (p *keyedPattern) String() string { return p.re.String() }

func (p *keyedPattern) mayMatch(folded string) bool {
	for _, k := range p.keywords {
		if strings.Contains(folded, k) {
			return true
		}
	}
	return false
}

// foldASCII returns s with every rune that a (?i) ASCII letter matches
// replaced by that letter in lower case (A-Z, the Kelvin sign U+212A,
// the long s U+017F: the only runes outside a-z whose simple case folding
// reaches an ASCII letter, TestFoldASCIICoversFolding), other runes kept:
// a (?i) match of an ASCII literal in s is a plain match of its lower
// case in foldASCII(s).
func foldASCII(s string) string {
	var b []byte // nil while s needs no change
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf { // what DecodeRuneInString gives, without the call
			switch {
			case 'A' <= c && c <= 'Z' && b == nil:
				b = append(append(make([]byte, 0, len(s)), s[:i]...), c+'a'-'A')
			case 'A' <= c && c <= 'Z':
				b = append(b, c+'a'-'A')
			case b != nil:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		var c byte
		switch {
		case 'A' <= r && r <= 'Z':
			c = byte(r) + 'a' - 'A'
		case r == '\u212A':
			c = 'k'
		case r == '\u017F':
			c = 's'
		}
		switch {
		case c != 0 && b == nil:
			b = append(append(make([]byte, 0, len(s)), s[:i]...), c)
		case c != 0:
			b = append(b, c)
		case b != nil:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	if b == nil {
		return s
	}
	return string(b)
}

// checkSteps returns the ways r's resolution steps break the fix-step
// checks, each a *RuleError naming the rule's file, the rule and the step
// (Field "resolution[<step id>].source" or ".commands", the offending line
// quoted):
//
//   - every step cites its source;
//   - reg add and reg delete carry /f, reg export /y (no prompt);
//   - no command passes a quoted placeholder ("<server name>"), which
//     would be written as it is if not edited; the message says to write
//     it unquoted in a command that only reads (unedited, nothing runs),
//     or to use an environment variable the step checks (placeholderFix);
//   - within a step, every change follows a save of the same thing
//     (unsavedWrites, stepstruct.go, which reads the commands' words, not
//     only their names): a registry write (reg add/delete/import, or a
//     PowerShell Set-/New-/Remove-/Rename-/Clear-/Copy-/Move-Item(Property)
//     on a registry path) a reg export of its key or a key above it (reg
//     query only reads: it leaves nothing reg import restores), an ACL
//     change (icacls /grant, takeown, Set-Acl) an icacls /save of the
//     same path or, with /t, a folder above it, a firewall change a netsh
//     advfirewall export, a Remove-Item of a certificate an
//     Export-Certificate or Export-PfxCertificate, one with -DeleteKey
//     also a copy of both private key folders (RSA\MachineKeys and the
//     CNG Keys) or Export-PfxCertificate, a file removed or moved (del,
//     Remove-Item, Move-Item) a copy of it or of a folder above it, and a
//     change of a local group's members or a local account (net
//     localgroup G ... /add, net user U /active...) a listing of that
//     group or account, and a netsh change outside the firewall (netsh
//     interface ... set) a show or dump of the same context; a target
//     held in a variable is compared by the value the step sets it to,
//     and a change of one the check cannot name is refused
//     (stepstruct.go, stepvars.go);
//   - a change of a service's configuration (sc config, sc failure, sc
//     sdset and the other sc commands that change it; Set-Service with
//     anything but -Name and -Status) follows a reg export of its key,
//     HKLM\SYSTEM\CurrentControlSet\Services\<name> or a key above it,
//     in the step or an earlier one, so that reg import restores it:
//     earlier in the file's order and in each order a refinement prints
//     (its first steps, then the others), since that is the order pasted
//     (checkServiceBackups; sc qc only prints the configuration);
//   - a step that edits an offline hive (BROKENSYSTEM) reads
//     Select\Current and writes no fixed ControlSet00N, and no command
//     names a control set by a variable behind fixed zeros
//     (ControlSet00%CS%: Current 10 is ControlSet010, unpaddedControlSet);
//   - a backup to a fixed file name in %SystemDrive%\BackupACLs, and the md of that
//     folder, run only "if not exist", so that a second run keeps the
//     first backup.
//   - a step that takes a backup says how to put it back, in its text,
//     title or commands (a commented line counts): reg import for reg
//     export, icacls /restore for icacls /save, netsh advfirewall import
//     for its export, Import-Certificate or Import-PfxCertificate for
//     Export-Certificate or Export-PfxCertificate (unnamedRestores);
//   - a step that restarts or stops a service or the machine (Restart-
//     Service, Stop-Service, sc stop, net stop, shutdown /r or /s,
//     Restart-Computer, Stop-Computer) says so in its title or text
//     (unsaidInterruptions): a restart of Remote Desktop Services ends
//     the RDP sessions, one of the VM everything;
//   - icacls gives or takes rights of a well-known account by its SID
//     (*S-1-5-20), not its name (NT AUTHORITY\NETWORK SERVICE,
//     BUILTIN\Administrators, Everyone), which Windows localizes
//     (localizedAccounts);
//   - no command names a builtin group or account by its English name
//     where Windows takes the localized one (net localgroup "Remote
//     Desktop Users", net user Administrator, Add-LocalGroupMember -Group
//     Administrators, WinNT://./Administrators), and sc config obj= or
//     the ObjectName value names a service account the way the service
//     control manager takes it in every language (NT
//     AUTHORITY\NetworkService, not NETWORK SERVICE): englishBuiltins;
//   - no command names the Windows folder, the OS volume or the backup
//     folder by a fixed letter (C:\Windows, C:\ProgramData, Get-Volume
//     -DriveLetter C, C:\BackupACLs): fixedWindowsDrive;
//   - the commands work in the step's shell and never stop for an
//     answer, and run on the machine the step names: checkShell and
//     checkRunOn (stepshell.go);
//   - every change those checks know (the writes above, sc config) runs
//     only under a condition, "if exist <backup> ..." in cmd and
//     "if (...) { ... }" in PowerShell, on its line or in a block an if
//     line opens (unguardedWrites): a block pasted into cmd or an
//     interactive PowerShell runs every line even when the backup before
//     it failed.
//
// The checks read the commands line by line; unsavedWrites cuts them into
// commands and words, and none of them runs cmd's or PowerShell's parser.
func checkSteps(r *Rule) []error {
	var errs []error
	for _, s := range r.Resolution {
		if s == nil {
			continue
		}
		bad := func(field, format string, args ...any) {
			errs = append(errs, &RuleError{File: r.File, Rule: r.ID, Field: fmt.Sprintf("resolution[%s]%s", s.ID, field), Err: fmt.Errorf(format, args...)})
		}
		if strings.TrimSpace(s.Source) == "" {
			bad(".source", "empty (a fix step cites where it comes from)")
		}
		if strings.Contains(s.Commands, "BROKENSYSTEM") && !strings.Contains(s.Commands, `Select /v Current`) {
			bad(".commands", `edits the offline hive BROKENSYSTEM without reading its Select /v Current`)
		}
		for _, msg := range checkShell(s) {
			bad(".commands", "%s", msg)
		}
		for _, msg := range checkRunOn(s) {
			bad(".run_on", "%s", msg)
		}
		for _, msg := range changesBeforeCheck(s) {
			bad(".commands", "%s", msg)
		}
		for _, msg := range unguardedWrites(s) {
			bad(".commands", "%s", msg)
		}
		for _, msg := range unsavedWrites(s) {
			bad(".commands", "%s", msg)
		}
		for _, msg := range unnamedRestores(s) {
			bad(".text", "%s", msg)
		}
		for _, msg := range unsaidInterruptions(s) {
			bad(".text", "%s", msg)
		}
		for _, msg := range localizedAccounts(s) {
			bad(".commands", "%s", msg)
		}
		for _, msg := range englishBuiltins(s) {
			bad(".commands", "%s", msg)
		}
		for n, line := range strings.Split(s.Commands, "\n") {
			if !comment.MatchString(line) && fixedWindowsDrive.MatchString(line) {
				bad(".commands", "names the Windows folder, the ProgramData folder, the backup folder or the Windows drive by a fixed letter (C:\\Windows, C:\\ProgramData, C:\\BackupACLs, -DriveLetter C), which another VM may not have: use %%SystemRoot%%, %%ProgramData%% or %%SystemDrive%% ($env:SystemRoot, $env:ProgramData, $env:SystemDrive in PowerShell): line %d: %s", n+1, shownLine(line))
			}
		}
		for n, line := range strings.Split(s.Commands, "\n") {
			f := foldASCII(line)
			l := func() string { return fmt.Sprintf("line %d: %s", n+1, shownLine(line)) }
			if regWrite.match(line, f) && !force.match(line, f) {
				bad(".commands", "reg add/delete without /f prompts: %s", l())
			}
			if regExportAny.match(line, f) && !yes.match(line, f) {
				bad(".commands", "reg export without /y prompts when the file exists: %s", l())
			}
			if !comment.MatchString(line) {
				if m := quotedPlaceholder.FindString(line); m != "" {
					bad(".commands", "the quoted placeholder %s is passed as it is when the line is pasted unedited (the command runs with that text as its value); %s: %s", m, placeholderFix(s.Shell, m), l())
				}
			}
			if offlineControlSet.match(line, f) {
				bad(".commands", "writes a fixed control set (use the one Select /v Current names): %s", l())
			}
			if !comment.MatchString(line) && unpaddedControlSet.match(line, f) {
				bad(".commands", "names a control set by a number behind fixed zeros: Select\\Current 10 is ControlSet010, not ControlSet0010; write the number in three digits (cmd: set /a CS=1000+%%a, then ControlSet%%CS:~1%%; PowerShell: 'ControlSet{0:D3}' -f $n): %s", l())
			}
			if (backupFile.match(line, f) || makeDir.match(line, f)) && !keepFirst.match(line, f) {
				bad(".commands", `a second run overwrites the backup or fails on the existing folder (prefix "if not exist %%SystemDrive%%\BackupACLs\..."): %s`, l())
			}
		}
	}
	return append(errs, checkServiceBackups(r)...)
}

var (
	// nothingChanged is the message of a step's check that its backup
	// (or a variable) is missing.
	nothingChanged = regexp.MustCompile(`(?i)nothing (was |is )?changed`)
	// guarded is a line that runs its command only under a condition.
	guarded = regexp.MustCompile(`(?i)^\s*(if\s+(not\s+)?(exist|defined)\b|if\s*\()`)
)

// unguardedWrites returns the lines of s that change the machine (a
// registry write, sc config, an ACL grant, Remove-Item, a firewall
// change) without a condition: not an if line ("if exist", "if not
// exist", "if defined", "if (") and not inside a block one opens, by the
// count of the brackets ( ) { } from the if line on. A pasted block runs
// every line after one that failed (cmd, and PowerShell at its prompt, go
// on after an error), so a write that the step's backup does not guard
// could run when the backup did not.
func unguardedWrites(s *Step) []string {
	var bad []string
	depth := 0 // brackets the if lines so far left open
	for n, line := range strings.Split(s.Commands, "\n") {
		if comment.MatchString(line) {
			continue
		}
		isIf := guarded.MatchString(line)
		f := foldASCII(line)
		write := regWrite.match(line, f) || psRegWrite.match(line, f) || scConfig.match(line, f) || setServiceConfig.match(line, f) ||
			aclWrite.match(line, f) && !strings.Contains(f, "takeown") || certRemove.match(line, f) || fwWrite.match(line, f)
		if write && !isIf && depth == 0 {
			bad = append(bad, fmt.Sprintf(`a change that runs even when the step's backup failed (a pasted block runs every line after a failed one): put it behind the backup's check, "if exist <backup> ..." in cmd, "if (Test-Path <backup>) { ... }" in PowerShell: line %d: %s`, n+1, shownLine(line)))
		}
		if isIf || depth > 0 {
			depth += strings.Count(line, "(") + strings.Count(line, "{") - strings.Count(line, ")") - strings.Count(line, "}")
			depth = max(depth, 0)
		}
	}
	return bad
}

// changesBeforeCheck returns, for a step with a check whose message says
// nothing was changed, the lines before that check that change the
// machine unconditionally (a registry, ACL, firewall or certificate
// change, a service stopped, started or reconfigured, a restart): when
// the check then says "nothing was changed", they already ran.
func changesBeforeCheck(s *Step) []string {
	lines := strings.Split(s.Commands, "\n")
	check := slices.IndexFunc(lines, func(l string) bool { return !comment.MatchString(l) && nothingChanged.MatchString(l) })
	var bad []string
	for n, line := range lines[:max(check, 0)] {
		if comment.MatchString(line) || guarded.MatchString(line) {
			continue
		}
		f := foldASCII(line)
		if regWrite.match(line, f) || psRegWrite.match(line, f) || aclWrite.match(line, f) || fwWrite.match(line, f) ||
			certRemove.match(line, f) || liveService.match(line, f) {
			bad = append(bad, fmt.Sprintf("changes the machine before the step's check that says nothing was changed (line %d), which is then untrue: line %d: %s", check+1, n+1, shownLine(line)))
		}
	}
	return bad
}

// placeholderFix says how to write a step that needs the value a quoted
// placeholder (m) stands for, in shell ("cmd" or "powershell"): without
// the quotes in a command that only reads (unedited, cmd takes < and > for
// redirections and PowerShell refuses the line, so nothing runs), or from
// an environment variable the step checks, named after the placeholder,
// so that an unedited paste changes nothing and says what to set.
func placeholderFix(shell, m string) string {
	var name []string
	for _, w := range strings.FieldsFunc(m, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) {
		name = append(name, strings.ToUpper(w))
	}
	v := strings.Join(name, "_")
	if v == "" {
		v = "VALUE"
	}
	bare := m[1 : len(m)-1]
	if shell == "powershell" {
		return fmt.Sprintf(`write it without quotes (%s) in a command that only reads: unedited, PowerShell refuses the line and runs nothing; in one that writes, take the value from an environment variable the step checks: "if (-not $env:%s) { 'Set $env:%s first; nothing changed' } else { ... $env:%s ... }"`, bare, v, v, v)
	}
	return fmt.Sprintf(`write it without quotes (%s) in a command that only reads: unedited, cmd takes its < and > for redirections and runs nothing; in one that writes, take the value from an environment variable the step checks: "if not defined %s echo Set %s first; nothing changed" then "if defined %s ... \"%%%s%%\" ..."`, bare, v, v, v, v)
}

// checkServiceBackups returns the changes of a service's configuration
// in r's steps (sc config and the other sc commands that change it,
// Set-Service other than -Status: stepstruct.go) that come before a reg
// export of the service's key (or a key above it), in the same step or
// an earlier one, in the file's order of the steps or in the order a
// refinement prints them (orderSteps: its first steps, then the others);
// a change of a service the check cannot name (a variable it cannot
// resolve, a piped service) is refused. A line is reported once, naming
// the refinement whose order breaks the check.
func checkServiceBackups(r *Rule) []error {
	var errs []error
	reported := map[string]bool{}
	acts := map[*Step][]stepAction{}
	check := func(steps []*Step, order string) {
		var before []stepAction // the earlier steps' actions, in this order
		for _, s := range steps {
			if s == nil {
				continue
			}
			if acts[s] == nil {
				acts[s] = stepActions(s)
			}
			lines := strings.Split(s.Commands, "\n")
			for i, w := range acts[s] {
				if !w.write || w.service == "" {
					continue
				}
				k := fmt.Sprintf("%s\x00%d", s.ID, w.line)
				if reported[k] {
					continue
				}
				var err error
				switch {
				case w.unnamed != "":
					err = fmt.Errorf("changes a service the check cannot name (%s): name it (sc config <name>, Set-Service -Name <name>), after a reg export of its key: line %d: %s", unnamedWhy(w.unnamed), w.line+1, shownLine(lines[w.line]))
				case !saved(before, thingRegistry, w.target) && !saved(acts[s][:i], thingRegistry, w.target):
					err = fmt.Errorf("changes service %s before its key is saved with reg export (in this step or an earlier one%s): line %d: %s", w.service, order, w.line+1, shownLine(lines[w.line]))
				}
				if err != nil {
					reported[k] = true
					errs = append(errs, &RuleError{File: r.File, Rule: r.ID, Field: fmt.Sprintf("resolution[%s].commands", s.ID), Err: err})
				}
			}
			before = append(before, acts[s]...)
		}
	}
	check(r.Resolution, "")
	for _, ref := range r.Refinements {
		if ref != nil && len(ref.First) > 0 {
			check(orderSteps(r, ref.First), fmt.Sprintf(", in the order refinement %s prints the steps", ref.ID))
		}
	}
	return errs
}

// shownLine is a command line for an error message: trimmed, as written
// unless it holds a control character, else quoted (Go syntax).
func shownLine(line string) string {
	line = strings.TrimSpace(line)
	if strings.IndexFunc(line, func(r rune) bool { return !strconv.IsPrint(r) && r != '\t' }) >= 0 {
		return strconv.Quote(line)
	}
	return line
}

// restoreOf pairs each kind of backup a step takes with the command that
// puts it back, and how to say so: reg export's file goes back with reg
// import
// (https://learn.microsoft.com/windows-server/administration/windows-commands/reg-import),
// icacls /save's with icacls /restore ("applies stored DACLs to files in
// specified directories",
// https://learn.microsoft.com/windows-server/administration/windows-commands/icacls),
// netsh advfirewall export's (the whole firewall policy, one .wfw file)
// with netsh advfirewall import, Export-Certificate's with Import-Certificate
// (https://learn.microsoft.com/powershell/module/pki/import-certificate),
// Export-PfxCertificate's with Import-PfxCertificate
// (https://learn.microsoft.com/powershell/module/pki/import-pfxcertificate).
var restoreOf = []struct {
	backup, restore *regexp.Regexp
	say             string
}{
	{regexp.MustCompile(`(?i)\breg(\.exe)?\s+export\b`), regexp.MustCompile(`(?i)\breg(\.exe)?\s+import\b`), "reg export: say reg import <file>"},
	{regexp.MustCompile(`(?i)\bicacls\b.*\s/save\b`), regexp.MustCompile(`(?i)\bicacls\b.*\s/restore\b`), "icacls /save: say icacls <folder> /restore <file>"},
	{regexp.MustCompile(`(?i)\bnetsh\s+advfirewall\s+export\b`), regexp.MustCompile(`(?i)\bnetsh\s+advfirewall\s+import\b`), "netsh advfirewall export: say netsh advfirewall import <file>"},
	{regexp.MustCompile(`(?i)\bExport-Certificate\b`), regexp.MustCompile(`(?i)\bImport-Certificate\b`), "Export-Certificate: say Import-Certificate -FilePath <file>"},
	{regexp.MustCompile(`(?i)\bExport-PfxCertificate\b`), regexp.MustCompile(`(?i)\bImport-PfxCertificate\b`), "Export-PfxCertificate: say Import-PfxCertificate -FilePath <file>"},
}

// unnamedRestores returns, for each kind of backup s's commands take (a
// line that is not a comment), a message when neither s's title, text
// nor commands (comments included) name the command that restores it
// (restoreOf): whoever pastes the step must be able to undo it from the
// step alone, since a refinement may print it without the others.
func unnamedRestores(s *Step) []string {
	var bad []string
	said := s.Title + "\n" + s.Text + "\n" + s.Commands
	for _, k := range restoreOf {
		for n, line := range strings.Split(s.Commands, "\n") {
			if comment.MatchString(line) || !k.backup.MatchString(line) {
				continue
			}
			if !k.restore.MatchString(said) {
				bad = append(bad, fmt.Sprintf("takes a backup and does not say how to put it back (%s, in the step's text or a commented command): line %d: %s", k.say, n+1, shownLine(line)))
			}
			break
		}
	}
	return bad
}

var (
	// restarts restarts a service or the machine; stops stops one.
	restarts = regexp.MustCompile(`(?i)\bRestart-(Service|Computer)\b|\bshutdown(\.exe)?\b.*\s[/-]r\b`)
	stops    = regexp.MustCompile(`(?i)\bStop-(Service|Computer)\b|\b(sc|net)(\.exe)?\s+stop\b|\bshutdown(\.exe)?\b.*\s[/-]s\b`)
	// sayRestart and sayStop are the words a step's title or text uses
	// to say so.
	sayRestart = regexp.MustCompile(`(?i)\brestart`)
	sayStop    = regexp.MustCompile(`(?i)\bstop`)
)

// unsaidInterruptions returns, for a step whose commands (outside
// comments) restart or stop a service or the machine, a message when its
// title and text do not say so ("restart", "stop"): whoever pastes it
// must know before that it ends sessions or takes the VM down.
func unsaidInterruptions(s *Step) []string {
	var bad []string
	said := s.Title + "\n" + s.Text
	for n, line := range strings.Split(s.Commands, "\n") {
		if comment.MatchString(line) {
			continue
		}
		switch {
		case restarts.MatchString(line) && !sayRestart.MatchString(said):
			bad = append(bad, fmt.Sprintf("restarts a service or the machine and its title and text do not say so (say what restarts and what that interrupts): line %d: %s", n+1, shownLine(line)))
		case stops.MatchString(line) && !sayStop.MatchString(said):
			bad = append(bad, fmt.Sprintf("stops a service or the machine and its title and text do not say so (say what stops and what that interrupts): line %d: %s", n+1, shownLine(line)))
		}
	}
	return bad
}

// wellKnownName is a well-known account named in an icacls /grant,
// /deny or /remove: NT AUTHORITY\..., BUILTIN\... or Everyone, names
// the security subsystem localizes ("the security subsystem localizes
// this account name", NetworkService Account,
// https://learn.microsoft.com/windows/win32/services/networkservice-account),
// where the SID (*S-1-5-20, well-known SIDs,
// https://learn.microsoft.com/windows-server/identity/ad-ds/manage/understand-security-identifiers)
// is the same in every language.
var wellKnownName = regexp.MustCompile(`(?i)\bicacls\b.*\s/(grant|deny|remove)\b.*?(["\s])(NT AUTHORITY\\[^:"]+|BUILTIN\\[^:"]+|Everyone)(:|"|\s|$)`)

// localizedAccounts returns the lines of s (outside comments) where
// icacls names a well-known account by its localized name.
func localizedAccounts(s *Step) []string {
	var bad []string
	for n, line := range strings.Split(s.Commands, "\n") {
		if comment.MatchString(line) {
			continue
		}
		if m := wellKnownName.FindStringSubmatch(line); m != nil {
			bad = append(bad, fmt.Sprintf("icacls names the well-known account %s, whose name Windows localizes (a Windows installed in another language does not know it): name it by SID, *S-1-5-18 SYSTEM, *S-1-5-20 NETWORK SERVICE, *S-1-5-32-544 Administrators, *S-1-1-0 Everyone: line %d: %s", m[3], n+1, shownLine(line)))
		}
	}
	return bad
}

// builtinSIDs maps the English names of the builtin groups and of the
// well-known accounts (lower case, without a BUILTIN\ or NT AUTHORITY\
// in front) to their SIDs (Security identifiers, Microsoft Learn,
// https://learn.microsoft.com/windows-server/identity/ad-ds/manage/understand-security-identifiers:
// "Well-known SIDs have values that remain constant across all operating
// systems"). The names are localized (the security subsystem "localizes
// this account name", NetworkService Account,
// https://learn.microsoft.com/windows/win32/services/networkservice-account;
// Remote Desktop Users is Remotedesktopbenutzer on a German Windows), so a
// command that names one fails on a Windows installed in another
// language, where its SID names the same group everywhere. The built-in
// Administrator and Guest accounts are the computer's SID with RID 500
// and 501.
var builtinSIDs = map[string]string{
	"administrators": "S-1-5-32-544", "users": "S-1-5-32-545", "guests": "S-1-5-32-546", "power users": "S-1-5-32-547",
	"account operators": "S-1-5-32-548", "server operators": "S-1-5-32-549", "print operators": "S-1-5-32-550",
	"backup operators": "S-1-5-32-551", "replicator": "S-1-5-32-552", "remote desktop users": "S-1-5-32-555",
	"network configuration operators": "S-1-5-32-556", "performance monitor users": "S-1-5-32-558",
	"performance log users": "S-1-5-32-559", "distributed com users": "S-1-5-32-562", "cryptographic operators": "S-1-5-32-569",
	"event log readers": "S-1-5-32-573", "hyper-v administrators": "S-1-5-32-578",
	"access control assistance operators": "S-1-5-32-579", "remote management users": "S-1-5-32-580",
	"everyone": "S-1-1-0", "authenticated users": "S-1-5-11", "interactive": "S-1-5-4",
	"system": "S-1-5-18", "local system": "S-1-5-18", "local service": "S-1-5-19", "network service": "S-1-5-20",
	"administrator": "the computer's SID ending in -500", "guest": "the computer's SID ending in -501",
}

// builtinSID returns the SID of the builtin group or account name w
// names in English (a BUILTIN\ or NT AUTHORITY\ before it dropped,
// surrounding commas and spaces trimmed), or "".
func builtinSID(w string) string {
	l := strings.ToLower(strings.Trim(w, ", "))
	for _, p := range []string{`builtin\`, `nt authority\`} {
		l = strings.TrimPrefix(l, p)
	}
	return builtinSIDs[l]
}

// scmAccounts are the names the service control manager takes for the
// service accounts in every language: "the name of the account must be NT
// AUTHORITY\NetworkService when you call CreateService or
// ChangeServiceConfig, regardless of the locale" (NetworkService Account,
// https://learn.microsoft.com/windows/win32/services/networkservice-account),
// likewise NT AUTHORITY\LocalService (LocalService Account,
// https://learn.microsoft.com/windows/win32/services/localservice-account)
// and LocalSystem ("The name of the account in all locales is
// .\LocalSystem. The name, LocalSystem or ComputerName\LocalSystem can
// also be used", LocalSystem Account,
// https://learn.microsoft.com/windows/win32/services/localsystem-account),
// while the security subsystem's names (NETWORK SERVICE, LOCAL SERVICE,
// SYSTEM) are localized. sc config obj= and a service key's ObjectName
// value take these.
var scmAccounts = map[string]string{"local service": `NT AUTHORITY\LocalService`, "network service": `NT AUTHORITY\NetworkService`, "system": "LocalSystem", "local system": "LocalSystem"}

// adsiName is a local group or account named in an ADSI WinNT path
// (WinNT://./Administrators,group).
var adsiName = regexp.MustCompile(`(?i)WinNT://[^/"'\s]*/([^,/"']+)`)

// localAccountCmdlets are the Microsoft.PowerShell.LocalAccounts cmdlets,
// which take a group or an account by -Name (or -Group, -Member), or by
// -SID
// (https://learn.microsoft.com/powershell/module/microsoft.powershell.localaccounts/add-localgroupmember).
var localAccountCmdlets = map[string]bool{
	"add-localgroupmember": true, "remove-localgroupmember": true, "get-localgroupmember": true,
	"get-localgroup": true, "set-localgroup": true, "remove-localgroup": true, "rename-localgroup": true,
	"get-localuser": true, "set-localuser": true, "enable-localuser": true, "disable-localuser": true,
	"remove-localuser": true, "rename-localuser": true,
}

// englishBuiltins returns the lines of s (outside comments) whose
// commands name a builtin group or a well-known account by its English
// name where Windows takes the localized one (builtinSIDs): the group or
// members of net localgroup, the account of net user, the names given to
// a LocalAccounts cmdlet, an ADSI WinNT path; and those that give sc
// config obj= or a reg add of ObjectName a service account's localized
// name where the service control manager takes its fixed one
// (scmAccounts). icacls is localizedAccounts'.
func englishBuiltins(s *Step) []string {
	var bad []string
	for n, line := range strings.Split(s.Commands, "\n") {
		if comment.MatchString(line) {
			continue
		}
		l := fmt.Sprintf("line %d: %s", n+1, shownLine(line))
		named := func(name string) {
			if sid := builtinSID(name); sid != "" {
				bad = append(bad, fmt.Sprintf("names the builtin group or account %q in English, a name Windows localizes (Remote Desktop Users is Remotedesktopbenutzer on a German Windows): take it by its SID, %s (Add-LocalGroupMember -SID, or the name read from the SID: (New-Object System.Security.Principal.SecurityIdentifier 'S-1-5-32-555').Translate([System.Security.Principal.NTAccount])): %s", strings.Trim(name, ", "), sid, l))
			}
		}
		scm := func(name string) {
			k := strings.ToLower(name)
			for _, p := range []string{`nt authority\`, `.\`} {
				k = strings.TrimPrefix(k, p)
			}
			if want, ok := scmAccounts[k]; ok {
				bad = append(bad, fmt.Sprintf("gives a service the account %q, a name Windows localizes; the service control manager takes %s in every language: %s", name, want, l))
			}
		}
		for _, m := range adsiName.FindAllStringSubmatch(line, -1) {
			named(m[1])
		}
		for _, w := range splitCommands(line, s.Shell) {
			v := strings.TrimSuffix(strings.ToLower(w[0]), ".exe")
			args := w[1:]
			switch {
			case v == "net" && len(args) >= 2 && strings.EqualFold(args[0], "localgroup"):
				for _, a := range args[1:] {
					if !strings.HasPrefix(a, "/") {
						named(a)
					}
				}
			case v == "net" && len(args) >= 2 && strings.EqualFold(args[0], "user") && !strings.HasPrefix(args[1], "/"):
				named(args[1])
			case localAccountCmdlets[v]:
				for i := 0; i < len(args); i++ {
					switch a := strings.ToLower(args[i]); {
					case a == "-sid":
						i++ // a SID: right in every language
					case strings.HasPrefix(a, "-"):
					default:
						for _, name := range strings.Split(args[i], ",") {
							named(name)
						}
					}
				}
			case v == "sc":
				for i, a := range args {
					if strings.EqualFold(a, "obj=") && i+1 < len(args) {
						scm(args[i+1])
					}
				}
			case v == "reg" && len(args) >= 2 && strings.EqualFold(args[0], "add") && strings.EqualFold(switchValue(args, "/v"), "ObjectName"):
				if d := switchValue(args, "/d"); d != "" {
					scm(d)
				}
			}
		}
	}
	return bad
}

// fixedWindowsDrive names the Windows folder as C:\Windows or the OS
// volume as drive C (Get-Volume -DriveLetter C): Windows may be installed
// elsewhere, and %SystemDrive% is "the first two characters" of the
// SystemRoot value, the Windows folder (MS-EVEN 3.2.4.1.5.4,
// https://learn.microsoft.com/openspecs/windows_protocols/ms-even/7d43656f-4f9f-4994-a919-50db71e01af9).
// So is the ProgramData folder as C:\ProgramData: "typically" there, and
// set elsewhere, another volume included, by the unattend setting
// Microsoft-Windows-Shell-Setup | FolderLocations | ProgramData
// (https://learn.microsoft.com/windows-hardware/customize/desktop/unattend/microsoft-windows-shell-setup-folderlocations-programdata);
// %ProgramData% ($env:ProgramData) names it where it is. The backup
// folder, BackupACLs, is named on the Windows drive too (backupRoot): as
// C:\BackupACLs, a VM whose Windows drive has another letter failed to
// save the backups, and the changes guarded by the saves did not run.
//
// It matches the name whatever is around it but a letter, digit or
// underscore (C:\WindowsApps, D:\Windows are other folders): a
// redirection (>C:\Windows\Temp\x), a command separator (&, ;, |), a
// colon-bound parameter (-Destination:C:\ProgramData), quotes,
// brackets, \\?\ before it, and a forward slash for the backslash:
// "Windows supports either the forward slash ... or the backslash ... as
// path separator characters" (Path.DirectorySeparatorChar,
// https://learn.microsoft.com/dotnet/api/system.io.path.directoryseparatorchar),
// PowerShell's paths included. A list of the characters allowed around
// it let '>', '&' and '/' through.
var fixedWindowsDrive = regexp.MustCompile(`(?i)(^|\W)C:[\\/]+(Windows|ProgramData|BackupACLs)(\W|$)|-DriveLetter[\s:]+['"]?C['"]?(\W|$)`)
