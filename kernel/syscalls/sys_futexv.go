package syscalls

import (
	"encoding/binary"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// futex_waitv(2), the futex2 vector wait.
func init() {
	partial("futex_waitv", "32-bit futexes (the only size futex2 has in Linux 6.1); keys are the word's frame, split by FUTEX2_PRIVATE", sysFutexWaitv)
}

const (
	futexWaitvMax = 128
	futex2SizeU32 = 0x02
	futex2SizeMsk = 0x03
	futex2Private = 128
)

// sysFutexWaitv implements futex_waitv(waiters, nr, flags, timeout, clock):
// the timeout is absolute on CLOCK_MONOTONIC or CLOCK_REALTIME.
func sysFutexWaitv(s *System, t *task.Task, a Args) (uint64, error) {
	waiters, nr, flags, tsAddr, clock := a[0], uint32(a[1]), uint32(a[2]), a[3], int32(a[4])
	if flags != 0 || nr == 0 || nr > futexWaitvMax || waiters == 0 {
		return 0, abi.EINVAL
	}
	timeout := time.Duration(-1)
	if tsAddr != 0 {
		if clock != abi.CLOCK_REALTIME && clock != abi.CLOCK_MONOTONIC {
			return 0, abi.EINVAL
		}
		d, err := readTimespec(t, tsAddr)
		if err != nil {
			return 0, err
		}
		now, _ := s.clock(clock, t)
		timeout = max(d-now, 0)
	}
	b := make([]byte, 24*nr)
	if err := t.MM().CopyIn(waiters, b); err != nil {
		return 0, err
	}
	le := binary.LittleEndian
	addrs := make([]uint64, nr)
	vals := make([]uint32, nr)
	private := make([]bool, nr)
	for i := range addrs {
		w := b[24*i:]
		val, addr, fl, reserved := le.Uint64(w), le.Uint64(w[8:]), le.Uint32(w[16:]), le.Uint32(w[20:])
		if fl&^(futex2SizeMsk|futex2Private) != 0 || reserved != 0 || fl&futex2SizeMsk != futex2SizeU32 {
			return 0, abi.EINVAL
		}
		addrs[i], vals[i] = addr, uint32(val) // compared as a 32-bit word
		private[i] = fl&futex2Private != 0

	}
	i, err := t.FutexWaitv(addrs, vals, private, timeout)
	if err == abi.ERESTARTSYS {
		return 0, abi.ERESTARTSYS
	}
	return uint64(i), err
}
