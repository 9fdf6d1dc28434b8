package evtx

import (
	"fmt"
	"maps"
	"slices"
	"testing"
)

// TestSharedTemplatesEqualCompile: a goroutine whose own cache is empty
// takes the definitions other goroutines published (sharedTemplates), and
// what it takes is what compiling in its chunk gives: the same templates,
// the same decoded records, TimeCreated reads and summaries as a decoder
// without any cache, over every sample and a damaged copy of each.
func TestSharedTemplatesEqualCompile(t *testing.T) {
	resetSharedTemplates()
	defer resetSharedTemplates()
	logs := testLogs(t)
	shared, checked, compiled, compiledFirst := 0, 0, 0, 0
	for i, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && i%5 != 0 {
			continue
		}
		for _, b := range [][]byte{logs[name], damaged(logs[name])} {
			// One goroutine's cache publishes; another's starts empty.
			pub := newTmplCache()
			for ci := 0; fileHeaderBlock+ci*chunkSize < len(b); ci++ {
				c := chunkAt(b, ci)
				d := newChunkDecoder(c)
				d.cache = pub
				decodeChunk(d, c)
			}
			// What is published is a copy with both shapes computed: the
			// owner's template computes them lazily, which another
			// goroutine must not read meanwhile.
			sharedTemplates.mu.RLock()
			published := map[*cachedTemplate]bool{}
			for _, cts := range sharedTemplates.m {
				for _, ct := range cts {
					published[ct] = true
				}
			}
			own := map[*template]bool{} // the templates pub compiled
			for _, cts := range pub.m {
				for _, ct := range cts {
					own[ct.t] = own[ct.t] || !published[ct]
				}
			}
			bad := ""
			for _, cts := range sharedTemplates.m {
				for _, ct := range cts {
					if own[ct.t] || ct.t.tshape == nil || ct.t.sshape == nil {
						bad = fmt.Sprintf("a published template is the owner's (%v) or lacks its shapes", own[ct.t])
					}
				}
			}
			sharedTemplates.mu.RUnlock()
			if bad != "" {
				t.Fatalf("%s: %s", name, bad)
			}
			other := newTmplCache()
			for ci := 0; fileHeaderBlock+ci*chunkSize < len(b); ci++ {
				c := chunkAt(b, ci)
				d, plain := other.decoder(c), newChunkDecoder(c)
				for _, sp := range recordSpans(c) {
					if got, want := lean(d, sp), lean(plain, sp); got != want {
						t.Fatalf("%s chunk %d record at %#x: %s, without a cache %s", name, ci, sp[0], got, want)
					}
				}
				for off, tm := range d.templates {
					fresh, _ := newChunkDecoder(c).compileTemplate(int(off))
					if why := sameTemplate(tm, fresh); why != "" {
						t.Fatalf("%s chunk %d template at %#x: %s", name, ci, off, why)
					}
					checked++
				}
			}
			shared, compiled, compiledFirst = shared+other.shared, compiled+other.added, compiledFirst+pub.added
		}
	}
	t.Logf("%d templates checked, %d taken from the shared store; the second cache compiled %d, the first %d", checked, shared, compiled, compiledFirst)
	if shared == 0 || compiled > compiledFirst/10 {
		t.Errorf("the shared store served %d templates, the second cache compiled %d of the first's %d: it is not used", shared, compiled, compiledFirst)
	}
}

// lean is what the lean reads and a full decode of the record at sp give.
func lean(d *chunkDecoder, sp [2]int) string {
	rt, ok := d.readTime(sp[0], sp[1])
	s, sok := d.summarize(sp[0], sp[1])
	return fmt.Sprintf("time %+v %v; summary %+v %v; %s", rt, ok, s, sok, outcome(d.decodeRecord(sp[0], sp[1])))
}
