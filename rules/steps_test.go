package rules

import (
	"regexp"
	"strings"
	"testing"
)

// A fix step is pasted into a broken production VM: it cites its source,
// never prompts, and backs up or reads what it changes before it changes
// it. These tests hold every built-in step to that.

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
)

func builtinSteps(t *testing.T) map[string]*Step {
	t.Helper()
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]*Step{}
	for _, r := range rs {
		for _, s := range r.Resolution {
			steps[r.ID+"/"+s.ID] = s
		}
	}
	if len(steps) == 0 {
		t.Fatal("no steps")
	}
	return steps
}

func TestBuiltinStepsCiteASource(t *testing.T) {
	for id, s := range builtinSteps(t) {
		if strings.TrimSpace(s.Source) == "" {
			t.Errorf("%s: no source", id)
		}
	}
}

func TestBuiltinRegWritesNeverPrompt(t *testing.T) {
	n := 0
	for id, s := range builtinSteps(t) {
		for _, line := range strings.Split(s.Commands, "\n") {
			if regWrite.MatchString(line) {
				n++
				if !force.MatchString(line) {
					t.Errorf("%s: reg add/delete without /f: %s", id, line)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no reg add/delete found: the check checks nothing")
	}
}

// TestBuiltinStepsBackUpFirst: in each step, a registry write comes after
// a reg query or reg export of the step, an ACL change after an icacls
// /save, a certificate removal after a listing saved to a file.
func TestBuiltinStepsBackUpFirst(t *testing.T) {
	for id, s := range builtinSteps(t) {
		var sawReg, sawACL, sawList bool
		for _, line := range strings.Split(s.Commands, "\n") {
			switch {
			case regWrite.MatchString(line) && !sawReg:
				t.Errorf("%s: registry write before any reg query/export: %s", id, line)
			case aclWrite.MatchString(line) && !sawACL:
				t.Errorf("%s: ACL change before an icacls /save backup: %s", id, line)
			case certRemove.MatchString(line) && !sawList:
				t.Errorf("%s: removal before the list is saved: %s", id, line)
			}
			sawReg = sawReg || regRead.MatchString(line)
			sawACL = sawACL || aclSave.MatchString(line)
			sawList = sawList || listSave.MatchString(line)
		}
	}
}

// offlineControlSet is a write to a numbered control set of a loaded
// offline hive: the number must come from Select\Current, not be assumed.
var offlineControlSet = regexp.MustCompile(`(?i)\breg(\.exe)?\s+(add|delete|import)\b.*BROKENSYSTEM\\ControlSet0*[0-9]`)

// TestBuiltinOfflineStepsReadSelectCurrent: an offline step writes the
// control set Select\Current names (rdp-causes.md D13).
func TestBuiltinOfflineStepsReadSelectCurrent(t *testing.T) {
	for id, s := range builtinSteps(t) {
		if !strings.Contains(s.Commands, "BROKENSYSTEM") {
			continue
		}
		if !strings.Contains(s.Commands, `Select /v Current`) {
			t.Errorf("%s: offline step does not read Select\\Current", id)
		}
		for _, line := range strings.Split(s.Commands, "\n") {
			if offlineControlSet.MatchString(line) {
				t.Errorf("%s: writes a fixed control set: %s", id, line)
			}
		}
	}
	if !offlineControlSet.MatchString(`reg add "HKLM\BROKENSYSTEM\ControlSet001\services\X" /v start /d 3 /f`) ||
		offlineControlSet.MatchString(`reg add "%CSKEY%\services\X" /v start /d 3 /f`) {
		t.Error("offlineControlSet pattern is wrong")
	}
}

// TestStepLintCatches: the patterns above catch what they are meant to.
func TestStepLintCatches(t *testing.T) {
	for _, c := range []struct {
		line    string
		re      *regexp.Regexp
		matches bool
	}{
		{`reg add "HKLM\X" /v A /t REG_DWORD /d 1`, regWrite, true},
		{`REG DELETE "HKLM\X" /v A`, regWrite, true},
		{`rem reg add "HKLM\X" /v A /d 4 /f`, regWrite, true},
		{`reg query "HKLM\X" /v A`, regWrite, false},
		{`reg add "HKLM\X" /v A /d 1 /f`, force, true},
		{`reg add "HKLM\X\fonts" /v A /d 1`, force, false},
		{`icacls C:\X /save C:\b.txt /t /c`, aclSave, true},
		{`icacls C:\X /grant "NT AUTHORITY\SYSTEM:(F)"`, aclWrite, true},
		{`icacls C:\X`, aclWrite, false},
	} {
		if got := c.re.MatchString(c.line); got != c.matches {
			t.Errorf("%s on %q = %v, want %v", c.re, c.line, got, c.matches)
		}
	}
}

// TestFixStepContents pins what issue 8 asks of the rewritten steps.
func TestFixStepContents(t *testing.T) {
	steps := builtinSteps(t)
	has := func(id, want string) {
		t.Helper()
		s := steps[id]
		if s == nil {
			t.Errorf("no step %s", id)
			return
		}
		if !strings.Contains(s.Commands, want) {
			t.Errorf("%s: commands lack %q", id, want)
		}
	}
	has("rdp-cert-private-key/grant-rdp-key", `MachineKeys\f686aace6942fb7f7ceb231212eef4a4_*" /grant`)
	has("rdp-cert-private-key/renew-self-signed", "Get-ChildItem -Path $store | Remove-Item")
	has("rdp-cert-private-key/renew-self-signed-delete-key", "Remove-Item -DeleteKey")
	has("rdp-tls-disabled/enable-tls13", `TLS 1.3\Server" /v Enabled`)
	has("rdp-tls-disabled/offline-enable-tls12", `Select /v Current`)
	has("rdp-broker-renamed/check-broker-database", "Get-RDConnectionBrokerHighAvailability")
	if off := steps["rdp-tls-disabled/offline-enable-tls12"]; off != nil && strings.Contains(off.Commands, "ControlSet002") {
		t.Error("offline step writes ControlSet002 blindly")
	}
	// The whole-folder grant is a commented fallback, never the first
	// change.
	for id, s := range steps {
		for _, line := range strings.Split(s.Commands, "\n") {
			l := strings.TrimSpace(line)
			if strings.Contains(l, `MachineKeys /t /c /grant`) && !strings.HasPrefix(l, "#") {
				t.Errorf("%s: recursive grant on every machine key: %s", id, l)
			}
		}
	}
}

// TestTLSOrder: read, TLS 1.2, TLS 1.3, restart; Group Policy and TLS
// 1.0/1.1 after those.
func TestTLSOrder(t *testing.T) {
	r := builtinRule(t, "rdp-tls-disabled")
	f := r.Refinement("tls-server-no-protocol")
	got := stepIDs(orderSteps(r, f.First))
	want := []string{"query-tls", "enable-tls12", "enable-tls13", "restart-vm", "group-policy-reverts", "enable-tls10-11"}
	if strings.Join(got[:len(want)], " ") != strings.Join(want, " ") {
		t.Errorf("steps %v, want to start with %v", got, want)
	}
}

// scConfig is an sc.exe command that changes a service's configuration.
var scConfig = regexp.MustCompile(`(?i)\bsc(\.exe)?\s+config\s+("?)([A-Za-z0-9_]+)`)

// TestBuiltinServiceChangesSavedFirst: a step that changes a service with
// `sc config` follows a `reg export` of that service's key, in the same
// step or an earlier step of the rule, so that the old start type and
// account can be restored (`reg import`); `sc qc` only shows them.
func TestBuiltinServiceChangesSavedFirst(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		var before strings.Builder
		for _, s := range r.Resolution {
			for _, line := range strings.Split(s.Commands, "\n") {
				if m := scConfig.FindStringSubmatch(line); m != nil && !exported(before.String(), m[3]) {
					t.Errorf("%s/%s: %q changes service %s before its key is exported", r.ID, s.ID, strings.TrimSpace(line), m[3])
				}
				before.WriteString(line + "\n")
			}
		}
	}
}

// exported reports whether cmds export the registry key of service svc,
// directly or through a for loop over service names.
func exported(cmds, svc string) bool {
	for _, line := range strings.Split(cmds, "\n") {
		l := strings.ToLower(line)
		if !regexp.MustCompile(`\breg(\.exe)?\s+export\b`).MatchString(l) {
			continue
		}
		s := strings.ToLower(svc)
		if strings.Contains(l, `services\`+s+`"`) || strings.Contains(l, `services\`+s+" ") ||
			(strings.Contains(l, `services\%`) && regexp.MustCompile(`\bin\s*\([^)]*\b`+regexp.QuoteMeta(s)+`\b`).MatchString(l)) {
			return true
		}
	}
	return false
}

func TestExportedSeesLoopsAndKeys(t *testing.T) {
	loop := `for %s in (Dhcp nsi) do reg export "HKLM\SYSTEM\CurrentControlSet\Services\%s" "C:\BackupACLs\%s.reg" /y`
	one := `reg export "HKLM\SYSTEM\CurrentControlSet\Services\BFE" C:\BackupACLs\BFE.reg /y`
	for _, c := range []struct {
		cmds, svc string
		want      bool
	}{{loop, "nsi", true}, {loop, "Netlogon", false}, {one, "bfe", true}, {one, "mpssvc", false}, {"sc qc bfe", "bfe", false}} {
		if got := exported(c.cmds, c.svc); got != c.want {
			t.Errorf("exported(%q, %s) = %v", c.cmds, c.svc, got)
		}
	}
}

// fwWrite matches a command that changes the Windows Firewall's rules or
// profiles; fwExport the export of its whole policy (netsh advfirewall
// import restores it).
var (
	fwWrite  = regexp.MustCompile(`(?i)\b(Enable|Disable|Set|New|Remove)-NetFirewall(Rule|Profile)\b|\|\s*Disable-NetFirewallRule\b|\bnetsh\s+advfirewall\s+(set|reset|import|firewall\s+(set|add|delete))\b`)
	fwExport = regexp.MustCompile(`(?i)\bnetsh\s+advfirewall\s+export\b`)
)

func TestBuiltinFirewallChangesExportedFirst(t *testing.T) {
	n := 0
	for id, s := range builtinSteps(t) {
		saved := false
		for _, line := range strings.Split(s.Commands, "\n") {
			if fwWrite.MatchString(line) {
				n++
				if !saved {
					t.Errorf("%s: firewall change before netsh advfirewall export in the same step: %s", id, strings.TrimSpace(line))
				}
			}
			saved = saved || fwExport.MatchString(line)
		}
	}
	if n == 0 {
		t.Error("no firewall change found: the check checks nothing")
	}
	for _, c := range []struct {
		line string
		want bool
	}{
		{"Set-NetFirewallRule -Name RemoteDesktop-UserMode-In-TCP -Enabled True", true},
		{"$block | Disable-NetFirewallRule", true},
		{"netsh advfirewall set allprofiles firewallpolicy blockinbound,allowoutbound", true},
		{"netsh advfirewall firewall set rule group=\"Remote Desktop\" new enable=yes", true},
		{"netsh advfirewall show allprofiles", false},
		{"Get-NetFirewallRule -Name RemoteDesktop-UserMode-In-TCP", false},
	} {
		if got := fwWrite.MatchString(c.line); got != c.want {
			t.Errorf("fwWrite on %q = %v, want %v", c.line, got, c.want)
		}
	}
}

var (
	// backupFile writes a backup to a fixed file name in C:\BackupACLs.
	backupFile = regexp.MustCompile(`(?i)\b(reg(\.exe)?\s+export|netsh\s+advfirewall\s+export)\b.*C:\\BackupACLs\\[^%$\s"]*(%s)?[^%$\s"]*("|\s|$)`)
	// keepFirst leaves an existing backup alone.
	keepFirst = regexp.MustCompile(`(?i)\bif\s+not\s+exist\s+"?C:\\BackupACLs(\\|"|\s)`)
	// makeDir creates the backup folder.
	makeDir = regexp.MustCompile(`(?i)\b(md|mkdir)\s+"?C:\\BackupACLs"?\s*$`)
)

// TestBuiltinBackupsAreNeverOverwritten: a step run twice (it did not
// help, or it is read again) must not replace the backup of the state
// before any change with the changed state: a backup to a fixed file name
// is written only if absent, other backups carry the time in their names
// (Get-Date; %TS% offline, where a recovery VM may repair several disks);
// and creating the folder does not fail when it exists.
func TestBuiltinBackupsAreNeverOverwritten(t *testing.T) {
	n := 0
	for id, s := range builtinSteps(t) {
		for _, line := range strings.Split(s.Commands, "\n") {
			if backupFile.MatchString(line) {
				n++
				if !keepFirst.MatchString(line) {
					t.Errorf("%s: a second run overwrites the backup: %s", id, line)
				}
			}
			if makeDir.MatchString(line) && !keepFirst.MatchString(line) {
				t.Errorf("%s: fails when the folder exists: %s", id, line)
			}
		}
	}
	if n == 0 {
		t.Error("no backup to a fixed name found: the check checks nothing")
	}
	for line, bad := range map[string]bool{
		`reg export "HKLM\X" C:\BackupACLs\X.reg /y`:                                                          true,
		`for %s in (A B) do reg export "HKLM\%s" "C:\BackupACLs\%s.reg" /y`:                                   true,
		`netsh advfirewall export C:\BackupACLs\firewall.wfw`:                                                 true,
		`if not exist C:\BackupACLs\X.reg reg export "HKLM\X" C:\BackupACLs\X.reg /y`:                         false,
		`for %s in (A) do if not exist "C:\BackupACLs\%s.reg" reg export "HKLM\%s" "C:\BackupACLs\%s.reg" /y`: false,
		`reg export "%CSKEY%\X" C:\BackupACLs\X-offline-%TS%.reg`:                                             false,
	} {
		if got := backupFile.MatchString(line) && !keepFirst.MatchString(line); got != bad {
			t.Errorf("%s: flagged %v, want %v", line, got, bad)
		}
	}
}
