package syscalls

import (
	"encoding/binary"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/task"
)

func init() {
	partial("timer_create", "realtime, monotonic and boottime clocks (alarm variants too); CPU-time clocks of a process or thread (user time, as the CPU clocks count)", sysTimerCreate)
	full("timer_settime", sysTimerSettime)
	full("timer_gettime", func(s *System, t *task.Task, a Args) (uint64, error) {
		v, i, err := t.TG().TimerGet(a.Int(0))
		if err != nil {
			return 0, err
		}
		return 0, writeItimerspec(t, a[1], i, v)
	})
	full("timer_getoverrun", func(s *System, t *task.Task, a Args) (uint64, error) {
		n, err := t.TG().TimerOverrun(a.Int(0))
		return uint64(n), err
	})
	full("timer_delete", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, t.TG().TimerDelete(a.Int(0))
	})
	full("alarm", func(s *System, t *task.Task, a Args) (uint64, error) {
		old, _ := t.TG().SetITimerReal(time.Duration(a[0])*time.Second, 0)
		secs := uint64((old + time.Second/2) / time.Second)
		if old > 0 && secs == 0 {
			secs = 1
		}
		return secs, nil
	})
	partial("setitimer", "ITIMER_VIRTUAL and ITIMER_PROF both count user time (system time is not accounted)", func(s *System, t *task.Task, a Args) (uint64, error) {
		var val, intv time.Duration
		if a[1] != 0 {
			var err error
			if intv, val, err = readItimerval(t, a[1]); err != nil {
				return 0, err
			}
		}
		var ov, oi time.Duration
		switch {
		case a[0] > 2:
			return 0, abi.EINVAL
		case a[0] == 0 && a[1] != 0:
			ov, oi = t.TG().SetITimerReal(val, intv)
		case a[0] == 0:
			ov, oi = t.TG().ITimerReal()
		case a[1] != 0:
			ov, oi = t.TG().SetITimerCPU(int(a[0]), val, intv)
		default:
			ov, oi = t.TG().ITimerCPU(int(a[0]))
		}
		if a[2] != 0 {
			return 0, writeItimerval(t, a[2], oi, ov)
		}
		return 0, nil
	})
	partial("getitimer", "as setitimer", func(s *System, t *task.Task, a Args) (uint64, error) {
		if a[0] > 2 {
			return 0, abi.EINVAL
		}
		var v, i time.Duration
		if a[0] == 0 {
			v, i = t.TG().ITimerReal()
		} else {
			v, i = t.TG().ITimerCPU(int(a[0]))
		}
		return 0, writeItimerval(t, a[1], i, v)
	})
}

// timerClock reports whether POSIX timers may use clock id.
func timerClock(id int32) bool {
	switch id {
	case abi.CLOCK_REALTIME, abi.CLOCK_MONOTONIC, 7, 8, 9: // BOOTTIME, REALTIME_ALARM, BOOTTIME_ALARM
		return true
	}
	return false
}

func sysTimerCreate(s *System, t *task.Task, a Args) (uint64, error) {
	clk := a.Int(0)
	var cpu task.CPUClock
	if !timerClock(clk) {
		c, ok := s.cpuClockOf(t, clk, false)
		if !ok {
			return 0, abi.EINVAL
		}
		cpu = c
	}
	notify, signo, value, tid, useID := int32(task.SigevSignal), abi.SIGALRM, uint64(0), int32(0), true
	if a[1] != 0 {
		b := make([]byte, 20)
		if err := t.MM().CopyIn(a[1], b); err != nil {
			return 0, err
		}
		le := binary.LittleEndian
		value, signo = le.Uint64(b[0:]), abi.Signal(int32(le.Uint32(b[8:])))
		notify, tid, useID = int32(le.Uint32(b[12:])), int32(le.Uint32(b[16:])), false
	}
	id, err := t.TimerCreate(clk, notify, signo, value, tid, useID, cpu)
	if err != nil {
		return 0, err
	}
	if err := t.MM().WriteUint32(a[2], uint32(id)); err != nil {
		t.TG().TimerDelete(id)
		return 0, err
	}
	return 0, nil
}

func sysTimerSettime(s *System, t *task.Task, a Args) (uint64, error) {
	const timerAbstime = 1
	if a[1]&^timerAbstime != 0 {
		return 0, abi.EINVAL
	}
	interval, value, err := readItimerspec(t, a[2])
	if err != nil {
		return 0, err
	}
	if a[1]&timerAbstime != 0 && value > 0 {
		clk, err := t.TG().TimerClock(a.Int(0))
		if err != nil {
			return 0, err
		}
		now, _ := s.clock(clk, t)
		// An absolute time already past fires at once.
		value = max(value-now, time.Nanosecond)
	}
	ov, oi, err := t.TG().TimerSet(a.Int(0), value, interval)
	if err != nil {
		return 0, err
	}
	if a[3] != 0 {
		return 0, writeItimerspec(t, a[3], oi, ov)
	}
	return 0, nil
}

func readItimerval(t *task.Task, addr uint64) (interval, value time.Duration, err error) {
	b := make([]byte, 32)
	if err = t.MM().CopyIn(addr, b); err != nil {
		return
	}
	tv := func(o int) (time.Duration, error) {
		sec, usec := int64(binary.LittleEndian.Uint64(b[o:])), int64(binary.LittleEndian.Uint64(b[o+8:]))
		if sec < 0 || usec < 0 || usec >= 1e6 {
			return 0, abi.EINVAL
		}
		return time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond, nil
	}
	if interval, err = tv(0); err != nil {
		return
	}
	value, err = tv(16)
	return
}

func writeItimerval(t *task.Task, addr uint64, interval, value time.Duration) error {
	b := make([]byte, 32)
	put := func(o int, d time.Duration) {
		binary.LittleEndian.PutUint64(b[o:], uint64(d/time.Second))
		binary.LittleEndian.PutUint64(b[o+8:], uint64(d%time.Second/time.Microsecond))
	}
	put(0, interval)
	put(16, value)
	return t.MM().CopyOut(addr, b)
}
