//go:build !unix

package evtx

const openNonBlock = 0
