// Package rules holds the scenario rules of evtxrdp and the engine that
// evaluates them over Windows event logs.
//
// # Rules are data
//
// Each failure scenario is one YAML file. The built-in ones are embedded from
// rules/scenarios/*.yaml (Builtin); LoadDir reads a directory of more, and
// Merge adds them to the built-ins or replaces built-ins with the same id.
// Validate checks rules like code: unique lower-case ids, non-empty titles,
// causes and steps, every query compiles (package rules/xpath) and can be
// carried by the live-VM command's line, pasted into cmd or PowerShell (no
// '"', '%', '$', '`', typographic double quote or line break in its
// channel or XPath: write literals in single quotes), every
// refinement names existing queries and steps, and every resolution step,
// built-in or loaded, passes the fix-step checks (steps.go: a source, /f
// on reg add and delete, a read or backup before each write; stepshell.go:
// commands that work in the step's shell and never stop for an answer).
//
// A rule file:
//
//	id: rdp-tls-disabled              # stable, lower-case words joined by '-'
//	scenario: 2                       # number in the source article, optional
//	title: the TLS protocol versions RDP needs are disabled   # no final period
//	severity: error                   # error | warning | info
//	window: 24h                       # default 24h (the article's 86400000 ms); whole seconds, at most 36500 days
//	needs: all                        # all | any: which evidence logs must cover the window
//	missing_logs: ...                 # said when the rule is not checked for absent logs
//	computer_change: false            # report changes of System/Computer within one log as corroboration (one name after another; interleaved names are forwarded events, not a rename)
//	needs_corroboration: false        # true: evidence without corroboration is only "possible"
//	corroboration_look_back: 720h     # when detected, corroboration looks this far back (at most 36500 days)
//	cause: ...                        # the default cause
//	queries:                          # Windows event XPath, WITHOUT a time condition
//	  - id: schannel-36871
//	    channel: System               # the log the query reads
//	    xpath: "Event[System[Provider[@Name='Schannel'] and EventID=36871]]"
//	    role: evidence                # evidence (default) | corroboration | recovery | context
//	    describes: Schannel failed to create a TLS server credential
//	    attribution:                  # optional: which matches belong to RDP (see below)
//	      others: TLS errors          # names them in "other TLS errors on this machine: 3, from lsass.exe"
//	      require: [{data: Type, text: [server]}]       # failing one: another program's (an absent field fails none)
//	      machine_wide: [{data: ErrorState, codes: ["10013"]}]   # all hold and no process named: RDP's
//	      process: {image: CallerProcessImageName, id: CallerProcessId, allow: [svchost.exe]}
//	      coincides: {queries: [rcm-261], within: 10s}  # context queries; at most 10m
//	                                    # same: TargetUserName: an attempt naming the field must name the same value
//	                                    # address: {data: IpAddress, attempts: {rdpcorets-131: ClientIP}}: an attempt
//	                                    #   naming a client address attributes only an event of that address
//	  - id: rcm-261
//	    channel: Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational
//	    role: context                 # RDP connection attempts, for coincides
//	    xpath: "Event[System[Provider[@Name='Microsoft-Windows-TerminalServices-RemoteConnectionManager'] and EventID=261]]"
//	  - id: rcm-1056
//	    channel: System
//	    role: recovery                # a match after the evidence of these queries: "resolved"
//	    resolves: [rcm-1057, rcm-1058]
//	    xpath: ...
//	  - id: scm-failure               # the language additions (language.go):
//	    channel: System
//	    xpath: "Event[System[Provider[@Name='Service Control Manager'] and EventID=7000]]"
//	    where:                        # conditions every match must also meet
//	      - binary_text: true         # <Binary> read as UTF-16LE text ("TermService/4")
//	        before: "/"               # compare only the text before the first "/"
//	        text: [TermService]
//	    subject: {binary_text: true, before: "/"}   # what the event is about
//	  - id: scm-running
//	    channel: System
//	    role: recovery                # with subjects: resolves only the same subject
//	    resolves: [scm-failure]
//	    xpath: "Event[System[Provider[@Name='Service Control Manager'] and EventID=7036]]"
//	    where: [{binary_text: true, text: [TermService/4]}]
//	    subject: {binary_text: true, before: "/"}
//	  - id: logon-failed
//	    channel: Security
//	    xpath: "Event[System[Provider[@Name='Microsoft-Windows-Security-Auditing'] and EventID=4625]]"
//	    threshold:                    # evidence only as a burst
//	      count: 20                   # at least 20 matches
//	      within: 10m                 # within one span of 10 minutes (at most 24h)
//	      distinct: {data: IpAddress, address: true} # with at least 5 distinct client addresses (rules.ClientAddress)
//	      distinct_count: 5
//	      counts: failed RDP logons   # names for the report
//	      distinct_names: addresses
//	  - id: boot-without-listener
//	    channel: System
//	    xpath: "Event[System[Provider[@Name='EventLog'] and EventID=6005]]"
//	    unless_followed: {queries: [rcm-258], within: 10m}   # evidence only without a listener start after it (possible where that log lost records after it)
//	  - id: start-type-unknown
//	    channel: System
//	    xpath: "Event[System[Provider[@Name='Service Control Manager'] and EventID=7040]]"
//	    where: [{data: param4, text: [TermService]}]
//	    unless: [{data: param3, text: [disabled, auto start, demand start]}]   # a match meeting one is dropped
//	    possible: {why: the new start type is a text the rule does not know, show: {data: param3}}
//	  - id: port-blocked
//	    channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall
//	    xpath: "Event[System[EventID=2004]]"
//	    where: [{data: LocalPorts, split: ",", text: ["3389"]}]   # "3389,3390": one element matches
//	  - id: rule-disabled
//	    channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall
//	    xpath: "Event[System[EventID=2005]]"
//	    where: [{data: Active, codes: ["0"], verbatim: true}]   # the live-VM command compares it too
//	  # {user_data: Address, address: true} holds for an IP address (with or without port), not "LOCAL"
//	  # {data: LocalPorts, ports: [3389]} holds for a port list including 3389: "3389", "80,3380-3400", "*"
//	  # {binary_text: true, present: true} holds for any key name in <Binary>; as unless: events without one
//	  - id: any-logon-failure
//	    channel: Security
//	    role: coverage                # shows the log records what is looked for
//	    xpath: "Event[System[EventID=4625]]"
//	    per_log: false                # true: speaks for its own log only (see below)
//	coverage_missing: ...             # said (not checked) when no coverage query matched
//	refinements:                      # most specific first; the first satisfied decides
//	  - id: tls-server-no-protocol
//	    queries: [schannel-36871]     # whose in-window events are examined
//	    when:                         # all conditions on one event (none: every event of the queries)
//	      - data: ErrorState          # or index: 1 (classic unnamed Data), user_data: param3, any_field: true
//	        codes: ["10013"]          # compared numerically (0x.., decimal, negative HRESULT, %%N)
//	      - data: Type
//	        text: ["server"]          # compared trimmed, without a final '.', case-insensitively
//	    cause: ...                    # replaces the default cause
//	    first: [stop-group-policy, query-tls]   # steps moved to the front, in this order
//	    note: ...
//	resolution:                       # ordered steps
//	  - id: query-tls
//	    title: Query how the TLS server protocols are set up
//	    text: ...
//	    shell: cmd                    # cmd | powershell, when commands are given
//	    run_on: vm                    # vm (default) | rescue-vm (the OS disk attached) | workstation (Azure CLI)
//	    commands: |                   # exactly as the source gives them
//	      reg query "HKLM\...\TLS 1.2\Server" /v Enabled
//	    source: cannot-connect-rdp-azure-vm, "TLS version"
//	notes: [...]                      # caveats, e.g. defects of the source article
//	references: [{title: ..., url: ...}]
//
// Commands are pasted into a broken VM, often unedited: Validate refuses
// a quoted placeholder ("<server name>", which runs with that text as its
// value). A command that only reads may carry it unquoted (<server name>:
// unedited, cmd takes < and > for redirections and PowerShell refuses the
// line, so nothing runs); one that writes takes the value from an
// environment variable it checks (if defined SERVER_NAME ... "%SERVER_NAME%").
//
// # Where, subjects, thresholds and coverage
//
// Where conditions filter what the XPath selects, for fields the XPath
// cannot read: binary_text selects the <Binary> data read as UTF-16LE
// text up to its first NUL (Service Control Manager writes a service's key
// name there: "TermService" in 7000, 7023, 7031; "TermService/4" in 7036,
// key name and state; rdp-causes.md §2 rank 2), and before cuts a value
// at a separator. Services are matched by this key name (or param4 of
// 7040), never by the localized display name of param1, except where the
// event has no key name (7038; every failure on Windows 7 and Server 2008
// R2, which write <Binary> in 7036 only): there an English display name
// makes the finding possible (present: true on an unless condition keeps
// the events without a key name). A "%%N" insert
// compares as the Win32 error N (codes: ["1058"]) and is shown with its
// name (Win32ErrorName).
//
// Unless conditions drop a match that satisfies one of them (a start
// type the rule knows, so that only the unknown ones remain); split reads
// a field as a list ("3389,3390") and compares each element; ports reads a
// firewall rule's port list with its ranges and "*" (Condition.Ports).
//
// # The live-VM commands
//
// Each query of a finding is printed as a wevtutil command to run on the
// live machine (Rule.WevtutilCommand): its XPath, the window as a
// timediff condition, and each where or unless condition marked verbatim
// ({data: Active, codes: ["0"], verbatim: true}: every event the query
// selects has the field once, written exactly as one of text or as a
// decimal number of codes). Windows' XPath subset has no negation,
// substring or trimming function, and whether it compares text ignoring
// case is not settled (live.go gives the sources), so other conditions
// (split, before, binary_text, address, ports, user_data, any_field, a text
// Windows pads, such as 4625's LogonProcessName "User32 ") are not
// written: Rule.LiveUnchecked says each of them, with the attribution's
// require and process conditions (which make an event another program's
// only where it has the field) and what the rule judges over several
// events (threshold, unless_followed), and the report prints them under
// the command, for the user to read in the events the commands print.
// TestLiveXPathSelectsWhatTheRuleMeans checks, over every test and sample
// log, that the command's XPath selects exactly the events the query and
// its verbatim conditions select.
//
// A query with possible gives weaker evidence: its matches make the
// finding at most Possible, whatever else; the reason is possible.why
// with the field possible.show selects ("the new start type is a text the
// rule does not know (param3=Deaktiviert)"). It serves what the logs show
// only in a localized or ambiguous form: a 7040 start type in a language
// the rule does not know, a service named only by its display name.
//
// A subject names the thing an event is about. When evidence and
// recovery queries have subjects, the last state of each subject
// decides: the finding is Resolved only when every subject that failed in
// the window has a recovery of the same subject after its last failure
// (TermService running again does not resolve a failed UmRdpService).
//
// A threshold makes an evidence query's matches evidence only when at
// least count of them, with at least distinct_count distinct values of the
// distinct field, fall within one span of within: one wrong password is
// noise, a burst from many addresses is an attack. Below the threshold the
// matches are said in a caveat and the verdict is not detected; at or
// above it the densest span is said with the verdict.
//
// Unless_followed makes a match evidence only when no match of the named
// context queries follows it within the span (a boot after which the RDP
// listener never started listening). A match closer to the reference time
// than the span is too early to tell; without a log of the context
// queries' channel that reaches into the window and starts before the
// match, nothing is said; each case is a caveat. Refinements cannot
// examine such a query.
//
// Coverage queries select events that show the log records what the
// evidence looks for (logon failure auditing is on). When a rule has
// coverage queries and none matched in the records read, a verdict that
// would be not detected is not checked, with coverage_missing as reason.
// A coverage query with per_log: true speaks for its own channel's log
// alone: that evidence log counts towards needs only when one of the
// rule's per_log coverage queries of its channel matched, and its
// channel's name and coverage_missing are given as the reason (or, when
// another log decides the rule, a caveat); the rule is not made not
// checked as a whole. rdp-domain-trust (needs: any) uses it: a Security
// log without any 4625 cannot show a trust failure, so it alone leaves
// the rule not checked, while a System log covering the window decides it.
//
// # Adding a scenario
//
// Add rules/scenarios/<id>.yaml; add log sets for it to
// internal/genfixtures (at least one where it is detected and one where it
// must not be, with their EXPECT lines) and run
// "go run ./internal/genfixtures"; run "go test ./rules ./cmd/evtxrdp
// -update" to refresh the report goldens. TestEveryRuleHasFixtures fails
// until both fixtures exist.
//
// # The engine
//
// Analyze runs in three stages, each a function of the value the one
// before gives, each in a file of its own and tested alone:
//
//   - the plan (plan.go, TestPlan): from the logs alone (the channel of
//     each log's first event, or its file name's when no event tells),
//     which logs are read and for which queries: a readPlan (the inputs,
//     the logs parallel to them, the queries per channel). No record but
//     each log's first is decoded.
//   - the scan (scan.go, reference.go, TestScan): from the plan and the
//     reference time (Options.At, or found by the scan itself from each
//     log's last-written record), the records of the planned logs decoded
//     and the queries evaluated: a scanResult, which holds per query its
//     matches (counts in, before and after the window, the newest evidence
//     events, refinement hits, unattributed times, the newest recovery,
//     subjects and threshold samples), per rule its corroborating and
//     context events, the computer names each log names, the timeline's
//     lines, clock jumps, and per input what reading it gave. The scan
//     classifies each match by its own fields only (Attribution: another
//     program's, or RDP's by its process or a machine-wide condition);
//     what needs other events (an RDP connection at the same moment, the
//     listener's process id) is left to the judge.
//   - the judge (findings.go, judge.go, TestJudge): from the rules and the
//     scanResult alone (it reads no log, so a test builds one by hand), one
//     Finding per rule: attribution, thresholds and unless_followed,
//     log coverage, verdict, reason, cause and steps. It works on its own
//     copies of the query states it revises, so the scanResult stays as
//     the scan left it.
//
// Analyze puts the scanResult's inputs, reference time, timeline and
// warnings and the judge's findings into the Result (result.go).
//
// NewEngine compiles the queries once; Engine.Analyze reads the logs found by
// evtx.Find. It reads only the logs of the channels the rules read, plus
// System for the reference time: a log's channel is the System/Channel of
// its first event (a file may be renamed: a Security.evtx holding System
// records is read as System, and a warning names it), its file name's only
// when no event tells. The reference time is
// Options.At, or else the TimeCreated of the last-written record (highest
// record number) of those logs, the latest across them (evtx
// Reader.LastWritten; a last-written record without a TimeCreated, or
// with one of FILETIME 0, before 1980 or after the year 9999
// (evtx.UsableTime), gives
// way to the last record written before it with one, its record header
// time never standing for it, TimedWrittenEnds, as query and dump find it;
// records after it, and records before the first-written
// record, are reported as clock jumps, and a week or more without records
// across the start of a log's analysed period as a time gap, TimeGap); the wall
// clock is never used. Each rule's
// window ends at the reference time and starts where its live command's
// TimeCreated[timediff(@SystemTime) <= N] starts to select (N the window
// in whole milliseconds; xpath.TimediffStart): Windows does not document
// what timediff does with the part of a millisecond, so a record less
// than 1 ms before the reference time minus the window is in the window
// (Finding.WindowStart still names the reference time minus the window).
// Only records whose TimeCreated (read
// by the reader without decoding, evtx Options.Since/Until) lies
// within the longest window plus the look-back (Options.LookBack, seven
// days before the window and after its end) are examined, and, for a
// detected rule with a corroboration_look_back, the older records of its
// corroboration logs. Of those, when every query of a log names the
// provider names or event ids its matches must have (xpath Query.Keys),
// only the records whose System part has them are decoded; the others are
// judged from a summary read without building the event (evtx
// Options.Filter), which still gives their computer names. Each decoded
// event is matched only against the queries whose keys accept its provider
// name and event id (xpath EventKeys; queries without keys always), not
// every query of its log, and a query that is no more than its keys (a
// provider name and event ids, as most built-in queries are) is decided
// from them without evaluating it (xpath Query.MatchKeys;
// TestDispatchPicksEveryMatch). Events are
// streamed and
// only the newest matches are kept, so memory does not grow with the logs.
// An event's time is its TimeCreated as a query reads it, a TimeCreated of
// FILETIME 0 (1601-01-01) included, which no recent window holds; the
// record header time never stands for it: an event decoded in full
// without a TimeCreated is placed in no window and its matches are counted
// apart (QueryHit.Untimed, Input.Untimed; TestUntimedMatchIsNotPlacedByHeaderTime),
// and a record decoded in part, which no query reads, is counted in the
// windows by its header time only as a hint that can leave a window not
// covered (partialHint)
// (TestTimeCreatedZeroIsNotHeaderTime). Options.NoShortcuts turns every one of these shortcuts off (every record
// decoded, every query evaluated on every event, the last-written record
// found by reading every event); TestShortcutsChangeNoAnswer checks that
// the findings are the same, over every fixture set, case, log of
// testdata/evtx and sample.
//
// # Attribution and verdicts
//
// Some events are logged for every program of the machine: Schannel's
// 36870, 36871 and 36872 come from LDAPS in lsass, IIS, WinRM and outgoing
// connections as well as from the RDP listener. An evidence query with an
// Attribution judges each match (Attribution documents the order): it
// belongs to another program (counted in QueryHit.Other and listed in
// Finding.Others, never evidence), to RDP (a server credential whose
// calling process is svchost.exe, and where the RDP connection events show
// the listener's process id, that process; a machine-wide failure naming no
// process; or an event
// within Coincides.Within of an RDP connection attempt logged by a context
// query for the same computer, by host name, unless such attempts lie
// within Coincides.Within of a quarter or more of the hour around it, a
// flood in which any program's event would coincide with one by chance:
// coincident, chanceShare; with Coincides.Same, an attempt naming the
// same value of that field, TargetUserName for an account lockout, within
// Coincides.Within attributes it in a flood too, and one naming another
// value never), or it is consistent but not attributable
// (QueryHit.Possible). Security 4740 (an account locked out) is such an
// event: any logon that fails often enough logs it, so it is RDP's only
// next to a failed RDP logon of the same account or an RDP connection.
//
// Per rule the verdict is Detected (evidence in the window that belongs to
// RDP, corroborated when the rule has needs_corroboration), Possible
// (evidence in the window, none of it attributable to RDP, or without the
// corroboration the rule needs), Resolved (a recovery query matched after
// the last evidence of every evidence query it resolves), NotDetected
// (every evidence log, or one for needs: any, was read and reaches back to
// the window's start, and no match counts) or NotChecked (the Reasons say
// which log is absent, unreadable, or starts inside the window).
// Finding.Why says it in one sentence with what would confirm it; a
// report's exit code is 3 when a finding is Detected or Possible
// (Result.Flagged). Context logs are optional: their absence makes
// unattributed events Possible, never a rule NotChecked. Matches outside
// the window are reported per query (QueryHit.Before, After). Evidence in
// the window satisfying a refinement selects the refined cause and the
// first resolution steps.
package rules
