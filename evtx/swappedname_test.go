package evtx_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// swapUnits returns s with the bytes of each UTF-16 code unit swapped
// ("EventXML" becomes "䔀瘀攀渀琀堀䴀䰀"), as a reader that takes UTF-16LE
// for big-endian (or reads one byte off) sees a name.
func swapUnits(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(rune(uint16(r)<<8 | uint16(r)>>8))
	}
	return b.String()
}

// TestSwappedNameIsNotAName: element names made of byte-swapped UTF-16
// (every code unit an ASCII name character in its high byte, its low byte
// 0) are not names Windows writes, even when the name structure's hash is
// that of the swapped units: the record is not yielded as an event
// decoded in full with no problem. A record whose names were swapped and
// hashed anew (a crafted copy) printed <䔀瘀攀渀琀堀䴀䰀> with 0 problems;
// the one beside it, intact, is still read in full.
func TestSwappedNameIsNotAName(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	ok := evtxtest.RCM1149(at.Add(-time.Minute), "bob", "CONTOSO", "10.0.0.6")
	bad := evtxtest.RCM1149(at, "alice", "CONTOSO", "10.0.0.5")
	bad.UserData.Name = swapUnits("EventXML")
	for _, c := range bad.UserData.Children {
		c.Name = swapUnits(c.Name)
	}
	b, err := evtxtest.Bytes([]*evtx.Event{ok, bad}, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var full []uint64
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Partial == "" {
			full = append(full, ev.RecordID)
		}
	}
	if len(full) != 1 || full[0] != 1 {
		t.Errorf("records decoded in full: %v, want [1] (record 2's names are byte-swapped)", full)
	}
	errs := rd.Errors()
	if len(errs) == 0 {
		t.Fatal("no problem reported for the byte-swapped names")
	}
	if fe := errs[0]; fe.Offset == 0 || !strings.Contains(fe.Error(), "byte-swapped") {
		t.Errorf("problem %v: want one at the name's offset saying its code units are byte-swapped", fe)
	}
}

// TestShortCJKNameIsAName: a provider's own UserData element names may be
// any XML Name (the event schema's UserDataType is xs:any of another
// namespace: the provider's manifest names them,
// https://learn.microsoft.com/en-us/windows/win32/wes/eventschema-userdatatype-complextype),
// and a few real CJK characters are code units whose low byte is 0 and
// high byte an ASCII name character: 最 (U+6700, "most"), 开 (U+5F00,
// "open"), 一 (U+4E00, "one"), 儀 (U+5100). A name of 1 to 3 such
// characters is read as written; the names of event XML a byte-swap makes
// look so ("Data", "Name", "Guid" and longer) have 4 units or more. Before,
// the record below was decoded in part with a "byte-swapped" problem.
func TestShortCJKNameIsAName(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	ev := evtxtest.RCM1149(at, "alice", "CONTOSO", "10.0.0.5")
	ev.UserData.Children[0].Name = "最"
	ev.UserData.Children[1].Name = "一开"
	ev.UserData.Children[2].Name = "儀开最"
	b, err := evtxtest.Bytes([]*evtx.Event{ev}, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got.Partial != "" || len(rd.Errors()) != 0 {
		t.Fatalf("decoded in part (%q), problems %v; want in full", got.Partial, rd.Errors())
	}
	var names []string
	for _, c := range got.UserData.Children {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "最,一开,儀开最" {
		t.Errorf("names %v", names)
	}
}
