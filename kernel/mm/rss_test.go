package mm

import (
	"bytes"
	"testing"
	"time"
)

// TestRSSCounters follows the resident-set counters through the ways pages
// come and go, checking them against a page-by-page count each time.
func TestRSSCounters(t *testing.T) {
	m, _, _ := newMM(t)
	count := func(m *MM) uint64 {
		n := uint64(0)
		for _, v := range m.VMAs() {
			for va := v.Start; va < v.End; va += pageSize {
				if _, _, ok := m.pt.Lookup(va); ok {
					n++
				}
			}
		}
		return n
	}
	check := func(step string, m *MM, want RSS) {
		t.Helper()
		got := m.RSS()
		if got != want {
			t.Errorf("%s: RSS %+v, want %+v", step, got, want)
		}
		if c := count(m); c != got.Total() {
			t.Errorf("%s: counters say %d pages, the page table %d", step, got.Total(), c)
		}
	}
	anon, err := m.Mmap(MapOpts{Length: 8 * pageSize, Perm: rw})
	if err != nil {
		t.Fatal(err)
	}
	shm, err := m.Mmap(MapOpts{Length: 4 * pageSize, Perm: rw, Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	file, err := m.Mmap(MapOpts{Length: 2 * pageSize, Perm: rw, File: bytes.NewReader(make([]byte, 2*pageSize))})
	if err != nil {
		t.Fatal(err)
	}
	check("fresh", m, RSS{})
	for i := uint64(0); i < 5; i++ {
		if err := m.HandleFault(anon+i*pageSize, AccessWrite); err != nil {
			t.Fatal(err)
		}
	}
	m.HandleFault(shm, AccessWrite)
	m.HandleFault(shm+pageSize, AccessRead)
	m.HandleFault(file, AccessRead)
	check("faulted", m, RSS{Anon: 5, Shmem: 2, File: 1})
	m.HandleFault(anon, AccessWrite) // already there
	check("refault", m, RSS{Anon: 5, Shmem: 2, File: 1})

	c, err := m.Fork()
	if err != nil {
		t.Fatal(err)
	}
	check("child", c, RSS{Anon: 5, Shmem: 2, File: 1})
	c.HandleFault(anon, AccessWrite) // copy-on-write replaces a page
	check("child after COW", c, RSS{Anon: 5, Shmem: 2, File: 1})

	if err := m.Madvise(anon, 2*pageSize, 4); err != nil { // MADV_DONTNEED
		t.Fatal(err)
	}
	check("dontneed", m, RSS{Anon: 3, Shmem: 2, File: 1})
	moved, err := m.Mremap(anon, 8*pageSize, 16*pageSize, true)
	if err != nil {
		t.Fatal(err)
	}
	check("mremap", m, RSS{Anon: 3, Shmem: 2, File: 1})
	if err := m.Munmap(moved, 3*pageSize); err != nil {
		t.Fatal(err)
	}
	check("munmap part", m, RSS{Anon: 2, Shmem: 2, File: 1})
	if err := m.Munmap(shm, 4*pageSize); err != nil {
		t.Fatal(err)
	}
	check("munmap shared", m, RSS{Anon: 2, File: 1})
	if got := m.TotalVM(); got != 13+2 {
		t.Errorf("TotalVM %d pages, want 15", got)
	}
	m.Release()
	check("released", m, RSS{})
	c.Release()
}

// TestWatchdog checks the watchdog's rounds: the soft limit follows free
// memory, and below half the reserve it reclaims before it kills.
func TestWatchdog(t *testing.T) {
	const mib = 1 << 20
	var (
		free, mapped    uint64
		limit           int64
		reclaims, kills int
		reclaimFrees    uint64
		killable        = true
		logs            int
		now             = time.Unix(0, 0)
	)
	w := &Watchdog{
		Stats:         func() (uint64, uint64, uint64) { return 256 * mib, free, 16 * mib },
		RuntimeMapped: func() uint64 { return mapped },
		SetLimit:      func(l int64) int64 { old := limit; limit = l; return old },
		Reclaim:       func() { reclaims++; free += reclaimFrees },
		OOM:           func() bool { kills++; return killable },
		Logf:          func(string, ...any) { logs++ },
		Now:           func() time.Time { return now },
	}
	steps := []struct {
		free, mapped, reclaimFrees uint64
		killable                   bool
		advance                    time.Duration
		limit                      int64
		reclaims, kills, logs      int
		wait                       time.Duration
	}{
		{200 * mib, 20 * mib, 0, true, 0, 212 * mib, 0, 0, 0, watchSlow},
		{200*mib + 512<<10, 20 * mib, 0, true, 0, 212 * mib, 0, 0, 0, watchSlow}, // small change: no new limit
		{20 * mib, 40 * mib, 0, true, 0, 52 * mib, 0, 0, 0, watchFast},
		{6 * mib, 50 * mib, 4 * mib, true, time.Second, 48 * mib, 1, 0, 0, watchFast},      // reclaim was enough
		{6 * mib, 50 * mib, 0, true, time.Millisecond, 48 * mib, 1, 1, 0, watchFast},       // too soon to reclaim: kill
		{6 * mib, 50 * mib, 0, true, time.Millisecond, 48 * mib, 2, 2, 0, watchFast},       // after a kill: reclaim, then kill
		{6 * mib, 50 * mib, 4 * mib, true, time.Millisecond, 48 * mib, 3, 2, 0, watchFast}, // the victim's memory came back
		{6 * mib, 50 * mib, 0, false, time.Second, 48 * mib, 4, 3, 1, watchFast},           // nothing to kill: said once
		{6 * mib, 50 * mib, 0, false, time.Millisecond, 48 * mib, 4, 4, 1, watchFast},
	}
	for i, s := range steps {
		free, mapped, reclaimFrees, killable = s.free, s.mapped, s.reclaimFrees, s.killable
		now = now.Add(s.advance)
		wait := w.Check()
		if limit != s.limit || reclaims != s.reclaims || kills != s.kills || logs != s.logs || wait != s.wait {
			t.Errorf("step %d: limit %d MiB, %d reclaims, %d kills, %d logs, wait %v; want %d MiB, %d, %d, %d, %v",
				i, limit/mib, reclaims, kills, logs, wait, s.limit/mib, s.reclaims, s.kills, s.logs, s.wait)
		}
	}
}
