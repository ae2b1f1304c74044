package syscalls

import (
	"encoding/binary"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/task"
)

func init() {
	partial("clock_settime", "CLOCK_REALTIME (root only), for the kernel's clock, file times and the vDSO at once; "+
		"an absolute CLOCK_REALTIME sleep or timer already waiting is not moved earlier by a forward step", sysClockSettime)
}

// maxSettableSec bounds the seconds clock_settime accepts, as Linux's
// timespec64_valid_settod does (KTIME_SEC_MAX less 30 years of uptime).
const maxSettableSec = (1<<63-1)/int64(time.Second) - 30*365*86400

// sysClockSettime is clock_settime(clockid, tp): the timespec is read
// first (EFAULT), then the clock judged: CLOCK_REALTIME is set by root
// (EPERM otherwise, EINVAL for a timespec out of range), CPU-time clocks
// named by pid (negative ids) are EPERM, every other clock (monotonic, boot
// time, CLOCK_PROCESS_CPUTIME_ID, ...) EINVAL, as Linux's k_clocks without
// a clock_set.
func sysClockSettime(s *System, t *task.Task, a Args) (uint64, error) {
	b := make([]byte, 16)
	if err := t.MM().CopyIn(a[1], b); err != nil {
		return 0, err
	}
	sec, nsec := int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[8:]))
	id := int32(a[0])
	switch {
	case id < 0:
		if _, ok := s.clock(id, t); !ok {
			return 0, abi.EINVAL
		}
		return 0, abi.EPERM
	case id != abi.CLOCK_REALTIME:
		return 0, abi.EINVAL
	case s.setWall == nil:
		return 0, abi.ENOSYS
	case sec < 0 || nsec < 0 || nsec >= int64(time.Second) || sec >= maxSettableSec:
		return 0, abi.EINVAL
	case t.TG().Creds().EUID != 0:
		return 0, abi.EPERM
	}
	s.setWall(time.Unix(sec, nsec))
	return 0, nil
}
