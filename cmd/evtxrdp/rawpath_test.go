package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNonUTF8PathsRoundTrip: two logs whose names differ only in bytes
// that are not UTF-8 ("bad\xff\xfename.evtx", "bad\xfe\xffname.evtx")
// read alike in JSON strings ("bad\ufffd\ufffdname.evtx"): analyze
// --format json, dump and query --format jsonl give each such path's
// bytes in base64 beside it (path_base64, file_base64, paths_base64),
// two values that decode to the two names, and a path that is UTF-8 gets
// none. Without them the JSON named both logs alike and neither could be
// reopened.
func TestNonUTF8PathsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a, b, ok := filepath.Join(dir, "bad\xff\xfename.evtx"), filepath.Join(dir, "bad\xfe\xffname.evtx"), filepath.Join(dir, "ok.evtx")
	// Three logs of one Windows 10 machine: RemoteConnectionManager,
	// System and LocalSessionManager.
	for p, sample := range map[string]string{
		a:  "omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
		b:  "fukusuket__evtx-parser__samples__System.evtx",
		ok: "fukusuket__evtx-parser__samples__Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx",
	} {
		d, err := os.ReadFile(filepath.Join("../../testdata/evtx", sample))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, d, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// reopen decodes e, checks it names one of want and that the file
	// opens, and returns the name.
	reopen := func(what, e string) string {
		t.Helper()
		d, err := base64.StdEncoding.DecodeString(e)
		if err != nil {
			t.Fatalf("%s: %q: %v", what, e, err)
		}
		if p := string(d); p != a && p != b {
			t.Errorf("%s: %q decodes to %q, not a name given", what, e, p)
		}
		f, err := os.Open(string(d))
		if err != nil {
			t.Errorf("%s: %v", what, err)
		} else {
			f.Close()
		}
		return string(d)
	}

	_, out, errOut := runCmd("analyze", "--format", "json", a, b, ok)
	type report struct {
		Inputs []struct {
			Path       string `json:"path"`
			PathBase64 string `json:"path_base64"`
		} `json:"inputs"`
		Findings []struct {
			Logs []struct {
				Paths       []string `json:"paths"`
				PathsBase64 []string `json:"paths_base64"`
			} `json:"logs"`
		} `json:"findings"`
		Machine *struct {
			Logs []struct {
				Copies []struct {
					Path       string `json:"path"`
					PathBase64 string `json:"path_base64"`
				} `json:"copies"`
			} `json:"logs"`
		} `json:"machine"`
	}
	// One report, or a fleet document of several (the logs name other
	// computers).
	var fl struct {
		Reports []report `json:"reports"`
	}
	if err := json.Unmarshal([]byte(out), &fl); err != nil {
		t.Fatalf("analyze: %v\n%s", err, errOut)
	}
	if len(fl.Reports) == 0 {
		var r report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("analyze: %v\n%s", err, errOut)
		}
		fl.Reports = []report{r}
	}
	var r report
	copies := map[string]bool{}
	for _, x := range fl.Reports {
		if x.Machine == nil {
			continue
		}
		for _, l := range x.Machine.Logs {
			for _, c := range l.Copies {
				if c.PathBase64 != "" {
					copies[reopen("analyze machine copy", c.PathBase64)] = true
				} else if c.Path != ok {
					t.Errorf("analyze: machine copy %q has no path_base64", c.Path)
				}
			}
		}
	}
	if !copies[a] || !copies[b] {
		t.Errorf("analyze: machine copies name %v by path_base64, want both names", copies)
	}
	for _, x := range fl.Reports {
		r.Inputs = append(r.Inputs, x.Inputs...)
		r.Findings = append(r.Findings, x.Findings...)
	}
	var inputs []string
	for _, in := range r.Inputs {
		switch {
		case in.Path == ok:
			if in.PathBase64 != "" {
				t.Errorf("analyze: %s: path_base64 %q, want none", ok, in.PathBase64)
			}
		case in.PathBase64 == "":
			t.Errorf("analyze: input %q has no path_base64", in.Path)
		default:
			inputs = append(inputs, reopen("analyze input", in.PathBase64))
		}
	}
	if slices.Sort(inputs); !slices.Equal(inputs, []string{b, a}) && !slices.Equal(inputs, []string{a, b}) {
		t.Errorf("analyze inputs name %q, want %q and %q", inputs, a, b)
	}
	logs, named := 0, map[string]bool{}
	for _, f := range r.Findings {
		for _, l := range f.Logs {
			if len(l.Paths) == 0 {
				continue
			}
			logs++
			if len(l.PathsBase64) != len(l.Paths) {
				t.Fatalf("analyze: paths %q, paths_base64 %q", l.Paths, l.PathsBase64)
			}
			for i, e := range l.PathsBase64 {
				if l.Paths[i] == ok {
					if e != "" {
						t.Errorf("analyze: paths_base64 %q for %s", e, ok)
					}
					continue
				}
				if e == "" {
					t.Errorf("analyze: path %q has no paths_base64", l.Paths[i])
					continue
				}
				named[reopen("analyze finding log", e)] = true
			}
		}
	}
	if logs == 0 || !named[a] || !named[b] {
		t.Errorf("analyze: %d finding logs, naming by paths_base64 %v: want both names", logs, named)
	}

	for _, args := range [][]string{{"dump"}, {"query", "--format", "jsonl", "-q", "*"}} {
		_, out, errOut := runCmd(append(args, a, b, ok)...)
		seen := map[string]int{}
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var ev struct {
				File       string `json:"file"`
				FileBase64 string `json:"file_base64"`
			}
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatalf("%s: %v: %s", args[0], err, sc.Text())
			}
			if ev.FileBase64 == "" {
				seen[ev.File]++
				continue
			}
			seen[reopen(args[0], ev.FileBase64)]++
		}
		if seen[a] == 0 || seen[b] == 0 || seen[ok] == 0 {
			t.Errorf("%s: events by file: %v, want some of each\n%s", args[0], seen, errOut)
		}
		for p := range seen {
			if p != a && p != b && p != ok {
				t.Errorf("%s: an event names %q", args[0], p)
			}
		}
	}
}
