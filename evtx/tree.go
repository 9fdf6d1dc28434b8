package evtx

// Tree returns the event's XML tree: Root, or, for an event without one
// (built by hand, as the constructors of package evtxtest and AsWritten
// build them), the tree its typed fields give, in the shape of Windows'
// event XML: System properties in the Event schema's order, attributes
// only when they have a value, then UserData when set, else EventData
// (its Data items and Binary) when there is any. It is the tree XML,
// XMLIndent and the query evaluator (rules/xpath) read. A tree built from
// the fields is built anew on each call; its values share their slices
// and elements, and UserData, with the event. Nil for a nil event.
func (ev *Event) Tree() *Element {
	if ev == nil {
		return nil
	}
	if ev.Root != nil {
		return ev.Root
	}
	return fieldsTree(ev)
}

// fieldsTree builds the tree of an event from its typed fields (Tree).
func fieldsTree(ev *Event) *Element {
	s := &ev.System
	sys := &Element{Name: "System"}
	add := func(e *Element) { sys.Children = append(sys.Children, e) }
	prov := &Element{Name: "Provider"}
	for _, a := range []struct{ name, val string }{
		{"Name", s.Provider.Name}, {"Guid", s.Provider.GUID}, {"EventSourceName", s.Provider.EventSourceName},
	} {
		if a.val != "" {
			kind := KindString
			if a.name == "Guid" {
				kind = KindGUID
			}
			prov.Attrs = append(prov.Attrs, Attr{Name: a.name, Value: Value{Kind: kind, Str: a.val}})
		}
	}
	add(prov)
	eid := &Element{Name: "EventID", Value: Value{Kind: KindUint16, Uint: uint64(s.EventID)}}
	if s.HasQualifiers {
		eid.Attrs = []Attr{{Name: "Qualifiers", Value: Value{Kind: KindUint16, Uint: uint64(s.Qualifiers)}}}
	}
	add(eid)
	add(&Element{Name: "Version", Value: Value{Kind: KindUint8, Uint: uint64(s.Version)}})
	add(&Element{Name: "Level", Value: Value{Kind: KindUint8, Uint: uint64(s.Level)}})
	add(&Element{Name: "Task", Value: Value{Kind: KindUint16, Uint: uint64(s.Task)}})
	add(&Element{Name: "Opcode", Value: Value{Kind: KindUint8, Uint: uint64(s.Opcode)}})
	add(&Element{Name: "Keywords", Value: Value{Kind: KindHexInt64, Uint: s.Keywords}})
	add(&Element{Name: "TimeCreated", Attrs: []Attr{{Name: "SystemTime", Value: Value{Kind: KindFileTime, Time: s.TimeCreated}}}})
	add(&Element{Name: "EventRecordID", Value: Value{Kind: KindUint64, Uint: s.EventRecordID}})
	corr := &Element{Name: "Correlation"}
	if s.ActivityID != "" {
		corr.Attrs = append(corr.Attrs, Attr{Name: "ActivityID", Value: Value{Kind: KindGUID, Str: s.ActivityID}})
	}
	if s.RelatedActivityID != "" {
		corr.Attrs = append(corr.Attrs, Attr{Name: "RelatedActivityID", Value: Value{Kind: KindGUID, Str: s.RelatedActivityID}})
	}
	add(corr)
	add(&Element{Name: "Execution", Attrs: []Attr{
		{Name: "ProcessID", Value: Value{Kind: KindUint32, Uint: uint64(s.ProcessID)}},
		{Name: "ThreadID", Value: Value{Kind: KindUint32, Uint: uint64(s.ThreadID)}},
	}})
	add(&Element{Name: "Channel", Value: StringValue(s.Channel)})
	add(&Element{Name: "Computer", Value: StringValue(s.Computer)})
	sec := &Element{Name: "Security"}
	if s.UserID != "" {
		sec.Attrs = []Attr{{Name: "UserID", Value: Value{Kind: KindSID, Str: s.UserID}}}
	}
	add(sec)

	root := &Element{Name: "Event", Attrs: []Attr{{Name: "xmlns", Value: StringValue("http://schemas.microsoft.com/win/2004/08/events/event")}}}
	root.Children = append(root.Children, sys)
	switch {
	case ev.UserData != nil:
		root.Children = append(root.Children, &Element{Name: "UserData", Children: []*Element{ev.UserData}})
	case len(ev.EventData) > 0 || ev.Binary != nil:
		data := &Element{Name: "EventData"}
		for _, f := range ev.EventData {
			d := &Element{Name: "Data", Value: f.Value}
			if f.Name != "" {
				d.Attrs = []Attr{{Name: "Name", Value: StringValue(f.Name)}}
			}
			data.Children = append(data.Children, d)
		}
		if ev.Binary != nil {
			data.Children = append(data.Children, &Element{Name: "Binary", Value: Value{Kind: KindBinary, Bytes: ev.Binary}})
		}
		root.Children = append(root.Children, data)
	}
	return root
}
