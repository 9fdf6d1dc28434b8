package evtx

import (
	"strings"
	"time"
)

// Event is one decoded event record.
//
// RecordID and Written come from the record header, not from the BinXML
// body: they are what the file says about the record even when its body
// disagrees. System holds the typed System properties, EventData the
// classic/manifest data fields in document order, UserData the UserData
// subtree. Root is the whole event as a tree; Event.XML renders it.
type Event struct {
	// RecordID is the event record identifier from the record header:
	// the record's number in this file. A live log numbers its records
	// with their System.EventRecordID; an export (Event Viewer's "Save
	// As", wevtutil epl) renumbers them from 1, so RecordID is not the id
	// Event Viewer shows there (Stats.Renumbered).
	RecordID uint64
	// Written is the record header's FILETIME, UTC, full 100 ns precision:
	// when the record was written to this file, not when the event
	// happened (System.TimeCreated). Exported logs borrow it from other
	// records, or leave it 0, which reads as FiletimeToTime(0),
	// 1601-01-01, not as the zero time.Time.
	Written time.Time

	System System

	// EventData holds the <Data> (and <ComplexData>) children of
	// <EventData>, in document order. Name is "" for classic unnamed data.
	EventData []Field
	// Binary is the <EventData><Binary> payload of classic events, nil when
	// absent.
	Binary []byte
	// UserData is the single child of <UserData> (e.g. <EventXML>), nil when
	// the event has no UserData.
	UserData *Element

	// Root is the <Event> element with everything the record holds.
	Root *Element

	// Where the record was read: file (as given to the reader), chunk index
	// and byte offset of the record header in the file.
	Source Position

	// Recovered is "" for a record of the log's current contents,
	// RecoveredSlack for an old record found in the slack of a chunk (past
	// its free space offset, not continuing its records: what remains of an
	// earlier use of the chunk, or of a log since cleared), and
	// RecoveredUnallocated for a record of an old chunk past the chunks the
	// file header counts (one whose records cannot be newer than the
	// current ones) or of a counted chunk that is another log's (see
	// Stats.ForeignChunks). Such records are read only with Options.Recover.
	Recovered string

	// Partial is "" for an event decoded in full. Otherwise it says why a
	// template instance of the record could not be resolved (its
	// definition overwritten or damaged, a name in it that is not a name,
	// a definition that does not fit the instance's values); the record's
	// substitution values were intact. In Root each such instance is an
	// <Unresolved Template='0x...'> element holding one
	// <Value Type='...'> per value, in order, names unknown; Unresolved
	// lists the same values. What the rest of the record holds (System,
	// when the unresolved instance is a nested one) is decoded as usual.
	// A definition whose only damage is its data size field (its tokens
	// end cleanly at their EOF token) is read from its tokens: the record
	// decodes in full, Unresolved is empty, and Partial still says so.
	// The reader reports every partial event as a FormatError too.
	Partial    string
	Unresolved []Value

	// Damaged is set when the record was read from a chunk whose header
	// or records checksum does not verify (or whose header cannot be
	// believed): what it says, its Computer among it, may be the damage
	// rather than what Windows wrote (Summary.Damaged says the same of a
	// record's summary). The reader reports the chunk as a FormatError.
	Damaged bool

	// ConflictOf is, for an event of a merged log (Merge) that another of
	// its copies holds with other content (the same channel,
	// EventRecordID and TimeCreated) where Merge cannot tell which copy is
	// right (both copies' chunk checksums verify, or neither's), the
	// place of the copy yielded unmarked: both are yielded, this one
	// marked, and a reader that counts records counts the record once, by
	// the unmarked copy. nil for every other event (Stats.Conflicts).
	ConflictOf *Position
}

// Event.Recovered values: a record read from chunk slack, or from a chunk
// past the file header's count that an earlier use of the file left
// (unallocated space: see Options.Recover).
const (
	RecoveredSlack       = "slack"
	RecoveredUnallocated = "unallocated"
)

// eventNS is the namespace of Windows event XML.
const eventNS = "http://schemas.microsoft.com/win/2004/08/events/event"

// Position locates a record in its file. File is Options.Name (the path
// given to Open, Log.Path for Log.Open, "" for NewReader without a Name);
// for a log of copies read as one (Merge), the part the record was read
// from. Offset is in the log's bytes: for an archive member, in its
// inflated bytes.
type Position struct {
	File   string // Options.Name of the file read (see Position)
	Chunk  int    // chunk index, 0-based
	Offset int64  // byte offset of the record header in the log
}

// System holds the <System> properties of an event. A property the record
// does not carry is the zero value; the Has* flags tell absence from zero
// where it matters. Element and attribute names are read as the query
// evaluator reads them (NameIs): <e:Provider e:Name='...'> is the Provider;
// the same holds for EventData, its Data and UserData.
type System struct {
	Provider      Provider
	EventID       uint16
	Qualifiers    uint16
	HasQualifiers bool
	Version       uint8
	Level         uint8
	Task          uint16
	Opcode        uint8
	Keywords      uint64
	// TimeCreated is TimeCreated/@SystemTime, UTC, full precision (100
	// ns): when the event happened, the time every window and query
	// compares. The zero time when the record carries none (decoded in
	// part: see Event.Partial); FILETIME 0 (1601-01-01) when the record
	// holds 0, which places it nowhere (UsableTime). Never the record
	// header time (Event.Written).
	TimeCreated time.Time
	// EventRecordID is System/EventRecordID, the number the source log
	// gave the record (the id Event Viewer shows; an export keeps it
	// while renumbering Event.RecordID). 0 means it was not read: the
	// record carries none, or not as a number (decoded in part); Windows
	// numbers records from 1.
	EventRecordID     uint64
	ActivityID        string // Correlation/@ActivityID, "{...}" or ""
	RelatedActivityID string // Correlation/@RelatedActivityID
	ProcessID         uint32
	ThreadID          uint32
	Channel           string
	Computer          string
	UserID            string // Security/@UserID, a SID string or ""
}

// Provider is System/Provider.
type Provider struct {
	Name            string
	GUID            string // "{...}" as written, or ""
	EventSourceName string
}

// Field is one EventData item: <Data Name='Name'>Value</Data>.
type Field struct {
	Name  string
	Value Value
}

// Element is a node of an event's XML tree. Text content is in Value
// (KindNull when the element has none); child elements in Children, in
// document order. Values keep their BinXML types.
type Element struct {
	Name     string
	Attrs    []Attr
	Children []*Element
	Value    Value
}

// Attr is an XML attribute with its typed value.
type Attr struct {
	Name  string
	Value Value
}

// Attr returns the value of the attribute name and whether it is present.
func (e *Element) Attr(name string) (Value, bool) {
	if e == nil {
		return Value{}, false
	}
	for _, a := range e.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return Value{}, false
}

// Child returns the first child element called name, or nil.
func (e *Element) Child(name string) *Element {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Text returns the text content of e and its descendants, concatenated in
// document order.
func (e *Element) Text() string {
	if e == nil {
		return ""
	}
	if len(e.Children) == 0 {
		return e.Value.String()
	}
	var b strings.Builder
	b.WriteString(e.Value.String())
	for _, c := range e.Children {
		b.WriteString(c.Text())
	}
	return b.String()
}

// Data returns the first EventData field called name (names compare
// exactly) and whether it exists.
func (ev *Event) Data(name string) (Value, bool) {
	for _, f := range ev.EventData {
		if f.Name == name {
			return f.Value, true
		}
	}
	return Value{}, false
}
