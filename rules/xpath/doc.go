// Package xpath implements the query language of the Windows event log: the
// XPath 1.0 subset that wevtutil qe /q, Get-WinEvent -FilterXPath and
// EvtQuery accept, and the structured QueryList format (Select/Suppress).
//
// A query is compiled once with Compile and evaluated many times with
// Query.Match directly on the typed event tree (evtx.Event.Root); no XML is
// rendered or parsed per event. The reference time of timediff is an
// argument of Match, never the wall clock.
//
// # The subset
//
// Following the Windows documentation ("Consuming Events", XPath 1.0
// limitations), a query is one location step that selects events: "*" or
// "Event", optionally followed by predicates; or such selectors joined by
// and/or, with parentheses, as scripts write them for Get-WinEvent
// -FilterXPath and in QueryList Select and Suppress elements
// ("*[System[EventID=4624]] and *[EventData[Data[@Name='LogonType']='10']]",
// "(*[System[EventID=4769]] and *[EventData[...]]) or (*[System[EventID=4770]])"):
// an event matches the combination when it matches the selectors so
// combined, the same as one selector whose predicate combines theirs. Each
// selector joined so needs a predicate. Inside predicates:
//
//   - relative location paths with the child axis (the default, or
//     "child::") and the attribute axis ("@" or "attribute::"), name tests and
//     "*";
//   - the operators and, or, =, !=, <, <=, >, >= and parentheses. XPath
//     spells and/or in lower case, the Windows documentation in upper case
//     ("Standard operators OR, AND"); whether Windows accepts both is not
//     verified, so both are accepted (case-insensitively), as are the
//     function names ("Band");
//   - number literals and string literals in single or double quotes;
//   - band(a, b): true when the bitwise AND of the two 64-bit unsigned
//     integers is non-zero (Keywords are read as their uint64 value; an
//     argument that is not an integer of 0 to 2^64−1, such as 1.5 or
//     the text "x", has none, and band() is false; see 64-bit numbers);
//   - timediff(t) and timediff(t1, t2): t2 − t1 in milliseconds, where a time
//     argument is a path to a time attribute (@SystemTime) or a FILETIME
//     number literal, and t2 defaults to the reference time given to Match.
//     In the two-argument form one argument must be a number literal;
//   - position predicates ("Data[1]", "Data[position()=2]") on the last step
//     of a path (the leaf).
//
// Everything else is rejected with a *SyntaxError, as Windows rejects it with
// "The specified query is invalid.": other axes ("//", "..", ".",
// "ancestor::", "following-sibling::" ...), absolute paths, other functions
// (last, count, name, contains, not, text, comment ...), variables,
// arithmetic, unions, namespace prefixes, and queries beyond the limits
// Windows applies:
//
//   - more than MaxClauses (22) operands joined by the same operator:
//     Microsoft KB 970453, and the field reports in elastic/beats#1491 (24
//     OR-ed EventID clauses: "The specified query is invalid."; 22 work);
//   - more than MaxExpressions (32) conditions in one query: the Query
//     Schema's "The XPath is limited to 32 expressions"
//     (learn.microsoft.com/windows/win32/wes/queryschema-querytype-complextype).
//     What Windows counts as one expression is not documented; counting
//     comparisons, band() calls and bare path tests (those inside path
//     predicates included) explains elastic/beats#35048, where 22 OR-ed
//     clauses fail once some are ranges (two comparisons) and a time
//     clause is added, while 21 work.
//
// "Consuming Events" also says that a compound expression of more than 20
// expressions "must use a structured XML query"; DataDog's Windows event
// log check found the API rejecting more than 20 event ids
// (DataDog/integrations-core#9749). Whether wevtutil qe /q (which takes
// the XPath alone) enforces 20 is not established, so Compile applies the
// two limits above to a lone XPath and to each Select and Suppress alike.
//
// # String comparisons
//
// Names (of elements and attributes) are XML names and compare exactly:
// EventID matches, EventId does not (MicrosoftDocs/windows-itpro-docs#850,
// a WEF query whose "EventId" conditions selected nothing). String values
// compare with = and != ignoring case (Unicode simple case folding), for
// every string of the event:
//
//   - Provider/@Name. PowerShell's Get-WinEvent lower-cases the provider
//     names it puts in the query it sends (GetEventCommand.cs,
//     BuildAllProvidersPredicate: "lowerCaseProviderName"), and that query
//     matches events whose provider is "Microsoft-Windows-Security-Auditing"
//     (PowerShell/PowerShell#10235: the generated
//     "Provider[@Name='microsoft-windows-security-auditing']" query returns
//     the events from Get-WinEvent and from Event Viewer).
//   - Channel and the Path of Select/Suppress. Get-WinEvent lower-cases log
//     names and file paths in the Path it sends (GetEventCommand.cs,
//     keyLogName.ToLowerInvariant()), and "the event log API is case
//     insensitive with respect to log and source names" (NLog/NLog#370).
//   - Computer: host names compare case-insensitively (DNS: RFC 4343).
//   - Attribute values (Data/@Name, Security/@UserID ...): a query
//     Data[@Name='targetUserName'] (lower-case t) selected forwarded 4625
//     and 4740 events, whose field is TargetUserName, in
//     EvotecIT/PSEventViewer#7 (Windows Event Viewer and Get-WinEvent).
//   - EventData/Data and UserData values, Level names and other text: the
//     sources disagree. The same PSEventViewer#7 report has 'spam'
//     selecting the events of user "SPAM"; the help of that module's
//     Get-EventsFilter says "XPath is case sensetive and the data passed ...
//     must match the case of the data in the event's XML". No Microsoft
//     document settles it and no Windows host was available to test, so
//     the conservative choice is taken: ignore case, so that no event
//     Windows would select is missed (a diagnosis that misses evidence is
//     worse than one that shows an event whose text differs only in case).
//     Hex codes rendered by Windows (0x8009030d) then also match their
//     upper-case spelling in messages (0x8009030D). Checked again on
//     2026-11-30 (Microsoft Learn, GitHub issues, public code): still no
//     test on a Windows host either way. Public scripts that query
//     Windows write both spellings of a hex status
//     ("Data[@Name='Status']='0xc0000234' or ...='0xC0000234'"), one
//     with the comment "the filter is case-sensitive: both spellings"
//     (Export-ADLockoutReport.ps1), another "only a safety net"; neither
//     shows a result. microsoft/EventLogExpert#337 ("case-insensitive
//     search") is about that tool's own filter, not Windows' XPath. The
//     choice stands, and the hex status codes the rules match compare
//     as numbers (codes:), so they do not depend on it.
//
// No space is trimmed: ' Microsoft-Windows-TerminalServices-SessionBroker '
// (the article's padded name) still matches nothing. Query.Keys, the
// provider/event-id pre-filter, compares provider names the same way, so
// that it never refuses an event Match would select.
//
// # Numbers and strings
//
// Number literals are XPath 1.0's: digits with an optional fraction
// ("1057", "0.5"), no sign, exponent or hex; their value is read exactly
// (see 64-bit numbers).
//
// Hexadecimal literals (EventID=0x405, band(Keywords,0x8010000000000000))
// are refused. Whether Windows accepts them was searched for again on
// 2026-12-02 (Microsoft Learn, [MS-EVEN6], GitHub issues and code, web
// pages on wevtutil qe /q, Get-WinEvent -FilterXPath and Event Viewer
// custom views) and is not settled either way:
//
//   - No Microsoft document writes one. [MS-EVEN6] 2.2.15.1 lists XPath
//     1.0's Literal and Number, whose Number is decimal, and 2.2.15.2
//     says the extra types (UINT64, Bitfield) "are expressed as strings
//     and converted to the wanted type ... based on the syntax of the
//     string literal", which names no hex syntax. Consuming Events and
//     Event Selection write decimal numbers; the filter Event Viewer
//     generates for a keyword and Azure Monitor's data collection
//     examples write band(Keywords,13510798882111488) and
//     band(Keywords,4503599627370496), as do the public scripts and
//     programs found (cmtraceopen's event_query writes the keyword mask
//     in decimal, 9223372036854775808 for 0x8000000000000000).
//   - For: DataDog's datadog-agent (windows_event_log/filters.go) sends
//     band(Keywords,0x10000000000000) and band(Keywords,0x20000000000000)
//     to EvtSubscribe for "failure audit" and "success audit", but its
//     tests only compare the query text, and the failure-audit string
//     carries a stray "</" that would make any query invalid, so it was
//     not run against Windows; a Go log collector passes
//     band(Keywords,0x10000000000000) to wevtutil qe and ignores its
//     errors; a test of a reimplementation of the Windows event log API
//     expects band(Keywords,0x80000000000000) to select events, which
//     shows that implementation, not Windows.
//   - Against: no report of a 0x literal failing was found either.
//
// So neither reading can be shown to be Windows'. Accepting 0x would let
// a query or rule work here that Windows may reject, or read a value
// Windows reads otherwise (XPath 1.0 lexes 0x405 as 0 followed by a name),
// and give its answer silently; refusing can give no wrong answer. Compile
// therefore refuses a 0x literal (any case, anywhere a number may stand:
// comparisons, band(), timediff(), positions) with a *SyntaxError at the
// literal that names the decimal to write ("hexadecimal number 0x405 is
// not accepted ...; write it in decimal: 1029"), or says that the value
// is above 2^64−1, or that text such as 0x12g is no number. A hex-typed
// field can also be compared with its text ('0x8009030d', see
// Evaluation). A string literal is not read as a hex number where a
// number is wanted: band(Keywords,'0x10') is refused (band takes a path
// or a number literal), and a string literal compared with a value is
// text: EventID='1057' matches event 1057 (its text is "1057") and
// EventID='0x421' does not, as XPath 1.0's = says (3.4: a node-set
// compared with a string compares string-values). <, <=, >, >= convert
// both sides to numbers (3.4), so Level<'3' is Level<3 and Level<'Error'
// is false (NaN); Windows' documentation only shows numbers (Level <= 3,
// Consuming Events), and no public source shows what it does with a
// string there. TestSemantics and TestHexNumberLiteralRefused hold these
// choices.
//
// # 64-bit numbers
//
// XPath 1.0 has one number type, the IEEE double, which holds integers
// exactly only up to 2^53. The Windows filter does not: its data model
// ([MS-EVEN6] 2.2.15.2, "Filter XPath 1.0 Extensions",
// learn.microsoft.com/openspecs/windows_protocols/ms-even6/4533bef3-5a74-4a72-a03a-7fd5c1470554)
// has "UINT64, which is an unsigned 64-bit integer" and "Bitfield (64
// bits)" beside Double, band() takes two bitfields, and a literal
// compared with a value is "converted to the wanted type for expression
// evaluation ... based on the syntax of the string literal". Keywords
// (HexInt64), EventRecordID (UInt64) and the FILETIME of @SystemTime are
// 64-bit: as doubles, Keywords 0x8000000000000001 and 0x8000000000000000
// are one number, Keywords=9223372036854775809 would select both, and
// so would Keywords=9223372036854784005 the 0x8000000000002004 of many
// System events. So numbers compare exactly (number.go): the integers of
// the event (signed and unsigned, hex, size_t, boolean, FILETIME and
// SYSTEMTIME as FILETIME) as integers; text read as a number (decimal or
// 0x hexadecimal) and number literals with their integer part exactly
// and their fraction to double precision (9223372036854775809.0 is
// 0x8000000000000001, 9223372036854775808.5 lies between 2^63 and
// 2^63+1, 18446744073709551616 is above every 64-bit value); real values
// as the doubles they are; timediff() as t2 − t1 in 100 ns divided
// exactly by 10000 (and its whole milliseconds on either side, see
// timediff). How Windows compares a UINT64 with a literal that has
// a fraction, or a Double with a UINT64, is not documented; comparing
// the exact values gives the answer every reading agrees with where the
// values are integers, and the mathematically true one elsewhere. The
// pre-filters Keys and MatchKeys read literals the same way (EventID=1058.0
// is a key, EventID=1058.00000000000000000001 none), and TimeBounds
// widens the window it computes from a literal's double by
// RecordTimeSlack (TestExactIntegerComparisons, TestNumberCompareProperty,
// TestMatchKeysEqualsMatch). Strict mode, which the differential test
// compares with libxml2, keeps XPath 1.0's doubles.
//
// # timediff
//
// [MS-EVEN6] 2.2.15.2, "Filter XPath 1.0 Extensions"
// (learn.microsoft.com/openspecs/windows_protocols/ms-even6/4533bef3-5a74-4a72-a03a-7fd5c1470554),
// defines timediff(SYSTEM_TIME) as the difference in milliseconds between
// its argument and the current system time, "positive if the system time
// is greater than the argument time, zero if the system time is equal to
// the argument time, and negative if the system time is less", and
// timediff(t1, t2) likewise as t2 − t1. So the sign is settled: an event
// written after the reference time (a clock ahead of the last-written
// record's) has a negative timediff, not its absolute value, and
// timediff(@SystemTime) <= 86400000 (Consuming Events' "the last 24 hour
// period") selects it; an event exactly N ms before the reference time
// has timediff N, and <= N selects it.
//
// What the specification does not say, and what no Microsoft page, issue
// or public code found (searched 2026-12-02: Microsoft Learn, GitHub
// issues, code of programs that pass such queries to wevtutil) shows, is
// what becomes of the part of a millisecond: TimeCreated has 100 ns
// resolution, the difference is exact in 100 ns, and Windows may keep
// the fraction, truncate it, round it, or cut each time to whole
// milliseconds (a SYSTEMTIME holds milliseconds) before subtracting.
// Every one of these gives the exact difference x, its floor or its
// ceiling. Match therefore lets a comparison with a timediff hold when
// it holds for one of x, floor(x) and ceil(x), so that no event Windows
// would select under any of these readings is dropped: an event N ms +
// 100 ns before the reference time (x = N.0001) is selected by <= N and
// by = N, one 100 ns after it (x = −0.0001) by >= 0 as well as by < 0.
// The price is an event within a millisecond of a bound that Windows
// may leave out; a diagnosis that misses evidence is worse. The reader's
// window (TimeBounds) is wider than that millisecond by RecordTimeSlack.
// A timediff that is a whole number of milliseconds has that one value.
// So TimeCreated[timediff(@SystemTime) <= N] holds exactly when the event
// lies less than N + 1 ms before the reference time (or after it);
// TimediffStart gives that start, from which package rules counts a
// rule's window, so that the window and its live command select the
// same records. TestTimediffBoundaries and TestTimediffStart hold these
// cases.
//
// # Log files in structured queries
//
// A Select or Suppress Path may name a log file instead of a channel:
// "file://C:\logs\System.evtx", as Event Viewer writes for a saved log
// ("An external file ... is specified by a URL that uses "file" as its
// protocol", Event Selection, learn.microsoft.com/previous-versions/aa385231),
// or a path ending in .evtx, .evt or .etl (IsLogFile). A Path the caller
// binds to given log files (BindFile: it names them on this machine)
// applies to those alone. Another is a file of the machine the query was
// written on: offline it applies to the given log file of the same name,
// or, when no log given has a name the list names, to every log given
// (Log.AnyFile). As the Query Schema requires, a list
// may not mix channels and log files.
//
// # Evaluation
//
// Comparisons follow XPath 1.0: a comparison with a node-set is true when it
// holds for some node (existential), a number compares numerically, a string
// compares with = and != ignoring case (see String comparisons), <, <=, >,
// >= compare numbers. The event values keep their BinXML types, and where a
// typed value means something that its text does not, the typed value wins:
//
//   - Against a number, integer, hex integer, real and boolean values compare
//     by their numeric value, FILETIME/SYSTEMTIME values by their FILETIME
//     number, and string values by their text read as an XPath number (with
//     an optional minus) or as a 0x-prefixed hexadecimal integer (so
//     EventID=1057 matches whatever type EventID has, and
//     Data[@Name='ErrorCode']=2148074253 matches the HexInt32 0x8009030d),
//     all exactly (see 64-bit numbers). Plain XPath 1.0 would give NaN for
//     "0x8009030d".
//   - Against a string with = and !=, a hex integer compares by its rendered
//     text without padding, as Windows' XML shows it (0x8009030d), ignoring
//     case: Data[@Name='ErrorCode']='0x8009030D' matches too, '0x08009030d'
//     does not (test table row 10). Compare with a number to be
//     independent of the spelling.
//   - A time value (TimeCreated/@SystemTime) compared with a string that is an
//     ISO 8601 date-time ("2024-01-01T00:00:00", optional fraction of up to 9
//     digits, optional Z or ±hh:mm; no zone means UTC; white space around
//     it aside, as XML Schema's dateTime collapses it) compares as a time,
//     with all six operators, as Windows does. Plain XPath 1.0 would compare
//     NaN with NaN. Text that begins as a date (four digits and '-') but
//     is not such a date-time ('2018-08-07', a date alone, a time
//     written with dots; a year of five digits or with a sign,
//     '10000-01-01T00:00:00Z', which no 4-digit TimeCreated rendering
//     has and which Windows' reading of is not documented) compared
//     with a path ending in @SystemTime is a
//     *SyntaxError at the literal: Windows refuses a query whose SystemTime
//     bound it cannot read (an EventLogQuery with
//     '2026-01-15T10.30.45.000Z' threw, github.com/laurentiu021/SystemManager
//     pull request 1227), where XPath 1.0 strings would match nothing,
//     silently. Other text compares as XPath 1.0 says (what Windows does
//     with it is not known).
//
// # Structured queries and time windows
//
// ParseQueryList reads a QueryList document (Select and Suppress per
// channel, suppress wins). Query.TimeBounds and QueryList.TimeBounds derive
// the record-time window outside which nothing can match, so that a reader
// can skip those records without decoding them (evtx.Options.Since/Until).
//
// # Safety
//
// Compile never panics and bounds its work: queries longer than MaxLength
// bytes or nested deeper than MaxDepth are rejected. Match never panics on
// any event tree and its work is bounded by the query size times the event
// size (times the number of Data elements for node-set to node-set
// comparisons); a nil event matches nothing (Match, MatchKeys,
// QueryList.Match). MustCompile panics on a query that does not compile,
// and the methods of a nil *Query (but Match), *QueryList or *KeySet
// panic: Compile, ParseQueryList and NewKeySet make them.
package xpath
