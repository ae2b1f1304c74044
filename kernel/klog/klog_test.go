package klog

import (
	"bytes"
	"testing"
	"time"
)

func TestStamp(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "[    0.000000]"},
		{123 * time.Microsecond, "[    0.000123]"},
		{1500 * time.Millisecond, "[    1.500000]"},
		{12345*time.Second + 678901*time.Microsecond, "[12345.678901]"},
		{-time.Second, "[    0.000000]"},
	}
	for _, tt := range tests {
		if got := Stamp(tt.d); got != tt.want {
			t.Errorf("Stamp(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestPrintf(t *testing.T) {
	var b bytes.Buffer
	now := 2*time.Second + 5*time.Microsecond
	l := New(&b, func() time.Duration { return now })
	l.Printf("hello %s", "world")
	l.Printf("already terminated\n")
	want := "[    2.000005] hello world\n[    2.000005] already terminated\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
