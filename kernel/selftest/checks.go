package selftest

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Checks returns the standard checks in the order they run.
func Checks() []Check {
	return []Check{
		{"cpus", checkCPUs},
		{"channels", checkChannels},
		{"mutex-waitgroup", checkMutex},
		{"sleep-vs-tsc", checkSleep},
		{"timers", checkTimers},
		{"stack-growth", checkStackGrowth},
		{"gc-pressure", checkGC},
		{"map-1m", checkMap},
		{"free-os-memory", checkFreeOSMemory},
		{"nil-deref-recover", checkNilDeref},
		{"wall-clock", checkWallClock},
	}
}

func checkCPUs(*Env) error {
	n, p := runtime.NumCPU(), runtime.GOMAXPROCS(0)
	if n < 1 || n > 1024 {
		return fmt.Errorf("NumCPU() = %d", n)
	}
	if p < 1 || p > n {
		return fmt.Errorf("GOMAXPROCS = %d with NumCPU = %d", p, n)
	}
	return nil
}

// checkChannels passes tokens around a ring of 64 goroutines until 100 000
// messages have been exchanged, with 64 tokens in flight at once.
func checkChannels(*Env) error {
	const workers, messages = 64, 100000
	ring := make([]chan int, workers)
	for i := range ring {
		ring[i] = make(chan int, 1)
	}
	var sent atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var stopOnce sync.Once
	delivered := make([]int64, workers)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			next := ring[(i+1)%workers]
			for {
				select {
				case tok := <-ring[i]:
					delivered[i]++
					if sent.Add(1) >= messages {
						stopOnce.Do(func() { close(stop) })
						continue
					}
					select {
					case next <- tok + 1:
					case <-stop:
					}
				case <-stop:
					return
				}
			}
		}(i)
	}
	for i := 0; i < workers; i++ {
		ring[i] <- 0
	}
	wg.Wait()
	var total int64
	for i, d := range delivered {
		if d == 0 {
			return fmt.Errorf("goroutine %d received nothing", i)
		}
		total += d
	}
	if total < messages {
		return fmt.Errorf("%d messages delivered, want %d", total, messages)
	}
	return nil
}

func checkMutex(*Env) error {
	const goroutines, iters = 32, 20000
	var mu sync.Mutex
	var rw sync.RWMutex
	counter, readers := 0, 0
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < iters; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
				if i%100 == 0 {
					if g%2 == 0 {
						rw.Lock()
						readers++
						rw.Unlock()
					} else {
						rw.RLock()
						_ = readers
						rw.RUnlock()
					}
					runtime.Gosched()
				}
			}
		}(g)
	}
	wg.Wait()
	if counter != goroutines*iters {
		return fmt.Errorf("counter = %d, want %d", counter, goroutines*iters)
	}
	if want := goroutines / 2 * (iters / 100); readers != want {
		return fmt.Errorf("rw counter = %d, want %d", readers, want)
	}
	return nil
}

// checkSleep measures time.Sleep(50ms) against the reference clock: it must
// last 50 ms within 5 %.
func checkSleep(env *Env) error {
	// A sleep ends at the first 1 ms tick after its deadline and then
	// waits for the runtime to run the goroutine: about 2 ms late on an
	// idle host, more when QEMU's host thread is descheduled. Allow 5%
	// plus that fixed latency, so the check catches a wrong timer rate,
	// not a busy host.
	const want = 50 * time.Millisecond
	const slack = want/20 + 3*time.Millisecond
	var best time.Duration
	for attempt := 0; attempt < 3; attempt++ {
		start := env.Clock()
		wallStart := time.Now()
		time.Sleep(want)
		got := env.Clock() - start
		wall := time.Since(wallStart)
		if d := got - wall; d > 2*time.Millisecond || d < -2*time.Millisecond {
			return fmt.Errorf("time.Since says %v, the reference clock %v", wall, got)
		}
		if got < want {
			return fmt.Errorf("slept %v, less than %v", got, want)
		}
		if attempt == 0 || got < best {
			best = got
		}
		if best <= want+slack {
			return nil
		}
	}
	return fmt.Errorf("slept %v for %v (more than %v over, best of 3)", best, want, slack)
}

func checkTimers(env *Env) error {
	start := env.Clock()
	select {
	case <-time.After(20 * time.Millisecond):
	case <-time.After(5 * time.Second):
		return errors.New("time.After(20ms) did not fire within 5s")
	}
	if d := env.Clock() - start; d < 20*time.Millisecond {
		return fmt.Errorf("time.After(20ms) fired after %v", d)
	}
	tk := time.NewTicker(10 * time.Millisecond)
	defer tk.Stop()
	start = env.Clock()
	for i := 0; i < 5; i++ {
		select {
		case <-tk.C:
		case <-time.After(5 * time.Second):
			return fmt.Errorf("ticker stalled after %d ticks", i)
		}
	}
	if d := env.Clock() - start; d < 45*time.Millisecond || d > time.Second {
		return fmt.Errorf("5 ticks of 10ms took %v", d)
	}
	timer := time.AfterFunc(time.Hour, func() {})
	if !timer.Stop() {
		return errors.New("Stop of a pending timer reported it had fired")
	}
	return nil
}

//go:noinline
func recurse(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return recurse(n-1) + int(pad[n%64]&1)
}

func checkStackGrowth(*Env) error {
	done := make(chan int)
	go func() { done <- recurse(100000) }()
	if got := <-done; got != 50000 {
		return fmt.Errorf("recursion result %d, want 50000", got)
	}
	return nil
}

// checkGC allocates 1 GiB in total while keeping at most 32 MiB live (an
// eighth of the machine's memory when that is less: a 64 MiB machine has
// no room for 32 MiB live and the heap growth the collector allows it),
// runs runtime.GC 20 times along the way, and verifies the live data
// survived.
func checkGC(env *Env) error {
	const chunk = 64 << 10
	const total = 1 << 30 / chunk
	live := 32 << 20 / chunk
	if env.MemoryLimit != 0 && env.MemoryLimit/8/chunk < uint64(live) {
		live = int(env.MemoryLimit / 8 / chunk)
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	keep := make([][]byte, live)
	for i := 0; i < total; i++ {
		b := make([]byte, chunk)
		for j := 0; j < chunk; j += 4096 {
			b[j] = byte(i)
		}
		if old := keep[i%live]; old != nil {
			for j := 0; j < chunk; j += 4096 {
				if old[j] != byte(i-live) {
					return fmt.Errorf("live chunk %d corrupted at %d: %d", i-live, j, old[j])
				}
			}
		}
		keep[i%live] = b
		if i%(total/20) == 0 {
			runtime.GC()
		}
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got < 1<<30 {
		return fmt.Errorf("allocated %d bytes, want ≥ 1 GiB", got)
	}
	if after.NumGC-before.NumGC < 20 {
		return fmt.Errorf("%d GC cycles, want ≥ 20", after.NumGC-before.NumGC)
	}
	// What the runtime holds is what it obtained less what it gave back
	// (released heap pages are returned to the kernel, their frames free):
	// Sys alone counts address space, and on a 64 MiB machine it can pass
	// the machine's size with every page of it backed by nothing.
	if held := after.Sys - after.HeapReleased; env.MemoryLimit != 0 && held > env.MemoryLimit {
		return fmt.Errorf("runtime holds %d bytes of a %d-byte machine", held, env.MemoryLimit)
	}
	runtime.KeepAlive(keep)
	return nil
}

func checkMap(*Env) error {
	const n = 1 << 20
	m := make(map[int32]int32)
	for i := int32(0); i < n; i++ {
		m[i*7] = i
	}
	if len(m) != n {
		return fmt.Errorf("len = %d, want %d", len(m), n)
	}
	for i := int32(0); i < n; i += 997 {
		if v, ok := m[i*7]; !ok || v != i {
			return fmt.Errorf("m[%d] = %d, %v", i*7, v, ok)
		}
	}
	if _, ok := m[3]; ok {
		return errors.New("found a key never inserted")
	}
	for i := int32(0); i < n; i += 2 {
		delete(m, i*7)
	}
	if len(m) != n/2 {
		return fmt.Errorf("len after deletes = %d, want %d", len(m), n/2)
	}
	return nil
}

// checkFreeOSMemory returns the heap to the kernel (madvise DONTNEED) and
// reuses it: Go relies on such pages reading back as zero.
func checkFreeOSMemory(*Env) error {
	for round := 0; round < 3; round++ {
		b := make([]byte, 8<<20)
		for i := range b {
			b[i] = 0xa5
		}
		b = nil
		runtime.GC()
		debug.FreeOSMemory()
		c := make([]uint64, 1<<20)
		for i, v := range c {
			if v != 0 {
				return fmt.Errorf("fresh allocation not zero at word %d: %#x", i, v)
			}
		}
		runtime.KeepAlive(c)
	}
	return nil
}

type node struct{ next *node }

//go:noinline
func deref(n *node) *node { return n.next }

// checkNilDeref makes a nil dereference in a goroutine and expects it to be
// recovered as a runtime error, as on Linux (the fault becomes a SIGSEGV
// for the runtime, which turns it into a panic).
func checkNilDeref(*Env) error {
	res := make(chan error, 1)
	go func() {
		defer func() {
			r := recover()
			re, ok := r.(runtime.Error)
			switch {
			case r == nil:
				res <- errors.New("no panic")
			case !ok:
				res <- fmt.Errorf("panic value %T is not a runtime.Error", r)
			case !strings.Contains(re.Error(), "nil pointer dereference"):
				res <- fmt.Errorf("unexpected panic: %v", re)
			default:
				res <- nil
			}
		}()
		deref(nil)
		res <- errors.New("nil dereference did not fault")
	}()
	return <-res
}

func checkWallClock(*Env) error {
	now := time.Now()
	if now.Year() < 2024 || now.Year() > 2100 {
		return fmt.Errorf("wall clock says %v", now)
	}
	a := time.Now()
	b := time.Now()
	if b.Before(a) {
		return errors.New("time went backwards")
	}
	return nil
}
