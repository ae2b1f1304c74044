package nucleus

import "sync/atomic"

// The console is the first 16550 UART (COM1). Output is polled so that it
// works from any context, before and beneath the runtime; input is
// interrupt-driven into a ring buffer (see serialInterrupt).

const (
	com1      = 0x3f8
	uartData  = com1 + 0
	uartIER   = com1 + 1
	uartFCR   = com1 + 2
	uartLCR   = com1 + 3
	uartMCR   = com1 + 4
	uartLSR   = com1 + 5
	lsrTHRE   = 0x20
	lsrDR     = 0x01
	rxBufSize = 4096
)

var (
	consoleLock spinlock
	rxBuf       [rxBufSize]byte
	rxHead      uint32 // next byte to read
	rxTail      uint32 // next free slot
)

//go:nosplit
func serialInit() {
	outb(uartIER, 0)    // no interrupts while configuring
	outb(uartLCR, 0x80) // DLAB: divisor follows
	outb(uartData, 1)   // 115200 baud
	outb(uartIER, 0)
	outb(uartLCR, 0x03) // 8N1
	outb(uartFCR, 0xC7) // FIFOs on, cleared, 14-byte threshold
	outb(uartMCR, 0x0B) // DTR, RTS, OUT2 (routes the IRQ)
}

//go:nosplit
func serialEnableRx() {
	outb(uartIER, 0x01) // received-data interrupt
}

//go:nosplit
func putc(c byte) {
	if c == '\n' {
		putcRaw('\r')
	}
	putcRaw(c)
}

//go:nosplit
func putcRaw(c byte) {
	for i := 0; i < 1<<20 && inb(uartLSR)&lsrTHRE == 0; i++ {
		pause()
	}
	outb(uartData, c)
}

// serialInterrupt drains the UART into the receive ring (bytes beyond the
// ring's capacity are dropped, like a UART overrun).
//
//go:nosplit
func serialInterrupt() {
	consoleLock.lock()
	for inb(uartLSR)&lsrDR != 0 {
		c := inb(uartData)
		if rxTail-rxHead < rxBufSize {
			rxBuf[rxTail%rxBufSize] = c
			atomic.StoreUint32(&rxTail, rxTail+1)
		}
	}
	consoleLock.unlock()
}

// consoleWrite writes n bytes at addr to the console.
//
//go:nosplit
func consoleWrite(addr uintptr, n uintptr) {
	consoleLock.lock()
	for i := uintptr(0); i < n; i++ {
		putc(*ptr8(addr + i))
	}
	consoleLock.unlock()
}

// Printing helpers for the nucleus's own messages. They take no lock: the
// nucleus prints with interrupts disabled, and on one CPU that is exclusive.

//go:nosplit
func print(s string) {
	for i := 0; i < len(s); i++ {
		putc(s[i])
	}
}

//go:nosplit
func printHex(v uint64) {
	putc('0')
	putc('x')
	started := false
	for shift := 60; shift >= 0; shift -= 4 {
		d := byte(v>>uint(shift)) & 0xf
		if d != 0 || started || shift == 0 {
			started = true
			putc("0123456789abcdef"[d])
		}
	}
}

// printHex16 prints v as 16 zero-padded hex digits.
//
//go:nosplit
func printHex16(v uint64) {
	for shift := 60; shift >= 0; shift -= 4 {
		putc("0123456789abcdef"[byte(v>>uint(shift))&0xf])
	}
}

//go:nosplit
func printDec(v uint64) {
	printDecPad(v, 1, ' ')
}

// printDecPad prints v in decimal, padded on the left to width with pad.
//
//go:nosplit
func printDecPad(v uint64, width int, pad byte) {
	var buf [32]byte // indexed with &31: no bounds checks
	n := uint(0)
	for {
		buf[n&31] = byte('0' + v%10)
		n++
		v /= 10
		if v == 0 {
			break
		}
	}
	for k := int(n); k < width; k++ {
		putc(pad)
	}
	for n > 0 {
		n--
		putc(buf[n&31])
	}
}

// printStamp prints a Linux-style boot-log timestamp: "[    1.234567] ".
//
//go:nosplit
func printStamp() {
	ns := uint64(sinceBoot())
	putc('[')
	printDecPad(ns/1e9, 5, ' ')
	putc('.')
	printDecPad(ns/1e3%1e6, 6, '0')
	putc(']')
	putc(' ')
}

// logf-style helpers: a timestamped line with an optional value.

//go:nosplit
func logLine(s string) {
	if !bootInfoShown {
		return
	}
	printStamp()
	print(s)
	putc('\n')
}

//go:nosplit
func logHex(s string, v uint64) {
	if !bootInfoShown {
		return
	}
	printStamp()
	print(s)
	printHex(v)
	putc('\n')
}

//go:nosplit
func logDec(s string, v uint64, unit string) {
	if !bootInfoShown {
		return
	}
	printStamp()
	print(s)
	printDec(v)
	print(unit)
	putc('\n')
}

// spinlock is an interrupt-safe lock. lock disables interrupts (nucleus code
// already runs with them off; Go code calling into the nucleus does not) and
// unlock restores the holder's interrupt flag, so a lock holder can never be
// preempted by this CPU's timer and spun on by the next thread.
type spinlock struct {
	v     uint32
	flags uint64 // RFLAGS of the holder at lock time
}

//go:nosplit
func (l *spinlock) lock() {
	flags := readRFLAGS()
	cli()
	for lockXchg(&l.v) != 0 {
		for atomic.LoadUint32(&l.v) != 0 {
			pause()
		}
	}
	l.flags = flags
}

//go:nosplit
func (l *spinlock) unlock() {
	flags := l.flags
	atomic.StoreUint32(&l.v, 0)
	if flags&rflagsIF != 0 {
		sti()
	}
}
