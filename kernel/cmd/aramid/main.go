// Command aramid is the kernel. It is an ordinary linux/amd64 Go program: the
// nucleus (platform/x64/nucleus) boots the machine and runs the Go runtime
// at ring 0 beneath it, and this program is the kernel proper.
package main

import (
	"os"
	"runtime"
	"time"

	"aramid/kernel/cmdline"
	"aramid/kernel/klog"
	"aramid/kernel/selftest"
	"aramid/kernel/task"
	"aramid/platform/x64/nucleus"
)

// Version is the kernel release string.
const Version = "0.1.0"

func sinceBoot() time.Duration { return time.Duration(nucleus.SinceBoot()) }

func main() {
	log := klog.New(os.Stdout, sinceBoot)
	log.Ring = klog.NewRing(1024) // /dev/kmsg: the newest kernel log records
	info := nucleus.MachineInfo()
	cfg := cmdline.Parse(info.CommandLine)
	if cfg.ConsoleLevel >= 0 || cfg.IgnoreLogLevel {
		level := cfg.ConsoleLevel
		if level < 0 {
			level = klog.DefaultConsoleLevel
		}
		log.SetConsoleLevel(level, cfg.IgnoreLogLevel)
	}

	log.Noticef("Aramid %s (%s, stock runtime at ring 0), booted via %s", Version, runtime.Version(), info.BootProtocol)
	log.Noticef("Command line: %s", info.CommandLine)
	log.Infof("CPU: %d MHz TSC, XCR0 %#x (XSAVE area %d bytes), SMEP %v, SMAP %v",
		info.TSCHz/1e6, info.XCR0, info.XSaveSize, info.SMEP, info.SMAP)
	task.SetCPU(task.CPU{XCR0: info.XCR0, FPUSize: int(info.XSaveSize), HWCap2: nucleus.HWCap2()})
	inUse, free := nucleus.MemStats()
	log.Infof("Memory: %d KiB available, kernel image %d KiB, %d KiB allocated at main, %d KiB free",
		info.MemoryTotal>>10, info.ImageSize>>10, inUse>>10, free>>10)
	if rd := nucleus.Initrd(); rd != nil {
		log.Infof("initrd: %d bytes", len(rd))
	}

	switch cfg.TestFault {
	case "":
	case "pagefault":
		log.Alertf("aramid.testfault=pagefault: writing to unmapped kernel address %#x", uintptr(nucleus.UnmappedKernelAddress))
		nucleus.FaultOnPurpose()
	case "nucleus":
		log.Alertf("aramid.testfault=nucleus: system call with an unmapped pointer")
		nucleus.FaultInNucleus()
	default:
		log.Warnf("aramid.testfault=%s: unknown fault kind, ignored", cfg.TestFault)
	}

	probeDevices(log)

	if cfg.SelfTest {
		env := &selftest.Env{Clock: sinceBoot, MemoryLimit: info.MemoryTotal}
		log.Infof("aramid.selftest=1: running %d in-kernel checks", len(selftest.Checks()))
		_, failed := selftest.Run(os.Stdout, env, selftest.Checks())
		inUse, _ := nucleus.MemStats()
		log.Infof("selftest done: %d KiB allocated, %d timer ticks", inUse>>10, nucleus.Ticks())
		if failed != 0 {
			os.Exit(1)
		}
		os.Exit(0)
	}

	cmdlineText = info.CommandLine
	// The Go heap shares physical memory with user programs: the watchdog
	// keeps it inside the memory they may not take.
	startWatchdog(log)
	if err := userland(log, cfg, nucleus.Initrd()); err != nil {
		log.Emergf("Kernel panic - not syncing: %v", err)
		os.Exit(1)
	}
}
