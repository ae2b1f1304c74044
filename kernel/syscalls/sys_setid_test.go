package syscalls

import (
	"testing"

	"aramid/kernel/abi"
)

// The expectations are what Linux 6.1 printed for the same calls
// (testing/contracts/process/setid_nonroot.c) from real/effective/saved
// 1000/1001/1002.
func TestIDRules(t *testing.T) {
	start := idSet{1000, 1001, 1002, 1001}
	tests := []struct {
		name string
		call func(c *idSet) error
		want idSet
		err  error
	}{
		{"setuid ruid", func(c *idSet) error { return c.setID(1000, false) }, idSet{1000, 1000, 1002, 1000}, nil},
		{"setuid suid", func(c *idSet) error { return c.setID(1002, false) }, idSet{1000, 1002, 1002, 1002}, nil},
		{"setuid euid", func(c *idSet) error { return c.setID(1001, false) }, start, abi.EPERM},
		{"setuid privileged", func(c *idSet) error { return c.setID(5, true) }, idSet{5, 5, 5, 5}, nil},
		{"setuid -1", func(c *idSet) error { return c.setID(noID, true) }, start, abi.EINVAL},
		{"setreuid r=euid", func(c *idSet) error { return c.setRE(1001, noID, false) }, idSet{1001, 1001, 1001, 1001}, nil},
		{"setreuid r=suid", func(c *idSet) error { return c.setRE(1002, noID, false) }, start, abi.EPERM},
		{"setreuid e=suid", func(c *idSet) error { return c.setRE(noID, 1002, false) }, idSet{1000, 1002, 1002, 1002}, nil},
		{"setreuid e=ruid keeps saved", func(c *idSet) error { return c.setRE(noID, 1000, false) }, idSet{1000, 1000, 1002, 1000}, nil},
		{"setreuid swap", func(c *idSet) error { return c.setRE(1001, 1000, false) }, idSet{1001, 1000, 1000, 1000}, nil},
		{"setreuid none", func(c *idSet) error { return c.setRE(noID, noID, false) }, start, nil},
		{"setreuid e other", func(c *idSet) error { return c.setRE(noID, 7, false) }, start, abi.EPERM},
		{"setreuid same e updates saved", func(c *idSet) error { return c.setRE(noID, 1001, false) }, idSet{1000, 1001, 1001, 1001}, nil},
		{"setresuid permute", func(c *idSet) error { return c.setRES(1002, 1000, 1001, false) }, idSet{1002, 1000, 1001, 1000}, nil},
		{"setresuid other", func(c *idSet) error { return c.setRES(noID, noID, 9, false) }, start, abi.EPERM},
		{"setresuid privileged", func(c *idSet) error { return c.setRES(1, 2, 3, true) }, idSet{1, 2, 3, 2}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := start
			err := tc.call(&c)
			if err != tc.err {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if c != tc.want {
				t.Fatalf("ids %+v, want %+v", c, tc.want)
			}
		})
	}
}

func TestValidDeadline(t *testing.T) {
	tests := []struct {
		r    schedRequest
		want bool
	}{
		{schedRequest{runtime: 10e6, deadline: 30e6, period: 100e6}, true},
		{schedRequest{runtime: 10e6, deadline: 30e6}, true}, // period 0 means the deadline
		{schedRequest{runtime: 40e6, deadline: 30e6, period: 100e6}, false},
		{schedRequest{runtime: 10e6, deadline: 300e6, period: 100e6}, false},
		{schedRequest{runtime: 1000, deadline: 30e6}, false}, // below 1024 ns
		{schedRequest{runtime: 10e6}, false},
		{schedRequest{runtime: 10e6, deadline: 1 << 63}, false},
	}
	for i, tc := range tests {
		if got := validDeadline(tc.r); got != tc.want {
			t.Errorf("%d: validDeadline(%+v) = %v, want %v", i, tc.r, got, tc.want)
		}
	}
}
