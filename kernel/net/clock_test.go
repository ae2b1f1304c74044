package net

import (
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
)

func TestClock(t *testing.T) {
	saved := timeSource
	defer func() { timeSource = saved }()
	timeSource = TimeSource{}
	if newClock() != nil {
		t.Fatal("a clock without a time source")
	}
	mono := 5 * time.Second
	wall := time.Unix(1700000000, 42)
	SetTimeSource(TimeSource{Monotonic: func() time.Duration { return mono }, Wall: func() time.Time { return wall }})
	c := newClock()
	if got := c.Now(); !got.Equal(wall) {
		t.Errorf("Now = %v, want %v", got, wall)
	}
	m0 := c.NowMonotonic()
	mono += 1500 * time.Millisecond
	if d := c.NowMonotonic().Sub(m0); d != 1500*time.Millisecond {
		t.Errorf("monotonic advanced %v, want 1.5s", d)
	}
	if want := (tcpip.MonotonicTime{}).Add(mono); c.NowMonotonic() != want {
		t.Errorf("NowMonotonic = %v, want %v", c.NowMonotonic(), want)
	}
	fired := make(chan struct{})
	tm := c.AfterFunc(time.Hour, func() { close(fired) })
	if !tm.Stop() {
		t.Error("Stop of a pending timer = false")
	}
	tm.Reset(time.Millisecond)
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Error("the reset timer did not fire")
	}
	// A stack made with the source runs on it.
	st := New()
	if !st.NS.Clock().Now().Equal(wall) {
		t.Errorf("the stack's clock reads %v, want %v", st.NS.Clock().Now(), wall)
	}
}
