//go:build linux || darwin || freebsd || netbsd

package evtx

import (
	"os"
	"syscall"
	"time"
)

// changeTime returns the file's status change time (ctime), which every
// write sets and no program can set back (cp -p, rsync -t and tar set the
// modification time back), or the zero time when fi does not say.
func changeTime(fi os.FileInfo) time.Time {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}
	}
	return statCtime(st)
}
