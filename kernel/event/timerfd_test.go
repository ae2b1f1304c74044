package event

import (
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// fakeClock is a timer clock the test moves by hand. Deadlines are set an
// hour or more ahead of the real clock's idea of "now" where the Go timer
// must not fire during the test; fire is then called by the test.
type fakeClock struct {
	mu  sync.Mutex
	now time.Duration
}

func (c *fakeClock) get() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) set(d time.Duration) {
	c.mu.Lock()
	c.now = d
	c.mu.Unlock()
}

// readNow reads the timer without blocking: the count, or 0 for EAGAIN.
func readNow(t *testing.T, tf *TimerFD) uint64 {
	t.Helper()
	f := vfs.NewFile(tf, nil, vfs.Path{}, abi.O_RDWR|abi.O_NONBLOCK)
	var b [8]byte
	n, err := tf.Read(&vfs.Caller{}, f, b[:], 0)
	if errors.Is(err, abi.EAGAIN) {
		return 0
	}
	if err != nil || n != 8 {
		t.Fatalf("read = %d, %v", n, err)
	}
	return binary.LittleEndian.Uint64(b[:])
}

func TestTimerFDCounting(t *testing.T) {
	const ms = time.Millisecond
	const hour = time.Hour // far enough that the Go timer never fires by itself
	tests := []struct {
		name      string
		start     time.Duration // clock when armed
		value     time.Duration
		interval  time.Duration
		abs       bool
		fireAt    time.Duration // clock when the Go timer's callback runs (0: never)
		readAt    time.Duration
		want      uint64
		wantLeft  time.Duration // remaining time after the read (Get)
		wantArmed bool          // a Go timer is pending after the read
	}{
		{name: "one-shot not yet due", start: 0, value: hour, readAt: 10 * ms, want: 0,
			wantLeft: hour - 10*ms, wantArmed: true},
		{name: "one-shot fired", start: 0, value: hour, fireAt: hour, readAt: hour + 5*ms, want: 1},
		{name: "periodic counts every period up to the read", start: 0, value: hour, interval: ms,
			fireAt: hour, readAt: hour + 10*ms + ms/2, want: 11, wantLeft: ms / 2, wantArmed: true},
		{name: "periodic read exactly on a period", start: 0, value: hour, interval: ms,
			fireAt: hour + 3*ms, readAt: hour + 4*ms, want: 5, wantLeft: ms, wantArmed: true},
		{name: "past absolute one-shot expires inside Set", start: hour, value: ms, abs: true,
			readAt: hour, want: 1},
		{name: "past absolute periodic counts from its start", start: 10 * ms, value: 4*ms + ms/2,
			interval: ms, abs: true, readAt: 10 * ms, want: 6, wantLeft: ms / 2, wantArmed: true},
		{name: "periodic due but its callback late: the read follows the clock", start: 0, value: hour,
			interval: ms, readAt: hour + 2*ms + ms/2, want: 3, wantLeft: ms / 2, wantArmed: true},
		{name: "one-shot due but its callback late", start: 0, value: hour, readAt: hour, want: 1},
		{name: "1 ns period read late counts every nanosecond", start: 0, value: hour, interval: 1,
			fireAt: hour, readAt: hour + 1000, want: 1001, wantLeft: 1, wantArmed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{now: tc.start}
			tf := NewTimerFD(clk.get)
			defer tf.Release(nil)
			tf.Set(tc.value, tc.interval, tc.abs)
			if tc.fireAt != 0 {
				clk.set(tc.fireAt)
				tf.mu.Lock()
				gen := tf.gen
				tf.mu.Unlock()
				tf.fire(gen)
				// An expired periodic timer is not re-armed by its own
				// expiry: a second callback counts nothing.
				tf.fire(gen)
			}
			clk.set(tc.readAt)
			if got := readNow(t, tf); got != tc.want {
				t.Fatalf("read = %d expirations, want %d", got, tc.want)
			}
			left, iv := tf.Get()
			if left != tc.wantLeft || iv != tc.interval {
				t.Errorf("Get = %v, %v; want %v, %v", left, iv, tc.wantLeft, tc.interval)
			}
			tf.mu.Lock()
			armed := tf.timer != nil
			tf.mu.Unlock()
			if armed != tc.wantArmed {
				t.Errorf("Go timer pending = %v, want %v", armed, tc.wantArmed)
			}
			if got := readNow(t, tf); got != 0 {
				t.Errorf("second read = %d, want EAGAIN", got)
			}
		})
	}
}

// TestTimerFDPeriodicWaitsForReader checks that an expired periodic timer
// stays quiet until read: its Go timer is not re-armed, however short the
// period, and readiness stays set.
func TestTimerFDPeriodicWaitsForReader(t *testing.T) {
	clk := &fakeClock{}
	tf := NewTimerFD(clk.get)
	defer tf.Release(nil)
	tf.Set(time.Hour, time.Nanosecond, false)
	clk.set(time.Hour)
	tf.mu.Lock()
	gen := tf.gen
	tf.mu.Unlock()
	tf.fire(gen)
	tf.mu.Lock()
	armed, expired := tf.timer != nil, tf.expired
	tf.mu.Unlock()
	if armed || !expired {
		t.Fatalf("after expiry: timer pending %v, expired %v; want no timer, expired", armed, expired)
	}
	if r := tf.Readiness(nil, abi.POLLIN); r != abi.POLLIN {
		t.Errorf("readiness = %#x, want POLLIN", r)
	}
	// Settime resets the count: the old expiries are gone.
	tf.Set(time.Hour, 0, false)
	if got := readNow(t, tf); got != 0 {
		t.Errorf("read after re-arming = %d, want EAGAIN", got)
	}
}

// TestTimerFDRealClock runs a short periodic timer on the real clock and
// reads it late: the count covers the whole time.
func TestTimerFDRealClock(t *testing.T) {
	start := time.Now()
	clock := func() time.Duration { return time.Since(start) }
	tf := NewTimerFD(clock)
	defer tf.Release(nil)
	tf.Set(time.Millisecond, time.Millisecond, false)
	time.Sleep(50 * time.Millisecond)
	got := readNow(t, tf)
	el := clock()
	if want := uint64(el / time.Millisecond); got > want || got < want-1 {
		t.Errorf("read %d expirations after %v, want %d", got, el, want)
	}
}
