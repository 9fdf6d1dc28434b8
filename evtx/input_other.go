//go:build !unix

package evtx

const openNonBlock = 0

// unlinkOpenFiles tells whether a file may be removed while it is open
// (Unix: its bytes live until the last descriptor is closed), as the
// temporary copy of an archive member is (openZipMember).
const unlinkOpenFiles = false
