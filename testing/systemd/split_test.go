package systemd

import (
	"testing"
	"time"
)

func TestParseSplit(t *testing.T) {
	tests := []struct {
		in   string
		want Split
		bad  bool
	}{
		{in: "10.733s (kernel) + 299ms (userspace) = 11.033s",
			want: Split{Kernel: 10733 * time.Millisecond, Userspace: 299 * time.Millisecond, Total: 11033 * time.Millisecond}},
		{in: "1.2s (kernel) + 3.4s (initrd) + 1min 2.5s (userspace) = 1min 7.1s",
			want: Split{Kernel: 1200 * time.Millisecond, Initrd: 3400 * time.Millisecond,
				Userspace: 62500 * time.Millisecond, Total: 67100 * time.Millisecond}},
		{in: "950us (kernel) + 1ms (userspace) = 1.950ms",
			want: Split{Kernel: 950 * time.Microsecond, Userspace: time.Millisecond, Total: 1950 * time.Microsecond}},
		{in: "10s (kernel) + 2s (userspace)", bad: true},
		{in: "10x (kernel) + 2s (userspace) = 12s", bad: true},
		{in: "10s (firmware) = 10s", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseSplit(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseSplit(%q) = %+v, want an error", tt.in, got)
			}
			continue
		}
		// Float parsing may be a nanosecond off.
		near := func(a, b time.Duration) bool { return a-b < time.Microsecond && b-a < time.Microsecond }
		if err != nil || !near(got.Kernel, tt.want.Kernel) || !near(got.Initrd, tt.want.Initrd) ||
			!near(got.Userspace, tt.want.Userspace) || !near(got.Total, tt.want.Total) {
			t.Errorf("ParseSplit(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}
