package fleet

import (
	"fmt"
	"strings"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// notePeriodCopies says, in the Grouping of a machine, where grouping
// from the analysed period (Options.Period) could not tell an older copy
// of a log from another log of the machine: a log o of the same channel
// as a log l, every record read of which is older than the records read
// of l and numbered below them. Such a copy (a shadow copy taken weeks
// before, holding the log's first chunks) shares records with l only
// before the period, which is not read, so it stays a log of its own,
// where a read of every record (Period 0) merges it into l, each record
// once. Had o's records reached into l's period, a copy would have shared
// them there. Telling the two apart needs l's records at o's times: a
// read of l beyond the period, which the period is there to avoid.
//
// An older copy naming only the computer's former name (renamed after
// the copy was taken) goes to a machine of that name instead; that is not
// said here, since unrelated machines' logs are as often older and
// numbered below (36 such pairs over the shared samples given as one
// input), but in Options.Period.
//
// It sets Machine.CopiesUnchecked on each machine it writes to.
func notePeriodCopies(ms []*Machine) {
	for _, m := range ms {
		if m.Forwarded {
			continue
		}
		for _, o := range m.Logs {
			for _, l := range m.Logs {
				if o == l || !o.Read || !l.Read || len(o.hosts) == 0 || len(l.hosts) == 0 ||
					!strings.EqualFold(o.Channel, l.Channel) || !o.last.Before(l.first) || o.maxID >= l.minID {
					continue
				}
				op, lp := o.Copies[0].Path, l.Copies[0].Path
				m.Grouping = append(m.Grouping, fmt.Sprintf(
					"%s: not compared with %s before the analysed period: all its records (to %s) are older than those read of %s (from %s) and numbered below them, so whether it is an older copy of that log was not checked (evtxrdp dump of both says); it is read as a log of its own",
					op, lp, evtx.FormatTime(o.last), lp, evtx.FormatTime(l.first)))
				m.CopiesUnchecked = true
			}
		}
	}
}
