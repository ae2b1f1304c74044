package mm

import (
	"errors"
	"testing"

	"aramid/kernel/abi"
)

// limits returns a limit function with as bytes of RLIMIT_AS, memlock of
// RLIMIT_MEMLOCK and stack of RLIMIT_STACK.
func limits(as, memlock, stack uint64) func(int) uint64 {
	return func(r int) uint64 {
		switch r {
		case rlimitAS:
			return as
		case rlimitMemlock:
			return memlock
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

func TestMlock(t *testing.T) {
	const kib = 1 << 10
	tests := []struct {
		name       string
		limit      uint64
		privileged bool
		steps      [][2]uint64 // (offset, length) mlocked in turn
		want       error       // of the last step
		locked     uint64      // VmLck afterwards
	}{
		{"within", 64 * kib, false, [][2]uint64{{0, 32 * kib}}, nil, 32 * kib},
		{"relock counts once", 64 * kib, false, [][2]uint64{{0, 48 * kib}, {0, 48 * kib}}, nil, 48 * kib},
		{"beyond", 64 * kib, false, [][2]uint64{{0, 48 * kib}, {48 * kib, 32 * kib}}, abi.ENOMEM, 48 * kib},
		{"zero limit", 0, false, [][2]uint64{{0, 4 * kib}}, abi.EPERM, 0},
		{"privileged ignores the limit", 0, true, [][2]uint64{{0, 128 * kib}}, nil, 128 * kib},
		{"hole", rlimInfinity, false, [][2]uint64{{0, 512 * kib}}, abi.ENOMEM, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _, _ := newMM(t)
			m.SetLimits(limits(rlimInfinity, tc.limit, 8<<20))
			a, err := m.Mmap(MapOpts{Length: 256 * kib, Perm: rw})
			if err != nil {
				t.Fatal(err)
			}
			var last error
			for _, s := range tc.steps {
				last = m.Mlock(a+s[0], s[1], tc.privileged, false)
			}
			if last != tc.want {
				t.Fatalf("mlock: got %v, want %v", last, tc.want)
			}
			if got := m.LockedSize(); got != tc.locked {
				t.Fatalf("locked %d, want %d", got, tc.locked)
			}
			if err := m.Munlock(a, 256*kib); err != nil {
				t.Fatal(err)
			}
			if got := m.LockedSize(); got != 0 {
				t.Fatalf("after munlock: %d locked", got)
			}
		})
	}
}

func TestMlockall(t *testing.T) {
	m, _, _ := newMM(t)
	m.SetLimits(limits(rlimInfinity, 64<<10, 8<<20))
	if _, err := m.Mmap(MapOpts{Length: 128 << 10, Perm: rw}); err != nil {
		t.Fatal(err)
	}
	if err := m.Mlockall(0, false); err != abi.EINVAL {
		t.Fatalf("no flags: %v", err)
	}
	if err := m.Mlockall(MclOnfault, false); err != abi.EINVAL {
		t.Fatalf("MCL_ONFAULT alone: %v", err)
	}
	if err := m.Mlockall(MclCurrent, false); err != abi.ENOMEM {
		t.Fatalf("MCL_CURRENT beyond the limit: %v", err)
	}
	if err := m.Mlockall(MclFuture, false); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Mmap(MapOpts{Length: 8 << 10, Perm: rw}); err != nil {
		t.Fatal(err)
	}
	if got := m.LockedSize(); got != 8<<10 {
		t.Fatalf("MCL_FUTURE: %d locked", got)
	}
	m.Munlockall()
	if got := m.LockedSize(); got != 0 {
		t.Fatalf("munlockall left %d locked", got)
	}
}
