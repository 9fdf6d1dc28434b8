package evtxtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	vevtx "www.velocidex.com/golang/evtx"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestVelocidexAgrees reads written files with the parser dependency (pure
// Go, so this oracle runs everywhere) and compares the values its lossy
// output keeps: System properties, named EventData, classic Data lists,
// UserData children.
func TestVelocidexAgrees(t *testing.T) {
	events := scenarioEvents()
	for name, o := range map[string]Options{"default": {}, "3perChunk": {MaxRecordsPerChunk: 3}} {
		t.Run(name, func(t *testing.T) {
			b := mustBytes(t, events, o)
			chunks, err := vevtx.GetChunks(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			var got []map[string]any
			var ids []uint64
			for _, c := range chunks {
				recs, err := c.Parse(0)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					j, err := json.Marshal(r.Event)
					if err != nil {
						t.Fatal(err)
					}
					d := json.NewDecoder(bytes.NewReader(j))
					d.UseNumber()
					var m map[string]any
					if err := d.Decode(&m); err != nil {
						t.Fatal(err)
					}
					got = append(got, m)
					ids = append(ids, r.Header.RecordID)
				}
			}
			if len(got) != len(events) {
				t.Fatalf("velocidex yields %d records, want %d", len(got), len(events))
			}
			want := recordIDs(events)
			values := 0
			for i, ev := range events {
				if ids[i] != want[i] {
					t.Errorf("record %d: header id %d, want %d", i, ids[i], want[i])
				}
				w, h := velocidexWant(ev, want[i]), velocidexLines(got[i])
				values += len(w)
				if d := diffLines(w, h); d != "" {
					t.Errorf("velocidex, event %d:\n%s", i, d)
				}
			}
			t.Logf("velocidex agrees on %d events, %d values", len(events), values)
		})
	}
}

// velocidexWant lists what the dependency should show for ev, sorted.
func velocidexWant(ev *evtx.Event, id uint64) []string {
	s := ev.System
	u := func(x uint64) string { return strconv.FormatUint(x, 10) }
	l := []string{
		"EventID.Value=" + u(uint64(s.EventID)),
		"EventRecordID=" + u(id),
		"Level=" + u(uint64(s.Level)),
		"Task=" + u(uint64(s.Task)),
		"Opcode=" + u(uint64(s.Opcode)),
		"Keywords=" + u(s.Keywords),
		"Channel=" + s.Channel,
		"Computer=" + s.Computer,
		"Provider.Name=" + s.Provider.Name,
		"ProcessID=" + u(uint64(s.ProcessID)),
	}
	if s.HasQualifiers {
		l = append(l, "EventID.Qualifiers="+u(uint64(s.Qualifiers)))
	}
	if s.UserID != "" {
		l = append(l, "UserID="+s.UserID)
	}
	if s.ActivityID != "" {
		l = append(l, "ActivityID="+strings.Trim(s.ActivityID, "{}"))
	}
	if isClassic(ev) {
		for i, f := range ev.EventData {
			l = append(l, fmt.Sprintf("Data[%d]=%s", i, f.Value.Str))
		}
	} else {
		for _, f := range ev.EventData {
			v := f.Value
			switch v.Kind {
			case evtx.KindString:
				l = append(l, "EventData."+f.Name+"="+v.Str)
			case evtx.KindBinary:
				l = append(l, "EventData."+f.Name+"="+v.Base64())
			default:
				l = append(l, "EventData."+f.Name+"="+u(v.Uint))
			}
		}
	}
	if ev.UserData != nil {
		for _, c := range ev.UserData.Children {
			l = append(l, "UserData."+ev.UserData.Name+"."+c.Name+"="+c.Value.String())
		}
	}
	return sortedLines(l)
}

// velocidexLines extracts the same values from the dependency's output.
func velocidexLines(m map[string]any) []string {
	get := func(path ...string) (any, bool) {
		var cur any = m
		for _, p := range path {
			mm, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = mm[p]; !ok {
				return nil, false
			}
		}
		return cur, true
	}
	var l []string
	add := func(label string, path ...string) {
		if v, ok := get(path...); ok {
			l = append(l, label+"="+fmt.Sprint(v))
		}
	}
	sys := []string{"Event", "System"}
	add("EventID.Value", append(sys, "EventID", "Value")...)
	add("EventID.Qualifiers", append(sys, "EventID", "Qualifiers")...)
	add("EventRecordID", append(sys, "EventRecordID")...)
	add("Level", append(sys, "Level")...)
	add("Task", append(sys, "Task")...)
	add("Opcode", append(sys, "Opcode")...)
	add("Keywords", append(sys, "Keywords")...)
	add("Channel", append(sys, "Channel")...)
	add("Computer", append(sys, "Computer")...)
	add("Provider.Name", append(sys, "Provider", "Name")...)
	add("ProcessID", append(sys, "Execution", "ProcessID")...)
	add("UserID", append(sys, "Security", "UserID")...)
	add("ActivityID", append(sys, "Correlation", "ActivityID")...)
	if ed, ok := get("Event", "EventData"); ok {
		for k, v := range ed.(map[string]any) {
			switch {
			case k == "Data":
				for i, x := range v.([]any) {
					l = append(l, fmt.Sprintf("Data[%d]=%v", i, x))
				}
			case k == "Binary":
			default:
				l = append(l, "EventData."+k+"="+fmt.Sprint(v))
			}
		}
	}
	if ud, ok := get("Event", "UserData"); ok {
		for k, v := range ud.(map[string]any) {
			for ck, cv := range v.(map[string]any) {
				l = append(l, "UserData."+k+"."+ck+"="+fmt.Sprint(cv))
			}
		}
	}
	return sortedLines(l)
}

func sortedLines(l []string) []string {
	out := slices.Clone(l)
	slices.Sort(out)
	return out
}
