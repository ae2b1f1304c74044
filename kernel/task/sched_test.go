package task

import (
	"testing"

	"aramid/kernel/abi"
)

var abiEPERM, abiEINVAL error = abi.EPERM, abi.EINVAL

func TestForkSched(t *testing.T) {
	tests := []struct {
		name   string
		parent SchedAttr
		want   SchedAttr
	}{
		{"inherited", SchedAttr{Nice: -5, Policy: 1, Priority: 10}, SchedAttr{Nice: -5, Policy: 1, Priority: 10}},
		{"reset rt", SchedAttr{Nice: 3, Policy: 2, Priority: 10, ResetOnFork: true}, SchedAttr{Nice: 3}},
		{"reset negative nice", SchedAttr{Nice: -7, Policy: 3, ResetOnFork: true}, SchedAttr{Policy: 3}},
		{"reset deadline", SchedAttr{Policy: 6, Runtime: 1, Deadline: 2, Period: 3, ResetOnFork: true}, SchedAttr{}},
	}
	for _, tc := range tests {
		if got := forkSched(tc.parent); got != tc.want {
			t.Errorf("%s: forkSched(%+v) = %+v, want %+v", tc.name, tc.parent, got, tc.want)
		}
	}
}

func TestRlimitRules(t *testing.T) {
	tests := []struct {
		name string
		r    int
		set  Rlimit
		priv bool
		want error
	}{
		{"lower", RlimitNofile, Rlimit{10, 20}, false, nil},
		{"raise hard unprivileged", RlimitNofile, Rlimit{10, 5000}, false, abiEPERM},
		{"raise hard privileged", RlimitNofile, Rlimit{10, 5000}, true, nil},
		{"soft above hard", RlimitCPU, Rlimit{10, 5}, true, abiEINVAL},
		{"nofile beyond nr_open", RlimitNofile, Rlimit{NrOpen + 1, NrOpen + 1}, true, abiEPERM},
		{"bad resource", NumRlimits, Rlimit{1, 1}, true, abiEINVAL},
	}
	for _, tc := range tests {
		g := &ThreadGroup{}
		set := tc.set
		if _, err := g.Rlimit(tc.r, &set, tc.priv); err != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			continue
		}
		if tc.want == nil && g.RlimitCur(tc.r) != tc.set.Cur {
			t.Errorf("%s: RlimitCur = %d, want %d", tc.name, g.RlimitCur(tc.r), tc.set.Cur)
		}
	}
}
