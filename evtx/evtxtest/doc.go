// Package evtxtest writes valid EVTX (Windows XML Event Log) files from a
// list of typed events, laid out the way Windows writes them, for tests and
// scenario fixtures.
//
// The format follows MS-EVEN6 and libyal's "Windows XML Event Log (EVTX)"
// notes, checked against real logs:
//
//   - a 4096-byte file header block ("ElfFile\0", 128-byte header: first and
//     last chunk number, next record identifier, version 3.1 (or 3.2),
//     chunk count, flags, CRC32 of bytes 0..120 at 124);
//   - 64 KiB chunks ("ElfChnk\0", first/last record number and identifier,
//     last record offset, free space offset, CRC32 of the record area
//     512..free space, header CRC32 over 0..120 and 128..512 at 124, the
//     64-entry common string table indexed by name hash mod 64 and the
//     32-entry template table), filled with records until the next one does
//     not fit (never to the last byte: real chunks keep 8 bytes or more);
//   - records ("**\0\0", size, identifier, FILETIME, BinXML, size copy),
//     8-byte aligned.
//
// Each record's BinXML is what Windows produces: a fragment header, a
// template instance of the System template (the template definition inline
// at its first use in a chunk and referenced by offset afterwards; records of
// the same shape share it) whose values fill the System properties through
// optional substitutions (an absent Qualifiers, ActivityID or UserID is a
// null value, so the attribute disappears), and whose last value is
// embedded BinXML with its own template instance for the body (after a
// fragment header for classic events, directly for manifest events, as
// Windows does):
//
//   - classic events (every EventData field unnamed and a string, or
//     Qualifiers set and no named field): <EventData><Data>%0</Data>
//     <Binary>%2</Binary></EventData> where %0 is a string array (one <Data>
//     per element when rendered), %1 the binary length and %2 the binary,
//     exactly like the EventLog service writes ReportEvent events;
//   - manifest events: <EventData><Data Name='X'>%n</Data>...</EventData>
//     with one typed normal substitution per field (unnamed fields of other
//     types get a <Data> without Name), plus <Binary> when Event.Binary is
//     set (preceded by a UInt32 length value, as Service Control Manager
//     events have);
//   - events with UserData: <UserData>%n</UserData> around the element tree;
//     string attributes (xmlns) are literal, element text values are typed
//     substitutions.
//
// The System template has the two forms Windows uses. Manifest events (a
// provider GUID and no EventSourceName) carry the provider Name and Guid and
// the Channel as substitutions (so the GUID reads back in upper case, as a
// GUID value); classic events (EventSourceName set, or no GUID) have them as
// literal text of the template, written only when non-empty. Computer is
// literal text in both. Element names are chunk-local name structures
// (Windows name hash), defined inline at their first use in a chunk and
// referenced by offset afterwards.
//
// Options make the files real machines leave behind: the dirty and full
// flags, a file header that undercounts chunks, a last chunk whose header
// does not count its last records, a wrapped circular log (newest chunks
// first in the file), truncation, and bad checksums.
//
// AsWritten gives the events as a reader returns them from the written file
// (record ids filled in, times at 100 ns, GUIDs upper case, arrays
// expanded), for comparing reader output in tests. The constructors
// (RCM1057, Schannel36870, SessionBrokerClient1296, Noise, ...) build the
// events of the RDP failure scenarios with the providers, levels, keywords,
// channels and data fields Windows gives them.
//
// Nothing here is meant for production use; the writer trusts its input
// only as far as returning an error (never panicking) when an event cannot be
// written, for example when it is larger than a chunk.
package evtxtest
