package syscalls

import (
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/mm"
	"aramid/kernel/task"
)

func init() {
	partial("futex", "WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET; no PI futexes", sysFutex)
}

func sysFutex(s *System, t *task.Task, a Args) (uint64, error) {
	const (
		wait, wake, requeue, cmpRequeue, wakeOp = 0, 1, 3, 4, 5
		waitBitset, wakeBitset                  = 9, 10
		private, clockRealtime                  = 128, 256
	)
	op := a[1] &^ (private | clockRealtime)
	addr, val := a[0], uint32(a[2])
	switch op {
	case wait, waitBitset:
		timeout := time.Duration(-1)
		bitset := ^uint32(0)
		if op == waitBitset {
			bitset = uint32(a[5])
		}
		if a[3] != 0 {
			d, err := readTimespec(t, a[3])
			if err != nil {
				return 0, err
			}
			timeout = d
			if op == waitBitset { // absolute
				clk := int32(abi.CLOCK_MONOTONIC)
				if a[1]&clockRealtime != 0 {
					clk = abi.CLOCK_REALTIME
				}
				now, _ := s.clock(clk, t)
				timeout = max(d-now, 0)
			}
		}
		return 0, t.FutexWait(addr, val, bitset, timeout, a[1]&private != 0)
	case wake, wakeBitset:
		bitset := ^uint32(0)
		if op == wakeBitset {
			bitset = uint32(a[5])
		}
		n, err := t.FutexWake(addr, int(val), bitset, a[1]&private != 0)
		if err == abi.EFAULT && a[1]&private != 0 && addr < mm.UserTop {
			// Linux keys a private futex by address alone and never reads
			// the word on wake: nothing can wait on an unmapped address,
			// so there is nobody to wake.
			return 0, nil
		}
		return uint64(n), err
	case requeue, cmpRequeue:
		n, err := t.FutexRequeue(addr, a[4], int(val), int(a[3]), op == cmpRequeue, uint32(a[5]), a[1]&private != 0)
		return uint64(n), err
	case wakeOp:
		n, err := t.FutexWakeOp(addr, a[4], int(val), int(a[3]), uint32(a[5]), a[1]&private != 0)
		return uint64(n), err
	}
	return 0, abi.ENOSYS
}
