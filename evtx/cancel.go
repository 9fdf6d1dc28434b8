package evtx

import (
	"context"
	"fmt"
	"io"
)

// A read is cancelled through Options.Context. A log of a 20 GB disk takes
// seconds to minutes to read, and a program that imports the package (a
// forensics tool's importer, a service) must be able to stop it: every
// pass over a log's chunks looks at the context once per chunk slot (64
// KiB, at most a few hundred records), before reading it, so a cancel
// stops a pass within one chunk's work per goroutine.
//
// Two places look. The Reader's Next, before it takes the next chunk,
// returns an error wrapping the context's (errors.Is(err,
// context.Canceled) or context.DeadlineExceeded holds), and so does every
// call after it. The passes that do not go through Next (LastWritten,
// WrittenEnds, Log.Prime, the checks of lost records) read the file
// through ctxReaderAt, whose ReadAt fails once the context is done: what
// such a pass finds then is as after an I/O error, which no memo keeps
// (a result of a read that failed is never remembered for the file, so a
// later read with a live context reads it again), and the passes stop at
// their next chunk. The caller that cancelled takes the context's error
// for the answer, not what the pass found.

// stoppedError is the error of a read stopped by its context.
func stoppedError(name string, err error) error {
	if name == "" {
		return fmt.Errorf("evtx: reading stopped: %w", err)
	}
	return fmt.Errorf("evtx: %s: reading stopped: %w", name, err)
}

// withContext returns r reading through ctx (ctxReaderAt), or r itself
// when ctx is nil or can never be done (context.Background).
func withContext(r io.ReaderAt, ctx context.Context) io.ReaderAt {
	if ctx == nil || ctx.Done() == nil {
		return r
	}
	c := ctxReaderAt{ra: r, ctx: ctx}
	if d, ok := r.(dataFinder); ok {
		return ctxDataReaderAt{c, d}
	}
	return c
}

// ctxReaderAt is an io.ReaderAt that fails, with the context's error,
// every read asked after its context is done.
type ctxReaderAt struct {
	ra  io.ReaderAt
	ctx context.Context
}

func (c ctxReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.ra.ReadAt(p, off)
}

// ctxDataReaderAt is a ctxReaderAt of a file that tells where its data
// lies (dataFinder: a sparse file's holes are not read).
type ctxDataReaderAt struct {
	ctxReaderAt
	d dataFinder
}

func (c ctxDataReaderAt) nextData(off int64) (int64, bool) { return c.d.nextData(off) }

// ctxErr is ctx's error, nil for a nil ctx.
func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return ctx.Err()
}
