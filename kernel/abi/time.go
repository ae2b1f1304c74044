package abi

import "time"

// SizeofTimespec is sizeof(struct timespec) on x86_64.
const SizeofTimespec = 16

// Timespec is struct timespec (linux/time_types.h __kernel_timespec).
type Timespec struct {
	Sec  int64
	Nsec int64
}

// NsecToTimespec converts nanoseconds to a Timespec.
func NsecToTimespec(ns int64) Timespec {
	ts := Timespec{Sec: ns / 1e9, Nsec: ns % 1e9}
	if ts.Nsec < 0 {
		ts.Sec--
		ts.Nsec += 1e9
	}
	return ts
}

// TimeToTimespec converts a time.Time to a Timespec.
func TimeToTimespec(t time.Time) Timespec {
	return Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// Time converts ts to a time.Time.
func (ts Timespec) Time() time.Time { return time.Unix(ts.Sec, ts.Nsec) }

// Valid reports whether Nsec is within [0, 1e9) and Sec is not negative,
// as nanosleep(2) and friends require.
func (ts Timespec) Valid() bool { return ts.Sec >= 0 && ts.Nsec >= 0 && ts.Nsec < 1e9 }

// MarshalTo encodes ts into dst[:16].
func (ts *Timespec) MarshalTo(dst []byte) {
	le.PutUint64(dst[0:], uint64(ts.Sec))
	le.PutUint64(dst[8:], uint64(ts.Nsec))
}

// Unmarshal decodes src[:16] into ts.
func (ts *Timespec) Unmarshal(src []byte) {
	ts.Sec = int64(le.Uint64(src[0:]))
	ts.Nsec = int64(le.Uint64(src[8:]))
}

// SizeofTimeval is sizeof(struct timeval) on x86_64.
const SizeofTimeval = 16

// Timeval is struct timeval (__kernel_old_timeval).
type Timeval struct {
	Sec  int64
	Usec int64
}

// MarshalTo encodes tv into dst[:16].
func (tv *Timeval) MarshalTo(dst []byte) {
	le.PutUint64(dst[0:], uint64(tv.Sec))
	le.PutUint64(dst[8:], uint64(tv.Usec))
}

// Unmarshal decodes src[:16] into tv.
func (tv *Timeval) Unmarshal(src []byte) {
	tv.Sec = int64(le.Uint64(src[0:]))
	tv.Usec = int64(le.Uint64(src[8:]))
}

// Clock ids (linux/time.h).
const (
	CLOCK_REALTIME           = 0
	CLOCK_MONOTONIC          = 1
	CLOCK_PROCESS_CPUTIME_ID = 2
	CLOCK_THREAD_CPUTIME_ID  = 3
	CLOCK_MONOTONIC_RAW      = 4
	CLOCK_REALTIME_COARSE    = 5
	CLOCK_MONOTONIC_COARSE   = 6
	CLOCK_BOOTTIME           = 7
	CLOCK_REALTIME_ALARM     = 8
	CLOCK_BOOTTIME_ALARM     = 9
	CLOCK_TAI                = 11

	TIMER_ABSTIME = 1
)

// utimensat(2) special nanosecond values.
const (
	UTIME_NOW  = (1 << 30) - 1
	UTIME_OMIT = (1 << 30) - 2
)
