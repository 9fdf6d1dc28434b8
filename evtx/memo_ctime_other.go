//go:build !(linux || darwin || freebsd || netbsd)

package evtx

import (
	"os"
	"time"
)

// changeTime returns the zero time: this system's FileInfo has no status
// change time (the memo then relies on identity, size and modification
// time).
func changeTime(os.FileInfo) time.Time { return time.Time{} }
