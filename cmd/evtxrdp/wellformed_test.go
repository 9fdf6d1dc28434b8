package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// xmlDoc is what the round trip compares of one -f xml line.
type xmlDoc struct {
	comment    string
	recordID   string // System/EventRecordID
	eventID    string
	provider   string
	channel    string
	computer   string
	data       []string // EventData/Data: name=value
	unresolved []string // Unresolved/Value: type=value
}

// parseXMLLine parses one -f xml line with encoding/xml in strict mode
// (which refuses what XML 1.0 forbids, character references included) and
// requires exactly one root element.
func parseXMLLine(line string) (*xmlDoc, error) {
	d := xml.NewDecoder(strings.NewReader(line))
	d.Strict = true
	doc := &xmlDoc{}
	var path []string
	var attrs []xml.Attr
	var text strings.Builder
	roots := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.Comment:
			doc.comment += string(tok)
		case xml.StartElement:
			if len(path) == 0 {
				roots++
			}
			path = append(path, tok.Name.Local)
			attrs = tok.Attr
			text.Reset()
			p := strings.Join(path, "/")
			if p == "Event/System/Provider" {
				for _, a := range tok.Attr {
					if a.Name.Local == "Name" {
						doc.provider = a.Value
					}
				}
			}
		case xml.CharData:
			text.Write(tok)
		case xml.EndElement:
			p := strings.Join(path, "/")
			v := text.String()
			switch {
			case p == "Event/System/EventRecordID":
				doc.recordID = v
			case p == "Event/System/EventID":
				doc.eventID = v
			case p == "Event/System/Channel":
				doc.channel = v
			case p == "Event/System/Computer":
				doc.computer = v
			case p == "Event/EventData/Data" || p == "Event/EventData/ComplexData":
				name := ""
				for _, a := range attrs {
					if a.Name.Local == "Name" {
						name = a.Value
					}
				}
				doc.data = append(doc.data, name+"="+v)
			case strings.HasSuffix(p, "/Unresolved/Value"):
				typ := ""
				for _, a := range attrs {
					if a.Name.Local == "Type" {
						typ = a.Value
					}
				}
				doc.unresolved = append(doc.unresolved, typ+"="+v)
			}
			path = path[:len(path)-1]
			attrs = nil
			text.Reset()
		}
	}
	if roots != 1 {
		return nil, fmt.Errorf("%d root elements", roots)
	}
	return doc, nil
}

// asXMLText is what our XML rendering does to a JSON string value: the
// characters XML 1.0 forbids become control pictures or U+FFFD.
func asXMLText(s string) string {
	// (Line ends stay: dump writes them as &#13; and &#10;, which XML
	// parsers do not normalise.)
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			return 0x2400 + r
		case r == 0xFFFE || r == 0xFFFF:
			return 0xFFFD
		}
		return r
	}, s)
}

type roundTripEvent struct {
	EventID       uint16 `json:"event_id"`
	EventRecordID uint64 `json:"event_record_id"`
	Provider      struct {
		Name string `json:"name"`
	} `json:"provider"`
	Channel   string `json:"channel"`
	Computer  string `json:"computer"`
	EventData []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"event_data"`
	Recovered  string `json:"recovered"`
	Partial    string `json:"partial"`
	Unresolved []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"unresolved"`
}

// TestEveryEventWellFormed is the property over every sample (with
// --recover, so that old records of chunk slack and partial events are in):
// every line of -f xml is a well-formed XML 1.0 document with one <Event>
// (strict encoding/xml here, and lxml, a standard XML 1.0 parser, over all
// lines when python3-lxml is installed), and it says what the -f jsonl
// line of the same event says: record id, event id, provider, channel,
// computer, every EventData field (name and value), the recovered and
// partial flags, and the unresolved values with their types.
func TestEveryEventWellFormed(t *testing.T) {
	samples, err := filepath.Glob("../../testdata/evtx/*.evtx")
	if err != nil || len(samples) < 48 {
		t.Fatalf("samples: %d %v", len(samples), err)
	}
	var all strings.Builder
	events, slack, partial := 0, 0, 0
	for _, s := range samples {
		code, xmlOut, errOut := runDumpArgs(t, "--recover", "-f", "xml", s)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", s, code, errOut)
		}
		_, jsonOut, _ := runDumpArgs(t, "--recover", s)
		xl, jl := lines(xmlOut), lines(jsonOut)
		if len(xl) != len(jl) {
			t.Fatalf("%s: %d XML lines, %d JSON lines", filepath.Base(s), len(xl), len(jl))
		}
		all.WriteString(xmlOut)
		for i := range xl {
			events++
			doc, err := parseXMLLine(xl[i])
			if err != nil {
				t.Errorf("%s line %d: not well-formed: %v\n%s", filepath.Base(s), i+1, err, xl[i])
				continue
			}
			var ev roundTripEvent
			if err := json.Unmarshal([]byte(jl[i]), &ev); err != nil {
				t.Errorf("%s line %d: JSON: %v", filepath.Base(s), i+1, err)
				continue
			}
			var diffs []string
			check := func(what, x, j string) {
				if x != j {
					diffs = append(diffs, fmt.Sprintf("%s: XML %q, JSON %q", what, x, j))
				}
			}
			if ev.Partial == "" || doc.recordID != "" {
				check("EventRecordID", doc.recordID, fmt.Sprint(ev.EventRecordID))
				check("EventID", doc.eventID, fmt.Sprint(ev.EventID))
			}
			check("provider", doc.provider, asXMLText(ev.Provider.Name))
			check("channel", doc.channel, asXMLText(ev.Channel))
			check("computer", doc.computer, asXMLText(ev.Computer))
			var jd []string
			for _, f := range ev.EventData {
				jd = append(jd, asXMLText(f.Name)+"="+asXMLText(f.Value))
			}
			check("EventData", strings.Join(doc.data, "|"), strings.Join(jd, "|"))
			var ju []string
			for _, v := range ev.Unresolved {
				ju = append(ju, v.Type+"="+asXMLText(v.Value))
			}
			// An unresolved BinXML value renders as elements in XML, as
			// text in JSON: compare the types and the other values.
			xu := doc.unresolved
			for k := range ju {
				if k < len(xu) && strings.HasPrefix(ju[k], "BinXml=") {
					ju[k], xu[k] = "BinXml", "BinXml"
				}
			}
			check("unresolved", strings.Join(xu, "|"), strings.Join(ju, "|"))
			check("recovered flag", fmt.Sprint(strings.Contains(doc.comment, "recovered from chunk slack")), fmt.Sprint(ev.Recovered == "slack"))
			check("partial flag", fmt.Sprint(strings.Contains(doc.comment, "partial: ")), fmt.Sprint(ev.Partial != ""))
			if ev.Recovered != "" {
				slack++
			}
			if ev.Partial != "" {
				partial++
			}
			if len(diffs) > 0 {
				t.Errorf("%s line %d: XML and JSON differ:\n  %s\n%s\n%s", filepath.Base(s), i+1, strings.Join(diffs, "\n  "), xl[i], jl[i])
			}
		}
	}
	t.Logf("%d events (%d from chunk slack, %d partial): every XML line well-formed and equal to its JSON line", events, slack, partial)
	if slack == 0 || partial == 0 {
		t.Errorf("the samples should exercise slack records (%d) and partial events (%d)", slack, partial)
	}

	// lxml, a standard XML 1.0 parser (libxml2), over every line.
	const py = "/usr/bin/python3"
	if exec.Command(py, "-c", "import lxml.etree").Run() != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-lxml is not installed; CI must install it")
		}
		t.Log("python3-lxml not installed: lxml check not run")
		return
	}
	f := filepath.Join(t.TempDir(), "events.xml")
	if err := os.WriteFile(f, []byte(all.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import sys
from lxml import etree
bad = n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    n += 1
    try:
        root = etree.fromstring(line.rstrip("\n").encode("utf-8"))
        if etree.QName(root).localname != "Event":
            raise ValueError("root is " + root.tag)
    except Exception as e:
        bad += 1
        if bad <= 5:
            print("line %d: %s" % (n, e))
print("%d %d" % (n, bad))
`
	out, err := exec.Command(py, "-c", script, f).CombinedOutput()
	if err != nil {
		t.Fatalf("lxml: %v\n%s", err, out)
	}
	ls := lines(string(out))
	var n, bad int
	fmt.Sscanf(ls[len(ls)-1], "%d %d", &n, &bad)
	if n != events || bad != 0 {
		t.Errorf("lxml parsed %d lines, %d not well-formed:\n%s", n, bad, out)
	}
}
