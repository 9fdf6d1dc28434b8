package rules

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// A query's channel is matched to a log's channel by name, in any case
// (Windows' channel names are case-insensitive: wevtutil qe system reads
// System). A misspelled channel ("Sytem") reads no log on any machine, and
// the rule is "not checked" forever: nothing else tells the rule's author.
// So a channel that is not one evtxrdp knows Windows to have is named, with
// the nearest known one, when rules are loaded (ChannelWarnings, printed by
// `evtxrdp rules` and `evtxrdp analyze`) and in the "not checked" detail of
// the report (logStatus). It is a warning, never a refusal: an application
// or a role evtxrdp does not know writes channels of its own, and a rule
// may read one.

// channelTypes are the types a manifest channel has, which most channels
// with a / end in ("Microsoft-Windows-<Provider>/Operational"): Admin,
// Operational, Analytic, Debug (learn.microsoft.com, winevt.h
// EVT_CHANNEL_TYPE: EvtChannelTypeAdmin, EvtChannelTypeOperational,
// EvtChannelTypeAnalytic, EvtChannelTypeDebug; System.Diagnostics.Tracing
// EventChannel: Admin 16, Operational 17, Analytic 18, Debug 19). A channel
// may be named otherwise ("Microsoft-Windows-Windows Firewall With Advanced
// Security/Firewall"), so the type is used only to suggest a spelling.
var channelTypes = []string{"Admin", "Operational", "Analytic", "Debug"}

// knownChannels are the channels evtxrdp knows Windows to have: the
// classic ones (classicChannels, each sourced there) and every channel the
// built-in rules and the built-in timeline read (each sourced in its rule
// file, rules/scenarios/*.yaml, and rules/timeline.yaml), in their
// Windows spelling, sorted.
var knownChannels = sync.OnceValue(func() []string {
	seen := map[string]bool{}
	var out []string
	add := func(c string) {
		if k := strings.ToLower(c); c != "" && !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	for _, c := range classicChannels {
		add(c)
	}
	rs, err := []*Rule(nil), error(nil)
	if ps := pristineBuiltin(); ps != nil {
		rs = ps.rules // read, not changed: no copy
	} else {
		rs, err = parseBuiltin()
	}
	if err == nil {
		for _, r := range rs {
			for _, c := range r.Channels() {
				add(c)
			}
		}
	}
	if es, err := BuiltinTimeline(); err == nil {
		for _, e := range es {
			add(e.Channel)
		}
	}
	sort.Strings(out)
	return out
})

// KnownChannel reports whether ch, in any case, is a channel evtxrdp knows
// Windows to have: a classic channel (System, Security, ...) or one that a
// built-in rule or the built-in timeline reads.
func KnownChannel(ch string) bool {
	for _, k := range knownChannels() {
		if strings.EqualFold(k, ch) {
			return true
		}
	}
	return false
}

// NearestChannel returns the spelling ch most likely meant, for a channel
// that is not known (KnownChannel): the known channel closest to it by
// edit distance (letters in any case), when at most about one letter in
// six differs (at least 2: "Sytem" is System; at most 4: closeEnough) and,
// for a name ending in a channel type spelled right, of that type; else, for a name with a /
// whose part after the last / is close to a channel type ("Operationl"),
// the name with that type. ok is false when nothing is that close (a
// custom channel, or a known one).
func NearestChannel(ch string) (near string, ok bool) {
	if KnownChannel(ch) {
		return "", false
	}
	lc := strings.ToLower(ch)
	// A name whose part after its last / is a channel type spelled right
	// is compared only with known channels of that type: a provider writes
	// channels of several types (the LocalSessionManager provider's events
	// go to its Operational, Analytic and Debug channels: detection-wiki's
	// microsoft-windows-terminalservices-localsessionmanager page, "47
	// events across 3 channels"), so ".../Analytic" is another channel of
	// a known provider, not a misspelling of its ".../Operational", however
	// few letters tell the two apart in a long name.
	typ := channelType(ch)
	best := -1
	for _, k := range knownChannels() {
		if typ != "" && !strings.EqualFold(channelType(k), typ) {
			continue
		}
		d := editDistance(lc, strings.ToLower(k))
		if d <= closeEnough(len(k)) && (best < 0 || d < best) {
			near, best = k, d
		}
	}
	if best >= 0 {
		return near, true
	}
	if i := strings.LastIndexByte(ch, '/'); i >= 0 {
		typ := strings.ToLower(ch[i+1:])
		for _, t := range channelTypes {
			if strings.EqualFold(typ, t) {
				return "", false // a type spelled right: a custom channel
			}
		}
		for _, t := range channelTypes {
			if d := editDistance(typ, strings.ToLower(t)); d <= closeEnough(len(t)) && (best < 0 || d < best) {
				near, best = ch[:i+1]+t, d
			}
		}
	}
	return near, best >= 0
}

// channelType returns the part of ch after its last / when it is a
// channel type spelled right, in any case (channelTypes), else "".
func channelType(ch string) string {
	i := strings.LastIndexByte(ch, '/')
	if i < 0 {
		return ""
	}
	for _, t := range channelTypes {
		if strings.EqualFold(ch[i+1:], t) {
			return t
		}
	}
	return ""
}

// closeEnough is the largest edit distance from a name of n letters that
// NearestChannel takes for a misspelling of it: about one letter in six,
// at least 2 and at most 4. A misspelling is a few letters; in a long
// name, one letter in six would reach another provider's channel
// (LocalSessionManager/Admin is 10 edits from RemoteConnectionManager/
// Admin, a 62-letter name), which a suggestion must not claim was meant.
func closeEnough(n int) int { return max(2, min(4, n/6)) }

// editDistance is the Levenshtein distance of a and b, by bytes (channel
// names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c = 1 + min(c, prev[j], cur[j-1])
			} else {
				c = min(c, 1+prev[j], 1+cur[j-1])
			}
			cur[j] = c
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownChannelText says that ch is not a channel evtxrdp knows Windows
// to have, with the nearest known spelling when there is one; "" for a
// known channel.
func unknownChannelText(ch string) string {
	if KnownChannel(ch) {
		return ""
	}
	s := fmt.Sprintf("%q is not a channel evtxrdp knows Windows to have", ch)
	if near, ok := NearestChannel(ch); ok {
		s += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return s
}

// ChannelWarnings returns a *RuleError for each query of rs whose channel
// is not one evtxrdp knows Windows to have (KnownChannel), naming the
// rule's file and the line of the query's channel (Line) and the nearest
// known channel when one is close (NearestChannel). They are warnings, not
// Validate's errors: a rule may read a channel of an application or role
// evtxrdp does not know, and such a rule loads and runs; a misspelled one
// reads no log and stays "not checked", which the warning says. A query
// whose channel Validate refuses (empty, spaces around it) gets none here.
func ChannelWarnings(rs []*Rule) []*RuleError {
	var out []*RuleError
	for _, r := range rs {
		if r == nil || strings.HasPrefix(r.File, builtinPrefix) {
			continue // a built-in rule's channels are known
		}
		var errs []error
		for _, q := range r.Queries {
			if q == nil || q.Channel == "" || strings.TrimSpace(q.Channel) != q.Channel {
				continue
			}
			if t := unknownChannelText(q.Channel); t != "" {
				errs = append(errs, &RuleError{File: r.File, Rule: r.ID, Field: fmt.Sprintf("queries[%s].channel", q.ID),
					Err: fmt.Errorf("%s; the query reads only a log of that name (in any case), so a misspelled channel leaves the rule \"not checked\" on every VM", t)})
			}
		}
		for _, e := range withLines(r, errs) {
			out = append(out, e.(*RuleError))
		}
	}
	return out
}
