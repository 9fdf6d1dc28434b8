package evtx

import (
	"archive/zip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChannelFileNames(t *testing.T) {
	for _, c := range []struct{ file, channel string }{
		{"System.evtx", "System"},
		{"Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx", "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational"},
		{"Windows PowerShell.evtx", "Windows PowerShell"},
		{"Microsoft-Windows-Windows Defender%4Operational.evtx", "Microsoft-Windows-Windows Defender/Operational"},
	} {
		if got := ChannelFromFileName(c.file); got != c.channel {
			t.Errorf("ChannelFromFileName(%q) = %q, want %q", c.file, got, c.channel)
		}
		if got := FileNameForChannel(c.channel); got != c.file {
			t.Errorf("FileNameForChannel(%q) = %q, want %q", c.channel, got, c.file)
		}
	}
	for in, want := range map[string]string{
		"/mnt/vm/Windows/System32/winevt/Logs/Security.EVTX": "Security",
		`C:\x\Application.evtx`:                              "Application",
		"dump.bin":                                           "dump.bin",
	} {
		if got := ChannelFromFileName(in); got != want {
			t.Errorf("ChannelFromFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func copySample(t *testing.T, name, dst string) {
	t.Helper()
	b := readSample(t, name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func paths(logs []*Log) []string {
	var s []string
	for _, l := range logs {
		s = append(s, l.Path+"="+l.Channel)
	}
	return s
}

func TestFindFileAndDir(t *testing.T) {
	dir := t.TempDir()
	copySample(t, cleanSample, filepath.Join(dir, "System.evtx"))
	copySample(t, "fukusuket__evtx-parser__samples__Microsoft-Windows-SmbClient%4Security.evtx", filepath.Join(dir, "Microsoft-Windows-SmbClient%4Security.EVTX"))
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub.evtx"), 0o755)

	logs, err := Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "Microsoft-Windows-SmbClient%4Security.EVTX") + "=Microsoft-Windows-SmbClient/Security " +
		filepath.Join(dir, "System.evtx") + "=System " + filepath.Join(dir, "sub.evtx") + "=sub"
	if got := strings.Join(paths(logs), " "); got != want {
		t.Errorf("Find(dir) = %s\nwant %s", got, want)
	}
	// A directory named like a log is listed, and refused when opened.
	if _, err := logs[2].Open(Options{}); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), logs[2].Path+" is a directory") {
		t.Errorf("Open(sub.evtx) = %v, want ErrNotRegular naming it as a directory", err)
	}
	f, err := logs[1].Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := f.Next()
	if err != nil || ev.Source.File != logs[1].Path {
		t.Errorf("Next: %v, source %+v", err, ev.Source)
	}
	f.Close()

	one, err := Find(filepath.Join(dir, "System.evtx"))
	if err != nil || len(one) != 1 || one[0].Channel != "System" || one[0].Size != 1118208 {
		t.Errorf("Find(file) = %v, %v", paths(one), err)
	}
	if _, err := Find(filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	empty := t.TempDir()
	if _, err := Find(empty); err == nil || !strings.Contains(err.Error(), "no .evtx logs") {
		t.Errorf("empty dir: %v", err)
	}
}

func TestFindMountedVolume(t *testing.T) {
	root := t.TempDir()
	logs := filepath.Join(root, "WINDOWS", "system32", "WinEvt", "Logs")
	copySample(t, cleanSample, filepath.Join(logs, "System.evtx"))
	copySample(t, "michkoll__fakenevtx__usecases__Security_1.evtx", filepath.Join(logs, "Security.evtx"))
	os.MkdirAll(filepath.Join(root, "Users"), 0o755)
	got, err := Find(root)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(logs, "Security.evtx") + "=Security " + filepath.Join(logs, "System.evtx") + "=System"
	if s := strings.Join(paths(got), " "); s != want {
		t.Errorf("Find(volume) = %s\nwant %s", s, want)
	}
}

func writeZip(t *testing.T, path string, members map[string][]byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestFindZip(t *testing.T) {
	dir := t.TempDir()
	zp := filepath.Join(dir, "logs.zip")
	sys := readSample(t, cleanSample)
	writeZip(t, zp, map[string][]byte{
		"Windows/System32/winevt/Logs/System.evtx":           sys,
		"deep/er/Microsoft-Windows-SmbClient%4Security.evtx": readSample(t, "fukusuket__evtx-parser__samples__Microsoft-Windows-SmbClient%4Security.evtx"),
		"readme.txt": []byte("hi"),
		"Windows/System32/winevt/Logs/Microsoft-Windows-Broken%4Admin.evtx": []byte("not evtx"),
	})
	logs, err := Find(zp)
	if err != nil {
		t.Fatal(err)
	}
	want := zp + "!Windows/System32/winevt/Logs/Microsoft-Windows-Broken%4Admin.evtx=Microsoft-Windows-Broken/Admin " +
		zp + "!Windows/System32/winevt/Logs/System.evtx=System " +
		zp + "!deep/er/Microsoft-Windows-SmbClient%4Security.evtx=Microsoft-Windows-SmbClient/Security"
	if s := strings.Join(paths(logs), " "); s != want {
		t.Fatalf("Find(zip) = %s\nwant %s", s, want)
	}
	if _, err := logs[0].Open(Options{}); !errors.Is(err, ErrNotEVTX) || !strings.Contains(err.Error(), logs[0].Path) {
		t.Errorf("broken member: %v", err)
	}
	f, err := logs[1].Open(Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Source.File != logs[1].Path {
			t.Fatalf("source %q", ev.Source.File)
		}
		n++
	}
	f.Close()
	if n != 1601 {
		t.Errorf("read %d events from the zip member, want 1601", n)
	}
}

// A member whose header claims more than MaxZipMember is refused by name.
func TestZipBombClaim(t *testing.T) {
	l := &Log{Path: "x.zip!bomb.evtx", file: "x.zip", member: "bomb.evtx", zipSize: MaxZipMember + 1}
	_, err := l.Open(Options{})
	if err == nil || !strings.Contains(err.Error(), "bomb.evtx") || !strings.Contains(err.Error(), "limit") {
		t.Errorf("err = %v", err)
	}
}

// A member that lies about its size is cut at MaxZipMember while it
// inflates. Checked with a small stand-in for the limit by lying in the
// other direction: the header says 10 bytes, the data is a real log, and
// the reader must read the data it really holds.
func TestZipMemberLyingSize(t *testing.T) {
	dir := t.TempDir()
	zp := filepath.Join(dir, "lie.zip")
	writeZip(t, zp, map[string][]byte{"System.evtx": readSample(t, cleanSample)})
	logs, err := Find(zp)
	if err != nil {
		t.Fatal(err)
	}
	logs[0].zipSize = 10 // as if the central directory lied
	f, err := logs[0].Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Reader.src.size != 1118208 {
		t.Errorf("read %d bytes", f.Reader.src.size)
	}
}

// Zip bomb: a member that inflates past the limit, its header lying about
// its size, is refused by name without inflating the rest.
func TestZipBombInflation(t *testing.T) {
	dir := t.TempDir()
	zp := filepath.Join(dir, "bomb.zip")
	writeZip(t, zp, map[string][]byte{"bomb.evtx": make([]byte, 8<<20)})
	logs, err := Find(zp)
	if err != nil {
		t.Fatal(err)
	}
	logs[0].zipSize = 100 // the header lies
	_, err = openZipMember(logs[0], Options{}, 1<<20)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "bomb.evtx") {
		t.Errorf("err = %v", err)
	}
	// Through the temporary-file path as well.
	logs[0].zipSize = zipInMemory + 1
	_, err = openZipMember(logs[0], Options{}, zipInMemory+2)
	if err != nil && !errors.Is(err, ErrNotEVTX) {
		t.Errorf("8 MiB of zeros within the limit: %v", err)
	}
	_, err = openZipMember(logs[0], Options{}, zipInMemory+2)
	if !errors.Is(err, ErrNotEVTX) {
		t.Errorf("zeros: %v, want ErrNotEVTX", err)
	}
}

func TestArchivedChannel(t *testing.T) {
	for in, want := range map[string]string{
		"Archive-System-2019-04-09-19-32-33-557": "System",
		"Archive-Microsoft-Windows-TerminalServices-SessionBroker-Client/Operational-2024-05-01-10-00-00-000": "Microsoft-Windows-TerminalServices-SessionBroker-Client/Operational",
		"Archive-System":                       "",
		"System":                               "",
		"Archive-System-2019-04-09-19-32-33-x": "",
	} {
		got, ok := ArchivedChannel(in)
		if got != want || ok != (want != "") {
			t.Errorf("ArchivedChannel(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestFirstChannel(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "evtx", "fukusuket__evtx-parser__samples__System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	renamed := filepath.Join(dir, "copy.evtx")
	if err := os.WriteFile(renamed, data, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.evtx")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	logs, err := Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	errs := map[string]error{}
	for _, l := range logs {
		f, _ := l.Location()
		got[filepath.Base(f)], errs[filepath.Base(f)] = l.FirstChannel()
	}
	if got["copy.evtx"] != "System" || len(got) != 2 || got["empty.evtx"] != "" {
		t.Errorf("FirstChannel: %q", got)
	}
	// An empty file is not EVTX: the error says so, for the caller to
	// report it as unreadable rather than as a log of no channel read.
	if errs["copy.evtx"] != nil || !errors.Is(errs["empty.evtx"], ErrNotEVTX) {
		t.Errorf("FirstChannel errors: %v", errs)
	}
}
