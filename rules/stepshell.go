package rules

// The fix-step checks that a command works in the shell its step names,
// and that a command that would stop for an answer, or fail on a
// spelling, is written so that it does not. checkSteps (steps.go) calls
// checkShell on every step of every rule, built-in or loaded.

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	// cmdVar is a cmd environment variable (%NAME%). PowerShell passes
	// it to a program as it is: it names its variables $env:NAME
	// (about_Environment_Variables).
	cmdVar = pattern(`%[A-Za-z_][A-Za-z0-9_]*%`, "%")
	// cmdOnly is cmd syntax PowerShell does not have: if [not] exist, if
	// [not] defined, for %x / for /f, set NAME=. In PowerShell "if" needs
	// a parenthesised condition and "for" a parenthesised header, so
	// these lines fail to parse; "set NAME=value" runs Set-Variable with
	// a variable named "NAME=value".
	cmdOnly = pattern(`(?i)^\s*(@?if\s+(/i\s+)?(not\s+)?(exist|defined|errorlevel)\s|@?for\s+(/[fdrl]\s|%)|@?set\s+(/a\s+)?"?[A-Za-z_][A-Za-z0-9_]*=)`, "if", "for", "set")
	// cmdInside runs the rest of a line in cmd (cmd /c), where cmd
	// syntax is right.
	cmdInside = pattern(`(?i)\bcmd(\.exe)?\s+/[ck]\b`, "cmd")
	// psSyntax is PowerShell syntax that cmd does not have: a variable
	// ($name, ${name}, $env:NAME), a subexpression $(...), or a line that
	// starts with a cmdlet. cmd passes "$name" to a program as it is and
	// runs "Get-ChildItem" as a program it does not find.
	psSyntax = pattern(`(?i)(\$[A-Za-z_{(]|^\s*(Get|Set|New|Remove|Test|Start|Stop|Restart|Enable|Disable|Import|Export|Invoke|Select|Where|Format|Out|Write|Rename|Copy|Move|Clear)-[A-Za-z]+\b)`, "$", "-")
	// psInside runs (part of) a line in PowerShell (powershell -Command
	// "...", pwsh), where PowerShell syntax is right.
	psInside = pattern(`(?i)\b(powershell|pwsh)(\.exe)?\b`, "powershell", "pwsh")
	// delayedVar is a variable in cmd's delayed-expansion form (!NAME!),
	// expanded only when delayed expansion is on: cmd /v:on, or
	// setlocal enabledelayedexpansion in a batch file. It is off unless
	// the DelayedExpansion registry entry turns it on ("Default value 0
	// ... By default, Cmd.exe expands variables when it reads a line of
	// text", DelayedExpansion Entry, Microsoft Learn), so a pasted cmd
	// passes !NAME! as it is.
	delayedVar = pattern(`![A-Za-z_][A-Za-z0-9_]*!`, "!")
	delayedOn  = pattern(`(?i)(\bcmd(\.exe)?\s+(/\S+\s+)*/v:on\b|\bsetlocal\s+(\S+\s+)*enabledelayedexpansion\b)`, "/v:on", "enabledelayedexpansion")
	// setVar is a set command inside a line (after "do", "&", "(" ...),
	// whose name cmd has already expanded in %NAME% when the line runs:
	// "environment variable expansion occurs when the command is read",
	// and a parenthesised block is read whole before any of it runs
	// (Raymond Chen, The Old New Thing, 2006-08-23, quoting SET's help).
	setVar = regexp.MustCompile(`(?i)\bset\s+(/a\s+)?"?([A-Za-z_][A-Za-z0-9_]*)=`)

	// takeownRecursive is takeown /r, which asks for every folder the
	// user cannot list unless /d Y or /d N answers (takeown, Microsoft
	// Learn: /d "Suppresses the confirmation prompt that is displayed
	// when the current user doesn't have the List Folder permission").
	takeownRecursive = pattern(`(?i)\btakeown(\.exe)?\b.*\s/r\b`, "takeown")
	takeownAnswer    = pattern(`(?i)\s/d\s+[yn]\b`, "/d")
	// scConfigNoSpace is an option of sc config without the space after
	// its "=" (start=auto): "A space is required between an option and
	// its value (for example, type= own). If the space is omitted, the
	// operation fails." (sc.exe config, Microsoft Learn).
	scConfigNoSpace = pattern(`(?i)\bsc(\.exe)?\s+(\\\\\S+\s+)?(config|create)\s.*\b(type|start|error|binpath|group|tag|depend|obj|displayname|password)=[^\s]`, "sc")
	// dismFeature enables or disables a Windows feature, after which
	// DISM asks whether to restart, or with /Quiet restarts at once,
	// unless /NoRestart is given: it "will keep the application from
	// prompting for a restart (or keep it from restarting automatically
	// if the /Quiet option is used)" (DISM global options, Microsoft
	// Learn).
	dismFeature   = pattern(`(?i)\bdism(\.exe)?\b.*\s/(enable|disable)-feature\b`, "dism")
	dismNoRestart = pattern(`(?i)\s/norestart\b`, "/norestart")
	// regLoad and regUnload load and unload an offline hive: a hive left
	// loaded keeps the attached disk's file open, so the disk cannot be
	// detached cleanly and the VM cannot boot from it.
	regLoad   = pattern(`(?i)\breg(\.exe)?\s+load\b`, "reg")
	regUnload = pattern(`(?i)\breg(\.exe)?\s+unload\b`, "reg")
	// regLoadKey is the key a reg load names, and loadedMark the
	// variable a cmd step sets when its load succeeded ("reg load K F
	// && set LOADED=1"): the lines that read, change or unload the key
	// must run only then ("if defined LOADED"). When the load fails
	// (the key is still loaded from an earlier disk: a recovery VM
	// repairs several, and an unload that met "Access is denied" leaves
	// the hive loaded), they would read and change that other disk's
	// hive. cmd skips the rest of a line, after && too, when the IF
	// before it is false (JP Software's TCC help on IF: "CMD will
	// discard all remaining commands on the line when an IF test
	// fails").
	regLoadKey = regexp.MustCompile(`(?i)\breg(?:\.exe)?\s+load\s+("[^"]+"|\S+)`)
	loadedMark = regexp.MustCompile(`(?i)&&\s*set\s+"?([A-Za-z_][A-Za-z0-9_]*)=`)
	// continuation is a line continuation (cmd's ^, PowerShell's `)
	// followed by spaces: the character then escapes a space, not the
	// line break, and the command ends there.
	continuation = pattern("[`^][ \t]+$", "`", "^")
)

// checkShell returns the ways the commands of s break the shell checks,
// each as a message naming the line:
//
//   - a PowerShell step uses no cmd variable (%NAME%) and no cmd-only
//     syntax (if not exist, if defined, for /f, set NAME=), except in a
//     line that hands them to cmd /c;
//   - a cmd step uses no PowerShell variable, subexpression or cmdlet,
//     except in a line that hands them to powershell;
//   - a cmd step uses no !NAME! without delayed expansion (cmd /v:on),
//     and no %NAME% on the line (or the parenthesised block) that sets
//     NAME: cmd expands %NAME% when it reads the line, before the set
//     runs, so the command gets the old value or the text %NAME%;
//   - takeown /r answers its question (/d Y), sc config and sc create
//     put a space after each "=", dism /enable-feature and
//     /disable-feature carry /NoRestart, a step that loads a hive
//     unloads it (a cmd step: sets a variable when the load succeeded,
//     "&& set LOADED=1", and names the loaded key, to read, change or
//     unload it, only in lines that test it, "if defined LOADED"), and
//     no line continuation is followed by spaces.
func checkShell(s *Step) []string {
	var bad []string
	add := func(n int, line, format string, args ...any) {
		bad = append(bad, fmt.Sprintf(format, args...)+fmt.Sprintf(": line %d: %s", n+1, shownLine(line)))
	}
	lines := strings.Split(s.Commands, "\n")
	loaded := -1 // the line of the last reg load not yet unloaded
	// The key of a cmd step's reg load (upper case) and the variable set
	// when it succeeded: later lines naming the key must test it.
	var loadKey, mark string
	for n, line := range lines {
		f := foldASCII(line)
		if continuation.match(line, f) {
			add(n, line, "a line continuation followed by spaces escapes the space, not the line break")
		}
		if comment.MatchString(line) {
			continue
		}
		switch s.Shell {
		case "powershell":
			if !cmdInside.match(line, f) {
				if m := cmdVar.re.FindString(line); m != "" && cmdVar.mayMatch(f) {
					add(n, line, "%s is a cmd variable: PowerShell passes it as it is (an environment variable is $env:%s there)", m, strings.Trim(m, "%"))
				}
				if cmdOnly.match(line, f) {
					add(n, line, "cmd syntax in a PowerShell step (if exist/defined, for, set NAME=) does not run in PowerShell")
				}
			}
		case "cmd":
			if !psInside.match(line, f) && psSyntax.match(line, f) {
				add(n, line, "PowerShell syntax in a cmd step ($variable, $(...), a cmdlet) does not run in cmd (run it through powershell -Command, or make the step powershell)")
			}
			if !delayedOn.match(line, f) {
				if m := delayedVar.re.FindString(line); m != "" && delayedVar.mayMatch(f) {
					add(n, line, "%s is expanded only with delayed expansion (cmd /v:on), which a pasted cmd does not have", m)
				}
			}
		}
		if takeownRecursive.match(line, f) && !takeownAnswer.match(line, f) {
			add(n, line, "takeown /r without /d Y asks a question for every folder it cannot list")
		}
		if scConfigNoSpace.match(line, f) {
			add(n, line, `sc needs a space after each "=" (start= auto); without it the command fails`)
		}
		if dismFeature.match(line, f) && !dismNoRestart.match(line, f) {
			add(n, line, "dism asks to restart after a feature change (with /Quiet it restarts at once) unless /NoRestart is given")
		}
		if s.Shell == "cmd" && loadKey != "" && strings.Contains(strings.ToUpper(line), loadKey) &&
			!regexp.MustCompile(`(?i)\bif\s+defined\s+`+regexp.QuoteMeta(mark)+`\b`).MatchString(line) {
			add(n, line, "uses the loaded hive without 'if defined %s': when this step's reg load failed (the key still loaded from an earlier disk), the line reads or changes that other disk's hive", mark)
		}
		switch {
		case regLoad.match(line, f):
			loaded = n
			if s.Shell == "cmd" {
				if m := loadedMark.FindStringSubmatch(line); m != nil {
					if k := regLoadKey.FindStringSubmatch(line); k != nil {
						loadKey, mark = strings.ToUpper(strings.Trim(k[1], `"`)), m[1]
					}
				} else {
					add(n, line, "reg load without '&& set NAME=1': the lines after it cannot tell whether this step loaded the hive, and would read and change a hive left loaded from an earlier disk")
				}
			}
		case regUnload.match(line, f):
			loaded = -1
		}
	}
	if loaded >= 0 {
		add(loaded, lines[loaded], "loads a hive that no later line of the step unloads (reg unload): the attached disk stays in use")
	}
	if s.Shell == "cmd" {
		bad = append(bad, checkSameLineSet(lines)...)
	}
	return bad
}

// checkSameLineSet returns the cmd command lines (a parenthesised block
// spanning lines counts as one: cmd reads it whole) that set a variable
// and use it as %NAME%: cmd expands %NAME% when it reads the line, before
// the set runs.
func checkSameLineSet(lines []string) []string {
	var bad []string
	for start := 0; start < len(lines); {
		end, depth := start, 0
		for ; end < len(lines); end++ {
			if !comment.MatchString(lines[end]) {
				depth += parenDepth(lines[end])
			}
			if depth <= 0 {
				break
			}
		}
		end = min(end, len(lines)-1)
		block := strings.Join(lines[start:end+1], "\n")
		if !comment.MatchString(lines[start]) {
			for _, m := range setVar.FindAllStringSubmatch(block, -1) {
				ref := "%" + strings.ToLower(m[2]) + "%"
				if strings.Contains(strings.ToLower(block), ref) {
					bad = append(bad, fmt.Sprintf("%%%s%% is expanded when cmd reads the line, before its set %s= runs (set it on an earlier line): line %d: %s",
						m[2], m[2], start+1, shownLine(lines[start])))
					break
				}
			}
		}
		start = end + 1
	}
	return bad
}

// parenDepth is the change of cmd's parenthesis depth over line: '(' and
// ')' outside double quotes and not escaped with '^'.
func parenDepth(line string) int {
	d, quoted := 0, false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '"':
			quoted = !quoted
		case c == '^' && !quoted:
			i++
		case c == '(' && !quoted:
			d++
		case c == ')' && !quoted:
			d--
		}
	}
	return d
}

var (
	// azureCLI is a command of the Azure CLI, which runs where Azure is
	// reachable with the engineer's credentials, not on the VM.
	azureCLI = pattern(`(?i)(^|[\s;{(|])az\s+[a-z]`, "az")
	// offlineHive names an offline hive: loaded on the recovery VM from
	// the attached disk.
	offlineHive = pattern(`(?i)(\breg(\.exe)?\s+load\b|\bBROKENSYSTEM\b)`, "reg", "brokensystem")
)

var (
	// liveService changes a service, the firewall or the power state of
	// the machine a line runs on.
	liveService = pattern(`(?i)\bsc(\.exe)?\s+(config|stop|start|delete|failure)\b|\b(Restart|Stop|Start|Set|Suspend)-Service\b|\bnet(\.exe)?\s+(start|stop)\b|\bshutdown(\.exe)?\s|\b(Restart|Stop)-Computer\b`,
		"sc", "-service", "net", "shutdown", "-computer")
	// runCommand sends its commands to the VM (Azure CLI or Az PowerShell).
	runCommand = pattern(`(?i)(^|[\s;{(|])az\s+[a-z]|\b(Invoke|Set)-AzVMRunCommand\b`, "az", "azvmruncommand")
	// onDisk names a path or key of the attached disk through a variable
	// or its offline hive.
	onDisk = regexp.MustCompile(`(?i)\bBROKEN[A-Z]*\b|["\s]%[A-Za-z_][A-Za-z0-9_]*%\\|["\s]\$[A-Za-z_][A-Za-z0-9_]*\\`)
)

// liveChange says what line (f: foldASCII(line)) changes on the machine
// it runs on, which runOn (RunOnRescueVM or RunOnWorkstation) says is not
// the broken VM, or "". A line that sends its commands to the VM (az,
// Invoke-AzVMRunCommand) changes nothing where it runs; on the recovery VM
// a registry or ACL write under the attached disk (HKLM\BROKENSYSTEM, or
// a key or path held in a variable: %CSKEY%\..., %DISK%\...) is the repair
// itself.
func liveChange(line, f, runOn string) string {
	if runCommand.match(line, f) {
		return ""
	}
	disk := runOn == RunOnRescueVM && onDisk.MatchString(line)
	switch {
	case (regWrite.match(line, f) || psRegWrite.match(line, f)) && !disk:
		return "a registry write"
	case aclWrite.match(line, f) && !disk:
		return "a permission or owner change"
	case fwWrite.match(line, f):
		return "a firewall change"
	case liveService.match(line, f):
		return "a service or restart"
	}
	return ""
}

// offlineHint says how a step on the recovery VM reaches the broken VM's
// settings.
func offlineHint(runOn string) string {
	if runOn != RunOnRescueVM {
		return ""
	}
	return `, or write the attached disk's hive (reg load HKLM\BROKENSYSTEM, the control set Select\Current names)`
}

// checkRunOn returns what is wrong with where s says its commands run:
// run_on is one of vm, rescue-vm and workstation; a step that edits an
// offline hive runs on the recovery VM, and one that calls the Azure CLI
// on the engineer's machine, said with run_on (a step without it runs on
// the VM, where neither works).
func checkRunOn(s *Step) []string {
	if s.Commands == "" {
		return nil
	}
	switch s.RunOn {
	case "", RunOnVM, RunOnRescueVM, RunOnWorkstation:
	default:
		return []string{fmt.Sprintf("run_on %q (want %s, %s or %s)", s.RunOn, RunOnVM, RunOnRescueVM, RunOnWorkstation)}
	}
	var bad []string
	hive, az := -1, -1
	lines := strings.Split(s.Commands, "\n")
	for n, line := range lines {
		if comment.MatchString(line) {
			continue
		}
		f := foldASCII(line)
		if hive < 0 && offlineHive.match(line, f) {
			hive = n
		}
		if az < 0 && azureCLI.match(line, f) {
			az = n
		}
	}
	if s.RunOn == RunOnRescueVM || s.RunOn == RunOnWorkstation {
		for n, line := range lines {
			if comment.MatchString(line) {
				continue
			}
			if what := liveChange(line, foldASCII(line), s.RunOn); what != "" {
				where := "the engineer's machine or Cloud Shell"
				if s.RunOn == RunOnRescueVM {
					where = "the recovery VM"
				}
				bad = append(bad, fmt.Sprintf("changes the machine it runs on (%s: %s), not the broken VM: run it on the VM (run_on: %s)%s: line %d: %s",
					where, what, RunOnVM, offlineHint(s.RunOn), n+1, shownLine(line)))
			}
		}
	}
	if hive >= 0 && s.RunOn != RunOnRescueVM {
		bad = append(bad, fmt.Sprintf("edits an offline hive, which is done on the recovery VM the OS disk is attached to (run_on: %s): line %d: %s", RunOnRescueVM, hive+1, shownLine(lines[hive])))
	}
	if az >= 0 && s.RunOn != RunOnWorkstation {
		bad = append(bad, fmt.Sprintf("calls the Azure CLI, which runs on the engineer's machine or Cloud Shell (run_on: %s): line %d: %s", RunOnWorkstation, az+1, shownLine(lines[az])))
	}
	return bad
}
