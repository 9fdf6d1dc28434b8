package evtxtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestWindowsTemplates compares the templates the writer produces with the
// ones Windows wrote in real logs (testdata/evtx), as python-evtx sees them:
// the System template and the body template, element by element, with
// substitution indexes, types and normal/optional kinds, and the value
// types of every substitution. Covered: a classic event with literal
// provider (RCM 1056, Windows 10), a classic event with named data and
// binary (Service Control Manager 7036, Windows 7), a manifest event with
// EventData (Kernel-General, Windows 10) and one with UserData
// (TerminalServices-LocalSessionManager 32).
func TestWindowsTemplates(t *testing.T) {
	requireTool(t, "python3-evtx", havePythonEvtx)
	const samples = "../../testdata/evtx/"
	u := func(k evtx.Kind, x uint64) evtx.Value { return evtx.Value{Kind: k, Uint: x} }
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	rcm := RCM1056(now, "DESKTOP-1N4R894", make([]byte, 20))
	scm := SCM7036(now, "Windows Modules Installer", "stopped", "TrustedInstaller")
	kernel := &evtx.Event{
		System: evtx.System{
			Provider: evtx.Provider{Name: "Microsoft-Windows-Kernel-General", GUID: "{A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D}"},
			EventID:  16, Level: 4, Keywords: 0x8000000000000000, TimeCreated: now,
			ProcessID: 7536, ThreadID: 14140, Channel: "System", Computer: "DESKTOP-1N4R894", UserID: "S-1-5-18",
		},
		EventData: []evtx.Field{
			{Name: "HiveNameLength", Value: u(evtx.KindUint16, 100)},
			{Name: "HiveName", Value: evtx.StringValue(`\??\C:\x`)},
			{Name: "KeysUpdated", Value: u(evtx.KindUint32, 2)},
			{Name: "DirtyPages", Value: u(evtx.KindUint32, 1)},
		},
	}
	lsm := &evtx.Event{
		System: evtx.System{
			Provider: evtx.Provider{Name: "Microsoft-Windows-TerminalServices-LocalSessionManager", GUID: "{5D896912-022D-40AA-A3A8-4FA5515C76D7}"},
			EventID:  32, Level: 4, Keywords: 0x1000000000000000, TimeCreated: now,
			ProcessID: 864, ThreadID: 432, Channel: "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
			Computer: "FUKUSUK-K0TUHAN", UserID: "S-1-5-18",
		},
		UserData: &evtx.Element{Name: "EventXML", Attrs: []evtx.Attr{{Name: "xmlns", Value: evtx.StringValue("Event_NS")}},
			Children: []*evtx.Element{{Name: "messageName", Value: evtx.StringValue("RDSAppXPlugin")}}},
	}
	scm.System.Computer = "WKS-WIN764BITB.shieldbase.local"
	rcm.System.Computer = "DESKTOP-1N4R894"

	ours := filepath.Join(t.TempDir(), "ours.evtx")
	if err := WriteFile(ours, []*evtx.Event{rcm, scm, kernel, lsm}, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		real   string
		record uint64
		ours   uint64
	}{
		{"RCM 1056 (classic, literal provider)", "omerbenamram__evtx__samples__2-vss_7-System.evtx", 201, 1},
		{"SCM 7036 (named data and binary)", "williballenthin__python-evtx__tests__data__system.evtx", 12050, 2},
		{"Kernel-General (manifest, EventData)", "omerbenamram__evtx__samples__2-vss_7-System.evtx", 1056, 3},
		{"LocalSessionManager 32 (manifest, UserData)", "fukusuket__evtx-parser__samples__Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx", 1, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := templateView(t, samples+tc.real, tc.record)
			got := templateView(t, ours, tc.ours)
			for i, part := range []string{"System template", "body template", "System value types", "body value types"} {
				if want[i] != got[i] {
					t.Errorf("%s differs from Windows':\nwindows: %s\nours:    %s", part, want[i], got[i])
				}
			}
		})
	}
}

// pyTemplate prints, for one record, the template view of the record and
// of its embedded body (python-evtx's evtx_template_readable_view: elements
// with "[Normal|Conditional Substitution(index=, type=)]") and the value type
// of each substitution.
const pyTemplate = `
import sys, json
import Evtx.Evtx as E, Evtx.Views as V
with E.Evtx(sys.argv[1]) as f:
    for r in f.records():
        if r.record_num() != int(sys.argv[2]):
            continue
        root = r.root()
        subs = root.substitutions()
        inner = subs[-1].root()
        json.dump([V.evtx_template_readable_view(root), V.evtx_template_readable_view(inner),
                   " ".join(type(s).__name__ for s in subs),
                   " ".join(type(s).__name__ for s in inner.substitutions())], sys.stdout)
        break
`

func templateView(t *testing.T, path string, record uint64) [4]string {
	t.Helper()
	cmd := exec.Command(python, "-c", pyTemplate, path, strconv.FormatUint(record, 10))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python-evtx on %s: %v\n%s", path, err, stderr.String())
	}
	var v []string
	if err := json.Unmarshal(out, &v); err != nil || len(v) != 4 {
		t.Fatalf("python-evtx on %s record %d: %q (%v)", path, record, out, err)
	}
	return [4]string{v[0], v[1], v[2], v[3]}
}

// TestWindowsTemplateTokens compares the template definitions token by
// token with Windows' in the same real records, including what python-evtx
// does not show: element dependency identifiers, attribute order, literal
// text. Name references are resolved, so inline and referenced names
// compare equal.
func TestWindowsTemplateTokens(t *testing.T) {
	const samples = "../../testdata/evtx/"
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rcm := RCM1056(now, "DESKTOP-1N4R894", make([]byte, 20))
	rcm.System.Computer = "DESKTOP-1N4R894"
	scm := SCM7036(now, "Windows Modules Installer", "stopped", "TrustedInstaller")
	scm.System.Computer = "WKS-WIN764BITB.shieldbase.local"
	u := func(k evtx.Kind, x uint64) evtx.Value { return evtx.Value{Kind: k, Uint: x} }
	kernel := &evtx.Event{
		System: evtx.System{Provider: evtx.Provider{Name: "K", GUID: "{A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D}"},
			TimeCreated: now, Channel: "System", Computer: "DESKTOP-1N4R894"},
		EventData: []evtx.Field{{Name: "HiveNameLength", Value: u(evtx.KindUint16, 1)}, {Name: "HiveName", Value: evtx.StringValue("x")},
			{Name: "KeysUpdated", Value: u(evtx.KindUint32, 2)}, {Name: "DirtyPages", Value: u(evtx.KindUint32, 1)}},
	}
	lsm := &evtx.Event{
		System: evtx.System{Provider: evtx.Provider{Name: "L", GUID: "{5D896912-022D-40AA-A3A8-4FA5515C76D7}"},
			TimeCreated: now, Channel: "C", Computer: "FUKUSUK-K0TUHAN"},
		UserData: &evtx.Element{Name: "EventXML", Attrs: []evtx.Attr{{Name: "xmlns", Value: evtx.StringValue("Event_NS")}},
			Children: []*evtx.Element{{Name: "messageName", Value: evtx.StringValue("x")}}},
	}
	ours := mustBytes(t, []*evtx.Event{rcm, scm, kernel, lsm}, Options{})
	for _, tc := range []struct {
		name   string
		real   string
		record uint64
		ours   uint64
	}{
		{"RCM 1056", "omerbenamram__evtx__samples__2-vss_7-System.evtx", 201, 1},
		{"SCM 7036", "williballenthin__python-evtx__tests__data__system.evtx", 12050, 2},
		{"Kernel-General", "omerbenamram__evtx__samples__2-vss_7-System.evtx", 1056, 3},
		{"LocalSessionManager 32", "fukusuket__evtx-parser__samples__Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx", 1, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			real, err := os.ReadFile(samples + tc.real)
			if err != nil {
				t.Fatal(err)
			}
			wo, wi := templateTokens(t, real, tc.record)
			oo, oi := templateTokens(t, ours, tc.ours)
			if d := diffLines(wo, oo); d != "" {
				t.Errorf("System template differs from Windows' (want = Windows):\n%s", d)
			}
			if d := diffLines(wi, oi); d != "" {
				t.Errorf("body template differs from Windows' (want = Windows):\n%s", d)
			}
		})
	}
}

// templateTokens finds the record with the given identifier and returns the
// token lists of its template definition and of its body's.
func templateTokens(t *testing.T, file []byte, record uint64) (outer, inner []string) {
	t.Helper()
	for off := fileHeaderBlock; off+chunkSize <= len(file); off += chunkSize {
		chunk := file[off : off+chunkSize]
		if string(chunk[:8]) != "ElfChnk\x00" {
			continue
		}
		for _, r := range parseChunk(t, chunk).records {
			if r.id != record {
				continue
			}
			outer, valuesAt := instanceTokens(t, chunk, r.off+24+4)
			// The body is the last value: skip to it.
			n := int(le.Uint32(chunk[valuesAt:]))
			p := valuesAt + 4 + 4*n
			for i := 0; i < n-1; i++ {
				p += int(le.Uint16(chunk[valuesAt+4+4*i:]))
			}
			// Windows puts a fragment header before the embedded
			// instance of classic events only.
			if chunk[p] == tokFragment {
				inner = append(inner, "fragment header")
				p += 4
			}
			if chunk[p] != tokTemplate {
				t.Fatalf("record %d: last value is not an embedded template instance: %x", record, chunk[p:p+8])
			}
			toks, _ := instanceTokens(t, chunk, p)
			return outer, append(inner, toks...)
		}
	}
	t.Fatalf("record %d not found", record)
	return nil, nil
}

// instanceTokens tokenises the template definition of the template instance
// at p and returns where the instance's values start.
func instanceTokens(t *testing.T, c []byte, p int) ([]string, int) {
	t.Helper()
	def := int(le.Uint32(c[p+6:]))
	size := int(le.Uint32(c[def+20:]))
	values := p + 10
	if def == p+10 {
		values = def + 24 + size
	}
	var toks []string
	q := def + 24
	name := func() string {
		off := int(le.Uint32(c[q:]))
		q += 4
		n := int(le.Uint16(c[off+6:]))
		s := decodeUTF16(c[off+8 : off+8+2*n])
		if off == q {
			q += 8 + 2*n + 2
		}
		return s
	}
	for q < def+24+size {
		tok := c[q]
		q++
		switch tok &^ tokMore {
		case tokFragment:
			q += 3
		case tokOpenStart:
			dep := le.Uint16(c[q:])
			q += 6
			toks = append(toks, fmt.Sprintf("<%s dep=%d", name(), int16(dep)))
			if tok&tokMore != 0 {
				q += 4
			}
		case tokCloseStart:
			toks = append(toks, ">")
		case tokCloseEmpty:
			toks = append(toks, "/>")
		case tokEndElement:
			toks = append(toks, "</>")
		case tokValue:
			if c[q] != byte(evtx.KindString) {
				t.Fatalf("value token of type %#x", c[q])
			}
			n := int(le.Uint16(c[q+1:]))
			toks = append(toks, "text "+strconv.Quote(decodeUTF16(c[q+3:q+3+2*n])))
			q += 3 + 2*n
		case tokAttribute:
			toks = append(toks, "@"+name())
		case tokNormalSubst, tokOptionalSubst:
			kind := "normal"
			if tok == tokOptionalSubst {
				kind = "optional"
			}
			toks = append(toks, fmt.Sprintf("%%%d %v %s", le.Uint16(c[q:]), evtx.Kind(c[q+2]), kind))
			q += 3
		case tokEOF:
			toks = append(toks, "EOF")
		default:
			t.Fatalf("token %#x at %#x", tok, q-1)
		}
	}
	return toks, values
}

func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = le.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}
