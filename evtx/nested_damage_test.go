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
