// Package stress is Aramid's stress suite: one initramfs whose PID 1 runs a
// list of workloads (timerfd, eventfd, epoll, poll and inotify storms,
// fork/vfork/clone storms under memory pressure, mmap churn, a signal flood,
// a pipe herd, thousands of zombies, file churn, a memory hog, an exec storm
// as an unprivileged user, memfd churn, the get*/rlimit family, limits hit on
// purpose) one after the other in one boot per kernel, each checking its own
// results, and a final check that new work still starts promptly.
//
// The same image boots on the reference Linux kernel and on Aramid. A
// workload passes on a kernel when its process exits 0; on Aramid it must
// also take at most MaxRatio times Linux's wall time. Wall times are measured
// on the host, from the serial lines that begin and end the workload. A hang
// is caught by watching the serial log: no runner line for longer than a
// workload may take is reported loudly as a hang, and the kernel is booted
// again from the next workload so the rest still get a verdict.
//
// The guest side is static C under guest/ (musl-gcc -static): main.c is both
// the runner (as PID 1) and the dispatcher ("stress <workload>").
package stress

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"aramid/testing/contract"
	"aramid/testing/qemu"
)

// Workloads lists the workloads in run order; "final" must stay last.
var Workloads = []string{
	"timerfd", "eventfd", "epoll", "poll", "inotify",
	"fork-storm", "vfork-storm", "clone-storm", "mmap-churn", "signal-flood",
	"pipe-herd", "zombies", "fs-churn", "memory-hog", "exec-storm",
	"memfd-churn", "getters", "rlimits", "final",
}

// Status is how one workload ended on one kernel.
type Status string

// The statuses a workload can end with.
const (
	Pass    Status = "PASS"
	Fail    Status = "FAIL"    // the workload's checks failed (exit != 0 or a signal)
	Timeout Status = "TIMEOUT" // the guest runner killed it after its time limit
	Hang    Status = "HANG"    // the kernel stopped printing: the host watchdog ended the boot
	Crash   Status = "CRASH"   // QEMU exited (panic, triple fault) during the workload
	NotRun  Status = "NOTRUN"  // no boot reached it
)

// Result is one workload on one kernel.
type Result struct {
	Status Status
	Wall   time.Duration // host time from @@BEGIN to @@END as seen on the serial port
	Guest  time.Duration // the runner's own CLOCK_MONOTONIC measure
	End    string        // the runner's end word: "exit 0", "signal 9", "timeout"
	Detail []string      // lines the workload printed (its summary or FAIL lines)
	Tries  int           // extra measurements taken (Options.Remeasure)
}

// Options configures a run.
type Options struct {
	GuestDir  string            // testing/stress/guest
	BuildDir  string            // build/stress: binaries, image, logs/<run>/ serial logs
	LogDir    string            // set by Run: this run's serial logs
	CC        string            // default musl-gcc
	Kernels   []contract.Kernel // the reference first, then the candidate (optional)
	Memory    string            // guest RAM, default 256M
	Workloads []string          // default Workloads
	// WorkloadTimeout is the guest runner's limit for one workload; the host
	// watchdog allows WorkloadTimeout+Grace without a runner line.
	WorkloadTimeout time.Duration
	Grace           time.Duration
	BootTimeout     time.Duration // time to reach the runner
	MaxRatio        float64       // candidate wall time / reference wall time, default 3
	// Slack is added to MaxRatio×reference before a slow verdict, to absorb
	// the serial port's and scheduler's jitter on sub-second workloads.
	Slack    time.Duration
	Parallel bool // boot the kernels at the same time (each QEMU is one host thread)
	// Remeasure is how many more times a workload whose checks passed but
	// whose candidate wall time was over the bound is run again on both
	// kernels; each keeps its best time.
	Remeasure int
	Verbose   bool // print every workload's own lines, not only a failure's
	Append    string
	// SMP is the guest's CPU count (0 or 1: one; above 1 the boots use
	// multi-threaded TCG, as the contract runner's -smp does).
	SMP  int
	Out  io.Writer
	boot contract.BootFunc // tests replace QEMU
}

func (o *Options) defaults() {
	if o.CC == "" {
		o.CC = "musl-gcc"
	}
	if o.Memory == "" {
		o.Memory = "256M"
	}
	if len(o.Workloads) == 0 {
		o.Workloads = Workloads
	}
	if o.WorkloadTimeout == 0 {
		o.WorkloadTimeout = 60 * time.Second
	}
	if o.Grace == 0 {
		o.Grace = 15 * time.Second
	}
	if o.BootTimeout == 0 {
		o.BootTimeout = 60 * time.Second
	}
	if o.MaxRatio == 0 {
		o.MaxRatio = 3
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.boot == nil {
		o.boot = qemu.Run
	}
}

// Report holds every kernel's results, indexed like Options.Workloads.
type Report struct {
	Workloads []string
	Kernels   []string
	Results   map[string][]Result // by kernel name
}

// Run builds the image, boots every kernel and prints the verdicts. ok is
// false when any workload failed anywhere, hung, or was too slow.
func Run(ctx context.Context, o Options) (rep *Report, ok bool, err error) {
	o.defaults()
	if len(o.Kernels) == 0 {
		return nil, false, fmt.Errorf("stress: no kernel to boot")
	}
	if err := os.MkdirAll(o.BuildDir, 0o755); err != nil {
		return nil, false, fmt.Errorf("stress: %w", err)
	}
	// Each run keeps its serial logs apart, so a crash's log survives the
	// next run.
	o.LogDir = filepath.Join(o.BuildDir, "logs", time.Now().Format("20060102-150405"))
	if err := os.MkdirAll(o.LogDir, 0o755); err != nil {
		return nil, false, fmt.Errorf("stress: %w", err)
	}
	rep = &Report{Workloads: o.Workloads, Results: map[string][]Result{}}
	for _, k := range o.Kernels {
		rep.Kernels = append(rep.Kernels, k.Name)
	}
	first, err := runAll(ctx, o, o.Workloads, "initramfs.cpio")
	if err != nil {
		return nil, false, err
	}
	rep.Results = first
	// A workload only too slow is measured again, both kernels in fresh
	// boots, up to Remeasure times; each kernel keeps its best wall time
	// (host load only ever adds time). Every run's checks must pass.
	for try := 1; try <= o.Remeasure && ctx.Err() == nil; try++ {
		slow := rep.slow(o.MaxRatio, o.Slack)
		if len(slow) == 0 {
			break
		}
		var names []string
		for _, i := range slow {
			names = append(names, o.Workloads[i])
		}
		fmt.Fprintf(o.Out, "stress: measuring again (%d of %d): %s\n", try, o.Remeasure, strings.Join(names, ", "))
		again, err := runAll(ctx, o, names, fmt.Sprintf("initramfs-again%d.cpio", try))
		if err != nil {
			return nil, false, err
		}
		for j, i := range slow {
			for _, k := range rep.Kernels {
				old, nw := &rep.Results[k][i], again[k][j]
				if nw.Status != Pass {
					*old = nw
					old.Detail = append(old.Detail, fmt.Sprintf("(when measured again, try %d)", try))
					continue
				}
				old.Tries++
				if nw.Wall < old.Wall {
					old.Wall, old.Guest = nw.Wall, nw.Guest
				}
			}
		}
	}
	return rep, rep.Judge(o.Out, o.MaxRatio, o.Slack, o.Verbose), nil
}

// runAll builds an image running names and boots every kernel on it (at
// the same time when o.Parallel); results are by kernel, indexed like names.
func runAll(ctx context.Context, o Options, names []string, image string) (map[string][]Result, error) {
	initrd, err := BuildImage(ctx, o.GuestDir, o.BuildDir, o.CC, names, image)
	if err != nil {
		return nil, err
	}
	o.Workloads = names
	out := map[string][]Result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	runOne := func(k contract.Kernel) {
		res := RunKernel(ctx, k, initrd, o)
		mu.Lock()
		out[k.Name] = res
		mu.Unlock()
	}
	for _, k := range o.Kernels {
		if o.Parallel {
			wg.Add(1)
			go func() { defer wg.Done(); runOne(k) }()
		} else {
			runOne(k)
		}
	}
	wg.Wait()
	return out, nil
}

// tooSlow reports whether a candidate's passing run exceeds the bound.
func tooSlow(cand, ref Result, ratio float64, slack time.Duration) bool {
	return cand.Status == Pass && ref.Status == Pass && cand.Wall > time.Duration(ratio*float64(ref.Wall))+slack
}

// slow lists the workloads (indexes) whose candidate run passed its checks
// but was too slow.
func (r *Report) slow(ratio float64, slack time.Duration) []int {
	var out []int
	if len(r.Kernels) < 2 {
		return nil
	}
	for i := range r.Workloads {
		if tooSlow(r.Results[r.Kernels[1]][i], r.Results[r.Kernels[0]][i], ratio, slack) {
			out = append(out, i)
		}
	}
	return out
}

// Judge prints one verdict line per workload per kernel and a closing
// "N passed, M failed" line, and reports whether everything passed. A
// candidate's workload fails when it took more than ratio times the
// reference's wall time plus slack, even if its checks held.
func (r *Report) Judge(w io.Writer, ratio float64, slack time.Duration, verbose bool) bool {
	passed, failed := 0, 0
	ref := r.Kernels[0]
	for i, name := range r.Workloads {
		rr := r.Results[ref][i]
		for _, k := range r.Kernels {
			res := r.Results[k][i]
			verdict := string(res.Status)
			extra := ""
			if k != ref && rr.Status == Pass && res.Status == Pass {
				q := float64(res.Wall) / float64(rr.Wall)
				extra = fmt.Sprintf("  ratio %.2f", q)
				if tries := min(res.Tries, rr.Tries); tries > 0 {
					extra += fmt.Sprintf(" (best of %d)", tries+1)
				}
				if tooSlow(res, rr, ratio, slack) {
					verdict = "SLOW"
					extra += fmt.Sprintf(" (over %.0fx %s)", ratio, ref)
				}
			}
			good := verdict == string(Pass)
			if good {
				passed++
			} else {
				failed++
			}
			wall := "-"
			if res.Status == Pass || res.Status == Fail || res.Status == Timeout {
				wall = fmt.Sprintf("%.2fs", res.Wall.Seconds())
			}
			if verbose && res.Guest > 0 {
				extra += fmt.Sprintf("  (guest %.2fs)", res.Guest.Seconds())
			}
			fmt.Fprintf(w, "stress: %-6s %-13s %-7s wall %7s%s\n", k, name, verdict, wall, extra)
			if !good || verbose {
				if res.End != "" && !good {
					fmt.Fprintf(w, "stress:   ended: %s\n", res.End)
				}
				for _, d := range res.Detail {
					fmt.Fprintf(w, "stress:   | %s\n", d)
				}
			}
		}
	}
	// The guest's own clock against the host's: the runner's measure of
	// every workload (CLOCK_MONOTONIC) against the serial lines' arrival.
	// A kernel whose clock runs slow or fast keeps every sleep and timer
	// "in bound" by its own count while real time says otherwise.
	for _, k := range r.Kernels {
		var guest, host time.Duration
		for _, res := range r.Results[k] {
			if res.Status == Pass && res.Guest > 0 {
				guest += res.Guest
				host += res.Wall
			}
		}
		if host < ClockMinSample {
			continue
		}
		q := float64(guest) / float64(host)
		verdict := "PASS"
		if q < 1-ClockTolerance || q > 1+ClockTolerance {
			verdict = "FAIL"
			failed++
		} else {
			passed++
		}
		fmt.Fprintf(w, "stress: %-6s %-13s %-7s guest %.2fs over host %.2fs (%.0f%% of real time)\n",
			k, "clock", verdict, guest.Seconds(), host.Seconds(), 100*q)
	}
	fmt.Fprintf(w, "stress: %d passed, %d failed\n", passed, failed)
	return failed == 0
}

// The clock check: over at least ClockMinSample of passing workloads, the
// guest's measure of them must be within ClockTolerance of the host's.
const (
	ClockMinSample = 5 * time.Second
	ClockTolerance = 0.15
)

// BuildImage compiles the guest program (cached by a hash of the compiler
// version and every source) and writes the initramfs; it returns its path.
func BuildImage(ctx context.Context, guestDir, buildDir, cc string, workloads []string, image string) (string, error) {
	srcs, err := filepath.Glob(filepath.Join(guestDir, "*.[ch]"))
	if err != nil || len(srcs) == 0 {
		return "", fmt.Errorf("stress: no guest sources in %s", guestDir)
	}
	sort.Strings(srcs)
	ver, err := exec.CommandContext(ctx, cc, "--version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("stress: %s --version: %w: %s", cc, err, ver)
	}
	flags := []string{"-static", "-O2", "-Wall", "-Wno-unused-function", "-Werror"}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%q\x00", cc, ver, flags)
	var cfiles []string
	for _, s := range srcs {
		b, err := os.ReadFile(s)
		if err != nil {
			return "", fmt.Errorf("stress: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(s), len(b))
		h.Write(b)
		if strings.HasSuffix(s, ".c") {
			cfiles = append(cfiles, s)
		}
	}
	bin := filepath.Join(buildDir, "stress-"+hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(bin); err != nil {
		args := append(append(flags, "-o", bin+".tmp"), cfiles...)
		args = append(args, "-lpthread")
		cmd := exec.CommandContext(ctx, cc, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("stress: compile: %w\n%s", err, out)
		}
		if err := os.Rename(bin+".tmp", bin); err != nil {
			return "", fmt.Errorf("stress: %w", err)
		}
	}
	prog, err := os.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("stress: %w", err)
	}
	var t contract.Tree
	for _, d := range []string{"dev", "proc", "sys", "tmp"} {
		if err := t.AddDir(d, 0o755); err != nil {
			return "", err
		}
	}
	steps := []error{
		t.AddFile("init", 0o755, prog),
		t.AddFile("bin/stress", 0o755, prog),
		t.AddFile("list", 0o644, []byte(strings.Join(workloads, "\n")+"\n")),
		t.AddCharDev("dev/console", 0o600, 5, 1),
		t.AddCharDev("dev/null", 0o666, 1, 3),
	}
	for _, e := range steps {
		if e != nil {
			return "", e
		}
	}
	img := filepath.Join(buildDir, image)
	if err := t.WriteFile(img); err != nil {
		return "", err
	}
	return img, nil
}

// RunKernel boots k until every workload has a result: after a hang or a
// crash it boots again from the next workload.
func RunKernel(ctx context.Context, k contract.Kernel, initrd string, o Options) []Result {
	o.defaults()
	out := make([]Result, len(o.Workloads))
	for i := range out {
		out[i] = Result{Status: NotRun}
	}
	for start, n := 0, 0; start < len(o.Workloads) && ctx.Err() == nil; n++ {
		next := bootOnce(ctx, k, initrd, n, start, o, out)
		if next <= start {
			break // the runner never started: booting again will not help
		}
		start = next
	}
	return out
}

// session follows one boot's serial log.
type session struct {
	workloads []string
	out       []Result
	runner    bool
	done      bool
	cur       int // workload running, -1 between workloads
	began     time.Duration
	lastEvent time.Time
	next      int // first workload without a result
	panicLine string
}

// feed takes one serial line; it returns true when the boot is over.
func (s *session) feed(l qemu.Line) bool {
	t := l.Text
	switch {
	case strings.HasPrefix(t, "@@RUNNER"):
		s.runner = true
		s.lastEvent = time.Now()
	case strings.HasPrefix(t, "@@BEGIN "):
		f := strings.Fields(t)
		if len(f) >= 3 {
			if i, err := strconv.Atoi(f[1]); err == nil && i >= 0 && i < len(s.out) && f[2] == s.workloads[i] {
				s.cur, s.began = i, l.At
				s.out[i] = Result{Status: Crash}
			}
		}
		s.lastEvent = time.Now()
	case strings.HasPrefix(t, "@@END "):
		f := strings.Fields(t)
		if len(f) >= 4 && s.cur >= 0 {
			if i, err := strconv.Atoi(f[1]); err == nil && i == s.cur {
				r := &s.out[i]
				r.Wall = l.At - s.began
				end := strings.Join(f[3:], " ")
				if j := strings.LastIndex(end, " ms="); j >= 0 {
					if ms, err := strconv.Atoi(end[j+4:]); err == nil {
						r.Guest = time.Duration(ms) * time.Millisecond
					}
					end = end[:j]
				}
				r.End = end
				switch {
				case end == "exit 0":
					r.Status = Pass
				case end == "timeout":
					r.Status = Timeout
				default:
					r.Status = Fail
				}
				s.next = i + 1
				s.cur = -1
			}
		}
		s.lastEvent = time.Now()
	case t == "@@DONE":
		s.done = true
		s.next = len(s.out)
		return true
	default:
		if s.cur >= 0 {
			r := &s.out[s.cur]
			if len(r.Detail) < 40 {
				r.Detail = append(r.Detail, t)
			}
			if panicking(t) && s.panicLine == "" {
				s.panicLine = t
			}
		}
	}
	return false
}

// panicking recognises the first line of a kernel's dying words.
func panicking(t string) bool {
	for _, p := range []string{"Kernel panic", "panic: ", "fatal error: ", "NUCLEUS PANIC"} {
		if strings.Contains(t, p) {
			return true
		}
	}
	return false
}

// bootOnce boots k from workload start and fills out; it returns the first
// workload still without a result.
func bootOnce(ctx context.Context, k contract.Kernel, initrd string, n, start int, o Options, out []Result) int {
	s := &session{workloads: o.Workloads, out: out, cur: -1, next: start, lastEvent: time.Now()}
	var mu sync.Mutex
	judge := func(l qemu.Line) bool {
		mu.Lock()
		defer mu.Unlock()
		return s.feed(l)
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hung := make(chan string, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			mu.Lock()
			limit := o.WorkloadTimeout + o.Grace
			if !s.runner {
				limit = o.BootTimeout
			}
			idle := time.Since(s.lastEvent)
			mu.Unlock()
			if idle > limit {
				hung <- fmt.Sprintf("no runner line for %s", idle.Round(time.Second))
				cancel()
				return
			}
		}
	}()
	logDir := o.LogDir
	if logDir == "" {
		logDir = o.BuildDir
	}
	log := filepath.Join(logDir, fmt.Sprintf("%s-boot%d.log", k.Name, n))
	cfg := qemu.Config{
		Kernel:  k.Path,
		Initrd:  initrd,
		Append:  strings.TrimSpace(fmt.Sprintf("console=ttyS0 rdinit=/init loglevel=1 panic=-1 %s stress_start=%d stress_timeout=%d", o.Append, start, int(o.WorkloadTimeout/time.Second))),
		Memory:  o.Memory,
		Timeout: 24 * time.Hour, // the watchdog above bounds every phase
		LogFile: log,
		SMP:     o.SMP,
	}
	if o.SMP > 1 {
		cfg.MultiThreadTCG = true
	}
	res, err := o.boot(bctx, cfg, judge)
	mu.Lock()
	defer mu.Unlock()
	if s.done {
		return len(out)
	}
	why := ""
	select {
	case h := <-hung:
		why = "the kernel stopped responding: " + h
	default:
		switch {
		case s.panicLine != "":
			why = "kernel died: " + s.panicLine
		case err != nil:
			why = err.Error()
		case res != nil:
			why = fmt.Sprintf("QEMU exited with %d before the suite finished", res.ExitCode)
		}
	}
	fmt.Fprintf(o.Out, "stress: %s boot %d (from %s): %s; serial log %s\n", k.Name, n, o.Workloads[start], why, log)
	if !s.runner {
		for i := start; i < len(out); i++ {
			out[i] = Result{Status: Crash, Detail: []string{k.Name + " never started the runner: " + why}}
		}
		return start
	}
	if s.cur >= 0 {
		r := &out[s.cur]
		r.Status = Crash
		if strings.HasPrefix(why, "the kernel stopped") {
			r.Status = Hang
		}
		r.Detail = append(r.Detail, why)
		return s.cur + 1
	}
	if s.next < len(out) {
		// Died between workloads: blame the next one.
		out[s.next] = Result{Status: Crash, Detail: []string{why + " (between workloads)"}}
		return s.next + 1
	}
	return len(out)
}
