// Package ctxtest holds what the cancellation tests of evtx, rules and
// fleet share: a context done after a given number of looks at it, and a
// wait for goroutines that are returning.
package ctxtest

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// After is a context that is done from its n-th Err call on (Err calls
// numbered from 1: After(0) is done at the first), or never when n is
// negative; it counts the calls. The readers look at their context once
// per chunk, so n picks where in a pass the cancel comes, whatever the
// scheduling. Deadline and Value are context.Background's.
type After struct {
	context.Context
	n     int64
	calls atomic.Int64
	once  sync.Once
	done  chan struct{}
}

// NewAfter returns an After done from the call after n calls of Err.
func NewAfter(n int64) *After {
	return &After{Context: context.Background(), n: n, done: make(chan struct{})}
}

// Done returns a channel closed once Err has said context.Canceled.
func (c *After) Done() <-chan struct{} { return c.done }

// Err returns context.Canceled from its (n+1)-th call on, else nil.
func (c *After) Err() error {
	if k := c.calls.Add(1); c.n >= 0 && k > c.n {
		c.once.Do(func() { close(c.done) })
		return context.Canceled
	}
	return nil
}

// Calls returns how many times Err was called.
func (c *After) Calls() int64 { return c.calls.Load() }

// SettledGoroutines returns runtime.NumGoroutine once it is at most want,
// or after about 10 s: a goroutine past its wg.Done may still be
// returning when the call comes (as goleak retries); a leaked one stays.
func SettledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 10000 && n > want; i++ {
		time.Sleep(time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}
