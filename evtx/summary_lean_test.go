package evtx

import (
	"encoding/binary"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// leanTally counts how summarize read the records checkLean saw.
type leanTally struct {
	records  int
	leanOK   int // summarizeLean decided, ok
	leanNo   int // summarizeLean decided, declined
	fallback int // summarizeFull read it
	// partial counts declined summaries whose Summary is partly filled
	// (summarizeFull stopped after reading Provider or EventID).
	partial int
}

// checkLean checks that summarize, and summarizeLean where it decides,
// give for the record at off what summarizeFull gives on a fresh decoder
// of chunk c, (Summary, ok) alike (a declined summary's partly filled
// Summary too), and leave the record's work budget where summarizeFull
// leaves it. d is the decoder under test, which may hold what other
// records left (memo, template cache, the last strings).
func (lt *leanTally) checkLean(t *testing.T, name string, c []byte, d *chunkDecoder, off, size int) {
	t.Helper()
	ref := newChunkDecoder(c)
	want, wok := ref.summarizeFull(off, size)
	s, ok, decided := d.summarizeLean(off, size)
	lt.records++
	if !wok && want != (Summary{}) {
		lt.partial++
	}
	switch {
	case !decided:
		lt.fallback++
	case ok:
		lt.leanOK++
	default:
		lt.leanNo++
	}
	if decided {
		if s != want || ok != wok {
			t.Fatalf("%s record at %#x: summarizeLean %+v %v, summarizeFull %+v %v", name, off, s, ok, want, wok)
		}
		if d.budget != ref.budget || d.defBudget != ref.defBudget {
			t.Fatalf("%s record at %#x: summarizeLean leaves budgets %d/%d, summarizeFull %d/%d", name, off, d.budget, d.defBudget, ref.budget, ref.defBudget)
		}
	}
	if s, ok := d.summarize(off, size); s != want || ok != wok {
		t.Fatalf("%s record at %#x: summarize %+v %v, summarizeFull %+v %v", name, off, s, ok, want, wok)
	}
}

// TestSummarizeLeanEqualsFull: over every record of every sample and of a
// damaged copy of each, read with a fresh decoder, with one decoder per
// chunk in file order and with the template cache across chunks, the lean
// summary is summarizeFull's; and nearly every real record is read lean.
func TestSummarizeLeanEqualsFull(t *testing.T) {
	var real, dam leanTally
	logs := testLogs(t)
	for i, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && i%5 != 0 {
			continue
		}
		b := logs[name]
		for vi, v := range []struct {
			name string
			b    []byte
		}{{name, b}, {name + " (damaged)", damaged(b)}} {
			lt := &real
			if vi == 1 {
				lt = &dam
			}
			cache := newTmplCache()
			for ci := 0; fileHeaderBlock+ci*chunkSize < len(v.b); ci++ {
				c := chunkAt(v.b, ci)
				inOrder := newChunkDecoder(c)
				cached := cache.decoder(c)
				for _, sp := range recordSpans(c) {
					lt.checkLean(t, v.name, c, newChunkDecoder(c), sp[0], sp[1])
					lt.checkLean(t, v.name+" (in order)", c, inOrder, sp[0], sp[1])
					lt.checkLean(t, v.name+" (template cache)", c, cached, sp[0], sp[1])
				}
			}
		}
	}
	// The fuzz targets' committed inputs: chunks (FuzzDecodeRecord) and
	// files (FuzzReader), read chunk by chunk.
	var corpus leanTally
	for _, b := range fuzzCorpus(t, "FuzzDecodeRecord", "FuzzReader", "FuzzSummarize") {
		var cs [][]byte
		if len(b) >= fileHeaderBlock && string(b[:8]) == "ElfFile\x00" {
			for ci := 0; fileHeaderBlock+ci*chunkSize < len(b); ci++ {
				cs = append(cs, chunkAt(b, ci))
			}
		} else {
			cs = append(cs, b[:min(len(b), chunkSize)])
		}
		for _, c := range cs {
			d := newChunkDecoder(c)
			for _, sp := range recordSpans(c) {
				corpus.checkLean(t, "fuzz corpus", c, d, sp[0], sp[1])
			}
		}
	}
	t.Logf("samples: %+v; damaged copies: %+v; fuzz corpus: %+v", real, dam, corpus)
	if corpus.records == 0 {
		t.Errorf("fuzz corpus: no record read")
	}
	if real.records < 3000 || real.leanOK < real.records*95/100 {
		t.Errorf("samples: %+v: summarizeLean should read nearly all", real)
	}
	if dam.leanOK == 0 || dam.fallback == 0 {
		t.Errorf("damaged copies: %+v: summarizeLean and summarizeFull should both read some", dam)
	}
}

// fuzzCorpus returns the inputs committed under testdata/fuzz for the
// fuzz targets named (one []byte argument each).
func fuzzCorpus(t *testing.T, targets ...string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, target := range targets {
		files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
				t.Fatalf("%s: not one []byte fuzz input", f)
			}
			v, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, []byte(v))
		}
	}
	return out
}

// craftedSummaryChunks writes n chunks of records whose templates vary
// every shape summarize judges: Event, System, Provider, EventID and
// Computer prefixed, misnamed, repeated or absent; Provider's Name
// repeated, prefixed, xmlns, text, several pieces; content of one
// substitution (normal or optional), text, several pieces, a child
// element; substitutions among Event's and System's children; and values
// of every kind (NULL, empty and repeated strings, integers of the wrong
// size, arrays, BinXML naming System or not, broken BinXML). Each
// template is used by several records (inline, then by reference), with
// other values; some records have tokens after the instance. It returns
// the chunks and the offset and size of their records.
func craftedSummaryChunks(n int, seed uint64) (chunks [][]byte, recs [][][2]int) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	one := func(p int) bool { return r.IntN(p) == 0 }
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	for range n {
		w := newBXW()
		var spans [][2]int
		type tmpl struct {
			def, nvals int
			sysName    int // offset of a name "System" or other, for BinXML values
			roles      map[int]string
		}
		var tmpls []tmpl
		for range 12 + r.IntN(12) {
			// A new template, or one already written.
			reuse := len(tmpls) > 0 && !one(3)
			var tp tmpl
			if reuse {
				tp = tmpls[r.IntN(len(tmpls))]
			}
			body := func() {
				idx := 0
				role := ""
				tp.roles = map[int]string{}
				sub := func() {
					i := idx
					if idx > 0 && one(6) {
						i = r.IntN(idx) // the same value used twice
					} else {
						tp.roles[i] = role
						idx++
					}
					w.subst(uint16(i), KindString, one(2))
				}
				content := func() {
					switch r.IntN(10) {
					case 0:
						w.text(pick("7036", " 42 ", "Srv", "x"))
					case 1:
						w.text("A")
						sub()
					case 2:
						sub()
						sub()
					case 3:
						w.open("Inner", false, -1)
						w.closeEmpty()
					case 4:
						// nothing
					case 5:
						for range 300 {
							w.subst(0, KindString, false)
						}
						idx = max(idx, 1)
					default:
						sub()
					}
				}
				leaf := func(name string) {
					role = name
					defer func() { role = "" }()
					w.open(name, false, -1)
					if one(8) {
						w.closeEmpty()
						return
					}
					w.closeStart()
					content()
					w.end()
				}
				provider := func(name string) {
					role = name
					defer func() { role = "" }()
					w.open(name, true, -1)
					attrs := []string{"Name"}
					if one(3) {
						attrs = append(attrs, "Guid")
					}
					if one(8) {
						attrs = append(attrs, pick("e:Name", "xmlns:Name", "Name", "name", "xmlns"))
					}
					if one(10) {
						attrs[0] = pick("e:Name", "xName", "xmlns")
					}
					r.Shuffle(len(attrs), func(i, j int) { attrs[i], attrs[j] = attrs[j], attrs[i] })
					for i, a := range attrs {
						w.attr(a, i+1 < len(attrs))
						switch r.IntN(8) {
						case 0:
							w.text(pick("Service Control Manager", "Schannel"))
						case 1:
							w.text("Microsoft-")
							sub()
						case 2:
							for range 300 {
								w.subst(0, KindString, false)
							}
							idx = max(idx, 1)
						default:
							sub()
						}
					}
					w.closeEmpty()
				}
				w.fragment()
				w.open(pick(append(slices.Repeat([]string{"Event"}, 40), "e:Event", "Evt")...), false, -1)
				w.closeStart()
				if one(4) {
					sub() // before System: BinXML here may hold a System
				}
				tp.sysName = w.open(pick(append(slices.Repeat([]string{"System"}, 40), "e:System", "system")...), false, -1)
				w.closeStart()
				var kids []func()
				for _, k := range []struct {
					p    int
					name []string
					f    func(string)
				}{
					{1, append(slices.Repeat([]string{"Provider"}, 40), "e:Provider"), provider},
					{1, append(slices.Repeat([]string{"EventID"}, 40), "e:EventID", "EventId"), leaf},
					{1, append(slices.Repeat([]string{"Computer"}, 40), "e:Computer"), leaf},
					{2, []string{"Level", "Channel"}, leaf},
					{20, []string{"Provider", "EventID", "Computer"}, leaf},
				} {
					if one(k.p) || (k.p == 1 && !one(10)) {
						name := pick(k.name...)
						kids = append(kids, func() { k.f(name) })
					}
				}
				if one(4) {
					kids = append(kids, sub) // a substitution among System's children
				}
				r.Shuffle(len(kids), func(i, j int) { kids[i], kids[j] = kids[j], kids[i] })
				for _, k := range kids {
					k()
				}
				w.end()
				if one(3) {
					sub() // EventData, UserData
				}
				if one(20) {
					w.open("System", false, -1)
					w.closeEmpty()
				}
				w.end()
				w.eof()
				tp.nvals = idx
			}
			off, size := w.record(1, testFT, func() {
				if !one(20) {
					w.fragment()
				}
				if reuse {
					w.templateRef(tp.def)
				} else {
					tp.def = w.templateInline(body)
					tmpls = append(tmpls, tp)
				}
				var vals []tval
				for i := range tp.nvals + r.IntN(2) {
					vals = append(vals, craftedValue(r, tp.roles[i], tp.sysName))
				}
				w.values(vals...)
				switch r.IntN(12) {
				case 0: // no EOF token
				case 1:
					w.u8(0x40) // EOF with the more flag
				case 2:
					w.open("After", false, -1) // an element after the instance
					w.closeEmpty()
					w.eof()
				case 3:
					w.u8(0x33) // garbage
				default:
					w.eof()
				}
			})
			spans = append(spans, [2]int{off, size})
		}
		chunks = append(chunks, w.b)
		recs = append(recs, spans)
	}
	return chunks, recs
}

// craftedValue returns a random substitution value, more often one that
// suits role (the element whose content or attribute holds it); BinXML
// values reference the name at nameOff.
func craftedValue(r *rand.Rand, role string, nameOff int) tval {
	if r.IntN(6) > 0 {
		switch role {
		case "Provider", "Computer":
			return strv([]string{"Service Control Manager", "Microsoft-Windows-Kernel-General", "HOST-1", "host-2"}[r.IntN(4)])
		case "EventID":
			if r.IntN(2) == 0 {
				return strv("7036")
			}
			return tval{KindUint16, le16(uint16(r.IntN(3) * 7036))}
		}
	}
	binXML := func(name int) []byte {
		b := []byte{0x0f, 1, 1, 0, 0x01}
		b = append(b, le32(9)...)
		b = append(b, le32(uint32(name))...)
		return append(b, 0x03, 0x00)
	}
	switch r.IntN(22) {
	case 0:
		return tval{KindNull, nil}
	case 1:
		return strv("")
	case 2:
		return tval{KindString, utf16le("Service Control Manager")} // no NUL
	case 3:
		return strv("Service Control Manager\x00\x00")
	case 4:
		return strv("Ünïcode-Prövider")
	case 5:
		return tval{KindString, []byte{0x41, 0, 0x42}} // odd length
	case 6:
		return tval{KindUint16, le16(7036)}
	case 7:
		return tval{KindUint16, []byte{1, 2, 3}} // wrong size: binary
	case 8:
		return tval{KindUint32, le32(1 << 20)}
	case 9:
		return tval{KindInt8, []byte{0xff}}
	case 10:
		return tval{KindAnsiString, []byte("123 ")}
	case 11:
		return strv(" 42 ")
	case 12:
		return tval{KindString | ArrayFlag, append(utf16le("a\x00b"), 0, 0)}
	case 13:
		return tval{KindUint16 | ArrayFlag, append(le16(1), le16(2)...)}
	case 14:
		return tval{KindBinXML, binXML(nameOff)}
	case 15:
		return tval{KindBinXML, []byte{0xff, 0xff}}
	case 16:
		return tval{KindGUID, make([]byte, 16)}
	case 17:
		return tval{KindFileTime, le64(testFT)}
	case 18:
		return tval{KindBinary, []byte{1, 2}}
	case 19:
		return tval{KindSID, []byte{1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}}
	case 20:
		return tval{KindString, make([]byte, 1200)} // NULs: an empty string, long
	}
	return strv([]string{"Service Control Manager", "Microsoft-Windows-Kernel-General", "HOST-1", "host-2"}[r.IntN(4)])
}

// TestSummarizeLeanCrafted: over crafted templates of every shape the
// summary judges (craftedSummaryChunks), each record read alone, in
// order, and with definition bounds that always run out, summarize and
// summarizeLean say what summarizeFull says; each way (lean read, lean
// decline, full read) is taken.
func TestSummarizeLeanCrafted(t *testing.T) {
	chunks, recs := craftedSummaryChunks(300, 1)
	var lt leanTally
	for i, c := range chunks {
		inOrder := newChunkDecoder(c)
		for _, sp := range recs[i] {
			lt.checkLean(t, "crafted", c, newChunkDecoder(c), sp[0], sp[1])
			lt.checkLean(t, "crafted (in order)", c, inOrder, sp[0], sp[1])
		}
	}
	t.Logf("crafted: %+v", lt)
	if lt.leanOK < lt.records/10 || lt.leanNo < lt.records/10 || lt.fallback < lt.records/20 || lt.partial == 0 {
		t.Errorf("crafted: %+v: every way should be taken often", lt)
	}
	// With every bound run out, summarizeLean leaves each instance to
	// summarizeFull, and summarize still says the same.
	boundExtra = 1 << 40
	defer func() { boundExtra = 0 }()
	var over leanTally
	for i, c := range chunks[:50] {
		d := newChunkDecoder(c)
		for _, sp := range recs[i] {
			over.checkLean(t, "crafted (bound out)", c, d, sp[0], sp[1])
		}
	}
	if over.leanOK != 0 {
		t.Errorf("bound out: %+v: no record should be read lean", over)
	}
}

// FuzzSummarize: for every record of a chunk prefix (from offset 512 on,
// following the sizes, as FuzzDecodeRecord walks them), summarize and
// summarizeLean (where it decides) give what summarizeFull gives, with
// one decoder for the whole chunk against a fresh one per record. Seeds:
// crafted chunks (craftedSummaryChunks) and the samples' first records.
func FuzzSummarize(f *testing.F) {
	addSummaryFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, chunk []byte) {
		if len(chunk) > chunkSize {
			chunk = chunk[:chunkSize]
		}
		d := newChunkDecoder(chunk)
		var lt leanTally
		for off := 512; off+28 <= len(chunk); {
			size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
			if size < 28 || size > len(chunk)-off {
				break
			}
			lt.checkLean(t, "fuzz", chunk, d, off, size)
			off += size
		}
	})
}

// addSummaryFuzzSeeds adds the seeds of the fuzzers of record reads
// without decoding (FuzzSummarize, FuzzEventData): crafted chunks of
// every summary shape, and the chunks of the samples.
func addSummaryFuzzSeeds(f *testing.F) {
	chunks, _ := craftedSummaryChunks(8, 2)
	for _, c := range chunks {
		f.Add(c)
	}
	for _, s := range fuzzSeedChunks(f) {
		f.Add(s)
	}
}

// BenchmarkSummarize reads the summary of every record of the sample
// System log in turn, one decoder per chunk kept across the loop (its
// templates compiled once, as scanChunk's decoder has them after the
// chunk's first record): summarize, and summarizeFull (the reference) to
// compare. An op is one record.
func BenchmarkSummarize(b *testing.B) {
	log := testLogs(b)["fukusuket__evtx-parser__samples__System.evtx"]
	if log == nil {
		b.Fatal("sample missing")
	}
	type rec struct {
		d         *chunkDecoder
		off, size int
	}
	var recs []rec
	for ci := 0; fileHeaderBlock+ci*chunkSize < len(log); ci++ {
		c := chunkAt(log, ci)
		d := newChunkDecoder(c)
		for _, sp := range recordSpans(c) {
			recs = append(recs, rec{d, sp[0], sp[1]})
		}
	}
	for _, way := range []struct {
		name string
		f    func(d *chunkDecoder, off, size int) (Summary, bool)
	}{{"summarize", (*chunkDecoder).summarize}, {"summarizeFull", (*chunkDecoder).summarizeFull}} {
		b.Run(way.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				r := recs[n%len(recs)]
				n++
				way.f(r.d, r.off, r.size)
			}
		})
	}
}
