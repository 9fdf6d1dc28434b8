package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestUpToDate regenerates the fixtures into a temporary directory and
// requires the committed ones to be identical (run
// "go run ./internal/genfixtures" from the module root to update them).
func TestUpToDate(t *testing.T) {
	tmp := t.TempDir()
	if err := Generate(tmp); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "..", "testdata", "evtx", "scenarios")
	want := map[string][]byte{}
	err := filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(tmp, p)
		b, err := os.ReadFile(p)
		want[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(committed, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(committed, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, ok := want[rel]
		switch {
		case !ok:
			t.Errorf("%s: committed but not generated", rel)
		case !bytes.Equal(w, b):
			t.Errorf("%s: differs from the generator's output", rel)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Errorf("%d files committed, %d generated", n, len(want))
	}
}

func TestEverySetExpectsEveryRule(t *testing.T) {
	for _, s := range sets() {
		seen := map[string]bool{}
		for _, e := range s.expect {
			seen[e.rule] = true
			if e.verdict == detected && e.refinement == "" {
				t.Errorf("%s: %s detected without an expected refinement", s.name, e.rule)
			}
		}
		for _, r := range []string{ruleCert, ruleTLS, ruleBroker} {
			if !seen[r] {
				t.Errorf("%s: no expectation for %s", s.name, r)
			}
		}
	}
}
