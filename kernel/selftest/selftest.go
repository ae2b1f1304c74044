// Package selftest holds the kernel's in-kernel checks, run at boot with
// aramid.selftest=1. They exercise the Go runtime on the nucleus: goroutines
// and channels across kernel threads, locks under contention, timers against
// the TSC, the garbage collector under memory pressure, big maps, stack
// growth, and fault recovery. The same checks run on the host in `go test`,
// where Linux is the reference.
package selftest

import (
	"fmt"
	"io"
	"time"
)

// Env is what the checks need from the machine.
type Env struct {
	// Clock is the reference clock: time since boot from the TSC on Aramid.
	Clock func() time.Duration
	// MemoryLimit is the machine's RAM; checks size themselves below it.
	MemoryLimit uint64
}

// Check is one named self-check.
type Check struct {
	Name string
	Run  func(env *Env) error
}

// Timeout bounds each check: a hung check is reported as failed and the
// run moves on (its goroutines are abandoned).
const Timeout = 60 * time.Second

// Run runs checks in order, printing "SELFTEST PASS <name>" or "SELFTEST
// FAIL <name>: <why>" for each and "SELFTEST END passed=<n> failed=<m>" at
// the end.
func Run(w io.Writer, env *Env, checks []Check) (passed, failed int) {
	for _, c := range checks {
		err := runOne(env, c)
		if err != nil {
			failed++
			fmt.Fprintf(w, "SELFTEST FAIL %s: %v\n", c.Name, err)
		} else {
			passed++
			fmt.Fprintf(w, "SELFTEST PASS %s\n", c.Name)
		}
	}
	fmt.Fprintf(w, "SELFTEST END passed=%d failed=%d\n", passed, failed)
	return passed, failed
}

func runOne(env *Env, c Check) (err error) {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v", r)
			}
		}()
		done <- c.Run(env)
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(Timeout):
		return fmt.Errorf("timed out after %v", Timeout)
	}
}
