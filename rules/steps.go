package rules

// The fix-step checks: a step is pasted into a broken production VM, so it
// cites its source, never prompts, and backs up or reads what it changes
// before it changes it. Validate applies them to every rule, built-in or
// loaded (--rules), so a user rule is held to what the built-ins are.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	// regWrite is a reg.exe command that changes the registry.
	regWrite = regexp.MustCompile(`(?i)\breg(\.exe)?\s+(add|delete)\b`)
	// force is reg.exe's "no prompt" switch as a word of its own.
	force = regexp.MustCompile(`(?i)(^|\s)/f(\s|$)`)
	// regRead reads or saves a registry key first.
	regRead = regexp.MustCompile(`(?i)\breg(\.exe)?\s+(query|export)\b`)
	// aclWrite changes file permissions or owners.
	aclWrite = regexp.MustCompile(`(?i)\b(icacls\b.*\s/grant|takeown\b)`)
	// aclSave is a restorable ACL backup.
	aclSave = regexp.MustCompile(`(?i)\bicacls\b.*\s/save\s`)
	// certRemove removes certificates.
	certRemove = regexp.MustCompile(`(?i)\bRemove-Item\b`)
	// listSave saves a listing to a file.
	listSave = regexp.MustCompile(`(?i)\bOut-File\b`)

	// offlineControlSet is a write to a numbered control set of a loaded
	// offline hive: the number must come from Select\Current, not be
	// assumed (rdp-causes.md D13).
	offlineControlSet = regexp.MustCompile(`(?i)\breg(\.exe)?\s+(add|delete|import)\b.*BROKENSYSTEM\\ControlSet0*[0-9]`)

	// scConfig is an sc.exe command that changes a service's
	// configuration.
	scConfig  = regexp.MustCompile(`(?i)\bsc(\.exe)?\s+config\s+("?)([A-Za-z0-9_]+)`)
	regExport = regexp.MustCompile(`\breg(\.exe)?\s+export\b`)

	// fwWrite matches a command that changes the Windows Firewall's rules
	// or profiles; fwExport the export of its whole policy (netsh
	// advfirewall import restores it).
	fwWrite  = regexp.MustCompile(`(?i)\b(Enable|Disable|Set|New|Remove)-NetFirewall(Rule|Profile)\b|\|\s*Disable-NetFirewallRule\b|\bnetsh\s+advfirewall\s+(set|reset|import|firewall\s+(set|add|delete))\b`)
	fwExport = regexp.MustCompile(`(?i)\bnetsh\s+advfirewall\s+export\b`)

	// backupFile writes a backup to a fixed file name in C:\BackupACLs.
	backupFile = regexp.MustCompile(`(?i)\b(reg(\.exe)?\s+export|netsh\s+advfirewall\s+export)\b.*C:\\BackupACLs\\[^%$\s"]*(%s)?[^%$\s"]*("|\s|$)`)
	// keepFirst leaves an existing backup alone.
	keepFirst = regexp.MustCompile(`(?i)\bif\s+not\s+exist\s+"?C:\\BackupACLs(\\|"|\s)`)
	// makeDir creates the backup folder.
	makeDir = regexp.MustCompile(`(?i)\b(md|mkdir)\s+"?C:\\BackupACLs"?\s*$`)
)

// checkSteps returns the ways r's resolution steps break the fix-step
// checks, each a *RuleError naming the rule's file, the rule and the step
// (Field "resolution[<step id>].source" or ".commands", the offending line
// quoted):
//
//   - every step cites its source;
//   - reg add and reg delete carry /f (no prompt);
//   - within a step, a registry write follows a reg query or reg export,
//     an ACL change (icacls /grant, takeown) an icacls /save, a
//     Remove-Item a listing saved with Out-File, and a firewall change a
//     netsh advfirewall export;
//   - sc config of a service follows a reg export of its key, in the step
//     or an earlier one, so that reg import restores it;
//   - a step that edits an offline hive (BROKENSYSTEM) reads
//     Select\Current and writes no fixed ControlSet00N;
//   - a backup to a fixed file name in C:\BackupACLs, and the md of that
//     folder, run only "if not exist", so that a second run keeps the
//     first backup.
//
// The checks read the commands line by line as text; they do not parse
// cmd or PowerShell.
func checkSteps(r *Rule) []error {
	var errs []error
	var before strings.Builder // the rule's commands so far, for sc config
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
		var sawReg, sawACL, sawList, sawFw bool
		for n, line := range strings.Split(s.Commands, "\n") {
			l := fmt.Sprintf("line %d: %s", n+1, shownLine(line))
			switch {
			case regWrite.MatchString(line) && !force.MatchString(line):
				bad(".commands", "reg add/delete without /f prompts: %s", l)
			case regWrite.MatchString(line) && !sawReg:
				bad(".commands", "registry write before any reg query or reg export of the step: %s", l)
			case aclWrite.MatchString(line) && !sawACL:
				bad(".commands", "ACL change before an icacls /save backup in the step: %s", l)
			case certRemove.MatchString(line) && !sawList:
				bad(".commands", "Remove-Item before a listing is saved with Out-File in the step: %s", l)
			case fwWrite.MatchString(line) && !sawFw:
				bad(".commands", "firewall change before a netsh advfirewall export in the step: %s", l)
			}
			if offlineControlSet.MatchString(line) {
				bad(".commands", "writes a fixed control set (use the one Select /v Current names): %s", l)
			}
			if m := scConfig.FindStringSubmatch(line); m != nil && !exported(before.String(), m[3]) {
				bad(".commands", "changes service %s before its key is saved with reg export (in this step or an earlier one): %s", m[3], l)
			}
			if (backupFile.MatchString(line) || makeDir.MatchString(line)) && !keepFirst.MatchString(line) {
				bad(".commands", `a second run overwrites the backup or fails on the existing folder (prefix "if not exist C:\BackupACLs\..."): %s`, l)
			}
			sawReg = sawReg || regRead.MatchString(line)
			sawACL = sawACL || aclSave.MatchString(line)
			sawList = sawList || listSave.MatchString(line)
			sawFw = sawFw || fwExport.MatchString(line)
			before.WriteString(line + "\n")
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

// exported reports whether cmds export the registry key of service svc,
// directly or through a for loop over service names.
func exported(cmds, svc string) bool {
	s := strings.ToLower(svc)
	loop := regexp.MustCompile(`\bin\s*\([^)]*\b` + regexp.QuoteMeta(s) + `\b`)
	for _, line := range strings.Split(cmds, "\n") {
		l := strings.ToLower(line)
		if !regExport.MatchString(l) {
			continue
		}
		if strings.Contains(l, `services\`+s+`"`) || strings.Contains(l, `services\`+s+" ") ||
			(strings.Contains(l, `services\%`) && loop.MatchString(l)) {
			return true
		}
	}
	return false
}
