// Command readfile reads a file in 64 KiB blocks (the size of an EVTX
// chunk, as evtxrdp's reader reads it) with one goroutine per CPU, and
// does nothing with the bytes: the "read the file alone" line of bench/run,
// the least any pass over every record of the log costs on the machine.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: readfile FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "readfile:", err)
		os.Exit(1)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		fmt.Fprintln(os.Stderr, "readfile:", err)
		os.Exit(1)
	}
	const block = 64 << 10
	blocks := (fi.Size() + block - 1) / block
	var next, total atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, block)
			for {
				i := next.Add(1) - 1
				if i >= blocks {
					return
				}
				n, err := f.ReadAt(buf, i*block)
				if err != nil && err != io.EOF {
					failed.Store(err)
					return
				}
				total.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		fmt.Fprintln(os.Stderr, "readfile:", err)
		os.Exit(1)
	}
	fmt.Printf("bytes=%d\n", total.Load())
}
