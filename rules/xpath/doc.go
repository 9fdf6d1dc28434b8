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
// "Event", optionally followed by predicates. Inside predicates:
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
//     integers is non-zero (Keywords are read as their uint64 value);
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
// arithmetic, unions, namespace prefixes, and a chain of more than
// MaxClauses operands joined by the same operator (Microsoft KB 970453, and
// the field reports in elastic/beats#1491: 22 EventID clauses work, more fail).
//
// # Evaluation
//
// Comparisons follow XPath 1.0: a comparison with a node-set is true when it
// holds for some node (existential), a number compares numerically, a string
// compares with = and != by exact code points (no case folding, no space
// trimming: a literal ' Microsoft-...' with padding does not match), <, <=, >,
// >= compare numbers. The event values keep their BinXML types, and where a
// typed value means something that its text does not, the typed value wins:
//
//   - Against a number, integer, hex integer, real and boolean values compare
//     by their numeric value, FILETIME/SYSTEMTIME values by their FILETIME
//     number, and string values by their text read as an XPath number or as a
//     0x-prefixed hexadecimal integer (so EventID=1057 matches whatever type
//     EventID has, and Data[@Name='ErrorCode']=2148074253 matches the
//     HexInt32 0x8009030d). Plain XPath 1.0 would give NaN for "0x8009030d".
//   - Against a string with = and !=, a hex integer compares by its rendered
//     text, lower case without padding, as Windows' XML shows it:
//     Data[@Name='ErrorCode']='0x8009030d' matches, '0x8009030D' does not
//     (test table row 10). Compare with a number to be case-independent.
//   - A time value (TimeCreated/@SystemTime) compared with a string that is an
//     ISO 8601 date-time ("2024-01-01T00:00:00", optional fraction of up to 9
//     digits, optional Z or ±hh:mm; no zone means UTC) compares as a time, with
//     all six operators, as Windows does. Plain XPath 1.0 would compare
//     NaN with NaN.
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
// comparisons).
package xpath
