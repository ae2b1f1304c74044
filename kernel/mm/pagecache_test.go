package mm

import (
	"testing"
	"time"
)

// TestShrinkCaches: registered shrinkers are asked in turn until the
// request is met, an unregistered one no more; the counters add up.
func TestShrinkCaches(t *testing.T) {
	var asked []int
	mk := func(has int) Shrinker {
		return func(n int) int {
			asked = append(asked, n)
			got := min(n, has)
			has -= got
			return got
		}
	}
	un1 := RegisterShrinker(mk(10))
	un2 := RegisterShrinker(mk(20))
	for _, tc := range []struct {
		ask, freed, calls int
	}{
		{5, 5, 1},    // whichever is asked first has enough
		{500, 25, 2}, // neither has enough: both asked, all given
		{10, 0, 2},   // nothing left
	} {
		asked = nil
		if got := ShrinkCaches(tc.ask); got != tc.freed || len(asked) != tc.calls {
			t.Errorf("ShrinkCaches(%d) = %d after %d calls, want %d after %d", tc.ask, got, len(asked), tc.freed, tc.calls)
		}
	}
	un1()
	un2()
	asked = nil
	if got := ShrinkCaches(10); got != 0 || len(asked) != 0 {
		t.Errorf("after unregistering: %d freed, %d calls", got, len(asked))
	}

	before := ReadCacheStats()
	CacheAccount(10, 4, 1, 2)
	s := ReadCacheStats()
	if s.Cached-before.Cached != 10 || s.Dirty-before.Dirty != 4 || s.Writeback-before.Writeback != 1 || s.Pinned-before.Pinned != 2 {
		t.Errorf("counters moved by %+v", s)
	}
	if r := (CacheStats{Cached: 10, Dirty: 4, Pinned: 2}).Reclaimable(); r != 4 {
		t.Errorf("Reclaimable = %d, want 4", r)
	}
	CacheAccount(-10, -4, -1, -2)
}

// TestWatchdogShrinksFirst: below twice the reserve the watchdog asks
// the caches for the difference before it collects or kills; what they
// give back can spare both.
func TestWatchdogShrinksFirst(t *testing.T) {
	const mib = 1 << 20
	free := uint64(6 * mib)
	var shrinkAsked, reclaims, kills int
	w := &Watchdog{
		Stats:         func() (uint64, uint64, uint64) { return 256 * mib, free, 16 * mib },
		RuntimeMapped: func() uint64 { return 20 * mib },
		SetLimit:      func(int64) int64 { return 0 },
		Reclaim:       func() { reclaims++ },
		Shrink: func(n int) int {
			shrinkAsked = n
			free += uint64(n) * pageSize
			return n
		},
		OOM:  func() bool { kills++; return true },
		Logf: func(string, ...any) {},
		Now:  func() time.Time { return time.Unix(0, 0) },
	}
	w.Check()
	if want := int((32*mib - 6*mib) / pageSize); shrinkAsked != want {
		t.Errorf("asked the caches for %d pages, want %d", shrinkAsked, want)
	}
	if reclaims != 0 || kills != 0 {
		t.Errorf("%d collections, %d kills after the caches freed enough", reclaims, kills)
	}
}
