// Package recordkey hashes what identifies an event record without
// rendering it, for the two places that compare records of several logs
// by a key: fleet (which logs are copies of one log, from record
// summaries read without decoding) and rules (whether two inputs of one
// analysis may share a matched record, from decoded events). Both use
// Event's key, so that a record has one key whichever of them computes
// it (TestKeysAgree).
package recordkey

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// Hash is an FNV-1a 64-bit hash state (the values of hash/fnv's New64a
// over the same bytes).
type Hash uint64

// Offset is the state before any byte (FNV-1a's offset basis).
const Offset Hash = 14695981039346656037

const prime = 1099511628211

// Str hashes the bytes of s.
func (h Hash) Str(s string) Hash {
	for i := 0; i < len(s); i++ {
		h = (h ^ Hash(s[i])) * prime
	}
	return h
}

// Nul hashes one NUL byte (a separator: "ab","c" differs from "a","bc").
func (h Hash) Nul() Hash { return h * prime }

// U64 hashes the 8 bytes of v, little-endian.
func (h Hash) U64(v uint64) Hash {
	for range 8 {
		h = (h ^ Hash(byte(v))) * prime
		v >>= 8
	}
	return h
}

// U16 hashes the 2 bytes of v, little-endian.
func (h Hash) U16(v uint16) Hash {
	h = (h ^ Hash(byte(v))) * prime
	return (h ^ Hash(byte(v>>8))) * prime
}

// Prefix is the state after a record's channel in lower case (lower:
// strings.ToLower of the channel; copies of one log may spell it in other
// cases), its provider and its computer, each followed by a NUL. Most
// records of a log share it, so callers may keep it for the next record.
func Prefix(lower, provider, computer string) Hash {
	return Offset.Str(lower).Nul().Str(provider).Nul().Str(computer).Nul()
}

// PrefixOf is Prefix of channel, which it lowers itself (strings.ToLower),
// without allocating when channel is ASCII.
func PrefixOf(channel, provider, computer string) Hash {
	h := Offset
	ascii := true
	for i := 0; i < len(channel); i++ {
		if channel[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for i := 0; i < len(channel); i++ {
			c := channel[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			h = (h ^ Hash(c)) * prime
		}
	} else {
		h = h.Str(strings.ToLower(channel))
	}
	return h.Nul().Str(provider).Nul().Str(computer).Nul()
}

// Summary is the key of the record s summarises, from its Prefix h: h
// followed by its EventRecordID (its RecordID, its number in the file,
// where that is 0: not read), its TimeCreated (Unix nanoseconds; of the
// zero time where not read) and its event id, little-endian. fleet keys
// record summaries so (eventKey).
func (h Hash) Summary(s evtx.Summary) uint64 {
	return h.event(s.EventRecordID, s.RecordID, s.TimeCreated, s.EventID)
}

// OfEvent is the key of a decoded record: Summary's, of PrefixOf its
// channel, provider and computer, from its System's EventRecordID,
// TimeCreated and event id. rules keys matched records so (identityKey).
// For a record whose summary has its TimeCreated (so its EventRecordID
// too), OfEvent(ev) equals Prefix(strings.ToLower(channel), provider,
// computer).Summary(s) (TestKeysAgree). Records with equal keys agree in
// channel (but case), provider, computer, EventRecordID, TimeCreated and
// event id, unless the 64-bit hash collides; so records with equal
// evtx.Event.Identity have equal keys.
func OfEvent(ev *evtx.Event) uint64 {
	h := PrefixOf(ev.System.Channel, ev.System.Provider.Name, ev.System.Computer)
	return h.event(ev.System.EventRecordID, ev.RecordID, ev.System.TimeCreated, ev.System.EventID)
}

// event is h followed by id (recordID where id is 0), timeCreated and
// eventID.
func (h Hash) event(id, recordID uint64, timeCreated time.Time, eventID uint16) uint64 {
	if id == 0 {
		id = recordID
	}
	return uint64(h.U64(id).U64(uint64(timeCreated.UnixNano())).U16(eventID))
}
