package rules

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// DefaultWindow is the window of a rule that names none: the article's
// timediff(@SystemTime) <= 86400000.
const DefaultWindow = 24 * time.Hour

// noWindow marks a rule file without a window (Parse): the smallest
// duration, which no file means.
const noWindow = time.Duration(math.MinInt64)

// Rule is one failure scenario, loaded from one YAML file. The field
// comments give the YAML keys; doc.go describes the file format.
type Rule struct {
	// ID is stable and unique (lower-case words joined by '-'), e.g.
	// "rdp-cert-private-key". It names the rule in flags, JSON and fixtures.
	ID string `yaml:"id"`
	// Scenario is the scenario number in the source article, 0 if none.
	Scenario int `yaml:"scenario"`
	// Title is a short lower-case phrase without a final period.
	Title string `yaml:"title"`
	// Severity is "error", "warning" or "info".
	Severity Severity `yaml:"severity"`
	// Window is how far back from the reference time evidence counts
	// (DefaultWindow when absent).
	Window time.Duration `yaml:"window"`
	// Needs is "all" (every channel the evidence queries read must be
	// present and cover the window for a "not detected" verdict) or "any"
	// (one such channel is enough; e.g. the broker and broker-client logs
	// exist on different servers). Default "all".
	Needs string `yaml:"needs"`
	// MissingLogs is said in the report when the rule is not checked
	// because its logs are absent (e.g. what their absence usually means).
	MissingLogs string `yaml:"missing_logs"`
	// CoverageMissing is said when the rule has coverage queries and none
	// matched: the log may not record what the evidence queries look for
	// (e.g. logon failure auditing is off), so the rule is not checked.
	CoverageMissing string `yaml:"coverage_missing"`
	// ComputerChange asks the engine to report a change of the events'
	// System/Computer value within one log as corroboration: one host name
	// after another (names that differ between logs may be different
	// machines). A log whose hosts' records interleave, in record numbers
	// or in time (forwarded events: several machines in one log, as
	// package fleet tells them apart), is no rename; a finding with
	// evidence says so in a caveat.
	ComputerChange bool `yaml:"computer_change"`
	// NeedsCorroboration makes evidence without corroboration (a match of a
	// corroboration query, or a change of the Computer field when
	// ComputerChange is set) only "possible": the evidence is consistent
	// with the scenario, the corroboration is what shows its cause.
	NeedsCorroboration bool `yaml:"needs_corroboration"`
	// CorroborationLookBack, when longer than the engine's look-back, is
	// how far before the window the corroboration queries look once the
	// rule is detected (one more pass over their logs, only then).
	CorroborationLookBack time.Duration `yaml:"corroboration_look_back"`
	// Cause is what the evidence means when no refinement applies.
	Cause string `yaml:"cause"`
	// Queries select the evidence (and corroboration) events.
	Queries []*Query `yaml:"queries"`
	// Refinements pick a more precise cause and the first resolution steps
	// from the evidence's data fields.
	Refinements []*Refinement `yaml:"refinements"`
	// Resolution is the ordered list of steps for the default cause.
	Resolution []*Step `yaml:"resolution"`
	// References are the sources of the rule.
	References []Reference `yaml:"references"`
	// Notes are caveats printed with the finding (e.g. defects of the
	// source article that the rule corrects).
	Notes []string `yaml:"notes"`

	// File is where the rule was loaded from ("builtin:rdp-tls-disabled.yaml"
	// or a path); set by the loader.
	File string `yaml:"-"`

	// src is the text of the file the rule was read from, for the line
	// of a RuleError (lineOf reads where each key and list entry begins,
	// fieldLines, only when an error asks); "" for a rule not read by
	// Parse.
	src string
}

// Severity of a rule's finding.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Query roles.
const (
	RoleEvidence      = "evidence"      // a match in the window detects the scenario
	RoleCorroboration = "corroboration" // supports a finding; never detects on its own
	// RoleRecovery: a match after the evidence of the queries it Resolves
	// shows that the fault recovered (verdict Resolved).
	RoleRecovery = "recovery"
	// RoleContext: events that attribute other queries' events to RDP
	// (Attribution.Coincides), e.g. RDP connection attempts; they never
	// decide a verdict and their logs are optional.
	RoleContext = "context"
	// RoleCoverage: events that show a log records what the evidence
	// queries look for (failure auditing is on). When the rule's logs hold
	// none of them in the records read, "not detected" becomes "not
	// checked" with the rule's CoverageMissing text.
	RoleCoverage = "coverage"
)

// Query is one Windows event XPath filter over one channel.
type Query struct {
	// ID names the query inside its rule ("rcm-1058").
	ID string `yaml:"id"`
	// Channel is the event log the query reads ("System",
	// "Microsoft-Windows-TerminalServices-SessionBroker/Operational").
	Channel string `yaml:"channel"`
	// XPath is the filter, without a time condition: the engine applies the
	// rule's window relative to the reference time.
	XPath string `yaml:"xpath"`
	// Role is RoleEvidence (default), RoleCorroboration, RoleRecovery or
	// RoleContext.
	Role string `yaml:"role"`
	// Describes says in a few words what a matching event means.
	Describes string `yaml:"describes"`
	// PerLog, on a coverage query, makes it speak for its own channel's
	// log alone: that evidence log counts as covering the window (for
	// Needs) only when one of the rule's PerLog coverage queries of its
	// channel matches there, and the rule as a whole is not made "not
	// checked" by it. A rule whose evidence lies in two logs, one of
	// which records it only when auditing is on (Security 4625), so says
	// "not detected" from the other log alone, never from a Security log
	// that cannot show it.
	PerLog bool `yaml:"per_log"`
	// Resolves, for a recovery query, names the evidence queries whose
	// failures a later match of this query shows recovered.
	Resolves []string `yaml:"resolves"`
	// Attribution, for an evidence query whose events other programs also
	// log, says which of them belong to RDP (attribution.go).
	Attribution *Attribution `yaml:"attribution"`
	// Where holds conditions every match must also satisfy, for what the
	// XPath cannot read (the service key name in <Binary>): an event the
	// XPath selects that fails one is not a match (language.go).
	Where []*Condition `yaml:"where"`
	// Subject selects the field naming the thing an event is about (a
	// service's key name). A recovery query and the evidence queries it
	// resolves with subjects: a recovery resolves only the failures of
	// the same subject, and the last state of each subject decides.
	Subject *Condition `yaml:"subject"`
	// Threshold, for an evidence query, makes its matches evidence only
	// when enough of them fall within a span (a brute-force burst).
	Threshold *Threshold `yaml:"threshold"`
	// UnlessFollowed, for an evidence query, makes a match evidence only
	// when no match of the named context queries follows it within the
	// span (a boot after which the RDP listener never started listening).
	UnlessFollowed *Followed `yaml:"unless_followed"`
	// Unless holds conditions that exclude a match: an event the XPath
	// selects that satisfies one of them is not a match (a start type
	// the rule knows, so that only the others are said).
	Unless []*Condition `yaml:"unless"`
	// Possible, for an evidence query, makes its matches weaker evidence:
	// they make the finding at most "possible", with Possible.Why as the
	// reason (a service named by its localized display name, a start type
	// in a language the rule does not know).
	Possible *Weak `yaml:"possible"`
}

// Followed names context queries and a span: "followed by one of these
// within this time".
type Followed struct {
	Queries []string      `yaml:"queries"`
	Within  time.Duration `yaml:"within"`
}

// Refinement chooses a more precise cause, and the resolution steps to try
// first, when an evidence event in the window matched by one of Queries
// satisfies every condition in When. A rule lists its refinements from the
// most to the least specific: the first one satisfied decides.
type Refinement struct {
	ID string `yaml:"id"`
	// Queries are the ids of the rule's queries whose events are examined.
	Queries []string `yaml:"queries"`
	// When holds conditions on one event; all must hold. Without
	// conditions every event of Queries satisfies the refinement.
	When []*Condition `yaml:"when"`
	// Cause replaces the rule's cause.
	Cause string `yaml:"cause"`
	// First lists step ids that move to the front of the resolution, in
	// this order.
	First []string `yaml:"first"`
	// Note is printed with the refined cause.
	Note string `yaml:"note"`
}

// Condition tests one field of an event. Exactly one of Data, Index,
// UserData, AnyField, BinaryText and System selects the field; the field satisfies the
// condition when its normalised text equals one of Text or its numeric
// value equals one of Codes.
type Condition struct {
	// Data selects EventData/Data[@Name=Data].
	Data string `yaml:"data"`
	// Index selects the Index-th EventData item (1-based), for classic
	// events whose <Data> elements have no names.
	Index int `yaml:"index"`
	// UserData selects the leaf elements with this name under UserData
	// (a namespace prefix aside, as queries compare names: evtx.NameIs).
	UserData string `yaml:"user_data"`
	// AnyField selects every EventData item and UserData leaf (the
	// condition holds when one of them matches).
	AnyField bool `yaml:"any_field"`
	// BinaryText selects the event's <Binary> data read as UTF-16LE text
	// up to the first NUL: Service Control Manager writes the service's
	// key name there ("TermService", or "TermService/4" in 7036).
	BinaryText bool `yaml:"binary_text"`
	// System selects a field of the event's System part: "EventID",
	// "Level", "Provider" (its Name), "Channel" or "Computer" (a
	// refinement by event id: {system: EventID, codes: ["1071"]}).
	System string `yaml:"system"`
	// Before, when set, compares only the text before the first Before in
	// the value ("TermService/4" with before "/" compares "TermService").
	Before string `yaml:"before"`
	// Split, when set, reads the value as a list separated by Split and
	// compares each element, trimmed ("3389,3390" with split "," holds
	// for text ["3389"]).
	Split string `yaml:"split"`

	// Text values compare after trimming white space and one trailing '.',
	// case-insensitively.
	Text []string `yaml:"text"`
	// Codes are numbers, decimal or 0x-hex ("0x80070005", "10001");
	// negative decimals are read as 32-bit HRESULTs. A field compares
	// numerically when its value is a number, a hex string, or a "%%N"
	// Win32 error insert (which also equals HRESULT_FROM_WIN32(N)).
	Codes []string `yaml:"codes"`
	// Address holds for a value that is an IP address (IPv4 or IPv6, with
	// or without a port, as ClientAddress reads it): the network address
	// of a client, not the "LOCAL" (localized: "ローカル" on a Japanese
	// Windows) that LocalSessionManager writes for a console session. On
	// a threshold's distinct selector it makes the distinct values client
	// addresses (Threshold.Distinct).
	Address bool `yaml:"address"`
	// Ports holds for a value that is a firewall rule's port list
	// including one of these port numbers: items separated by ',', each a
	// port ("3389"), a range ("3380-3400") or "*" (every port). Windows
	// Firewall's events write the list so (a real 2004 of a rule for every
	// local port writes LocalPorts "*", RemotePorts "4444"); the ranges are those of MS-FASP
	// FW_PORTS and MS-GPFAS 2.2.2.19 (PORT-RANGE-VAL,
	// https://learn.microsoft.com/openspecs/windows_protocols/ms-gpfas/2efe0b76-7b4a-41ff-9050-1023f8196d16).
	// Keywords (RPC, IPHTTPS, Teredo ...) name other ports and hold for
	// none. Split must not be set: Ports reads the list itself.
	Ports []int `yaml:"ports"`
	// Present holds when the selected field is there with a value,
	// whatever it is (no text, codes or address then); as an unless
	// condition it keeps the events without the field: {binary_text:
	// true, present: true} is "a key name in <Binary>", which Windows 7's
	// Service Control Manager failures lack.
	Present bool `yaml:"present"`
	// Verbatim, on a where or unless condition, says that every event the
	// query selects has the field once, holding one of Text exactly as
	// spelled (no space around it, no final '.', the same letter case)
	// or a number written in decimal (a number-typed field, or digits)
	// when it matches: then the live-VM command compares the field itself
	// (LiveXPath) instead of leaving it to the reader (LiveUnchecked).
	// Only data, index and system conditions without before, split and
	// address can be verbatim (live.go says why).
	Verbatim bool `yaml:"verbatim"`

	codes []uint64 // parsed Codes; set by the loader
}

// The machines a step's commands run on (Step.RunOn).
const (
	// RunOnVM is the broken VM itself: the Serial Console, Run Command
	// or a session on it.
	RunOnVM = "vm"
	// RunOnRescueVM is the recovery VM the broken VM's OS disk is
	// attached to, whose commands edit that disk (its hives through reg
	// load).
	RunOnRescueVM = "rescue-vm"
	// RunOnWorkstation is the engineer's own machine or Azure Cloud
	// Shell, whose commands act on the VM through Azure (the Azure CLI).
	RunOnWorkstation = "workstation"
)

// Step is one resolution step.
type Step struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	// Text explains the step (what, why, what to check afterwards).
	Text string `yaml:"text"`
	// Shell is "cmd" or "powershell" when Commands is set.
	Shell string `yaml:"shell"`
	// RunOn names the machine the commands run on: RunOnVM, RunOnRescueVM
	// or RunOnWorkstation; "" is RunOnVM, except that a step without it
	// that loads an offline hive or calls the Azure CLI is refused
	// (checkRunOn).
	RunOn string `yaml:"run_on"`
	// Commands are ready to paste, exactly as the source gives them.
	Commands string `yaml:"commands"`
	// Source names where the step comes from (an article and section).
	Source string `yaml:"source"`
}

// Reference is a source document.
type Reference struct {
	Title string `yaml:"title"`
	URL   string `yaml:"url"`
}

// EvidenceQueries returns the rule's queries with the evidence role.
func (r *Rule) EvidenceQueries() []*Query {
	var qs []*Query
	for _, q := range r.Queries {
		if q != nil && q.Role == RoleEvidence {
			qs = append(qs, q)
		}
	}
	return qs
}

// Channels returns the channels the rule reads, sorted, without duplicates.
func (r *Rule) Channels() []string {
	seen := map[string]bool{}
	var chs []string
	for _, q := range r.Queries {
		if q != nil && !seen[q.Channel] {
			seen[q.Channel] = true
			chs = append(chs, q.Channel)
		}
	}
	sort.Strings(chs)
	return chs
}

// Query returns the rule's query with the given id, or nil.
func (r *Rule) Query(id string) *Query {
	for _, q := range r.Queries {
		if q != nil && q.ID == id {
			return q
		}
	}
	return nil
}

// Step returns the rule's resolution step with the given id, or nil.
func (r *Rule) Step(id string) *Step {
	for _, s := range r.Resolution {
		if s != nil && s.ID == id {
			return s
		}
	}
	return nil
}

// Refinement returns the rule's refinement with the given id, or nil.
func (r *Rule) Refinement(id string) *Refinement {
	for _, f := range r.Refinements {
		if f != nil && f.ID == id {
			return f
		}
	}
	return nil
}

// scanTop reads s outside string literals: whether its brackets and
// parentheses balance, and whether it has an "or" operator at the top
// level (outside any bracket or parenthesis).
func scanTop(s string) (balanced, or bool) {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			depth--
			if depth < 0 {
				return false, or
			}
		case depth == 0 && (c == 'o' || c == 'O') && i+2 <= len(s) && strings.EqualFold(s[i:i+2], "or") &&
			(i == 0 || !isNameByte(s[i-1])) && (i+2 == len(s) || !isNameByte(s[i+2])):
			or = true
		}
	}
	return depth == 0 && quote == 0, or
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == ':' || c == '@' ||
		('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// quoteArg returns s as one argument of a command pasted into cmd or
// PowerShell: as it is when it holds only letters, digits, '-', '_', '.'
// and '/', in double quotes otherwise (a space, a command separator, a
// redirection, an escape, a parenthesis, an argument delimiter, a
// comment). Validate refuses what the quotes cannot carry (cmdQuotable).
func quoteArg(s string) string {
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || r == '/' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return `"` + s + `"`
		}
	}
	return s
}

//go:embed scenarios/*.yaml
var builtinFS embed.FS

// Builtin returns the rules shipped with evtxrdp (rules/scenarios/*.yaml),
// sorted by scenario number then id. Each call returns fresh values: the
// files are parsed once per process (builtin.go) and each call returns a
// deep copy of that parse, which the caller may change.
func Builtin() ([]*Rule, error) {
	ps := pristineBuiltin()
	if ps == nil {
		return parseBuiltin() // the error, as the plain path gives it
	}
	rs := make([]*Rule, len(ps.rules))
	for i, r := range ps.rules {
		rs[i] = r.clone()
	}
	return rs, nil
}

// builtinPrefix begins the File of a built-in rule ("builtin:" and the
// file's name in rules/scenarios).
const builtinPrefix = "builtin:"

// parseBuiltin parses the built-in rule files.
func parseBuiltin() ([]*Rule, error) {
	sub, err := fs.Sub(builtinFS, "scenarios")
	if err != nil {
		return nil, err
	}
	return loadFS(sub, builtinPrefix)
}

// LoadDir loads every *.yaml and *.yml file in dir (not recursive; the
// extension in any case, Port.YAML too), sorted
// by scenario number then id. Its errors are *LoadError values (joined,
// one per file): a file that cannot be read or parsed, that is not a
// regular file (a named pipe, a device; symbolic links are followed) or
// is larger than MaxRuleFile, or that defines a rule id an earlier file
// (by name) of dir defines. A dir that cannot be listed (missing, not a
// directory, unreadable) is one *LoadError whose File is dir, wrapping
// the system's reason (errors.Is(err, fs.ErrNotExist) for a missing one).
func LoadDir(dir string) ([]*Rule, error) {
	return loadFS(os.DirFS(dir), dir+string(os.PathSeparator))
}

func loadFS(fsys fs.FS, prefix string) ([]*Rule, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		// The fs.PathError names ".", the root of fsys: name the
		// directory instead.
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == "." {
			err = pe.Err
		}
		return nil, &LoadError{File: strings.TrimSuffix(prefix, string(os.PathSeparator)), Err: err}
	}
	var rs []*Rule
	var errs []error
	fileOf := map[string]string{} // rule id -> the file that defined it first
	for _, e := range entries {
		// The extension in any case: a file named on Windows, where
		// Port.YAML is a YAML file, was passed over unsaid.
		ext := strings.ToLower(path.Ext(e.Name()))
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		data, err := readRuleFile(fsys, e.Name())
		if err != nil {
			errs = append(errs, &LoadError{File: prefix + e.Name(), Err: err})
			continue
		}
		r, err := Parse(prefix+e.Name(), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Merge would keep one of two files defining an id and drop the
		// other unsaid (an edited rule beside its copy).
		if first, ok := fileOf[r.ID]; ok {
			errs = append(errs, &LoadError{File: r.File, Err: fmt.Errorf("rule id %q is also defined in %s (one file per rule id)", r.ID, first)})
			continue
		}
		fileOf[r.ID] = r.File
		rs = append(rs, r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	SortRules(rs)
	return rs, nil
}

// MaxRuleFile is the largest rule file LoadDir reads, in bytes (the
// largest built-in rule is about 23 KB).
const MaxRuleFile = 1 << 20

// readRuleFile reads the rule file name of fsys: a regular file (after
// symbolic links) of at most MaxRuleFile bytes. A named pipe, device or
// socket named *.yaml is refused without being opened (a pipe would wait
// for a writer forever, /dev/zero never end), and so is a larger file.
func readRuleFile(fsys fs.FS, name string) ([]byte, error) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", fileKind(fi.Mode()))
	}
	if fi.Size() > MaxRuleFile {
		return nil, fmt.Errorf("larger than %d bytes (%d bytes): not a rule file", MaxRuleFile, fi.Size())
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxRuleFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxRuleFile {
		return nil, fmt.Errorf("larger than %d bytes: not a rule file", MaxRuleFile)
	}
	return data, nil
}

// fileKind names the type of a file that is not regular.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	}
	return m.Type().String()
}

// SortRules sorts rules by scenario number (rules without one last), then id.
func SortRules(rs []*Rule) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if (a.Scenario == 0) != (b.Scenario == 0) {
			return b.Scenario == 0
		}
		if a.Scenario != b.Scenario {
			return a.Scenario < b.Scenario
		}
		return a.ID < b.ID
	})
}

// Merge returns base with each rule of extra added, or replacing the base
// rule with the same id, sorted.
func Merge(base, extra []*Rule) []*Rule {
	byID := map[string]int{}
	out := append([]*Rule(nil), base...)
	for i, r := range out {
		byID[r.ID] = i
	}
	for _, r := range extra {
		if i, ok := byID[r.ID]; ok {
			out[i] = r
			continue
		}
		byID[r.ID] = len(out)
		out = append(out, r)
	}
	SortRules(out)
	return out
}

// LoadError is a rule file that cannot be read or parsed.
type LoadError struct {
	File string
	Line int // 1-based line of the problem when known, else 0
	Err  error
}

func (e *LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("rules: %s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("rules: %s: %v", e.File, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

// yamlLoadError is the LoadError of a YAML decoding error: its Line is the
// line the decoder names first ("yaml: line 3: mapping values are not
// allowed in this context"; of several, "yaml: line 2: ...; line 3: ...",
// the first), which leaves Err's text ("rules: f.yaml:3: yaml: mapping
// values ..."); 0 when it names none.
func yamlLoadError(file string, err error) *LoadError {
	msg := err.Error()
	rest, ok := strings.CutPrefix(msg, "yaml: line ")
	if !ok {
		return &LoadError{File: file, Err: err}
	}
	num, text, ok := strings.Cut(rest, ": ")
	line, perr := strconv.Atoi(num)
	if !ok || perr != nil || line <= 0 {
		return &LoadError{File: file, Err: err}
	}
	return &LoadError{File: file, Line: line, Err: errors.New("yaml: " + text)}
}

// Parse decodes one rule file, fills defaults and parses the codes. It
// rejects unknown keys; it does not compile queries (Validate does).
func Parse(file string, data []byte) (*Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// A window the file leaves out keeps noWindow (then DefaultWindow);
	// "window: 0s" is kept, for Validate to refuse, not taken for absent.
	r := Rule{Window: noWindow}
	if err := dec.Decode(&r); err != nil {
		var te *yaml.TypeError
		switch {
		case err == io.EOF:
			err = errors.New("empty file")
		case errors.As(err, &te):
			// One line per file: yaml lists its errors on lines of
			// their own, which stderr would show escaped ("\n").
			// Each in the file's terms, not the Go types' (yamlTypeMessage):
			// "window: 7d" is "found `7d` (a string), want a duration such
			// as 90m, 24h or 168h (no days here)".
			msgs := make([]string, len(te.Errors))
			for i, m := range te.Errors {
				msgs[i] = yamlTypeMessage(m)
			}
			err = errors.New("yaml: " + strings.Join(msgs, "; "))
		}
		return nil, yamlLoadError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, &LoadError{File: file, Err: errors.New("more than one YAML document (want one rule per file)")}
	}
	r.File = file
	r.src = string(data)
	if err := noNilEntries(&r); err != nil {
		return nil, &LoadError{File: file, Err: err}
	}
	if r.Window == noWindow {
		r.Window = DefaultWindow
	}
	if r.Needs == "" {
		r.Needs = "all"
	}
	for _, q := range r.Queries {
		if q != nil && q.Role == "" {
			q.Role = RoleEvidence
		}
	}
	// A code that is no number is refused naming its field and line, as
	// Validate names the others ("queries[x].where[0].codes").
	codesErr := func(field string, cs []*Condition) error {
		f, err := parseCodes(field, cs)
		if err != nil {
			return &LoadError{File: file, Line: r.lineOf(f), Err: fmt.Errorf("%s: %s: %w", r.ID, f, err)}
		}
		return nil
	}
	for i, f := range r.Refinements {
		if err := codesErr(listField("refinements", i, f.ID)+".when", f.When); err != nil {
			return nil, err
		}
	}
	for i, q := range r.Queries {
		qf := listField("queries", i, q.ID)
		if err := codesErr(qf+".where", q.Where); err != nil {
			return nil, err
		}
		if err := codesErr(qf+".unless", q.Unless); err != nil {
			return nil, err
		}
		if at := q.Attribution; at != nil {
			if err := codesErr(qf+".attribution.require", at.Require); err != nil {
				return nil, err
			}
			if err := codesErr(qf+".attribution.machine_wide", at.MachineWide); err != nil {
				return nil, err
			}
		}
	}
	return &r, nil
}

// parseCodes parses the Codes of the conditions of the list field (nil
// entries are skipped: noNilEntries reports them). A code that is not a
// number is an error whose field is its condition's codes
// ("queries[x].where[0].codes").
func parseCodes(field string, cs []*Condition) (string, error) {
	for j, c := range cs {
		if c == nil {
			continue
		}
		c.codes = c.codes[:0]
		for _, s := range c.Codes {
			n, err := parseCode(s)
			if err != nil {
				return fmt.Sprintf("%s[%d].codes", field, j), fmt.Errorf("%q is not a code: want a decimal or 0x hexadecimal number, or a negative 32-bit HRESULT", s)
			}
			c.codes = append(c.codes, n)
		}
	}
	return "", nil
}

// listField names entry i of a rule's list by its id, as Validate's
// errors do, or by its index when it has none.
func listField(list string, i int, id string) string {
	if id == "" {
		return fmt.Sprintf("%s[%d]", list, i)
	}
	return fmt.Sprintf("%s[%s]", list, id)
}

// noNilEntries rejects empty list entries ("- " with nothing after it).
func noNilEntries(r *Rule) error {
	for i, q := range r.Queries {
		if q == nil {
			return fmt.Errorf("queries[%d]: empty entry", i)
		}
	}
	for i, s := range r.Resolution {
		if s == nil {
			return fmt.Errorf("resolution[%d]: empty entry", i)
		}
	}
	for i, q := range r.Queries {
		for j, c := range q.Where {
			if c == nil {
				return fmt.Errorf("queries[%d].where[%d]: empty entry", i, j)
			}
		}
		if at := q.Attribution; at != nil {
			for j, c := range at.Require {
				if c == nil {
					return fmt.Errorf("queries[%d].attribution.require[%d]: empty entry", i, j)
				}
			}
			for j, c := range at.MachineWide {
				if c == nil {
					return fmt.Errorf("queries[%d].attribution.machine_wide[%d]: empty entry", i, j)
				}
			}
		}
	}
	for i, f := range r.Refinements {
		if f == nil {
			return fmt.Errorf("refinements[%d]: empty entry", i)
		}
		for j, c := range f.When {
			if c == nil {
				return fmt.Errorf("refinements[%d].when[%d]: empty entry", i, j)
			}
		}
	}
	return nil
}

// parseCode reads "0x8009030D", "10001" or "-2146893043" (an HRESULT as a
// signed 32-bit number).
func parseCode(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < -1<<31 {
			return 0, errors.New("not a 32-bit number")
		}
		return uint64(uint32(int32(n))), nil
	}
	return evtx.ParseUint(s)
}
