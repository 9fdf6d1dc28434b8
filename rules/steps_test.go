package rules

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

// A fix step is pasted into a broken production VM: it cites its source,
// never prompts, and backs up or reads what it changes before it changes
// it. checkSteps (steps.go) holds every rule to that in Validate; these
// tests check that the built-ins pass, that a user rule that does not is
// refused, and that the patterns catch what they are meant to.

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

// TestBuiltinStepsPassTheChecks: every built-in step passes the checks
// Validate applies to every rule (checkSteps), and the checks see the
// commands they are about in the built-ins (else they check nothing).
func TestBuiltinStepsPassTheChecks(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		for _, err := range checkSteps(r) {
			t.Error(err)
		}
	}
	seen := map[string]int{}
	for _, s := range builtinSteps(t) {
		for _, line := range strings.Split(s.Commands, "\n") {
			for name, re := range map[string]*keyedPattern{"reg add/delete": regWrite, "sc config": scConfig, "firewall change": fwWrite, "backup to a fixed name": backupFile, "ACL change": aclWrite} {
				if re.MatchString(line) {
					seen[name]++
				}
			}
		}
	}
	for _, name := range []string{"reg add/delete", "sc config", "firewall change", "backup to a fixed name", "ACL change"} {
		if seen[name] == 0 {
			t.Errorf("no %s in the built-in steps: its check checks nothing", name)
		}
	}
}

// TestOfflineControlSetPattern: the pattern catches a fixed control set,
// not the one Select\Current names.
func TestOfflineControlSetPattern(t *testing.T) {
	if !offlineControlSet.MatchString(`reg add "HKLM\BROKENSYSTEM\ControlSet001\services\X" /v start /d 3 /f`) ||
		offlineControlSet.MatchString(`reg add "%CSKEY%\services\X" /v start /d 3 /f`) {
		t.Error("offlineControlSet pattern is wrong")
	}
}

// TestControlSetPadded: a control set's key is named by Select\Current's
// number in three digits. The offline steps of rdp-tls-disabled and
// rdp-service-not-running built it as ControlSet00%CS%, which for Current
// 10 (0xa) is ControlSet0010, a key that does not exist, where
// ControlSet010 is meant; the check refuses that form and passes the
// padded one the steps now use (set /a CS=1000+%a, ControlSet%CS:~1%).
// padded emulates the two cmd lines for the values reg query prints.
func TestControlSetPadded(t *testing.T) {
	for _, c := range []struct {
		line string
		bad  bool
	}{
		{`if defined LOADED if defined CS set CSKEY=HKLM\BROKENSYSTEM\ControlSet00%CS%`, true},
		{`set CSKEY=HKLM\BROKENSYSTEM\ControlSet0%CS%`, true},
		{`set CSKEY=HKLM\BROKENSYSTEM\ControlSet%CS%`, true},
		{`reg query HKLM\BROKENSYSTEM\ControlSet00!CS!\Services`, true},
		{`$key = "HKLM:\BROKENSYSTEM\ControlSet00$cs"`, true},
		{`$key = "HKLM:\BROKENSYSTEM\ControlSet${cs}"`, true},
		{`if defined LOADED if defined CS set CSKEY=HKLM\BROKENSYSTEM\ControlSet%CS:~1%`, false},
		{`$key = "HKLM:\BROKENSYSTEM\ControlSet{0:D3}" -f $cs`, false},
		{`reg query "HKLM\SYSTEM\CurrentControlSet\Services\%s"`, false},
		{`reg add "HKLM\BROKENSYSTEM\ControlSet001\X" /v A /d 1 /f`, false}, // offlineControlSet's
	} {
		if got := unpaddedControlSet.MatchString(c.line); got != c.bad {
			t.Errorf("%s: refused %v, want %v", c.line, got, c.bad)
		}
	}
	// What the built-in lines compute: set /a CS=1000+<reg query's 0x
	// value>, then the characters after the first.
	padded := func(current int) string { return fmt.Sprintf("ControlSet%s", strconv.Itoa(1000 + current)[1:]) }
	for cur, want := range map[int]string{1: "ControlSet001", 2: "ControlSet002", 10: "ControlSet010", 47: "ControlSet047", 999: "ControlSet999"} {
		if got := padded(cur); got != want {
			t.Errorf("Current %#x: %s, want %s", cur, got, want)
		}
	}
	steps := builtinSteps(t)
	for _, id := range []string{"rdp-tls-disabled/offline-enable-tls12", "rdp-service-not-running/offline-repair"} {
		s := steps[id]
		if s == nil {
			t.Fatalf("no step %s", id)
		}
		for _, want := range []string{`do set /a CS=1000+%a`, `set CSKEY=HKLM\BROKENSYSTEM\ControlSet%CS:~1%`} {
			if !strings.Contains(s.Commands, want) {
				t.Errorf("%s: commands lack %q", id, want)
			}
		}
		r := &Rule{ID: strings.Split(id, "/")[0], Resolution: []*Step{s}}
		old := &Rule{ID: r.ID, Resolution: []*Step{{ID: s.ID, Title: s.Title, Text: s.Text, Shell: s.Shell, RunOn: s.RunOn, Source: s.Source,
			Commands: strings.ReplaceAll(s.Commands, `ControlSet%CS:~1%`, `ControlSet00%CS%`)}}}
		if errs := checkSteps(r); len(errs) != 0 {
			t.Errorf("%s refused: %v", id, errs)
		}
		if errs := checkSteps(old); len(errs) != 1 || !strings.Contains(errs[0].Error(), "ControlSet010, not ControlSet0010") {
			t.Errorf("%s with ControlSet00%%CS%%: %v, want one error about the padding", id, errs)
		}
	}
}

// TestStepLintCatches: the patterns above catch what they are meant to.
func TestStepLintCatches(t *testing.T) {
	for _, c := range []struct {
		line    string
		re      *keyedPattern
		matches bool
	}{
		{`reg add "HKLM\X" /v A /t REG_DWORD /d 1`, regWrite, true},
		{`REG DELETE "HKLM\X" /v A`, regWrite, true},
		{`rem reg add "HKLM\X" /v A /d 4 /f`, regWrite, true},
		{`reg query "HKLM\X" /v A`, regWrite, false},
		{`reg add "HKLM\X" /v A /d 1 /f`, force, true},
		{`reg add "HKLM\X\fonts" /v A /d 1`, force, false},
		{`icacls C:\X /grant "NT AUTHORITY\SYSTEM:(F)"`, aclWrite, true},
		{`icacls C:\X`, aclWrite, false},
		{`icacls C:\X /reset /t /c`, aclWrite, true},
		{`icacls C:\X /inheritance:e`, aclWrite, true},
		{`icacls C:\X /remove:g Everyone`, aclWrite, true},
		{`Get-Acl C:\Y | Set-Acl C:\X`, aclWrite, true},
		{`icacls C:\X /restore C:\b.txt`, aclWrite, false},
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
	// The grant finds the key file of the certificate, CNG (Keys) or
	// CryptoAPI (RSA\MachineKeys), saves its permissions, and changes
	// nothing unless it found exactly one.
	has("rdp-cert-private-key/grant-rdp-key", `$k.Key.UniqueName`)
	has("rdp-cert-private-key/grant-rdp-key", `$k.CspKeyContainerInfo.UniqueKeyContainerName`)
	has("rdp-cert-private-key/grant-rdp-key", `"$env:ProgramData\Microsoft\Crypto\Keys\$_"; "$env:ProgramData\Microsoft\Crypto\RSA\MachineKeys\$_"`)
	has("rdp-cert-private-key/grant-rdp-key", `$file = if ($found.Count -eq 1) { $found[0] } else { $null }`)
	has("rdp-cert-private-key/grant-rdp-key", `icacls $file /save $backup /c`)
	has("rdp-cert-private-key/grant-rdp-key", `if ($saved) { icacls $file /grant "*S-1-5-18:(F)" "*S-1-5-20:(R)" /c;`)
	// Both certificate steps save each certificate (.cer) and the key
	// files (robocopy in backup mode) before removing anything, and say
	// how to put them back.
	for _, id := range []string{"rdp-cert-private-key/renew-self-signed", "rdp-cert-private-key/renew-self-signed-delete-key"} {
		has(id, `Export-Certificate -Cert $c -FilePath "$dir\$($c.Thumbprint).cer"`)
		// Both key folders, whole: the CryptoAPI providers' and the CNG
		// key storage providers' (Key Storage and Retrieval).
		has(id, `robocopy $env:ProgramData\Microsoft\Crypto\RSA\MachineKeys "$dir\MachineKeys" /B /COPY:DATS`)
		has(id, `robocopy $env:ProgramData\Microsoft\Crypto\Keys "$dir\Keys" /B /COPY:DATS`)
		has(id, `$saved = ($rsaCopy -lt 8) -and ($cngCopy -lt 8)`)
		// Each certificate's key file named through .NET, in any
		// language of Windows.
		has(id, `GetRSAPrivateKey($c)`)
		has(id, `$k.Key.UniqueName`)
		has(id, `$k.CspKeyContainerInfo.UniqueKeyContainerName`)
		has(id, "# Import-Certificate -FilePath")
		has(id, `# certutil -repairstore "Remote Desktop" <thumbprint>`)
	}
	has("rdp-cert-private-key/renew-self-signed", "if ($saved) { $certs | Remove-Item;")
	has("rdp-cert-private-key/renew-self-signed-delete-key", "if ($saved) { $certs | Remove-Item -DeleteKey;")
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

// TestFirewallProfileReadsActiveStore: a step that reads the firewall
// profiles reads the settings in force (-PolicyStore ActiveStore, Group
// Policy included): without it Get-NetFirewallProfile reads the local
// store only ("Running this cmdlet without specifying the policy store
// retrieves the persistent store", Get-NetFirewallProfile, Microsoft
// Learn), so the read after Set-NetFirewallProfile showed
// AllowInboundRules True while a Group Policy still blocked every inbound
// connection.
func TestFirewallProfileReadsActiveStore(t *testing.T) {
	n := 0
	for id, s := range builtinSteps(t) {
		for _, line := range strings.Split(s.Commands, "\n") {
			if strings.Contains(line, "Get-NetFirewallProfile") {
				n++
				if !strings.Contains(line, "Get-NetFirewallProfile -PolicyStore ActiveStore") {
					t.Errorf("%s: %s reads the local store only", id, line)
				}
			}
		}
	}
	if n < 3 {
		t.Errorf("%d reads of the firewall profiles, want at least 3", n)
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

// TestExportedSeesLoopsAndKeys: a reg export of a service's key, alone
// or in a for loop over service names, saves that service's key and no
// other; sc qc saves nothing.
func TestExportedSeesLoopsAndKeys(t *testing.T) {
	loop := `for %s in (Dhcp nsi) do reg export "HKLM\SYSTEM\CurrentControlSet\Services\%s" "%SystemDrive%\BackupACLs\%s.reg" /y`
	one := `reg export "HKLM\SYSTEM\CurrentControlSet\Services\BFE" %SystemDrive%\BackupACLs\BFE.reg /y`
	for _, c := range []struct {
		cmds, svc string
		want      bool
	}{{loop, "nsi", true}, {loop, "Netlogon", false}, {loop, "%s", false}, {one, "bfe", true}, {one, "mpssvc", false}, {"sc qc bfe", "bfe", false}} {
		acts := stepActions(&Step{Shell: "cmd", Commands: c.cmds})
		if got := saved(acts, thingRegistry, serviceAct(0, "sc", "", c.svc).target); got != c.want {
			t.Errorf("%q saves %s: %v", c.cmds, c.svc, got)
		}
	}
}

// TestFirewallPattern: fwWrite sees changes of rules and profiles, not
// reads.
func TestFirewallPattern(t *testing.T) {
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

// TestBackupPattern: a backup to a fixed file name is flagged unless it
// runs only "if not exist"; one with the time in its name is not.
func TestBackupPattern(t *testing.T) {
	for line, bad := range map[string]bool{
		`reg export "HKLM\X" %SystemDrive%\BackupACLs\X.reg /y`:                                                                     true,
		`for %s in (A B) do reg export "HKLM\%s" "%SystemDrive%\BackupACLs\%s.reg" /y`:                                              true,
		`netsh advfirewall export %SystemDrive%\BackupACLs\firewall.wfw`:                                                            true,
		`if not exist %SystemDrive%\BackupACLs\X.reg reg export "HKLM\X" %SystemDrive%\BackupACLs\X.reg /y`:                         false,
		`for %s in (A) do if not exist "%SystemDrive%\BackupACLs\%s.reg" reg export "HKLM\%s" "%SystemDrive%\BackupACLs\%s.reg" /y`: false,
		`reg export "%CSKEY%\X" %SystemDrive%\BackupACLs\X-offline-%TS%.reg`:                                                        false,
	} {
		if got := backupFile.MatchString(line) && !keepFirst.MatchString(line); got != bad {
			t.Errorf("%s: flagged %v, want %v", line, got, bad)
		}
	}
}

// TestUserStepsChecked: a user rule (LoadDir) whose step breaks a check is
// refused by Validate, as a built-in would be, with an error naming the
// file, the rule, the step and the line; the same rule with the step
// fixed loads.
func TestUserStepsChecked(t *testing.T) {
	const head = `id: my-rule
title: t
severity: error
cause: c
queries: [{id: q, channel: System, xpath: "Event[System[EventID=1]]"}]
resolution:
  - id: fix
    title: Fix it
    text: reg import, icacls /restore, netsh advfirewall import, Import-Certificate and Import-PfxCertificate put the backups back.
    shell: cmd
`
	for _, c := range []struct {
		name, step, want string // want: "" for a step that passes
		good             bool
		ps               bool // a PowerShell step (else cmd)
	}{
		{"no source", "    commands: echo\n", ".source: empty", false, false},
		{"no /f", "    source: s\n    commands: |\n      reg query \"HKLM\\X\" /v A\n      reg add \"HKLM\\X\" /v A /d 1\n", "without /f", false, false},
		{"write first", "    source: s\n    commands: |\n      reg add \"HKLM\\X\" /v A /d 1 /f\n", "registry write before a reg export", false, false},
		{"acl", "    source: s\n    commands: |\n      icacls C:\\X /grant \"Everyone:(F)\"\n", "icacls /save", false, false},
		{"acl reset", "    source: s\n    commands: |\n      if exist C:\\X icacls C:\\X /reset /t /c\n", "icacls /save", false, false},
		{"firewall", "    source: s\n    commands: |\n      netsh advfirewall set allprofiles state off\n", "netsh advfirewall export", false, false},
		{"sc config", "    source: s\n    commands: |\n      sc config TermService start= auto\n", "changes service TermService", false, false},
		{"offline", "    source: s\n    commands: |\n      reg query HKLM\\BROKENSYSTEM\\Select /v Current\n      reg add \"HKLM\\BROKENSYSTEM\\ControlSet001\\X\" /v A /d 1 /f\n", "fixed control set", false, false},
		{"overwrite", "    source: s\n    commands: |\n      reg export \"HKLM\\X\" %SystemDrive%\\BackupACLs\\X.reg /y\n", "overwrites the backup", false, false},
		// The same registry writes in PowerShell were loaded unchecked.
		{"Set-ItemProperty first", "    source: s\n    commands: |\n      Set-ItemProperty -Path 'HKLM:\\SYSTEM\\X' -Name A -Value 1\n", "registry write before a reg export", false, true},
		{"Remove-ItemProperty first", "    source: s\n    commands: |\n      Remove-ItemProperty -Path Registry::HKEY_LOCAL_MACHINE\\SYSTEM\\X -Name A\n", "registry write before a reg export", false, true},
		{"New-ItemProperty first", "    source: s\n    commands: |\n      New-ItemProperty -Path hkcu:\\X -Name A -Value 1 -Force\n", "registry write before a reg export", false, true},
		// A read is no backup: reg query or Get-ItemProperty leaves
		// nothing reg import restores.
		{"Set-ItemProperty after Get-ItemProperty", "    source: s\n    commands: |\n      Get-ItemProperty -Path 'HKLM:\\SYSTEM\\X'\n      if (Test-Path 'HKLM:\\SYSTEM\\X') { Set-ItemProperty -Path 'HKLM:\\SYSTEM\\X' -Name A -Value 1 }\n", "registry write before a reg export", false, true},
		{"reg add after reg query", "    source: s\n    commands: |\n      reg query \"HKLM\\X\" /v A\n      if exist C:\\X reg add \"HKLM\\X\" /v A /d 1 /f\n", "registry write before a reg export", false, false},
		{"reg add after a commented reg export", "    source: s\n    commands: |\n      rem reg export \"HKLM\\X\" %SystemDrive%\\BackupACLs\\X-%RANDOM%.reg /y\n      if exist C:\\X reg add \"HKLM\\X\" /v A /d 1 /f\n", "registry write before a reg export", false, false},
		// A certificate removed after only a list of its thumbprints
		// (the built-in steps before) cannot be put back; -DeleteKey
		// also needs the key file saved; a file Remove-Item a copy.
		{"certificate after a list", "    source: s\n    commands: |\n      $store = 'Cert:\\LocalMachine\\Remote Desktop'\n      Get-ChildItem -Path $store | Out-File $env:SystemDrive\\BackupACLs\\list.txt\n      if (Test-Path $env:SystemDrive\\BackupACLs\\list.txt) { Get-ChildItem -Path $store | Remove-Item }\n", "Remove-Item of a certificate before Export-Certificate", false, true},
		{"DeleteKey after a list", "    source: s\n    commands: |\n      $store = 'Cert:\\LocalMachine\\Remote Desktop'\n      Get-ChildItem -Path $store | Out-File $env:SystemDrive\\BackupACLs\\list.txt\n      if (Test-Path $env:SystemDrive\\BackupACLs\\list.txt) { Get-ChildItem -Path $store | Remove-Item -DeleteKey }\n", "Remove-Item -DeleteKey before the private key is saved", false, true},
		{"DeleteKey after the .cer only", "    source: s\n    commands: |\n      $c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n      $c | Export-Certificate -FilePath $env:SystemDrive\\BackupACLs\\c.sst -Type SST\n      if (Test-Path $env:SystemDrive\\BackupACLs\\c.sst) { $c | Remove-Item -DeleteKey }\n", "Remove-Item -DeleteKey before the private key is saved", false, true},
		{"DeleteKey after the key file only", "    source: s\n    commands: |\n      $c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n      robocopy $env:ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys $env:SystemDrive\\BackupACLs\\k f686* /B\n      if ($LASTEXITCODE -lt 8) { $c | Remove-Item -DeleteKey }\n", "Remove-Item of a certificate before Export-Certificate", false, true},
		// The RDP key file alone is not enough: a certificate's key may
		// be with a CNG key storage provider, in Crypto\Keys.
		{"DeleteKey after the RDP key file", "    source: s\n    commands: |\n      $c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n      $c | Export-Certificate -FilePath $env:SystemDrive\\BackupACLs\\c.sst -Type SST\n      robocopy $env:ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys $env:SystemDrive\\BackupACLs\\k f686* /B\n      if ($LASTEXITCODE -lt 8) { $c | Remove-Item -DeleteKey }\n", "Remove-Item -DeleteKey before the private key is saved", false, true},
		{"DeleteKey after both", "    source: s\n    commands: |\n      $c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n      $c | Export-Certificate -FilePath $env:SystemDrive\\BackupACLs\\c.sst -Type SST\n      robocopy $env:ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys $env:SystemDrive\\BackupACLs\\k /B\n      robocopy $env:ProgramData\\Microsoft\\Crypto\\Keys $env:SystemDrive\\BackupACLs\\n /B\n      if ($LASTEXITCODE -lt 8) { $c | Remove-Item -DeleteKey }\n", "", true, true},
		{"PFX with its key", "    source: s\n    commands: |\n      $c = Get-ChildItem -Path 'Cert:\\LocalMachine\\My\\AB12'\n      $c | Export-PfxCertificate -FilePath $env:SystemDrive\\BackupACLs\\c.pfx -Password $pw\n      if (Test-Path $env:SystemDrive\\BackupACLs\\c.pfx) { $c | Remove-Item -DeleteKey }\n", "", true, true},
		{"file removed", "    source: s\n    commands: |\n      if (Test-Path C:\\X.txt) { Remove-Item -Path C:\\X.txt }\n", "Remove-Item before a copy of what it removes", false, true},
		{"file removed after a copy", "    source: s\n    commands: |\n      Copy-Item -Path C:\\X.txt -Destination $env:SystemDrive\\BackupACLs\\\n      if (Test-Path $env:SystemDrive\\BackupACLs\\X.txt) { Remove-Item -Path C:\\X.txt }\n", "", true, true},
		// The backup must be of what the step changes: another key,
		// another folder's permissions, another group, or a backup that
		// is only text in a message, is none (these passed the checker
		// that looked for the backup command's name alone).
		{"another key exported", "    source: s\n    commands: |\n      reg export \"HKLM\\SOFTWARE\\A\" %SystemDrive%\\BackupACLs\\a-%RANDOM%.reg /y\n      if exist C:\\X reg add \"HKLM\\SOFTWARE\\B\" /v X /d 1 /f\n", `registry write before a reg export of its key (hklm\software\b, or a key above it)`, false, false},
		{"another folder's ACL saved", "    source: s\n    commands: |\n      icacls C:\\A /save %SystemDrive%\\BackupACLs\\a-%RANDOM%.txt /t /c\n      if exist C:\\X icacls C:\\B /grant \"Everyone:(R)\"\n", `ACL change before an icacls /save backup of c:\b`, false, false},
		{"another group listed", "    source: s\n    commands: |\n      net localgroup Administrators\n      if defined U net localgroup \"Remote Desktop Users\" \"%U%\" /add\n", "group or account change before the step lists it (net localgroup remote desktop users)", false, false},
		{"export only in a message", "    source: s\n    commands: |\n      Write-Warning \"run reg export HKLM\\SOFTWARE\\A C:\\a.reg /y first\"\n      if (Test-Path C:\\a.reg) { reg add HKLM\\SOFTWARE\\A /v X /d 1 /f }\n", "registry write before a reg export of its key", false, true},
		// A group or account change follows a listing of it.
		{"group add unread", "    source: s\n    commands: |\n      if defined U net localgroup \"Remote Desktop Users\" \"%U%\" /add\n", "group or account change before the step lists it", false, false},
		{"account enabled unread", "    source: s\n    commands: |\n      if defined U net user \"%U%\" /active:yes\n", "group or account change before the step lists it", false, false},
		// A local group of the machine's own (the builtin ones are
		// named by SID, TestEnglishBuiltinNameRefused).
		{"group add after listing", "    source: s\n    commands: |\n      net localgroup \"RDP Operators\"\n      if defined U net localgroup \"RDP Operators\" \"%U%\" /add\n", "", true, false},
		{"Set-ItemProperty after reg export", "    source: s\n    commands: |\n      reg export HKLM\\SYSTEM\\X \"$env:SystemDrive\\BackupACLs\\X-$(Get-Random).reg\" /y\n      if ($LASTEXITCODE -eq 0) { Set-ItemProperty -Path 'HKLM:\\SYSTEM\\X' -Name A -Value 1 }\n", "", true, true},
		// reg export asks "File exists. Overwrite (Yes/No)?" without /y:
		// a pasted block then feeds it the next line.
		{"reg export without /y", "    source: s\n    commands: |\n      reg export HKLM\\SYSTEM\\X %SystemDrive%\\BackupACLs\\X-%TS%.reg\n      reg add \"HKLM\\X\" /v A /d 1 /f\n", "reg export without /y", false, false},
		// A quoted placeholder is written as it is when not edited; an
		// unquoted one (a redirection in cmd, a parse error in
		// PowerShell) runs nothing, and a comment runs nothing either.
		// The message says what is wrong and both ways to write it.
		{"quoted placeholder", "    source: s\n    commands: |\n      reg query \"HKLM\\X\" /v A\n      reg add \"HKLM\\X\" /v A /d \"<server name>\" /f\n",
			`the quoted placeholder "<server name>" is passed as it is when the line is pasted unedited (the command runs with that text as its value); write it without quotes (<server name>) in a command that only reads: unedited, cmd takes its < and > for redirections and runs nothing; in one that writes, take the value from an environment variable the step checks: "if not defined SERVER_NAME echo Set SERVER_NAME first; nothing changed" then "if defined SERVER_NAME ... \"%SERVER_NAME%\" ..."`, false, false},
		{"single-quoted placeholder", "    source: s\n    commands: |\n      Test-NetConnection -ComputerName '<server>' -Port 135\n", `the quoted placeholder '<server>' is passed as it is`, false, true},
		{"unquoted placeholder", "    source: s\n    commands: |\n      nltest /sc_query:<domain>\n", "", true, false},
		{"placeholder in a comment", "    source: s\n    commands: |\n      # Set-CimInstance -Property @{Hash = '<THUMBPRINT>'}\n      rem set \"NAME=<name>\"\n", "", true, false},
		{"Set-Item on a file", "    source: s\n    commands: |\n      Set-Content -Path C:\\X.txt -Value 1\n      Set-ItemProperty -Path C:\\X.txt -Name IsReadOnly -Value $true\n", "", true, true},
		{"good", "    source: s\n    commands: |\n      if not exist %SystemDrive%\\BackupACLs\\X.reg reg export \"HKLM\\X\" %SystemDrive%\\BackupACLs\\X.reg /y\n      if exist %SystemDrive%\\BackupACLs\\X.reg reg add \"HKLM\\X\" /v A /d 1 /f\n", "", true, false},
		// A pasted block runs every line after a failed one: a write the
		// backup's check does not guard runs without a backup. Guards on
		// the line or as a block an if line opens pass.
		{"unguarded after backup", "    source: s\n    commands: |\n      if not exist %SystemDrive%\\BackupACLs\\X.reg reg export \"HKLM\\X\" %SystemDrive%\\BackupACLs\\X.reg /y\n      reg add \"HKLM\\X\" /v A /d 1 /f\n", "a change that runs even when the step's backup failed", false, false},
		{"unguarded PowerShell after block", "    source: s\n    commands: |\n      Get-ItemProperty -Path 'HKLM:\\SYSTEM\\X'\n      if (Test-Path 'HKLM:\\SYSTEM\\X') {\n        'backed up'\n      }\n      Set-ItemProperty -Path 'HKLM:\\SYSTEM\\X' -Name A -Value 1\n", "a change that runs even when the step's backup failed (a pasted block runs every line after a failed one): put it behind the backup's check, \"if exist <backup> ...\" in cmd, \"if (Test-Path <backup>) { ... }\" in PowerShell: line 5:", false, true},
		// Set-Service's changes of the configuration are service changes
		// (not known before): saved, and guarded.
		{"Set-Service unsaved", "    source: s\n    commands: |\n      if (Test-Path C:\\X) { Set-Service -Name TermService -StartupType Manual }\n", "changes service TermService before its key is saved with reg export", false, true},
		{"Set-Service unguarded", "    source: s\n    commands: |\n      reg export HKLM\\SYSTEM\\CurrentControlSet\\Services\\TermService \"$env:SystemDrive\\BackupACLs\\T-$(Get-Random).reg\" /y\n      Set-Service -Name TermService -StartupType Manual\n", "a change that runs even when the step's backup failed", false, true},
		{"Set-Service saved and guarded", "    source: s\n    commands: |\n      reg export HKLM\\SYSTEM\\CurrentControlSet\\Services\\TermService \"$env:SystemDrive\\BackupACLs\\T-$(Get-Random).reg\" /y\n      if ($LASTEXITCODE -eq 0) { Set-Service -Name TermService -StartupType Manual }\n", "", true, true},
		{"guarded PowerShell block", "    source: s\n    commands: |\n      reg export HKLM\\SYSTEM\\X \"$env:SystemDrive\\BackupACLs\\X-$(Get-Random).reg\" /y\n      if (Test-Path 'HKLM:\\SYSTEM\\X') {\n        Set-ItemProperty -Path 'HKLM:\\SYSTEM\\X' -Name A -Value 1\n        Set-ItemProperty -Path 'HKLM:\\SYSTEM\\X' -Name B -Value (2)\n      }\n", "", true, true},
		{"guarded cmd block", "    source: s\n    commands: |\n      if not exist %SystemDrive%\\BackupACLs\\X.reg reg export \"HKLM\\X\" %SystemDrive%\\BackupACLs\\X.reg /y\n      if exist %SystemDrive%\\BackupACLs\\X.reg (\n        reg add \"HKLM\\X\" /v A /d 1 /f\n        reg add \"HKLM\\X\" /v B /d \"C:\\Program Files (x86)\" /f\n      )\n", "", true, false},
	} {
		dir := t.TempDir()
		file := filepath.Join(dir, "mine.yaml")
		h := head
		if c.ps {
			h = strings.Replace(head, "shell: cmd", "shell: powershell", 1)
		}
		if err := os.WriteFile(file, []byte(h+c.step), 0o644); err != nil {
			t.Fatal(err)
		}
		rs, err := LoadDir(dir)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		err = Validate(rs)
		if c.good {
			if err != nil {
				t.Errorf("%s: refused: %v", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		if msg := err.Error(); !regexp.MustCompile(regexp.QuoteMeta(file)+`:\d+: my-rule: resolution\[fix\]`).MatchString(msg) || !strings.Contains(msg, c.want) {
			t.Errorf("%s: error %q, want the file, rule, step and %q", c.name, msg, c.want)
		}
	}
}

// keyedPatterns are the fix-step checks' patterns, by name.
func keyedPatterns() map[string]*keyedPattern {
	return map[string]*keyedPattern{
		"regWrite": regWrite, "force": force, "aclWrite": aclWrite,
		"certRemove": certRemove, "offlineControlSet": offlineControlSet, "scConfig": scConfig,
		"fwWrite": fwWrite, "backupFile": backupFile, "keepFirst": keepFirst, "makeDir": makeDir,
		"psRegWrite": psRegWrite, "cmdVar": cmdVar, "cmdOnly": cmdOnly, "cmdInside": cmdInside, "psSyntax": psSyntax, "psInside": psInside,
		"delayedVar": delayedVar, "delayedOn": delayedOn, "takeownRecursive": takeownRecursive, "takeownAnswer": takeownAnswer,
		"scConfigNoSpace": scConfigNoSpace, "dismFeature": dismFeature, "dismNoRestart": dismNoRestart,
		"regLoad": regLoad, "regUnload": regUnload, "continuation": continuation,
		"azureCLI": azureCLI, "offlineHive": offlineHive, "unpaddedControlSet": unpaddedControlSet,
	}
}

// TestFoldASCIICoversFolding: every rune a (?i) pattern matches for a
// character of a keyword (its Unicode simple folding orbit: k, K and the
// Kelvin sign) becomes that character in foldASCII, which is what makes
// the keyword test exact; other text is kept.
func TestFoldASCIICoversFolding(t *testing.T) {
	seen := map[rune]bool{}
	for _, p := range keyedPatterns() {
		for _, k := range p.keywords {
			for _, c := range k {
				if c >= utf8.RuneSelf || unicode.ToLower(c) != c {
					t.Fatalf("keyword %q is not lower-case ASCII", k)
				}
				if seen[c] {
					continue
				}
				seen[c] = true
				for r := unicode.SimpleFold(c); r != c; r = unicode.SimpleFold(r) {
					if got := foldASCII(string(r)); got != string(c) {
						t.Errorf("foldASCII(%q) = %q, want %q", r, got, c)
					}
				}
			}
		}
	}
	if !seen['k'] || !seen['s'] {
		t.Error("no keyword holds k or s: the check proves little")
	}
	for s, want := range map[string]string{
		"":                      "",
		"reg add":               "reg add",
		"REG ADD /F":            "reg add /f",
		"\xff\xfeRE\u212AG ſC":  "\xff\xferekg sc",
		"日本 ÄÖ İı Ǆ \u212B":     "日本 ÄÖ İı Ǆ \u212B",
		"Net\xffSH \u212Aelvin": "net\xffsh kelvin",
	} {
		if got := foldASCII(s); got != want {
			t.Errorf("foldASCII(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestKeyedPatternsEqualRegexp: a pattern's keyword test never changes
// its answer: over every command line of the built-in rules, lines that
// each check is about, and all of them respelled in random case (the
// Kelvin sign for k, the long s for s, invalid UTF-8 inserted), match
// and find give what the regular expression alone gives.
func TestKeyedPatternsEqualRegexp(t *testing.T) {
	lines := []string{
		`reg add "HKLM\X" /v A /t REG_DWORD /d 1 /f`, `REG.exe DELETE "HKLM\X" /v A /F`, `takeown /f C:\x`,
		`icacls C:\X /save C:\b.txt /t /c`, `icacls C:\X /grant "NT AUTHORITY\SYSTEM:(F)"`,
		`Get-ChildItem Cert:\ | Remove-Item`, `dir | Out-File $env:SystemDrive\BackupACLs\list.txt`,
		`reg add "HKLM\BROKENSYSTEM\ControlSet001\services\X" /v start /d 3 /f`, `sc.exe config TermService start= auto`,
		`sc config "UmRdpService" start= demand`, `Set-NetFirewallRule -DisplayGroup "Remote Desktop" -Enabled True`, `Set-NetFirewallProfile -Profile Domain -Enabled False`,
		`Get-NetFirewallRule | Disable-NetFirewallRule`, `netsh advfirewall firewall set rule group="remote desktop" new enable=yes`,
		`netsh advfirewall export %SystemDrive%\BackupACLs\fw.wfw`, `reg export HKLM\X %SystemDrive%\BackupACLs\x.reg /y`,
		`if not exist %SystemDrive%\BackupACLs\x.reg reg export HKLM\X %SystemDrive%\BackupACLs\x.reg`, `md %SystemDrive%\BackupACLs`, `mkdir "%SystemDrive%\BackupACLs"`,
		`Set-ItemProperty -Path 'HKLM:\SYSTEM\X' -Name A -Value 1`, `Remove-ItemProperty -Path Registry::HKEY_LOCAL_MACHINE\X -Name A`,
		`New-Item -Path hkcu:\Software\X -Force`, `Get-ItemProperty -Path 'HKLM:\SYSTEM\X'`, `Get-ChildItem HKLM:\SOFTWARE`,
		`reg export HKLM\X C:\B\X-%TS%.reg /y`, `if not exist C:\B md C:\B`, `for /f %a in ('x') do set /a CS=%a`, `set "CSKEY=HKLM\X"`,
		`cmd /c "echo %X%"`, `cmd.exe /K dir`, `net user $user`, `Get-Service`, `powershell -NoProfile -Command Get-Date`, `pwsh -c 1`,
		`echo !CS!`, `cmd /v:on /c "echo !CS!"`, `setlocal EnableDelayedExpansion`, `takeown /f C:\X /a /r`, `takeown /f C:\X /r /d y`,
		`sc config TermService start=demand`, `sc.exe \\srv create X binpath=C:\x.exe`, `dism /online /disable-feature /featurename:X`,
		`DISM.exe /Online /Enable-Feature /FeatureName:X /NoRestart`, `dism /online /disable-feature /featurename:X /quiet`,
		`reg load HKLM\BROKENSYSTEM F:\Windows\System32\config\SYSTEM`, `reg.exe unload HKLM\BROKENSYSTEM`, "dir ^ ", "Get-Item `\t",
		`az vm show --resource-group x --name y`, `if ($rg) { az network nic list-effective-nsg -g x -n y }`, `reg query HKLM\BROKENSYSTEM\Select /v Current`,
		`if defined CS set CSKEY=HKLM\BROKENSYSTEM\ControlSet00%CS%`, `$key = "HKLM:\BROKENSYSTEM\ControlSet00$cs"`,
	}
	for _, s := range builtinSteps(t) {
		lines = append(lines, strings.Split(s.Commands, "\n")...)
	}
	rng := rand.New(rand.NewPCG(8, 13))
	respell := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			switch n := rng.IntN(8); {
			case r == 'k' && n == 0, r == 'K' && n == 0:
				b.WriteRune('\u212A')
			case r == 's' && n == 0, r == 'S' && n == 0:
				b.WriteRune('\u017F')
			case n < 3:
				b.WriteRune(unicode.ToUpper(r))
			case n < 6:
				b.WriteRune(unicode.ToLower(r))
			case n == 7 && rng.IntN(20) == 0:
				b.WriteString("\xff")
				b.WriteRune(r)
			default:
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	for i, n := 0, len(lines); i < n; i++ {
		for range 20 {
			lines = append(lines, respell(lines[i]))
		}
	}
	matched := map[string]int{}
	for _, line := range lines {
		f := foldASCII(line)
		for name, p := range keyedPatterns() {
			got, want := p.match(line, f), p.re.MatchString(line)
			if got != want {
				t.Errorf("%s on %q: %v, the expression alone %v", name, line, got, want)
			}
			if gotM, wantM := p.find(line, f), p.re.FindStringSubmatch(line); !slices.Equal(gotM, wantM) {
				t.Errorf("%s on %q: find %q, the expression alone %q", name, line, gotM, wantM)
			}
			if want {
				matched[name]++
			}
		}
	}
	for name := range keyedPatterns() {
		if matched[name] < 10 {
			t.Errorf("%s matches %d of %d lines: the check proves little", name, matched[name], len(lines))
		}
	}
}

// TestCompileXPathRemembers: compileXPath gives, for every query text of
// the built-in rules (as written and with the window added), of the
// timeline and invalid ones, what xpath.Compile gives (the same text, keys
// and error), the second time the same compiled query.
func TestCompileXPathRemembers(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	srcs := []string{"*[System[EventID=1]]", "*[System[EventID=2]]", "*[System[EventID=", "*[System[EventID=)", "", "Event"}
	for _, r := range rs {
		for _, q := range r.Queries {
			srcs = append(srcs, q.XPath, r.LiveXPath(q))
		}
	}
	tl, err := BuiltinTimeline()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tl {
		srcs = append(srcs, e.XPath)
	}
	for _, s := range srcs {
		q1, err1 := compileXPath(s)
		q2, err2 := compileXPath(s)
		want, werr := xpath.Compile(s)
		if fmt.Sprint(err1) != fmt.Sprint(werr) || fmt.Sprint(err2) != fmt.Sprint(werr) {
			t.Errorf("%q: errors %v, %v; xpath.Compile %v", s, err1, err2, werr)
		}
		if werr != nil {
			continue
		}
		if q1 != q2 || q1.String() != s {
			t.Errorf("%q: compiled %q then %q (not remembered)", s, q1, q2)
		}
		k1, ok1 := q1.Keys()
		k, ok := want.Keys()
		if ok1 != ok || fmt.Sprint(k1) != fmt.Sprint(k) {
			t.Errorf("%q: keys %+v, xpath.Compile's %+v", s, k1, k)
		}
	}
}

// TestServiceBackupInPrintedOrder: sc config must follow a reg export of
// the service's key "in that step or an earlier one", and the report
// prints a refinement's first steps first. A rule whose refinement put
// the step with sc config before the step with the export loaded, and
// analyze printed "sc config Dhcp start= auto" as step 1, before any
// backup (the check read the file's order only). The same steps in the
// file's order, or a refinement keeping the export first, load.
func TestServiceBackupInPrintedOrder(t *testing.T) {
	const rule = `id: my-rule
title: t
severity: error
cause: c
queries: [{id: q, channel: System, xpath: "Event[System[EventID=1]]"}]
refinements:
  - id: ref
    queries: [q]
    cause: c2
    first: [%s]
resolution:
  - id: backup
    title: Back up
    text: reg import %%SystemDrive%%\BackupACLs\Dhcp.reg puts the key back.
    shell: cmd
    source: s
    commands: |
      if not exist %%SystemDrive%%\BackupACLs\Dhcp.reg reg export "HKLM\SYSTEM\CurrentControlSet\Services\Dhcp" %%SystemDrive%%\BackupACLs\Dhcp.reg /y
  - id: start
    title: Start
    shell: cmd
    source: s
    commands: |
      if exist %%SystemDrive%%\BackupACLs\Dhcp.reg sc config Dhcp start= auto
`
	for _, c := range []struct {
		first string
		good  bool
	}{{"start, backup", false}, {"start", false}, {"backup, start", true}, {"backup", true}} {
		dir := t.TempDir()
		file := filepath.Join(dir, "mine.yaml")
		if err := os.WriteFile(file, []byte(fmt.Sprintf(rule, c.first)), 0o644); err != nil {
			t.Fatal(err)
		}
		rs, err := LoadDir(dir)
		if err != nil {
			t.Fatalf("first [%s]: %v", c.first, err)
		}
		err = Validate(rs)
		switch {
		case c.good && err != nil:
			t.Errorf("first [%s]: refused: %v", c.first, err)
		case !c.good && err == nil:
			t.Errorf("first [%s]: loaded; the report prints sc config before the reg export", c.first)
		case !c.good && !strings.Contains(err.Error(), "resolution[start].commands: changes service Dhcp before its key is saved with reg export (in this step or an earlier one, in the order refinement ref prints the steps): line 1: if exist %SystemDrive%\\BackupACLs\\Dhcp.reg sc config Dhcp start= auto"):
			t.Errorf("first [%s]: error %q, want the step, the refinement and the line", c.first, err)
		}
	}
}

// TestStepShellChecks: a command that does not work in its step's shell,
// or that stops for an answer, is refused (checkShell), naming the line;
// the same command written right passes. Before these checks every bad
// line below loaded.
func TestStepShellChecks(t *testing.T) {
	for _, c := range []struct {
		shell, commands, want string // want: "" for commands that pass
	}{
		// PowerShell passes %NAME% as it is and cannot parse cmd's if/for.
		{"powershell", `reg export HKLM\X C:\B\X-%TS%.reg /y`, "%TS% is a cmd variable"},
		{"powershell", `if not exist %SystemDrive%\BackupACLs md %SystemDrive%\BackupACLs`, "cmd syntax in a PowerShell step"},
		{"powershell", `for /f %a in ('hostname') do set H=%a`, "cmd syntax in a PowerShell step"},
		{"powershell", `set CSKEY=HKLM\BROKENSYSTEM`, "cmd syntax in a PowerShell step"},
		{"powershell", `cmd /c "if not exist %SystemDrive%\BackupACLs md %SystemDrive%\BackupACLs"`, ""},
		{"powershell", `reg export HKLM\X "$env:SystemDrive\BackupACLs\X-$(Get-Date -Format yyyyMMdd).reg" /y`, ""},
		{"powershell", `Get-Service | % { $_.Name }`, ""},
		// cmd runs no cmdlet and passes $name as it is.
		{"cmd", `Get-NetFirewallRule -Name RemoteDesktop-UserMode-In-TCP`, "PowerShell syntax in a cmd step"},
		{"cmd", `reg export HKLM\X "$env:SystemDrive\BackupACLs\X-$(Get-Date).reg" /y`, "PowerShell syntax in a cmd step"},
		{"cmd", `net user $user`, "PowerShell syntax in a cmd step"},
		{"cmd", `powershell -NoProfile -Command "Test-ComputerSecureChannel -Verbose"`, ""},
		{"cmd", `for /f %t in ('powershell -NoProfile -Command Get-Date -Format yyyyMMdd') do set TS=%t`, ""},
		// Delayed expansion is off in a pasted cmd; %NAME% is expanded
		// when the line (or block) is read.
		{"cmd", `for /f "tokens=3" %a in ('reg query HKLM\X /v Current') do set CS=%a& echo !CS!`, "!CS! is expanded only with delayed expansion"},
		{"cmd", `cmd /v:on /c "set CS=1& echo !CS!"`, ""},
		{"cmd", `set CS=1& reg query HKLM\BROKENSYSTEM\ControlSet00%CS%`, "%CS% is expanded when cmd reads the line"},
		{"cmd", "if exist F:\\Windows (\n  set DISK=F:\n  echo %DISK%\n)", "%DISK% is expanded when cmd reads the line"},
		{"cmd", "set DISK=F:\nif exist %DISK%\\Windows (\n  echo %DISK%\n)", ""},
		{"cmd", `for /f "tokens=3" %a in ('reg query HKLM\X /v Current') do set /a CS=%a`, ""},
		// Questions and failures of the tools themselves.
		{"cmd", `takeown /f C:\X /a /r`, "takeown /r without /d Y"},
		{"cmd", `takeown /f C:\X /a /r /d y`, ""},
		{"cmd", `sc config TermService start=demand`, `sc needs a space after each "="`},
		{"cmd", `sc config TermService obj="NT Authority\NetworkService"`, `sc needs a space after each "="`},
		{"cmd", `sc config TermService start= demand obj= "NT Authority\NetworkService"`, ""},
		{"cmd", `dism /online /disable-feature /featurename:X`, "dism asks to restart"},
		{"cmd", `dism /online /disable-feature /featurename:X /norestart`, ""},
		{"cmd", `dism /online /disable-feature /featurename:X /quiet`, "dism asks to restart"},
		{"cmd", "reg load HKLM\\BROKENSYSTEM F:\\Windows\\System32\\config\\SYSTEM\nreg query HKLM\\BROKENSYSTEM\\Select /v Current", "loads a hive that no later line of the step unloads"},
		{"cmd", "reg load HKLM\\BROKENSYSTEM F:\\Windows\\System32\\config\\SYSTEM && set LOADED=1\nif defined LOADED reg query HKLM\\BROKENSYSTEM\\Select /v Current\nif defined LOADED reg unload HKLM\\BROKENSYSTEM", ""},
		// A load that failed (the key still loaded from an earlier disk:
		// a recovery VM repairs several) must not let the lines after it
		// read and change that other disk's hive: the built-in offline
		// steps ran every line whether or not their reg load worked.
		{"cmd", "reg load HKLM\\BROKENSYSTEM F:\\Windows\\System32\\config\\SYSTEM\nreg query HKLM\\BROKENSYSTEM\\Select /v Current\nreg unload HKLM\\BROKENSYSTEM", "reg load without '&& set NAME=1'"},
		{"cmd", "reg load HKLM\\BROKENSYSTEM F:\\Windows\\System32\\config\\SYSTEM && set LOADED=1\nreg add HKLM\\BROKENSYSTEM\\ControlSet001\\X /v Y /t REG_DWORD /d 1 /f\nif defined LOADED reg unload HKLM\\BROKENSYSTEM", "uses the loaded hive without 'if defined LOADED'"},
		{"cmd", "if defined DISK (reg load HKLM\\BROKENSYSTEM %DISK%\\Windows\\System32\\config\\SYSTEM && set LOADED=1)\nif defined LOADED if defined CS set CSKEY=HKLM\\brokensystem\\ControlSet00%CS%\nreg unload HKLM\\BROKENSYSTEM", "uses the loaded hive without 'if defined LOADED'"},
		{"powershell", "Get-ChildItem -Path C:\\ ` \n  -Recurse", "a line continuation followed by spaces"},
		{"cmd", "dir C:\\ ^ \n  /s", "a line continuation followed by spaces"},
		{"powershell", "Get-ChildItem -Path C:\\ `\n  -Recurse", ""},
	} {
		s := &Step{ID: "fix", Title: "t", Shell: c.shell, Commands: c.commands + "\n", Source: "s"}
		got := strings.Join(checkShell(s), "\n")
		switch {
		case c.want == "" && got != "":
			t.Errorf("%s %q: refused: %s", c.shell, c.commands, got)
		case c.want != "" && (!strings.Contains(got, c.want) || !strings.Contains(got, ": line ")):
			t.Errorf("%s %q: errors %q, want %q and the line", c.shell, c.commands, got, c.want)
		case c.want != "":
			// Validate's checks (checkSteps) report it for every rule,
			// naming the file, the rule and the step.
			r := &Rule{ID: "my-rule", File: "mine.yaml", Resolution: []*Step{s}}
			var all []string
			for _, err := range checkSteps(r) {
				all = append(all, err.Error())
			}
			if w := "mine.yaml: my-rule: resolution[fix].commands: " + c.want; !strings.Contains(strings.Join(all, "\n"), w) {
				t.Errorf("%s %q: checkSteps gives %q, want %q", c.shell, c.commands, all, w)
			}
		}
	}
}

// TestRunOnChecked: a step says where its commands run when it is not
// the VM: a step that loads an offline hive is refused unless run_on is
// rescue-vm, one that calls the Azure CLI unless it is workstation, and
// an unknown run_on is refused. Before, a rule could print the offline
// hive edit or "az vm user update" with nothing saying that it must not
// be pasted into the broken VM.
func TestRunOnChecked(t *testing.T) {
	const hive = "reg load HKLM\\BROKENSYSTEM F:\\Windows\\System32\\config\\SYSTEM\nreg query HKLM\\BROKENSYSTEM\\Select /v Current\nreg unload HKLM\\BROKENSYSTEM\n"
	const az = "$rg = 'x'\naz vm user update --resource-group $rg --name vm1 --username u --password $p\n"
	for _, c := range []struct {
		shell, runOn, commands, want string
	}{
		{"cmd", "", hive, "run_on: rescue-vm"},
		{"cmd", RunOnVM, hive, "run_on: rescue-vm"},
		{"cmd", RunOnRescueVM, hive, ""},
		{"powershell", "", az, "run_on: workstation"},
		{"powershell", RunOnVM, az, "run_on: workstation"},
		{"powershell", RunOnWorkstation, az, ""},
		{"cmd", "laptop", "hostname\n", `run_on "laptop"`},
		{"cmd", "", "hostname\n", ""},
		{"cmd", RunOnVM, "rem az vm restart\nhostname\n", ""},
	} {
		r := &Rule{ID: "my-rule", File: "mine.yaml", Resolution: []*Step{{ID: "fix", Title: "t", Shell: c.shell, RunOn: c.runOn, Commands: c.commands, Source: "s"}}}
		var all []string
		for _, err := range checkSteps(r) {
			if strings.Contains(err.Error(), ".run_on: ") {
				all = append(all, err.Error())
			}
		}
		got := strings.Join(all, "\n")
		switch {
		case c.want == "" && got != "":
			t.Errorf("run_on %q, %q: refused: %s", c.runOn, c.commands, got)
		case c.want != "" && !strings.Contains(got, "mine.yaml: my-rule: resolution[fix].run_on: ") || !strings.Contains(got, c.want):
			t.Errorf("run_on %q, %q: errors %q, want %q", c.runOn, c.commands, got, c.want)
		}
	}
	// Every built-in step with commands says where it runs.
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rs {
		for _, s := range r.Resolution {
			if s.Commands != "" && s.RunOn == "" {
				t.Errorf("%s/%s: no run_on", r.ID, s.ID)
			}
			seen[s.RunOn]++
		}
	}
	for _, on := range []string{RunOnVM, RunOnRescueVM, RunOnWorkstation} {
		if seen[on] == 0 {
			t.Errorf("no built-in step runs on %s", on)
		}
	}
}

// TestBuiltinWritesGuarded: in the built-in steps every change the checks
// know (reg add/delete, a PowerShell registry write, sc config, an ACL
// grant, Remove-Item, a firewall change) runs only when its backup is
// there: in cmd behind "if exist <backup>", in PowerShell inside an
// "if (...)" that tests it. A pasted block runs every line even when the
// backup line before failed (cmd and an interactive PowerShell go on
// after an error), so an unguarded write could run with no backup.
func TestBuiltinWritesGuarded(t *testing.T) {
	n := 0
	for id, s := range builtinSteps(t) {
		for _, line := range strings.Split(s.Commands, "\n") {
			if comment.MatchString(line) {
				continue
			}
			write := regWrite.MatchString(line) || psRegWrite.MatchString(line) || scConfig.MatchString(line) ||
				aclWrite.MatchString(line) && !strings.Contains(line, "takeown") || certRemove.MatchString(line) || fwWrite.MatchString(line)
			if !write {
				continue
			}
			n++
			guard := "if exist "
			if s.Shell == "powershell" {
				guard = "if ("
			}
			if !strings.Contains(strings.ToLower(line), guard) {
				t.Errorf("%s: a write not behind %q: %s", id, guard, strings.TrimSpace(line))
			}
		}
	}
	if n < 20 {
		t.Errorf("%d writes in the built-in steps: the check proves little", n)
	}
}

// TestPowerShellOnTheVMDropsPSReadLine: a built-in PowerShell step that
// runs on the VM starts by removing PSReadLine. Pasted through the Azure
// Serial Console with PSReadLine loaded, a command arrives with doubled
// characters ("Installl-windowsfeature"); the maintainers' answer is
// "remove-module psreadline" (microsoft/azserialconsole#38), which
// Microsoft's own articles run first (troubleshoot-remote-desktop-services-issues,
// azure-vm-netlogon-not-starting). -ErrorAction SilentlyContinue keeps it
// quiet where the module is not loaded (Run Command).
func TestPowerShellOnTheVMDropsPSReadLine(t *testing.T) {
	n := 0
	for id, s := range builtinSteps(t) {
		if s.Shell != "powershell" || s.Commands == "" || cmp.Or(s.RunOn, RunOnVM) != RunOnVM {
			continue
		}
		n++
		if first, _, _ := strings.Cut(s.Commands, "\n"); first != "Remove-Module PSReadLine -ErrorAction SilentlyContinue" {
			t.Errorf("%s: starts with %q", id, first)
		}
	}
	if n < 10 {
		t.Errorf("%d PowerShell steps on the VM: the check proves little", n)
	}
}

// TestRunOnLiveChanges: a step whose run_on is not the broken VM must not
// change the machine it runs on. A custom rule whose "enable TLS 1.2" step
// said run_on: workstation was loaded and printed "[cmd, on your own
// machine or Cloud Shell]" over reg add HKLM\SYSTEM\CurrentControlSet\...:
// pasted as told, it changed the engineer's own SCHANNEL settings; with
// run_on: rescue-vm, the recovery VM's. On the recovery VM only the
// attached disk's hive (HKLM\BROKENSYSTEM, or a variable holding a key of
// it) may be written.
func TestRunOnLiveChanges(t *testing.T) {
	tls := `reg add "HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Server" /v Enabled /t REG_DWORD /d 1 /f`
	for _, c := range []struct {
		runOn, shell, commands, want string // want: "" for commands that pass
	}{
		{RunOnWorkstation, "cmd", tls, "changes the machine it runs on"},
		{RunOnRescueVM, "cmd", tls, "changes the machine it runs on"},
		{RunOnVM, "cmd", tls, ""},
		{"", "cmd", tls, ""},
		{RunOnRescueVM, "cmd", `reg add "%CSKEY%\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Server" /v Enabled /t REG_DWORD /d 1 /f`, ""},
		{RunOnRescueVM, "cmd", `reg add HKLM\BROKENSYSTEM\ControlSet001\Services\TermService /v Start /t REG_DWORD /d 3 /f`, ""},
		{RunOnWorkstation, "cmd", `reg add HKLM\BROKENSYSTEM\ControlSet001\Services\TermService /v Start /t REG_DWORD /d 3 /f`, "changes the machine it runs on"},
		{RunOnWorkstation, "powershell", `Set-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server' -Name fDenyTSConnections -Value 0`, "changes the machine it runs on"},
		{RunOnRescueVM, "powershell", `Restart-Service -Name TermService -Force`, "changes the machine it runs on"},
		{RunOnRescueVM, "cmd", `sc config TermService start= demand`, "changes the machine it runs on"},
		{RunOnWorkstation, "powershell", `Set-NetFirewallRule -Name RemoteDesktop-UserMode-In-TCP -Enabled True`, "changes the machine it runs on"},
		{RunOnWorkstation, "cmd", `shutdown /r /t 0`, "changes the machine it runs on"},
		{RunOnWorkstation, "cmd", `icacls C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys /grant "NT AUTHORITY\NETWORK SERVICE:(R)"`, "changes the machine it runs on"},
		{RunOnRescueVM, "cmd", `icacls %DISK%\ProgramData\Microsoft\Crypto\RSA\MachineKeys /grant "NT AUTHORITY\NETWORK SERVICE:(R)"`, ""},
		// The Azure CLI sends the command to the VM.
		{RunOnWorkstation, "powershell", `az vm run-command invoke --resource-group $rg --name $vm --command-id RunPowerShellScript --scripts "Restart-Service -Name TermService -Force"`, ""},
		{RunOnWorkstation, "powershell", `az vm show --resource-group $rg --name $vm`, ""},
	} {
		s := &Step{ID: "fix", Title: "t", Shell: c.shell, RunOn: c.runOn, Commands: c.commands + "\n", Source: "s"}
		got := strings.Join(checkRunOn(s), "\n")
		switch {
		case c.want == "" && got != "":
			t.Errorf("%s %q: refused: %s", c.runOn, c.commands, got)
		case c.want != "" && (!strings.Contains(got, c.want) || !strings.Contains(got, ": line 1: ")):
			t.Errorf("%s %q: errors %q, want %q and the line", c.runOn, c.commands, got, c.want)
		}
	}
}

// TestChangeBeforeNothingChanged: a step whose check says "nothing was
// changed" when its backup is missing changes nothing before that check.
// The built-in isolate-service step began with "sc stop TermService", then
// said "%SystemDrive%\BackupACLs\TermService.reg is missing: ...; nothing was
// changed" with Remote Desktop Services stopped.
func TestChangeBeforeNothingChanged(t *testing.T) {
	guard := `if not exist %SystemDrive%\BackupACLs\X.reg echo %SystemDrive%\BackupACLs\X.reg is missing: nothing was changed.`
	for _, c := range []struct {
		commands string
		bad      bool
	}{
		{"sc stop TermService\nsc qc TermService\n" + guard + "\nif exist %SystemDrive%\\BackupACLs\\X.reg sc config TermService type= own", true},
		{"net stop TermService /y\n" + guard, true},
		{"icacls C:\\X /grant \"NT AUTHORITY\\NETWORK SERVICE:(R)\"\n" + guard, true},
		{"sc qc TermService\n" + guard + "\nif exist %SystemDrive%\\BackupACLs\\X.reg sc stop TermService\nif exist %SystemDrive%\\BackupACLs\\X.reg sc config TermService type= own\nsc start TermService", false},
		{"if exist %SystemDrive%\\BackupACLs\\X.reg sc stop TermService\n" + guard, false},
		{"sc stop TermService\nsc qc TermService", false}, // no such check: nothing is promised
	} {
		s := &Step{ID: "fix", Title: "t", Shell: "cmd", Commands: c.commands + "\n", Source: "s"}
		r := &Rule{ID: "my-rule", File: "mine.yaml", Resolution: []*Step{s}}
		var all []string
		for _, err := range checkSteps(r) {
			all = append(all, err.Error())
		}
		got := strings.Join(all, "\n")
		if has := strings.Contains(got, "before the step's check that says nothing was changed"); has != c.bad || c.bad && !strings.Contains(got, "line 1: ") {
			t.Errorf("%q: errors %q, want refused %v", c.commands, got, c.bad)
		}
	}
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		for _, s := range r.Resolution {
			if s != nil && s.ID == "isolate-service" && strings.HasPrefix(s.Commands, "sc stop") {
				t.Errorf("%s: %s still stops the service first", r.ID, s.ID)
			}
		}
	}
}

// foldASCIIPlain is foldASCII without its ASCII fast path: every rune
// decoded.
func foldASCIIPlain(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case 'A' <= r && r <= 'Z':
			b.WriteByte(byte(r) + 'a' - 'A')
		case r == '\u212A':
			b.WriteByte('k')
		case r == '\u017F':
			b.WriteByte('s')
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// TestFoldASCIIFastPath: foldASCII gives what decoding every rune gives,
// over the built-in command lines, random bytes and random mixes of ASCII,
// the folded runes and invalid UTF-8.
func TestFoldASCIIFastPath(t *testing.T) {
	var in []string
	for _, s := range builtinSteps(t) {
		in = append(in, strings.Split(s.Commands, "\n")...)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	pieces := []string{"a", "Z", "reg ", "ADD", "\u212A", "\u017F", "\xff", "\xe2\x84", "é", "日本", "\x00", "\n", "İ"}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(12) {
			if rng.IntN(3) == 0 {
				b.WriteByte(byte(rng.IntN(256)))
			} else {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
		}
		in = append(in, b.String())
	}
	for _, s := range in {
		if got, want := foldASCII(s), foldASCIIPlain(s); got != want {
			t.Errorf("foldASCII(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestNoStepParsesLocalizedOutput: no built-in step picks a value out of
// certutil's output by its label (Select-String or findstr on it, or on a
// file it was saved to): certutil prints its labels in the language of
// Windows ("Unique container name" is English only), so on a localized
// VM such a step finds nothing and, before, copied only the fixed RDP key
// file.
func TestNoStepParsesLocalizedOutput(t *testing.T) {
	for id, s := range builtinSteps(t) {
		saved := map[string]bool{} // files certutil's output went to
		for _, line := range strings.Split(s.Commands, "\n") {
			if comment.MatchString(line) {
				continue
			}
			l := strings.ToLower(line)
			if i := strings.Index(l, "certutil"); i >= 0 {
				if j := strings.Index(l[i:], "out-file"); j >= 0 {
					saved[strings.Trim(strings.Fields(l[i+j:] + " x")[1], `"'`)] = true
				}
			}
			if !strings.Contains(l, "select-string") && !strings.Contains(l, "findstr") {
				continue
			}
			reads := strings.Contains(l, "certutil")
			for f := range saved {
				reads = reads || strings.Contains(l, f)
			}
			if reads {
				t.Errorf("%s: parses certutil's localized output: %s", id, strings.TrimSpace(line))
			}
		}
	}
}

// TestBackupNamesItsRestore: a step that takes a backup says how to put
// it back (reg import, icacls /restore, netsh advfirewall import,
// Import-Certificate), in its text, title or commands, a comment
// included; a restore named only in the source field, or the restore of
// another kind of backup, is not enough. The built-in steps
// free-the-port, start-bfe, enable-tls12 and eight others took a backup
// and named no way back before this check.
func TestBackupNamesItsRestore(t *testing.T) {
	const head = `id: my-rule
title: t
severity: error
cause: c
queries: [{id: q, channel: System, xpath: "Event[System[EventID=1]]"}]
resolution:
  - id: fix
    title: Fix it
`
	const regSave = "      if not exist %SystemDrive%\\BackupACLs\\X.reg reg export \"HKLM\\X\" %SystemDrive%\\BackupACLs\\X.reg /y\n      if exist %SystemDrive%\\BackupACLs\\X.reg reg add \"HKLM\\X\" /v A /d 1 /f\n"
	const aclSave = "      $b = \"$env:SystemDrive\\BackupACLs\\k-$(Get-Random).txt\"\n      icacls C:\\K /save $b /t /c\n      if (Test-Path $b) { icacls C:\\K /grant \"*S-1-1-0:(R)\" }\n"
	const fwSave = "      $fw = \"$env:SystemDrive\\BackupACLs\\f-$(Get-Random).wfw\"\n      netsh advfirewall export $fw\n      if (Test-Path $fw) { Set-NetFirewallProfile -Profile Public -AllowInboundRules True }\n"
	const certSave = "      $c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n      $c | Export-Certificate -FilePath $env:SystemDrive\\BackupACLs\\c.sst -Type SST\n      if (Test-Path $env:SystemDrive\\BackupACLs\\c.sst) { $c | Remove-Item }\n"
	for _, c := range []struct {
		name, step, want string // want: "" for a step that passes
	}{
		{"reg export, no way back", "    shell: cmd\n    source: s\n    commands: |\n" + regSave, "takes a backup and does not say how to put it back (reg export: say reg import <file>"},
		{"reg import only in the source", "    shell: cmd\n    source: reg import %SystemDrive%\\BackupACLs\\X.reg restores it\n    commands: |\n" + regSave, "(reg export: say reg import <file>"},
		{"reg import in the text", "    shell: cmd\n    text: reg import %SystemDrive%\\BackupACLs\\X.reg puts it back.\n    source: s\n    commands: |\n" + regSave, ""},
		{"reg import in a comment", "    shell: cmd\n    source: s\n    commands: |\n" + regSave + "      rem To undo: reg import %SystemDrive%\\BackupACLs\\X.reg\n", ""},
		{"icacls /save, no way back", "    shell: powershell\n    source: s\n    commands: |\n" + aclSave, "(icacls /save: say icacls <folder> /restore <file>"},
		// A restore of another kind is not this backup's.
		{"icacls /save, reg import named", "    shell: powershell\n    text: reg import puts the key back.\n    source: s\n    commands: |\n" + aclSave, "(icacls /save: say icacls <folder> /restore <file>"},
		{"icacls /restore in a comment", "    shell: powershell\n    source: s\n    commands: |\n" + aclSave + "      # icacls C:\\ /restore $b /c\n", ""},
		{"netsh export, no way back", "    shell: powershell\n    source: s\n    commands: |\n" + fwSave, "(netsh advfirewall export: say netsh advfirewall import <file>"},
		{"netsh import in the text", "    shell: powershell\n    text: netsh advfirewall import <the file> restores the policy.\n    source: s\n    commands: |\n" + fwSave, ""},
		{"certificate export, no way back", "    shell: powershell\n    source: s\n    commands: |\n" + certSave, "(Export-Certificate: say Import-Certificate -FilePath <file>"},
		{"Import-Certificate in the text", "    shell: powershell\n    text: Import-Certificate puts the saved file back.\n    source: s\n    commands: |\n" + certSave, ""},
		// A commented export takes no backup.
		{"commented export", "    shell: cmd\n    source: s\n    commands: |\n      rem reg export \"HKLM\\X\" %SystemDrive%\\BackupACLs\\X-%RANDOM%.reg /y\n      reg query \"HKLM\\X\"\n", ""},
	} {
		dir := t.TempDir()
		file := filepath.Join(dir, "mine.yaml")
		if err := os.WriteFile(file, []byte(head+c.step), 0o644); err != nil {
			t.Fatal(err)
		}
		rs, err := LoadDir(dir)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		err = Validate(rs)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.want != "" && err == nil:
			t.Errorf("%s: loaded", c.name)
		case c.want != "" && (!regexp.MustCompile(regexp.QuoteMeta(file)+`:\d+: my-rule: resolution\[fix\]\.text`).MatchString(err.Error()) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %q, want the file, rule, step and %q", c.name, err, c.want)
		}
	}
}

// TestRestartIsSaid: a step that restarts or stops a service or the
// machine says so in its title or text; a comment restarts nothing. The
// built-in steps renew-self-signed-delete-key (Restart-Service
// SessionEnv) and reset-machinekeys-folder (Restart-Service TermService,
// which ends the RDP sessions) did it unsaid before this check.
func TestRestartIsSaid(t *testing.T) {
	for _, c := range []struct {
		name     string
		step     *Step
		wantMsgs int
	}{
		{"Restart-Service unsaid", &Step{Title: "Grant access", Text: "Grants read.", Commands: "if ($ok) { icacls C:\\K /grant \"Everyone:(R)\"; Restart-Service -Name TermService -Force }"}, 1},
		{"Restart-Service said", &Step{Title: "Grant access", Text: "Grants read, then restarts Remote Desktop Services.", Commands: "if ($ok) { Restart-Service -Name TermService -Force }"}, 0},
		{"in a comment", &Step{Title: "Grant access", Commands: "# Restart-Service -Name TermService -Force"}, 0},
		{"sc stop unsaid", &Step{Title: "Isolate the service", Commands: "sc stop TermService\nsc config TermService type= own"}, 1},
		{"net stop said in the title", &Step{Title: "Stop the service", Commands: "net stop TermService"}, 0},
		{"shutdown /r unsaid", &Step{Title: "Apply", Commands: "shutdown /r /t 0"}, 1},
		{"shutdown -s unsaid", &Step{Title: "Apply", Commands: "shutdown -s -t 0"}, 1},
		{"shutdown /r said", &Step{Title: "Restart the VM", Commands: "shutdown /r /t 0"}, 0},
		{"Restart-Computer unsaid", &Step{Title: "Apply", Commands: "Restart-Computer -Force"}, 1},
		{"a start is no interruption", &Step{Title: "Start it", Commands: "sc start TermService\nStart-Service -Name TermService"}, 0},
	} {
		if got := unsaidInterruptions(c.step); len(got) != c.wantMsgs {
			t.Errorf("%s: %d messages %q, want %d", c.name, len(got), got, c.wantMsgs)
		}
	}
}

// TestLocalizedAccountRefused: icacls names a well-known account by SID;
// its name (NT AUTHORITY\NETWORK SERVICE, BUILTIN\Administrators,
// Everyone) is localized. The built-in steps grant-rdp-key and
// reset-machinekeys-folder named them before this check.
func TestLocalizedAccountRefused(t *testing.T) {
	for _, c := range []struct {
		line string
		want string // the name reported, "" for none
	}{
		{`if ($saved) { icacls $file /grant "NT AUTHORITY\SYSTEM:(F)" "NT AUTHORITY\NETWORK SERVICE:(R)" /c }`, `NT AUTHORITY\SYSTEM`},
		{`icacls C:\K /grant "BUILTIN\Administrators:(F)" /c`, `BUILTIN\Administrators`},
		{`icacls C:\K /grant Everyone:(RD,RA) /c`, `Everyone`},
		{`icacls C:\K /remove:g "NT AUTHORITY\NETWORK SERVICE"`, `NT AUTHORITY\NETWORK SERVICE`},
		{`icacls C:\K /grant "*S-1-5-18:(F)" "*S-1-5-20:(R)" /c`, ""},
		{`icacls C:\K /grant "CONTOSO\svc-rdp:(R)"`, ""},
		{`icacls C:\K`, ""},
		{`# icacls C:\K /grant "Everyone:(F)"`, ""},
	} {
		got := localizedAccounts(&Step{Commands: c.line})
		switch {
		case c.want == "" && len(got) != 0:
			t.Errorf("%s: refused: %q", c.line, got)
		case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], "well-known account "+c.want+",")):
			t.Errorf("%s: %q, want one message naming %s", c.line, got, c.want)
		}
	}
}

// TestEnglishBuiltinNameRefused: a builtin group or account is named by
// SID, or by the name read from its SID, not by its English name, which
// Windows localizes; a service account is given the name the service
// control manager takes in every language. The built-in step
// add-remote-desktop-users ran net localgroup "Remote Desktop Users",
// which a German, French ... Windows answers with "The specified local
// group does not exist".
func TestEnglishBuiltinNameRefused(t *testing.T) {
	for _, c := range []struct {
		line, shell string
		want        string // a text of the one message, "" for none
	}{
		{`net localgroup "Remote Desktop Users"`, "cmd", `"Remote Desktop Users" in English`},
		{`if defined RDPUSER net localgroup "Remote Desktop Users" "%RDPUSER%" /add`, "cmd", "S-1-5-32-555"},
		{`net localgroup Administrators jdoe /add`, "cmd", "S-1-5-32-544"},
		{`net localgroup "%RDPGROUP%" "NT AUTHORITY\Authenticated Users" /add`, "cmd", "S-1-5-11"},
		{`net user Administrator /active:yes`, "cmd", "-500"},
		{`Add-LocalGroupMember -Group 'Remote Desktop Users' -Member $env:RDPUSER`, "powershell", "S-1-5-32-555"},
		{`Get-LocalGroupMember -Name BUILTIN\Administrators`, "powershell", "S-1-5-32-544"},
		{`Add-LocalGroupMember -SID S-1-5-32-555 -Member 'Everyone'`, "powershell", "S-1-1-0"},
		{`$g = [ADSI]"WinNT://./Remote Desktop Users,group"`, "powershell", "S-1-5-32-555"},
		{`if exist C:\B\T.reg sc config TermService obj= "NT AUTHORITY\NETWORK SERVICE"`, "cmd", `NT AUTHORITY\NetworkService in every language`},
		{`reg add "%CSKEY%\services\X" /v ObjectName /t REG_SZ /d "NT AUTHORITY\Local Service" /f`, "cmd", `NT AUTHORITY\LocalService in every language`},
		{`sc config X obj= "NT AUTHORITY\SYSTEM"`, "cmd", "LocalSystem in every language"},
		// Right in every language.
		{`net localgroup $group`, "powershell", ""},
		{`if (-not $env:RDPUSER) { Write-Warning 'x' } else { net localgroup $group $env:RDPUSER /add }`, "powershell", ""},
		{`Add-LocalGroupMember -SID S-1-5-32-555 -Member $env:RDPUSER`, "powershell", ""},
		{`net localgroup "%RDPGROUP%" "%RDPUSER%" /add`, "cmd", ""},
		{`if defined RDPUSER net user "%RDPUSER%" /active:yes`, "cmd", ""},
		{`if exist C:\B\T.reg sc config TermService obj= "NT Authority\NetworkService"`, "cmd", ""},
		{`reg add "%CSKEY%\services\TermService" /v ObjectName /t REG_SZ /d "NT Authority\NetworkService" /f`, "cmd", ""},
		{`sc config X obj= LocalSystem`, "cmd", ""},
		{`net localgroup Remotedesktopbenutzer`, "cmd", ""},
		{`net accounts`, "cmd", ""},
		{`rem net localgroup "Remote Desktop Users"`, "cmd", ""},
		{`# net localgroup "Remote Desktop Users"`, "powershell", ""},
	} {
		got := englishBuiltins(&Step{Commands: c.line, Shell: c.shell})
		switch {
		case c.want == "" && len(got) != 0:
			t.Errorf("%s: refused: %q", c.line, got)
		case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
			t.Errorf("%s: %q, want one message with %q", c.line, got, c.want)
		}
	}
	// The step as it was is refused through checkSteps, as Validate
	// refuses a user rule; as it is now it passes.
	steps := builtinSteps(t)
	now := steps["rdp-logon-account/add-remote-desktop-users"]
	if now == nil {
		t.Fatal("no step add-remote-desktop-users")
	}
	was := *now
	was.Shell = "cmd"
	was.Text = "The first line lists the group's members as they were; to undo the change, net localgroup \"Remote Desktop Users\" \"%RDPUSER%\" /delete."
	was.Commands = "net localgroup \"Remote Desktop Users\"\nif not defined RDPUSER echo Set RDPUSER to the account of the failed logons first (set RDPUSER=name): nothing was changed.\nif defined RDPUSER net localgroup \"Remote Desktop Users\" \"%RDPUSER%\" /add\n"
	errs := checkSteps(&Rule{ID: "rdp-logon-account", Resolution: []*Step{&was}})
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "Remote Desktop Users") {
		t.Errorf("the old step: %v, want two errors naming Remote Desktop Users", errs)
	}
	if errs := checkSteps(&Rule{ID: "rdp-logon-account", Resolution: []*Step{now}}); len(errs) != 0 {
		t.Errorf("the step now: %v", errs)
	}
	for _, want := range []string{`SecurityIdentifier 'S-1-5-32-555'`, `net localgroup $group`, `net localgroup $group $env:RDPUSER /add`} {
		if !strings.Contains(now.Commands, want) {
			t.Errorf("add-remote-desktop-users lacks %q", want)
		}
	}
	// No built-in step names a builtin group in English.
	for id, s := range steps {
		if got := englishBuiltins(s); len(got) != 0 {
			t.Errorf("%s: %q", id, got)
		}
	}
}

// TestFixedWindowsDriveRefused: a step names the Windows folder and the OS
// volume through SystemRoot and SystemDrive, not C:. The built-in steps
// read-dump (C:\Windows\MEMORY.DMP) and read-disk (Get-Volume
// -DriveLetter C) named them by letter before this check.
func TestFixedWindowsDriveRefused(t *testing.T) {
	for _, c := range []struct {
		line string
		bad  bool
	}{
		{`Get-Item C:\Windows\MEMORY.DMP -ErrorAction SilentlyContinue | Format-List FullName`, true},
		{`Get-Volume -DriveLetter C | Format-List DriveLetter, SizeRemaining, Size`, true},
		{`dir "C:\Windows\Minidump"`, true},
		{`Get-Volume -DriveLetter $env:SystemDrive[0] | Format-List DriveLetter, SizeRemaining, Size`, false},
		{`Get-Item -LiteralPath (Join-Path $env:SystemRoot MEMORY.DMP) -ErrorAction SilentlyContinue`, false},
		{`if defined DISK if not exist %DISK%\Windows\System32\config\SYSTEM echo no`, false},
		{`if not exist C:\BackupACLs md C:\BackupACLs`, true},
		{`if not exist %SystemDrive%\BackupACLs md %SystemDrive%\BackupACLs`, false},
		{`New-Item -ItemType Directory -Path "$env:SystemDrive\BackupACLs" -Force`, false},
		{`$backup = "C:\BackupACLs\x_$(Get-Date -Format yyyyMMdd).txt"`, true},
		{`Get-Item C:\BackupACLsOld`, false},
		{`robocopy C:\ProgramData\Microsoft\Crypto\Keys "$dir\Keys" /B`, true},
		{`robocopy $env:ProgramData\Microsoft\Crypto\Keys "$dir\Keys" /B`, false},
		{`dir "%ProgramData%\Microsoft\Crypto\RSA\MachineKeys"`, false},
		{`Get-ChildItem -Path C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys -File`, true},
		{`Test-Path (C:\Windows)`, true},
		{`$roots = @(C:\Windows, $env:TEMP)`, true},
		{`Set-Location C:\ProgramData; Get-ChildItem`, true},
		{`echo C:\Windows| findstr W`, true},
		{`Get-Item C:\WindowsApps`, false},
		// Whatever comes before or after the name: a redirection, a
		// command separator, a forward slash (which PowerShell and most
		// Windows programs take), a colon-bound parameter.
		{`icacls C:\BackupACLs /save >C:\Windows\Temp\acl.txt`, true},
		{`pushd C:\Windows&& dir`, true},
		{`Get-Item C:/Windows/System32/drivers/termdd.sys`, true},
		{`Copy-Item a.reg -Destination:C:\ProgramData\x`, true},
		{`dir \\?\C:\Windows\Minidump`, true},
		{`$p = "{0}" -f 'C:\ProgramData'`, true},
		{`Get-Volume -DriveLetter "C" | Format-List Size`, true},
		{`Get-Volume -DriveLetter:C`, true},
		{`Get-Volume -DriveLetter C;`, true},
		{`Get-Item C:\ProgramDataX`, false},
		{`Get-Volume -DriveLetter Contoso`, false},
		{`Get-Item D:\Windows\MEMORY.DMP`, false},
	} {
		if got := fixedWindowsDrive.MatchString(c.line); got != c.bad {
			t.Errorf("%s: refused %v, want %v", c.line, got, c.bad)
		}
	}
	steps := builtinSteps(t)
	for id, want := range map[string]string{
		"rdp-os-unstable/read-dump":  `(Join-Path $env:SystemRoot MEMORY.DMP)`,
		"rdp-os-disk-full/read-disk": `-DriveLetter $env:SystemDrive[0]`,
	} {
		if s := steps[id]; s == nil || !strings.Contains(s.Commands, want) {
			t.Errorf("%s: commands lack %q", id, want)
		}
	}
	// The Remote Desktop firewall rules are read by their language-neutral
	// names, not found by their localized display names in netsh's list.
	fw := steps["rdp-guest-firewall/read-firewall"]
	if fw == nil || strings.Contains(fw.Commands, `findstr /i /c:"Remote Desktop"`) || !strings.Contains(fw.Commands, "Get-NetFirewallRule -Name RemoteDesktop-UserMode-In-TCP") {
		t.Errorf("read-firewall does not read the rules by name: %v", fw)
	}
}

// TestAuditpolByGUID: a rule's text that tells how to check an audit
// subcategory names it by GUID; auditpol /get /subcategory:Logon names
// it by its display name, which a Windows in another language does not
// know. rdp-logon-account's coverage text did before.
func TestAuditpolByGUID(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range rs {
		for _, text := range []string{r.CoverageMissing, r.Cause} {
			for _, f := range strings.Fields(text) {
				v, ok := strings.CutPrefix(strings.ToLower(f), "/subcategory:")
				if !ok {
					continue
				}
				seen++
				if !strings.HasPrefix(v, "{") {
					t.Errorf("%s: auditpol subcategory by name: %s", r.ID, f)
				}
			}
		}
	}
	if seen == 0 {
		t.Error("no rule text names an auditpol subcategory: the test checks nothing")
	}
}
