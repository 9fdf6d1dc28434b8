package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestClearedLogBetweenArchivesIsAGap: an archived System log ending ten
// days before the window, a second archived log that begins with the
// clearing of the System log (Eventlog 104, "The System log file was
// cleared.") in the window, and the live log going on from it. Whatever
// was written between the first archive's last record and the clear was
// cleared, and no input holds it: the logs do not cover the window's
// start. Before, the cleared log's first EventRecordID, 1, was taken for
// a log begun anew (as one archived when full), the three logs as one
// run from the first archive's start, and rdp-tls-disabled "not
// detected; System read and covers it". The clear is named, with
// shortcuts and without; a cleared log numbered on from the archive
// (the clear the next record after its last: nothing written between)
// still goes on from it, and one numbered on past it (records written
// between, then cleared) is a gap as any such numbering is. Security's
// 1102 alike. A 104 whose BackupPath names the first archive's file
// (Event Viewer's "Save and Clear" into it) removed nothing no input
// holds: the window is covered; one naming another file is a gap that
// names that file.
func TestClearedLogBetweenArchivesIsAGap(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	// write writes into a folder: Archive-<channel>-1, 48 hourly records
	// (EventRecordIDs 1 to 48) ending ten days before the window; then,
	// when cleared, Archive-<channel>-2, whose first record is the clear
	// (EventRecordID clearID) 20 hours before t0, and ten hourly records
	// after it; and <channel>.evtx numbered on from there up to t0.
	write := func(channel string, clearID uint64, cleared bool, backup string) string {
		dir := t.TempDir()
		mk := func(at time.Time, id uint64) *evtx.Event {
			ev := evtxtest.EventLog(at, 6013)
			if channel == "Security" {
				ev = evtxtest.Security4625(at, "admin", "10.0.0.5", 0xc000006d, 0xc000006a, 10)
			}
			ev.RecordID, ev.System.EventRecordID = id, id
			return ev
		}
		var a, b, live []*evtx.Event
		aEnd := t0.Add(-11 * 24 * time.Hour)
		for i := range 48 {
			a = append(a, mk(aEnd.Add(time.Duration(i-47)*time.Hour), uint64(i+1)))
		}
		at := t0.Add(-20 * time.Hour)
		id := clearID
		if cleared {
			c := evtxtest.LogCleared(at, channel)
			c.RecordID, c.System.EventRecordID = id, id
			if backup != "" {
				c.UserData.Child("BackupPath").Value = evtx.Value{Kind: evtx.KindString, Str: backup}
			}
			b = append(b, c)
		} else {
			b = append(b, mk(at, id))
		}
		for i := 1; i <= 10; i++ {
			b = append(b, mk(at.Add(time.Duration(i)*time.Hour), id+uint64(i)))
		}
		for i := 1; i <= 10; i++ {
			live = append(live, mk(at.Add(time.Duration(10+i)*time.Hour), id+uint64(10+i)))
		}
		for name, evs := range map[string][]*evtx.Event{
			"Archive-" + channel + "-2024-04-20-12-00-00-000.evtx": a,
			"Archive-" + channel + "-2024-04-30-17-00-00-000.evtx": b,
			channel + ".evtx": live,
		} {
			if err := evtxtest.WriteFile(filepath.Join(dir, name), evs, evtxtest.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, plain := range []bool{false, true} {
		e := builtinEngine(t, Options{NoShortcuts: plain})
		for _, c := range []struct {
			name, channel, rule string
			clearID             uint64
			cleared, covered    bool
			clear               string // the clear's name in the reason
			backup              string // the clear's BackupPath
		}{
			{"System cleared, numbered from 1", "System", "rdp-tls-disabled", 1, true, false, "Eventlog 104", ""},
			{"Security cleared, numbered from 1", "Security", "rdp-logon-account", 1, true, false, "Eventlog 1102", ""},
			{"System cleared, numbered on past the archive", "System", "rdp-tls-disabled", 70, true, false, "", ""},
			{"System cleared right after the archive", "System", "rdp-tls-disabled", 49, true, true, "", ""},
			{"System begun anew (archived when full)", "System", "rdp-tls-disabled", 1, false, true, "", ""},
			// "Save and Clear": the clear saved what it removed to the
			// first archive, by its name (the folder differs: the disk
			// is mounted elsewhere), so nothing between is missing.
			{"System saved to the archive and cleared", "System", "rdp-tls-disabled", 1, true, true, "", `C:\Windows\System32\winevt\Logs\ARCHIVE-System-2024-04-20-12-00-00-000.evtx`},
			// Saved to a file no input is: the gap names it.
			{"System saved elsewhere and cleared", "System", "rdp-tls-disabled", 1, true, false, "", `C:\Users\admin\Desktop\System-before-clear.evtx`},
		} {
			f := finding(t, analyzePath(t, e, write(c.channel, c.clearID, c.cleared, c.backup)), c.rule)
			why := strings.Join(f.Reasons, "\n")
			if c.covered {
				if f.Verdict == NotChecked {
					t.Errorf("NoShortcuts %v, %s: %s (%s), want the window covered", plain, c.name, f.Verdict, why)
				}
				continue
			}
			if f.Verdict != NotChecked || !strings.Contains(why, "no log of it holds the window's start") ||
				!strings.Contains(why, "Archive-"+c.channel+"-2024-04-20-12-00-00-000.evtx ends with EventRecordID 48") {
				t.Errorf("NoShortcuts %v, %s: %s (%s), want not checked naming the first archive", plain, c.name, f.Verdict, why)
			}
			if c.clear != "" && !strings.Contains(why, "begins with the clearing of the log ("+c.clear+" at 2024-04-30T16:00:00.0000000Z, EventRecordID 1): what was written between them was cleared") {
				t.Errorf("NoShortcuts %v, %s: %s, want the clear named", plain, c.name, why)
			}
			if c.backup != "" && !strings.Contains(why, "begins with the clearing of the log (Eventlog 104 at 2024-04-30T16:00:00.0000000Z, EventRecordID 1), which saved what it cleared to "+c.backup+": what was written between them is there, if anywhere, and no input is taken for that file") {
				t.Errorf("NoShortcuts %v, %s: %s, want the backup named", plain, c.name, why)
			}
		}
	}
}

// savedTo matches a clear's BackupPath to the earlier input by file
// name, whatever the folders and case, but not when the cleared log has
// that name too: a System.evtx saved as System.evtx is not told from an
// older copy of the live System.evtx (a shadow copy's) by its name.
func TestSavedToByName(t *testing.T) {
	cleared := &Input{Path: "/mnt/live/Windows/System32/winevt/Logs/System.evtx"}
	for _, c := range []struct {
		backup, earlier string
		want            bool
	}{
		{`C:\Windows\System32\winevt\Logs\Archive-System-2024.evtx`, "/cases/vm1/archive-system-2024.EVTX", true},
		{`C:\Users\admin\Desktop\before-clear.evtx`, "/cases/vm1/Archive-System-2024.evtx", false},
		{`C:\backup\System.evtx`, "/mnt/shadow/Windows/System32/winevt/Logs/System.evtx", false},
		{`C:\backup\`, "/cases/vm1/backup", false},
		{"", "/cases/vm1/x.evtx", false},
	} {
		if got := savedTo(c.backup, &Input{Path: c.earlier}, cleared); got != c.want {
			t.Errorf("savedTo(%q, %q) = %v, want %v", c.backup, c.earlier, got, c.want)
		}
	}
}
