package mm

import (
	"errors"
	"testing"

	"aramid/kernel/abi"
)

// limits returns a limit function with as bytes of RLIMIT_AS and stack of
// RLIMIT_STACK; memlock is unused (RLIMIT_MEMLOCK is applied by the mlock
// system calls).
func limits(as, memlock, stack uint64) func(int) uint64 {
	return func(r int) uint64 {
		switch r {
		case rlimitAS:
			return as
		case rlimitStack:
			return stack
		}
		return rlimInfinity
	}
}

func TestAddressSpaceLimit(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name string
		run  func(m *MM) error
		want error
	}{
		{"mmap within", func(m *MM) error { _, err := m.Mmap(MapOpts{Length: 8 * mib, Perm: rw}); return err }, nil},
		{"mmap beyond", func(m *MM) error { _, err := m.Mmap(MapOpts{Length: 17 * mib, Perm: rw}); return err }, abi.ENOMEM},
		{"second mmap beyond", func(m *MM) error {
			if _, err := m.Mmap(MapOpts{Length: 10 * mib, Perm: rw}); err != nil {
				return err
			}
			_, err := m.Mmap(MapOpts{Length: 7 * mib, Perm: rw})
			return err
		}, abi.ENOMEM},
		{"fixed replacement counts once", func(m *MM) error {
			a, err := m.Mmap(MapOpts{Length: 12 * mib, Perm: rw})
			if err != nil {
				return err
			}
			_, err = m.Mmap(MapOpts{Addr: a, Length: 12 * mib, Perm: rw, Fixed: true})
			return err
		}, nil},
		{"mremap grow beyond", func(m *MM) error {
			a, err := m.Mmap(MapOpts{Length: 10 * mib, Perm: rw})
			if err != nil {
				return err
			}
			_, err = m.Mremap(a, 10*mib, 20*mib, true)
			return err
		}, abi.ENOMEM},
		{"munmap makes room", func(m *MM) error {
			a, err := m.Mmap(MapOpts{Length: 12 * mib, Perm: rw})
			if err != nil {
				return err
			}
			if err := m.Munmap(a, 12*mib); err != nil {
				return err
			}
			_, err = m.Mmap(MapOpts{Length: 12 * mib, Perm: rw})
			return err
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _, _ := newMM(t)
			m.SetLimits(limits(16*mib, rlimInfinity, 8*mib))
			if err := tc.run(m); !errors.Is(err, tc.want) && err != tc.want {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestBrkLimit(t *testing.T) {
	m, _, _ := newMM(t)
	m.SetBrk(0x400000)
	m.SetLimits(limits(1<<20, rlimInfinity, 8<<20))
	if got := m.Brk(0x400000 + 2<<20); got != 0x400000 {
		t.Fatalf("brk beyond RLIMIT_AS moved the break to %#x", got)
	}
	if got := m.Brk(0x400000 + 512<<10); got != 0x400000+512<<10 {
		t.Fatalf("brk within RLIMIT_AS: %#x", got)
	}
}
