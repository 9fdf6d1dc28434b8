package evtx

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"
)

// systemTemplate writes a Windows-shaped <Event><System>...</System>
// template body with substitutions 0..: 0 provider name, 1 guid (optional),
// 2 event id, 3 qualifiers (optional), 4 level, 5 task, 6 keywords,
// 7 time, 8 record id, 9 activity id (optional), 10 pid, 11 tid,
// 12 channel, 13 computer, 14 user sid (optional).
func systemTemplate(w *bxw) {
	w.open("System", false, -1)
	w.closeStart()
	w.open("Provider", true, -1)
	w.attr("Name", true)
	w.subst(0, KindString, true)
	w.attr("Guid", false)
	w.subst(1, KindGUID, true)
	w.closeEmpty()
	w.open("EventID", true, -1)
	w.attr("Qualifiers", false)
	w.subst(3, KindUint16, true)
	w.closeStart()
	w.subst(2, KindUint16, false)
	w.end()
	w.leaf("Level", 4, KindUint8, false)
	w.leaf("Task", 5, KindUint16, false)
	w.leaf("Keywords", 6, KindHexInt64, false)
	w.open("TimeCreated", true, -1)
	w.attr("SystemTime", false)
	w.subst(7, KindFileTime, false)
	w.closeEmpty()
	w.leaf("EventRecordID", 8, KindUint64, false)
	w.open("Correlation", true, -1)
	w.attr("ActivityID", false)
	w.subst(9, KindGUID, true)
	w.closeEmpty()
	w.open("Execution", true, -1)
	w.attr("ProcessID", true)
	w.subst(10, KindUint32, false)
	w.attr("ThreadID", false)
	w.subst(11, KindUint32, false)
	w.closeEmpty()
	w.leaf("Channel", 12, KindString, false)
	w.leaf("Computer", 13, KindString, false)
	w.open("Security", true, -1)
	w.attr("UserID", false)
	w.subst(14, KindSID, true)
	w.closeEmpty()
	w.end()
}

var (
	testGUID = []byte{0x32, 0x81, 0x67, 0x1f, 0x38, 0x59, 0x86, 0x46, 0x9f, 0xdc, 0xc8, 0xff, 0x68, 0xf1, 0x5c, 0x85}
	// S-1-5-18
	testSID = []byte{1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}
	// 2022-10-16T20:27:36.2228549Z
	testFT = TimeToFiletime(time.Date(2022, 10, 16, 20, 27, 36, 222854900, time.UTC))
)

func systemValues(eventID uint16, qualifiers []byte, guid []byte, sid []byte) []tval {
	// An absent value is NULL, as Windows writes it (a zero-length value of
	// another type is an empty value, and keeps its element or attribute).
	orNull := func(k Kind, b []byte) tval {
		if b == nil {
			return tval{KindNull, nil}
		}
		return tval{k, b}
	}
	return []tval{
		strv("Schannel"),
		orNull(KindGUID, guid),
		{KindUint16, le16(eventID)},
		orNull(KindUint16, qualifiers),
		{KindUint8, []byte{2}},
		{KindUint16, le16(0)},
		{KindHexInt64, le64(0x8000000000000000)},
		{KindFileTime, le64(testFT)},
		{KindUint64, le64(2213)},
		{KindNull, nil},
		{KindUint32, le32(616)},
		{KindUint32, le32(3936)},
		strv("System"),
		strv("nt0000000"),
		orNull(KindSID, sid),
	}
}

// schannelRecord writes a 36870-like record whose template is defined
// inline, with EventData Type/ErrorCode/ErrorStatus as substitutions 15..17.
func schannelRecord(w *bxw, id uint64) (off, size, def int) {
	off, size = w.record(id, testFT, func() {
		w.fragment()
		def = w.templateInline(func() {
			w.fragment()
			w.open("Event", true, -1)
			w.attr("xmlns", false)
			w.text("http://schemas.microsoft.com/win/2004/08/events/event")
			w.closeStart()
			systemTemplate(w)
			w.open("EventData", false, -1)
			w.closeStart()
			for i, n := range []string{"Type", "ErrorCode", "ErrorStatus"} {
				w.open("Data", true, -1)
				w.attr("Name", false)
				w.text(n)
				w.closeStart()
				w.subst(uint16(15+i), []Kind{KindString, KindHexInt32, KindUint32}[i], false)
				w.end()
			}
			w.end()
			w.end()
			w.eof()
		})
		vals := append(systemValues(36870, nil, testGUID, testSID),
			strv("server"), tval{KindHexInt32, le32(0x8009030d)}, tval{KindUint32, le32(10001)})
		w.values(vals...)
		w.eof()
	})
	return off, size, def
}

const schannelXML = `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Schannel' Guid='{1F678132-5938-4686-9FDC-C8FF68F15C85}'/><EventID>36870</EventID><Level>2</Level><Task>0</Task><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2022-10-16T20:27:36.2228549Z'/><EventRecordID>2213</EventRecordID><Correlation/><Execution ProcessID='616' ThreadID='3936'/><Channel>System</Channel><Computer>nt0000000</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='Type'>server</Data><Data Name='ErrorCode'>0x8009030d</Data><Data Name='ErrorStatus'>10001</Data></EventData></Event>`

func TestDecodeTemplateRecord(t *testing.T) {
	w := newBXW()
	off, size, _ := schannelRecord(w, 7)
	ev, err := newChunkDecoder(w.b).decodeRecord(off, size)
	if err != nil {
		t.Fatal(err)
	}
	if ev.RecordID != 7 || !ev.Written.Equal(FiletimeToTime(testFT)) {
		t.Errorf("header: id %d written %v", ev.RecordID, ev.Written)
	}
	s := ev.System
	want := System{
		Provider: Provider{Name: "Schannel", GUID: "{1F678132-5938-4686-9FDC-C8FF68F15C85}"},
		EventID:  36870, Level: 2, Keywords: 0x8000000000000000,
		TimeCreated:   time.Date(2022, 10, 16, 20, 27, 36, 222854900, time.UTC),
		EventRecordID: 2213, ProcessID: 616, ThreadID: 3936,
		Channel: "System", Computer: "nt0000000", UserID: "S-1-5-18",
	}
	if s != want {
		t.Errorf("System:\n got %+v\nwant %+v", s, want)
	}
	if got := ev.XML(); got != schannelXML {
		t.Errorf("XML:\n got %s\nwant %s", got, schannelXML)
	}
	if len(ev.EventData) != 3 {
		t.Fatalf("EventData: %+v", ev.EventData)
	}
	code, ok := ev.Data("ErrorCode")
	if !ok || code.Kind != KindHexInt32 || code.Uint != 0x8009030d {
		t.Errorf("ErrorCode = %+v", code)
	}
	if kw := ev.Root.Child("System").Child("Keywords").Value.Kind; kw != KindHexInt64 {
		t.Errorf("Keywords kind %v", kw)
	}
	if st, _ := ev.Root.Child("System").Child("TimeCreated").Attr("SystemTime"); st.Kind != KindFileTime {
		t.Errorf("SystemTime kind %v", st.Kind)
	}
	// Optional substitutions that are null: the attributes are gone.
	if p := ev.Root.Child("System").Child("EventID"); len(p.Attrs) != 0 || ev.System.HasQualifiers {
		t.Errorf("EventID attrs %+v", p.Attrs)
	}
}

func TestDecodeTemplateFromEarlierRecord(t *testing.T) {
	w := newBXW()
	off1, size1, def := schannelRecord(w, 1)
	// Second record: a reference to the first record's template, and
	// different values (qualifiers present, no GUID, no SID).
	off2, size2 := w.record(2, testFT, func() {
		w.fragment()
		w.templateRef(def)
		vals := append(systemValues(36871, le16(0xc000), nil, nil),
			strv("client"), tval{KindHexInt32, le32(0x1)}, tval{KindUint32, le32(10013)})
		w.values(vals...)
		w.eof()
	})
	d := newChunkDecoder(w.b)
	// Decode the later record first: the template is found by offset.
	ev, err := d.decodeRecord(off2, size2)
	if err != nil {
		t.Fatal(err)
	}
	if ev.System.EventID != 36871 || !ev.System.HasQualifiers || ev.System.Qualifiers != 0xc000 {
		t.Errorf("System %+v", ev.System)
	}
	if ev.System.Provider.GUID != "" || ev.System.UserID != "" {
		t.Errorf("optional GUID/SID should be absent: %+v", ev.System)
	}
	x := ev.XML()
	for _, s := range []string{`<Provider Name='Schannel'/>`, `<EventID Qualifiers='49152'>36871</EventID>`, `<Security/>`, `<Data Name='Type'>client</Data>`} {
		if !strings.Contains(x, s) {
			t.Errorf("XML lacks %s: %s", s, x)
		}
	}
	if _, err := d.decodeRecord(off1, size1); err != nil {
		t.Fatal(err)
	}
	if n := len(d.memoTemplates()); n != 1 {
		t.Errorf("templates cached: %d, want 1", n)
	}
}

// classicRecord writes a classic-event-shaped record: <Event><System>
// <Provider Name=%0/><EventID Qualifiers=%1>%2</EventID></System>
// <EventData><Data>%3</Data><Binary>%4</Binary></EventData></Event>, with
// %3 and %4 optional as Windows writes them.
func classicRecord(w *bxw, id uint64, vals ...tval) (int, int) {
	return w.record(id, testFT, func() {
		w.fragment()
		w.templateInline(func() {
			w.fragment()
			w.open("Event", false, -1)
			w.closeStart()
			w.open("System", false, -1)
			w.closeStart()
			w.open("Provider", true, -1)
			w.attr("Name", false)
			w.subst(0, KindString, false)
			w.closeEmpty()
			w.open("EventID", true, -1)
			w.attr("Qualifiers", false)
			w.subst(1, KindUint16, true)
			w.closeStart()
			w.subst(2, KindUint16, false)
			w.end()
			w.end()
			w.open("EventData", false, -1)
			w.closeStart()
			w.leaf("Data", 3, KindString|ArrayFlag, true)
			w.leaf("Binary", 4, KindBinary, true)
			w.end()
			w.end()
			w.eof()
		})
		w.values(vals...)
		w.eof()
	})
}

func TestDecodeArraysAndOptionalElements(t *testing.T) {
	w := newBXW()
	arr := append(append(append(utf16le("OLDHOST"), 0, 0), utf16le("NEWHOST")...), 0, 0)
	off, size := classicRecord(w, 1,
		strv("EventLog"), tval{KindUint16, le16(0x8000)}, tval{KindUint16, le16(6011)},
		tval{KindString | ArrayFlag, arr}, tval{KindNull, nil})
	d := newChunkDecoder(w.b)
	ev, err := d.decodeRecord(off, size)
	if err != nil {
		t.Fatal(err)
	}
	want := `<Event><System><Provider Name='EventLog'/><EventID Qualifiers='32768'>6011</EventID></System><EventData><Data>OLDHOST</Data><Data>NEWHOST</Data></EventData></Event>`
	if got := ev.XML(); got != want {
		t.Errorf("XML:\n got %s\nwant %s", got, want)
	}
	if len(ev.EventData) != 2 || ev.EventData[0].Value.Str != "OLDHOST" || ev.EventData[1].Name != "" || ev.Binary != nil {
		t.Errorf("EventData %+v Binary %v", ev.EventData, ev.Binary)
	}
	// Binary present, data array empty: no <Data> at all.
	off, size = classicRecord(w, 2,
		strv("X"), tval{KindNull, nil}, tval{KindUint16, le16(1)},
		tval{KindString | ArrayFlag, nil}, tval{KindBinary, []byte{0xe6, 0x07, 0x0a}})
	ev, err = newChunkDecoder(w.b).decodeRecord(off, size)
	if err != nil {
		t.Fatal(err)
	}
	want = `<Event><System><Provider Name='X'/><EventID>1</EventID></System><EventData><Binary>E6070A</Binary></EventData></Event>`
	if got := ev.XML(); got != want {
		t.Errorf("XML:\n got %s\nwant %s", got, want)
	}
	if string(ev.Binary) != "\xe6\x07\x0a" || len(ev.EventData) != 0 {
		t.Errorf("Binary %x EventData %+v", ev.Binary, ev.EventData)
	}
}

// TestDecodeLiteralTokens covers records with no template: names inline
// and by reference, CDATA, character and entity references, attributes
// made of several pieces, PI target/data, nested BinXML without
// dependency ids.
func TestDecodeLiteralTokens(t *testing.T) {
	w := newBXW()
	var nameOff int
	off, size := w.record(3, testFT, func() {
		w.fragment()
		w.open("Event", false, -1)
		w.closeStart()
		nameOff = w.open("Item", true, -1)
		w.attr("a", false)
		w.text("x")
		w.charRef('<')
		w.entityRef("amp")
		w.closeStart()
		w.text("t1 ")
		w.cdata("c<d")
		w.entityRef("gt")
		w.end()
		w.open("Item", false, nameOff) // name by reference
		w.closeEmpty()
		w.raw(0x0a)
		w.nameRef("pi", -1)
		w.u8(0x0b)
		w.u16(2)
		w.raw(utf16le("ok")...)
		w.end()
		w.eof()
	})
	ev, err := newChunkDecoder(w.b).decodeRecord(off, size)
	if err != nil {
		t.Fatal(err)
	}
	want := `<Event><Item a='x&lt;&amp;'>t1 c&lt;d&gt;</Item><Item/></Event>`
	if got := ev.XML(); got != want {
		t.Errorf("XML:\n got %s\nwant %s", got, want)
	}
	if a, _ := ev.Root.Children[0].Attr("a"); a.Kind != KindString || a.Str != "x<&" {
		t.Errorf("attr a = %+v", a)
	}
}

func TestDecodeEmbeddedBinXML(t *testing.T) {
	w := newBXW()
	off, size := w.record(4, testFT, func() {
		w.fragment()
		w.templateInline(func() {
			w.fragment()
			w.open("Event", false, -1)
			w.closeStart()
			w.open("UserData", false, -1)
			w.closeStart()
			w.subst(0, KindBinXML, false)
			w.end()
			w.end()
			w.eof()
		})
		// The value: a fragment whose elements have no dependency id.
		// Its names are inline at their chunk offsets, so it is written
		// in place: count, descriptor, then the bytes.
		w.u32(1)
		descAt := w.pos()
		w.u16(0)
		w.u8(byte(KindBinXML))
		w.u8(0)
		start := w.pos()
		w.fragment()
		w.open("EventXML", false, -1)
		w.closeStart()
		w.open("param3", false, -1)
		w.closeStart()
		w.text("Remote Desktop Connection Broker is not ready for RPC communication.")
		w.end()
		w.end()
		w.eof()
		n := w.pos() - start
		w.b[descAt] = byte(n)
		w.b[descAt+1] = byte(n >> 8)
		w.eof()
	})
	ev, err := newChunkDecoder(w.b).decodeRecord(off, size)
	if err != nil {
		t.Fatal(err)
	}
	if ev.UserData == nil || ev.UserData.Name != "EventXML" {
		t.Fatalf("UserData = %+v (XML %s)", ev.UserData, ev.XML())
	}
	if p := ev.UserData.Child("param3"); p == nil || !strings.HasPrefix(p.Value.Str, "Remote Desktop") {
		t.Errorf("param3 = %+v", p)
	}
}

func TestDecodeValueKinds(t *testing.T) {
	st := []byte{}
	for _, v := range []uint16{2023, 4, 1, 5, 6, 7, 8, 9} { // year, month, dow, day, h, m, s, ms
		st = append(st, le16(v)...)
	}
	cases := []struct {
		k    Kind
		b    []byte
		want string
	}{
		{KindString, append(utf16le("abc"), 0, 0, 0, 0), "abc"},
		{KindString, utf16le("h\u00e9\U0001F600"), "h\u00e9\U0001F600"},
		{KindString, []byte{0x00, 0xd8, 'a', 0}, "\uFFFDa"}, // unpaired surrogate
		{KindAnsiString, []byte{'a', 0x80, 0xe9, 0}, "a\u20ac\u00e9"},
		{KindInt8, []byte{0xff}, "-1"},
		{KindUint8, []byte{0xff}, "255"},
		{KindInt16, le16(0xfffe), "-2"},
		{KindUint16, le16(65535), "65535"},
		{KindInt32, le32(0xfffffde4), "-540"},
		{KindUint32, le32(4000000000), "4000000000"},
		{KindInt64, le64(1 << 63), "-9223372036854775808"},
		{KindUint64, le64(1 << 63), "9223372036854775808"},
		{KindReal32, le32(0x3fc00000), "1.5"},
		{KindReal64, le64(0x400921fb54442d18), "3.141592653589793"},
		{KindBool, le32(1), "true"},
		{KindBool, le32(0), "false"},
		{KindBool, le32(0x100), "true"},
		{KindBinary, []byte{0x0a, 0xbc}, "0ABC"},
		{KindGUID, testGUID, "{1F678132-5938-4686-9FDC-C8FF68F15C85}"},
		{KindSizeT, le32(0x3e7), "0x3e7"},
		{KindSizeT, le64(0x1234567890), "0x1234567890"},
		{KindFileTime, le64(testFT), "2022-10-16T20:27:36.2228549Z"},
		{KindSysTime, st, "2023-04-05T06:07:08.0090000Z"},
		{KindSID, testSID, "S-1-5-18"},
		{KindSID, []byte{1, 2, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0xe9, 3, 0, 0}, "S-1-5-21-1001"},
		{KindHexInt32, le32(0x8009030d), "0x8009030d"},
		{KindHexInt64, le64(0x80000000000000), "0x80000000000000"},
		{KindUint16 | ArrayFlag, append(le16(1), le16(2)...), "1,2"},
		{KindString | ArrayFlag, append(append(utf16le("a"), 0, 0), utf16le("b")...), "a,b"},
		{KindGUID | ArrayFlag, append(append([]byte{}, testGUID...), testGUID...), "{1F678132-5938-4686-9FDC-C8FF68F15C85},{1F678132-5938-4686-9FDC-C8FF68F15C85}"},
		{KindSID | ArrayFlag, append(append([]byte{}, testSID...), testSID...), "S-1-5-18,S-1-5-18"},
		// Size does not fit the kind: kept as binary, not misread.
		{KindUint32, []byte{1, 2}, "0102"},
		{KindSID, []byte{1, 9, 0, 0, 0, 0, 0, 5}, "0109000000000005"},
	}
	for _, c := range cases {
		v, err := decodeValue(c.k, c.b, 0)
		if err != nil {
			t.Errorf("%v % x: %v", c.k, c.b, err)
			continue
		}
		if got := v.String(); got != c.want {
			t.Errorf("%v % x: got %q, want %q", c.k, c.b, got, c.want)
		}
		// The XML fast path renders exactly Value.String (escaped).
		if x, want := string(appendValueEscaped(nil, v, false)), string(appendEscaped(nil, v.String(), false)); x != want {
			t.Errorf("%v % x: XML text %q, Value.String %q", c.k, c.b, x, want)
		}
	}
}

// hostile builds records that must be refused with the given sentinel.
func TestDecodeHostile(t *testing.T) {
	type build func(w *bxw)
	cases := []struct {
		name string
		fn   build
		want error
		msg  string
	}{
		{"huge substitution count", func(w *bxw) {
			w.fragment()
			w.templateInline(func() { w.fragment(); w.leaf("E", 0, KindString, false); w.eof() })
			w.u32(0x71000000)
		}, ErrCorrupt, "substitution count"},
		{"value past the record", func(w *bxw) {
			w.fragment()
			w.templateInline(func() { w.fragment(); w.leaf("E", 0, KindString, false); w.eof() })
			w.u32(1)
			w.u16(5000)
			w.u8(1)
			w.u8(0)
		}, ErrCorrupt, "substitution value 0"},
		{"template offset outside the chunk", func(w *bxw) {
			w.fragment()
			w.templateRef(0xfffff0)
			w.u32(0)
		}, ErrCorrupt, "template definition offset"},
		{"template size past the chunk", func(w *bxw) {
			w.fragment()
			w.raw(0x0c, 1)
			w.u32(0)
			w.u32(uint32(w.pos() + 4))
			w.u32(0)
			w.raw(make([]byte, 16)...)
			w.u32(0x7fffffff)
		}, ErrCorrupt, "runs past the chunk"},
		{"name offset outside the chunk", func(w *bxw) {
			w.fragment()
			w.raw(0x01)
			w.u32(0)
			w.u32(0xffffff)
			w.closeEmpty()
		}, ErrCorrupt, "name offset outside chunk"},
		{"name length past the chunk", func(w *bxw) {
			w.fragment()
			w.raw(0x01)
			w.u32(0)
			w.u32(uint32(w.pos() + 4))
			w.u32(0)
			w.u16(0)
			w.u16(0xffff)
		}, ErrCorrupt, "runs past the chunk"},
		{"unknown token", func(w *bxw) {
			w.fragment()
			w.open("E", false, -1)
			w.closeStart()
			w.raw(0x1f)
		}, ErrCorrupt, "unexpected BinXML token 0x1f"},
		{"truncated element", func(w *bxw) {
			w.fragment()
			w.open("E", false, -1)
			w.closeStart()
		}, ErrCorrupt, "unexpected end"},
		{"elements nested too deep", func(w *bxw) {
			w.fragment()
			for i := 0; i < 70; i++ {
				w.open("E", false, -1)
				w.closeStart()
			}
		}, ErrLimit, "nested deeper than 64"},
		{"template instance inside a template", func(w *bxw) {
			w.fragment()
			w.templateInline(func() {
				w.fragment()
				w.open("E", false, -1)
				w.closeStart()
				w.templateRef(0)
				w.end()
				w.eof()
			})
			w.u32(0)
		}, ErrCorrupt, "template instance inside a template definition"},
		{"no root element", func(w *bxw) {
			w.fragment()
			w.eof()
		}, ErrCorrupt, "no root element"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newBXW()
			off, size := w.record(1, testFT, func() { c.fn(w) })
			ev, err := newChunkDecoder(w.b).decodeRecord(off, size)
			if err == nil {
				t.Fatalf("decoded: %s", ev.XML())
			}
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q, want %v with %q", err, c.want, c.msg)
			}
			if !strings.Contains(err.Error(), "chunk offset 0x") {
				t.Errorf("error %q does not say where", err)
			}
		})
	}
}

// TestDecodeNestedBinXMLLimit: BinXML values nested in BinXML values, each
// one a template instance, stop at the nesting cap.
func TestDecodeNestedBinXMLLimit(t *testing.T) {
	w := newBXW()
	var def int
	off, size := w.record(1, testFT, func() {
		w.fragment()
		def = w.templateInline(func() {
			w.fragment()
			w.open("E", false, -1)
			w.closeStart()
			w.subst(0, KindBinXML, false)
			w.end()
			w.eof()
		})
		// 12 levels: each value is fragment + instance of def + 1 value.
		var descs []int
		for i := 0; i < 12; i++ {
			w.u32(1)
			descs = append(descs, w.pos())
			w.u16(0)
			w.u8(byte(KindBinXML))
			w.u8(0)
			w.fragment()
			w.templateRef(def)
		}
		w.u32(0)
		end := w.pos()
		for _, at := range descs {
			n := end - (at + 4)
			w.b[at] = byte(n)
			w.b[at+1] = byte(n >> 8)
		}
	})
	_, err := newChunkDecoder(w.b).decodeRecord(off, size)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "nested deeper than 8") {
		t.Fatalf("error %v, want the nesting limit", err)
	}
}

// TestDecodeWorkBudget: a template that repeats a large array value in
// many elements would expand to millions of nodes; the work budget stops
// it, quickly.
func TestDecodeWorkBudget(t *testing.T) {
	w := newBXW()
	off, size := w.record(1, testFT, func() {
		w.fragment()
		w.templateInline(func() {
			w.fragment()
			w.open("E", false, -1)
			w.closeStart()
			for i := 0; i < 200; i++ {
				w.leaf("D", 0, KindString|ArrayFlag, false)
			}
			w.end()
			w.eof()
		})
		arr := make([]byte, 0, 40000)
		for i := 0; i < 10000; i++ {
			arr = append(arr, 'x', 0, 0, 0)
		}
		w.values(tval{KindString | ArrayFlag, arr})
		w.eof()
	})
	_, err := newChunkDecoder(w.b).decodeRecord(off, size)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "work budget") {
		t.Fatalf("error %v, want the work budget", err)
	}
}

// TestDefinitionBudget: a record that references many overlapping
// template definitions is refused by its own definition budget (about
// twice the chunk), whatever was parsed before, and the chunk's memo of
// definitions stays within its cap.
func TestDefinitionBudget(t *testing.T) {
	chunk := make([]byte, 65536)
	for i := 0x8000; i+4 <= len(chunk); i += 4 {
		binary.LittleEndian.PutUint32(chunk[i:], 0x4000) // every "data size" is 16 KiB
	}
	le := binary.LittleEndian
	// A record of 20 template instances, each naming another offset.
	body := []byte{0x0f, 0x01, 0x01, 0x00}
	for k := 0; k < 20; k++ {
		inst := make([]byte, 14)
		inst[0], inst[1] = tokTemplate, 1
		le.PutUint32(inst[2:], 0x4000) // the template id each "definition" carries
		le.PutUint32(inst[6:], uint32(0x8000+4*k))
		body = append(body, inst...)
	}
	body = append(body, tokEOF)
	size := recordHeaderSize + len(body) + 4
	off := chunkHeaderSize
	copy(chunk[off:], recordMagic)
	le.PutUint32(chunk[off+4:], uint32(size))
	le.PutUint64(chunk[off+8:], 1)
	copy(chunk[off+recordHeaderSize:], body)
	le.PutUint32(chunk[off+size-4:], uint32(size))

	d := newChunkDecoder(chunk)
	for round := 0; round < 3; round++ {
		_, err := d.decodeRecord(off, size)
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "bytes of name and template definitions") {
			t.Fatalf("round %d: error %v, want the definition budget", round, err)
		}
	}
	// The memo keeps at most its cap; the rest was the record's own.
	for o := 0x8000; o+templateHeaderSize+0x4000 <= len(chunk); o += 4 {
		d.template(o)
	}
	if d.memoBytes > d.memoCap {
		t.Errorf("memo holds %d bytes, cap %d", d.memoBytes, d.memoCap)
	}
	if n := len(d.memoTemplates()); n == 0 || n > d.memoCap/(templateHeaderSize+0x4000) {
		t.Errorf("memo holds %d templates of 16 KiB", n)
	}
	// With the memo full, the record still fails the same way.
	if _, err := d.decodeRecord(off, size); !errors.Is(err, ErrLimit) {
		t.Fatalf("after filling the memo: %v", err)
	}
	// Fewer references fit the budget: 8 templates of 16 KiB do.
	le.PutUint32(chunk[off+4:], 0) // not used by decodeRecord
	small := recordHeaderSize + 4 + 8*14 + 1 + 4
	le.PutUint32(chunk[off+recordHeaderSize+4+8*14:], 0) // EOF after 8 instances
	_, err := newChunkDecoder(chunk).decodeRecord(off, small)
	if err == nil || errors.Is(err, ErrLimit) {
		t.Fatalf("8 instances: %v, want only the missing root element", err)
	}
}
