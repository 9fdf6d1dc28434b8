package main

import "strings"

// formatName returns the --format value v as one of want, the command's
// format names (lower case): every command takes a format name in any
// case (XML as xml, as wevtutil's /f:XML) and the same aliases, txt for
// text, md for markdown, ndjson for jsonl, and json for jsonl in the
// commands that have no JSON document of their own (query and dump print
// one event per line). ok is false when v names none of want.
func formatName(v string, want ...string) (name string, ok bool) {
	v = strings.ToLower(v)
	switch v {
	case "txt":
		v = "text"
	case "md":
		v = "markdown"
	case "ndjson":
		v = "jsonl"
	case "json":
		if !contains(want, "json") {
			v = "jsonl"
		}
	}
	if !contains(want, v) {
		return "", false
	}
	return v, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
