// Command genlog builds a large EVTX log for bench/run: it reads the events
// of real sample logs with the evtx reader, re-times and renumbers them, and
// writes them with evtx/evtxtest, batch by batch, stitching the chunks into
// one file. Records are spread evenly over --span ending at --end, so the
// newest 24 hours hold 24h/span of them (1% for the default 100 days).
// --inject adds the scenario events of the RDP certificate scenario in the
// newest hour, so that analyze has something to find.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

const (
	headerBlock = 4096
	chunkSize   = 65536
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := pflag.NewFlagSet("genlog", pflag.ContinueOnError)
	out := fs.StringP("output", "o", "", "file to write")
	sizeMiB := fs.Int("size", 256, "minimum size of the log in MiB")
	span := fs.Duration("span", 100*24*time.Hour, "time span of the records")
	endFlag := fs.String("end", "2026-11-01T00:00:00Z", "time of the newest record (RFC 3339)")
	inject := fs.Bool("inject", false, "add RCM 1058 and Schannel 36870 events in the newest hour")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return errors.New("usage: genlog -o OUT.evtx [--size MiB] [--span D] [--end T] SEED.evtx [SEED.evtx]")
	}
	end, err := time.Parse(time.RFC3339, *endFlag)
	if err != nil {
		return fmt.Errorf("--end: %w", err)
	}
	var seeds []*evtx.Event
	for _, p := range fs.Args() {
		evs, err := readAll(p)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			// Keep the events the writer can encode (it refuses shapes it
			// has no encoding for).
			if _, err := evtxtest.Bytes([]*evtx.Event{renumber(ev, 1, ev.Written)}, evtxtest.Options{}); err == nil {
				seeds = append(seeds, ev)
			}
		}
	}
	if len(seeds) == 0 {
		return errors.New("the seed logs hold no events")
	}

	// Estimate the record count from the seeds' encoded size.
	probe, err := evtxtest.Bytes(seeds, evtxtest.Options{})
	if err != nil {
		return err
	}
	perRecord := float64(len(probe)-headerBlock) / float64(len(seeds))
	target := int64(*sizeMiB) << 20
	n := int(float64(target-headerBlock)/perRecord) + 1

	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, headerBlock)); err != nil {
		return err
	}
	var header []byte
	chunks := 0
	start := end.Add(-*span)
	step := *span / time.Duration(n)
	const batch = 4000
	var injected []*evtx.Event
	if *inject {
		t := end.Add(-30 * time.Minute)
		injected = []*evtx.Event{
			evtxtest.RCM1058(t, "Access is denied."),
			evtxtest.Schannel36870(t.Add(time.Second), 0x8009030d, 10001),
		}
	}
	id := uint64(1)
	for i := 0; i < n || len(injected) > 0; {
		var evs []*evtx.Event
		for ; i < n && len(evs) < batch; i++ {
			t := start.Add(step * time.Duration(i+1))
			for len(injected) > 0 && !injected[0].System.TimeCreated.After(t) {
				evs = append(evs, renumber(injected[0], id, injected[0].System.TimeCreated))
				injected = injected[1:]
				id++
			}
			evs = append(evs, renumber(seeds[i%len(seeds)], id, t))
			id++
		}
		if i >= n {
			for _, ev := range injected {
				evs = append(evs, renumber(ev, id, ev.System.TimeCreated))
				id++
			}
			injected = nil
		}
		b, err := evtxtest.Bytes(evs, evtxtest.Options{})
		if err != nil {
			return err
		}
		if header == nil {
			header = append([]byte(nil), b[:headerBlock]...)
		}
		body := b[headerBlock:]
		if len(body)%chunkSize != 0 {
			return fmt.Errorf("writer produced a partial chunk (%d bytes)", len(body))
		}
		if _, err := f.Write(body); err != nil {
			return err
		}
		chunks += len(body) / chunkSize
	}
	if chunks > 0xffff {
		return fmt.Errorf("%d chunks do not fit the file header's 16-bit count", chunks)
	}
	binary.LittleEndian.PutUint64(header[16:], uint64(chunks-1))
	binary.LittleEndian.PutUint64(header[24:], id)
	binary.LittleEndian.PutUint16(header[42:], uint16(chunks))
	binary.LittleEndian.PutUint32(header[124:], crc32.ChecksumIEEE(header[:120]))
	if _, err := f.WriteAt(header, 0); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d records in %d chunks (%.1f MiB), %s to %s\n",
		*out, id-1, chunks, float64(headerBlock+chunks*chunkSize)/(1<<20),
		start.Format(time.RFC3339), end.Format(time.RFC3339))
	return f.Close()
}

func renumber(src *evtx.Event, id uint64, t time.Time) *evtx.Event {
	ev := *src
	ev.RecordID = id
	ev.Written = t
	ev.System.TimeCreated = t
	ev.System.EventRecordID = id
	ev.Root = nil
	ev.Source = evtx.Position{}
	return &ev
}

func readAll(path string) ([]*evtx.Event, error) {
	f, err := evtx.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var evs []*evtx.Event
	for {
		ev, err := f.Next()
		if err == io.EOF {
			return evs, nil
		}
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
}
