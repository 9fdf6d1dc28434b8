//go:build !linux

package evtx

import (
	"io"
	"os"
)

// readAtFile is what a log file opened by this package is read through:
// the file itself (where its holes are not looked for, every offset is
// read).
func readAtFile(f *os.File) io.ReaderAt { return f }
