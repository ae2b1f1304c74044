package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/block"
	"aramid/kernel/klog"
)

// blkTest is the temporary in-kernel disk check (aramid.blktest=1) that
// testing/virtioblk judges until the block layer gives /dev/vda to user
// programs. For every registered disk it prints, as "BLKTEST ..." lines:
//
//   - the geometry (sectors, sector size, read-only, flush);
//   - the SHA-256 of the whole disk read sequentially in 1 MiB requests,
//     and the rate (the host compares the hash with the disk file's);
//   - a check that 4 KiB reads from 8 goroutines at once, in scattered
//     order, return what the sequential read did;
//   - on a writable disk: the first half is rewritten as the bitwise NOT
//     of what it held, by 8 goroutines writing interleaved 4 KiB blocks at
//     once, then flushed and read back (the host checks the file after
//     power-off); on a read-only disk, that a write fails with EROFS.
//
// Then it powers off (status 0, or 1 if a check failed).
func blkTest(log *klog.Logger) {
	failed := false
	say := func(format string, args ...any) { fmt.Fprintf(os.Stdout, "BLKTEST "+format+"\n", args...) }
	fail := func(format string, args ...any) {
		failed = true
		say("FAIL "+format, args...)
	}
	for _, d := range block.Disks() {
		debug.FreeOSMemory() // the previous disk's copy
		dev := d.Dev
		ss := dev.SectorSize()
		size := dev.Sectors() * uint64(ss)
		say("disk %s sectors=%d sectorsize=%d ro=%v", d.Name, dev.Sectors(), ss, dev.ReadOnly())
		// Sequential read, hashed; kept for the checks below when the
		// disk is small enough.
		h := sha256.New()
		keep := size <= 64<<20
		var whole []byte
		if keep {
			whole = make([]byte, size)
		}
		buf := make([]byte, 1<<20)
		start := time.Now()
		for off := uint64(0); off < size; {
			n := uint64(len(buf))
			if size-off < n {
				n = size - off
			}
			b := buf[:n]
			if keep {
				b = whole[off : off+n]
			}
			if err := dev.ReadSectors(b, off/uint64(ss)); err != nil {
				fail("%s read at %d: %v", d.Name, off, err)
				break
			}
			h.Write(b)
			off += n
		}
		say("%s sha256=%x", d.Name, h.Sum(nil))
		// The rate: a second pass into one reused buffer, so that the
		// kernel's own first touches of fresh heap pages are not counted.
		start = time.Now()
		for off := uint64(0); off < size; off += uint64(len(buf)) {
			n := min(uint64(len(buf)), size-off)
			if err := dev.ReadSectors(buf[:n], off/uint64(ss)); err != nil {
				fail("%s read at %d: %v", d.Name, off, err)
				break
			}
		}
		el := time.Since(start)
		say("%s seqread bytes=%d ms=%d MBps=%.1f", d.Name, size, el.Milliseconds(), float64(size)/1e6/el.Seconds())
		if !keep || size < 64<<10 {
			continue
		}
		// Concurrent scattered reads against the sequential copy.
		const workers, blk = 8, 4096
		nblk := int(size / blk)
		var wg sync.WaitGroup
		var mu sync.Mutex
		mismatches, rerr := 0, error(nil)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				b := make([]byte, blk)
				for i := 0; i < 64; i++ {
					k := (w*7919 + i*104729) % nblk
					err := dev.ReadSectors(b, uint64(k*blk/ss))
					mu.Lock()
					if err != nil && rerr == nil {
						rerr = err
					} else if err == nil && !bytes.Equal(b, whole[k*blk:(k+1)*blk]) {
						mismatches++
					}
					mu.Unlock()
				}
			}(w)
		}
		wg.Wait()
		if rerr != nil || mismatches != 0 {
			fail("%s concurrent reads: %d mismatches, error %v", d.Name, mismatches, rerr)
		} else {
			say("%s concurrent reads ok (%d goroutines)", d.Name, workers)
		}
		half := (nblk / 2) * blk
		inv := whole[:half]
		for i := range inv {
			inv[i] = ^inv[i]
		}
		if dev.ReadOnly() {
			err := dev.WriteSectors(inv[:blk], 0)
			if errors.Is(err, abi.EROFS) {
				say("%s write refused: EROFS", d.Name)
			} else {
				fail("%s write to a read-only disk: %v", d.Name, err)
			}
			continue
		}
		start = time.Now()
		var werr error
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for k := w; k < half/blk; k += workers {
					if err := dev.WriteSectors(inv[k*blk:(k+1)*blk], uint64(k*blk/ss)); err != nil {
						mu.Lock()
						werr = err
						mu.Unlock()
						return
					}
				}
			}(w)
		}
		wg.Wait()
		if werr == nil {
			werr = dev.Flush()
		}
		wel := time.Since(start)
		if werr != nil {
			fail("%s write: %v", d.Name, werr)
			continue
		}
		same := true
		for off := 0; off < half && same; off += len(buf) {
			n := min(len(buf), half-off)
			if err := dev.ReadSectors(buf[:n], uint64(off/ss)); err != nil {
				fail("%s read-back after write: %v", d.Name, err)
				same = false
			} else if !bytes.Equal(buf[:n], inv[off:off+n]) {
				fail("%s read-back after write: bytes %d-%d differ", d.Name, off, off+n)
				same = false
			}
		}
		if !same {
			continue
		}
		say("%s wrote inverted first %d bytes, flushed, read back ok (%.1f MB/s with 4 KiB writes)", d.Name, half, float64(half)/1e6/wel.Seconds())
	}
	if failed {
		say("END failed")
		os.Exit(1)
	}
	say("END ok")
	os.Exit(0)
}
