package rules

import (
	"strings"
	"testing"
)

// TestUnsavedWritesStructure: a change must follow a save of the same
// thing (the same key or one above it, the same path or a folder above
// it, the same group), not just any backup of its kind: the crafted steps
// below each passed the checker that looked for the backup command's name
// anywhere earlier in the step (a reg export of another key, an icacls
// /save of another folder, a listing of another group, a backup inside a
// quoted message), and each must now be caught.
func TestUnsavedWritesStructure(t *testing.T) {
	for _, c := range []struct {
		name, shell, commands string
		want                  string // "" for a step that passes
	}{
		// Registry.
		{"another key exported", "cmd", "reg export \"HKLM\\SOFTWARE\\A\" %SystemDrive%\\BackupACLs\\a.reg /y\nif exist %SystemDrive%\\BackupACLs\\a.reg reg add \"HKLM\\SOFTWARE\\B\" /v X /d 1 /f",
			`registry write before a reg export of its key (hklm\software\b, or a key above it)`},
		{"a key below exported", "cmd", "reg export \"HKLM\\SOFTWARE\\A\\Sub\" %SystemDrive%\\BackupACLs\\a.reg /y\nif exist %SystemDrive%\\BackupACLs\\a.reg reg delete \"HKLM\\SOFTWARE\\A\" /v X /f",
			`registry write before a reg export of its key (hklm\software\a,`},
		{"a name that only starts the same", "cmd", "reg export HKLM\\SOFTWARE\\A %SystemDrive%\\BackupACLs\\a.reg /y\nif exist %SystemDrive%\\BackupACLs\\a.reg reg add HKLM\\SOFTWARE\\AB /v X /d 1 /f",
			`(hklm\software\ab, or a key above it)`},
		{"the key itself", "cmd", "reg export \"HKLM\\SOFTWARE\\A\" %SystemDrive%\\BackupACLs\\a.reg /y\nif exist %SystemDrive%\\BackupACLs\\a.reg reg add \"hklm\\software\\a\" /v X /d 1 /f", ""},
		{"a key above", "cmd", "reg export \"HKEY_LOCAL_MACHINE\\SOFTWARE\\A\" %SystemDrive%\\BackupACLs\\a.reg /y\nif exist %SystemDrive%\\BackupACLs\\a.reg reg add \"HKLM\\SOFTWARE\\A\\B\\C\" /v X /d 1 /f", ""},
		{"PowerShell drive and provider paths", "powershell", "reg export HKLM\\SOFTWARE\\A \"$env:TEMP\\a.reg\" /y\nif ($LASTEXITCODE -eq 0) { Set-ItemProperty -Path 'HKLM:\\SOFTWARE\\A' -Name X -Value 1; Remove-ItemProperty -Path Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B -Name Y }", ""},
		{"the export after the write", "cmd", "if exist C:\\X reg add \"HKLM\\SOFTWARE\\A\" /v X /d 1 /f\nreg export \"HKLM\\SOFTWARE\\A\" %SystemDrive%\\BackupACLs\\a.reg /y",
			`registry write before a reg export of its key (hklm\software\a`},
		{"an export in a quoted message", "powershell", "Write-Warning \"run reg export HKLM\\SOFTWARE\\A C:\\a.reg /y first\"\nif (Test-Path C:\\a.reg) { reg add HKLM\\SOFTWARE\\A /v X /d 1 /f }",
			`registry write before a reg export of its key (hklm\software\a`},
		{"export and write on one line", "powershell", "if ($ok) { reg export HKLM\\SOFTWARE\\A $f /y; if ($LASTEXITCODE -eq 0) { reg add HKLM\\SOFTWARE\\A /v X /d 1 /f } }", ""},
		{"reg import with nothing exported", "cmd", "if exist C:\\x.reg reg import C:\\x.reg",
			`registry write before a reg export of its key (what it names`},
		{"a for loop's exports", "cmd", "for %s in (A B) do if not exist \"%SystemDrive%\\BackupACLs\\%s.reg\" reg export \"HKLM\\SYSTEM\\%s\" \"%SystemDrive%\\BackupACLs\\%s.reg\" /y\nfor %s in (A B) do if exist \"%SystemDrive%\\BackupACLs\\%s.reg\" reg add \"HKLM\\SYSTEM\\%s\" /v X /d 1 /f", ""},
		// Permissions.
		{"another folder's ACL saved", "cmd", "icacls C:\\A /save %SystemDrive%\\BackupACLs\\a.txt /t /c\nif exist %SystemDrive%\\BackupACLs\\a.txt icacls C:\\B /grant \"Everyone:(R)\"",
			`ACL change before an icacls /save backup of c:\b`},
		{"a folder saved without /t", "cmd", "icacls C:\\A /save %SystemDrive%\\BackupACLs\\a.txt /c\nif exist %SystemDrive%\\BackupACLs\\a.txt icacls \"C:\\A\\key_*\" /grant \"Everyone:(R)\"",
			`ACL change before an icacls /save backup of c:\a\key_*`},
		{"a folder saved with /t", "cmd", "icacls C:\\A /save %SystemDrive%\\BackupACLs\\a.txt /t /c\nif exist %SystemDrive%\\BackupACLs\\a.txt icacls \"C:\\A\\key_*\" /grant \"Everyone:(R)\"", ""},
		// Files.
		{"another file copied", "powershell", "Copy-Item -Path C:\\X.txt -Destination $env:SystemDrive\\BackupACLs\\\nif (Test-Path $env:SystemDrive\\BackupACLs\\X.txt) { Remove-Item -Path C:\\Y.txt }",
			`Remove-Item before a copy of what it removes (c:\y.txt)`},
		{"a folder copied, then a file in it deleted", "cmd", "robocopy C:\\D %SystemDrive%\\BackupACLs\\D /B\nif exist %SystemDrive%\\BackupACLs\\D\\f.txt del C:\\D\\f.txt", ""},
		{"a file moved that nothing copied", "powershell", "robocopy C:\\D %SystemDrive%\\BackupACLs\\D /B\nif ($LASTEXITCODE -lt 8) { Move-Item -Path C:\\E\\f.txt -Destination $env:SystemDrive\\BackupACLs\\ }",
			`Move-Item before a copy of what it removes (c:\e\f.txt)`},
		{"cmd /c handed a registry write without quotes", "powershell", "if ($ok) { cmd /c reg add HKLM\\SOFTWARE\\A /v X /d 1 /f }",
			`registry write before a reg export of its key (hklm\software\a`},
		{"a write whose result is assigned", "powershell", "if ($ok) { $r = reg delete HKLM\\SOFTWARE\\A /v X /f }",
			`registry write before a reg export of its key (hklm\software\a`},
		{"powershell -Command without quotes", "cmd", "if exist C:\\X powershell -NoProfile -Command Remove-Item -Path C:\\X.txt",
			`Remove-Item before a copy of what it removes (c:\x.txt)`},
		{"PowerShell handed a removal by cmd", "cmd", "powershell -NoProfile -Command \"Remove-Item -Path C:\\X.txt\"",
			`Remove-Item before a copy of what it removes (c:\x.txt)`},
		// netsh outside the firewall: a change follows a show of the
		// same context.
		{"netsh set unread", "cmd", "netsh winhttp show proxy\nif exist C:\\X netsh interface ip set address Ethernet dhcp",
			`netsh interface change before the step shows its settings`},
		{"netsh set after its show", "cmd", "netsh interface ip show config\nif exist C:\\X netsh interface ip set address Ethernet dhcp", ""},
		// Groups and accounts.
		{"another group listed", "cmd", "net localgroup Administrators\nif defined U net localgroup \"Remote Desktop Users\" \"%U%\" /add",
			`group or account change before the step lists it (net localgroup remote desktop users`},
		{"another account listed", "cmd", "net user Guest\nif defined U net user \"%U%\" /active:yes",
			`group or account change before the step lists it (net user %u%)`},
		// Private keys: a certificate's key is in the CryptoAPI folder or
		// the CNG one; deleting keys needs both copied.
		{"DeleteKey after MachineKeys only", "powershell", "$c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n$c | Export-Certificate -FilePath $env:SystemDrive\\BackupACLs\\c.sst -Type SST\nrobocopy C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys %SystemDrive%\\BackupACLs\\k /B\nif ($LASTEXITCODE -lt 8) { $c | Remove-Item -DeleteKey }",
			`not copied: c:\programdata\microsoft\crypto\keys:`},
		{"DeleteKey after one key file", "powershell", "$c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n$c | Export-Certificate -FilePath $env:SystemDrive\\BackupACLs\\c.sst -Type SST\nrobocopy C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys %SystemDrive%\\BackupACLs\\k f686* /B\nrobocopy C:\\ProgramData\\Microsoft\\Crypto\\Keys %SystemDrive%\\BackupACLs\\n /B\nif ($LASTEXITCODE -lt 8) { $c | Remove-Item -DeleteKey }",
			`not copied: c:\programdata\microsoft\crypto\rsa\machinekeys:`},
		{"DeleteKey after both folders", "powershell", "$c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n$c | Export-Certificate -FilePath $env:SystemDrive\\BackupACLs\\c.sst -Type SST\nrobocopy $env:ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys $env:SystemDrive\\BackupACLs\\k /B\nrobocopy \"$env:ALLUSERSPROFILE\\Microsoft\\Crypto\\Keys\" $env:SystemDrive\\BackupACLs\\n /B\nif ($LASTEXITCODE -lt 8) { $c | Remove-Item -DeleteKey }", ""},
		// Targets held in variables compare by the key they name.
		{"a variable set to the exported key", "powershell", "$k = 'HKLM:\\SOFTWARE\\A'\nreg export HKLM\\SOFTWARE\\A %SystemDrive%\\BackupACLs\\a.reg /y\nif ($LASTEXITCODE -eq 0) { Set-ItemProperty -Path $k -Name X -Value 1 }", ""},
		{"a variable set to another key", "powershell", "$k = 'HKLM:\\SOFTWARE\\B'\nreg export HKLM\\SOFTWARE\\A %SystemDrive%\\BackupACLs\\a.reg /y\nif ($LASTEXITCODE -eq 0) { Set-ItemProperty -Path $k -Name X -Value 1 }",
			`registry write before a reg export of its key (hklm\software\b, or a key above it)`},
		{"an export of a variable set to the written key", "powershell", "$k = \"HKLM\\SOFTWARE\\A\"; reg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\nif ($LASTEXITCODE -eq 0) { reg add HKLM\\SOFTWARE\\A\\B /v X /d 1 /f }", ""},
		{"an export of a variable set to another key", "powershell", "$k = 'HKLM\\SOFTWARE\\A'\nreg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\nif ($LASTEXITCODE -eq 0) { reg add HKLM\\SOFTWARE\\B /v X /d 1 /f }",
			`registry write before a reg export of its key (hklm\software\b, or a key above it)`},
		{"a variable set again between export and write", "powershell", "$k = 'HKLM\\SOFTWARE\\A'\nreg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\n$k = 'HKLM\\SOFTWARE\\B'\nif ($LASTEXITCODE -eq 0) { reg add $k /v X /d 1 /f }",
			`registry write before a reg export of its key (hklm\software\b, or a key above it)`},
		{"a variable set again by a cast with a space", "powershell", "$k = 'HKLM\\SOFTWARE\\A'\nreg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\n[string] $k = 'HKLM\\SOFTWARE\\B'\nif ($LASTEXITCODE -eq 0) { reg add $k /v X /d 1 /f }",
			`registry write before a reg export of its key ($k[as set on line 3 of step fix]`},
		{"a variable set again with another", "powershell", "$k = 'HKLM\\SOFTWARE\\A'\nreg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\n$k, $n = 'HKLM\\SOFTWARE\\B', 1\nif ($LASTEXITCODE -eq 0) { reg add $k /v X /d 1 /f }",
			`registry write before a reg export of its key ($k[as set on line 3 of step fix]`},
		{"a variable set again by -OutVariable", "powershell", "$k = 'HKLM\\SOFTWARE\\A'\nreg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\nWrite-Output 'HKLM\\SOFTWARE\\B' -OutVariable k\nif ($LASTEXITCODE -eq 0) { reg add $k /v X /d 1 /f }",
			`registry write before a reg export of its key ($k[as set on line 3 of step fix]`},
		{"a variable set again in parentheses", "powershell", "$k = 'HKLM\\SOFTWARE\\A'\nreg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\n($k = 'HKLM\\SOFTWARE\\B')\nif ($LASTEXITCODE -eq 0) { reg add $k /v X /d 1 /f }",
			`registry write before a reg export of its key ($k[as set on line 3 of step fix]`},
		{"a delayed expansion of a variable set again", "cmd", "setlocal EnableDelayedExpansion\nset K=HKLM\\SOFTWARE\\A\nreg export !K! %SystemDrive%\\BackupACLs\\a.reg /y\nset K=HKLM\\SOFTWARE\\B\nif exist %SystemDrive%\\BackupACLs\\a.reg reg add !K! /v X /d 1 /f",
			`registry write before a reg export of its key (hklm\software\b`},
		{"a variable set again by Set-Variable -N", "powershell", "$k = 'HKLM\\SOFTWARE\\A'\nreg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\nSet-Variable -N k -Value 'HKLM\\SOFTWARE\\B'\nif ($LASTEXITCODE -eq 0) { reg add $k /v X /d 1 /f }",
			`registry write before a reg export of its key ($k[as set on line 3 of step fix]`},
		{"a variable set again by Set-Variable -Name:k", "powershell", "$k = 'HKLM\\SOFTWARE\\A'\nreg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\nSet-Variable -Name:k -Value 'HKLM\\SOFTWARE\\B'\nif ($LASTEXITCODE -eq 0) { reg add $k /v X /d 1 /f }",
			`registry write before a reg export of its key ($k[as set on line 3 of step fix]`},
		{"Set-Variable alone", "powershell", "Set-Variable\nif ($ok) { reg add HKLM\\SOFTWARE\\A /v X /d 1 /f }",
			`registry write before a reg export of its key (hklm\software\a`},
		{"a variable set in a block", "powershell", "if ($x) { $k = 'HKLM\\SOFTWARE\\B' }\nreg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\nif ($LASTEXITCODE -eq 0) { reg add $k /v X /d 1 /f }",
			`registry write of $k, which the check cannot name: $k is set inside a block or loop`},
		{"a variable set in a loop", "powershell", "foreach ($k in 'HKLM\\SOFTWARE\\A') { reg export $k $env:SystemDrive\\BackupACLs\\a.reg /y }\nif ($LASTEXITCODE -eq 0) { reg add $k /v X /d 1 /f }",
			`registry write of $k, which the check cannot name`},
		{"a variable computed once, saved and written", "powershell", "$k = (Get-Item -Path HKLM:\\SOFTWARE\\A).Name\nreg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\nif ($LASTEXITCODE -eq 0) { reg add $k /v X /d 1 /f }", ""},
		{"a variable computed once, another key saved", "powershell", "$k = (Get-Item -Path HKLM:\\SOFTWARE\\A).Name\nreg export HKLM\\SOFTWARE\\A %SystemDrive%\\BackupACLs\\a.reg /y\nif ($LASTEXITCODE -eq 0) { Set-ItemProperty -Path $k -Name X -Value 1 }",
			`registry write before a reg export of its key ($k[as set on line 1 of step fix], or a key above it)`},
		{"a key piped to ForEach-Object", "powershell", "reg export HKLM\\SOFTWARE\\A %SystemDrive%\\BackupACLs\\a.reg /y\nif ($LASTEXITCODE -eq 0) { Get-ChildItem -Path HKLM:\\SOFTWARE\\A | ForEach-Object { Remove-ItemProperty -Path $_.PSPath -Name X } }",
			`registry write of $_.pspath, which the check cannot name: $_ is set by PowerShell for each object`},
		{"a subexpression", "powershell", "reg export HKLM\\SOFTWARE\\A %SystemDrive%\\BackupACLs\\a.reg /y\nif ($LASTEXITCODE -eq 0) { reg add \"HKLM\\SOFTWARE\\$(Get-Date)\" /v X /d 1 /f }",
			`which the check cannot name: $(Get-Date) is a subexpression`},
		{"cmd: a for loop writes a key it did not export", "cmd", "for %s in (A B) do if not exist \"%SystemDrive%\\BackupACLs\\%s.reg\" reg export \"HKLM\\SYSTEM\\%s\" \"%SystemDrive%\\BackupACLs\\%s.reg\" /y\nfor %s in (A C) do if exist \"%SystemDrive%\\BackupACLs\\%s.reg\" reg add \"HKLM\\SYSTEM\\%s\" /v X /d 1 /f",
			`registry write before a reg export of its key (hklm\system\c, or a key above it)`},
		{"cmd: a variable set to the exported key", "cmd", "set K=HKLM\\SOFTWARE\\A\nreg export \"%K%\" %SystemDrive%\\BackupACLs\\a.reg /y\nif exist %SystemDrive%\\BackupACLs\\a.reg reg add HKLM\\SOFTWARE\\A /v X /d 1 /f", ""},
		{"cmd: a variable set again after the export", "cmd", "set K=HKLM\\SOFTWARE\\A\nreg export \"%K%\" %SystemDrive%\\BackupACLs\\a.reg /y\nset K=HKLM\\SOFTWARE\\B\nif exist %SystemDrive%\\BackupACLs\\a.reg reg add \"%K%\" /v X /d 1 /f",
			`registry write before a reg export of its key (hklm\software\b, or a key above it)`},
		{"cmd: a variable set on the write's line", "cmd", "set K=HKLM\\SOFTWARE\\A\nreg export \"%K%\" %SystemDrive%\\BackupACLs\\a.reg /y\nset K=HKLM\\SOFTWARE\\B& if exist %SystemDrive%\\BackupACLs\\a.reg reg add \"%K%\" /v X /d 1 /f", ""},
		{"cmd: for /f keys", "cmd", "for /f %k in ('reg query HKLM\\SOFTWARE') do reg export \"%k\" %SystemDrive%\\BackupACLs\\a.reg /y\nfor /f %k in ('reg query HKLM\\SOFTWARE') do if exist %SystemDrive%\\BackupACLs\\a.reg reg add \"%k\" /v X /d 1 /f",
			`registry write of %k, which the check cannot name: %k is set by a for loop that does not list its words`},
		// reg.exe refuses PowerShell's paths: such an export saves nothing.
		{"reg export of a drive path", "powershell", "$k = 'HKLM:\\SOFTWARE\\A'\nreg export $k $env:SystemDrive\\BackupACLs\\a.reg /y\nif ($LASTEXITCODE -eq 0) { Set-ItemProperty -Path $k -Name X -Value 1 }",
			`reg.exe given the PowerShell path HKLM:\SOFTWARE\A: its keys start with a root key (HKLM\..., HKEY_LOCAL_MACHINE\...), so the command fails and saves nothing: line 2:`},
		{"reg add of a provider path", "powershell", "reg export HKLM\\SOFTWARE\\A %SystemDrive%\\BackupACLs\\a.reg /y\nif ($LASTEXITCODE -eq 0) { reg add Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\A /v X /d 1 /f }",
			`reg.exe given the PowerShell path Registry::HKEY_LOCAL_MACHINE\SOFTWARE\A: its keys start with a root key (HKLM\..., HKEY_LOCAL_MACHINE\...), so the command fails: line 2:`},
		{"ACL change of a computed file after its save", "powershell", "$file = (Get-ChildItem -Path C:\\K -Filter 'a_*').FullName\nif ($file) { icacls $file /save $env:SystemDrive\\BackupACLs\\a.txt /c; $saved = $LASTEXITCODE -eq 0 }\nif ($saved) { icacls $file /grant \"NT AUTHORITY\\NETWORK SERVICE:(R)\" /c }", ""},
		{"ACL change of a computed file after its folder's save", "powershell", "$file = (Get-ChildItem -Path C:\\K -Filter 'a_*').FullName\nicacls C:\\K /save %SystemDrive%\\BackupACLs\\a.txt /t /c\nif ($LASTEXITCODE -eq 0) { icacls $file /grant \"NT AUTHORITY\\NETWORK SERVICE:(R)\" /c }",
			`ACL change before an icacls /save backup of $file[as set on line 1 of step fix]`},
		{"DeleteKey after Crypto copied whole", "powershell", "$c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n$c | Export-Certificate -FilePath $env:SystemDrive\\BackupACLs\\c.sst -Type SST\nrobocopy C:\\ProgramData\\Microsoft\\Crypto %SystemDrive%\\BackupACLs\\crypto /E /B\nif ($LASTEXITCODE -lt 8) { $c | Remove-Item -DeleteKey }", ""},
	} {
		msgs := unsavedWrites(&Step{ID: "fix", Shell: c.shell, Commands: c.commands})
		got := strings.Join(msgs, "\n")
		switch {
		case c.want == "" && got != "":
			t.Errorf("%s: refused: %s", c.name, got)
		case c.want != "" && !strings.Contains(got, c.want):
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// TestSplitCommands: the cut into commands that the structural check
// reads: separators outside quotes, if and for headers dropped, a nested
// shell's quotes opened.
func TestSplitCommands(t *testing.T) {
	for _, c := range []struct {
		shell, line string
		want        []string // each command's words joined by "|"
	}{
		{"cmd", `if exist C:\b.reg reg add "HKLM\A B" /v X /d "C:\Program Files (x86)" /f`, []string{`reg|add|HKLM\A B|/v|X|/d|C:\Program Files (x86)|/f`}},
		{"cmd", `if not exist "C:\b" (`, nil},
		{"cmd", `)`, nil},
		{"cmd", `for %s in (A B) do if not exist "C:\%s.reg" reg export "HKLM\%s" "C:\%s.reg" /y`, []string{`reg|export|HKLM\%s|C:\%s.reg|/y`}},
		{"cmd", `reg load HKLM\BROKENSYSTEM F:\config\SYSTEM && set LOADED=1`, []string{`reg|load|HKLM\BROKENSYSTEM|F:\config\SYSTEM`, `set|LOADED=1`}},
		{"powershell", `if ($saved) { $certs | Remove-Item -DeleteKey; Restart-Service -Name SessionEnv -Force } else { Write-Warning "a; b | c" }`,
			[]string{`$certs`, `Remove-Item|-DeleteKey`, `Restart-Service|-Name|SessionEnv|-Force`, `Write-Warning|a; b | c`}},
		{"powershell", `$x = 'it''s'; reg query 'HKLM\A B'`, []string{`it's`, `reg|query|HKLM\A B`}},
		{"cmd", `powershell -NoProfile -Command "Remove-Item -Path C:\X.txt; Get-Date"`, []string{`powershell|-NoProfile|-Command`, `Remove-Item|-Path|C:\X.txt`, `Get-Date`}},
	} {
		var got []string
		for _, w := range splitCommands(c.line, c.shell) {
			got = append(got, strings.Join(w, "|"))
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s %q:\n got %q\nwant %q", c.shell, c.line, got, c.want)
		}
	}
}

// FuzzUnsavedWrites: the structural check never panics on any commands,
// in either shell, and finds the same on a second run (it keeps no state).
func FuzzUnsavedWrites(f *testing.F) {
	rs, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range rs {
		for _, s := range r.Resolution {
			f.Add(s.Commands, s.Shell == "powershell")
		}
	}
	f.Add("if (\"a\"\"b\") { reg add 'HKLM:\\''x' /f }) ) ( \" '", true)
	f.Fuzz(func(t *testing.T, commands string, ps bool) {
		shell := "cmd"
		if ps {
			shell = "powershell"
		}
		s := &Step{ID: "fuzz", Shell: shell, Commands: commands}
		a, b := unsavedWrites(s), unsavedWrites(s)
		if strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Fatalf("two runs differ: %q, %q", a, b)
		}
	})
}

// TestServiceChangesSaved: a change of a service's configuration (sc
// config and the other sc commands that change it, Set-Service other
// than -Status) must follow a reg export of the service's key in the step
// or an earlier one; Set-Service was not known, and an export named in a
// message counted.
func TestServiceChangesSaved(t *testing.T) {
	const export = `if not exist %SystemDrive%\BackupACLs\TermService.reg reg export "HKLM\SYSTEM\CurrentControlSet\Services\TermService" %SystemDrive%\BackupACLs\TermService.reg /y`
	for _, c := range []struct {
		name, shell, earlier, commands string
		want                           string // "" for steps that pass
	}{
		{"sc config after its export", "cmd", "", export + "\nif exist %SystemDrive%\\BackupACLs\\TermService.reg sc config TermService start= demand", ""},
		{"sc config after an earlier step's export", "cmd", export, "if exist %SystemDrive%\\BackupACLs\\TermService.reg sc.exe config \"TermService\" obj= \"NT Authority\\NetworkService\"", ""},
		{"sc config after a loop's export", "cmd", "", "for %s in (TermService SessionEnv) do if not exist \"%SystemDrive%\\BackupACLs\\%s.reg\" reg export \"HKLM\\SYSTEM\\CurrentControlSet\\Services\\%s\" \"%SystemDrive%\\BackupACLs\\%s.reg\" /y\nif exist %SystemDrive%\\BackupACLs\\SessionEnv.reg sc config SessionEnv start= demand", ""},
		{"sc config of another service", "cmd", "", export + "\nif exist %SystemDrive%\\BackupACLs\\TermService.reg sc config UmRdpService start= demand",
			"changes service UmRdpService before its key is saved with reg export"},
		{"sc config after sc qc only", "cmd", "", "sc qc TermService\nif exist %SystemDrive%\\BackupACLs\\TermService.reg sc config TermService start= demand",
			"changes service TermService before its key is saved with reg export"},
		{"sc config after an export in a message", "cmd", "", "echo First run reg export \"HKLM\\SYSTEM\\CurrentControlSet\\Services\\TermService\" %SystemDrive%\\BackupACLs\\TermService.reg /y\nif exist %SystemDrive%\\BackupACLs\\TermService.reg sc config TermService start= demand",
			"changes service TermService before its key is saved with reg export"},
		{"sc failure", "cmd", "", "if exist %SystemDrive%\\BackupACLs\\TermService.reg sc failure TermService reset= 0 actions= restart/60000",
			"changes service TermService before its key is saved with reg export"},
		{"sc config of another server", "cmd", export, "if exist %SystemDrive%\\BackupACLs\\TermService.reg sc \\\\srv01 config TermService start= demand",
			"changes service TermService before its key is saved with reg export"},
		{"Set-Service -StartupType unsaved", "powershell", "", "if (Test-Path $env:SystemDrive\\BackupACLs\\TermService.reg) { Set-Service -Name TermService -StartupType Manual }",
			"changes service TermService before its key is saved with reg export"},
		{"Set-Service -StartupType after its export", "powershell", "", "reg export HKLM\\SYSTEM\\CurrentControlSet\\Services\\TermService $env:SystemDrive\\BackupACLs\\TermService.reg /y\nif ($LASTEXITCODE -eq 0) { Set-Service TermService -StartupType Manual }", ""},
		{"Set-Service of a variable set to the service", "powershell", "", "$svc = 'TermService'\nreg export HKLM\\SYSTEM\\CurrentControlSet\\Services\\TermService %SystemDrive%\\BackupACLs\\TermService.reg /y\nif ($LASTEXITCODE -eq 0) { Set-Service -Name $svc -StartupType Manual }", ""},
		{"Set-Service -Status only", "powershell", "", "Set-Service -Name TermService -Status Running", ""},
		{"Set-Service -Credential", "powershell", export, "if (Test-Path $env:SystemDrive\\BackupACLs\\TermService.reg) { Set-Service -Name UmRdpService -Credential $cred }",
			"changes service UmRdpService before its key is saved with reg export"},
		{"a piped service", "powershell", export, "if (Test-Path $env:SystemDrive\\BackupACLs\\TermService.reg) { Get-Service -Name TermService | Set-Service -StartupType Manual }",
			"changes a service the check cannot name (a service piped or given by -InputObject"},
	} {
		r := &Rule{ID: "r", File: "r.yaml"}
		if c.earlier != "" {
			r.Resolution = append(r.Resolution, &Step{ID: "save", Shell: "cmd", Commands: c.earlier})
		}
		r.Resolution = append(r.Resolution, &Step{ID: "fix", Shell: c.shell, Commands: c.commands})
		var msgs []string
		for _, err := range checkServiceBackups(r) {
			msgs = append(msgs, err.Error())
		}
		got := strings.Join(msgs, "\n")
		switch {
		case c.want == "" && got != "":
			t.Errorf("%s: refused: %s", c.name, got)
		case c.want != "" && !strings.Contains(got, c.want):
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
