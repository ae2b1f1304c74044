package fuzz

import (
	"strings"
	"testing"
)

// TestJudge feeds console lines to the judge and checks the verdict.
func TestJudge(t *testing.T) {
	phases := "FUZZ phase root calls=1000 seconds=2.0 rate=500 deaths=3 (last: signal 9) stops=1 stuck=0\n" +
		"FUZZ health ok phase=root\n" +
		"FUZZ phase user calls=1000 seconds=4.0 rate=250 deaths=0 (last: none) stops=0 stuck=0\n" +
		"FUZZ health ok phase=user\n"
	tests := []struct {
		name     string
		log      string
		ok       bool
		calls    uint64
		panics   int
		verdict  string
		failures int
	}{
		{"clean", "FUZZ start seed=1\n" + phases + "FUZZ DONE\n", true, 2000, 0, "PASS", 0},
		{"nucleus panic", "FUZZ start seed=1\n[   19.79] KERNEL PANIC: nucleus: out of memory on a demand fault\n",
			false, 0, 1, "kernel panic", 0},
		{"handler panic", phases + "[    4.3] task 212 (init): kernel panic while handling it: runtime error: makeslice\nFUZZ DONE\n",
			false, 2000, 1, "kernel panic", 0},
		{"linux oops", phases + "[   3.1] BUG: unable to handle page fault\nFUZZ DONE\n", false, 2000, 1, "kernel panic", 0},
		{"health", "FUZZ phase root calls=5 seconds=1.0 rate=5 deaths=0 (last: none) stops=0 stuck=0\nFUZZ HEALTH FAIL phase=root fork/exec status=0x100\nFUZZ FAILED\n",
			false, 5, 0, "HEALTH FAIL", 1},
		{"unkillable", "FUZZ stuck phase=root w=1 t=2 gen=0 calls=9 idle=20s last=sendfile(...)\nFUZZ HANG phase=root w=1 pid=9: SIGKILL did not end it within 30 s\nFUZZ FAILED\n",
			false, 0, 0, "hang", 0},
		{"stuck but killed", "FUZZ stuck phase=root w=1 t=2 gen=0 calls=9 idle=20s last=read(...)\n" + phases + "FUZZ DONE\n",
			true, 2000, 0, "1 stuck", 0},
		{"guest line inside a kernel line", phases + "[ 1.0] fooFUZZ DONE\n", true, 2000, 0, "PASS", 0},
		{"unfinished", phases, false, 2000, 0, "did not finish", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Result{Kernel: "k", Seed: 1}
			j := &judge{res: r}
			for _, l := range strings.Split(strings.TrimSuffix(tc.log, "\n"), "\n") {
				j.line(l)
			}
			if r.OK() != tc.ok || r.Calls() != tc.calls || len(r.Panics) != tc.panics || len(r.Failures) != tc.failures {
				t.Fatalf("ok=%v calls=%d panics=%d failures=%d; want %v %d %d %d (%+v)", r.OK(), r.Calls(),
					len(r.Panics), len(r.Failures), tc.ok, tc.calls, tc.panics, tc.failures, r)
			}
			if v := r.Verdict(); !strings.Contains(v, tc.verdict) {
				t.Fatalf("verdict %q does not mention %q", v, tc.verdict)
			}
		})
	}
}

// TestCmdline: the guest's parameters reach the kernel command line, with
// the defaults filled in.
func TestCmdline(t *testing.T) {
	o := Options{Seed: 7, N: 100, Calls: "read,write", Trace: true}
	c := o.Cmdline()
	for _, w := range []string{"fuzz.seed=7", "fuzz.n=100", "fuzz.procs=8", "fuzz.threads=4", "fuzz.stuck=30",
		"fuzz.calls=read,write", "fuzz.trace=1"} {
		if !strings.Contains(c, w) {
			t.Errorf("%q lacks %s", c, w)
		}
	}
	if r := o.Replay(); !strings.Contains(r, "SEED=7") || !strings.Contains(r, "N=100") {
		t.Errorf("replay %q", r)
	}
}
