package task

import "aramid/kernel/machine"

// CPU affinity. A thread's mask says which CPUs its user code may run on;
// the platform (machine.Placer) keeps it there and, for a thread with an
// rseq area, refuses to return it to user space on another CPU than the
// one the area names until the kernel has updated the area (EventCPU).

// NumCPUs is how many CPUs run threads: CPUs 0 to NumCPUs()-1.
func (k *Kernel) NumCPUs() int {
	if c, ok := k.Plat.(machine.CPUs); ok {
		return max(1, min(c.NumCPUs(), 64))
	}
	return 1
}

// AllCPUs is the mask of every CPU that runs threads.
func (k *Kernel) AllCPUs() uint64 {
	n := k.NumCPUs()
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<n - 1
}

// CPUAffinity returns the CPUs the thread may run on, bit per CPU.
func (t *Task) CPUAffinity() uint64 {
	all := t.k.AllCPUs()
	if m := t.cpuMask.Load() & all; m != 0 {
		return m
	}
	return all
}

// SetCPUAffinity restricts the thread to the CPUs in mask; the caller has
// checked that it names a CPU that runs threads (EINVAL otherwise).
func (t *Task) SetCPUAffinity(mask uint64) {
	if mask&t.k.AllCPUs() == t.k.AllCPUs() {
		mask = 0
	}
	t.cpuMask.Store(mask)
}

// CPU returns the CPU the thread's user code last ran on (getcpu).
func (t *Task) CPU() int { return int(t.cpu.Load()) }

// place tells the platform where the thread may run before it does.
func (t *Task) place() {
	if !t.placerLooked {
		t.placer, _ = t.Ctx.(machine.Placer)
		t.placerLooked = true
	}
	p := t.placer
	if p == nil {
		return
	}
	want := -1
	if t.rseq.addr != 0 {
		want = int(t.rseq.cpu)
	}
	p.Place(t.cpuMask.Load(), want)
}
