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
		{"another key exported", "cmd", "reg export \"HKLM\\SOFTWARE\\A\" C:\\BackupACLs\\a.reg /y\nif exist C:\\BackupACLs\\a.reg reg add \"HKLM\\SOFTWARE\\B\" /v X /d 1 /f",
			`registry write before a reg export of its key (hklm\software\b, or a key above it)`},
		{"a key below exported", "cmd", "reg export \"HKLM\\SOFTWARE\\A\\Sub\" C:\\BackupACLs\\a.reg /y\nif exist C:\\BackupACLs\\a.reg reg delete \"HKLM\\SOFTWARE\\A\" /v X /f",
			`registry write before a reg export of its key (hklm\software\a,`},
		{"a name that only starts the same", "cmd", "reg export HKLM\\SOFTWARE\\A C:\\BackupACLs\\a.reg /y\nif exist C:\\BackupACLs\\a.reg reg add HKLM\\SOFTWARE\\AB /v X /d 1 /f",
			`(hklm\software\ab, or a key above it)`},
		{"the key itself", "cmd", "reg export \"HKLM\\SOFTWARE\\A\" C:\\BackupACLs\\a.reg /y\nif exist C:\\BackupACLs\\a.reg reg add \"hklm\\software\\a\" /v X /d 1 /f", ""},
		{"a key above", "cmd", "reg export \"HKEY_LOCAL_MACHINE\\SOFTWARE\\A\" C:\\BackupACLs\\a.reg /y\nif exist C:\\BackupACLs\\a.reg reg add \"HKLM\\SOFTWARE\\A\\B\\C\" /v X /d 1 /f", ""},
		{"PowerShell drive and provider paths", "powershell", "reg export HKLM\\SOFTWARE\\A \"$env:TEMP\\a.reg\" /y\nif ($LASTEXITCODE -eq 0) { Set-ItemProperty -Path 'HKLM:\\SOFTWARE\\A' -Name X -Value 1; Remove-ItemProperty -Path Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\B -Name Y }", ""},
		{"the export after the write", "cmd", "if exist C:\\X reg add \"HKLM\\SOFTWARE\\A\" /v X /d 1 /f\nreg export \"HKLM\\SOFTWARE\\A\" C:\\BackupACLs\\a.reg /y",
			`registry write before a reg export of its key (hklm\software\a`},
		{"an export in a quoted message", "powershell", "Write-Warning \"run reg export HKLM\\SOFTWARE\\A C:\\a.reg /y first\"\nif (Test-Path C:\\a.reg) { reg add HKLM\\SOFTWARE\\A /v X /d 1 /f }",
			`registry write before a reg export of its key (hklm\software\a`},
		{"export and write on one line", "powershell", "if ($ok) { reg export HKLM\\SOFTWARE\\A $f /y; if ($LASTEXITCODE -eq 0) { reg add HKLM\\SOFTWARE\\A /v X /d 1 /f } }", ""},
		{"reg import with nothing exported", "cmd", "if exist C:\\x.reg reg import C:\\x.reg",
			`registry write before a reg export of its key (what it names`},
		{"a for loop's exports", "cmd", "for %s in (A B) do if not exist \"C:\\BackupACLs\\%s.reg\" reg export \"HKLM\\SYSTEM\\%s\" \"C:\\BackupACLs\\%s.reg\" /y\nfor %s in (A B) do if exist \"C:\\BackupACLs\\%s.reg\" reg add \"HKLM\\SYSTEM\\%s\" /v X /d 1 /f", ""},
		// Permissions.
		{"another folder's ACL saved", "cmd", "icacls C:\\A /save C:\\BackupACLs\\a.txt /t /c\nif exist C:\\BackupACLs\\a.txt icacls C:\\B /grant \"Everyone:(R)\"",
			`ACL change before an icacls /save backup of c:\b`},
		{"a folder saved without /t", "cmd", "icacls C:\\A /save C:\\BackupACLs\\a.txt /c\nif exist C:\\BackupACLs\\a.txt icacls \"C:\\A\\key_*\" /grant \"Everyone:(R)\"",
			`ACL change before an icacls /save backup of c:\a\key_*`},
		{"a folder saved with /t", "cmd", "icacls C:\\A /save C:\\BackupACLs\\a.txt /t /c\nif exist C:\\BackupACLs\\a.txt icacls \"C:\\A\\key_*\" /grant \"Everyone:(R)\"", ""},
		// Files.
		{"another file copied", "powershell", "Copy-Item -Path C:\\X.txt -Destination C:\\BackupACLs\\\nif (Test-Path C:\\BackupACLs\\X.txt) { Remove-Item -Path C:\\Y.txt }",
			`Remove-Item before a copy of what it removes (c:\y.txt)`},
		{"a folder copied, then a file in it deleted", "cmd", "robocopy C:\\D C:\\BackupACLs\\D /B\nif exist C:\\BackupACLs\\D\\f.txt del C:\\D\\f.txt", ""},
		{"a file moved that nothing copied", "powershell", "robocopy C:\\D C:\\BackupACLs\\D /B\nif ($LASTEXITCODE -lt 8) { Move-Item -Path C:\\E\\f.txt -Destination C:\\BackupACLs\\ }",
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
		{"DeleteKey after MachineKeys only", "powershell", "$c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n$c | Export-Certificate -FilePath C:\\BackupACLs\\c.sst -Type SST\nrobocopy C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys C:\\BackupACLs\\k /B\nif ($LASTEXITCODE -lt 8) { $c | Remove-Item -DeleteKey }",
			`not copied: c:\programdata\microsoft\crypto\keys:`},
		{"DeleteKey after one key file", "powershell", "$c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n$c | Export-Certificate -FilePath C:\\BackupACLs\\c.sst -Type SST\nrobocopy C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys C:\\BackupACLs\\k f686* /B\nrobocopy C:\\ProgramData\\Microsoft\\Crypto\\Keys C:\\BackupACLs\\n /B\nif ($LASTEXITCODE -lt 8) { $c | Remove-Item -DeleteKey }",
			`not copied: c:\programdata\microsoft\crypto\rsa\machinekeys:`},
		{"DeleteKey after both folders", "powershell", "$c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n$c | Export-Certificate -FilePath C:\\BackupACLs\\c.sst -Type SST\nrobocopy $env:ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys C:\\BackupACLs\\k /B\nrobocopy \"$env:ALLUSERSPROFILE\\Microsoft\\Crypto\\Keys\" C:\\BackupACLs\\n /B\nif ($LASTEXITCODE -lt 8) { $c | Remove-Item -DeleteKey }", ""},
		{"DeleteKey after Crypto copied whole", "powershell", "$c = Get-ChildItem -Path 'Cert:\\LocalMachine\\Remote Desktop'\n$c | Export-Certificate -FilePath C:\\BackupACLs\\c.sst -Type SST\nrobocopy C:\\ProgramData\\Microsoft\\Crypto C:\\BackupACLs\\crypto /E /B\nif ($LASTEXITCODE -lt 8) { $c | Remove-Item -DeleteKey }", ""},
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
