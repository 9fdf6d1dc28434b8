//go:build unix

package evtx

import "syscall"

// openNonBlock makes opening a FIFO return at once instead of waiting for
// a writer; it does not change how regular files are read.
const openNonBlock = syscall.O_NONBLOCK
