package fleet_test

import (
	"archive/zip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestZipSameNameTwoMachines: an archive holding two members of one name
// (appended, not replaced) whose logs are two machines' is two machines.
// The second member was taken for the same file as the first (same
// archive, same member name) and never read: one machine, nothing said
// of the other.
func TestZipSameNameTwoMachines(t *testing.T) {
	dir := t.TempDir()
	z := filepath.Join(dir, "logs.zip")
	f, err := os.Create(z)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, vm := range []string{"vm1", "vm2"} {
		b, err := evtxtest.Bytes(systemLog(vm, t0.Add(-time.Duration(len(vm))*time.Hour), 1, 1), evtxtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create("Logs/System.evtx")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ms := group(t, engine(t), z)
	if got := labels(ms); !slices.Equal(got, []string{"vm1", "vm2"}) {
		t.Fatalf("machines %q, want vm1 and vm2", got)
	}
}
