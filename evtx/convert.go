package evtx

import (
	"encoding/hex"
	"strings"
	"time"
)

// fillEvent derives ev.System, ev.EventData, ev.Binary and ev.UserData from
// ev.Root. It is lenient: what is missing or malformed stays zero.
func fillEvent(ev *Event) {
	root := ev.Root
	if root == nil {
		return
	}
	if sys := childLocal(root, "System"); sys != nil {
		fillSystem(&ev.System, sys)
	}
	if ed := childLocal(root, "EventData"); ed != nil {
		ev.EventData = make([]Field, 0, len(ed.Children))
		for _, c := range ed.Children {
			switch localName(c.Name) {
			case "Data", "ComplexData":
				f := Field{Name: attrString(c, "Name")}
				if len(c.Children) > 0 {
					f.Value = Value{Kind: KindString, Str: c.Text()}
				} else {
					f.Value = c.Value
				}
				ev.EventData = append(ev.EventData, f)
			case "Binary":
				ev.Binary = binaryOf(c.Value)
			}
		}
	}
	if ud := childLocal(root, "UserData"); ud != nil && len(ud.Children) > 0 {
		ev.UserData = ud.Children[0]
	}
}

// localName is name without its namespace prefix ("e:Provider" gives
// "Provider"), as NameIs compares names: a name with an empty prefix
// (":Provider") or an empty local part is returned whole.
func localName(name string) string {
	if i := strings.LastIndexByte(name, ':'); i > 0 && i < len(name)-1 {
		return name[i+1:]
	}
	return name
}

// childLocal returns the first child element of e whose name passes
// NameIs(local), or nil.
func childLocal(e *Element, local string) *Element {
	for _, c := range e.Children {
		if NameIs(c.Name, local) {
			return c
		}
	}
	return nil
}

// attrLocal returns the value of the first attribute of e whose name
// passes NameIs(local) (an xmlns declaration never does), as the query
// evaluator reads @local.
func attrLocal(e *Element, local string) (Value, bool) {
	for _, a := range e.Attrs {
		if NameIs(a.Name, local) && !isXMLNSName(a.Name) {
			return a.Value, true
		}
	}
	return Value{}, false
}

// binaryOf returns the bytes of a <Binary> value: a binary substitution, or
// hex text.
func binaryOf(v Value) []byte {
	switch v.Kind {
	case KindBinary:
		return v.Bytes
	case KindNull:
		return nil
	}
	s := strings.TrimSpace(v.String())
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

// fillSystem reads the System properties from sys. Names compare as the
// query evaluator (rules/xpath) compares them, by NameIs: a prefixed
// "e:Provider" is the Provider a query's System/Provider/@Name reads (the
// shared case prefixed-provider: the query found its Schannel 36871, and
// the event's Provider.Name was "").
func fillSystem(s *System, sys *Element) {
	for _, c := range sys.Children {
		switch localName(c.Name) {
		case "Provider":
			s.Provider.Name = attrString(c, "Name")
			s.Provider.GUID = attrString(c, "Guid")
			s.Provider.EventSourceName = attrString(c, "EventSourceName")
		case "EventID":
			s.EventID = uint16(uintOf(c.Value))
			if q, ok := attrLocal(c, "Qualifiers"); ok {
				s.Qualifiers = uint16(uintOf(q))
				s.HasQualifiers = true
			}
		case "Version":
			s.Version = uint8(uintOf(c.Value))
		case "Level":
			s.Level = uint8(uintOf(c.Value))
		case "Task":
			s.Task = uint16(uintOf(c.Value))
		case "Opcode":
			s.Opcode = uint8(uintOf(c.Value))
		case "Keywords":
			s.Keywords = uintOf(c.Value)
		case "TimeCreated":
			if v, ok := attrLocal(c, "SystemTime"); ok {
				switch v.Kind {
				case KindFileTime, KindSysTime:
					s.TimeCreated = v.Time
				default:
					if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v.String())); err == nil {
						s.TimeCreated = t
					}
				}
			}
		case "EventRecordID":
			s.EventRecordID = uintOf(c.Value)
		case "Correlation":
			s.ActivityID = attrString(c, "ActivityID")
			s.RelatedActivityID = attrString(c, "RelatedActivityID")
		case "Execution":
			if v, ok := attrLocal(c, "ProcessID"); ok {
				s.ProcessID = uint32(uintOf(v))
			}
			if v, ok := attrLocal(c, "ThreadID"); ok {
				s.ThreadID = uint32(uintOf(v))
			}
		case "Channel":
			s.Channel = textOf(c.Value)
		case "Computer":
			s.Computer = textOf(c.Value)
		case "Security":
			s.UserID = attrString(c, "UserID")
		}
	}
}

func attrString(e *Element, name string) string {
	v, _ := attrLocal(e, name)
	return textOf(v)
}

// textOf is v.String() without the builder for the common string kinds.
func textOf(v Value) string {
	switch v.Kind {
	case KindString, KindAnsiString, KindGUID, KindSID:
		return v.Str
	}
	return v.String()
}

// uintOf returns the unsigned integer meaning of v (integers of any kind,
// or decimal/hex text); 0 when it has none.
func uintOf(v Value) uint64 {
	switch v.Kind {
	case KindInt8, KindInt16, KindInt32, KindInt64:
		return uint64(v.Int)
	case KindUint8, KindUint16, KindUint32, KindUint64, KindHexInt32, KindHexInt64, KindSizeT, KindBool:
		return v.Uint
	case KindString, KindAnsiString:
		u, err := ParseUint(strings.TrimSpace(v.Str))
		if err == nil {
			return u
		}
	}
	return 0
}
