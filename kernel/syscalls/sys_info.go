package syscalls

import (
	"encoding/binary"
	"time"

	"aramid/kernel/task"
)

// clockTicks is USER_HZ, the unit of times(2) and /proc's tick counts.
const clockTicks = 100

func init() {
	partial("sysinfo", "uptime, RAM, process count; load averages, shared and buffer RAM and swap read 0", sysSysinfo)
	full("times", sysTimes)
}

func toTicks(d time.Duration) uint64 { return uint64(d / (time.Second / clockTicks)) }

// sysSysinfo fills struct sysinfo (linux/sysinfo.h, 112 bytes on x86_64).
func sysSysinfo(s *System, t *task.Task, a Args) (uint64, error) {
	b := make([]byte, 112)
	le := binary.LittleEndian
	le.PutUint64(b[0:], uint64((s.K.Monotonic()+time.Second-1)/time.Second))
	if s.memory != nil {
		total, free := s.memory()
		le.PutUint64(b[32:], total)
		le.PutUint64(b[40:], free)
	}
	threads := 0
	for _, g := range s.K.Groups() {
		threads += len(g.Tasks())
	}
	le.PutUint16(b[80:], uint16(min(threads, 0xffff)))
	le.PutUint32(b[104:], 1) // mem_unit: the sizes are in bytes
	return 0, t.MM().CopyOut(a[0], b)
}

// sysTimes fills struct tms and returns clock ticks since boot.
func sysTimes(s *System, t *task.Task, a Args) (uint64, error) {
	if a[0] != 0 {
		b := make([]byte, 32)
		le := binary.LittleEndian
		u, s := t.TG().Times()
		cu, cs := t.TG().ChildrenTimes()
		le.PutUint64(b[0:], toTicks(u))
		le.PutUint64(b[8:], toTicks(s))
		le.PutUint64(b[16:], toTicks(cu))
		le.PutUint64(b[24:], toTicks(cs))
		if err := t.MM().CopyOut(a[0], b); err != nil {
			return 0, err
		}
	}
	return toTicks(s.K.Monotonic()), nil
}
