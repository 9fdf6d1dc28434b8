package evtx

import (
	"testing"
	"time"
)

// Event.Time and Summary.Time are TimeCreated, or the zero time: never
// the record header time. Before, a record without a TimeCreated (decoded
// in part) had its header time as "when the event happened", which an
// exported log borrows from another record (here a day later).
func TestTimeIsTimeCreated(t *testing.T) {
	created := time.Date(2024, 5, 1, 11, 30, 0, 0, time.UTC)
	written := created.Add(24 * time.Hour)
	for _, c := range []struct {
		name          string
		created, want time.Time
	}{
		{"with TimeCreated", created, created},
		{"without TimeCreated", time.Time{}, time.Time{}},
		{"TimeCreated FILETIME 0", FiletimeToTime(0), FiletimeToTime(0)},
	} {
		ev := &Event{Written: written, System: System{TimeCreated: c.created}, Partial: "a template did not resolve"}
		if got := ev.Time(); !got.Equal(c.want) || got.IsZero() != c.want.IsZero() {
			t.Errorf("%s: Event.Time %v, want %v (header time %v)", c.name, got, c.want, written)
		}
		s := Summary{Written: written, TimeCreated: c.created}
		if got := s.Time(); !got.Equal(c.want) || got.IsZero() != c.want.IsZero() {
			t.Errorf("%s: Summary.Time %v, want %v (header time %v)", c.name, got, c.want, written)
		}
	}
}
