//go:build unix

package evtx

import "syscall"

// openNonBlock makes opening a FIFO return at once instead of waiting for
// a writer; it does not change how regular files are read.
const openNonBlock = syscall.O_NONBLOCK

// unlinkOpenFiles tells whether a file may be removed while it is open
// (Unix: its bytes live until the last descriptor is closed), as the
// temporary copy of an archive member is (openZipMember).
const unlinkOpenFiles = true
