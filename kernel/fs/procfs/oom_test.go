package procfs

import (
	"testing"

	"aramid/kernel/abi"
)

// The cases follow lib/kstrtox.c (kstrtoint with base 0 after strstrip).
func TestKstrtoint(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  error
	}{
		{"0", 0, nil},
		{"-1000\n", -1000, nil},
		{"  500  \n", 500, nil},
		{"+7", 7, nil},
		{"010", 8, nil},
		{"0x1f", 31, nil},
		{"0X1F\n", 31, nil},
		{"-0x10", -16, nil},
		{"0x", 0, abi.EINVAL},
		{"08", 0, abi.EINVAL},
		{"", 0, abi.EINVAL},
		{"\n", 0, abi.EINVAL},
		{"-", 0, abi.EINVAL},
		{"+-5", 0, abi.EINVAL},
		{"-+5", 0, abi.EINVAL},
		{"12abc", 0, abi.EINVAL},
		{"5\n\n", 5, nil}, // strstrip takes trailing white space first
		{"5\x00junk", 5, nil},
		{"2147483647", 2147483647, nil},
		{"2147483648", 0, abi.ERANGE},
		{"-2147483648", -2147483648, nil},
		{"-2147483649", 0, abi.ERANGE},
		{"99999999999", 0, abi.ERANGE},
	}
	for _, tt := range tests {
		got, err := kstrtoint(tt.in)
		if got != tt.want || err != tt.err {
			t.Errorf("kstrtoint(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
