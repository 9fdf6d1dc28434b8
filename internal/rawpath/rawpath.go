// Package rawpath gives the exact bytes of a file name that JSON cannot
// carry. A JSON string is Unicode: a path that is not valid UTF-8 (Linux
// file names are bytes; a disk from another system, or a damaged
// directory, holds names such as "bad\xff\xfename.evtx") is written with
// each invalid byte replaced by U+FFFD, so two names that differ only in
// such bytes read alike and neither can be reopened. Beside every such
// path field the JSON outputs write its bytes in standard base64 (RFC
// 4648 section 4, with padding), only when the path is not valid UTF-8:
// decoded, they are the name to open.
package rawpath

import (
	"encoding/base64"
	"unicode/utf8"
)

// Base64 returns the bytes of path in standard base64 when path is not
// valid UTF-8, else "" (the JSON string of path is then exact).
func Base64(path string) string {
	if utf8.ValidString(path) {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(path))
}

// List returns Base64 of each of paths when one of them is not valid
// UTF-8 ("" for those that are), else nil.
func List(paths []string) []string {
	var out []string
	for i, p := range paths {
		if b := Base64(p); b != "" {
			if out == nil {
				out = make([]string, len(paths))
			}
			out[i] = b
		}
	}
	return out
}
