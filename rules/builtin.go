package rules

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io/fs"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
)

// The built-in rules are parsed once per process and kept unchanged (the
// pristine copy): Builtin returns deep copies of it (Rule.clone), and
// Validate skips the checks of one rule (validateRule) for a rule equal,
// field for field, to the built-in rule of its id. validateRule depends on
// nothing but the rule it checks, and TestBuiltinRulesValid asserts that
// every built-in rule passes it, so the skip gives what the checks give;
// the checks of the rule set as a whole (unique ids) always run. A rule
// loaded from a file (File is its path) or changed after Builtin returned
// it is not equal and is checked in full.

// pristine is the parse of the built-in rule files, never handed out.
type pristine struct {
	rules []*Rule
	byID  map[string]*Rule
}

var (
	builtinOnce sync.Once
	// builtinParsed is set once the built-in rules parsed without error;
	// nil before (or when they did not parse).
	builtinParsed atomic.Pointer[pristine]
	// skipBuiltinChecks turns Validate's skip of pristine built-in rules
	// off when false (tests compare the two).
	skipBuiltinChecks = true
)

// pristineBuiltin returns the built-in rules as parsed, parsing them on
// the first call; nil when they do not parse.
func pristineBuiltin() *pristine {
	builtinOnce.Do(func() {
		rs, err := builtinRules(builtinDigest())
		if err != nil {
			return
		}
		p := &pristine{rules: rs, byID: make(map[string]*Rule, len(rs))}
		for _, r := range rs {
			p.byID[r.ID] = r
		}
		builtinParsed.Store(p)
	})
	return builtinParsed.Load()
}

// checkedBuiltin reports whether r is equal (reflect.DeepEqual, unexported
// fields included) to the built-in rule of its id. It never parses the
// built-in files: before Builtin was first called, r is not known equal.
func checkedBuiltin(r *Rule) bool {
	if !skipBuiltinChecks {
		return false
	}
	p := builtinParsed.Load()
	if p == nil {
		return false
	}
	b := p.byID[r.ID]
	return b != nil && reflect.DeepEqual(r, b)
}

// clone returns a deep copy of r: no pointer, slice or map of the copy is
// shared with r (TestBuiltinClonesShareNothing), strings aside, which
// cannot be changed.
func (r *Rule) clone() *Rule {
	if r == nil {
		return nil
	}
	c := *r
	c.Queries = cloneSlice(r.Queries, (*Query).clone)
	c.Refinements = cloneSlice(r.Refinements, (*Refinement).clone)
	c.Resolution = cloneSlice(r.Resolution, (*Step).clone)
	c.References = cloneSlice(r.References, func(x Reference) Reference { return x })
	c.Notes = cloneSlice(r.Notes, identity)
	return &c
}

func (q *Query) clone() *Query {
	if q == nil {
		return nil
	}
	c := *q
	c.Resolves = cloneSlice(q.Resolves, identity)
	c.Attribution = q.Attribution.clone()
	c.Where = cloneSlice(q.Where, (*Condition).clone)
	c.Subject = q.Subject.clone()
	c.Threshold = q.Threshold.clone()
	c.UnlessFollowed = q.UnlessFollowed.clone()
	c.Unless = cloneSlice(q.Unless, (*Condition).clone)
	c.Possible = q.Possible.clone()
	return &c
}

func (a *Attribution) clone() *Attribution {
	if a == nil {
		return nil
	}
	c := *a
	c.Require = cloneSlice(a.Require, (*Condition).clone)
	c.MachineWide = cloneSlice(a.MachineWide, (*Condition).clone)
	if a.Process != nil {
		p := *a.Process
		p.Allow = cloneSlice(a.Process.Allow, identity)
		c.Process = &p
	}
	if a.Coincides != nil {
		k := *a.Coincides
		k.Queries = cloneSlice(a.Coincides.Queries, identity)
		if ad := a.Coincides.Address; ad != nil {
			b := *ad
			if ad.Attempts != nil {
				b.Attempts = make(map[string]string, len(ad.Attempts))
				for id, f := range ad.Attempts {
					b.Attempts[id] = f
				}
			}
			k.Address = &b
		}
		c.Coincides = &k
	}
	return &c
}

func (t *Threshold) clone() *Threshold {
	if t == nil {
		return nil
	}
	c := *t
	c.Distinct = t.Distinct.clone()
	return &c
}

func (f *Followed) clone() *Followed {
	if f == nil {
		return nil
	}
	c := *f
	c.Queries = cloneSlice(f.Queries, identity)
	return &c
}

func (w *Weak) clone() *Weak {
	if w == nil {
		return nil
	}
	c := *w
	c.Show = w.Show.clone()
	return &c
}

func (f *Refinement) clone() *Refinement {
	if f == nil {
		return nil
	}
	c := *f
	c.Queries = cloneSlice(f.Queries, identity)
	c.When = cloneSlice(f.When, (*Condition).clone)
	c.First = cloneSlice(f.First, identity)
	return &c
}

func (c *Condition) clone() *Condition {
	if c == nil {
		return nil
	}
	d := *c
	d.Text = cloneSlice(c.Text, identity)
	d.Codes = cloneSlice(c.Codes, identity)
	d.codes = cloneSlice(c.codes, func(n uint64) uint64 { return n })
	d.Ports = cloneSlice(c.Ports, func(n int) int { return n })
	return &d
}

func (s *Step) clone() *Step {
	if s == nil {
		return nil
	}
	c := *s
	return &c
}

func identity(s string) string { return s }

// cloneSlice returns a new slice of f of each element of s, nil for nil
// and empty (not nil) for empty, as reflect.DeepEqual tells them apart.
func cloneSlice[T any](s []T, f func(T) T) []T {
	if s == nil {
		return nil
	}
	c := make([]T, len(s))
	for i, x := range s {
		c[i] = f(x)
	}
	return c
}

// The built-in rule files are parsed at build time, not at each start:
// builtin_gen.go (written by go test ./rules -run TestBuiltinGenerated
// -update) holds what parseBuiltin and ParseTimeline give for them as Go
// values, with the digest of the files it was written from. yaml.v3 took
// about 62 M instructions a run to parse them (200 kB, most of it the
// comments that cite the sources), 84% of an analyze of an empty folder.
// The values are taken only when the embedded files' digest is that one:
// an edited rule file with builtin_gen.go not rewritten is parsed as
// before (and TestBuiltinGenerated fails), so the generated values never
// stand for files they were not written from.

// builtinTimelineFile is the name the built-in timeline's errors give.
const builtinTimelineFile = "builtin:timeline.yaml"

// builtinRules returns the built-in rules: generatedRules when digest is
// generatedDigest, each with the text of its file (Rule.src, which the
// generated values leave out: the files are embedded already), else
// parseBuiltin's.
func builtinRules(digest string) ([]*Rule, error) {
	if digest != generatedDigest {
		return parseBuiltin()
	}
	rs := generatedRules()
	for _, r := range rs {
		data, err := fs.ReadFile(builtinFS, "scenarios/"+strings.TrimPrefix(r.File, builtinPrefix))
		if err != nil {
			return parseBuiltin()
		}
		r.src = string(data)
	}
	return rs, nil
}

// builtinTimeline returns the built-in timeline: generatedTimeline when
// digest is generatedDigest, else ParseTimeline's.
func builtinTimeline(digest string) ([]*TimelineEntry, error) {
	if digest == generatedDigest {
		return generatedTimeline(), nil
	}
	return ParseTimeline(builtinTimelineFile, timelineYAML)
}

// builtinDigest is the hex SHA-256 digest of the embedded rule files and
// the timeline file (digestOf), computed once.
var builtinDigest = sync.OnceValue(func() string {
	var files []digestFile
	entries, err := fs.ReadDir(builtinFS, "scenarios")
	if err != nil {
		return "unreadable: " + err.Error()
	}
	for _, e := range entries {
		name := "scenarios/" + e.Name()
		data, err := fs.ReadFile(builtinFS, name)
		if err != nil {
			return "unreadable: " + err.Error()
		}
		files = append(files, digestFile{name, data})
	}
	files = append(files, digestFile{"timeline.yaml", timelineYAML})
	return digestOf(files)
})

type digestFile struct {
	name string
	data []byte
}

// digestOf hashes each file's name and content, each preceded by its
// length (so that no two lists of files give the same bytes).
func digestOf(files []digestFile) string {
	h := sha256.New()
	var n [8]byte
	for _, f := range files {
		for _, part := range [][]byte{[]byte(f.name), f.data} {
			binary.LittleEndian.PutUint64(n[:], uint64(len(part)))
			h.Write(n[:])
			h.Write(part)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
