package main

import (
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"aramid/kernel/klog"
	"aramid/kernel/mm"
	"aramid/kernel/task"
	"aramid/platform/x64/nucleus"
)

// reclaimKernel is what the OOM killer tries before it kills: the page
// caches give back their pages (clean ones dropped, dirty ones written
// back first), and if that freed nothing, the runtime's unused pages go
// back to the page allocator (a full collection, then scavenging) at
// most every 100 ms. It reports whether memory was freed (caches) or
// more than the reserve plus 1 MiB is free afterwards.
func reclaimKernel() bool {
	if mm.ShrinkCaches(cacheReclaimBatch) > 0 {
		return true
	}
	const every = int64(100 * time.Millisecond)
	now := nucleus.SinceBoot()
	if last := lastReclaim.Load(); last != 0 && now-last < every || !lastReclaim.CompareAndSwap(last, now) {
		return false
	}
	debug.FreeOSMemory()
	_, free := nucleus.MemStats()
	reserve, _ := nucleus.MemReserve()
	return free > reserve+1<<20
}

var lastReclaim atomic.Int64

// cacheReclaimBatch is how many cache pages (4 MiB) one OOM-path reclaim
// frees.
const cacheReclaimBatch = 1024

// cachePressure is mm.MemoryPressure in the kernel: page caches stop
// growing while less than three times the reserve is free, leaving room
// for processes and the kernel's heap.
func cachePressure() bool {
	_, free := nucleus.MemStats()
	reserve, _ := nucleus.MemReserve()
	return free < 3*reserve
}

// memoryLow reports that less than half the reserve is free: the kernel's
// heap is eating into it (user allocations cannot).
func memoryLow() bool {
	_, free := nucleus.MemStats()
	reserve, _ := nucleus.MemReserve()
	return free < reserve/2
}

// oomKernel is the process table the memory watchdog's OOM killer uses,
// once userland has one.
var oomKernel atomic.Pointer[task.Kernel]

// startWatchdog runs the memory watchdog (mm.Watchdog) for the rest of the
// kernel's life: it keeps the Go heap out of the memory user programs may
// not take, and has the OOM killer free memory when the heap runs short.
func startWatchdog(log *klog.Logger) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	w := &mm.Watchdog{
		Stats: func() (total, free, reserve uint64) {
			inUse, free := nucleus.MemStats()
			reserve, _ = nucleus.MemReserve()
			return inUse + free, free, reserve
		},
		RuntimeMapped: func() uint64 {
			metrics.Read(samples)
			return samples[0].Value.Uint64() - samples[1].Value.Uint64()
		},
		SetLimit: debug.SetMemoryLimit,
		Reclaim:  debug.FreeOSMemory,
		Shrink:   mm.ShrinkCaches,
		OOM: func() bool {
			if k := oomKernel.Load(); k != nil {
				return k.OutOfMemory(nil)
			}
			return false
		},
		Logf: func(format string, args ...any) { log.Log(klog.Err, format, args...) },
	}
	mm.SetMemoryPressure(cachePressure)
	go w.Run(nil)
}
