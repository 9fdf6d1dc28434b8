package fleet

import (
	"cmp"
	"runtime"
	"slices"
	"sync"

	"github.com/evtxrdp/evtxrdp/rules"
)

// Result is the analysis of one machine.
type Result struct {
	Machine *Machine
	// Result is the engine's result (nil only if Err says why).
	Result *rules.Result
	// Err is the engine's error (rules.ErrNoReadableLog comes with a
	// Result).
	Err error
}

// Analyze runs eng over each machine's logs (Machine.EvtxLogs), each
// machine with its own reference time, windows and verdicts. At most
// workers machines are analysed at once (0: GOMAXPROCS), the machine with
// the most log bytes first. A machine holding more than half of all the
// log bytes reads its logs with eng's workers (its System log is often
// most of a volume's bytes, and read by one goroutine while the small
// machines were done, it left the other cores idle); the others read with
// one goroutine each, so that the goroutines reading at once stay under
// twice the workers. emit receives the
// results in the machines' order, from one goroutine, as soon as a result
// and all before it are ready (a result is not kept after emit returns);
// progress, when not nil, is called after each machine with the number
// done so far. Analyze returns when every result has been emitted.
func Analyze(eng *rules.Engine, ms []*Machine, workers int, emit func(i int, r *Result), progress func(done, total int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type done struct {
		i int
		r *Result
	}
	results := make(chan done)
	jobs := make(chan int)
	order, size, total := bySize(ms)
	var wg sync.WaitGroup
	for range min(workers, len(ms)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				e := eng
				if len(ms) > 1 && 2*size[i] <= total {
					e = eng.WithWorkers(1)
				}
				res, err := e.Analyze(ms[i].EvtxLogs())
				results <- done{i, &Result{Machine: ms[i], Result: res, Err: err}}
			}
		}()
	}
	go func() {
		for _, i := range order {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	pending := map[int]*Result{}
	next, n := 0, 0
	for d := range results {
		n++
		if progress != nil {
			progress(n, len(ms))
		}
		pending[d.i] = d.r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			emit(next, r)
			next++
		}
	}
}

// bySize returns the indices of ms, the machine with the most log bytes
// first (ties in order), each machine's log bytes and their total.
func bySize(ms []*Machine) (order []int, size []int64, total int64) {
	size = make([]int64, len(ms))
	order = make([]int, len(ms))
	for i, m := range ms {
		order[i] = i
		for _, l := range m.EvtxLogs() {
			size[i] += l.Size
		}
		total += size[i]
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(size[b], size[a]) })
	return order, size, total
}
