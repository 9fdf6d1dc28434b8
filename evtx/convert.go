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
	if sys := root.Child("System"); sys != nil {
		fillSystem(&ev.System, sys)
	}
	if ed := root.Child("EventData"); ed != nil {
		ev.EventData = make([]Field, 0, len(ed.Children))
		for _, c := range ed.Children {
			switch c.Name {
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
	if ud := root.Child("UserData"); ud != nil && len(ud.Children) > 0 {
		ev.UserData = ud.Children[0]
	}
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

func fillSystem(s *System, sys *Element) {
	for _, c := range sys.Children {
		switch c.Name {
		case "Provider":
			s.Provider.Name = attrString(c, "Name")
			s.Provider.GUID = attrString(c, "Guid")
			s.Provider.EventSourceName = attrString(c, "EventSourceName")
		case "EventID":
			s.EventID = uint16(uintOf(c.Value))
			if q, ok := c.Attr("Qualifiers"); ok {
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
			if v, ok := c.Attr("SystemTime"); ok {
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
			if v, ok := c.Attr("ProcessID"); ok {
				s.ProcessID = uint32(uintOf(v))
			}
			if v, ok := c.Attr("ThreadID"); ok {
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
	v, _ := e.Attr(name)
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
