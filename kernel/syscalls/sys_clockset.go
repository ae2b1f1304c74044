package syscalls

import (
	"encoding/binary"
	"sync"

	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// Setting the clock: clock_settime, settimeofday (with the kernel's time
// zone, which gettimeofday reports back) and adjtimex/clock_adjtime.
// Setting CLOCK_REALTIME moves it for the kernel, every process and the
// vDSO. Privilege (CAP_SYS_TIME) is euid 0, the tree's root check.
func init() {
	full("clock_settime", sysClockSettime)
	full("settimeofday", sysSettimeofday)
	partial("gettimeofday", "the time zone is settimeofday's (the vDSO's gettimeofday leaves it alone)", sysGettimeofday)
	partial("adjtimex", "reads the clock state (unsynchronised, as a fresh Linux); ADJ_SETOFFSET steps the clock, ADJ_STATUS/MAXERROR/ESTERROR/TIMECONST/TAI are recorded; slewing (ADJ_OFFSET, ADJ_FREQ, ADJ_TICK, adjtime): EOPNOTSUPP", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.adjtimex(t, a[0])
	})
	partial("clock_adjtime", "CLOCK_REALTIME as adjtimex; other clocks cannot be adjusted (EOPNOTSUPP)", func(s *System, t *task.Task, a Args) (uint64, error) {
		switch clk := int32(a[0]); {
		case clk == abi.CLOCK_REALTIME:
			return s.adjtimex(t, a[1])
		case clk < 0:
			return 0, abi.EINVAL
		default:
			if _, ok := s.clock(clk, t); !ok {
				return 0, abi.EINVAL
			}
			return 0, abi.EOPNOTSUPP
		}
	})
}

// clockState is the NTP bookkeeping adjtimex reports, and the time zone.
type clockState struct {
	mu                 sync.Mutex
	init               bool
	status             int32
	maxerror, esterror int64
	constant           int64
	tai                int32
	tzMinutesWest      int32
	tzDSTTime          int32
}

// NTP status bits and clock states.
const (
	staPLL     = 0x0001
	staUnsync  = 0x0040
	staNano    = 0x2000
	staRONLY   = 0xff00 // read-only status bits
	timeOK     = 0
	timeError  = 5
	ntpPhaseMx = 16000000 // NTP_PHASE_LIMIT-derived maxerror/esterror of an unsynced clock, µs
)

// adjtimex modes.
const (
	adjOffset     = 0x0001
	adjFrequency  = 0x0002
	adjMaxerror   = 0x0004
	adjEsterror   = 0x0008
	adjStatus     = 0x0010
	adjTimeconst  = 0x0020
	adjTAI        = 0x0080
	adjSetoffset  = 0x0100
	adjMicro      = 0x1000
	adjNano       = 0x2000
	adjTick       = 0x4000
	adjOffsetSS   = 0x8000 // ADJ_OFFSET_SINGLESHOT is this | ADJ_OFFSET
	adjOffsetRO   = 0x2000 // with ADJ_OFFSET_SINGLESHOT: ADJ_OFFSET_SS_READ
	userHZ        = 100
	sizeofTimex   = 208
	maxSettodSecs = (1<<63-1)/1000000000 - 30*365*86400 // TIME_SETTOD_SEC_MAX, roughly
)

func (c *clockState) initLocked() {
	if !c.init {
		c.init = true
		c.status = staUnsync
		c.maxerror, c.esterror = ntpPhaseMx, ntpPhaseMx
		c.constant = 2
	}
}

// setRealtimeChecked sets CLOCK_REALTIME to unix ns after the permission
// check.
func (s *System) setRealtimeChecked(t *task.Task, unixNs int64) error {
	if !capable(t, abi.CAP_SYS_TIME) || s.setRealtime == nil {
		return abi.EPERM
	}
	s.setRealtime(unixNs)
	return nil
}

// sysClockSettime implements clock_settime(2): only CLOCK_REALTIME can be
// set.
func sysClockSettime(s *System, t *task.Task, a Args) (uint64, error) {
	b := make([]byte, 16)
	if err := t.MM().CopyIn(a[1], b); err != nil {
		return 0, err
	}
	if id := int32(a[0]); id != abi.CLOCK_REALTIME {
		// A CPU-time clock of a process or thread cannot be set: EPERM
		// once the id names one (posix_cpu_clock_set).
		if _, ok := s.cpuClockOf(t, id, false); ok && id < 0 {
			return 0, abi.EPERM
		}
		return 0, abi.EINVAL
	}
	sec, nsec := int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[8:]))
	if sec < 0 || nsec < 0 || nsec >= 1e9 || sec > maxSettodSecs {
		return 0, abi.EINVAL
	}
	return 0, s.setRealtimeChecked(t, sec*1e9+nsec)
}

// sysSettimeofday implements settimeofday(2): the time and/or the kernel
// time zone (minutes west within ±15 hours).
func sysSettimeofday(s *System, t *task.Task, a Args) (uint64, error) {
	m := t.MM()
	var ns int64
	if a[0] != 0 {
		b := make([]byte, 16)
		if err := m.CopyIn(a[0], b); err != nil {
			return 0, err
		}
		sec, usec := int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[8:]))
		if sec < 0 || usec < 0 || usec >= 1e6 || sec > maxSettodSecs {
			return 0, abi.EINVAL
		}
		ns = sec*1e9 + usec*1e3
	}
	var tz []byte
	if a[1] != 0 {
		tz = make([]byte, 8)
		if err := m.CopyIn(a[1], tz); err != nil {
			return 0, err
		}
	}
	if !capable(t, abi.CAP_SYS_TIME) {
		return 0, abi.EPERM
	}
	if tz != nil {
		west := int32(binary.LittleEndian.Uint32(tz))
		if west > 15*60 || west < -15*60 {
			return 0, abi.EINVAL
		}
		c := &s.clockState
		c.mu.Lock()
		c.tzMinutesWest, c.tzDSTTime = west, int32(binary.LittleEndian.Uint32(tz[4:]))
		c.mu.Unlock()
	}
	if a[0] != 0 {
		return 0, s.setRealtimeChecked(t, ns)
	}
	return 0, nil
}

// sysGettimeofday implements gettimeofday(2) with the kernel time zone.
func sysGettimeofday(s *System, t *task.Task, a Args) (uint64, error) {
	m := t.MM()
	if a[0] != 0 {
		now := s.K.Now().UnixNano()
		b := make([]byte, 16)
		binary.LittleEndian.PutUint64(b, uint64(now/1e9))
		binary.LittleEndian.PutUint64(b[8:], uint64(now%1e9/1e3))
		if err := m.CopyOut(a[0], b); err != nil {
			return 0, err
		}
	}
	if a[1] != 0 {
		c := &s.clockState
		c.mu.Lock()
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(c.tzMinutesWest))
		binary.LittleEndian.PutUint32(b[4:], uint32(c.tzDSTTime))
		c.mu.Unlock()
		return 0, m.CopyOut(a[1], b)
	}
	return 0, nil
}

// adjtimex implements adjtimex(2) on the struct timex at addr and returns
// the clock state.
func (s *System) adjtimex(t *task.Task, addr uint64) (uint64, error) {
	m := t.MM()
	b := make([]byte, sizeofTimex)
	if err := m.CopyIn(addr, b); err != nil {
		return 0, err
	}
	le := binary.LittleEndian
	modes := le.Uint32(b)
	priv := capable(t, abi.CAP_SYS_TIME)
	// timekeeping_validate_timex.
	if modes&adjOffsetSS != 0 {
		if modes&adjOffset == 0 {
			return 0, abi.EINVAL
		}
		if modes&adjOffsetRO == 0 && !priv {
			return 0, abi.EPERM
		}
	} else {
		if modes != 0 && !priv {
			return 0, abi.EPERM
		}
		if modes&adjTick != 0 {
			if tick := int64(le.Uint64(b[88:])); tick < 900000/userHZ || tick > 1100000/userHZ {
				return 0, abi.EINVAL
			}
		}
	}
	if modes&adjSetoffset != 0 {
		sec, frac := int64(le.Uint64(b[72:])), int64(le.Uint64(b[80:]))
		if modes&adjNano == 0 {
			if frac < 0 || frac >= 1e6 {
				return 0, abi.EINVAL
			}
			frac *= 1000
		} else if frac < 0 || frac >= 1e9 {
			return 0, abi.EINVAL
		}
		now := s.K.Now().UnixNano()
		if err := s.setRealtimeChecked(t, now+sec*1e9+frac); err != nil {
			return 0, err
		}
	}
	c := &s.clockState
	c.mu.Lock()
	defer c.mu.Unlock()
	c.initLocked()
	if modes&adjOffsetSS != 0 && modes&adjOffsetRO == 0 || modes&adjOffsetSS == 0 && modes&(adjOffset|adjFrequency|adjTick) != 0 {
		return 0, abi.EOPNOTSUPP // the clock is never slewed
	}
	if modes&adjOffsetSS == 0 {
		if modes&adjStatus != 0 {
			c.status = c.status&staRONLY | int32(le.Uint32(b[40:]))&^staRONLY
		}
		if modes&adjMaxerror != 0 {
			c.maxerror = min(max(int64(le.Uint64(b[24:])), 0), ntpPhaseMx)
		}
		if modes&adjEsterror != 0 {
			c.esterror = min(max(int64(le.Uint64(b[32:])), 0), ntpPhaseMx)
		}
		if modes&adjTimeconst != 0 {
			c.constant = min(max(int64(le.Uint64(b[48:])), 0), 10)
		}
		if modes&adjTAI != 0 && int32(le.Uint32(b[160:])) >= 0 {
			c.tai = int32(le.Uint32(b[160:]))
		}
		if modes&adjNano != 0 {
			c.status |= staNano
		}
		if modes&adjMicro != 0 {
			c.status &^= staNano
		}
	}
	out := make([]byte, sizeofTimex)
	copy(out, b[:8])
	le.PutUint64(out[24:], uint64(c.maxerror))
	le.PutUint64(out[32:], uint64(c.esterror))
	le.PutUint32(out[40:], uint32(c.status))
	le.PutUint64(out[48:], uint64(c.constant))
	le.PutUint64(out[56:], 1)          // precision, µs
	le.PutUint64(out[64:], 500<<16)    // tolerance: MAXFREQ_SCALED / PPM_SCALE
	le.PutUint64(out[88:], 1e6/userHZ) // tick, µs
	le.PutUint32(out[160:], uint32(c.tai))
	now := s.K.Now()
	le.PutUint64(out[72:], uint64(now.Unix()))
	frac := int64(now.Nanosecond())
	if c.status&staNano == 0 {
		frac /= 1000
	}
	le.PutUint64(out[80:], uint64(frac))
	if err := m.CopyOut(addr, out); err != nil {
		return 0, err
	}
	state := timeOK
	if c.status&staUnsync != 0 {
		state = timeError
	}
	return uint64(state), nil
}
