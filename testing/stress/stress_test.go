package stress

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"aramid/testing/contract"
	"aramid/testing/qemu"
)

// script is a fake boot: it feeds lines (with their times) to the judge,
// then ends as told: "exit" (QEMU exited), "hang" (waits for the context,
// as a wedged kernel does) or after the judge stops.
type script struct {
	boots [][]qemu.Line
	ends  []string
	n     int
	seen  []string // each boot's command line
}

func (s *script) boot(ctx context.Context, c qemu.Config, judge qemu.Judge) (*qemu.Result, error) {
	i := s.n
	s.n++
	s.seen = append(s.seen, c.Append)
	res := &qemu.Result{ExitCode: 0}
	for _, l := range s.boots[i] {
		if judge(l) {
			res.Stopped = true
			return res, nil
		}
	}
	if s.ends[i] == "hang" {
		<-ctx.Done()
		res.ExitCode = -1
		return res, nil
	}
	return res, nil
}

func lines(texts ...string) []qemu.Line {
	var out []qemu.Line
	for i, t := range texts {
		out = append(out, qemu.Line{Text: t, At: time.Duration(i) * time.Second})
	}
	return out
}

func testOptions(s *script) Options {
	return Options{Workloads: []string{"a", "b", "c"}, BuildDir: "", boot: s.boot,
		WorkloadTimeout: 200 * time.Millisecond, Grace: 100 * time.Millisecond, BootTimeout: time.Second}
}

func TestRunKernelOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		s      *script
		want   []Status
		starts []string // stress_start= of each boot
	}{
		{
			name: "all pass in one boot",
			s: &script{ends: []string{"done"}, boots: [][]qemu.Line{lines(
				"@@RUNNER start=0", "@@BEGIN 0 a", "@@END 0 a exit 0 ms=900",
				"@@BEGIN 1 b", "b: FAIL x.c:1: nope", "@@END 1 b exit 1 ms=10",
				"@@BEGIN 2 c", "@@END 2 c timeout ms=60000", "@@DONE")}},
			want:   []Status{Pass, Fail, Timeout},
			starts: []string{"stress_start=0"},
		},
		{
			name: "a hang is loud and the next boot goes on after it",
			s: &script{ends: []string{"hang", "done"}, boots: [][]qemu.Line{
				lines("@@RUNNER start=0", "@@BEGIN 0 a", "@@END 0 a exit 0 ms=5", "@@BEGIN 1 b"),
				lines("@@RUNNER start=2", "@@BEGIN 2 c", "@@END 2 c exit 0 ms=5", "@@DONE"),
			}},
			want:   []Status{Pass, Hang, Pass},
			starts: []string{"stress_start=0", "stress_start=2"},
		},
		{
			name: "QEMU exits during a workload",
			s: &script{ends: []string{"exit", "done"}, boots: [][]qemu.Line{
				lines("@@RUNNER start=0", "@@BEGIN 0 a", "panic: oops"),
				lines("@@RUNNER start=1", "@@BEGIN 1 b", "@@END 1 b exit 0 ms=5",
					"@@BEGIN 2 c", "@@END 2 c exit 0 ms=5", "@@DONE"),
			}},
			want:   []Status{Crash, Pass, Pass},
			starts: []string{"stress_start=0", "stress_start=1"},
		},
		{
			name:   "the runner never starts",
			s:      &script{ends: []string{"exit"}, boots: [][]qemu.Line{lines("early boot noise")}},
			want:   []Status{Crash, Crash, Crash},
			starts: []string{"stress_start=0"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			o := testOptions(tc.s)
			o.Out = &out
			o.BuildDir = t.TempDir()
			res := RunKernel(context.Background(), contract.Kernel{Name: "k", Path: "/k"}, "/initrd", o)
			for i, w := range tc.want {
				if res[i].Status != w {
					t.Errorf("workload %d: %s, want %s (detail %q)", i, res[i].Status, w, res[i].Detail)
				}
			}
			if len(tc.s.seen) != len(tc.starts) {
				t.Fatalf("%d boots, want %d", len(tc.s.seen), len(tc.starts))
			}
			for i, st := range tc.starts {
				if !strings.Contains(tc.s.seen[i], st) {
					t.Errorf("boot %d command line %q lacks %s", i, tc.s.seen[i], st)
				}
			}
			if res[0].Status == Pass && tc.name == "all pass in one boot" {
				if res[0].Wall != time.Second || res[0].Guest != 900*time.Millisecond {
					t.Errorf("wall %v guest %v, want 1s and 900ms", res[0].Wall, res[0].Guest)
				}
				if len(res[1].Detail) != 1 || !strings.Contains(res[1].Detail[0], "FAIL") {
					t.Errorf("failure detail = %q", res[1].Detail)
				}
			}
		})
	}
}

func TestJudge(t *testing.T) {
	r := &Report{
		Workloads: []string{"fast", "slow", "broken", "slack"},
		Kernels:   []string{"linux", "aramid"},
		Results: map[string][]Result{
			"linux": {{Status: Pass, Wall: time.Second}, {Status: Pass, Wall: time.Second},
				{Status: Pass, Wall: time.Second}, {Status: Pass, Wall: 10 * time.Millisecond}},
			"aramid": {{Status: Pass, Wall: 2 * time.Second}, {Status: Pass, Wall: 3100 * time.Millisecond},
				{Status: Fail, Wall: time.Second, End: "exit 1"}, {Status: Pass, Wall: 70 * time.Millisecond}},
		},
	}
	var out bytes.Buffer
	if r.Judge(&out, 3, 50*time.Millisecond, false) {
		t.Error("judge passed a run with a slow and a failed workload")
	}
	got := out.String()
	for _, want := range []string{
		"stress: aramid fast          PASS    wall   2.00s  ratio 2.00",
		"stress: aramid slow          SLOW",
		"stress: aramid broken        FAIL",
		"stress: aramid slack         PASS", // 7x, but within 3x + 50 ms
		"stress: 6 passed, 2 failed",        // too little time for the clock check

	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if s := r.slow(3, 50*time.Millisecond); len(s) != 1 || s[0] != 1 {
		t.Errorf("slow = %v, want [1]", s)
	}
}

func TestJudgeClock(t *testing.T) {
	r := &Report{
		Workloads: []string{"long"},
		Kernels:   []string{"linux", "aramid"},
		Results: map[string][]Result{
			"linux":  {{Status: Pass, Wall: 10 * time.Second, Guest: 9900 * time.Millisecond}},
			"aramid": {{Status: Pass, Wall: 10 * time.Second, Guest: 5400 * time.Millisecond}},
		},
	}
	var out bytes.Buffer
	if r.Judge(&out, 3, 0, false) {
		t.Error("judge passed a kernel whose clock ran at 54% of real time")
	}
	for _, want := range []string{"stress: linux  clock         PASS", "stress: aramid clock         FAIL",
		"(54% of real time)", "stress: 3 passed, 1 failed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
