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
// Analyze runs a rules.Engine per machine, in parallel.
//
// # Forwarded events
//
// A Windows Event Collector writes the events its subscriptions receive
// from other computers into one log, ForwardedEvents by default (Microsoft,
// "wecutil",
// https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/wecutil:
// a subscription's LogFile). Each event keeps the System part its source
// computer wrote ("sends an event as the received event to an event log",
// EcContentFormatEvents,
// https://learn.microsoft.com/en-us/windows/win32/api/evcoll/ne-evcoll-ec_subscription_content_format;
// "all data in the received event is saved in the collector computer
// event log", https://docs.microsoft.com/en-us/previous-versions/aa820605(v=vs.85)):
// its Computer, its Channel and its EventRecordID, the number the
// source's channel gave it; the collector's log numbers its records in the
// order it wrote them. The WEC sample of testdata/evtx
// (omerbenamram__evtx__samples__MSExchange_Management_wec.evtx) holds such
// a record: record 1 of the file, EventRecordID 3229.
//
// Group tells such a log by its records naming several hosts interleaved
// (internal/hosts.Interleaved) and splits it: every host it names gets a
// Log reading only the records naming it (Log.Computer,
// evtx.Log.ForComputer), placed with the machine that host's own logs
// make when they are given too, else in a machine of its own; the
// machines are marked Forwarded and their Grouping says so. Each machine
// is analysed as if its logs had been given apart: its own windows,
// verdicts and reference time. Its "now" is its own last-written record,
// never the collector's last: of its records in the log, the highest
// EventRecordID of each channel, the latest of those by TimeCreated
// (rules.TimedWrittenEnds), since the collector's record numbers follow
// the order events arrived in, not the order the computer logged them: a
// subscription delivers them in batches (wecutil's /dmi and /dmlt, the
// items and latency of a batch, same page), and the events of each
// channel of a computer come through the query that selects them. A computer whose own
// System.evtx is given too reads both logs; a record both hold is one
// record to the engine (records a query matched in several inputs count
// once, by evtx.Event.Identity: channel, EventRecordID, TimeCreated and
// content), so no evidence counts twice. The forwarded log's place
// (unit) is the collector's, not the computers': the logs beside it that
// no record places stay apart. Records of the log that name no computer,
// or a name only damaged records give, are in no computer's view.
//
// # Machines with the same name
//
// Two machines may carry one computer name: a VM rebuilt from an image,
// two clones of one VM. Logs naming the same host are one machine unless
// their records say otherwise (Group): two logs of one channel covering
// the same period with different records (one machine writes one file
// per channel), or, in different places, two logs of one channel whose
// periods lie apart and where the later log's EventRecordIDs do not go on
// from the earlier's (restarted): the event log service numbers each
// channel's records on and on, through wrap-around and archiving, so a
// numbering that went back (the same EventRecordID with other records, as
// clones give, or a later log numbered from 1 again, as a rebuilt VM
// gives) is another event log service's; a clear goes on numbering too
// (the Velocidex Security samples of testdata/evtx begin with the 1102 of
// their clearing at EventRecordIDs 31878 and 33072). A later log
// beginning with the event of a log being cleared
// (Microsoft-Windows-Eventlog 104 or 1102) is all the same not split off,
// on the side of one machine. Copies of one log (a shadow copy, the
// cases/vss kind) share records and are one Log before any of this.
//
// The package reads hostile input like package evtx does: every log is
// read through evtx's bounded reader, the walk is bounded in depth
// (MaxDepth) and breadth (MaxUnits), and symbolic links to directories are
// not followed.
package fleet
