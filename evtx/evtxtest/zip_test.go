package evtxtest_test

import (
	"archive/zip"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

func TestWriteZip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a", "logs.zip")
	members := map[string][]byte{"b/System.evtx": []byte("second"), "a.evtx": []byte("first"), "c": nil}
	if err := evtxtest.WriteZip(p, members); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || string(got) != string(members[f.Name]) {
			t.Errorf("%s: %q, %v; want %q", f.Name, got, err, members[f.Name])
		}
	}
	if want := []string{"a.evtx", "b/System.evtx", "c"}; !slices.Equal(names, want) {
		t.Errorf("members %q, want %q", names, want)
	}
}
