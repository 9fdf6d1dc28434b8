package evtx

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/evtxrdp/evtxrdp/internal/shellword"
)

// copyOutCommand is what a problem says, in its parentheses, to copy the
// bytes of the input from offset at to its end (size bytes in all) into a
// file of its own named out: a shell command (POSIX sh), or, where none
// would copy those bytes, that none is given, why, and where they start.
//
// For a file the command names it by its path (Options.Name, the path the
// problem names), quoted for the shell (shellWord): dd with 4096-byte
// blocks when aligned says at is a multiple of 4096, else tail -c +N; for
// standard input ("-") it is tail -c +N reading the same bytes piped
// again; none is given for a path a terminal line cannot show as it is,
// and FILE stands for an input without a name. For a member of a
// .zip archive (o.member), at and size count the member's inflated bytes,
// not the archive's, so a command for FILE would copy the wrong bytes:
//
//   - a member of an archive with a central directory is inflated by
//     unzip -p ARCHIVE MEMBER and the pipe cut by tail -c +N, the archive's
//     path and the member's name quoted for the shell, and the member's
//     name with unzip's wildcard characters (* ? [ ]) and backslash escaped
//     by a backslash, as unzip reads it as a pattern (unzip 6.0 checked);
//   - a stored member of an archive without a central directory, which
//     unzip refuses, is its bytes at the member's data offset in the
//     archive: tail -c +N ARCHIVE | head -c LEN;
//   - none is given for a name the archive repeats (unzip -p writes every
//     member of that name, one after the other), for an archive path
//     holding a wildcard character (unzip expands it among the files of
//     the folder) or a name or path a terminal line cannot hold as it is
//     (control characters, bytes that are not UTF-8, a name not marked as
//     UTF-8 whose bytes unzip may convert), and for a compressed member of
//     an archive without a central directory.
func copyOutCommand(o Options, at, size int64, out string, aligned bool) string {
	return copyOutRange(o, at, size, size, out, aligned)
}

// copyOutRange is copyOutCommand for the bytes from at to below end, not
// to the input's end (size): the command cuts them off there, dd by its
// block count when at and end are whole blocks, else head -c.
func copyOutRange(o Options, at, end, size int64, out string, aligned bool) string {
	// cut is what follows a command that copies from at to the end, to
	// stop it at end instead; a pipe into head -c when dd cannot.
	cut := ""
	if end < size {
		cut = fmt.Sprintf(" | head -c %d", end-at)
	}
	l := o.member
	if l == nil || l.member == "" {
		switch name := o.Name; {
		case name == "-":
			// Standard input: the same bytes piped in again (tail, not
			// dd: dd counts a pipe's short reads as blocks).
			return fmt.Sprintf("the same bytes piped again into: tail -c +%d%s > %s", at+1, cut, out)
		case name == "":
			// NewReader without a Name: no path to give.
			return fmt.Sprintf("tail -c +%d FILE%s > %s, FILE being the input", at+1, cut, out)
		case !lineSafe(name):
			return fmt.Sprintf("no shell command is given: the file's path holds characters a terminal line cannot show as they are; the log starts at offset %d", at)
		case aligned && at%fileHeaderBlock == 0 && (end == size || (end-at)%fileHeaderBlock == 0):
			count := ""
			if end < size {
				count = fmt.Sprintf(" count=%d", (end-at)/fileHeaderBlock)
			}
			return fmt.Sprintf("dd if=%s of=%s bs=%d skip=%d%s", shellword.Path(name), out, fileHeaderBlock, at/fileHeaderBlock, count)
		default:
			return fmt.Sprintf("tail -c +%d %s%s > %s", at+1, shellword.Path(name), cut, out)
		}
	}
	none := func(why string) string {
		return fmt.Sprintf("no shell command is given for this archive member: %s; the log starts at offset %d of the member's inflated bytes, not of the archive", why, at)
	}
	if strings.HasPrefix(o.Name, "-!") {
		// An archive piped to standard input: its copy is a temporary
		// file, gone once the command ends.
		return none("the archive was read from standard input; give its path instead to get one")
	}
	if !lineSafe(l.file) {
		return none("the archive's path holds characters a terminal line cannot show as they are")
	}
	if m := l.zipLocal; m != nil {
		if m.method != zipStored {
			return none("the archive has no central directory, which unzip needs, and the member is compressed")
		}
		return fmt.Sprintf("tail -c +%d %s | head -c %d > %s", m.data+at+1, shellword.Path(l.file), end-at, out)
	}
	switch {
	case l.sameName > 1:
		return none(fmt.Sprintf("the archive holds %d members of this name, and unzip -p writes all of them, one after the other", l.sameName))
	case strings.ContainsAny(l.file, "*?["):
		return none("the archive's path holds a wildcard character (* ? [), which unzip expands among the files of its folder")
	case !lineSafe(l.member) || l.nonUTF8 && !isASCII(l.member):
		return none("the member's name holds characters that a terminal line cannot show as they are, or that unzip may convert")
	}
	return fmt.Sprintf("unzip -p %s %s | tail -c +%d%s > %s", shellword.Path(l.file), shellword.Path(unzipPattern(l.member)), at+1, cut, out)
}

// lineSafe reports whether s is printable UTF-8 that EscapeText leaves as
// it is, so that a command holding it is printed as it runs.
func lineSafe(s string) bool { return utf8.ValidString(s) && EscapeText(s) == s }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// unzipPattern is the pattern with which unzip selects the member named
// name and no other: a backslash before each of unzip's wildcard
// characters, before a backslash, and before a leading dash.
func unzipPattern(name string) string {
	var b strings.Builder
	for i, r := range name {
		if strings.ContainsRune(`*?[]\`, r) || i == 0 && r == '-' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
