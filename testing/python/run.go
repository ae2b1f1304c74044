package python

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"aramid/testing/qemu"
)

// BootFunc boots once; tests replace QEMU with it.
type BootFunc func(ctx context.Context, c qemu.Config, judge qemu.Judge) (*qemu.Result, error)

// RunConfig is what every boot of one kernel shares.
type RunConfig struct {
	Name        string // "linux", "aramid"
	Kernel      string // -kernel
	Initrd      string
	Append      string // base command line; pystart=N is added
	Memory      string
	QEMU        string
	Modules     []Module
	BootTimeout time.Duration // limit to reach the runner's READY
	Grace       time.Duration // on top of a module's own timeout
	LogDir      string        // serial logs <name>-boot<N>.log
	Progress    io.Writer
	Boot        BootFunc // default qemu.Run
}

// KernelRun is everything one kernel did.
type KernelRun struct {
	Name    string
	Modules []*ModuleResult // by index; never nil after RunKernel
	Boots   int
	Wall    time.Duration // sum of the boots' QEMU wall time
}

// RunKernel boots the kernel until every module has run, crashed or hung:
// after a crash or a watchdog stop the next boot starts after the module
// that was running. A boot that never reaches the runner ends the run.
func RunKernel(ctx context.Context, rc RunConfig) *KernelRun {
	boot := rc.Boot
	if boot == nil {
		boot = qemu.Run
	}
	kr := &KernelRun{Name: rc.Name, Modules: make([]*ModuleResult, len(rc.Modules))}
	start := 0
	for n := 0; start < len(rc.Modules) && ctx.Err() == nil; n++ {
		p, res, err := bootOnce(ctx, rc, boot, n, start)
		kr.Boots++
		if res != nil {
			kr.Wall += res.Elapsed
		}
		for idx, m := range p.Modules {
			if idx >= 0 && idx < len(kr.Modules) && m.End == EndDone {
				kr.Modules[idx] = m
			}
		}
		why := describe(p, res, err)
		progressf(rc.Progress, "python: %s boot %d from module %d: %s\n", rc.Name, n, start, why)
		if p.Done {
			break
		}
		if !p.RunnerSeen {
			for i := start; i < len(kr.Modules); i++ {
				kr.Modules[i] = &ModuleResult{Index: i, Name: rc.Modules[i].Name, End: EndCrash, RC: -1, Boot: n,
					Note: "the runner never started: " + why, Tests: map[string]Status{}}
			}
			break
		}
		end := EndCrash
		if res != nil && res.TimedOut {
			end = EndTimeout
		}
		if p.Current >= 0 {
			m := p.Modules[p.Current]
			m.End, m.Note = end, why
			if p.Current < len(kr.Modules) {
				kr.Modules[p.Current] = m
			}
			start = p.Current + 1
		} else if p.LastEnded >= start {
			start = p.LastEnded + 1
		} else {
			kr.Modules[start] = &ModuleResult{Index: start, Name: rc.Modules[start].Name, End: end, RC: -1, Boot: n,
				Note: why + " before the module began", Tests: map[string]Status{}}
			start++
		}
	}
	for i, m := range kr.Modules {
		if m == nil {
			kr.Modules[i] = &ModuleResult{Index: i, Name: rc.Modules[i].Name, End: EndNotRun, RC: -1,
				Note: "the run stopped before it", Tests: map[string]Status{}}
		}
	}
	return kr
}

func progressf(w io.Writer, format string, a ...any) {
	if w != nil {
		fmt.Fprintf(w, format, a...)
	}
}

func describe(p *Parser, res *qemu.Result, err error) string {
	switch {
	case p.Done:
		return "suite done"
	case res != nil && res.TimedOut:
		return "stopped by the watchdog (" + p.watchdog + ")"
	case err != nil:
		return err.Error()
	case res != nil:
		s := fmt.Sprintf("QEMU exited %d before the suite finished", res.ExitCode)
		if st, ok := qemu.DebugExitStatus(res.ExitCode); ok && res.ExitCode != 0 {
			s += fmt.Sprintf(" (isa-debug-exit status %d)", st)
		}
		return s
	}
	return "no result"
}

// bootOnce boots from module start. A watchdog stops QEMU when the runner
// is not up within BootTimeout or a module outlives its timeout plus Grace
// (regrtest's own --timeout should have ended it first), and says so.
func bootOnce(ctx context.Context, rc RunConfig, boot BootFunc, n, start int) (*Parser, *qemu.Result, error) {
	p := NewParser(n)
	var mu sync.Mutex
	began := time.Now()
	cur := -2
	judge := func(l qemu.Line) bool {
		mu.Lock()
		defer mu.Unlock()
		stop := p.Feed(l.Text)
		if p.Current != cur {
			cur, began = p.Current, time.Now()
		}
		return stop
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			mu.Lock()
			var limit time.Duration
			what := ""
			switch {
			case !p.RunnerSeen:
				limit, what = rc.BootTimeout, "the runner did not start"
			case p.Current >= 0 && p.Current < len(rc.Modules):
				m := rc.Modules[p.Current]
				limit = time.Duration(m.Timeout)*time.Second + rc.Grace
				what = fmt.Sprintf("module %s ran longer than %v", m.Name, limit)
			default:
				limit, what = rc.Grace, "nothing ran between modules"
			}
			if time.Since(began) > limit {
				p.watchdog = what
				mu.Unlock()
				progressf(rc.Progress, "python: %s: WATCHDOG: %s; stopping QEMU\n", rc.Name, what)
				cancel()
				return
			}
			mu.Unlock()
		}
	}()
	cfg := qemu.Config{
		Binary:  rc.QEMU,
		Kernel:  rc.Kernel,
		Initrd:  rc.Initrd,
		Append:  fmt.Sprintf("%s pystart=%d", rc.Append, start),
		Memory:  rc.Memory,
		Timeout: 48 * time.Hour, // the watchdog bounds every phase
	}
	if rc.LogDir != "" {
		cfg.LogFile = filepath.Join(rc.LogDir, fmt.Sprintf("%s-boot%d.log", rc.Name, n))
	}
	res, err := boot(bctx, cfg, judge)
	mu.Lock()
	defer mu.Unlock()
	return p, res, err
}
