package klog

import (
	"testing"
	"time"
)

func TestRing(t *testing.T) {
	r := NewRing(3)
	notified := 0
	r.Notify = func() { notified++ }
	if _, ch, err := r.Get(0); err != ErrNoRecord || ch == nil {
		t.Fatalf("empty ring: %v", err)
	}
	for i, s := range []string{"a", "b", "c", "d"} {
		r.Add(6, time.Duration(i)*time.Second, s)
	}
	if notified != 4 {
		t.Errorf("notified %d times, want 4", notified)
	}
	if first, next := r.Bounds(); first != 1 || next != 4 {
		t.Errorf("bounds = %d, %d; want 1, 4", first, next)
	}
	if _, _, err := r.Get(0); err != ErrOverrun {
		t.Errorf("overwritten record: %v, want ErrOverrun", err)
	}
	for seq, want := range map[uint64]string{1: "b", 2: "c", 3: "d"} {
		rec, _, err := r.Get(seq)
		if err != nil || rec.Text != want || rec.Seq != seq {
			t.Errorf("Get(%d) = %+v, %v; want %q", seq, rec, err, want)
		}
	}
}

func TestLoggerFeedsRing(t *testing.T) {
	var out []byte
	l := New(writerFunc(func(p []byte) (int, error) { out = append(out, p...); return len(p), nil }),
		func() time.Duration { return 1500 * time.Millisecond })
	l.Ring = NewRing(8)
	l.Infof("hello %d", 7)
	rec, _, err := l.Ring.Get(0)
	if err != nil || rec.Text != "hello 7" || rec.Prio != 6 || rec.At != 1500*time.Millisecond {
		t.Errorf("record = %+v, %v", rec, err)
	}
	if string(out) != "[    1.500000] hello 7\n" {
		t.Errorf("console got %q", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestRingByteBudget(t *testing.T) {
	r := NewRing(1 << 20)
	big := string(make([]byte, LogBufLen/4))
	for i := 0; i < 10; i++ {
		r.Add(6, 0, big)
	}
	first, next := r.Bounds()
	if next != 10 || next-first != 4 {
		t.Errorf("bounds %d..%d: want the 4 newest records of a quarter buffer each", first, next)
	}
	r.Add(6, 0, string(make([]byte, 2*LogBufLen)))
	if rec, _, err := r.Get(10); err != nil || len(rec.Text) != LogBufLen {
		t.Errorf("over-long record: %v, %d bytes", err, len(rec.Text))
	}
}
