package nucleus

import "math/bits"

// Time: the TSC, calibrated once against the PIT, is the clock; the local
// APIC timer, calibrated against the TSC, ticks at tickHz to drive sleeps and
// preemption. Wall-clock time is the CMOS RTC read once at boot.

const (
	tickHz       = 1000
	tickNs       = 1e9 / tickHz
	sliceNs      = 10e6
	pitHz        = 1193182
	calibrateMs  = 20
	lapicDefault = 0xfee00000

	lapicID     = 0x020
	lapicEOI    = 0x0b0
	lapicSVR    = 0x0f0
	lapicLVTT   = 0x320
	lapicTICR   = 0x380
	lapicTCCR   = 0x390
	lapicTDCR   = 0x3e0
	lvtPeriodic = 1 << 17
	lvtMasked   = 1 << 16
)

var (
	tscBoot   uint64 // TSC at nucleus entry: time zero of the boot log
	tscHz     uint64
	tscMult   uint64 // ns = (ticks * tscMult) >> 32
	lapicBase uintptr
	wallBase  int64 // Unix ns at tscBoot
)

// sinceBoot returns nanoseconds since nucleus entry (0 before calibration,
// which makes early boot-log lines read 0.000000 as Linux's do).
//
//go:nosplit
func sinceBoot() int64 {
	if tscMult == 0 {
		return 0
	}
	return tscToNs(rdtsc() - tscBoot)
}

// tscToNs converts a TSC interval to nanoseconds.
//
//go:nosplit
func tscToNs(ticks uint64) int64 {
	hi, lo := bits.Mul64(ticks, tscMult)
	return int64(hi<<32 | lo>>32)
}

// calibrateTSC measures the TSC against PIT channel 2. It does not time a
// window by polling for its end: under TCG on a busy host the virtual CPU
// is often descheduled as a window runs out and sees the end late, which
// made the clock run at half speed (the stress suite saw TSC rates from 2.0
// to 3.9 GHz on a 2.1 GHz host, and sleeps and timers last up to twice as
// long in real time). Instead it reads the PIT's count and the TSC together
// at both ends of a window, as close as it can (pitSample), so a late look
// costs nothing: the count says how much PIT time really passed. The
// median of three such windows is kept.
//
//go:nosplit
func calibrateTSC() {
	// Three good windows (no arrays: an index would bring a bounds check
	// into the nucleus).
	var h0, h1, h2 uint64
	n := 0
	for try := 0; n < 3 && try < 12; try++ {
		h := pitRate()
		if h == 0 {
			continue
		}
		switch n {
		case 0:
			h0 = h
		case 1:
			h1 = h
		default:
			h2 = h
		}
		n++
	}
	switch n {
	case 0:
		tscHz = 1e9 // no PIT: assume 1 GHz rather than divide by zero
	case 1:
		tscHz = h0
	case 2:
		tscHz = min(h0, h1)
	default:
		tscHz = max(min(h0, h1), min(max(h0, h1), h2)) // the median
	}
	tscMult = div64(1e9<<32, tscHz) // 1e9<<32 < 2^64
	if tscMult == 0 {
		tscMult = 1
	}
}

// pitSample reads PIT channel 2's count between two TSC reads and returns
// the count, their midpoint and their distance (how exact the pairing is).
// The best of three is kept.
//
//go:nosplit
func pitSample() (count uint64, tsc uint64, span uint64) {
	for i := 0; i < 3; i++ {
		a := rdtsc()
		outb(0x43, 0x80) // latch channel 2
		lo := uint64(inb(0x42))
		hi := uint64(inb(0x42))
		b := rdtsc()
		if i == 0 || b-a < span {
			count, tsc, span = hi<<8|lo, a+(b-a)/2, b-a
		}
	}
	return
}

// pitRate measures one window of about calibrateMs on PIT channel 2 (mode
// 0 from 0xffff, about 55 ms before it wraps) and returns the TSC rate in
// Hz, or 0 when the window cannot be trusted (the count wrapped, or a
// sample's two TSC reads lie far apart).
//
//go:nosplit
func pitRate() uint64 {
	const ticks = pitHz * calibrateMs / 1000
	gate := inb(0x61)
	outb(0x61, (gate&^0x02)|0x01) // speaker off, gate on
	outb(0x43, 0xB0)              // channel 2, lobyte/hibyte, mode 0
	outb(0x42, 0xff)
	outb(0x42, 0xff)
	c0, t0, s0 := pitSample()
	c1, t1, s1 := c0, t0, s0
	for i := 0; i < 1<<30 && c0-c1 < ticks; i++ {
		if inb(0x61)&0x20 != 0 {
			break // OUT2 high: the count ran out
		}
		if c, t, s := pitSample(); c <= c0 {
			c1, t1, s1 = c, t, s
		}
	}
	wrapped := inb(0x61)&0x20 != 0
	outb(0x61, gate)
	d := c0 - c1
	if wrapped || d < ticks || t1 <= t0 {
		return 0
	}
	// Each end is known to within its span; refuse a window whose ends
	// are fuzzier than a hundredth of it.
	if (s0+s1)*100 > t1-t0 {
		return 0
	}
	return div64((t1-t0)*pitHz, d)
}

//go:nosplit
func lapicRead(reg uintptr) uint32 { return *ptr32(lapicBase + reg) }

//go:nosplit
func lapicWrite(reg uintptr, v uint32) { *ptr32(lapicBase + reg) = v }

//go:nosplit
func lapicEOIWrite() { lapicWrite(lapicEOI, 0) }

// lapicInit enables the local APIC and starts its timer in periodic mode at
// tickHz, after measuring its rate against the TSC.
//
//go:nosplit
func lapicInit() {
	phys := uintptr(rdmsr(0x1b)) &^ 0xfff
	if phys == 0 {
		phys = lapicDefault
	}
	wrmsr(0x1b, uint64(phys)|1<<11) // global enable
	lapicBase = phys + directMapBase
	lapicWrite(lapicSVR, 0x100|vectorSpur)
	lapicWrite(lapicTDCR, 0x3) // divide by 16
	lapicWrite(lapicLVTT, lvtMasked|vectorTimer)
	lapicWrite(lapicTICR, 0xffffffff)
	start := rdtsc()
	wait := tscHz / 100 // 10 ms
	for rdtsc()-start < wait {
	}
	counted := 0xffffffff - lapicRead(lapicTCCR)
	perTick := uint64(counted) * 100 / tickHz
	if perTick == 0 {
		perTick = 1
	}
	lapicPerTick = uint32(perTick)
	lapicWrite(lapicLVTT, lvtPeriodic|vectorTimer)
	lapicWrite(lapicTICR, lapicPerTick)
}

// maskPIC remaps the legacy 8259 PICs away from the exception vectors and
// masks every line: the local APIC delivers our interrupts.
//
//go:nosplit
func maskPIC() {
	outb(0x20, 0x11)
	outb(0xa0, 0x11)
	outb(0x21, 0x20)
	outb(0xa1, 0x28)
	outb(0x21, 4)
	outb(0xa1, 2)
	outb(0x21, 1)
	outb(0xa1, 1)
	outb(0x21, 0xff)
	outb(0xa1, 0xff)
}

//go:nosplit
func cmosRead(reg byte) byte {
	outb(0x70, reg)
	return inb(0x71)
}

//go:nosplit
func bcd(v byte, binary bool) int64 {
	if binary {
		return int64(v)
	}
	return int64(v>>4)*10 + int64(v&0xf)
}

// readRTC sets wallBase from the CMOS clock (UTC, as QEMU provides it).
//
//go:nosplit
func readRTC() {
	for i := 0; i < 1<<20 && cmosRead(0x0a)&0x80 != 0; i++ { // update in progress
	}
	status := cmosRead(0x0b)
	bin := status&0x04 != 0
	sec := bcd(cmosRead(0x00), bin)
	min := bcd(cmosRead(0x02), bin)
	hourRaw := cmosRead(0x04)
	pm := hourRaw&0x80 != 0
	hour := bcd(hourRaw&0x7f, bin)
	if status&0x02 == 0 && pm { // 12-hour mode
		hour = (hour % 12) + 12
	}
	day := bcd(cmosRead(0x07), bin)
	mon := bcd(cmosRead(0x08), bin)
	year := bcd(cmosRead(0x09), bin) + 2000
	days := daysFromCivil(year, mon, day)
	secs := days*86400 + hour*3600 + min*60 + sec
	wallBase = secs*1e9 - sinceBoot()
}

// daysFromCivil returns days since 1970-01-01 for a proleptic Gregorian date.
//
//go:nosplit
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
