package xpath

import "github.com/evtxrdp/evtxrdp/evtx"

// buildRoot builds the event tree of an event that has no Root from its
// typed fields, in the shape of Windows' event XML (Event schema, System
// properties in schema order; attributes only when they have a value).
func buildRoot(ev *evtx.Event) *evtx.Element {
	s := &ev.System
	sys := &evtx.Element{Name: "System"}
	add := func(e *evtx.Element) { sys.Children = append(sys.Children, e) }
	prov := &evtx.Element{Name: "Provider"}
	for _, a := range []struct{ name, val string }{
		{"Name", s.Provider.Name}, {"Guid", s.Provider.GUID}, {"EventSourceName", s.Provider.EventSourceName},
	} {
		if a.val != "" {
			kind := evtx.KindString
			if a.name == "Guid" {
				kind = evtx.KindGUID
			}
			prov.Attrs = append(prov.Attrs, evtx.Attr{Name: a.name, Value: evtx.Value{Kind: kind, Str: a.val}})
		}
	}
	add(prov)
	eid := &evtx.Element{Name: "EventID", Value: evtx.Value{Kind: evtx.KindUint16, Uint: uint64(s.EventID)}}
	if s.HasQualifiers {
		eid.Attrs = []evtx.Attr{{Name: "Qualifiers", Value: evtx.Value{Kind: evtx.KindUint16, Uint: uint64(s.Qualifiers)}}}
	}
	add(eid)
	add(&evtx.Element{Name: "Version", Value: evtx.Value{Kind: evtx.KindUint8, Uint: uint64(s.Version)}})
	add(&evtx.Element{Name: "Level", Value: evtx.Value{Kind: evtx.KindUint8, Uint: uint64(s.Level)}})
	add(&evtx.Element{Name: "Task", Value: evtx.Value{Kind: evtx.KindUint16, Uint: uint64(s.Task)}})
	add(&evtx.Element{Name: "Opcode", Value: evtx.Value{Kind: evtx.KindUint8, Uint: uint64(s.Opcode)}})
	add(&evtx.Element{Name: "Keywords", Value: evtx.Value{Kind: evtx.KindHexInt64, Uint: s.Keywords}})
	add(&evtx.Element{Name: "TimeCreated", Attrs: []evtx.Attr{{Name: "SystemTime", Value: evtx.Value{Kind: evtx.KindFileTime, Time: s.TimeCreated}}}})
	add(&evtx.Element{Name: "EventRecordID", Value: evtx.Value{Kind: evtx.KindUint64, Uint: s.EventRecordID}})
	corr := &evtx.Element{Name: "Correlation"}
	if s.ActivityID != "" {
		corr.Attrs = append(corr.Attrs, evtx.Attr{Name: "ActivityID", Value: evtx.Value{Kind: evtx.KindGUID, Str: s.ActivityID}})
	}
	if s.RelatedActivityID != "" {
		corr.Attrs = append(corr.Attrs, evtx.Attr{Name: "RelatedActivityID", Value: evtx.Value{Kind: evtx.KindGUID, Str: s.RelatedActivityID}})
	}
	add(corr)
	add(&evtx.Element{Name: "Execution", Attrs: []evtx.Attr{
		{Name: "ProcessID", Value: evtx.Value{Kind: evtx.KindUint32, Uint: uint64(s.ProcessID)}},
		{Name: "ThreadID", Value: evtx.Value{Kind: evtx.KindUint32, Uint: uint64(s.ThreadID)}},
	}})
	add(&evtx.Element{Name: "Channel", Value: evtx.StringValue(s.Channel)})
	add(&evtx.Element{Name: "Computer", Value: evtx.StringValue(s.Computer)})
	sec := &evtx.Element{Name: "Security"}
	if s.UserID != "" {
		sec.Attrs = []evtx.Attr{{Name: "UserID", Value: evtx.Value{Kind: evtx.KindSID, Str: s.UserID}}}
	}
	add(sec)

	root := &evtx.Element{Name: "Event", Attrs: []evtx.Attr{{Name: "xmlns", Value: evtx.StringValue("http://schemas.microsoft.com/win/2004/08/events/event")}}}
	root.Children = append(root.Children, sys)
	switch {
	case ev.UserData != nil:
		root.Children = append(root.Children, &evtx.Element{Name: "UserData", Children: []*evtx.Element{ev.UserData}})
	case len(ev.EventData) > 0 || ev.Binary != nil:
		data := &evtx.Element{Name: "EventData"}
		for _, f := range ev.EventData {
			d := &evtx.Element{Name: "Data", Value: f.Value}
			if f.Name != "" {
				d.Attrs = []evtx.Attr{{Name: "Name", Value: evtx.StringValue(f.Name)}}
			}
			data.Children = append(data.Children, d)
		}
		if ev.Binary != nil {
			data.Children = append(data.Children, &evtx.Element{Name: "Binary", Value: evtx.Value{Kind: evtx.KindBinary, Bytes: ev.Binary}})
		}
		root.Children = append(root.Children, data)
	}
	return root
}
