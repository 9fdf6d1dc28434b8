// Package fleet finds the machines whose event logs a set of paths holds,
// and analyses each machine on its own.
//
// Support engineers hand over what they have: a logs folder plus a shadow
// copy of it, an archive that repeats a file, the disks of a whole scale
// set. Find walks the given paths for places that hold logs (directories,
// mounted Windows volumes, .zip archives, at any depth); Group reads the
// record summaries of the logs the rules need (evtx.Options.Filter: the
// System part of each record, not decoded) and groups the logs into
// machines by what the records say: the Computer field, the channel, the
// record ids and times, and EventLog 6011 ("the computer name changed from
// X to Y"). Folder names play no part, except that a log naming no
// computer goes with the machines found beside it, and a log naming a
// computer name two machines share, whose records do not say which of
// them it belongs to, goes with the one whose logs lie beside it (or is
// analysed apart when that does not single out one). Copies of one log
// become one Log read through evtx.Merge, so every record counts once;
// Copies does that alone, for logs read without grouping them into
// machines (evtxrdp dump and query).
//
// Logs that share records but then part are not copies: a VM cloned from
// another's disk holds the other's records up to the clone and its own,
// numbered on from the same EventRecordID, after it. Two logs part when,
// past the highest EventRecordID at which both hold the same record
// (recordKey or eventKey equal), they hold different records at one
// EventRecordID, both verified (evtx.Summary.Verified: their chunk's
// checksums vouch for them), both with a TimeCreated read, neither the
// other's record with one field changed (the same record header with
// another TimeCreated, or the other's record header at another
// EventRecordID). One such record is enough (clone.go says why). Each
// becomes a Log of its own with the copies that agree with it, and a
// machine of its own; Log.Parted and both machines' Grouping say where
// they part. Records that differ where one side is not verified (a
// damaged chunk, past a lagging chunk header's free space offset,
// decoded in part) make a damaged
// copy, as before.
// Analyze runs a rules.Engine per machine, in parallel.
//
// The package reads hostile input like package evtx does: every log is
// read through evtx's bounded reader, the walk is bounded in depth
// (MaxDepth) and breadth (MaxUnits), and symbolic links to directories are
// not followed.
//
// Nil arguments: Analyze panics on a nil engine or machine, before it
// starts any goroutine (documented there); HoldsChannel is false for a nil
// log; the methods of Machine, Log and OtherLog panic on a nil pointer.
package fleet
