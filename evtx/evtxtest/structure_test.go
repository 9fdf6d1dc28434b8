package evtxtest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// This file checks the bytes the writer produces with a small, independent
// walk of the format (not the project's reader).

var le = binary.LittleEndian

type fileInfo struct {
	firstChunk, lastChunk, nextRecord uint64
	headerSize                        uint32
	minor, major, blockSize, chunks   uint16
	flags                             uint32
	crcOK                             bool
}

func parseFileHeader(t *testing.T, b []byte) fileInfo {
	t.Helper()
	if len(b) < fileHeaderBlock || string(b[:8]) != "ElfFile\x00" {
		t.Fatalf("no file header")
	}
	for _, x := range b[128:fileHeaderBlock] {
		if x != 0 {
			t.Fatalf("file header block not zero after 128 bytes")
		}
	}
	return fileInfo{
		firstChunk: le.Uint64(b[8:]), lastChunk: le.Uint64(b[16:]), nextRecord: le.Uint64(b[24:]),
		headerSize: le.Uint32(b[32:]), minor: le.Uint16(b[36:]), major: le.Uint16(b[38:]),
		blockSize: le.Uint16(b[40:]), chunks: le.Uint16(b[42:]), flags: le.Uint32(b[120:]),
		crcOK: crc32.ChecksumIEEE(b[:120]) == le.Uint32(b[124:]),
	}
}

type chunkInfo struct {
	firstNum, lastNum, firstID, lastID uint64
	headerSize, lastOff, free          uint32
	dataCRCOK, headerCRCOK             bool
	records                            []recInfo // every record found by walking, up to the first gap
}

type recInfo struct {
	off, size  int
	id         uint64
	written    uint64
	inlineTmpl bool // the record's System template definition is inline
}

func parseChunk(t *testing.T, c []byte) chunkInfo {
	t.Helper()
	if len(c) != chunkSize || string(c[:8]) != "ElfChnk\x00" {
		t.Fatalf("bad chunk (len %d)", len(c))
	}
	ci := chunkInfo{
		firstNum: le.Uint64(c[8:]), lastNum: le.Uint64(c[16:]), firstID: le.Uint64(c[24:]), lastID: le.Uint64(c[32:]),
		headerSize: le.Uint32(c[40:]), lastOff: le.Uint32(c[44:]), free: le.Uint32(c[48:]),
	}
	if ci.free >= chunkHeaderSize && ci.free <= chunkSize {
		ci.dataCRCOK = crc32.ChecksumIEEE(c[chunkHeaderSize:ci.free]) == le.Uint32(c[52:])
	}
	h := crc32.NewIEEE()
	h.Write(c[:120])
	h.Write(c[128:chunkHeaderSize])
	ci.headerCRCOK = h.Sum32() == le.Uint32(c[124:])
	for off := chunkHeaderSize; off+28 <= chunkSize && string(c[off:off+4]) == "**\x00\x00"; {
		size := int(le.Uint32(c[off+4:]))
		if size < 28 || off+size > chunkSize || int(le.Uint32(c[off+size-4:])) != size || size%8 != 0 {
			t.Fatalf("record at %#x: bad size %d", off, size)
		}
		r := recInfo{off: off, size: size, id: le.Uint64(c[off+8:]), written: le.Uint64(c[off+16:])}
		// Fragment header, then the template instance: 0x0c, 1, id, def offset.
		p := off + 24
		if !bytes.Equal(c[p:p+4], []byte{tokFragment, 1, 1, 0}) || c[p+4] != tokTemplate {
			t.Fatalf("record at %#x: no fragment header and template instance", off)
		}
		defField := p + 10
		r.inlineTmpl = int(le.Uint32(c[defField:])) == defField+4
		ci.records = append(ci.records, r)
		off += size
	}
	return ci
}

// walk parses a whole file.
func walk(t *testing.T, b []byte) (fileInfo, []chunkInfo) {
	t.Helper()
	fi := parseFileHeader(t, b)
	var chunks []chunkInfo
	for off := fileHeaderBlock; off+chunkSize <= len(b); off += chunkSize {
		chunks = append(chunks, parseChunk(t, b[off:off+chunkSize]))
	}
	return fi, chunks
}

func mustBytes(t *testing.T, events []*evtx.Event, o Options) []byte {
	t.Helper()
	b, err := Bytes(events, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStructure(t *testing.T) {
	events := scenarioEvents()
	b := mustBytes(t, events, Options{})
	fi, chunks := walk(t, b)
	if len(b) != fileHeaderBlock+chunkSize {
		t.Fatalf("file size %d, want one chunk", len(b))
	}
	want := fileInfo{firstChunk: 0, lastChunk: 0, nextRecord: uint64(len(events)) + 1, headerSize: 128,
		minor: 1, major: 3, blockSize: 4096, chunks: 1, flags: 0, crcOK: true}
	if fi != want {
		t.Errorf("file header %+v, want %+v", fi, want)
	}
	c := chunks[0]
	if !c.dataCRCOK || !c.headerCRCOK {
		t.Errorf("chunk CRCs: data %v header %v", c.dataCRCOK, c.headerCRCOK)
	}
	if c.headerSize != 128 || c.firstNum != 1 || c.firstID != 1 || c.lastNum != uint64(len(events)) || c.lastID != uint64(len(events)) {
		t.Errorf("chunk header %+v", c)
	}
	if len(c.records) != len(events) {
		t.Fatalf("%d records, want %d", len(c.records), len(events))
	}
	last := c.records[len(c.records)-1]
	if int(c.lastOff) != last.off || int(c.free) != last.off+last.size {
		t.Errorf("last record offset %#x free %#x, want %#x %#x", c.lastOff, c.free, last.off, last.off+last.size)
	}
	for i, r := range c.records {
		if r.id != uint64(i+1) {
			t.Errorf("record %d has id %d", i, r.id)
		}
		if r.written != evtx.TimeToFiletime(events[i].System.TimeCreated) {
			t.Errorf("record %d written %d", i, r.written)
		}
	}
	// Template reuse: events of the same System shape share the template.
	// The first RCM event defines it inline, the second references it; the
	// two Noise events of the same shape likewise.
	if !c.records[0].inlineTmpl || c.records[1].inlineTmpl || c.records[2].inlineTmpl {
		t.Errorf("RCM records inline: %v %v %v, want true false false",
			c.records[0].inlineTmpl, c.records[1].inlineTmpl, c.records[2].inlineTmpl)
	}
	if !c.records[10].inlineTmpl || c.records[11].inlineTmpl {
		t.Errorf("SCM records inline: %v %v, want true false", c.records[10].inlineTmpl, c.records[11].inlineTmpl)
	}
	// A record that reuses both templates and every name is much smaller.
	if c.records[11].size >= c.records[10].size/2 {
		t.Errorf("second SCM record is %d bytes, first %d: templates or names not reused", c.records[11].size, c.records[10].size)
	}
	// The unused tail of the chunk is zero.
	chunk := b[fileHeaderBlock:]
	if bytes.ContainsFunc(chunk[c.free:], func(r rune) bool { return r != 0 }) {
		t.Errorf("bytes after free space offset are not zero")
	}
	// The common string table points at names: every bucket head is the
	// offset of a name structure whose hash falls in that bucket.
	heads := 0
	for i := range nameBuckets {
		off := le.Uint32(chunk[128+4*i:])
		for n := 0; off != 0 && n < 100; n++ {
			heads++
			hash := le.Uint16(chunk[off+4:])
			if int(hash)%nameBuckets != i {
				t.Errorf("name at %#x (hash %#x) in bucket %d", off, hash, i)
			}
			off = le.Uint32(chunk[off:])
		}
	}
	if heads < 30 {
		t.Errorf("string table lists %d names, want the ~40 element and attribute names", heads)
	}
	tmpls := 0
	for i := range templateBuckets {
		for off := le.Uint32(chunk[384+4*i:]); off != 0 && tmpls < 100; off = le.Uint32(chunk[off:]) {
			tmpls++
			if le.Uint32(chunk[off+4:])%templateBuckets != uint32(i) {
				t.Errorf("template at %#x in bucket %d", off, i)
			}
		}
	}
	// System shapes: the classic form with literal provider and channel for
	// RCM, EventLog and SCM; the manifest form (provider and channel as
	// substitutions) with EventData and with UserData. Body shapes: classic,
	// 36870, 36871, 36872, EventXML(3 params), param1..3 data, SCM data.
	if tmpls != 5+7 {
		t.Errorf("template table lists %d templates, want 12", tmpls)
	}
	// Manifest events of different providers share the System template.
	if !c.records[3].inlineTmpl || c.records[4].inlineTmpl || c.records[8].inlineTmpl {
		t.Errorf("Schannel/SessionBroker records inline: %v %v %v, want true false false",
			c.records[3].inlineTmpl, c.records[4].inlineTmpl, c.records[8].inlineTmpl)
	}
}

func TestNameHash(t *testing.T) {
	// Values from a real Windows chunk (System.evtx sample): "Binary" has
	// hash 0xb821.
	if h := nameHash("Binary"); h != 0xb821 {
		t.Errorf("nameHash(Binary) = %#x, want 0xb821", h)
	}
}

func TestOptions(t *testing.T) {
	events := Noise(t0, time.Second, 30)
	type check func(t *testing.T, b []byte, fi fileInfo, cs []chunkInfo)
	for _, tc := range []struct {
		name string
		o    Options
		ok   check
	}{
		{"dirty", Options{Dirty: true}, func(t *testing.T, b []byte, fi fileInfo, cs []chunkInfo) {
			if fi.flags != FlagDirty || !fi.crcOK {
				t.Errorf("flags %#x crc %v", fi.flags, fi.crcOK)
			}
		}},
		{"full", Options{Full: true, Dirty: true}, func(t *testing.T, b []byte, fi fileInfo, cs []chunkInfo) {
			if fi.flags != FlagDirty|FlagFull {
				t.Errorf("flags %#x", fi.flags)
			}
		}},
		{"minor2", Options{MinorVersion: 2}, func(t *testing.T, b []byte, fi fileInfo, cs []chunkInfo) {
			if fi.major != 3 || fi.minor != 2 {
				t.Errorf("version %d.%d", fi.major, fi.minor)
			}
		}},
		{"max per chunk", Options{MaxRecordsPerChunk: 7}, func(t *testing.T, b []byte, fi fileInfo, cs []chunkInfo) {
			if len(cs) != 5 || fi.chunks != 5 || fi.lastChunk != 4 || fi.nextRecord != 31 {
				t.Fatalf("%d chunks, header %+v", len(cs), fi)
			}
			for i, c := range cs {
				n := min(7, 30-7*i)
				if len(c.records) != n || c.firstID != uint64(7*i+1) || c.lastID != uint64(7*i+n) {
					t.Errorf("chunk %d: %d records, ids %d..%d", i, len(c.records), c.firstID, c.lastID)
				}
				// Each chunk defines its templates again.
				if !c.records[0].inlineTmpl || (n > 1 && c.records[1].inlineTmpl) {
					t.Errorf("chunk %d: template not defined inline at first use", i)
				}
			}
		}},
		{"undercount chunks", Options{MaxRecordsPerChunk: 10, UndercountChunks: 2, Dirty: true}, func(t *testing.T, b []byte, fi fileInfo, cs []chunkInfo) {
			if len(cs) != 3 || fi.chunks != 1 || fi.lastChunk != 0 || fi.nextRecord != 11 || !fi.crcOK {
				t.Errorf("%d chunks, header %+v", len(cs), fi)
			}
		}},
		{"uncount records", Options{MaxRecordsPerChunk: 10, UncountRecords: 3}, func(t *testing.T, b []byte, fi fileInfo, cs []chunkInfo) {
			last := cs[2]
			if len(last.records) != 10 || last.lastID != 27 || last.lastNum != 27 || fi.nextRecord != 28 {
				t.Fatalf("last chunk: %d records, last id %d; header next %d", len(last.records), last.lastID, fi.nextRecord)
			}
			r := last.records[6]
			if int(last.lastOff) != r.off || int(last.free) != r.off+r.size || !last.dataCRCOK || !last.headerCRCOK {
				t.Errorf("last chunk header: %+v", last)
			}
			if cs[1].lastID != 20 {
				t.Errorf("only the last chunk may be short: chunk 1 last id %d", cs[1].lastID)
			}
		}},
		{"uncount all records", Options{MaxRecordsPerChunk: 10, UncountRecords: 10}, func(t *testing.T, b []byte, fi fileInfo, cs []chunkInfo) {
			last := cs[2]
			if len(last.records) != 10 || last.lastID != 0 || last.free != chunkHeaderSize || !last.dataCRCOK || fi.nextRecord != 21 {
				t.Errorf("last chunk: %+v, next %d", last, fi.nextRecord)
			}
		}},
		{"wrapped", Options{MaxRecordsPerChunk: 10, OldestChunk: 2, Full: true}, func(t *testing.T, b []byte, fi fileInfo, cs []chunkInfo) {
			if fi.firstChunk != 2 || fi.lastChunk != 1 || fi.chunks != 3 || fi.nextRecord != 31 || !fi.crcOK {
				t.Errorf("header %+v", fi)
			}
			for slot, first := range []uint64{11, 21, 1} {
				if cs[slot].firstID != first || cs[slot].records[0].id != first || !cs[slot].records[0].inlineTmpl {
					t.Errorf("slot %d: first id %d, want %d", slot, cs[slot].firstID, first)
				}
			}
		}},
		{"truncate", Options{MaxRecordsPerChunk: 10, TruncateAt: fileHeaderBlock + 2*chunkSize + 1000}, func(t *testing.T, b []byte, fi fileInfo, cs []chunkInfo) {
			if len(b) != fileHeaderBlock+2*chunkSize+1000 || len(cs) != 2 || fi.chunks != 3 {
				t.Errorf("len %d, %d whole chunks, header counts %d", len(b), len(cs), fi.chunks)
			}
		}},
		{"bad crcs", Options{MaxRecordsPerChunk: 10, BadFileHeaderCRC: true, BadChunkHeaderCRC: []int{1}, BadRecordsCRC: []int{2}}, func(t *testing.T, b []byte, fi fileInfo, cs []chunkInfo) {
			if fi.crcOK {
				t.Errorf("file header CRC verifies")
			}
			got := [][2]bool{}
			for _, c := range cs {
				got = append(got, [2]bool{c.headerCRCOK, c.dataCRCOK})
			}
			want := [][2]bool{{true, true}, {false, true}, {true, false}}
			if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
				t.Errorf("chunk CRCs ok (header, data): %v, want %v", got, want)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := mustBytes(t, events, tc.o)
			fi, cs := walk(t, b)
			tc.ok(t, b, fi, cs)
		})
	}
}

// TestMultiChunk writes more than 1000 records: chunks fill up to 64 KiB,
// then a new chunk opens with fresh tables.
func TestMultiChunk(t *testing.T) {
	var events []*evtx.Event
	for i, ev := range Noise(t0, time.Second, 2500) {
		events = append(events, ev)
		if i%100 == 0 {
			events = append(events, Schannel36870(t0.Add(time.Duration(i)*time.Second), 0x8009030d, uint32(i)))
		}
	}
	b := mustBytes(t, events, Options{})
	fi, cs := walk(t, b)
	if len(cs) < 3 || int(fi.chunks) != len(cs) || fi.nextRecord != uint64(len(events))+1 {
		t.Fatalf("%d chunks, header %+v", len(cs), fi)
	}
	total := 0
	maxRec := 0
	for _, c := range cs {
		for _, r := range c.records {
			maxRec = max(maxRec, r.size)
		}
	}
	var next uint64 = 1
	for i, c := range cs {
		if !c.dataCRCOK || !c.headerCRCOK {
			t.Errorf("chunk %d: CRCs data %v header %v", i, c.dataCRCOK, c.headerCRCOK)
		}
		if c.free > chunkSize-8 {
			t.Errorf("chunk %d filled to the last byte (free space offset %#x)", i, c.free)
		}
		if i < len(cs)-1 && chunkSize-int(c.free) >= maxRec+8 {
			t.Errorf("chunk %d closed with %d bytes free, a record is at most %d", i, chunkSize-int(c.free), maxRec)
		}
		if !c.records[0].inlineTmpl {
			t.Errorf("chunk %d: first record references a template of another chunk", i)
		}
		for _, r := range c.records {
			if r.id != next {
				t.Fatalf("chunk %d: record id %d, want %d", i, r.id, next)
			}
			next++
		}
		total += len(c.records)
	}
	if total != len(events) {
		t.Errorf("%d records, want %d", total, len(events))
	}
	t.Logf("%d records in %d chunks", total, len(cs))

	if haveEvtxexport() == nil {
		path := writeTemp(t, events, Options{})
		n := compareRendered(t, "evtxexport", runEvtxexport(t, path), events, false)
		t.Logf("evtxexport agrees on %d events, %d values", len(events), n)
	} else if testingCI() {
		t.Fatal("evtxexport is required when CI=true")
	}
}

func TestErrors(t *testing.T) {
	big := SCM7036(t0, strings.Repeat("x", 40000), "running", "svc")
	for name, evs := range map[string][]*evtx.Event{
		"too big": {RCM1057(t0, "ok"), big},
		"too big in total": {{EventData: []evtx.Field{
			{Name: "A", Value: evtx.StringValue(strings.Repeat("a", 30000))},
			{Name: "B", Value: evtx.StringValue(strings.Repeat("b", 30000))},
			{Name: "C", Value: evtx.StringValue(strings.Repeat("c", 30000))}}}},
		"nil":                  {nil},
		"bad guid":             {{System: evtx.System{Provider: evtx.Provider{GUID: "{nope}"}}}},
		"bad activity":         {{System: evtx.System{ActivityID: "123"}}},
		"bad sid":              {{System: evtx.System{UserID: "S-1-x"}}},
		"bad data sid":         {{EventData: []evtx.Field{{Name: "S", Value: evtx.Value{Kind: evtx.KindSID, Str: "X-1-5"}}}}},
		"bad kind":             {{EventData: []evtx.Field{{Name: "H", Value: evtx.Value{Kind: evtx.KindEvtHandle}}}}},
		"array mix":            {{EventData: []evtx.Field{{Name: "A", Value: evtx.Value{Kind: evtx.KindString | evtx.ArrayFlag, Array: []evtx.Value{{Kind: evtx.KindUint8}}}}}}},
		"user data":            {{UserData: &evtx.Element{}}},
		"huge user data value": {{UserData: &evtx.Element{Name: "X", Value: evtx.Value{Kind: evtx.KindBinary, Bytes: make([]byte, 70000)}}}},
	} {
		if _, err := Bytes(evs, Options{}); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "evtxtest: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
	if _, err := Bytes(nil, Options{MinorVersion: 7}); err == nil {
		t.Errorf("minor version 7: no error")
	}
	// A deep UserData tree is refused, not recursed into forever.
	root := &evtx.Element{Name: "A"}
	cur := root
	for range 100 {
		c := &evtx.Element{Name: "A"}
		cur.Children = []*evtx.Element{c}
		cur = c
	}
	if _, err := Bytes([]*evtx.Event{{UserData: root}}, Options{}); err == nil {
		t.Errorf("deep UserData: no error")
	}
	// The biggest event that fits is written.
	fits := SCM7036(t0, strings.Repeat("x", 30000), "running", "svc")
	if _, err := Bytes([]*evtx.Event{fits}, Options{}); err != nil {
		t.Errorf("30000-char event: %v", err)
	}
}

func TestEmpty(t *testing.T) {
	b := mustBytes(t, nil, Options{})
	fi, cs := walk(t, b)
	if len(b) != fileHeaderBlock || len(cs) != 0 || fi.chunks != 0 || fi.nextRecord != 1 || !fi.crcOK {
		t.Errorf("empty log: len %d, header %+v", len(b), fi)
	}
}

func TestDeterministic(t *testing.T) {
	a := mustBytes(t, scenarioEvents(), Options{})
	b := mustBytes(t, scenarioEvents(), Options{})
	if !bytes.Equal(a, b) {
		t.Errorf("two writes of the same events differ")
	}
}

func TestWriteDir(t *testing.T) {
	dir := t.TempDir()
	events := scenarioEvents()
	names, err := WriteDir(dir, events, Options{Dirty: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Microsoft-Windows-TerminalServices-SessionBroker%4Operational.evtx",
		"Microsoft-Windows-TerminalServices-SessionBroker-Client%4Operational.evtx",
		"System.evtx",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("files %q, want %q", names, want)
	}
	counts := map[string]int{}
	for _, ev := range events {
		counts[ev.System.Channel]++
	}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		fi, cs := walk(t, b)
		n := 0
		for _, c := range cs {
			n += len(c.records)
		}
		ch := strings.ReplaceAll(strings.TrimSuffix(name, ".evtx"), "%4", "/")
		if n != counts[ch] || fi.flags != FlagDirty || cs[0].firstID != 1 {
			t.Errorf("%s: %d records (want %d), flags %#x, first id %d", name, n, counts[ch], fi.flags, cs[0].firstID)
		}
	}
	// The project's log discovery finds them under their channels.
	logs, err := evtx.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	var channels []string
	for _, l := range logs {
		channels = append(channels, l.Channel)
	}
	slices.Sort(channels)
	want = []string{ChannelSessionBroker, ChannelSessionBrokerClient, ChannelSystem}
	slices.Sort(want)
	if !slices.Equal(channels, want) {
		t.Errorf("evtx.Find channels %q, want %q", channels, want)
	}
	if _, err := WriteDir(dir, []*evtx.Event{{}}, Options{}); err == nil {
		t.Errorf("event without channel: no error")
	}
	bad := RCM1057(t0, "x")
	bad.System.Channel = "../x"
	if _, err := WriteDir(dir, []*evtx.Event{bad}, Options{}); err == nil {
		t.Errorf("channel ../x: no error")
	}
}
