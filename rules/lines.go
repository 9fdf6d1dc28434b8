package rules

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// fieldLine is the line of a rule file where the key or list entry a
// RuleError's Field names begins ("queries[rcm-1058].xpath" is the line
// of that query's "xpath:").
type fieldLine struct {
	field string
	line  int
	// literal is set for a value written as a literal block scalar
	// ("commands: |"), whose line n is the file's line+n.
	literal bool
}

// fieldLines reads where each key and list entry of a rule file begins,
// named as RuleError.Field names them: "severity", "queries[rcm-1058]"
// (by the entry's id) and "queries[0]" (by its index, as errors name an
// entry whose id is missing or wrong), "queries[rcm-1058].where[0].codes".
// An id two entries of a list share names the first. It returns nil for
// data that is not one YAML mapping (Parse refuses it).
func fieldLines(data []byte) []fieldLine {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil
	}
	var out []fieldLine
	seen := map[string]bool{}
	add := func(field string, line int, literal bool) {
		if !seen[field] {
			seen[field] = true
			out = append(out, fieldLine{field, line, literal})
		}
	}
	var walk func(n *yaml.Node, prefixes []string)
	walk = func(n *yaml.Node, prefixes []string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				var names []string
				for _, p := range prefixes {
					name := k.Value
					if p != "" {
						name = p + "." + k.Value
					}
					names = append(names, name)
					add(name, k.Line, v.Kind == yaml.ScalarNode && v.Style&yaml.LiteralStyle != 0 && v.Line == k.Line)
				}
				walk(v, names)
			}
		case yaml.SequenceNode:
			for i, e := range n.Content {
				var names []string
				for _, p := range prefixes {
					names = append(names, p+"["+strconv.Itoa(i)+"]")
					if id := entryID(e); id != "" {
						names = append(names, p+"["+id+"]")
					}
				}
				for _, name := range names {
					add(name, e.Line, false)
				}
				walk(e, names)
			}
		}
	}
	walk(doc.Content[0], []string{""})
	return out
}

// entryID is the id of a list entry that is a mapping with an "id" key.
func entryID(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "id" && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// lineOf is the line of the rule's file where field begins, or where the
// nearest enclosing key or entry the file has begins
// ("resolution[fix].commands" of a step without commands: the step's
// line); 0 when unknown (a rule not read from a file).
func (r *Rule) lineOf(field string) int {
	if r.src == "" {
		return 0
	}
	fl, _ := fieldLineIn(fieldLines([]byte(r.src)), field)
	return fl.line
}

// fieldLineIn is the fieldLine of field among lines (fieldLines), or of
// the nearest enclosing key or entry the file has, and whether it is
// field's own.
func fieldLineIn(lines []fieldLine, field string) (fieldLine, bool) {
	for f := field; f != ""; {
		for _, fl := range lines {
			if fl.field == f {
				return fl, f == field
			}
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return fieldLine{}, false
}

// commandLine finds the line of a step's commands an error names, ": line
// 2: reg add ..." (steps.go, stepshell.go), the first such.
var commandLine = regexp.MustCompile(`: line ([0-9]+): `)

// withLines sets the Line of each *RuleError of errs about r that has
// none, from the field it names.
func withLines(r *Rule, errs []error) []error {
	var lines []fieldLine
	for _, err := range errs {
		var re *RuleError
		if !errors.As(err, &re) || re.Line != 0 || r.src == "" {
			continue
		}
		if lines == nil {
			lines = fieldLines([]byte(r.src))
		}
		fl, own := fieldLineIn(lines, re.Field)
		re.Line = fl.line
		// An error about line n of commands written as a literal
		// block ("commands: |") names the file's line of that command.
		if own && fl.literal {
			if m := commandLine.FindStringSubmatch(re.Err.Error()); m != nil {
				if n, err := strconv.Atoi(m[1]); err == nil && n > 0 && n < 1<<20 {
					re.Line += n
				}
			}
		}
	}
	return errs
}
