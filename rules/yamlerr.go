package rules

import (
	"reflect"
	"regexp"
	"strings"
	"time"
)

// A rule file's author knows its keys (queries, where, resolution), not
// the Go types they decode into. yaml.v3 names those types in its errors
// ("field xpth not found in type rules.Query", "cannot unmarshal !!seq
// into rules.Severity", "into []*rules.Query"); yamlTypeMessage says the
// same in the file's terms.

// ruleParts are the types a rule file decodes into, by the name yaml.v3
// gives them: what part of the file each is (where), and what one of
// them and a list of them are called (noun, nouns).
var ruleParts = map[string]struct {
	typ                reflect.Type
	where, noun, nouns string
}{
	"rules.Rule":          {reflect.TypeFor[Rule](), "the rule", "rule", "rules"},
	"rules.Query":         {reflect.TypeFor[Query](), "a query (queries)", "query", "queries"},
	"rules.Followed":      {reflect.TypeFor[Followed](), "unless_followed", "unless_followed", "unless_followed entries"},
	"rules.Refinement":    {reflect.TypeFor[Refinement](), "a refinement (refinements)", "refinement", "refinements"},
	"rules.Condition":     {reflect.TypeFor[Condition](), "a condition (where, unless, when, subject, require, machine_wide, distinct, show)", "condition", "conditions"},
	"rules.Step":          {reflect.TypeFor[Step](), "a resolution step", "resolution step", "resolution steps"},
	"rules.Reference":     {reflect.TypeFor[Reference](), "a reference (references)", "reference", "references"},
	"rules.Attribution":   {reflect.TypeFor[Attribution](), "attribution", "attribution", "attributions"},
	"rules.ProcessCheck":  {reflect.TypeFor[ProcessCheck](), "attribution's process", "process check", "process checks"},
	"rules.Coincidence":   {reflect.TypeFor[Coincidence](), "attribution's coincides", "coincides", "coincides entries"},
	"rules.Threshold":     {reflect.TypeFor[Threshold](), "threshold", "threshold", "thresholds"},
	"rules.Weak":          {reflect.TypeFor[Weak](), "possible", "possible", "possible entries"},
	"rules.TimelineEntry": {reflect.TypeFor[TimelineEntry](), "a timeline entry", "timeline entry", "timeline entries"},
}

var (
	yamlUnknownKey = regexp.MustCompile(`^(line \d+: )field (.*) not found in type (\S+)$`)
	yamlKeyTwice   = regexp.MustCompile(`^(line \d+: )field (.*) already set in type (\S+)$`)
	yamlWrongKind  = regexp.MustCompile("^(line \\d+: )cannot unmarshal (!!\\w+)( `.*`)? into (\\S+)$")
)

// yamlTypeMessage rewrites one of yaml.v3's type errors ("line 3: field
// xpth not found in type rules.Query") in the rule file's terms ("line 3:
// unknown key "xpth" in a query (queries); its keys: id, channel, ...").
// A message of another form is returned as it is.
func yamlTypeMessage(m string) string {
	if s := yamlUnknownKey.FindStringSubmatch(m); s != nil {
		part, ok := ruleParts[s[3]]
		if !ok {
			return s[1] + "unknown key " + quoteKey(s[2])
		}
		return s[1] + "unknown key " + quoteKey(s[2]) + " in " + part.where + "; its keys: " + strings.Join(yamlKeys(part.typ), ", ")
	}
	if s := yamlKeyTwice.FindStringSubmatch(m); s != nil {
		where := ""
		if part, ok := ruleParts[s[3]]; ok {
			where = " in " + part.where
		}
		return s[1] + "key " + quoteKey(s[2]) + " given twice" + where
	}
	if s := yamlWrongKind.FindStringSubmatch(m); s != nil {
		found := yamlKind(s[2])
		if s[3] != "" {
			found = strings.TrimSpace(s[3]) + " (" + found + ")"
		}
		return s[1] + "found " + found + ", want " + goKind(s[4])
	}
	return m
}

// quoteKey quotes a key as yaml.v3 gives it (the key's text; a key that
// is not a string, e.g. 3, as its value).
func quoteKey(k string) string {
	return `"` + k + `"`
}

// yamlKeys lists the keys of a rule file part of type t, in file order.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		keys = append(keys, name)
	}
	return keys
}

// yamlKind names a YAML tag as the file shows it.
func yamlKind(tag string) string {
	switch tag {
	case "!!str":
		return "a string"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!bool":
		return "true or false"
	case "!!seq":
		return "a list"
	case "!!map":
		return "a mapping (key: value)"
	case "!!null":
		return "nothing"
	case "!!timestamp":
		return "a time"
	case "!!binary":
		return "binary data"
	}
	return tag
}

var durationType = reflect.TypeFor[time.Duration]().String()

// goKind names what a Go type, as yaml.v3 writes it ("[]*rules.Query",
// "time.Duration", "int"), takes in a rule file.
func goKind(t string) string {
	if rest, ok := strings.CutPrefix(t, "[]"); ok {
		return "a list of " + plainKind(strings.TrimPrefix(rest, "*"), true)
	}
	if strings.HasPrefix(t, "map[") {
		return "a mapping (key: value)"
	}
	return plainKind(strings.TrimPrefix(t, "*"), false)
}

// plainKind names one value of Go type t; many: in a list ("strings").
func plainKind(t string, many bool) string {
	one, several := "", ""
	switch {
	case t == "string":
		one, several = "a string", "strings"
	case t == "bool":
		one, several = "true or false", "true or false values"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		one, several = "an integer", "integers"
	case strings.HasPrefix(t, "float"):
		one, several = "a number", "numbers"
	case t == durationType:
		one, several = "a duration such as 90m, 24h or 168h (no days here)", "durations such as 90m, 24h or 168h (no days here)"
	case t == "rules.Severity":
		one, several = "a severity ("+severityNames()+")", "severities"
	default:
		part, ok := ruleParts[t]
		if !ok {
			return "a value of another kind"
		}
		keys := strings.Join(yamlKeys(part.typ), ", ")
		one, several = "a "+part.noun+" (a mapping of its keys: "+keys+")", part.nouns+" (mappings of their keys: "+keys+")"
	}
	if many {
		return several
	}
	return one
}

// severityNames lists the severities a rule may have.
func severityNames() string {
	return strings.Join([]string{string(SeverityError), string(SeverityWarning), string(SeverityInfo)}, ", ")
}
