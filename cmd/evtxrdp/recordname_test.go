package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestDumpNamesRecordWithoutEventRecordID: dump's summary names a
// last-written record whose EventRecordID was not read (here a Real64,
// not an integer) by its record number, said so, as analyze and query
// name it; it printed "EventRecordID 5", the record number in the id's
// place. With a window and without.
func TestDumpNamesRecordWithoutEventRecordID(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := 0; i < 5; i++ {
		evs = append(evs, evtxtest.SCM7036(t0.Add(time.Duration(i-5)*time.Hour), "Remote Desktop Services", "running", "TermService"))
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.RetypeLastRecordID(b); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-f", "xml"}, {"-f", "xml", "--since", "2024-05-01T10:30:00Z"}} {
		code, _, errOut := runDumpArgs(t, append(args, p)...)
		if code != exitOK {
			t.Fatalf("dump %v: exit %d: %s", args, code, errOut)
		}
		if want := "last written record: record 5 (no EventRecordID read) at 2024-05-01T11:00:00"; !strings.Contains(errOut, want) {
			t.Errorf("dump %v: the summary does not say %q:\n%s", args, want, errOut)
		}
		if strings.Contains(errOut, "exported log") {
			t.Errorf("dump %v: an export:\n%s", args, errOut)
		}
	}
}
