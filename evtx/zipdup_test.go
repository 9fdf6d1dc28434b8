package evtx

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestZipRepeatedMemberName: an archive may hold two members of one name
// (zip appends a member without removing the earlier one; Python's
// ZipFile.writestr does, and so do collection scripts that add a second
// machine's logs under the same relative path). Each is a log of its own:
// Find names them apart ("x.zip!System.evtx", "x.zip!System.evtx (2)"),
// and each opens its own data. Both reached the first member's data under
// one path, so the second log was dropped as "given more than once"
// without a word. The same with and without a central directory.
func TestZipRepeatedMemberName(t *testing.T) {
	samples := []string{cleanSample, "omerbenamram__evtx__samples__system.evtx"}
	dir := t.TempDir()
	var want [][]uint64
	for _, s := range samples {
		ids, _ := readLogIDs(t, &Log{Path: s, file: writeTemp(t, dir, readSample(t, s))}, Options{})
		want = append(want, ids)
	}
	if slices.Equal(want[0], want[1]) || len(want[0]) == 0 {
		t.Fatal("the two samples must differ")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, s := range samples {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "Logs/System.evtx", Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(readSample(t, s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	z := buf.Bytes()
	eocd := bytes.LastIndex(z, []byte("PK\x05\x06"))
	central := int(binary.LittleEndian.Uint32(z[eocd+16:]))
	for name, data := range map[string][]byte{"whole": z, "no central directory": z[:central]} {
		zp := filepath.Join(dir, name+".zip")
		if err := os.WriteFile(zp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		logs, err := Find(zp)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wantPaths := []string{zp + "!Logs/System.evtx=System", zp + "!Logs/System.evtx (2)=System"}
		if got := paths(logs); !slices.Equal(got, wantPaths) {
			t.Fatalf("%s: Find = %q, want %q", name, got, wantPaths)
		}
		for i, l := range logs {
			ids, _ := readLogIDs(t, l, Options{})
			if !slices.Equal(ids, want[i]) {
				t.Errorf("%s: %s reads %d records (%s), want the %d of %s", name, l.Path, len(ids), fmt.Sprint(ids[:min(3, len(ids))]), len(want[i]), samples[i])
			}
			if _, member := l.Location(); member != "Logs/System.evtx" || l.MemberIndex() != i {
				t.Errorf("%s: %s: Location member %q, MemberIndex %d; want Logs/System.evtx, %d", name, l.Path, member, l.MemberIndex(), i)
			}
		}
	}
}
