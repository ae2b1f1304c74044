package task

import (
	"testing"

	"aramid/kernel/machine"
)

// cpusFake is the fake platform with n CPUs.
type cpusFake struct {
	*machine.Fake
	n int
}

func (f cpusFake) NumCPUs() int { return f.n }

func TestCPUAffinity(t *testing.T) {
	for _, tc := range []struct {
		name string
		plat machine.Platform
		set  uint64 // 0: leave the default
		all  uint64
		want uint64
	}{
		{"one CPU", machine.NewFake(), 0, 1, 1},
		{"four CPUs, default", cpusFake{machine.NewFake(), 4}, 0, 0xf, 0xf},
		{"four CPUs, pinned", cpusFake{machine.NewFake(), 4}, 0x4, 0xf, 0x4},
		{"four CPUs, all named", cpusFake{machine.NewFake(), 4}, 0xf, 0xf, 0xf},
		{"two CPUs, mask wider", cpusFake{machine.NewFake(), 2}, 0x2, 0x3, 0x2},
		{"64 CPUs", cpusFake{machine.NewFake(), 64}, 0, ^uint64(0), ^uint64(0)},
	} {
		k := NewKernel(tc.plat)
		task := &Task{k: k}
		if tc.set != 0 {
			task.SetCPUAffinity(tc.set)
		}
		if got := k.AllCPUs(); got != tc.all {
			t.Errorf("%s: AllCPUs = %#x, want %#x", tc.name, got, tc.all)
		}
		if got := task.CPUAffinity(); got != tc.want {
			t.Errorf("%s: CPUAffinity = %#x, want %#x", tc.name, got, tc.want)
		}
	}
}
