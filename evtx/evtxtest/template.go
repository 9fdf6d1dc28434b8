package evtxtest

import (
	"fmt"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// Substitution indexes of the System template, as Windows numbers them.
// The first thirteen are common to both forms of the template; the rest
// differ (see systemForm).
const (
	subLevel = iota
	subOpcode
	subTask
	subEventID
	subQualifiers
	subKeywords
	subTimeCreated
	subActivityID
	subProcessID
	subThreadID
	subRecordID
	subVersion
	subUserID
)

// systemForm is one of the two System templates Windows writes.
//
// Manifest events (provider GUID, no EventSourceName) carry the provider
// Name and Guid and the Channel as substitutions 14, 15 and 16, the
// RelatedActivityID as 13 and the body as 17 (18 values). Classic events
// (EventSourceName set, or no provider GUID) have the Provider attributes
// and the Channel as literal text of the template, the RelatedActivityID as
// substitution 18 and the body as 19, with 13 to 17 unused (20 values).
// Computer is literal text in both.
type systemForm struct {
	literal                            bool
	related, name, guid, channel, body int
	count                              int
}

var (
	manifestForm = systemForm{related: 13, name: 14, guid: 15, channel: 16, body: 17, count: 18}
	classicForm  = systemForm{literal: true, related: 18, name: -1, guid: -1, channel: -1, body: 19, count: 20}
)

func formOf(p evtx.Provider) systemForm {
	if p.EventSourceName == "" && p.GUID != "" {
		return manifestForm
	}
	return classicForm
}

const eventNS = "http://schemas.microsoft.com/win/2004/08/events/event"

// eventInstance builds the template instance of one record: the System
// template with its values, the body as an embedded instance.
func eventInstance(ev *evtx.Event, recordID uint64, noTimeCreated bool) (*instance, error) {
	s := &ev.System
	body, err := bodyInstance(ev)
	if err != nil {
		return nil, err
	}

	form := formOf(s.Provider)
	var prov []tattr
	if s.Provider.GUID != "" {
		if _, err := parseGUID(s.Provider.GUID); err != nil {
			return nil, err
		}
	}
	if form.literal {
		if s.Provider.Name != "" {
			prov = append(prov, tattr{"Name", lit(s.Provider.Name)})
		}
		if s.Provider.GUID != "" {
			prov = append(prov, tattr{"Guid", lit(s.Provider.GUID)})
		}
		if s.Provider.EventSourceName != "" {
			prov = append(prov, tattr{"EventSourceName", lit(s.Provider.EventSourceName)})
		}
	} else {
		prov = []tattr{
			{"Name", sub(form.name, evtx.KindString, true)},
			{"Guid", sub(form.guid, evtx.KindGUID, true)},
		}
	}
	textElem := func(name string, text string) *tnode {
		n := &tnode{name: name, dep: -1}
		if text != "" {
			n.content = []tcontent{lit(text)}
		}
		return n
	}
	subElem := func(name string, i int, k evtx.Kind) *tnode {
		return &tnode{name: name, dep: i, content: []tcontent{sub(i, k, true)}}
	}
	channel := textElem("Channel", s.Channel)
	if !form.literal {
		channel = &tnode{name: "Channel", dep: form.channel, content: []tcontent{sub(form.channel, evtx.KindString, true)}}
	}
	system := &tnode{name: "System", dep: -1, content: []tcontent{
		elem(&tnode{name: "Provider", dep: -1, attrs: prov}),
		elem(&tnode{name: "EventID", dep: subEventID,
			attrs:   []tattr{{"Qualifiers", sub(subQualifiers, evtx.KindUint16, true)}},
			content: []tcontent{sub(subEventID, evtx.KindUint16, true)}}),
		elem(subElem("Version", subVersion, evtx.KindUint8)),
		elem(subElem("Level", subLevel, evtx.KindUint8)),
		elem(subElem("Task", subTask, evtx.KindUint16)),
		elem(subElem("Opcode", subOpcode, evtx.KindUint8)),
		elem(subElem("Keywords", subKeywords, evtx.KindHexInt64)),
		elem(&tnode{name: "TimeCreated", dep: -1,
			attrs: []tattr{{"SystemTime", sub(subTimeCreated, evtx.KindFileTime, true)}}}),
		elem(subElem("EventRecordID", subRecordID, evtx.KindUint64)),
		elem(&tnode{name: "Correlation", dep: -1, attrs: []tattr{
			{"ActivityID", sub(subActivityID, evtx.KindGUID, true)},
			{"RelatedActivityID", sub(form.related, evtx.KindGUID, true)}}}),
		elem(&tnode{name: "Execution", dep: -1, attrs: []tattr{
			{"ProcessID", sub(subProcessID, evtx.KindUint32, true)},
			{"ThreadID", sub(subThreadID, evtx.KindUint32, true)}}}),
		elem(channel),
		elem(textElem("Computer", s.Computer)),
		elem(&tnode{name: "Security", dep: -1,
			attrs: []tattr{{"UserID", sub(subUserID, evtx.KindSID, true)}}}),
	}}
	// An element whose content is one substitution depends on it (Windows
	// sets the dependency so): Event on the body, or UserData when the body
	// sits inside it.
	bodyRef := sub(form.body, evtx.KindBinXML, true)
	eventDep := form.body
	if ev.UserData != nil {
		bodyRef = elem(&tnode{name: "UserData", dep: form.body, content: []tcontent{bodyRef}})
		eventDep = -1
	}
	root := &tnode{name: "Event", dep: eventDep,
		attrs:   []tattr{{"xmlns", lit(eventNS)}},
		content: []tcontent{elem(system), bodyRef}}

	vals := make([]subValue, form.count)
	u := func(k evtx.Kind, x uint64) subValue { return subValue{v: evtx.Value{Kind: k, Uint: x}} }
	vals[subLevel] = u(evtx.KindUint8, uint64(s.Level))
	vals[subOpcode] = u(evtx.KindUint8, uint64(s.Opcode))
	vals[subTask] = u(evtx.KindUint16, uint64(s.Task))
	vals[subEventID] = u(evtx.KindUint16, uint64(s.EventID))
	if s.HasQualifiers {
		vals[subQualifiers] = u(evtx.KindUint16, uint64(s.Qualifiers))
	}
	vals[subKeywords] = u(evtx.KindHexInt64, s.Keywords)
	if !noTimeCreated {
		vals[subTimeCreated] = subValue{v: evtx.Value{Kind: evtx.KindFileTime, Time: s.TimeCreated}}
	}
	guid := func(g string) (subValue, error) {
		if g == "" {
			return subValue{}, nil
		}
		if _, err := parseGUID(g); err != nil {
			return subValue{}, err
		}
		return subValue{v: evtx.Value{Kind: evtx.KindGUID, Str: g}}, nil
	}
	if vals[subActivityID], err = guid(s.ActivityID); err != nil {
		return nil, err
	}
	if vals[form.related], err = guid(s.RelatedActivityID); err != nil {
		return nil, err
	}
	vals[subProcessID] = u(evtx.KindUint32, uint64(s.ProcessID))
	vals[subThreadID] = u(evtx.KindUint32, uint64(s.ThreadID))
	vals[subRecordID] = u(evtx.KindUint64, recordID)
	vals[subVersion] = u(evtx.KindUint8, uint64(s.Version))
	if s.UserID != "" {
		if _, err := parseSID(s.UserID); err != nil {
			return nil, err
		}
		vals[subUserID] = subValue{v: evtx.Value{Kind: evtx.KindSID, Str: s.UserID}}
	}
	if !form.literal {
		if s.Provider.Name != "" {
			vals[form.name] = subValue{v: evtx.StringValue(s.Provider.Name)}
		}
		if vals[form.guid], err = guid(s.Provider.GUID); err != nil {
			return nil, err
		}
		if s.Channel != "" {
			vals[form.channel] = subValue{v: evtx.StringValue(s.Channel)}
		}
	}
	body.fragment = form.literal
	vals[form.body] = subValue{inner: body}
	return &instance{key: "system" + keyOf(root), root: root, values: vals}, nil
}

// isClassic reports whether the event's data is written in the classic
// (EventLog service, ReportEvent) layout: a string array and a binary blob.
func isClassic(ev *evtx.Event) bool {
	if ev.UserData != nil {
		return false
	}
	for _, f := range ev.EventData {
		if f.Name != "" || f.Value.Kind != evtx.KindString {
			return false
		}
	}
	return len(ev.EventData) > 0 || ev.System.HasQualifiers
}

// bodyInstance builds the embedded instance for EventData or UserData.
func bodyInstance(ev *evtx.Event) (*instance, error) {
	switch {
	case ev.UserData != nil:
		var vals []subValue
		root, err := userNode(ev.UserData, &vals, 0)
		if err != nil {
			return nil, err
		}
		return &instance{key: "userdata" + keyOf(root), root: root, values: vals}, nil
	case isClassic(ev):
		root := &tnode{name: "EventData", dep: -1, content: []tcontent{
			elem(&tnode{name: "Data", dep: 0, content: []tcontent{sub(0, evtx.KindString|evtx.ArrayFlag, true)}}),
			elem(&tnode{name: "Binary", dep: 2, content: []tcontent{sub(2, evtx.KindBinary, true)}}),
		}}
		vals := make([]subValue, 3)
		if len(ev.EventData) > 0 {
			arr := evtx.Value{Kind: evtx.KindString | evtx.ArrayFlag}
			for _, f := range ev.EventData {
				arr.Array = append(arr.Array, f.Value)
			}
			vals[0] = subValue{v: arr}
		}
		vals[1] = subValue{v: evtx.Value{Kind: evtx.KindUint32, Uint: uint64(len(ev.Binary))}}
		if ev.Binary != nil {
			vals[2] = subValue{v: evtx.Value{Kind: evtx.KindBinary, Bytes: ev.Binary}}
		}
		return &instance{key: "classic" + keyOf(root), root: root, values: vals}, nil
	}
	root := &tnode{name: "EventData", dep: -1}
	var vals []subValue
	for _, f := range ev.EventData {
		if err := checkKind(f.Value); err != nil {
			return nil, fmt.Errorf("evtxtest: data %q: %w", f.Name, err)
		}
		d := &tnode{name: "Data", dep: -1}
		if f.Name != "" {
			d.attrs = []tattr{{"Name", lit(f.Name)}}
		}
		d.content = []tcontent{valueSub(len(vals), f.Value)}
		vals = append(vals, subValue{v: f.Value})
		root.content = append(root.content, elem(d))
	}
	if ev.Binary != nil {
		vals = append(vals, subValue{v: evtx.Value{Kind: evtx.KindUint32, Uint: uint64(len(ev.Binary))}})
		root.content = append(root.content, elem(&tnode{name: "Binary", dep: -1,
			content: []tcontent{sub(len(vals), evtx.KindBinary, false)}}))
		vals = append(vals, subValue{v: evtx.Value{Kind: evtx.KindBinary, Bytes: ev.Binary}})
	}
	return &instance{key: "eventdata" + keyOf(root), root: root, values: vals}, nil
}

// valueSub is the substitution for a typed value: a normal substitution
// declared with the value's type; a null value gets an optional
// substitution declared as a string (readers drop the element, as
// evtxexport does; it rejects a null value in a normal substitution).
func valueSub(i int, v evtx.Value) tcontent {
	if v.Kind == evtx.KindNull {
		return sub(i, evtx.KindString, true)
	}
	return sub(i, v.Kind, false)
}

// checkKind rejects kinds the writer cannot encode.
func checkKind(v evtx.Value) error {
	switch v.Kind.Base() {
	case evtx.KindBinXML, evtx.KindEvtHandle, evtx.KindEvtXML:
		return fmt.Errorf("cannot write a value of kind %v", v.Kind)
	}
	if v.Kind > evtx.KindHexInt64 && !v.Kind.IsArray() {
		return fmt.Errorf("cannot write a value of kind %v", v.Kind)
	}
	return nil
}

// maxUserDepth bounds the UserData tree so that cyclic input fails instead
// of recursing forever.
const maxUserDepth = 32

// userNode converts a UserData element tree: string attributes become
// literal text, other attribute values and element values become typed
// substitutions appended to vals.
func userNode(e *evtx.Element, vals *[]subValue, depth int) (*tnode, error) {
	if depth > maxUserDepth {
		return nil, fmt.Errorf("evtxtest: UserData nested deeper than %d", maxUserDepth)
	}
	if e.Name == "" {
		return nil, fmt.Errorf("evtxtest: UserData element without a name")
	}
	n := &tnode{name: e.Name, dep: -1}
	for _, a := range e.Attrs {
		if a.Value.Kind == evtx.KindString {
			n.attrs = append(n.attrs, tattr{a.Name, lit(a.Value.Str)})
			continue
		}
		if err := checkKind(a.Value); err != nil {
			return nil, fmt.Errorf("evtxtest: attribute %q: %w", a.Name, err)
		}
		n.attrs = append(n.attrs, tattr{a.Name, valueSub(len(*vals), a.Value)})
		*vals = append(*vals, subValue{v: a.Value})
	}
	if !e.Value.IsNull() {
		if err := checkKind(e.Value); err != nil {
			return nil, fmt.Errorf("evtxtest: element %q: %w", e.Name, err)
		}
		n.content = append(n.content, valueSub(len(*vals), e.Value))
		*vals = append(*vals, subValue{v: e.Value})
	}
	for _, c := range e.Children {
		if c == nil {
			continue
		}
		cn, err := userNode(c, vals, depth+1)
		if err != nil {
			return nil, err
		}
		n.content = append(n.content, elem(cn))
	}
	return n, nil
}
