package main

import (
	"runtime/debug"
	"strings"
)

// buildVersion returns the module version the binary was built from and
// its version-control details, from the build information Go records:
// `go install ...@v1.2.3` gives "v1.2.3"; a build in a checkout gives a
// pseudo-version naming the commit ("v0.0.0-20261129155210-19eb15b3c0ff",
// "+dirty" for uncommitted changes); `go run` and tests give "(devel)".
// commit is the full commit id and its time when the build recorded them.
func buildVersion() (version, commit string) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)", ""
	}
	version = bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		commit = rev
		if when != "" {
			commit += " " + when
		}
		if modified {
			commit += " (modified)"
		}
	}
	return version, commit
}

// toolVersion is the version the reports carry: the module version, with
// the short commit id when the version does not name it.
func toolVersion() string {
	v, c := buildVersion()
	if c != "" && !strings.Contains(v, c[:min(12, len(c))]) {
		v += " " + c[:min(12, len(c))]
	}
	return v
}
