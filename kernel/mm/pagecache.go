package mm

import (
	"sync"
	"sync/atomic"
)

// Page caches (ext4's file pages) keep file data in frames from the same
// pool as user memory. They tell this package how much they hold (for
// /proc/meminfo) and register a shrinker, which the memory watchdog and
// the OOM path call before anything is killed: clean pages are dropped,
// dirty ones written back and then dropped. A cache asks MemoryPressure
// before it grows, and stops growing (reusing its own clean pages
// instead) while memory is short.

// cacheCounts are the pages all page caches hold, by state.
var cacheCounts struct {
	cached, dirty, writeback, pinned atomic.Int64
}

// CacheAccount adds to the page-cache counters (in pages): cached pages
// held, dirty pages among them, pages under write-back I/O, and pages
// that cannot be reclaimed (mapped into address spaces).
func CacheAccount(cached, dirty, writeback, pinned int64) {
	cacheCounts.cached.Add(cached)
	cacheCounts.dirty.Add(dirty)
	cacheCounts.writeback.Add(writeback)
	cacheCounts.pinned.Add(pinned)
}

// CacheStats are the page caches' counters, in pages.
type CacheStats struct {
	Cached, Dirty, Writeback, Pinned uint64
}

// Reclaimable is the pages a shrinker could give back: cached pages
// neither mapped nor dirty (dirty ones come back after write-back, which
// takes I/O).
func (s CacheStats) Reclaimable() uint64 {
	busy := s.Dirty + s.Pinned
	if busy > s.Cached {
		return 0
	}
	return s.Cached - busy
}

// ReadCacheStats returns the page caches' counters.
func ReadCacheStats() CacheStats {
	c := func(v *atomic.Int64) uint64 { return uint64(max(v.Load(), 0)) }
	return CacheStats{Cached: c(&cacheCounts.cached), Dirty: c(&cacheCounts.dirty),
		Writeback: c(&cacheCounts.writeback), Pinned: c(&cacheCounts.pinned)}
}

// Shrinker frees up to pages pages of a cache and returns how many it
// freed. It must not wait for a lock its caller may hold (a shrinker
// whose filesystem is busy returns 0).
type Shrinker func(pages int) int

var shrinkers struct {
	mu   sync.Mutex
	next int
	m    map[int]Shrinker
}

// RegisterShrinker adds s to the caches ShrinkCaches asks; the returned
// function removes it (a filesystem's unmount).
func RegisterShrinker(s Shrinker) (unregister func()) {
	shrinkers.mu.Lock()
	defer shrinkers.mu.Unlock()
	if shrinkers.m == nil {
		shrinkers.m = map[int]Shrinker{}
	}
	id := shrinkers.next
	shrinkers.next++
	shrinkers.m[id] = s
	return func() {
		shrinkers.mu.Lock()
		delete(shrinkers.m, id)
		shrinkers.mu.Unlock()
	}
}

// ShrinkCaches asks every registered cache to free pages until pages
// pages are freed in all, and returns how many were.
func ShrinkCaches(pages int) int {
	shrinkers.mu.Lock()
	list := make([]Shrinker, 0, len(shrinkers.m))
	for _, s := range shrinkers.m {
		list = append(list, s)
	}
	shrinkers.mu.Unlock()
	freed := 0
	for _, s := range list {
		if freed >= pages {
			break
		}
		freed += s(pages - freed)
	}
	return freed
}

var pressure atomic.Pointer[func() bool]

// SetMemoryPressure installs the test caches use before growing: true
// when free memory is short (the kernel: below a few times its reserve).
func SetMemoryPressure(f func() bool) { pressure.Store(&f) }

// MemoryPressure reports whether caches should stop growing (false when
// no test is installed, as in host tests).
func MemoryPressure() bool {
	if f := pressure.Load(); f != nil {
		return (*f)()
	}
	return false
}
