// Package fuzz drives the random-system-call fuzzer (guest/fuzz.c, run as
// PID 1) on a kernel in QEMU. One boot runs both phases (root, then an
// unprivileged uid) with the requested seed; the driver watches the serial
// console for kernel panics, Go runtime crashes and handler panics, treats
// silence longer than the hang timeout as a hang, and checks that the
// guest's health check passed after each phase. Every failure names the
// seed, so the run replays.
package fuzz

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"aramid/testing/contract"
	"aramid/testing/qemu"
)

// Options configure one fuzzing boot.
type Options struct {
	Src      string // guest/fuzz.c
	BuildDir string // build/fuzz
	Kernel   string // kernel image
	Name     string // kernel name for logs (linux, aramid)
	Seed     uint64
	N        uint64 // calls per phase
	Procs    int    // worker processes (default 8)
	Threads  int    // threads per worker (default 4)
	Phases   string // "root,user" (default)
	Calls    string // comma-separated call names to restrict to (default all)
	Trace    bool   // workers log every call before making it (slow; for finding a culprit)
	Memory   string // QEMU -m (default 256M)
	// Hang is how long the console may stay silent (the guest prints
	// progress every second) before the run counts as hung. Default 60 s.
	Hang time.Duration
	// Timeout bounds the whole boot. Default: generous for N.
	Timeout time.Duration
	// Stuck is the guest's per-thread no-progress limit in seconds
	// (default 30): a thread stuck that long is reported and its worker
	// killed; if SIGKILL does not end the worker within 30 s, that is a hang.
	Stuck int
}

// Phase is one phase's summary line.
type Phase struct {
	Name    string
	Calls   uint64
	Seconds float64
	Rate    float64
	Deaths  int
	Stops   int
	Stuck   int
}

// Result is what one boot found.
type Result struct {
	Kernel   string
	Seed     uint64
	Phases   []Phase
	Health   []string // phases whose health check passed
	Done     bool     // the guest printed FUZZ DONE
	Panics   []string // kernel panic, Go runtime crash or handler panic lines
	Hang     string   // why the run counts as hung, if it does
	Stuck    []string // FUZZ stuck lines
	Failures []string // health failures and other guest-reported failures
	Notes    []string // internal errors and warnings worth reading
	ExitCode int
	Log      string // serial log path
	Elapsed  time.Duration
}

// OK reports whether the run passed: it finished, every health check
// passed, no panic, no hang. A stuck thread that SIGKILL ended is reported
// but does not fail the run: on a loaded host a starved guest thread can
// go that long without a call; one SIGKILL cannot end is a hang.
func (r *Result) OK() bool {
	return r.Done && len(r.Panics) == 0 && r.Hang == "" && len(r.Failures) == 0
}

// Calls is the total over the phases.
func (r *Result) Calls() uint64 {
	var n uint64
	for _, p := range r.Phases {
		n += p.Calls
	}
	return n
}

// Verdict is a one-line summary.
func (r *Result) Verdict() string {
	var parts []string
	for _, p := range r.Phases {
		parts = append(parts, fmt.Sprintf("%s %d calls in %.1f s (%.0f/s, %d deaths, %d stuck)", p.Name, p.Calls, p.Seconds, p.Rate, p.Deaths, p.Stuck))
	}
	status := "PASS"
	switch {
	case len(r.Panics) > 0:
		status = "FAIL (kernel panic: " + r.Panics[0] + ")"
	case r.Hang != "":
		status = "FAIL (hang: " + r.Hang + ")"
	case len(r.Failures) > 0:
		status = "FAIL (" + r.Failures[0] + ")"
	case !r.Done:
		status = fmt.Sprintf("FAIL (the guest did not finish; QEMU exit %d)", r.ExitCode)
	}
	if status == "PASS" && len(r.Stuck) > 0 {
		status = fmt.Sprintf("PASS (%d stuck threads killed and restarted)", len(r.Stuck))
	}
	return fmt.Sprintf("%s seed=%d: %s; %s", r.Kernel, r.Seed, status, strings.Join(parts, "; "))
}

// panicLine matches the console lines that mean the kernel (or, on Aramid,
// a system-call handler) crashed.
var panicLine = regexp.MustCompile(`KERNEL PANIC|kernel panic while handling|Kernel panic|^panic: |fatal error: |` +
	`BUG: |Oops: |general protection fault|unexpected fault address|runtime: `)

// noteLine matches lines worth a look that do not fail the run.
var noteLine = regexp.MustCompile(`internal error|WARNING: |out of memory`)

var phaseLine = regexp.MustCompile(`^FUZZ phase (\S+) calls=(\d+) seconds=([\d.]+) rate=(\d+) deaths=(\d+) .*stops=(\d+) stuck=(\d+)`)

// judge reads the console.
type judge struct {
	mu   sync.Mutex
	res  *Result
	last time.Time
}

func (j *judge) line(text string) {
	text = contract.StripEscapes(strings.TrimRight(text, "\r"))
	j.mu.Lock()
	defer j.mu.Unlock()
	j.last = time.Now()
	r := j.res
	i := strings.Index(text, "FUZZ ")
	guest := ""
	if i >= 0 {
		guest = text[i:]
	}
	switch {
	case strings.HasPrefix(guest, "FUZZ phase "):
		if m := phaseLine.FindStringSubmatch(guest); m != nil {
			p := Phase{Name: m[1]}
			p.Calls, _ = strconv.ParseUint(m[2], 10, 64)
			p.Seconds, _ = strconv.ParseFloat(m[3], 64)
			p.Rate, _ = strconv.ParseFloat(m[4], 64)
			p.Deaths, _ = strconv.Atoi(m[5])
			p.Stops, _ = strconv.Atoi(m[6])
			p.Stuck, _ = strconv.Atoi(m[7])
			r.Phases = append(r.Phases, p)
		}
	case strings.HasPrefix(guest, "FUZZ health ok phase="):
		r.Health = append(r.Health, strings.TrimPrefix(guest, "FUZZ health ok phase="))
	case strings.HasPrefix(guest, "FUZZ HEALTH FAIL"), strings.HasPrefix(guest, "FUZZ ERROR"):
		r.Failures = append(r.Failures, guest)
	case strings.HasPrefix(guest, "FUZZ HANG"):
		if r.Hang == "" {
			r.Hang = guest
		}
	case strings.HasPrefix(guest, "FUZZ stuck"):
		r.Stuck = append(r.Stuck, guest)
	case guest == "FUZZ DONE":
		r.Done = true
	case guest == "FUZZ FAILED":
		if len(r.Failures) == 0 && r.Hang == "" {
			r.Failures = append(r.Failures, "the guest reported FUZZ FAILED")
		}
	case guest != "":
	case panicLine.MatchString(text):
		if len(r.Panics) < 20 {
			r.Panics = append(r.Panics, text)
		}
	case noteLine.MatchString(text):
		if len(r.Notes) < 50 {
			r.Notes = append(r.Notes, text)
		}
	}
}

// Image builds the initramfs holding the fuzzer as /init.
func Image(ctx context.Context, src, buildDir string) (string, error) {
	if err := os.MkdirAll(buildDir, 0o755); err != nil {
		return "", fmt.Errorf("fuzz: %w", err)
	}
	cc := &contract.Compiler{CC: "musl-gcc", Include: filepath.Dir(src), CacheDir: filepath.Join(buildDir, "cache"), Jobs: 1}
	bin, err := cc.Compile(ctx, src)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("fuzz: %w", err)
	}
	var t contract.Tree
	if err := t.AddFile("init", 0o755, b); err != nil {
		return "", err
	}
	if err := t.AddCharDev("dev/console", 0o600, 5, 1); err != nil {
		return "", err
	}
	p := filepath.Join(buildDir, "fuzz.cpio")
	return p, t.WriteFile(p)
}

// Cmdline is the kernel command line of a run.
func (o *Options) Cmdline() string {
	c := fmt.Sprintf("console=ttyS0 panic=-1 fuzz.seed=%d fuzz.n=%d fuzz.procs=%d fuzz.threads=%d fuzz.stuck=%d",
		o.Seed, o.N, o.procs(), o.threads(), o.stuck())
	if o.Phases != "" {
		c += " fuzz.phases=" + o.Phases
	}
	if o.Calls != "" {
		c += " fuzz.calls=" + o.Calls
	}
	if o.Trace {
		c += " fuzz.trace=1"
	}
	return c
}

func (o *Options) procs() int   { return defInt(o.Procs, 8) }
func (o *Options) threads() int { return defInt(o.Threads, 4) }
func (o *Options) stuck() int   { return defInt(o.Stuck, 30) }

func defInt(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

// Run boots the kernel with the fuzzer image initrd and judges the run.
// The error is non-nil only when QEMU could not run at all.
func Run(ctx context.Context, o Options, initrd string) (*Result, error) {
	res := &Result{Kernel: o.Name, Seed: o.Seed, ExitCode: -1}
	res.Log = filepath.Join(o.BuildDir, fmt.Sprintf("%s-seed%d.log", o.Name, o.Seed))
	hang := o.Hang
	if hang == 0 {
		hang = 60 * time.Second
	}
	timeout := o.Timeout
	if timeout == 0 {
		// 2 phases at a pessimistic 200 calls per second (a loaded host),
		// plus boot: hangs are caught by the silence limit long before.
		timeout = time.Duration(o.N/200+300) * time.Second * 2
	}
	mem := o.Memory
	if mem == "" {
		mem = "256M"
	}
	j := &judge{res: res, last: time.Now()}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watch := make(chan struct{})
	go func() {
		defer close(watch)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				j.mu.Lock()
				silent := time.Since(j.last)
				if silent > hang && res.Hang == "" {
					res.Hang = fmt.Sprintf("no console output for %v", silent.Round(time.Second))
					j.mu.Unlock()
					cancel()
					return
				}
				j.mu.Unlock()
			}
		}
	}()
	q, err := qemu.Run(ctx, qemu.Config{
		Kernel: o.Kernel, Initrd: initrd, Append: o.Cmdline(), Memory: mem, Timeout: timeout, LogFile: res.Log,
	}, func(l qemu.Line) bool {
		j.line(l.Text)
		j.mu.Lock()
		defer j.mu.Unlock()
		return res.Done
	})
	cancel()
	<-watch
	j.mu.Lock()
	defer j.mu.Unlock()
	if q != nil {
		res.ExitCode = q.ExitCode
		res.Elapsed = q.Elapsed
		if q.TimedOut && res.Hang == "" {
			res.Hang = fmt.Sprintf("the boot did not finish within %v", timeout)
		}
	}
	if err != nil && q == nil {
		return res, err
	}
	return res, nil
}

// Replay is the command that repeats a run.
func (o *Options) Replay() string {
	s := fmt.Sprintf("make fuzz FUZZ_KERNELS=%s N=%d SEED=%d", o.Name, o.N, o.Seed)
	if o.Calls != "" {
		s += " FUZZ_FLAGS='-calls " + o.Calls + "'"
	}
	return s
}
