package rules

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// Attribution says which events of an evidence query belong to the RDP
// listener. Schannel, for one, logs 36870/36871/36872 for every TLS user
// of the machine (LDAPS in lsass, IIS, WinRM, outgoing connections): such
// an event counts for an RDP scenario only when it is attributed.
//
// An event matched by the query is judged in this order:
//
//  1. It fails a Require condition: it belongs to another program (listed
//     as such, never evidence). Example: Type is not "server". An event
//     without the condition's field does not fail it: it goes on to step
//     3 (a Schannel event without Type is consistent with RDP's listener,
//     not shown to be another program's).
//  2. Its Process image field names a program: RDP's when the file name is
//     one of Process.Allow, another program's otherwise. Where the context
//     events show which process logged RDP's connection attempts at that
//     time (the attempts just before and after it come from one process,
//     or one lies within Coincides.Within), a Process.ID naming another
//     process makes the event not attributable (another svchost.exe).
//  3. It names no program, satisfies every MachineWide condition and has
//     every Require field: it is RDP's. A condition can be machine-wide
//     only for a program that cannot be told apart: an event that names
//     its program says whose it is, and Schannel's failures depend on the
//     caller ("the lack of protocol versions enabled system-wide and at
//     the same time allowed by particular SSPI callers", Microsoft Learn,
//     "Transport Layer Security (TLS) registry settings"), so one
//     program's 36871 with state 10013 does not show that RDP's listener
//     fails too.
//  4. Coincides is set and an event of one of its queries (an RDP
//     connection attempt) of the same computer (hosts.Key; either naming
//     none matches any) lies within Coincides.Within of it: RDP's. The
//     process ids of step 2 are compared with the attempts of its
//     computer alone too. Not where the attempts lie within
//     Coincides.Within of a quarter or more of the hour around it
//     (chanceShare): in such a flood an event of any program lies as near
//     one, so it goes on to step 5, its attribution giving the share.
//  5. Otherwise it is consistent with RDP but not attributable: it makes
//     the finding at most "possible".
//
// A query without Attribution counts every match as RDP's.
type Attribution struct {
	// Others names the query's events in the line about other programs'
	// events ("TLS errors" gives "other TLS errors on this machine: 3,
	// from lsass.exe").
	Others string `yaml:"others"`
	// Require holds conditions every event of RDP's listener satisfies.
	Require []*Condition `yaml:"require"`
	// MachineWide holds conditions under which an event that satisfies
	// Require and names no calling process is RDP's (step 3 above); an
	// event that names its process is judged by it.
	MachineWide []*Condition `yaml:"machine_wide"`
	// Process reads the calling process the event names, if any.
	Process *ProcessCheck `yaml:"process"`
	// Coincides attributes events that lie close in time to an RDP
	// connection attempt.
	Coincides *Coincidence `yaml:"coincides"`
}

// ProcessCheck names the fields that give the process an event was logged
// for, and the image file names of RDP's process.
type ProcessCheck struct {
	// Image is the EventData field with the process image path
	// ("CallerProcessImageName").
	Image string `yaml:"image"`
	// ID is the EventData field with its process id ("CallerProcessId"),
	// shown in the report.
	ID string `yaml:"id"`
	// Allow lists image file names (compared case-insensitively with the
	// last path element) of the process that hosts the RDP listener.
	Allow []string `yaml:"allow"`
}

// Coincidence is "an RDP connection attempt at the same moment".
type Coincidence struct {
	// Queries are ids of the rule's context queries whose events are RDP
	// connection attempts.
	Queries []string `yaml:"queries"`
	// Within is the largest distance in time, either way.
	Within time.Duration `yaml:"within"`
	// Same, when set, is an EventData field that names what both the
	// event and an attempt are about (TargetUserName: the account). An
	// attempt whose event has the field attributes only an event with the
	// same value (compared case-insensitively, an empty value matching
	// none), and does so in a flood too: the value links them, not the
	// moment. An attempt without the field (an RCM 261 names no account)
	// is compared by time alone, chance included (step 4).
	Same string `yaml:"same"`
	// Address, when set, links an event to an attempt by the client
	// address both name: an attempt whose address differs from the
	// event's is another connection, whatever the moment.
	Address *CoincidenceAddress `yaml:"address"`
}

// CoincidenceAddress names the fields that hold the client address of an
// evidence event and of the connection attempts of some context queries.
//
// An event whose Data field holds an address (ClientAddress reads it) is
// attributed by an attempt within Coincidence.Within that names the same
// address (in a flood too: the address links them, not the moment); where
// the only attempts that near name other addresses, it is not
// attributable (another client's connection at that moment: a network
// logon of SMB or another service from another machine), and where none
// of the attempts that near names an address (an RCM 261 names none), it
// is judged by time alone, as without Address. An event without an
// address (4625 writes "-" for an RDP logon that fails in Network Level
// Authentication: https://blog.menasec.net/2019/04/the-impact-of-network-level.html)
// is judged by time alone. 4625's IpAddress is "IP address of machine
// from which logon attempt was performed" and RdpCoreTS 131's ClientIP the
// address of the client the RDP server accepted a TCP connection from
// (ClientAddress gives the forms and their sources).
type CoincidenceAddress struct {
	// Data is the evidence event's EventData field ("IpAddress").
	Data string `yaml:"data"`
	// Attempts maps a context query id of Coincidence.Queries to its
	// events' EventData field with the client address ("rdpcorets-131":
	// "ClientIP"). Attempts of other queries name no address.
	Attempts map[string]string `yaml:"attempts"`
}

// addressOf returns the client address in ev's Data field, if any.
func addressOf(ev *evtx.Event, field string) netip.Addr {
	if field == "" {
		return netip.Addr{}
	}
	v, ok := ev.Data(field)
	if !ok {
		return netip.Addr{}
	}
	a, ok := ClientAddress(v.String())
	if !ok {
		return netip.Addr{}
	}
	return a
}

// sameKey is the value of field in ev that Coincidence.Same compares,
// folded and trimmed; "" when ev has no such field or field is "".
func sameKey(ev *evtx.Event, field string) (key string, has bool) {
	if field == "" {
		return "", false
	}
	v, ok := ev.Data(field)
	if !ok {
		return "", false
	}
	return strings.ToLower(strings.TrimSpace(v.String())), true
}

// attrClass is how an event of an evidence query was judged.
type attrClass int

const (
	attrYes     attrClass = iota // RDP's (or the query has no Attribution)
	attrPending                  // consistent; Coincides may still attribute it
	attrOther                    // another program's
	// attrProcess: RDP's by the calling process's image name; its process
	// id is checked against the process that logs RDP's connections once
	// the context events are known (Analysis.attribute).
	attrProcess
)

// classify judges ev for at (steps 1 to 3; step 4 happens once the context
// events are known). why says it in a few words: the attribution, or for
// attrOther the label of the other program ("lsass.exe", "Type=client").
func (at *Attribution) classify(ev *evtx.Event) (attrClass, string) {
	if at == nil {
		return attrYes, ""
	}
	image, pid := at.process(ev)
	missing := false
	for _, c := range at.Require {
		if len(c.selected(ev)) == 0 {
			// The event lacks the field (another layout): it tells
			// nothing either way, so the event is judged on the rest.
			missing = true
			continue
		}
		if !c.Match(ev) {
			label := fieldLabel(c, ev)
			if image != "" {
				label += " from " + image
			}
			return attrOther, label
		}
	}
	if image != "" {
		for _, a := range at.Process.Allow {
			if strings.EqualFold(a, image) {
				return attrProcess, "the calling process is " + processText(image, pid)
			}
		}
		return attrOther, image
	}
	if len(at.MachineWide) > 0 && !missing {
		all := true
		var labels []string
		for _, c := range at.MachineWide {
			if !c.Match(ev) {
				all = false
				break
			}
			labels = append(labels, fieldLabel(c, ev))
		}
		if all {
			for _, c := range at.Require {
				labels = append(labels, fieldLabel(c, ev))
			}
			return attrYes, "machine-wide (" + strings.Join(labels, ", ") + ")"
		}
	}
	return attrPending, ""
}

// process returns the file name of the image the event names, and its
// process id text, or "" when the event names none.
func (at *Attribution) process(ev *evtx.Event) (image, pid string) {
	if at.Process == nil || at.Process.Image == "" {
		return "", ""
	}
	v, ok := ev.Data(at.Process.Image)
	if !ok {
		return "", ""
	}
	p := strings.TrimSpace(v.String())
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		p = p[i+1:]
	}
	if p == "" {
		return "", ""
	}
	if at.Process.ID != "" {
		if v, ok := ev.Data(at.Process.ID); ok {
			pid = strings.TrimSpace(v.String())
		}
	}
	return strings.ToLower(p), pid
}

func processText(image, pid string) string {
	if pid == "" {
		return image
	}
	return image + " (PID " + pid + ")"
}

// fieldLabel shows the field c selects as name=value ("Type=client"), or
// "no <name>" when the event lacks it.
func fieldLabel(c *Condition, ev *evtx.Event) string {
	name := c.Data
	switch {
	case c.Index > 0:
		name = "Data[" + strconv.Itoa(c.Index) + "]"
	case c.UserData != "":
		name = c.UserData
	case c.AnyField:
		name = "a field"
	}
	vs := c.values(ev)
	if len(vs) == 0 {
		return "no " + name
	}
	return name + "=" + truncate(strings.TrimSpace(vs[0].String()), 60)
}

// callerPID returns the process id the event names in Process.ID.
func (at *Attribution) callerPID(ev *evtx.Event) (uint64, bool) {
	if at == nil || at.Process == nil || at.Process.ID == "" {
		return 0, false
	}
	v, ok := ev.Data(at.Process.ID)
	if !ok {
		return 0, false
	}
	cs := Codes(v)
	if len(cs) == 0 {
		return 0, false
	}
	return cs[0], true
}

// contextTime is the time of a context event (an RDP connection attempt)
// and the process that logged it (the one hosting the RDP listener).
type contextTime struct {
	t     time.Time
	query string
	ref   *EventRef
	pid   uint32
	// same is the value of the rule's Coincidence.Same field in the event
	// (sameKey), hasSame whether the event has that field.
	same    string
	hasSame bool
	// addr is the client address the attempt names (CoincidenceAddress),
	// the zero Addr for none.
	addr netip.Addr
}

// nearestAddress returns the attempt of cs (sorted by time) within d of t
// nearest to it that names addr (same), or, with same false, one that
// names another address; nil if there is none.
func nearestAddress(cs []contextTime, t time.Time, d time.Duration, addr netip.Addr, same bool) *contextTime {
	i := sort.Search(len(cs), func(i int) bool { return !cs[i].t.Before(t.Add(-d)) })
	var best *contextTime
	var bestD time.Duration
	for ; i < len(cs) && !cs[i].t.After(t.Add(d)); i++ {
		c := &cs[i]
		if !c.addr.IsValid() || (c.addr == addr) != same {
			continue
		}
		dist := c.t.Sub(t)
		if dist < 0 {
			dist = -dist
		}
		if best == nil || dist < bestD {
			best, bestD = c, dist
		}
	}
	return best
}

// listenerPID returns the process that logged RDP's connection attempts
// around t, when cs (sorted by time) shows it: the attempts just before
// and just after t were logged by the same process (it did not restart in
// between), or the nearest one lies within d of t. ok is false otherwise.
func listenerPID(cs []contextTime, t time.Time, d time.Duration) (c *contextTime, ok bool) {
	i := sort.Search(len(cs), func(i int) bool { return cs[i].t.After(t) })
	var before, after *contextTime
	if i > 0 {
		before = &cs[i-1]
	}
	if i < len(cs) {
		after = &cs[i]
	}
	switch {
	case before != nil && after != nil && before.pid == after.pid:
		if t.Sub(before.t) <= after.t.Sub(t) {
			return before, true
		}
		return after, true
	case before != nil && t.Sub(before.t) <= d && (after == nil || t.Sub(before.t) <= after.t.Sub(t)):
		return before, true
	case after != nil && after.t.Sub(t) <= d:
		return after, true
	}
	return nil, false
}

// maxContextTimes bounds the context events kept per rule (a brute-force
// attack logs an RCM 261 per attempt); beyond it the finding says so (a
// caveat), and so does the attribution of each event no kept attempt
// lies near (droppedText). A variable for tests.
var maxContextTimes = 1 << 18

// maxPending bounds the unattributed evidence times kept per query.
const maxPending = 1 << 16

// nearest returns the context event of cs (sorted by time) nearest to t
// within d, or nil.
func nearest(cs []contextTime, t time.Time, d time.Duration) *contextTime {
	i := sort.Search(len(cs), func(i int) bool { return !cs[i].t.Before(t) })
	var best *contextTime
	dist := func(c *contextTime) time.Duration {
		x := c.t.Sub(t)
		if x < 0 {
			return -x
		}
		return x
	}
	for _, j := range []int{i - 1, i} {
		if j < 0 || j >= len(cs) {
			continue
		}
		c := &cs[j]
		if dist(c) <= d && (best == nil || dist(c) < dist(best)) {
			best = c
		}
	}
	return best
}

// chanceSpan is the time either side of an event over which chance says
// how often RDP connection attempts fall within Coincides.Within of a
// moment: the hour around it.
const chanceSpan = 30 * time.Minute

// chanceShare is the share of the hour around an event within
// Coincides.Within of an RDP connection attempt at and above which an
// attempt near the event is taken for chance: that share is the
// likelihood that an event of any other program (IIS's Schannel error, an
// SMB logon failure) lies as near to an attempt. On the real
// DESKTOP-1N4R894 logs of omerbenamram/evtx (an RDP port on the Internet,
// 1384 RCM 261 and RdpCoreTS 131 from 15:30 to 19:00 on 2018-08-07), 81%
// of the seconds lie within 10 seconds of an attempt. A quarter is this
// engine's choice: at most one unrelated event in four is attributed.
const chanceShare = 0.25

// coincident returns the RDP connection attempt of cs (sorted by time)
// nearest to t within d that attributes an event at t, or nil; share is
// the part of the hour around t that lies within d of an attempt of cs,
// of the part of that hour the attempts' logs cover: from start (the
// oldest time they were read from, when not zero and later than the
// hour's start) to end (the reference time, or the newest time they were
// read to, when not zero and earlier than the hour's end), no share when
// that part is empty; byChance says that it is so large (chanceShare) that
// an attempt within d is chance, not a sign that the event is RDP's: then
// no attempt is returned.
func coincident(cs []contextTime, t time.Time, d time.Duration, start, end time.Time) (c *contextTime, share float64, byChance bool) {
	c = nearest(cs, t, d)
	if c == nil {
		return nil, 0, false
	}
	lo, hi := t.Add(-chanceSpan), t.Add(chanceSpan)
	// An event at the reference time (the newest, often) has no later
	// attempts to meet: its hour ends with it, as one a second earlier
	// has its own end at the reference time. So an event near the start
	// of the attempts' logs: the part of its hour before them is not
	// seen, and counted as free of attempts it made a flood that began
	// with the log look sparse (TestCoincidentShare).
	if !end.IsZero() && end.Before(hi) {
		hi = end
	}
	if !start.IsZero() && start.After(lo) {
		lo = start
	}
	if !hi.After(lo) {
		return c, 0, false
	}
	i := sort.Search(len(cs), func(i int) bool { return !cs[i].t.Before(lo.Add(-d)) })
	var covered time.Duration
	reach := lo // the covered time is [lo, reach) where the attempts reached
	for ; i < len(cs) && !cs[i].t.After(hi.Add(d)); i++ {
		a, b := cs[i].t.Add(-d), cs[i].t.Add(d)
		if a.Before(reach) {
			a = reach
		}
		if b.After(hi) {
			b = hi
		}
		if b.After(a) {
			covered += b.Sub(a)
			reach = b
		}
	}
	share = float64(covered) / float64(hi.Sub(lo))
	if share >= chanceShare {
		return nil, share, true
	}
	return c, share, false
}

// chanceText says why an attempt near an event does not attribute it:
// "RDP connection attempts lie within 10 seconds of 81% of the hour
// around it (a flood of connections, such as a brute-force attack), so
// the one 2 seconds before it (...) may be chance".
func chanceText(near *contextTime, t time.Time, d time.Duration, share float64) string {
	rel := strings.TrimPrefix(coincidenceText(near, t), "an RDP connection attempt ")
	return fmt.Sprintf("RDP connection attempts lie within %s of %d%% of the hour around it (a flood of connections, such as a brute-force attack), so the one %s %s",
		FormatDuration(d), int(share*100), rel, byChanceSuffix)
}

// byChanceSuffix ends chanceText.
const byChanceSuffix = "may be chance"

// coincidenceText says how an event relates to the RDP connection attempt
// near it: "an RDP connection attempt 2 seconds before it (rcm-261 at ...)".
func coincidenceText(c *contextTime, t time.Time) string {
	rel := "at the same moment"
	switch d := c.t.Sub(t); {
	case d < 0:
		rel = FormatDuration(d) + " before it"
	case d > 0:
		rel = FormatDuration(d) + " after it"
	}
	what := c.query
	if c.ref != nil {
		what = fmt.Sprintf("%s %d", shortProvider(c.ref.Provider), c.ref.EventID)
	}
	return fmt.Sprintf("an RDP connection attempt %s (%s at %s)", rel, what, evtx.FormatEventTime(c.t))
}

// shortProvider shortens a provider name for a sentence: without
// "Microsoft-Windows-" and the "TerminalServices-" or
// "RemoteDesktopServices-" family prefix ("RemoteConnectionManager",
// "SessionBroker-Client", "RdpCoreTS").
func shortProvider(p string) string {
	p = strings.TrimPrefix(p, "Microsoft-Windows-")
	for _, family := range []string{"TerminalServices-", "RemoteDesktopServices-"} {
		if rest, ok := strings.CutPrefix(p, family); ok && rest != "" {
			return rest
		}
	}
	return p
}

// othersText is the one line about other programs' events of a query:
// "other TLS errors on this machine: 3, from lsass.exe (2), Type=client (1)".
func othersText(what string, n int, from map[string]int) string {
	if what == "" {
		what = "matching events"
	}
	labels := make([]string, 0, len(from))
	for l := range from {
		labels = append(labels, l)
	}
	sort.Slice(labels, func(i, j int) bool {
		if from[labels[i]] != from[labels[j]] {
			return from[labels[i]] > from[labels[j]]
		}
		return labels[i] < labels[j]
	})
	s := fmt.Sprintf("other %s on this machine: %d", what, n)
	if len(labels) == 1 {
		return s + ", " + fromText(labels[0])
	}
	var parts []string
	for _, l := range labels {
		parts = append(parts, fmt.Sprintf("%s (%d)", l, from[l]))
	}
	return s + ", from " + strings.Join(parts, ", ")
}

func fromText(label string) string {
	if strings.Contains(label, "=") || strings.HasPrefix(label, "no ") {
		return "with " + label
	}
	return "from " + label
}
