package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// validateAll is Validate without the skip of built-in rules as shipped.
func validateAll(rs []*Rule) error {
	skipBuiltinChecks = false
	defer func() { skipBuiltinChecks = true }()
	return Validate(rs)
}

// TestBuiltinIsTheParse: Builtin's copies equal a parse of the built-in
// files (the plain path), each call's; Validate takes its shortcut for
// each of them (else it saves nothing).
func TestBuiltinIsTheParse(t *testing.T) {
	parsed, err := parseBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		rs, err := Builtin()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rs, parsed) {
			t.Fatalf("Builtin differs from the parse of the files: %s", cmp.Diff(parsed, rs, cmp.AllowUnexported(Condition{})))
		}
		for _, r := range rs {
			if !checkedBuiltin(r) {
				t.Errorf("%s: not known as a built-in rule as shipped", r.ID)
			}
		}
	}
	for _, r := range parsed {
		if !checkedBuiltin(r) { // equal content, whatever its origin
			t.Errorf("%s: a parse of its file is not known as the built-in rule", r.ID)
		}
	}
}

// TestBuiltinClonesShareNothing: two calls of Builtin and the kept parse
// share no pointer, slice or map (strings aside): a caller's change to
// one never reaches another, nor what Validate compares with.
func TestBuiltinClonesShareNothing(t *testing.T) {
	a, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uintptr]string{}
	var walk func(v reflect.Value, path, owner string)
	walk = func(v reflect.Value, path, owner string) {
		note := func(p uintptr) {
			if prev, ok := seen[p]; ok && prev != owner {
				t.Errorf("%s of %s shares memory with %s", path, owner, prev)
			}
			seen[p] = owner
		}
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				return
			}
			note(v.Pointer())
			walk(v.Elem(), path, owner)
		case reflect.Slice:
			if v.Len() == 0 {
				return
			}
			note(v.Pointer())
			for i := range v.Len() {
				walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), owner)
			}
		case reflect.Map:
			if v.Len() > 0 {
				note(v.Pointer())
			}
			it := v.MapRange()
			for it.Next() {
				walk(it.Value(), path+"[key]", owner)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i), path+"."+v.Type().Field(i).Name, owner)
			}
		case reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
			t.Errorf("%s: a %s the clone does not copy", path, v.Kind())
		}
	}
	walk(reflect.ValueOf(a), "rules", "the first call")
	walk(reflect.ValueOf(b), "rules", "the second call")
	walk(reflect.ValueOf(pristineBuiltin().rules), "rules", "the kept parse")
}

// TestValidateBuiltinShortcutExact: Validate gives what it gives without
// its skip of built-in rules as shipped, for the built-ins, for each of
// them changed in each kind of place the checks read (in place, as a
// caller may change what Builtin returned, or in a copy), replaced by a
// loaded rule of the same id, and given twice.
func TestValidateBuiltinShortcutExact(t *testing.T) {
	same := func(name string, rs []*Rule) {
		t.Helper()
		got, want := Validate(rs), validateAll(rs)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: Validate =\n%v\nwithout the shortcut:\n%v", name, got, want)
		}
	}
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	same("built-in", rs)
	same("built-in twice", append(append([]*Rule(nil), rs...), rs...))

	changes := map[string]func(r *Rule) bool{
		"title":  func(r *Rule) bool { r.Title += "."; return true },
		"window": func(r *Rule) bool { r.Window += time.Millisecond; return true },
		"file":   func(r *Rule) bool { r.File = "mine.yaml"; return true }, // valid still, checked in full
		"query xpath": func(r *Rule) bool {
			r.Queries[0].XPath = "Event[System[EventID=1"
			return true
		},
		"query where": func(r *Rule) bool {
			for _, q := range r.Queries {
				if len(q.Where) > 0 {
					q.Where[0].Text, q.Where[0].Codes, q.Where[0].Present, q.Where[0].Address = nil, nil, false, false
					return true
				}
			}
			return false
		},
		"step commands": func(r *Rule) bool {
			for _, s := range r.Resolution {
				if s.Commands != "" {
					s.Commands += "\nreg add HKLM\\SOFTWARE\\X /v A /d 1"
					return true
				}
			}
			return false
		},
		"step source": func(r *Rule) bool { r.Resolution[0].Source = ""; return true },
		"refinement first": func(r *Rule) bool {
			for _, f := range r.Refinements {
				f.First = append(f.First, "no-such-step")
				return true
			}
			return false
		},
		"condition codes": func(r *Rule) bool {
			for _, f := range r.Refinements {
				for _, c := range f.When {
					if len(c.codes) > 0 {
						c.codes[0]++ // unexported, unchecked: valid still
						return true
					}
				}
			}
			return false
		},
	}
	stillValid := map[string]bool{"file": true, "condition codes": true}
	for name, change := range changes {
		applied := 0
		for i := range rs {
			// In place: the changed rule is the one Builtin returned.
			fresh, err := Builtin()
			if err != nil {
				t.Fatal(err)
			}
			if !change(fresh[i]) {
				continue
			}
			applied++
			if checkedBuiltin(fresh[i]) {
				t.Fatalf("%s of %s: taken for the built-in as shipped", name, fresh[i].ID)
			}
			same(name+" of "+fresh[i].ID, fresh)
			if err := Validate(fresh); (err == nil) != stillValid[name] {
				t.Errorf("%s of %s: Validate = %v", name, fresh[i].ID, err)
			}
			// A copy, changed.
			fresh, _ = Builtin()
			c := fresh[i].clone()
			change(c)
			same(name+" of a copy of "+c.ID, append(fresh, c))
		}
		if applied == 0 {
			t.Errorf("%s: no built-in rule to change", name)
		}
	}

	// A loaded rule replacing a built-in by id, from the built-in's file.
	dir := t.TempDir()
	data, err := builtinFS.ReadFile("scenarios/rdp-tls-disabled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "title: ") {
			lines[i] += "." // a title ending with a period is refused
		}
	}
	bad := strings.Join(lines, "\n")
	if err := os.WriteFile(filepath.Join(dir, "tls.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	extra, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	merged := Merge(rs, extra)
	same("a built-in replaced by a loaded rule", merged)
	if err := Validate(merged); err == nil {
		t.Error("a loaded rule replacing a built-in is not checked")
	}
	var re *RuleError
	if err := Validate(merged); !errors.As(err, &re) || re.File != filepath.Join(dir, "tls.yaml") {
		t.Errorf("Validate = %v, want the loaded file's error", err)
	}
}
