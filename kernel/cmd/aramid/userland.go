package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/cmdline"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/klog"
	"aramid/kernel/syscalls"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
	"aramid/platform/x64"
	"aramid/platform/x64/nucleus"
)

// userland builds the Linux personality (VFS with the initramfs as root,
// devices, the process table and system calls) and runs PID 1. It returns
// only if PID 1 cannot be started.
func userland(log *klog.Logger, cfg cmdline.Config, initrd []byte) error {
	clock := func() time.Time { return time.Now() }
	serial := &x64.Serial{}
	console := newRawConsole(serial)
	devs := &devices{console: console}
	root := tmpfs.New(tmpfs.Options{Clock: clock, Dev: abi.MakeDev(0, 1), Mode: 0o755})
	v := vfs.New(root, vfs.Options{Clock: clock, Devices: devs})
	v.RegisterFilesystem("tmpfs", func(source string, flags uint32, data string) (vfs.Filesystem, error) {
		return tmpfs.New(tmpfs.Options{Clock: clock, Dev: abi.MakeDev(0, nextAnonDev())}), nil
	})

	if len(initrd) > 0 {
		start := time.Now()
		n, err := unpackInitramfs(v, initrd)
		if err != nil {
			return fmt.Errorf("initramfs: %w", err)
		}
		log.Printf("initramfs: unpacked %d entries (%d bytes) in %v", n, len(initrd), time.Since(start).Round(time.Millisecond))
	}

	k := task.NewKernel(x64.Platform{})
	k.Logf = log.Printf
	k.Monotonic = sinceBoot
	sys := syscalls.New(k, syscalls.Config{VFS: v, Hostname: "(none)",
		Random: nucleus.Random, HWCap: cpuHWCap()})
	sys.Trace = cfg.Params["aramid.strace"] == "1"
	k.TraceFaults = cfg.Params["aramid.faulttrace"] == "1"

	exited := make(chan uint32, 1)
	k.InitExited = func(status uint32) { exited <- status }

	t, err := k.NewInit()
	if err != nil {
		return err
	}
	sys.SetupInit(t.TG())
	if err := openConsoleFDs(sys, t, console); err != nil {
		return err
	}
	env := []string{"HOME=/", "TERM=linux"}
	var tried []string
	candidates := []string{cfg.RDInit}
	if cfg.Init != "" {
		candidates = append(candidates, cfg.Init)
	}
	candidates = append(candidates, "/sbin/init", "/etc/init", "/bin/init", "/bin/sh")
	started := false
	for _, path := range candidates {
		if path == "" {
			continue
		}
		argv := append([]string{path}, cfg.InitArgs...)
		if err := sys.Exec(t, nil, path, argv, env, 0); err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", path, err))
			continue
		}
		log.Printf("Run %s as init process", path)
		started = true
		break
	}
	if !started {
		return fmt.Errorf("no working init found (tried %v)", tried)
	}
	t.Start()
	status := <-exited
	code := int(status>>8) & 0xff
	if status&0x7f != 0 {
		code = 128 + int(status&0x7f)
		log.Printf("init killed by signal %d", status&0x7f)
	} else {
		log.Printf("init exited with status %d", code)
	}
	os.Exit(code)
	return nil
}

var (
	anonMu  sync.Mutex
	anonDev uint32 = 1
)

func nextAnonDev() uint32 {
	anonMu.Lock()
	defer anonMu.Unlock()
	anonDev++
	return anonDev
}

// openConsoleFDs gives PID 1 its stdin, stdout and stderr on the console,
// through /dev/console when the initramfs has it, as Linux does.
func openConsoleFDs(sys *syscalls.System, t *task.Task, console *rawConsole) error {
	ft := t.TG().Files.(*vfs.FDTable)
	for i := 0; i < 3; i++ {
		f := vfs.NewFile(console, nil, vfs.Path{}, abi.O_RDWR)
		if _, err := ft.Install(f, false, int32(i)); err != nil {
			return err
		}
	}
	return nil
}

func cpuHWCap() uint64 { return nucleus.HWCap() }
