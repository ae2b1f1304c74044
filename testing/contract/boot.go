package contract

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"aramid/testing/qemu"
)

// Kernel is one kernel under test.
type Kernel struct {
	Name string // "linux", "aramid"
	Path string // image passed to -kernel
	// Append is kernel parameters for this kernel alone, put before the
	// shared command line.
	Append string
}

// BootConfig holds what every boot of the suite shares.
type BootConfig struct {
	QEMU        string        // QEMU binary, default qemu-system-x86_64
	Initrd      string        // the suite's initramfs
	Memory      string        // guest RAM, e.g. "256M"
	Append      string        // base kernel command line
	TestTimeout time.Duration // runner's per-test limit
	BootTimeout time.Duration // limit to reach the runner
	Grace       time.Duration // extra time beyond TestTimeout before the harness gives up
	LogDir      string        // serial logs go here as <kernel>-boot<N>.log
	Progress    io.Writer     // progress lines, may be nil
	// Disk, if set, is a raw disk image attached to every boot as the
	// first virtio-blk disk, with snapshot=on: each boot starts from the
	// same bytes and writes never reach the file.
	Disk string
	// SMP, if above 1, boots every kernel with that many CPUs, each on its
	// own host thread (multi-threaded TCG).
	SMP int
	// CPU, if set, is the QEMU -cpu model every boot gets (default: QEMU
	// package's, "max"), e.g. qemu64 for a CPU without XSAVE.
	CPU string
	// NIC, if set, is the MAC address of a virtio-net NIC every boot gets
	// on QEMU's user network with restrict=on (nothing leaves the host;
	// no port is forwarded): eth0 on both kernels. It sits in PCI slot 5,
	// whose interrupt link the firmware routes to IRQ 10 while the disk's
	// slot 3 gets 11: Linux's ACPI link balancing then keeps the
	// firmware's lines, which Aramid reports.
	NIC string
	// FSDisk, if set, is a raw disk image attached after Disk, without
	// snapshot: writes reach the file (the filesystem family's disk).
	FSDisk string
}

// BootFunc boots once and feeds serial lines to judge; ctx cancellation must
// stop the boot. It exists so tests can replace QEMU.
type BootFunc func(ctx context.Context, c qemu.Config, judge qemu.Judge) (*qemu.Result, error)

// RunKernel runs the whole suite on k, booting again after every crash or
// hang, and returns one outcome per test index. It never fails: whatever the
// kernel does becomes outcomes (CRASH, TIMEOUT) with a note.
func RunKernel(ctx context.Context, k Kernel, names []string, bc BootConfig, boot BootFunc) []*Outcome {
	if boot == nil {
		boot = qemu.Run
	}
	out := make([]*Outcome, len(names))
	start := 0
	retried := false
	for n := 0; start < len(names); n++ {
		p, res, err := bootOnce(ctx, k, n, start, bc, boot)
		if !p.RunnerSeen && p.Panic == "" && !retried && ctx.Err() == nil {
			// A boot that died before PID 1 ran (once in CI: a silent exit
			// during early boot) gets one more try, announced, so a rare
			// early-boot failure shows up without sinking the whole suite.
			// A second failure is reported as the crash it is.
			retried = true
			progressf(bc.Progress, "contracts: %s boot %d died before the runner started (%s); booting once more (QEMU CPU log in %s)\n",
				k.Name, n, bootSummary(p, res, err), bc.LogDir)
			continue
		}
		for idx, o := range p.Outcomes {
			if idx >= 0 && idx < len(out) && o.End != "" {
				out[idx] = o
			}
		}
		next, stop := settle(p, res, err, start, len(names), out, k)
		progressf(bc.Progress, "contracts: %s boot %d: tests %d..%d, %s\n", k.Name, n, start, next-1, bootSummary(p, res, err))
		if stop || ctx.Err() != nil {
			break
		}
		start = next
	}
	for i := range out {
		if out[i] == nil {
			out[i] = &Outcome{End: "crash", Note: "not run: the suite stopped before it"}
		}
	}
	return out
}

func progressf(w io.Writer, format string, a ...any) {
	if w != nil {
		fmt.Fprintf(w, format, a...)
	}
}

func bootSummary(p *Parser, res *qemu.Result, err error) string {
	switch {
	case p.Done:
		return "suite done"
	case p.Panic != "":
		return "kernel panic: " + p.Panic
	case err != nil:
		return err.Error()
	case res != nil:
		return fmt.Sprintf("QEMU exited %d before the suite finished", res.ExitCode)
	}
	return "no result"
}

// settle turns an interrupted boot into outcomes and picks the next start
// index. stop reports that booting again is pointless (the kernel never
// reached the runner, or the suite is done).
func settle(p *Parser, res *qemu.Result, err error, start, total int, out []*Outcome, k Kernel) (next int, stop bool) {
	if p.Done {
		return total, true
	}
	why := "QEMU exited"
	if res != nil && res.ExitCode >= 0 {
		why = fmt.Sprintf("QEMU exited with %d", res.ExitCode)
		if st, ok := qemu.DebugExitStatus(res.ExitCode); ok && res.ExitCode != 0 {
			why += fmt.Sprintf(" (isa-debug-exit status %d)", st)
		}
	}
	end := "crash"
	if p.Panic != "" {
		why = "kernel panic: " + p.Panic
	} else if res != nil && res.TimedOut {
		why = "kernel stopped responding (harness watchdog)"
		end = "timeout"
	} else if err != nil && res == nil {
		why = err.Error()
	}
	if !p.RunnerSeen {
		for i := start; i < total; i++ {
			out[i] = &Outcome{End: "crash", Boot: p.Boot,
				Note: fmt.Sprintf("%s never started the runner (/init): %s", k.Name, why)}
		}
		return total, true
	}
	if p.Current >= 0 {
		o := p.Outcomes[p.Current]
		o.End, o.Note = end, why
		out[p.Current] = o
		return p.Current + 1, false
	}
	if p.LastEnded >= start {
		return p.LastEnded + 1, false
	}
	// The runner started but no test began: blame the first one.
	out[start] = &Outcome{End: "crash", Boot: p.Boot, Note: why + " before the test began"}
	return start + 1, false
}

// bootOnce boots k once starting at test index start. A watchdog cancels the
// boot when the runner does not appear within BootTimeout or a test runs
// longer than TestTimeout+Grace (the runner itself should have killed it).
func bootOnce(ctx context.Context, k Kernel, n, start int, bc BootConfig, boot BootFunc) (*Parser, *qemu.Result, error) {
	p := NewParser(n)
	var mu sync.Mutex
	lastEvent, events := time.Now(), 0
	judge := func(l qemu.Line) bool {
		mu.Lock()
		defer mu.Unlock()
		stop := p.Feed(l.Text)
		if p.Events != events {
			events, lastEvent = p.Events, time.Now()
		}
		return stop
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			mu.Lock()
			limit := bc.TestTimeout + bc.Grace
			if !p.RunnerSeen {
				limit = bc.BootTimeout
			}
			idle := time.Since(lastEvent)
			mu.Unlock()
			if idle > limit {
				cancel()
				return
			}
		}
	}()
	cfg := qemu.Config{
		Binary:  bc.QEMU,
		Kernel:  k.Path,
		Initrd:  bc.Initrd,
		Append:  fmt.Sprintf("%s contract_start=%d contract_timeout=%d", strings.TrimSpace(k.Append+" "+bc.Append), start, int(bc.TestTimeout/time.Second)),
		Memory:  bc.Memory,
		Timeout: 24 * time.Hour, // the watchdog above bounds every phase
		SMP:     bc.SMP,
		CPU:     bc.CPU,
		// Multi-threaded TCG only with several CPUs: one CPU boots as before.
		MultiThreadTCG: bc.SMP > 1,
	}
	if bc.Disk != "" {
		cfg.Args = append(cfg.Args, "-drive", "file="+bc.Disk+",format=raw,if=virtio,snapshot=on")
	}
	if bc.NIC != "" {
		cfg.Args = append(cfg.Args, "-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0,addr=5,mac="+bc.NIC)
	}
	if bc.FSDisk != "" {
		cfg.Args = append(cfg.Args, "-drive", "file="+bc.FSDisk+",format=raw,if=virtio")
	}
	if bc.LogDir != "" {
		cfg.LogFile = filepath.Join(bc.LogDir, fmt.Sprintf("%s-boot%d.log", k.Name, n))
		cfg.CPULogFile = filepath.Join(bc.LogDir, fmt.Sprintf("%s-boot%d.cpu.log", k.Name, n))
	}
	res, err := boot(bctx, cfg, judge)
	mu.Lock()
	defer mu.Unlock()
	return p, res, err
}
