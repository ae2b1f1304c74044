package tmpfs

import "testing"

func TestParseSize(t *testing.T) {
	const ram = 1 << 30
	tests := []struct {
		in   string
		want uint64
		bad  bool
	}{
		{in: "1m", want: 1 << 20},
		{in: "64K", want: 64 << 10},
		{in: "2g", want: 2 << 30},
		{in: "4097", want: 8192},
		{in: "0x1000", want: 4096},
		{in: "50%", want: ram / 2},
		{in: "80%", want: 858992640},
		{in: "", bad: true},
		{in: "x", bad: true},
		{in: "101%", bad: true},
		{in: "-1", bad: true},
		{in: "99999999999999p", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in, ram)
		if tt.bad != (err != nil) || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		bad  bool
	}{
		{in: "800k", want: 800 << 10},
		{in: "1M", want: 1 << 20},
		{in: "4097", want: 4097},
		{in: "", bad: true},
		{in: "12q", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseCount(tt.in)
		if tt.bad != (err != nil) || got != tt.want {
			t.Errorf("ParseCount(%q) = %d, %v; want %d (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}
