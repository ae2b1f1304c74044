package contract

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"aramid/testing/qemu"
)

// fakeKernel simulates a kernel running the runner: behave(i) says what
// happens to test i ("pass", "fail", "panic", "hang", "exit", "timeout").
type fakeKernel struct {
	behave func(i int) string
	boots  []int // start index of each boot
	noInit int   // the first noInit boots die before the runner starts
}

var startRE = regexp.MustCompile(`contract_start=(\d+)`)

func (f *fakeKernel) boot(names []string) BootFunc {
	return func(ctx context.Context, c qemu.Config, judge qemu.Judge) (*qemu.Result, error) {
		start, _ := strconv.Atoi(startRE.FindStringSubmatch(c.Append)[1])
		f.boots = append(f.boots, start)
		emit := func(s string) bool { return judge(qemu.Line{Text: s}) }
		emit("[    0.000] booting")
		if len(f.boots) <= f.noInit {
			return &qemu.Result{ExitCode: 1}, nil
		}
		emit(fmt.Sprintf("@@RUNNER start=%d total=%d timeout=10", start, len(names)))
		for i := start; i < len(names); i++ {
			emit(fmt.Sprintf("@@BEGIN %d %s", i, names[i]))
			emit("| value: 1")
			switch f.behave(i) {
			case "panic":
				if emit("Kernel panic - not syncing: fake") {
					return &qemu.Result{Stopped: true, ExitCode: -1}, nil
				}
			case "exit":
				return &qemu.Result{ExitCode: 0}, nil
			case "hang":
				<-ctx.Done()
				return &qemu.Result{TimedOut: true, ExitCode: -1}, qemu.ErrTimeout
			case "timeout":
				emit(fmt.Sprintf("@@END %d %s timeout", i, names[i]))
				continue
			case "fail":
				emit("| CONTRACT_FAIL fake")
				emit(fmt.Sprintf("@@END %d %s exit 1", i, names[i]))
				continue
			}
			emit("| CONTRACT_PASS")
			emit(fmt.Sprintf("@@END %d %s exit 0", i, names[i]))
		}
		if emit("@@SUITE_DONE") {
			return &qemu.Result{Stopped: true, ExitCode: -1}, nil
		}
		return &qemu.Result{ExitCode: 0}, nil
	}
}

func TestRunKernel(t *testing.T) {
	names := []string{"c/t0", "c/t1", "c/t2", "c/t3", "c/t4"}
	tests := []struct {
		name      string
		behave    map[int]string
		noInit    int
		want      []Verdict
		wantBoots []int
	}{
		{"all pass", nil, 0, []Verdict{Pass, Pass, Pass, Pass, Pass}, []int{0}},
		{"panic in t1", map[int]string{1: "panic"}, 0, []Verdict{Pass, Crash, Pass, Pass, Pass}, []int{0, 2}},
		{"qemu exits in t3", map[int]string{3: "exit"}, 0, []Verdict{Pass, Pass, Pass, Crash, Pass}, []int{0, 4}},
		{"two panics", map[int]string{0: "panic", 4: "panic"}, 0, []Verdict{Crash, Pass, Pass, Pass, Crash}, []int{0, 1}},
		{"kernel hangs in t2", map[int]string{2: "hang"}, 0, []Verdict{Pass, Pass, Timeout, Pass, Pass}, []int{0, 3}},
		{"runner timeout and fail", map[int]string{1: "timeout", 2: "fail"}, 0, []Verdict{Pass, Timeout, Fail, Pass, Pass}, []int{0}},
		{"never starts init", nil, 99, []Verdict{Crash, Crash, Crash, Crash, Crash}, []int{0, 0}},
		{"starts init on the second try", nil, 1, []Verdict{Pass, Pass, Pass, Pass, Pass}, []int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeKernel{behave: func(i int) string { return tt.behave[i] }, noInit: tt.noInit}
			bc := BootConfig{TestTimeout: 0, Grace: 300 * time.Millisecond, BootTimeout: time.Second}
			got := RunKernel(context.Background(), Kernel{Name: "fake"}, names, bc, f.boot(names))
			for i, o := range got {
				if v := o.Verdict(); v != tt.want[i] {
					t.Errorf("test %d: %s (%s), want %s", i, v, o.Why(), tt.want[i])
				}
			}
			if fmt.Sprint(f.boots) != fmt.Sprint(tt.wantBoots) {
				t.Errorf("boots started at %v, want %v", f.boots, tt.wantBoots)
			}
		})
	}
}
