// Package evtx reads Windows XML event logs (.evtx files) into typed
// events, finds the logs of a directory, a mounted Windows volume or a .zip
// archive, and renders events as Windows renders them (XML, text).
//
// # Reading
//
// Open a file with Open, or any io.ReaderAt with NewReader, and call Next
// until it returns io.EOF:
//
//	f, err := evtx.Open("System.evtx")
//	if err != nil { ... }
//	defer f.Close()
//	for {
//		ev, err := f.Next()
//		if err == io.EOF { break }
//		...
//	}
//	st, problems := f.Stats(), f.Errors()
//
// Errors keeps the first Options.MaxErrors problems (DefaultMaxErrors
// unless set; negative keeps all), so that a badly damaged log cannot
// fill memory with them; Stats.Problems counts every one.
//
// Events come in file order: chunk by chunk, records by offset. The reader
// walks every 64 KiB chunk present in the file, whatever the file header's
// chunk count says (the header of a log copied from a running or crashed
// machine undercounts), and every intact record of each chunk, including
// records past the chunk header's free space offset whose record ids
// continue the chunk's (the newest records of a half-written chunk),
// records of chunks whose header or checksum is damaged, and a record whose
// size fields are zero, or one of whose two size copies is damaged while the
// other is its extent, or whose signature is damaged while both size copies
// are its extent, when it runs exactly up to the next record and decodes
// to its own record number (a problem says which). A record
// is yielded only if its header is intact (signature, size inside the
// chunk, trailing size copy) and its body decodes. A record is never
// yielded twice: byte-identical copies (same record id, size and CRC32) are
// counted in Stats.Duplicates instead, except that a copy decoded only in
// part (Event.Partial: its templates do not resolve in its chunk) does
// not stand for a copy decoded in full later in the file, which is
// yielded too (TestPartialCopyYieldsFullRecord).
//
// Old records left in the slack of a chunk (past its free space offset,
// not continuing its record ids: an earlier use of the chunk, or the log
// before it was cleared) and in old chunks past the file header's chunk
// count (unallocated space whose records cannot be newer than the current
// ones), and in a chunk the header counts that is another log's (pasted or
// carved into the file: numbered past the next record identifier of a
// clean header whose ring is the slots it counts, or out of the log's
// chunk order and sharing its numbers; a problem names it), are not part
// of the log's contents: they are counted in
// Stats.Stale and yielded only with Options.Recover, after the current
// records, flagged in Event.Recovered.
//
// A decoded structure must be real, not bytes that merely parse: names
// carry their Windows hash, end with NUL and are XML names; a template
// instance's definition carries the template id the instance names and
// uses no substitution the instance lacks (validate.go). A record whose
// template fails these checks while its substitution values are intact is
// yielded as a partial event (Event.Partial: the values with their types,
// names unknown) and reported; otherwise it is not yielded (Stats.BadRecords)
// and reported. An optional substitution drops its element or attribute
// only when its value is NULL (MS-EVEN6 section 3.1.4.7.2); an empty string
// keeps it (<Data/>). Every event renders as well-formed XML 1.0 (Event.XML).
//
// Damage does not stop reading. Every problem is a *FormatError naming the
// file, chunk, record id and byte offset, collected by Errors in file order
// and counted in Stats; Err wraps ErrChecksum (a CRC32 of the file header,
// a chunk header or a chunk's records does not match), ErrCorrupt (a
// structure is inconsistent, or a span of a record area holds no readable
// record), ErrLimit (a bound below was hit) or ErrUnsupportedVersion.
// NewReader fails only when the input holds nothing EVTX-like (ErrNotEVTX:
// neither a file header signature nor a chunk signature; the message says
// "empty", "all zero" or shows the first bytes) or cannot be read.
//
// Options.Since and Options.Until select events by their TimeCreated
// (System/TimeCreated/@SystemTime, TimeCreatedOf), never by the record
// header's write time, which exported logs borrow from other records or
// leave 0 and which lags TimeCreated by days after a clock correction. A
// window yields exactly the events of a full read whose TimeCreated lies in
// it (TestWindowEqualsFilteredRead). TimeCreated is read without building
// the event where the record has the shape Windows writes (per template,
// where the TimeCreated substitution sits), so records outside are passed
// over cheaply and counted in Stats.Skipped; other records are decoded and
// then judged. A TimeCreated read so as a FILETIME is compared as one with
// the FILETIMEs whose times lie in the window (TestWindowFiletimeRange),
// and noted in Stats in runs that leave it as noting each record in turn
// does (TestFtRunEqualsNoteRead). Stats says whether the log looks
// exported (Stats.Exported).
// The Summary Options.Filter sees is read the same way: for that shape,
// where Event, System, Provider, EventID and Computer sit is found once
// per template definition and only the record's values are read, giving
// exactly the Summary (or the refusal) that reading the record's parsed
// nodes gives (TestSummarizeLeanEqualsFull, TestSummarizeLeanCrafted,
// FuzzSummarize). While the Filter runs, Summary.Data reads one EventData
// field of the record the same way (the event's instance and the BinXML
// value that holds EventData read by their values, no node built), or
// declines; where it answers, it gives what Event.Data gives once the
// record is decoded (TestSummaryDataEqualsDecode: 216,097 of 221,096
// fields of the test logs answered, all equal).
//
// Decoding is a pure function of the record and its chunk: a record
// decodes to the same event whatever else was decoded before it, in any
// order and with any number of workers (TestDecodeOrderFree), so windows
// and filters never change what a record yields. Nor do they change the
// damage a read finds: a record whose BinXML values (EventData, UserData)
// name a definition that does not resolve is decoded even when the window
// or the filter passes over it, so that Stats.Partial, Stats.BadRecords
// and the problems are those of a read of every record
// (TestNestedDamageFoundAlike).
//
// Five caches save work without changing an answer, each checked against
// the plain path by a test:
//   - A template definition Windows repeats in every chunk is compiled once
//     per decoding goroutine and reused where its bytes and the names it
//     references are those it was compiled from (TestTemplateCacheEqualsCompile,
//     TestTemplateCacheRefusesChanges, TestTemplateCacheEveryByte,
//     TestTemplateCacheRepeatedNames, TestTemplateCachePlainReuse,
//     FuzzReader). Within a chunk the memo of its templates and names sits
//     in two small direct-mapped tables by offset, and in a map for the
//     entries whose slot another offset took first (a slot, once taken,
//     keeps its entry for the chunk), so that a free slot answers a miss
//     without a map lookup (TestDecodeOrderFree,
//     TestTemplateCacheMutatedDefinitions, TestMemoSlotsCoverMemo).
//   - A Log made by Find remembers, per chunk, the span of TimeCreated a
//     windowed read found in it and what reading it gives when no record of
//     it is in the window; a later Open whose window excludes the span gets
//     that without reading the chunk. The memo is dropped when the file's
//     identity, size, modification time or status change time (where the
//     system keeps one) changes (TestWindowMemoEqualsRead,
//     TestWindowMemoLeavesInWindowProblems, TestWindowMemoDropsChangedFile,
//     TestWindowMemoDropsRewrittenFile, TestWindowMemoOddLogs).
//   - The same Log remembers where Reader.WrittenEnds found the first- and
//     last-written records (TestWindowMemoEqualsRead), unless a read failed
//     while it looked, and no chunk whose read failed
//     (TestWrittenEndsMemoAfterReadError). WrittenEnds walks
//     the record headers once for both, and on a Log's file it also reads
//     each chunk's TimeCreated as it walks and fills the memo, so the
//     windowed reads that follow it (rules and fleet read back from the
//     last-written record's time) read only the chunks in their window
//     (TestWrittenEndsPrimesMemo, TestLastWrittenEqualsFullRead).
//     Log.Prime does that walk ahead of time, from a goroutine of the
//     caller's (analyze begins it while its rules load), and a WrittenEnds
//     called meanwhile waits for it rather than walking the file again
//     (TestPrimeEqualsRead).
//   - Once Log.Prime has read it (analyze primes its System logs), the
//     same Log remembers, for the chunks of its newest records, what
//     its passes computed of each: the verdicts of the chunk header's checksums,
//     each record's TimeCreated read without decoding and its Summary. A
//     later pass over such a chunk (the grouping period, then the rules'
//     window, after the WrittenEnds that read every TimeCreated) takes
//     them from the memo by the record's offset and size; each is a
//     function of the chunk's bytes and the record alone
//     (TestRecordMemoEqualsRead, which compares every read and every
//     Summary a Filter is given with the memo on and off). All Logs'
//     record memos together hold at most 4 MiB; a Log gives up its oldest
//     chunks for newer ones (TestRecordMemoBound).
//   - Reading a record's TimeCreated by its template's plan walks the
//     value descriptors only from the first pair that differs from those
//     the decoder walked before: what a pair adds (its sizes, its BinXML
//     values) depends on its bytes alone (TestWalkValuesAfterOthers,
//     FuzzWalkValues).
//
// Options.Workers chunks are decoded in parallel (at most MaxWorkers, 8;
// by default one per CPU up to that cap, so that memory does not grow
// with the machine), each from its own copy of the chunk; at most about
// 2×Workers decoded chunks wait for Next. The
// goroutines end at io.EOF, on Close, or when an abandoned Reader is
// garbage collected; call Close to release them at once when stopping
// early.
//
// # Finding logs
//
// Find returns the logs at a path: a file, a directory of *.evtx files, the
// root of a mounted Windows volume (Windows/System32/winevt/Logs, matched
// case-insensitively) or a .zip archive (its *.evtx members at any depth).
// ChannelFromFileName and FileNameForChannel map between channel names and
// the file names Windows gives their logs ("%4" stands for "/").
//
// # Security
//
// Event logs come from machines that may be compromised: the package
// treats every input as hostile. Its contract:
//
//   - No input makes it panic, hang or exhaust memory. Counts, sizes and
//     offsets read from the file are never trusted: each is checked against
//     the bytes actually present before use (a header claiming 65535 chunks
//     costs nothing for chunks that are not there).
//   - Memory is bounded by the input: the reader holds at most about
//     2×Workers+1 chunks of 64 KiB and their decoded events at a time, plus
//     a de-duplication key (16 bytes) per record yielded, the
//     templates cached by each decoding goroutine (at most 4 MiB of
//     definitions) and, for a Log made by Find, its memo (a few hundred
//     bytes per chunk, at most 65,536 chunks, and at most 4,096 problems
//     of damaged chunks: TestMemoProblemsBounded), and the record memos
//     of all Logs, at most 4 MiB (TestRecordMemoBound). Decoding one record
//     is bounded in nesting depth, template nesting, substitution count and
//     total work, so its time and memory are bounded by a constant multiple
//     of the chunk size; a record over a bound fails with ErrLimit and the
//     reader goes on with the next.
//   - Archive members are inflated to at most MaxZipMember bytes (1 GiB):
//     into memory up to 16 MiB, into a temporary file in Log.TempDir
//     beyond (on Unix unlinked as soon as written, elsewhere removed by
//     File.Close or when a File dropped without it is collected:
//     TestZipTempFileNotLeftBehind). A member whose header claims more, or
//     whose data inflates to more, is refused with an error naming the
//     member and wrapping ErrLimit. A member whose compressed data is
//     damaged is read up to the damage: every intact record before it is
//     yielded and the damage is reported by Errors (ErrCorrupt). An
//     archive without a central directory (cut short) is read by its
//     local file headers (APPNOTE.TXT 4.3.6); a member with a data
//     descriptor is inflated once, to at most MaxZipMember bytes, to find
//     where the next begins. Each member found so carries a problem
//     (ErrCorrupt) naming the archive offset of its header. A name the
//     archive repeats is one Log per member (Path "x.zip!name", then
//     "x.zip!name (2)"; Log.MemberIndex), each reading its own data.
//   - Only regular files are opened: a named pipe (FIFO), socket, device or
//     directory where a log is expected is refused by name (ErrNotRegular)
//     without blocking. An input with no EVTX signature at all fails with
//     ErrNotEVTX saying what it is ("empty", "all zero", its first bytes).
//   - A recovered record must pass the same checks as any other; the reader
//     never yields garbage as an event: a damaged record is dropped or
//     flagged as partial, and reported.
//
// The reader has been fuzzed (FuzzReader, FuzzDecodeRecord; crashers are
// kept under testdata/fuzz), and the input that makes the Velocidex/evtx
// parser die of an out-of-memory error is a regression test.
//
// Nil arguments: NewReader of a nil io.ReaderAt is an error
// (ErrNilReaderAt); the zero Reader and the zero File are described on
// their types (Next returns ErrNoReader; Close returns nil); the methods
// of a nil *Event, *Log, *Reader or *FormatError panic, and
// WrittenBefore panics on a nil event.
package evtx
