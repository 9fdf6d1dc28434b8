package evtx

import (
	"fmt"
	"testing"
	"time"
)

// TestTimePlanCrafted: readTime by a template's time plan (plannedTime)
// reads what readTime keeping every value reads, with the same charges,
// for records whose values the samples never hold: every kind of value
// where instanceTime checks one (TimeCreated's content, EventRecordID,
// SystemTime, Event's BinXML children, optional substitutions or not),
// more BinXML values than the plan keeps, more values than it walks, a
// value running past the record. Both ways of the plan are met: it
// decides some records and gives others back to the full read.
func TestTimePlanCrafted(t *testing.T) {
	ft := TimeToFiletime(time.Date(2024, 5, 1, 11, 50, 0, 0, time.UTC))
	// A value is its kind and bytes, or (nested set) a BinXML value
	// written in place: a template instance whose inline definition holds
	// <nested>%0</nested>.
	type pval struct {
		tval
		nested string
	}
	nestedData := func(name string) pval { return pval{tval{KindBinXML, nil}, name} }
	// values writes the count, descriptors and values in place; the
	// last value's descriptor claims cut bytes more than it has.
	values := func(w *bxw, vals []pval, cut int) {
		w.u32(uint32(len(vals)))
		desc := w.pos()
		for _, v := range vals {
			w.u16(0)
			w.u8(byte(v.k))
			w.u8(0)
		}
		for i, v := range vals {
			start := w.pos()
			if v.nested != "" {
				w.fragment()
				w.templateInline(func() {
					w.fragment()
					w.leaf(v.nested, 0, KindString, false)
					w.eof()
				})
				w.values(strv("x"))
				w.eof()
			} else {
				w.raw(v.b...)
			}
			n := w.pos() - start
			if i == len(vals)-1 {
				n += cut
			}
			w.b[desc+4*i], w.b[desc+4*i+1] = byte(n), byte(n>>8)
		}
	}
	type variant struct {
		name     string
		contOpt  bool // TimeCreated's content substitution is optional
		idInText bool // EventRecordID holds text then the substitution
		bins     int  // BinXML children of Event (substitutions 3...)
		extra    int  // NULL values after them
		vals     []pval
		cut      int  // bytes the last value claims beyond the record
		noEOF    bool // the values end the record: no EOF token after them
		otherID  bool // the instance names another template id than its definition's
	}
	str := func(s string) pval { return pval{tval: strv(s)} }
	null := pval{tval: tval{KindNull, nil}}
	timeVals := map[string]pval{
		"filetime":   {tval: tval{KindFileTime, le64(ft)}},
		"filetime 4": {tval: tval{KindFileTime, le32(7)}},
		"systime":    {tval: tval{KindSysTime, []byte{0xe8, 7, 5, 0, 3, 0, 1, 0, 11, 0, 50, 0, 0, 0, 0, 0}}},
		"string":     str("2024-05-01T11:50:00Z"),
		"null":       null,
	}
	contVals := map[string]pval{"null": null, "empty": {tval: tval{KindString, nil}}, "text": str("t"), "array": {tval: tval{KindString | 0x80, append(utf16le("a"), 0, 0)}},
		"BinXML": nestedData("Data")}
	idVals := map[string]pval{"uint64": {tval: tval{KindUint64, le64(42)}}, "uint64 4": {tval: tval{KindUint64, le32(42)}}, "text": str("42"), "null": null,
		"hex64": {tval: tval{KindHexInt64, le64(42)}}, "int64 -1": {tval: tval{KindInt64, le64(1<<64 - 1)}}, "filetime": {tval: tval{KindFileTime, le64(ft)}},
		"BinXML": nestedData("Data")}
	var variants []variant
	for tn, tv := range timeVals {
		for cn, cv := range contVals {
			for in, iv := range idVals {
				for _, contOpt := range []bool{false, true} {
					tv, cv, iv := tv, cv, iv
					variants = append(variants, variant{
						name: fmt.Sprintf("time %s, content %s (optional %v), id %s", tn, cn, contOpt, in), contOpt: contOpt, bins: 1,
						vals: []pval{tv, cv, iv, nestedData("Data")},
					})
				}
			}
		}
	}
	for _, bins := range []int{0, 1, 4, 5} {
		for _, nested := range []string{"Data", "System"} {
			bins, nested := bins, nested
			variants = append(variants, variant{
				name: fmt.Sprintf("%d BinXML children named %s", bins, nested), bins: bins,
				vals: append([]pval{timeVals["filetime"], str("t"), idVals["uint64"]}, repeat(nestedData(nested), bins)...),
			})
		}
	}
	for _, extra := range []int{maxWalk - 4, maxWalk - 3, maxWalk + 10} {
		extra := extra
		variants = append(variants, variant{
			name: fmt.Sprintf("%d values", 4+extra), bins: 1, extra: extra,
			vals: append([]pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data")}, repeat(null, extra)...),
		})
	}
	variants = append(variants,
		variant{name: "id in text", idInText: true, bins: 1, vals: []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data")}},
		variant{name: "value past the record", bins: 1, cut: 3, vals: []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data")}},
		variant{name: "values up to the record's end", bins: 1, noEOF: true, vals: []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data")}},
		variant{name: "odd values up to the record's end", bins: 1, extra: 1, noEOF: true, vals: []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data"), null}},
		variant{name: "odd value past the record", bins: 1, extra: 1, cut: 3, vals: []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data"), null}},
		variant{name: "even value past the record", bins: 1, extra: 2, cut: 3, vals: []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data"), null, null}},
		variant{name: "odd value ends the record", bins: 1, extra: 1, cut: 1, vals: []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data"), null}},
		variant{name: "even value ends the record", bins: 1, extra: 2, cut: 1, vals: []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data"), null, null}},
		variant{name: "odd value a byte past the record", bins: 1, extra: 1, cut: 2, vals: []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data"), null}},
		variant{name: "even value a byte past the record", bins: 1, extra: 2, cut: 2, vals: []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data"), null, null}},
		variant{name: "nested value past its end", bins: 1, vals: []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data"), {tval: tval{KindBinXML, []byte{0x0f, 1, 1, 0, 0x0c, 1}}}}})
	// Definitions that do not fit their instance (templateFits), where the
	// plan decides and where it would give the record back (EventRecordID
	// in text, more values than it walks).
	for _, idInText := range []bool{false, true} {
		for _, extra := range []int{0, maxWalk + 10} {
			base := []pval{timeVals["filetime"], str("t"), idVals["uint64"], nestedData("Data")}
			variants = append(variants,
				variant{name: fmt.Sprintf("another template's id (id in text %v, %d values)", idInText, 4+extra), idInText: idInText, bins: 1, extra: extra, otherID: true,
					vals: append(base, repeat(null, extra)...)})
			if extra == 0 {
				variants = append(variants,
					variant{name: fmt.Sprintf("fewer values than the definition uses (id in text %v)", idInText), idInText: idInText, bins: 1, vals: base[:3]})
			}
		}
	}
	decided, again, cheap := 0, 0, 0
	for _, v := range variants {
		w := newBXW()
		off, size := w.record(9, ft, func() {
			w.fragment()
			w.templateInline(func() {
				w.systemTime()
				w.closeStart()
				w.subst(1, KindString, v.contOpt)
				w.end()
				w.open("EventRecordID", false, -1)
				w.closeStart()
				if v.idInText {
					w.text("1")
				}
				w.subst(2, KindUint64, false)
				w.end()
				w.end()
				for i := range v.bins + v.extra {
					w.subst(uint16(3+i), KindBinXML, false)
				}
				w.end()
				w.eof()
			})
			values(w, v.vals, v.cut)
			if !v.noEOF {
				w.eof()
			}
		})
		c := w.b
		if v.otherID {
			c[off+binxmlRecordHeader+4+2] ^= 0xff // the instance's template id, after its fragment header and token
		}
		checkCheapTime(t, v.name, c, off, size)
		// Which way the plan went.
		d := newChunkDecoder(c)
		d.beginRecord(off, size)
		d.bound = true
		_, _, _, pok, pagain := d.plannedTime(off+binxmlRecordHeader, off+size-4)
		if pagain {
			again++
		} else {
			decided++
		}
		if pok {
			cheap++
		}
		if testing.Verbose() {
			t.Logf("%s: decided %v ok %v", v.name, !pagain, pok)
		}
	}
	t.Logf("%d crafted records: the plan decided %d (%d read cheaply), gave %d back", len(variants), decided, cheap, again)
	if decided < len(variants)/4 || again < 10 || cheap < 5 || decided-cheap < 10 {
		t.Errorf("the plan decided %d (%d cheap) and gave back %d of %d records: the test proves little", decided, cheap, again, len(variants))
	}
}

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}
