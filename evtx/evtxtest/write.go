package evtxtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

const (
	fileHeaderBlock = 4096
	fileHeaderSize  = 128

	// FlagDirty is the file header flag of a log that was not closed
	// cleanly; FlagFull marks a log that reached its maximum size.
	FlagDirty = 0x1
	FlagFull  = 0x2
)

// Options changes how the file is written. The zero value writes a clean,
// consistent log.
type Options struct {
	// MinorVersion is the format minor version in the file header: 1 (the
	// default when 0, Windows Vista to 10) or 2 (Windows 10 and later).
	MinorVersion int
	// Dirty sets the dirty flag (0x1) in the file header; Full sets the
	// "full" flag (0x2).
	Dirty, Full bool

	// MaxRecordsPerChunk closes a chunk after this many records even when
	// more would fit (0 = fill chunks to 64 KiB), to make small multi-chunk
	// fixtures.
	MaxRecordsPerChunk int

	// FillChunks lets records fill a chunk to its last byte. Windows does
	// not (real chunks keep 8 bytes or more free) and evtxexport then misses
	// the chunk's last record; it is for testing readers' bounds.
	FillChunks bool

	// UndercountChunks makes the file header count this many chunks fewer
	// than the file holds (at least 0 are counted), the way a dirty log's
	// header lags behind its chunks. The header's last chunk number and next
	// record identifier follow the counted chunks.
	UndercountChunks int
	// UncountRecords leaves the last N records of the last chunk out of
	// that chunk's header (last record number/identifier, last record
	// offset, free space offset, records checksum) and out of the file
	// header's next record identifier: a half-written chunk. The records
	// are still in the file. When N covers every record of the chunk its
	// header counts none (record numbers 0, free space offset 512).
	UncountRecords int

	// OldestChunk writes the log as a wrapped circular log: the oldest
	// chunk at this chunk position of the file and the others after it,
	// wrapping around to position 0, so the newest records sit before the
	// oldest ones in the file. The file header's first and last chunk
	// numbers say so. 0 = no wrap; it must be less than the number of
	// chunks.
	OldestChunk int

	// NoTimeCreated, when set, is asked for each event (its index in the
	// events given, and the event): for those it returns true the record's
	// TimeCreated/@SystemTime substitution is written as a null value, so
	// that the record has no TimeCreated (the optional substitution leaves
	// the attribute out, as a template instance with a null value does;
	// a reader finds a TimeCreated element without SystemTime). Its record
	// header time is still Event.Written, or System.TimeCreated when
	// Written is zero. Windows always writes TimeCreated: this crafts a
	// damaged or forged record.
	NoTimeCreated func(i int, ev *evtx.Event) bool

	// TruncateAt cuts the file to this many bytes (0 = no cut).
	TruncateAt int64

	// BadFileHeaderCRC stores a wrong file header checksum.
	BadFileHeaderCRC bool
	// BadChunkHeaderCRC and BadRecordsCRC list chunk positions in the file
	// (0-based) whose header checksum, respectively records checksum, is
	// stored wrong.
	BadChunkHeaderCRC, BadRecordsCRC []int
}

// Write writes the events as an EVTX file to w. See Bytes.
func Write(w io.Writer, events []*evtx.Event, o Options) error {
	b, err := Bytes(events, o)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteFile writes the events as an EVTX file at path (mode 0644).
func WriteFile(path string, events []*evtx.Event, o Options) error {
	b, err := Bytes(events, o)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// Bytes returns the EVTX file holding the events, in order.
//
// The record header identifier is Event.RecordID, or the previous record's
// identifier plus one (starting at 1) when it is 0. The record header time is
// Event.Written, or System.TimeCreated when Written is zero.
// System/EventRecordID is System.EventRecordID when non-zero, else the record
// identifier. Event.Root and Event.Source are ignored.
//
// Bytes returns an error (never panics) for input it cannot write: an event
// that does not fit in a chunk, a malformed GUID or SID, a value kind
// without an encoding, too many chunks.
func Bytes(events []*evtx.Event, o Options) ([]byte, error) {
	var chunks []*chunkWriter
	cur := newChunkWriter(o.FillChunks)
	var next uint64 = 1
	for i, ev := range events {
		if ev == nil {
			return nil, fmt.Errorf("evtxtest: event %d is nil", i)
		}
		id := ev.RecordID
		if id == 0 {
			id = next
		}
		next = id + 1
		erid := ev.System.EventRecordID
		if erid == 0 {
			erid = id
		}
		in, err := eventInstance(ev, erid, o.NoTimeCreated != nil && o.NoTimeCreated(i, ev))
		if err != nil {
			return nil, fmt.Errorf("evtxtest: event %d: %w", i, err)
		}
		written := ev.Written
		if written.IsZero() {
			written = ev.System.TimeCreated
		}
		ft := filetime(written)
		if o.MaxRecordsPerChunk > 0 && len(cur.records) >= o.MaxRecordsPerChunk {
			chunks = append(chunks, cur)
			cur = newChunkWriter(o.FillChunks)
		}
		err = cur.writeRecord(id, ft, in)
		if errors.Is(err, errChunkFull) && len(cur.records) > 0 {
			chunks = append(chunks, cur)
			cur = newChunkWriter(o.FillChunks)
			err = cur.writeRecord(id, ft, in)
		}
		if errors.Is(err, errChunkFull) {
			return nil, fmt.Errorf("evtxtest: event %d (record %d) does not fit in a %d-byte chunk", i, id, chunkSize)
		}
		if err != nil {
			return nil, fmt.Errorf("evtxtest: event %d: %w", i, err)
		}
	}
	if len(cur.records) > 0 {
		chunks = append(chunks, cur)
	}
	if len(chunks) > 0xffff {
		return nil, fmt.Errorf("evtxtest: %d chunks, more than a file header can count", len(chunks))
	}
	if o.MinorVersion != 0 && o.MinorVersion != 1 && o.MinorVersion != 2 {
		return nil, fmt.Errorf("evtxtest: unsupported minor version %d", o.MinorVersion)
	}

	if o.OldestChunk < 0 || (o.OldestChunk > 0 && o.OldestChunk >= len(chunks)) {
		return nil, fmt.Errorf("evtxtest: oldest chunk %d of %d", o.OldestChunk, len(chunks))
	}

	b := make([]byte, fileHeaderBlock+len(chunks)*chunkSize)
	copy(b, fileHeader(chunks, o))
	for i, c := range chunks {
		uncount := 0
		if i == len(chunks)-1 {
			uncount = o.UncountRecords
		}
		slot := (o.OldestChunk + i) % len(chunks)
		copy(b[fileHeaderBlock+slot*chunkSize:],
			c.finish(uncount, contains(o.BadChunkHeaderCRC, slot), contains(o.BadRecordsCRC, slot)))
	}
	if o.TruncateAt > 0 && o.TruncateAt < int64(len(b)) {
		b = b[:o.TruncateAt]
	}
	return b, nil
}

func filetime(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return evtx.TimeToFiletime(t)
}

func contains(list []int, i int) bool {
	for _, x := range list {
		if x == i {
			return true
		}
	}
	return false
}

// counted returns how many of the chunk's records its header counts.
func (c *chunkWriter) counted(uncount int) int {
	n := len(c.records) - max(uncount, 0)
	return max(n, 0)
}

func fileHeader(chunks []*chunkWriter, o Options) []byte {
	h := make([]byte, fileHeaderBlock)
	le := binary.LittleEndian
	copy(h, "ElfFile\x00")
	count := max(len(chunks)-max(o.UndercountChunks, 0), 0)
	var nextID uint64 = 1
	switch {
	case count < len(chunks):
		nextID = chunks[count].records[0].id
	case count > 0:
		last := chunks[count-1]
		n := last.counted(o.UncountRecords)
		if n > 0 {
			nextID = last.records[n-1].id + 1
		} else {
			nextID = last.records[0].id
		}
	}
	if len(chunks) > 0 {
		le.PutUint64(h[8:], uint64(o.OldestChunk))
		le.PutUint64(h[16:], uint64((o.OldestChunk+max(count-1, 0))%len(chunks)))
	}
	le.PutUint64(h[24:], nextID)
	le.PutUint32(h[32:], fileHeaderSize)
	minor := o.MinorVersion
	if minor == 0 {
		minor = 1
	}
	le.PutUint16(h[36:], uint16(minor))
	le.PutUint16(h[38:], 3)
	le.PutUint16(h[40:], fileHeaderBlock)
	le.PutUint16(h[42:], uint16(count))
	var flags uint32
	if o.Dirty {
		flags |= FlagDirty
	}
	if o.Full {
		flags |= FlagFull
	}
	le.PutUint32(h[120:], flags)
	crc := crc32.ChecksumIEEE(h[:120])
	if o.BadFileHeaderCRC {
		crc ^= 0xffffffff
	}
	le.PutUint32(h[124:], crc)
	return h
}

// finish returns the 64 KiB chunk with its header filled in. The header
// counts all records but the last uncount ones.
func (c *chunkWriter) finish(uncount int, badHeaderCRC, badRecordsCRC bool) []byte {
	b := make([]byte, chunkSize)
	copy(b, c.buf)
	le := binary.LittleEndian
	copy(b, "ElfChnk\x00")
	n := c.counted(uncount)
	free := uint32(chunkHeaderSize)
	if n > 0 {
		first, last := c.records[0], c.records[n-1]
		le.PutUint64(b[8:], first.id)
		le.PutUint64(b[16:], last.id)
		le.PutUint64(b[24:], first.id)
		le.PutUint64(b[32:], last.id)
		le.PutUint32(b[44:], last.off)
		free = last.off + last.size
		for i, h := range last.nameHeads {
			le.PutUint32(b[128+4*i:], h)
		}
		for i, h := range last.tmplHeads {
			le.PutUint32(b[384+4*i:], h)
		}
	}
	le.PutUint32(b[40:], 128)
	le.PutUint32(b[48:], free)
	rcrc, _ := chunkChecksums(b, free)
	if badRecordsCRC {
		rcrc ^= 0xffffffff
	}
	le.PutUint32(b[52:], rcrc)
	_, sum := chunkChecksums(b, free) // over the records checksum just set
	if badHeaderCRC {
		sum ^= 0xffffffff
	}
	le.PutUint32(b[124:], sum)
	return b
}

// AsWritten returns copies of the events as a reader gives them back from
// the file Bytes writes (Root and Source aside): RecordID, Written and
// System.EventRecordID filled in as the writer fills them, times in UTC and
// truncated to FILETIME's 100 ns, and GUIDs written as GUID values (activity
// ids, a manifest provider's Guid, GUID data) in Windows' "{UPPER}" form,
// SYSTEMTIME to the millisecond; EventData arrays become one field per
// element with the array's name, and null data fields disappear (both as
// evtxexport shows them). Tests compare reader output with it.
func AsWritten(events []*evtx.Event) []*evtx.Event {
	out := make([]*evtx.Event, len(events))
	var next uint64 = 1
	for i, ev := range events {
		if ev == nil {
			continue
		}
		c := *ev
		if c.RecordID == 0 {
			c.RecordID = next
		}
		next = c.RecordID + 1
		if c.Written.IsZero() {
			c.Written = c.System.TimeCreated
		}
		c.Written = normTime(c.Written)
		if c.System.EventRecordID == 0 {
			c.System.EventRecordID = c.RecordID
		}
		c.System.TimeCreated = normTime(c.System.TimeCreated)
		c.System.ActivityID = normGUID(c.System.ActivityID)
		c.System.RelatedActivityID = normGUID(c.System.RelatedActivityID)
		if !formOf(c.System.Provider).literal {
			c.System.Provider.GUID = normGUID(c.System.Provider.GUID)
		}
		c.EventData = nil
		for _, f := range ev.EventData {
			switch {
			case f.Value.Kind == evtx.KindNull:
				// An optional substitution with a null value: the
				// element is dropped.
			case f.Value.Kind.IsArray():
				// An array renders as one <Data> per element.
				for _, e := range f.Value.Array {
					c.EventData = append(c.EventData, evtx.Field{Name: f.Name, Value: normValue(e)})
				}
			default:
				c.EventData = append(c.EventData, evtx.Field{Name: f.Name, Value: normValue(f.Value)})
			}
		}
		c.UserData = normElement(ev.UserData)
		c.Root, c.Source = nil, evtx.Position{}
		out[i] = &c
	}
	return out
}

func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return evtx.FiletimeToTime(evtx.TimeToFiletime(t))
}

func normGUID(s string) string {
	g, err := parseGUID(s)
	if s == "" || err != nil {
		return s
	}
	return fmt.Sprintf("{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
		g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15])
}

func normValue(v evtx.Value) evtx.Value {
	switch v.Kind.Base() {
	case evtx.KindGUID:
		v.Str = normGUID(v.Str)
	case evtx.KindFileTime, evtx.KindSysTime:
		v.Time = normTime(v.Time)
		if v.Kind.Base() == evtx.KindSysTime {
			v.Time = v.Time.Truncate(time.Millisecond)
		}
	}
	if v.Array != nil {
		arr := make([]evtx.Value, len(v.Array))
		for i, e := range v.Array {
			arr[i] = normValue(e)
		}
		v.Array = arr
	}
	return v
}

func normElement(e *evtx.Element) *evtx.Element {
	if e == nil {
		return nil
	}
	c := &evtx.Element{Name: e.Name, Value: normValue(e.Value)}
	for _, a := range e.Attrs {
		c.Attrs = append(c.Attrs, evtx.Attr{Name: a.Name, Value: normValue(a.Value)})
	}
	for _, ch := range e.Children {
		if ch != nil {
			c.Children = append(c.Children, normElement(ch))
		}
	}
	return c
}

// WriteDir writes the events into dir the way Windows keeps its logs: one
// file per System.Channel, named after the channel with "/" written as "%4"
// ("Microsoft-Windows-TerminalServices-SessionBroker%4Operational.evtx"),
// each holding that channel's events in their order. It returns the file
// names written, sorted. Options apply to every file. An event without a
// channel is an error.
func WriteDir(dir string, events []*evtx.Event, o Options) ([]string, error) {
	byChannel := map[string][]*evtx.Event{}
	for i, ev := range events {
		if ev == nil || ev.System.Channel == "" {
			return nil, fmt.Errorf("evtxtest: event %d has no channel", i)
		}
		byChannel[ev.System.Channel] = append(byChannel[ev.System.Channel], ev)
	}
	names := make([]string, 0, len(byChannel))
	files := map[string]string{}
	for ch := range byChannel {
		name := strings.ReplaceAll(ch, "/", "%4") + ".evtx"
		if strings.ContainsAny(name, `\:`) || name == ".evtx" || strings.HasPrefix(name, ".") {
			return nil, fmt.Errorf("evtxtest: channel %q has no file name", ch)
		}
		if prev, ok := files[name]; ok {
			return nil, fmt.Errorf("evtxtest: channels %q and %q have the same file name", prev, ch)
		}
		files[name] = ch
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := WriteFile(filepath.Join(dir, name), byChannel[files[name]], o); err != nil {
			return nil, fmt.Errorf("evtxtest: %s: %w", name, err)
		}
	}
	return names, nil
}
