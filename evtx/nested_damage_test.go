package evtx

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

// TestNestedDamageFoundAlike: a window that skips every record and a
// Filter that passes over every summary find the same damage as reading
// every record: the records decoded in part, the undecodable ones and
// the problem list, over every sample and a damaged copy of each. A
// record whose BinXML value (EventData, UserData) names an overwritten
// or damaged definition has a System part that reads well; the window's
// and the filter's cheap reads decline it (binXMLResolves), so that it is
// decoded and its problem found (the VSS RdpCoreTS sample has 21 such
// records, which a Filter passed over uncounted).
func TestNestedDamageFoundAlike(t *testing.T) {
	read := func(b []byte, o Options) (Stats, []string) {
		o.Workers, o.MaxErrors = 1, -1
		r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, r)
		var errs []string
		for _, e := range r.Errors() {
			errs = append(errs, e.Error())
		}
		return r.Stats(), errs
	}
	partials := 0
	for name, b := range testLogs(t) {
		for _, v := range []struct {
			name string
			b    []byte
		}{{name, b}, {name + " (damaged)", damaged(b)}} {
			all, allErrs := read(v.b, Options{})
			partials += all.Partial + all.BadRecords
			for _, o := range []struct {
				what string
				o    Options
			}{
				{"window excluding every record", Options{Since: time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)}},
				{"filter passing over every summary", Options{Filter: func(Summary) bool { return false }}},
			} {
				st, errs := read(v.b, o.o)
				if st.Partial != all.Partial || st.BadRecords != all.BadRecords || !slices.Equal(errs, allErrs) {
					t.Errorf("%s, %s: %d decoded in part, %d undecodable, %d problems; every record read: %d, %d, %d",
						v.name, o.what, st.Partial, st.BadRecords, len(errs), all.Partial, all.BadRecords, len(allErrs))
				}
			}
		}
	}
	if partials < 100 {
		t.Errorf("only %d records decoded in part or undecodable: the test proves little", partials)
	}
}

// TestNestedBinXMLDamageFoundAlike: a record whose EventData instance holds
// a BinXML value of its own, naming a definition that is not its template
// (overwritten), decodes in part; the window's cheap read declines the
// record (binXMLResolves: no BinXML among the nested instance's values),
// so a window that skips it finds and counts that damage as reading every
// record does.
func TestNestedBinXMLDamageFoundAlike(t *testing.T) {
	ft := TimeToFiletime(time.Date(2024, 5, 1, 11, 50, 0, 0, time.UTC))
	w := newBXW()
	off, _ := w.record(1, ft, func() {
		w.fragment()
		w.templateInline(func() {
			w.systemTime()
			w.closeEmpty()
			w.end()
			w.subst(1, KindBinXML, false)
			w.end()
			w.eof()
		})
		// Values in place: the nested definitions' offsets are chunk
		// offsets.
		desc, start := w.timeAndBinXML(ft)
		w.fragment()
		def := w.templateInline(func() {
			w.fragment()
			w.open("EventData", false, -1)
			w.closeStart()
			w.subst(0, KindBinXML, false)
			w.end()
			w.eof()
		})
		w.u32(1)
		inner := w.pos()
		w.u16(0)
		w.u8(byte(KindBinXML))
		w.u8(0)
		istart := w.pos()
		w.fragment()
		w.raw(0x0c, 0x01)
		w.u32(0xdeadbeef) // not the template id at def
		w.u32(uint32(def))
		w.values(strv("x"))
		w.eof()
		n := w.pos() - istart
		w.b[inner], w.b[inner+1] = byte(n), byte(n>>8)
		w.eof()
		n = w.pos() - start
		w.b[desc], w.b[desc+1] = byte(n), byte(n>>8)
		w.eof()
	})
	b := bxwFile(w, 1, 1, off)
	read := func(o Options) (Stats, []string) {
		o.Workers, o.MaxErrors = 1, -1
		r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, r)
		var errs []string
		for _, e := range r.Errors() {
			errs = append(errs, e.Error())
		}
		return r.Stats(), errs
	}
	all, allErrs := read(Options{})
	if all.Partial+all.BadRecords != 1 {
		t.Fatalf("reading every record: %d decoded in part, %d undecodable, want the one record damaged (%v)", all.Partial, all.BadRecords, allErrs)
	}
	st, errs := read(Options{Since: time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)})
	if st.Partial != all.Partial || st.BadRecords != all.BadRecords || !slices.Equal(errs, allErrs) {
		t.Errorf("window excluding every record: %d decoded in part, %d undecodable, %v; every record read: %d, %d, %v",
			st.Partial, st.BadRecords, errs, all.Partial, all.BadRecords, allErrs)
	}
}
