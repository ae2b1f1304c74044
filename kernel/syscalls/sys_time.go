package syscalls

import (
	"encoding/binary"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/task"
)

func init() {
	// Time.
	partial("clock_gettime", "CPU-time clocks count time in user mode only", sysClockGettime)
	full("clock_getres", func(s *System, t *task.Task, a Args) (uint64, error) {
		if _, ok := s.clock(int32(a[0]), t); !ok {
			return 0, abi.EINVAL
		}
		if a[1] == 0 {
			return 0, nil
		}
		res := time.Nanosecond
		if int32(a[0]) < 0 {
			res = cpuClockRes(int32(a[0]))
		}
		return 0, writeTimespec(t, a[1], res)
	})
	full("time", func(s *System, t *task.Task, a Args) (uint64, error) {
		now := uint64(s.K.Now().Unix())
		if a[0] != 0 {
			if err := t.MM().WriteUint64(a[0], now); err != nil {
				return 0, err
			}
		}
		return now, nil
	})
	full("nanosleep", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.sleep(t, 1, 0, a[0], a[1])
	})
	full("clock_nanosleep", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.sleep(t, int32(a[0]), int(a[1]), a[2], a[3])
	})
}

func readTimespec(t *task.Task, addr uint64) (time.Duration, error) {
	b := make([]byte, 16)
	if err := t.MM().CopyIn(addr, b); err != nil {
		return 0, err
	}
	sec, nsec := int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[8:]))
	if sec < 0 || nsec < 0 || nsec >= 1e9 {
		return 0, abi.EINVAL
	}
	if sec > 1<<32 {
		sec = 1 << 32
	}
	return time.Duration(sec)*time.Second + time.Duration(nsec), nil
}

func writeTimespec(t *task.Task, addr uint64, d time.Duration) error {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, uint64(d/time.Second))
	binary.LittleEndian.PutUint64(b[8:], uint64(d%time.Second))
	return t.MM().CopyOut(addr, b)
}

// clock returns the reading of clock id (as time since the epoch for
// realtime clocks, since boot for the others).
func (s *System) clock(id int32, t *task.Task) (time.Duration, bool) {
	switch id {
	case abi.CLOCK_REALTIME, 5, 8, 11: // REALTIME, _COARSE, _ALARM, TAI
		return time.Duration(s.K.Now().UnixNano()), true
	case abi.CLOCK_MONOTONIC, 4, 6, 7, 9: // MONOTONIC, _RAW, _COARSE, BOOTTIME, BOOTTIME_ALARM
		return s.K.Monotonic(), true
	case abi.CLOCK_PROCESS_CPUTIME_ID:
		return t.TG().CPUTime(), true
	case 3: // CLOCK_THREAD_CPUTIME_ID
		return t.ThreadCPUTime(), true
	}
	if c, ok := s.cpuClockOf(t, id, true); ok {
		return c.Now(), true
	}
	return 0, false
}

func sysClockGettime(s *System, t *task.Task, a Args) (uint64, error) {
	d, ok := s.clock(int32(a[0]), t)
	if !ok {
		return 0, abi.EINVAL
	}
	return 0, writeTimespec(t, a[1], d)
}

// sleep implements nanosleep/clock_nanosleep; flags&1 is TIMER_ABSTIME.
func (s *System) sleep(t *task.Task, clk int32, flags int, req, rem uint64) (uint64, error) {
	d, err := readTimespec(t, req)
	if err != nil {
		return 0, err
	}
	now, ok := s.clock(clk, t)
	if !ok || clk == abi.CLOCK_PROCESS_CPUTIME_ID || clk == 3 || clk < 0 {
		return 0, abi.EINVAL
	}
	deadline := now + d
	if flags&1 != 0 {
		deadline = d
	}
	for {
		now, _ = s.clock(clk, t)
		left := deadline - now
		if left <= 0 {
			return 0, nil
		}
		err := t.Block(nil, left)
		if err == abi.ETIMEDOUT {
			return 0, nil
		}
		if err != nil {
			if rem != 0 && flags&1 == 0 {
				now, _ = s.clock(clk, t)
				writeTimespec(t, rem, max(deadline-now, 0))
			}
			if flags&1 != 0 {
				return 0, abi.ERESTARTNOHAND
			}
			return 0, abi.EINTR
		}
	}
}
