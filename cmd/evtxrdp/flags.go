package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// singleDashLong returns the first argument of args that stands where
// fs.Parse reads a flag and is one dash followed by the long name of one
// of fs's flags, alone or with "=value" ("-format", "-format=json"), as
// Go's flag package and wevtutil users type them. pflag reads one dash as
// a run of one-letter flags: "-format json" would be -f with the value
// "ormat" and "json" a PATH, and "-at" an unknown flag -a. The walk
// follows pflag's: "--" ends the flags, a value-taking flag given as
// "--name" or as the last letter of a run takes the next argument (which
// is then no flag, whatever it looks like), and other arguments are
// PATHs, between which flags may stand. A run of one-letter flags is
// never refused: no long name of evtxrdp's is a valid run (a long name's
// first letter takes the rest as its value, or is no flag at all).
func singleDashLong(fs *pflag.FlagSet, args []string) (string, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return "", false
		}
		if len(a) < 2 || a[0] != '-' {
			continue // a PATH, or "-" (standard input)
		}
		if a[1] == '-' {
			name := a[2:]
			if strings.Contains(name, "=") {
				continue
			}
			if f := fs.Lookup(name); f != nil && f.NoOptDefVal == "" {
				i++ // its value
			}
			continue
		}
		name, _, _ := strings.Cut(a[1:], "=")
		if len(name) > 1 && fs.Lookup(name) != nil {
			return a, true
		}
		letters := a[1:]
		for j := 0; j < len(letters); j++ {
			f := fs.ShorthandLookup(letters[j : j+1])
			if f == nil {
				break // pflag refuses it (or, for h, prints the help)
			}
			if f.NoOptDefVal != "" {
				continue // a boolean: the next letter is another flag
			}
			if j == len(letters)-1 {
				i++ // "-f json": the value is the next argument
			}
			break // "-fjson", "-f=json": the rest is the value
		}
	}
	return "", false
}

// refuseSingleDash writes the usage error of the subcommand cmd ("analyze")
// for the first argument singleDashLong finds, naming it as typed and its
// two-dash form, and reports whether there was one. It runs before
// fs.Parse, so that nothing is read or done with a misread flag.
func refuseSingleDash(fs *pflag.FlagSet, cmd string, args []string, stderr io.Writer) bool {
	a, ok := singleDashLong(fs, args)
	if !ok {
		return false
	}
	fmt.Fprintf(stderr, "evtxrdp %s: flag %s has one dash: did you mean -%s? (a long flag takes two dashes; one dash starts one-letter flags, such as -f json)\n",
		cmd, escapeText(a), escapeText(a))
	fmt.Fprintf(stderr, "Run 'evtxrdp %s --help' for usage.\n", cmd)
	return true
}

// flagParseError writes the usage error of the subcommand cmd for err,
// the flag library's refusal of a flag ("unknown flag: --bogus", "flag
// needs an argument: --at", "invalid argument "abc" for "--timeline"
// flag"), with the line every other usage error ends with, and returns
// exitUsage.
func flagParseError(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "evtxrdp %s: %s\n", cmd, errText(err))
	fmt.Fprintf(stderr, "Run 'evtxrdp %s --help' for usage.\n", cmd)
	return exitUsage
}

// flagsNote is the sentence of every subcommand's help about dashes.
const flagsNote = `A long flag takes two dashes (--format json, or --format=json); one dash
starts one-letter flags (-f json), and a long name after one dash
(-format json) is refused as a usage error.`
