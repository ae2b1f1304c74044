package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/block"
	"aramid/kernel/cmdline"
	"aramid/kernel/cpuinfo"
	"aramid/kernel/fs/cgroupfs"
	"aramid/kernel/fs/devfs"
	"aramid/kernel/fs/ext4"
	"aramid/kernel/fs/mqueue"
	"aramid/kernel/fs/notify"
	"aramid/kernel/fs/nsfs"
	"aramid/kernel/fs/procfs"
	"aramid/kernel/fs/sysfs"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/initramfs"
	"aramid/kernel/klog"
	"aramid/kernel/pipe"
	"aramid/kernel/socket/unix"
	"aramid/kernel/syscalls"
	"aramid/kernel/task"
	"aramid/kernel/tty"
	"aramid/kernel/vdso"
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
	var k *task.Kernel // set below; the terminal signals through it
	console := tty.New(serialPort{serial}, tty.Options{
		Signal: func(pgid int32, sig abi.Signal) { k.SendToGroup(pgid, sig) },
		Baud:   abi.B115200,
	})
	serial.Start(console.Receive)

	devs := devfs.NewRegistry()
	if err := devfs.RegisterMem(devs, devfs.MemOptions{Random: randomReader{}, Kmsg: func(p []byte) {
		// Linux keeps a record's "<N>" priority as its level and prints
		// the text alone.
		prio, text := devfs.KmsgRecord(p, log.DefaultMessageLevel())
		log.Console(prio&7, text)
	}, Log: log.Ring, Since: sinceBoot, DefaultLevel: log.DefaultMessageLevel, MayRead: func(c *vfs.Caller) error {
		return log.SyslogAllowed(klog.ActionReadAll, klog.Caps{Syslog: c.Capable(abi.CAP_SYSLOG), SysAdmin: c.Capable(abi.CAP_SYS_ADMIN)})
	}}); err != nil {
		return err
	}
	// The serial console is ttyS0 and /dev/console; /dev/tty (registered
	// once the ptys exist) is each session's controlling terminal.
	for _, d := range [][2]uint32{{devfs.TTYAuxMajor, devfs.ConsoleMinor}, {devfs.TTYMajor, devfs.TTYS0Minor}} {
		if err := devs.RegisterChar(d[0], d[1], console); err != nil {
			return err
		}
	}

	blk := setupBlock(log, devs)

	k = task.NewKernel(x64.Platform{})
	// File pages mapped MAP_SHARED move into frames the address spaces share.
	// rootfs is a tmpfs of Linux's default size, half of RAM, enforced as
	// Linux enforces it (a program writing or fallocating in / cannot run
	// the kernel out of memory).
	ramTotal, _ := memory()
	root := tmpfs.New(tmpfs.Options{Clock: clock, Dev: abi.MakeDev(0, 1), Mode: 0o755, Name: "rootfs", Pages: k.Frames,
		TotalBlocks: ramTotal / 2 / tmpfs.PageSize, Limit: true})
	v := vfs.New(root, vfs.Options{Clock: clock, Devices: devs, FIFOs: pipe.NewFIFOs()})
	v.RegisterFilesystem("tmpfs", func(source string, flags uint32, data string) (vfs.Filesystem, error) {
		total, _ := memory()
		// Linux's default size is half of RAM.
		o := tmpfs.Options{Clock: clock, Dev: abi.MakeDev(0, nextAnonDev()), Pages: k.Frames,
			TotalBlocks: total / 2 / tmpfs.PageSize, Limit: true}
		if err := tmpfsOptions(&o, data); err != nil {
			return nil, err
		}
		return tmpfs.New(o), nil
	})
	ptys, err := setupPtys(devs, v, clock, func(pgid int32, sig abi.Signal) { k.SendToGroup(pgid, sig) })
	if err != nil {
		return err
	}
	if err := devs.RegisterChar(devfs.TTYAuxMajor, devfs.TTYMinor, devfs.DeviceFunc(func(c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
		return tty.OpenControlling(append(ptys.Terminals(), console), c, in, flags)
	})); err != nil {
		return err
	}
	v.RegisterFilesystem("devtmpfs", func(source string, flags uint32, data string) (vfs.Filesystem, error) {
		return blk.newDevtmpfs(clock, abi.MakeDev(0, nextAnonDev()))
	})

	// Linux's built-in initramfs (/dev, /dev/console, /root) comes first,
	// with or without an image from the boot loader.
	if err := initramfs.UnpackBuiltin(v, vfs.NewFSContext(v.Root()), "/"); err != nil {
		return fmt.Errorf("built-in initramfs: %w", err)
	}
	if len(initrd) > 0 {
		start := time.Now()
		if err := initramfs.Unpack(v, vfs.NewFSContext(v.Root()), "/", initrd); err != nil {
			return fmt.Errorf("initramfs: %w", err)
		}
		log.Infof("initramfs: unpacked %d bytes in %v", len(initrd), time.Since(start).Round(time.Millisecond))
		initrd = nil
		log.Infof("Freeing initrd memory: %dK", nucleus.FreeInitrd()>>10)
	}

	k.Log = log.Log
	k.Memory = memory
	k.Reclaim = reclaimKernel
	k.MemoryLow = memoryLow
	k.Monotonic = sinceBoot
	useTSCClockForNet()
	oomKernel.Store(k)
	vdsoMap, err := newVDSO(k)
	if err != nil {
		return fmt.Errorf("vdso: %w", err)
	}
	sys := syscalls.New(k, syscalls.Config{VFS: v, Hostname: "(none)",
		Random: randomBytes, HWCap: cpuHWCap(), NewPipe: pipe.NewPair, VDSO: vdsoMap.Map,
		Memory: memory, Log: log,
		Terminals: func() []*tty.TTY { return append(ptys.Terminals(), console) },
		SetRealtime: func(unixNs int64) {
			vdsoMap.SetWord(2, uint64(nucleus.SetWallTime(unixNs))) // x64.VVar's word 2: wall time at zero
		},
		Reboot: func(a syscalls.RebootAction) {
			if a == syscalls.RebootRestart {
				log.Emergf("reboot: Restarting system")
				nucleus.Reset()
			}
			log.Emergf("reboot: Power down")
			os.Exit(0)
		}})
	sys.Trace = cfg.Params["aramid.strace"] == "1"
	bootID := newUUID()
	cgroups := cgroupfs.New(cgroupfs.Options{Clock: clock, Dev: abi.MakeDev(0, nextAnonDev()),
		Alive: func(pid int32) bool { g := k.Group(pid); return g != nil && !g.Zombie() },
		Threads: func(pid int32) []int32 {
			var tids []int32
			if g := k.Group(pid); g != nil {
				for _, t := range g.Tasks() {
					tids = append(tids, t.ID)
				}
			}
			return tids
		}})
	v.RegisterFilesystem("cgroup2", cgroups.Factory())
	k.ProcessForked = cgroups.Fork
	k.ProcessExited = cgroups.Exit
	sysFS := sysfs.New(sysfs.Options{Clock: clock, Dev: abi.MakeDev(0, nextAnonDev()), Uevent: emitUevent, UeventSeqnum: ueventSeqnum, CPUs: nucleus.NumCPUs()})
	blk.attachSysfs(sysFS)
	diskFilesystems["ext4"] = func(dev block.Device, rdev uint64, flags uint32, data string) (vfs.Filesystem, error) {
		fs, err := ext4.MountFS(dev, flags, data, clock)
		if err != nil {
			return nil, err
		}
		fs.SetDevNumber(rdev)
		fs.SetPageSource(k.Frames) // MAP_SHARED pages in frames the address spaces share
		return fs, nil
	}
	blk.registerDiskFilesystems(v)
	v.RegisterFilesystem("sysfs", func(string, uint32, string) (vfs.Filesystem, error) { return sysFS, nil })
	if err := addNetSysfs(sysFS, sys.NetStack()); err != nil {
		return err
	}
	attachNICs(log, sys.NetStack(), sysFS)
	nsFS := nsfs.NewFS(clock, abi.MakeDev(0, nextAnonDev()))
	nsFS.Install = sys.InstallFor
	nsFS.SetMount(v.DetachedMount(nsFS))
	mq := mqueue.New(clock, abi.MakeDev(0, nextAnonDev()))
	sys.SetMqueue(mq)
	v.RegisterFilesystem("mqueue", func(string, uint32, string) (vfs.Filesystem, error) { return mq, nil })
	tunables := map[string]procfs.Tunable{
		"kernel/printk":         {Get: log.Printk, Set: log.SetPrintk},
		"kernel/dmesg_restrict": {Get: log.DmesgRestrict, Set: log.SetDmesgRestrict},
		"fs/pipe-max-size":      {Get: pipe.MaxSizeText, Set: pipe.SetMaxSize},
	}
	for k, tu := range netTunables(sys.NetStack()) {
		tunables[k] = tu
	}
	for k, tu := range notify.Tunables() {
		tunables[k] = procfs.Tunable{Get: tu.Get, Set: tu.Set}
	}
	// The message-queue limits keep procfs's plain-value convention: the
	// file adds the newline, a write arrives trimmed.
	for k, tu := range mq.ProcTunables() {
		get, set := tu.Get, tu.Set
		tunables[k] = procfs.Tunable{Get: func() string { return get() + "\n" },
			Set: func(s string) error { return set(strings.TrimSpace(s)) }}
	}
	v.RegisterFilesystem("proc", func(source string, flags uint32, data string) (vfs.Filesystem, error) {
		return procfs.New(procfs.Options{Kernel: k, VFS: v, Clock: clock, Uptime: sinceBoot,
			Dev: abi.MakeDev(0, nextAnonDev()), Memory: memory, Release: syscalls.Release,
			Version: "Linux version " + syscalls.Release + " (aramid) #1 SMP Aramid", Cmdline: cmdlineText,
			BootID: bootID, Hostname: sys.Hostname, CPUInfo: cpuinfoText(), UUID: newUUID, Cgroup: cgroups.CgroupOf,
			CPUIdle:     func(i int) time.Duration { return time.Duration(nucleus.CPUIdle(i)) },
			UnixSockets: func() []unix.Info { return sys.UnixNamespace().Sockets() }, Net: sys.NetStack(),
			Tunables: tunables, NSFS: nsFS, Namespaces: sys.Namespaces, Partitions: blk.layer.ProcPartitions,
			DiskFilesystems: diskFSNames}), nil
	})
	k.TraceFaults = cfg.Params["aramid.faulttrace"] == "1"

	exited := make(chan uint32, 1)
	k.InitExited = func(status uint32) { exited <- status }

	t, err := k.NewInit()
	if err != nil {
		return err
	}
	sys.SetupInit(t.TG())
	openConsoleFDs(v, t, log)
	rdinit, err := blk.prepareRoot(log, cfg, v, t.TG().FS.(*vfs.FSContext))
	if err != nil {
		return err
	}
	env := []string{"HOME=/", "TERM=linux"}
	var tried []string
	candidates := []string{rdinit}
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
		log.Infof("Run %s as init process", path)
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
		log.Infof("init killed by signal %d", status&0x7f)
	} else {
		log.Infof("init exited with status %d", code)
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

// openConsoleFDs gives PID 1 its stdin, stdout and stderr on
// /dev/console, as Linux does; without the node (the initramfs lacks it)
// PID 1 starts with no descriptors, also as on Linux.
func openConsoleFDs(v *vfs.VFS, t *task.Task, log *klog.Logger) {
	ft := t.TG().Files.(*vfs.FDTable)
	c := &vfs.Caller{}
	f, err := v.OpenAt(c, t.TG().FS.(*vfs.FSContext), nil, "/dev/console", abi.O_RDWR, 0)
	if err != nil {
		log.Errorf("Warning: unable to open an initial console: %v", err)
		return
	}
	ft.Install(f, false, 0)
	ft.Dup(0, 1, false)
	ft.Dup(0, 2, false)
}

func cpuHWCap() uint64 { return nucleus.HWCap() }

// newVDSO builds the vDSO from the platform's code and clock parameters.
func newVDSO(k *task.Kernel) (*vdso.Mapper, error) {
	img, err := vdso.Build(x64.VDSOCode(), []vdso.Function{
		{Names: []string{"__vdso_clock_gettime", "clock_gettime"}, Offset: x64.VDSOSlotClockGettime},
		{Names: []string{"__vdso_gettimeofday", "gettimeofday"}, Offset: x64.VDSOSlotGettimeofday},
		{Names: []string{"__vdso_time", "time"}, Offset: x64.VDSOSlotTime},
		{Names: []string{"__vdso_getcpu", "getcpu"}, Offset: x64.VDSOSlotGetcpu},
	})
	if err != nil {
		return nil, err
	}
	vv := x64.VVar()
	return vdso.NewMapper(k.Frames, img, vv[:])
}

// tmpfsOptions applies tmpfs's mount options (mode=, uid=, gid=; size=
// and nr_blocks= are enforced, nr_inodes= is accepted and not).
func tmpfsOptions(o *tmpfs.Options, data string) error {
	for _, kv := range strings.Split(data, ",") {
		k, v, _ := strings.Cut(kv, "=")
		var err error
		var n uint64
		switch k {
		case "mode":
			n, err = strconv.ParseUint(v, 8, 32)
			o.Mode = uint32(n) & 0o7777 // (mode=0 keeps the default: tmpfs reads 0 as 01777)
		case "uid":
			n, err = strconv.ParseUint(v, 10, 32)
			o.UID = uint32(n)
		case "gid":
			n, err = strconv.ParseUint(v, 10, 32)
			o.GID = uint32(n)
		case "size":
			total, _ := memory()
			n, err = tmpfs.ParseSize(v, total)
			o.TotalBlocks = n / tmpfs.PageSize
		case "nr_blocks":
			n, err = tmpfs.ParseCount(v)
			o.TotalBlocks = n
		case "nr_inodes":
			n, err = tmpfs.ParseCount(v)
			o.TotalFiles = n
		}
		if err != nil {
			return abi.EINVAL
		}
	}
	return nil
}

// serialPort adapts the serial console to the terminal's port.
type serialPort struct{ s *x64.Serial }

func (p serialPort) Write(b []byte) { p.s.Write(b) }

// cmdlineText is the kernel command line, for /proc/cmdline.
var cmdlineText string

func memory() (total, free uint64) {
	inUse, free := nucleus.MemStats()
	return inUse + free, free
}

func newUUID() string {
	var b [16]byte
	randomBytes(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func cpuinfoText() string {
	info := nucleus.MachineInfo()
	return cpuinfo.Text(cpuinfo.Machine{CPUID: nucleus.CPUID, XCR0: info.XCR0, TSCHz: info.TSCHz, CPUs: nucleus.NumCPUs()})
}

// randomReader reads the kernel's random source (random.go).
type randomReader struct{}

func (randomReader) Read(p []byte) (int, error) {
	randomBytes(p)
	return len(p), nil
}

// setupPtys makes /dev/ptmx hand out pseudo-terminals whose slaves appear
// in the devpts filesystem (one instance, however often it is mounted, as
// Linux's without newinstance).
func setupPtys(devs *devfs.Registry, v *vfs.VFS, clock func() time.Time, signal func(int32, abi.Signal)) (*tty.Ptys, error) {
	pts := tmpfs.New(tmpfs.Options{Clock: clock, Dev: abi.MakeDev(0, nextAnonDev()), Mode: 0o755,
		Name: "devpts", Magic: 0x1cd1})
	root := pts.Root()
	dir := root.Ops.(vfs.DirOps)
	if _, err := dir.Create(root, "ptmx", vfs.CreateArgs{Mode: abi.S_IFCHR | 0o666,
		Rdev: abi.MakeDev(devfs.TTYAuxMajor, devfs.PtmxMinor)}); err != nil {
		return nil, err
	}
	ptys := tty.NewPtys(tty.Options{Signal: signal})
	ptys.Created = func(p *tty.Pty) error {
		name := strconv.Itoa(p.Index)
		if err := devs.RegisterChar(devfs.PtySlaveMajor, uint32(p.Index), devfs.DeviceFunc(p.OpenSlave)); err != nil {
			return err
		}
		_, err := dir.Create(root, name, vfs.CreateArgs{Mode: abi.S_IFCHR | 0o620, GID: 5, // tty
			Rdev: abi.MakeDev(devfs.PtySlaveMajor, uint32(p.Index))})
		if err != nil {
			devs.UnregisterChar(devfs.PtySlaveMajor, uint32(p.Index))
		}
		return err
	}
	ptys.Released = func(p *tty.Pty) {
		name := strconv.Itoa(p.Index)
		if in, err := dir.Lookup(root, name); err == nil {
			dir.Remove(root, name, in)
		}
		devs.UnregisterChar(devfs.PtySlaveMajor, uint32(p.Index))
	}
	if err := devs.RegisterChar(devfs.TTYAuxMajor, devfs.PtmxMinor, ptys); err != nil {
		return nil, err
	}
	v.RegisterFilesystem("devpts", func(source string, flags uint32, data string) (vfs.Filesystem, error) {
		return pts, nil
	})
	return ptys, nil
}
