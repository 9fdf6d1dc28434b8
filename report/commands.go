package report

import (
	"regexp"
	"strings"
)

// shellWordRE matches one word of a POSIX shell command as evtx writes it
// (evtx's shellWord): plain characters, single-quoted runs that may hold
// spaces, and the \' that stands for a quote between them.
const shellWordRE = `(?:'[^']*'|\\'|[^\s'()])+`

// lastWordRE is shellWordRE for the word that ends a command, the file a
// copy writes: not ending in ',', ';', ':' or '.' unquoted, which in
// prose are the sentence's punctuation ("tail -c +N FILE > LOG.evtx,
// FILE being the input"), not the name's (evtx names its output files
// LOG.evtx, LOG2.evtx, ...).
const lastWordRE = `(?:'[^']*'|\\'|[^\s'()])*(?:'[^']*'|\\'|[^\s'(),;:.])`

// commandRE matches the shell commands evtx puts in a problem to copy a
// log out of the bytes it lies in (evtx/copyout.go): dd by blocks, tail -c
// with an optional head -c, and unzip -p piped into tail -c. A report
// prints each on one line, however long: a command cut across two lines
// runs, pasted, as two commands (dd without its bs= and skip= copies the
// wrong bytes).
var commandRE = regexp.MustCompile(
	`dd if=` + shellWordRE + ` of=` + shellWordRE + ` bs=\d+ skip=\d+(?: count=\d+)?` +
		`|(?:unzip -p ` + shellWordRE + ` ` + shellWordRE + ` \| )?tail -c \+\d+ (?:` + shellWordRE + ` )?(?:\| head -c \d+ )?> ` + lastWordRE)

// fields is strings.Fields, but a shell command (commandRE) is one field,
// its spaces kept, so that wrapping never cuts it.
func fields(s string) []string {
	spans := commandRE.FindAllStringIndex(s, -1)
	if spans == nil {
		return strings.Fields(s)
	}
	var out []string
	at := 0
	for _, sp := range spans {
		before := strings.Fields(s[at:sp[0]])
		cmd := s[sp[0]:sp[1]]
		// Glue what touches the command on either side (an opening
		// parenthesis, a closing one and a comma) to it, as the text has
		// it.
		if len(before) > 0 && sp[0] > 0 && !isSpace(s[sp[0]-1]) {
			cmd = before[len(before)-1] + cmd
			before = before[:len(before)-1]
		}
		out = append(out, before...)
		at = sp[1]
		if at < len(s) && !isSpace(s[at]) {
			end := strings.IndexAny(s[at:], " \t\n\r\v\f")
			if end < 0 {
				end = len(s) - at
			}
			cmd += s[at : at+end]
			at += end
		}
		out = append(out, cmd)
	}
	return append(out, strings.Fields(s[at:])...)
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}
