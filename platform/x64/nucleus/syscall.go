package nucleus

import (
	"sync/atomic"
	"unsafe"
)

// The system calls the Go runtime makes of its kernel, serviced at ring 0.
// The caller is the runtime itself, so pointers are trusted to be kernel
// addresses; a first touch of a committed page faults in on demand.

// Linux errno values used here.
const (
	errEPERM     = 1
	errENOENT    = 2
	errESRCH     = 3
	errEINTR     = 4
	errEBADF     = 9
	errEAGAIN    = 11
	errENOMEM    = 12
	errEFAULT    = 14
	errENODEV    = 19
	errEINVAL    = 22
	errEMFILE    = 24
	errENOTTY    = 25
	errESPIPE    = 29
	errENOSYS    = 38
	errETIMEDOUT = 110
)

// Linux x86-64 system call numbers the nucleus implements.
const (
	sysRead             = 0
	sysWrite            = 1
	sysOpen             = 2
	sysClose            = 3
	sysMmapNr           = 9
	sysMprotectNr       = 10
	sysMunmapNr         = 11
	sysRtSigaction      = 13
	sysRtSigprocmask    = 14
	sysRtSigreturn      = 15
	sysIoctl            = 16
	sysSchedYield       = 24
	sysMadviseNr        = 28
	sysNanosleep        = 35
	sysGetpid           = 39
	sysClone            = 56
	sysExit             = 60
	sysKill             = 62
	sysUname            = 63
	sysFcntl            = 72
	sysGettimeofday     = 96
	sysGetuid           = 102
	sysGetgid           = 104
	sysGeteuid          = 107
	sysGetegid          = 108
	sysGetppid          = 110
	sysSigaltstackNr    = 131
	sysPrctl            = 157
	sysArchPrctl        = 158
	sysGettid           = 186
	sysTkill            = 200
	sysTime             = 201
	sysFutex            = 202
	sysSchedSetaffinity = 203
	sysSchedGetaffinity = 204
	sysEpollWait        = 232
	sysEpollCtl         = 233
	sysClockGettime     = 228
	sysClockGetres      = 229
	sysClockNanosleep   = 230
	sysExitGroup        = 231
	sysTgkill           = 234
	sysOpenat           = 257
	sysReadlinkat       = 267
	sysEpollPwait       = 281
	sysEventfd          = 284
	sysEventfd2         = 290
	sysEpollCreate1     = 291
	sysPrlimit64        = 302
	sysGetrandom        = 318
	sysEpollPwait2      = 441
	maxSyscall          = 512
)

var reportedENOSYS [maxSyscall / 64]uint64

// syscall is called by syscallEntry with the caller's registers in f; the
// result goes back in f.rax.
//
//go:nosplit
func syscall(f *trapFrame) {
	n, a0, a1, a2 := f.rax, f.rdi, f.rsi, f.rdx
	r := dispatch(f)
	if traceSyscalls {
		printStamp()
		print("nucleus: tid ")
		printDec(uint64(current().tid))
		print(" syscall ")
		printDec(n)
		putc('(')
		printHex(a0)
		putc(',')
		printHex(a1)
		putc(',')
		printHex(a2)
		print(") = ")
		printHex(uint64(r))
		putc('\n')
	}
	if n != sysRtSigreturn {
		f.rax = uint64(r)
	}
}

// traceSyscalls logs every runtime system call (command line:
// nucleus.trace=1); for debugging the runtime-nucleus contract.
var traceSyscalls bool

//go:nosplit
func dispatch(f *trapFrame) int64 {
	a0, a1, a2, a3, a4, a5 := f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9
	switch f.rax {
	case sysRead:
		return sysReadImpl(a0, a1, a2)
	case sysWrite:
		return sysWriteImpl(a0, a1, a2)
	case sysOpen, sysOpenat, sysReadlinkat:
		return -errENOENT // the runtime probes /sys and /proc files; none exist here
	case sysClose:
		return fdClose(int64(a0))
	case sysMmapNr:
		return sysMmap(a0, a1, a2, a3, a4, a5)
	case sysMunmapNr:
		return sysMunmap(a0, a1)
	case sysMprotectNr:
		return sysMprotect(a0, a1, a2)
	case sysMadviseNr:
		return sysMadvise(a0, a1, a2)
	case sysRtSigaction:
		return sysSigaction(a0, a1, a2, a3)
	case sysRtSigprocmask:
		return sysSigprocmask(a0, a1, a2, a3)
	case sysRtSigreturn:
		sysSigreturn(f)
		return 0 // f holds the restored context, rax included
	case sysSigaltstackNr:
		return sysSigaltstack(a0, a1)
	case sysIoctl:
		return -errENOTTY
	case sysSchedYield:
		yield()
		return 0
	case sysNanosleep:
		return sleepFor(a0, a1)
	case sysClockNanosleep:
		if a1&1 != 0 { // TIMER_ABSTIME
			return sleepUntil(a0, a2)
		}
		return sleepFor(a2, a3)
	case sysGetpid, sysGetppid:
		return 1
	case sysGettid:
		return int64(current().tid)
	case sysGetuid, sysGetgid, sysGeteuid, sysGetegid:
		return 0
	case sysClone:
		return sysCloneImpl(f)
	case sysExit:
		threadExit()
		return 0
	case sysExitGroup:
		powerOff(int(a0 & 0xff))
		return 0
	case sysKill, sysTkill, sysTgkill:
		sig := a1
		if f.rax == sysTgkill {
			sig = a2
		}
		return raise(sig)
	case sysUname:
		return sysUnameImpl(a0)
	case sysFcntl:
		return fdFcntl(int64(a0), a1)
	case sysArchPrctl:
		return sysArchPrctlImpl(a0, a1)
	case sysPrctl:
		return -errEINVAL
	case sysFutex:
		return sysFutexImpl(a0, a1, a2, a3)
	case sysSchedSetaffinity:
		// The runtime never pins its threads; this is MoveTo.
		return migrateTo(a1)
	case sysSchedGetaffinity:
		if a1 < 8 {
			return -errEINVAL
		}
		*ptr64(uintptr(a2)) = 1<<atomic.LoadUint32(&cpusRunning) - 1 // every CPU that runs threads
		return 8
	case sysClockGettime:
		return clockGettime(a0, a1)
	case sysClockGetres:
		if a1 != 0 {
			*ptr64(uintptr(a1)) = 0
			*ptr64(uintptr(a1) + 8) = 1
		}
		return 0
	case sysGettimeofday:
		if a0 != 0 {
			ns := wallBase + sinceBoot()
			*ptr64(uintptr(a0)) = uint64(ns / 1e9)
			*ptr64(uintptr(a0) + 8) = uint64(ns % 1e9 / 1e3)
		}
		return 0
	case sysTime:
		s := (wallBase + sinceBoot()) / 1e9
		if a0 != 0 {
			*ptr64(uintptr(a0)) = uint64(s)
		}
		return s
	case sysEventfd, sysEventfd2:
		return eventfdCreate(a0)
	case sysEpollCreate1:
		return epollCreate()
	case sysEpollCtl:
		return epollCtl(int64(a0), a1, int64(a2), a3)
	case sysEpollWait, sysEpollPwait:
		return epollWait(int64(a0), a1, a2, int64(int32(a3)))
	case sysEpollPwait2:
		ms := int64(-1)
		if a3 != 0 {
			ms = int64(*ptr64(uintptr(a3)))*1000 + int64(*ptr64(uintptr(a3) + 8))/1e6
		}
		return epollWait(int64(a0), a1, a2, ms)
	case sysGetrandom:
		return getrandom(a0, a1)
	case sysPrlimit64:
		return -errENOSYS
	}
	n := f.rax
	if n < maxSyscall && reportedENOSYS[n/64]&(1<<(n%64)) == 0 {
		reportedENOSYS[n/64] |= 1 << (n % 64)
		printStamp()
		print("nucleus: syscall ")
		printDec(n)
		print(" not implemented (ENOSYS)\n")
	}
	return -errENOSYS
}

//go:nosplit
func sysWriteImpl(fd, buf, n uint64) int64 {
	if fd <= 2 {
		consoleWrite(uintptr(buf), uintptr(n))
		return int64(n)
	}
	return eventfdWrite(int64(fd), buf, n)
}

//go:nosplit
func sysReadImpl(fd, buf, n uint64) int64 {
	if fd == 0 {
		return consoleRead(buf, n)
	}
	return eventfdRead(int64(fd), buf, n)
}

// consoleRead returns what the serial receive ring holds (at least one byte:
// it blocks until input arrives).
//
//go:nosplit
func consoleRead(buf, n uint64) int64 {
	for {
		consoleLock.lock()
		tail := rxTail
		var i uint64
		for ; i < n && rxHead != rxTail; i++ {
			*ptr8(uintptr(buf + i)) = rxBuf[rxHead%rxBufSize]
			rxHead++
		}
		consoleLock.unlock()
		if i > 0 {
			return int64(i)
		}
		// The serial interrupt advances rxTail before its wake.
		blockIf(uintptr(unsafe.Pointer(&rxHead)), 0, &rxTail, tail)
	}
}

//go:nosplit
func sysArchPrctlImpl(code, addr uint64) int64 {
	const archSetFS, archGetFS = 0x1002, 0x1003
	switch code {
	case archSetFS:
		if addr >= 1<<47 && addr < 0xffff800000000000 {
			return -errEPERM // non-canonical
		}
		current().fsBase = addr
		thisCPU().fsBase = addr
		wrmsr(msrFSBase, addr)
		return 0
	case archGetFS:
		*ptr64(uintptr(addr)) = current().fsBase
		return 0
	}
	return -errEINVAL
}

//go:nosplit
func sysUnameImpl(buf uint64) int64 {
	fields := [6]string{"Linux", "aramid", "6.1.0-aramid", "#1 SMP Aramid", "x86_64", "(none)"}
	for i, s := range fields {
		p := uintptr(buf) + uintptr(i)*65
		memzero(p, 65)
		for j := 0; j < len(s) && j < 64; j++ {
			*ptr8(p + uintptr(j)) = s[j]
		}
	}
	return 0
}

//go:nosplit
func getrandom(buf, n uint64) int64 {
	var i uint64
	for i < n {
		v, ok := rdrand()
		if !ok {
			v = rdtsc() * 0x9e3779b97f4a7c15
		}
		for k := 0; k < 8 && i < n; k++ {
			*ptr8(uintptr(buf + i)) = byte(v >> (8 * uint(k)))
			i++
		}
	}
	return int64(n)
}

// Clocks.

//go:nosplit
func clockGettime(clk, ts uint64) int64 {
	var ns int64
	switch clk {
	case 0, 5, 8, 11: // REALTIME, REALTIME_COARSE, REALTIME_ALARM, TAI
		ns = wallBase + sinceBoot()
	case 1, 2, 3, 4, 6, 7, 9: // MONOTONIC, *_CPUTIME (approximated), RAW, COARSE, BOOTTIME, BOOTTIME_ALARM
		ns = sinceBoot()
	default:
		return -errEINVAL
	}
	*ptr64(uintptr(ts)) = uint64(ns / 1e9)
	*ptr64(uintptr(ts) + 8) = uint64(ns % 1e9)
	return 0
}

//go:nosplit
func timespecNs(ts uint64) int64 {
	return int64(*ptr64(uintptr(ts)))*1e9 + int64(*ptr64(uintptr(ts) + 8))
}

//go:nosplit
func sleepFor(req, rem uint64) int64 {
	d := timespecNs(req)
	if d < 0 {
		return -errEINVAL
	}
	if d == 0 {
		return 0
	}
	return sleepDeadline(sinceBoot() + d)
}

//go:nosplit
func sleepUntil(clk, req uint64) int64 {
	t := timespecNs(req)
	if clk == 0 || clk == 5 || clk == 11 {
		t -= wallBase
	}
	return sleepDeadline(t)
}

//go:nosplit
func sleepDeadline(deadline int64) int64 {
	for sinceBoot() < deadline {
		block(0, deadline)
	}
	return 0
}

// Futexes: waiters block on the futex word's address.

//go:nosplit
func sysFutexImpl(addr, op, val, timeout uint64) int64 {
	const futexWait, futexWake, futexWaitBitset, futexWakeBitset = 0, 1, 9, 10
	const futexPrivate, futexClockRealtime = 128, 256
	cmd := op &^ (futexPrivate | futexClockRealtime)
	switch cmd {
	case futexWait, futexWaitBitset:
		if *ptr32(uintptr(addr)) != uint32(val) {
			return -errEAGAIN
		}
		deadline := int64(0)
		if timeout != 0 {
			d := timespecNs(timeout)
			if cmd == futexWaitBitset { // absolute
				deadline = d
				if op&futexClockRealtime != 0 {
					deadline -= wallBase
				}
			} else {
				deadline = sinceBoot() + d
			}
			if deadline <= 0 {
				deadline = 1
			}
		}
		// The value is checked again under schedLock, where a waker on
		// another CPU cannot slip between the check and the sleep.
		switch blockIf(uintptr(addr), deadline, ptr32(uintptr(addr)), uint32(val)) {
		case wakeNone:
			return -errEAGAIN
		case wakeTimeout:
			return -errETIMEDOUT
		}
		return 0
	case futexWake, futexWakeBitset:
		return int64(wake(uintptr(addr), int(val)))
	}
	return -errENOSYS
}

// Threads.

//go:nosplit
func sysCloneImpl(f *trapFrame) int64 {
	const cloneVM, cloneSetTLS = 0x100, 0x80000
	flags := f.rdi
	if flags&cloneVM == 0 {
		return -errEINVAL // processes are the kernel's business, not the nucleus's
	}
	idx := newThread()
	if idx < 0 {
		return -errEAGAIN
	}
	t := threadAt(idx)
	frame := prepareStack(t, threadStartAddr(), true)
	memcopy(frame, uintptr(unsafe.Pointer(f)), unsafe.Sizeof(trapFrame{}))
	child := (*trapFrame)(unsafe.Pointer(frame))
	child.rax = 0
	if f.rsi != 0 {
		child.rsp = f.rsi
	}
	t.fsBase = current().fsBase
	if flags&cloneSetTLS != 0 {
		t.fsBase = f.r8
	}
	t.sigmask = current().sigmask
	tid := t.tid
	schedLock.lock()
	enqueue(idx)
	schedLock.unlock()
	return int64(tid)
}

// threadExit ends the calling thread; its slot and stack are reused later.
//
//go:nosplit
func threadExit() {
	schedLock.lock()
	current().state = threadDead
	schedule()
	fatal("dead thread scheduled")
}

// raise handles kill/tkill/tgkill from the runtime. Preemption and profiling
// signals are not needed (async preemption is off); anything else is the
// runtime asking to die.
//
//go:nosplit
func raise(sig uint64) int64 {
	switch sig {
	case 0, 23, 27, 26: // probe, SIGURG, SIGPROF, SIGVTALRM
		return 0
	}
	printStamp()
	print("nucleus: runtime raised signal ")
	printDec(sig)
	putc('\n')
	powerOff(int(128 + sig&0x7f))
	return 0
}
