package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A gzip- or xz-compressed log was refused as "no file header or chunk
// signature (starts with 1f 8b 08 ...)", which does not say what the
// file is or what to do: every command now says it is compressed and
// how to decompress it, naming the file and offset 0, exit 1.
func TestCompressedLogNamed(t *testing.T) {
	src, err := os.ReadFile("../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(src)
	w.Close()
	dir := t.TempDir()
	gzPath := filepath.Join(dir, "System.evtx.gz")
	xzPath := filepath.Join(dir, "System.evtx.xz")
	os.WriteFile(gzPath, gz.Bytes(), 0o644)
	// An xz stream header (magic, flags, CRC32) and more.
	os.WriteFile(xzPath, append([]byte("\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46"), make([]byte, 100)...), 0o644)
	for _, c := range []struct{ path, says string }{
		{gzPath, gzPath + ": file header: offset 0x0: not an EVTX file: a gzip-compressed file (starts with 1f 8b"},
		{xzPath, xzPath + ": file header: offset 0x0: not an EVTX file: an xz-compressed file (starts with fd 37 7a 58 5a 00"},
	} {
		for _, cmd := range []string{"analyze", "query", "dump"} {
			code, _, errOut := runCmd(cmd, c.path)
			if code != exitFailure || !strings.Contains(errOut, c.says) || !strings.Contains(errOut, "decompress it") {
				t.Errorf("%s %s: exit %d, stderr %q; want exit 1 and %q", cmd, c.path, code, errOut, c.says)
			}
		}
	}
}

// TestTarArchiveNamed: a Logs folder packed with tar (POSIX or GNU
// format) was called a log carved with 512 bytes before it, with a
// "tail -c +513" that copies the first member and every member after
// it; every command now says it is a tar archive and to extract it,
// naming the file and offset 0, exit 1, and gives no tail command.
func TestTarArchiveNamed(t *testing.T) {
	src, err := os.ReadFile("../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, format := range []tar.Format{tar.FormatUSTAR, tar.FormatPAX, tar.FormatGNU} {
		var b bytes.Buffer
		w := tar.NewWriter(&b)
		for _, name := range []string{"Logs/System.evtx", "Logs/Security.evtx"} {
			if err := w.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(src)), Format: format}); err != nil {
				t.Fatal(err)
			}
			w.Write(src)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, format.String()+".tar")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		says := path + ": file header: offset 0x0: not an EVTX file: a tar archive"
		for _, cmd := range []string{"analyze", "query", "dump"} {
			code, _, errOut := runCmd(cmd, path)
			if code != exitFailure || !strings.Contains(errOut, says) || !strings.Contains(errOut, "tar xf FILE") || strings.Contains(errOut, "tail -c") {
				t.Errorf("%s %s: exit %d, stderr %q; want exit 1 and %q", cmd, format, code, errOut, says)
			}
		}
	}
}
