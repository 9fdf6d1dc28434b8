package evtxtest

import (
	"archive/zip"
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// WriteZip writes a .zip archive at path (creating its directory) holding
// members, member name to bytes, stored deflated in name order, so that the
// same members always give the same archive. Names may hold '/'.
func WriteZip(path string, members map[string][]byte) error {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range slices.Sorted(maps.Keys(members)) {
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		if _, err := w.Write(members[name]); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
