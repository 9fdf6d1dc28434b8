package evtxtest

import (
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 123456700, time.UTC)

// scenarioEvents is one of each constructor.
func scenarioEvents() []*evtx.Event {
	evs := []*evtx.Event{
		RCM1057(t0, "Access is denied."),
		RCM1058(t0.Add(time.Second), "Keyset does not exist"),
		RCM1056(t0.Add(2*time.Second), DefaultComputer, []byte("0123456789abcdefghij")),
		Schannel36870(t0.Add(3*time.Second), 0x8009030d, 10001),
		Schannel36871(t0.Add(4*time.Second), 10013),
		Schannel36872(t0.Add(5*time.Second), 0x80092012, 0x1, []byte{0x30, 0x82, 0x01, 0x0a}),
		EventLog6011(t0.Add(6*time.Second), "OLDBROKER", "NEWBROKER"),
		SessionBroker2056(t0.Add(7*time.Second), "NULL", "NULL", "Logon to the database failed."),
		SessionBroker2056Data(t0.Add(8*time.Second), "NULL", "NULL", "Logon to the database failed."),
		SessionBrokerClient1296(t0.Add(9*time.Second), "CONTOSO", "alice", "Remote Desktop Connection Broker is not ready for RPC communication."),
	}
	return append(evs, Noise(t0.Add(10*time.Second), time.Minute, 6)...)
}

// kitchenSink holds every value kind the writer encodes, unusual text and
// the optional System properties.
func kitchenSink() *evtx.Event {
	v := func(k evtx.Kind) evtx.Value { return evtx.Value{Kind: k} }
	i := func(k evtx.Kind, x int64) evtx.Value { e := v(k); e.Int = x; return e }
	u := func(k evtx.Kind, x uint64) evtx.Value { e := v(k); e.Uint = x; return e }
	return &evtx.Event{
		RecordID: 4242,
		Written:  t0.Add(-time.Hour),
		System: evtx.System{
			Provider:          evtx.Provider{Name: "Kitchen-Sink", GUID: "{01234567-89AB-CDEF-0123-456789ABCDEF}"},
			EventID:           65535,
			Version:           2,
			Level:             5,
			Task:              65000,
			Opcode:            250,
			Keywords:          0xfedcba9876543210,
			TimeCreated:       t0.Add(987654300),
			ActivityID:        "{B1E3A429-AE1E-0001-CF50-D24FA6E0D801}",
			RelatedActivityID: "{00000000-0000-0000-0000-000000000001}",
			ProcessID:         4294967295,
			ThreadID:          7,
			Channel:           "Microsoft-Windows-Test/Operational",
			Computer:          "host.example.com",
			UserID:            "S-1-5-21-1769714682-2803786108-491265710-1002",
		},
		EventData: []evtx.Field{
			{Name: "Str", Value: evtx.StringValue("x < y & 'q' \"z\" ü € 😀")},
			{Name: "Empty", Value: evtx.StringValue("")},
			{Name: "I8", Value: i(evtx.KindInt8, -5)},
			{Name: "U8", Value: u(evtx.KindUint8, 200)},
			{Name: "I16", Value: i(evtx.KindInt16, -30000)},
			{Name: "U16", Value: u(evtx.KindUint16, 60000)},
			{Name: "I32", Value: i(evtx.KindInt32, -2000000000)},
			{Name: "U32", Value: u(evtx.KindUint32, 4000000000)},
			{Name: "I64", Value: i(evtx.KindInt64, -9000000000000000000)},
			{Name: "U64", Value: u(evtx.KindUint64, 18000000000000000000)},
			{Name: "Bool", Value: u(evtx.KindBool, 1)},
			{Name: "Bin", Value: evtx.Value{Kind: evtx.KindBinary, Bytes: []byte{0xde, 0xad, 0xbe, 0xef}}},
			{Name: "Guid", Value: evtx.Value{Kind: evtx.KindGUID, Str: "{4D36E972-E325-11CE-BFC1-08002BE10318}"}},
			{Name: "FileTime", Value: evtx.Value{Kind: evtx.KindFileTime, Time: t0.Add(5 * time.Hour)}},
			{Name: "Sid", Value: evtx.Value{Kind: evtx.KindSID, Str: "S-1-5-32-544"}},
			{Name: "Hex32", Value: u(evtx.KindHexInt32, 0x8009030d)},
			{Name: "Hex64", Value: u(evtx.KindHexInt64, 0x1000000000000000)},
			{Name: "", Value: evtx.StringValue("unnamed")},
		},
		Binary: []byte{1, 2, 3, 4, 5},
	}
}

// exotic has the values and shapes the scenario events do not: lower-case
// GUIDs, times with nanoseconds in another zone, arrays, reals, SizeT,
// ANSI strings, SYSTEMTIME, a nested UserData tree with typed attributes.
func exotic() []*evtx.Event {
	cet := time.FixedZone("CET", 3600)
	tm := time.Date(2026, 11, 20, 11, 0, 0, 123456789, cet)
	u := func(k evtx.Kind, x uint64) evtx.Value { return evtx.Value{Kind: k, Uint: x} }
	manifest := &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: "Lower-Guid", GUID: "{c76baa63-ae81-421c-b425-340b4b24157f}"},
			EventID:     1,
			TimeCreated: tm,
			ActivityID:  "{b1e3a429-ae1e-0001-cf50-d24fa6e0d801}",
			Channel:     "Test/Operational",
			Computer:    "h",
		},
		EventData: []evtx.Field{
			{Name: "U32s", Value: evtx.Value{Kind: evtx.KindUint32 | evtx.ArrayFlag, Array: []evtx.Value{u(evtx.KindUint32, 1), u(evtx.KindUint32, 4000000000)}}},
			{Name: "Strs", Value: evtx.Value{Kind: evtx.KindString | evtx.ArrayFlag, Array: []evtx.Value{evtx.StringValue("a"), evtx.StringValue("bc")}}},
			{Name: "R32", Value: evtx.Value{Kind: evtx.KindReal32, Float: 1.5}},
			{Name: "R64", Value: evtx.Value{Kind: evtx.KindReal64, Float: -2.25e100}},
			{Name: "Size", Value: u(evtx.KindSizeT, 0x7ff6a000)},
			{Name: "Ansi", Value: evtx.Value{Kind: evtx.KindAnsiString, Str: "ansi text"}},
			{Name: "Sys", Value: evtx.Value{Kind: evtx.KindSysTime, Time: tm}},
			{Name: "Guid", Value: evtx.Value{Kind: evtx.KindGUID, Str: "{4d36e972-e325-11ce-bfc1-08002be10318}"}},
			{Name: "Null", Value: evtx.Value{}},
		},
	}
	userData := &evtx.Event{
		System: manifest.System,
		UserData: &evtx.Element{
			Name:  "Outer",
			Attrs: []evtx.Attr{{Name: "xmlns", Value: evtx.StringValue("urn:x")}, {Name: "n", Value: u(evtx.KindUint16, 7)}},
			Children: []*evtx.Element{
				{Name: "Inner", Children: []*evtx.Element{{Name: "Leaf", Value: u(evtx.KindHexInt32, 0xbeef)}}},
				{Name: "Empty"},
				{Name: "Text", Value: evtx.StringValue("t")},
			},
		},
	}
	return []*evtx.Event{manifest, userData}
}
