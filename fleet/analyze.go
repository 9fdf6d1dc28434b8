package fleet

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/evtxrdp/evtxrdp/rules"
)

// Result is the analysis of one machine.
type Result struct {
	Machine *Machine
	// Result is the engine's result (rules.Engine.Analyze), never nil:
	// with Err set too, its findings say "not checked" and its Inputs
	// why each log could not be read.
	Result *rules.Result
	// Err is the engine's error: rules.ErrNoReadableLog when no log of
	// the machine could be read, else nil.
	Err error
}

// Analyze runs eng over each machine's logs (Machine.EvtxLogs), each
// machine with its own reference time, windows and verdicts. At most
// workers machines are analysed at once (0: GOMAXPROCS). A machine holding
// more than half of all the log bytes reads its logs with eng's workers
// (its System log is often most of a volume's bytes, and read by one
// goroutine while the small machines were done, it left the other cores
// idle); the others read with one goroutine each, so that the goroutines
// reading at once stay under twice the workers. emit receives the
// results in the machines' order (i indexes ms), on the goroutine that
// called Analyze, as soon as a result and all before it are ready;
// Analyze keeps no reference to a result after emit returns, so emit may
// keep it (memory then grows with the machines) or drop it once written
// out, and need not lock what it shares with nothing but itself.
// progress, when not nil, is called on that goroutine too, after each
// machine, with the number done so far and len(ms). Analyze returns when every result has been emitted. It
// panics, before starting any goroutine, when eng or a machine is nil.
//
// A machine is started only when it lies among the maxAhead(workers)
// machines from the first whose result is not emitted, so that at most
// that many results wait for an earlier one (memory stays bounded and
// results stream whatever the order of the machines' sizes), and of
// those the one with the most log bytes first: a large log read last, or
// read alone while the small ones were done, would leave the other cores
// idle.
func Analyze(eng *rules.Engine, ms []*Machine, workers int, emit func(i int, r *Result), progress func(done, total int)) {
	_ = AnalyzeContext(context.Background(), eng, ms, workers, emit, progress) // never stopped
}

// AnalyzeContext is Analyze, stopped when ctx is done (cancelled or past
// its deadline): each machine is analysed with eng.AnalyzeContext, whose
// reads look at ctx once per chunk, no machine is started after it is
// done, and no result is emitted once it is done (emit has been given, in
// order, those before; an emit that cancels ctx is the last). It returns when
// every goroutine it started has returned: nil when every result was
// emitted, else an error wrapping rules.ErrStopped and ctx's error
// (errors.Is(err, context.Canceled) holds). A context that is never done
// (context.Background) gives what Analyze gives.
func AnalyzeContext(ctx context.Context, eng *rules.Engine, ms []*Machine, workers int, emit func(i int, r *Result), progress func(done, total int)) error {
	if ctx == nil {
		panic("fleet: AnalyzeContext with a nil context.Context")
	}
	// Checked here, in the caller's goroutine: a nil engine or machine
	// panicked in a worker goroutine, which no recover of the caller's
	// can catch, ending the whole program.
	if eng == nil {
		panic("fleet: Analyze with a nil *rules.Engine")
	}
	for i, m := range ms {
		if m == nil {
			panic(fmt.Sprintf("fleet: Analyze with a nil machine (index %d)", i))
		}
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Machines can share logs (a folder's logs that name no computer go
	// with each machine of the folder): each is looked through once.
	eng = eng.WithMemo()
	type done struct {
		i int
		r *Result
	}
	results := make(chan done)
	jobs := make(chan int)
	size, total := logBytes(ms)
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
				res, err := e.AnalyzeContext(ctx, ms[i].EvtxLogs())
				results <- done{i, &Result{Machine: ms[i], Result: res, Err: err}}
			}
		}()
	}
	ahead := maxAhead(workers)
	started := make([]bool, len(ms))
	pending := map[int]*Result{}
	next, n := 0, 0
	running := 0 // machines started whose result has not come
	stop := ctx.Done()
	abort := func() error {
		// No machine is started any more; those running stop at their
		// next chunk, and their results are dropped.
		close(jobs)
		for ; running > 0; running-- {
			<-results
		}
		wg.Wait()
		return fmt.Errorf("fleet: %w: %w", rules.ErrStopped, ctx.Err())
	}
	for next < len(ms) {
		// The largest machine not started among the ahead from next
		// (ties in order), if any.
		j := -1
		for i := next; i < min(len(ms), next+ahead); i++ {
			if !started[i] && (j < 0 || size[i] > size[j]) {
				j = i
			}
		}
		var send chan int
		if j >= 0 {
			send = jobs
		}
		select {
		case <-stop:
			return abort()
		case send <- j:
			started[j] = true
			running++
		case d := <-results:
			running--
			if ctx.Err() != nil {
				return abort() // d may be a stopped analysis's
			}
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
				if ctx.Err() != nil {
					return abort() // emit may have cancelled: no more
				}
				delete(pending, next)
				emit(next, r)
				next++
			}
		}
	}
	close(jobs)
	wg.Wait()
	return nil
}

// maxAhead is how many machines, from the first whose result is not
// emitted yet, Analyze with workers may have started: the bound of the
// results it holds.
func maxAhead(workers int) int { return 4 * workers }

// logBytes returns the log bytes of each machine of ms and their total.
func logBytes(ms []*Machine) (size []int64, total int64) {
	size = make([]int64, len(ms))
	for i, m := range ms {
		for _, l := range m.EvtxLogs() {
			size[i] += l.Size
		}
		total += size[i]
	}
	return size, total
}
