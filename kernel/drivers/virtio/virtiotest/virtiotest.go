// Package virtiotest simulates a virtio block device on a pcitest bus for
// host tests: a transitional virtio-blk PCI function (legacy I/O BAR 0,
// optionally the modern capabilities in 64-bit BAR 4, optionally MSI-X in
// BAR 1) that serves its queue from the fake machine's DMA memory,
// completing requests in batches and in reverse order, and interrupts by
// MSI-X or INTx.
package virtiotest

import (
	"encoding/binary"
	"sync"

	"aramid/kernel/drivers/pci"
	"aramid/kernel/drivers/pci/pcitest"
	"aramid/kernel/hw"
)

// Addresses the simulated device's BARs sit at.
const (
	IOBase     = 0xc000
	MSIXBase   = 0xfebf1000
	ModernBase = 0x8_0000_0000

	legacyQueueSize = 128
	modernQueueMax  = 256
)

// Options describe the simulated device.
type Options struct {
	Sectors  int // capacity in 512-byte sectors
	Modern   bool
	MSIX     bool
	IRQLine  int
	ReadOnly bool
	Flush    bool
	BlkSize  uint32 // offered with VIRTIO_BLK_F_BLK_SIZE when not 0
	// FailSector makes requests touching it fail with an I/O error (-1:
	// none).
	FailSector int64
	// QueueMax is the modern queue's maximum size (0: 256).
	QueueMax int
}

// Blk is the simulated device.
type Blk struct {
	o    Options
	fake *hw.Fake
	Fn   *pcitest.Function
	msix int // MSI-X capability offset

	mu          sync.Mutex
	disk        []byte
	status      uint8
	devFeatSel  uint32
	drvFeatSel  uint32
	drvFeatures uint64
	qsel        uint16
	q           queue
	cfgVector   uint16
	isr         uint8
	table       [8]uint32 // two MSI-X entries
	pending     []request
	flushes     int
	maxInFlight int
	requests    int
}

type queue struct {
	size               uint16
	desc, avail, used  uint64
	enabled            bool
	vector             uint16
	lastAvail, usedIdx uint16
}

type request struct {
	head  uint16
	descs []desc
}

type desc struct {
	addr  uint64
	len   uint32
	flags uint16
}

// New adds a virtio-blk function at addr of bus.
func New(fake *hw.Fake, bus *pcitest.Bus, addr pci.Address, o Options) *Blk {
	b := &Blk{o: o, fake: fake, disk: make([]byte, o.Sectors*512), cfgVector: 0xffff}
	b.q.vector = 0xffff
	f := pcitest.NewFunction(0x1af4, 0x1001, 0x010000, 0)
	f.Set16(0x2c, 0x1af4)
	f.Set16(0x2e, 2)
	f.Set8(0x3d, 1)
	f.Set8(0x3c, uint8(o.IRQLine))
	f.SetBAR(0, IOBase, 0x80, true, false, false)
	fake.HandlePorts(IOBase, 0x80, b)
	if o.MSIX {
		f.SetBAR(1, MSIXBase, 0x1000, false, false, false)
		b.msix = f.AddCap(pci.CapMSIX, []byte{1, 0, 1, 0, 0, 0, 1, 8, 0, 0})
		fake.HandleMMIO(MSIXBase, 0x1000, msixRegion{b})
	}
	if o.Modern {
		f.SetBAR(4, ModernBase, 0x4000, false, true, true)
		fake.HandleMMIO(ModernBase, 0x4000, modernRegion{b})
		vcap := func(typ uint8, off, length uint32, extra ...byte) {
			body := []byte{uint8(16 + len(extra)), typ, 4, 0, 0, 0}
			body = binary.LittleEndian.AppendUint32(body, off)
			body = binary.LittleEndian.AppendUint32(body, length)
			f.AddCap(pci.CapVendor, append(body, extra...))
		}
		vcap(1, 0, 0x38)
		vcap(3, 0x1000, 4)
		vcap(4, 0x2000, 0x20)
		vcap(2, 0x3000, 0x1000, 4, 0, 0, 0)
	}
	b.Fn = f
	bus.Add(addr, f)
	return b
}

// Disk returns a copy of the disk's contents.
func (b *Blk) Disk() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.disk...)
}

// SetDisk replaces the disk's contents.
func (b *Blk) SetDisk(p []byte) {
	b.mu.Lock()
	copy(b.disk, p)
	b.mu.Unlock()
}

// Stats returns the flushes served, the most requests that were in flight
// at once, and the requests served.
func (b *Blk) Stats() (flushes, maxInFlight, requests int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushes, b.maxInFlight, b.requests
}

// Status returns the device status register.
func (b *Blk) Status() uint8 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

func (b *Blk) features() uint64 {
	f := uint64(1<<2) | 1<<1 // SEG_MAX, SIZE_MAX
	if b.o.ReadOnly {
		f |= 1 << 5
	}
	if b.o.BlkSize != 0 {
		f |= 1 << 6
	}
	if b.o.Flush {
		f |= 1 << 9
	}
	if b.o.Modern {
		f |= 1 << 32
	}
	return f
}

func (b *Blk) msixOn() bool {
	return b.o.MSIX && b.Fn.Get16(b.msix+2)&0x8000 != 0
}

func (b *Blk) config(off int) uint64 {
	var c [0x20]byte
	binary.LittleEndian.PutUint64(c[0:], uint64(b.o.Sectors))
	binary.LittleEndian.PutUint32(c[8:], 1<<20)
	binary.LittleEndian.PutUint32(c[12:], 126)
	binary.LittleEndian.PutUint32(c[20:], b.o.BlkSize)
	if off < 0 || off+8 > len(c) {
		return 0
	}
	return binary.LittleEndian.Uint64(c[off:])
}

func (b *Blk) reset() {
	b.status, b.drvFeatures, b.isr = 0, 0, 0
	b.q = queue{vector: 0xffff}
	b.cfgVector = 0xffff
	b.pending = nil
}

func trunc(v uint64, size int) uint32 {
	if size == 4 {
		return uint32(v)
	}
	return uint32(v) & (1<<(8*uint(size)) - 1)
}

// PortIn implements hw.PortHandler: the legacy interface.
func (b *Blk) PortIn(port uint16, size int) uint32 {
	b.mu.Lock()
	defer b.mu.Unlock()
	off := int(port - IOBase)
	cfg := 0x14
	if b.msixOn() {
		cfg = 0x18
	}
	switch {
	case off == 0x00:
		return uint32(b.features())
	case off == 0x04:
		return uint32(b.drvFeatures)
	case off == 0x08:
		return uint32(b.q.desc >> 12)
	case off == 0x0c:
		return legacyQueueSize
	case off == 0x0e:
		return uint32(b.qsel)
	case off == 0x12:
		return uint32(b.status)
	case off == 0x13:
		v := b.isr
		b.isr = 0
		return uint32(v)
	case off == 0x14 && cfg == 0x18:
		return uint32(b.cfgVector)
	case off == 0x16 && cfg == 0x18:
		return uint32(b.q.vector)
	case off >= cfg:
		return trunc(b.config(off-cfg), size)
	}
	return 0
}

// PortOut implements hw.PortHandler.
func (b *Blk) PortOut(port uint16, size int, v uint32) {
	b.mu.Lock()
	off := int(port - IOBase)
	notify := false
	switch off {
	case 0x04:
		b.drvFeatures = uint64(v)
	case 0x08:
		if b.qsel == 0 {
			b.q.size = legacyQueueSize
			b.q.desc = uint64(v) << 12
			b.q.avail = b.q.desc + 16*legacyQueueSize
			b.q.used = (b.q.avail + 6 + 2*legacyQueueSize + 4095) &^ 4095
			b.q.enabled = v != 0
		}
	case 0x0e:
		b.qsel = uint16(v)
	case 0x10:
		notify = v == 0
	case 0x12:
		if v == 0 {
			b.reset()
		} else {
			b.status = uint8(v)
		}
	case 0x14:
		if b.msixOn() {
			b.cfgVector = uint16(v)
		}
	case 0x16:
		if b.msixOn() && b.qsel == 0 {
			b.q.vector = b.vectorOK(uint16(v))
		}
	}
	b.mu.Unlock()
	if notify {
		b.kick()
	}
}

// vectorOK accepts MSI-X entries the table has, as QEMU does.
func (b *Blk) vectorOK(v uint16) uint16 {
	if v < 2 {
		return v
	}
	return 0xffff
}

type modernRegion struct{ b *Blk }

func (m modernRegion) MMIORead(off uint64, size int) uint64 {
	b := m.b
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case off >= 0x3000:
		return 0
	case off >= 0x2000:
		return uint64(trunc(b.config(int(off-0x2000)), size))
	case off == 0x1000:
		v := b.isr
		b.isr = 0
		return uint64(v)
	}
	switch off {
	case 0:
		return uint64(b.devFeatSel)
	case 4:
		return uint64(uint32(b.features() >> (32 * uint64(b.devFeatSel&1))))
	case 8:
		return uint64(b.drvFeatSel)
	case 12:
		return uint64(uint32(b.drvFeatures >> (32 * uint64(b.drvFeatSel&1))))
	case 16:
		return uint64(b.cfgVector)
	case 18:
		return 1
	case 20:
		return uint64(b.status)
	case 21:
		return 0
	case 22:
		return uint64(b.qsel)
	}
	if b.qsel != 0 {
		return 0
	}
	switch off {
	case 24:
		if b.q.size == 0 {
			if b.o.QueueMax != 0 {
				return uint64(b.o.QueueMax)
			}
			return modernQueueMax
		}
		return uint64(b.q.size)
	case 26:
		return uint64(b.q.vector)
	case 28:
		if b.q.enabled {
			return 1
		}
		return 0
	case 30:
		return 0
	}
	return 0
}

func (m modernRegion) MMIOWrite(off uint64, size int, v uint64) {
	b := m.b
	b.mu.Lock()
	notify := false
	switch {
	case off >= 0x3000:
		notify = off == 0x3000 && v == 0
	case off == 0:
		b.devFeatSel = uint32(v)
	case off == 8:
		b.drvFeatSel = uint32(v)
	case off == 12:
		sh := 32 * uint64(b.drvFeatSel&1)
		b.drvFeatures = b.drvFeatures&^(0xffffffff<<sh) | v<<sh
	case off == 16:
		b.cfgVector = b.vectorOK(uint16(v))
	case off == 20:
		if v == 0 {
			b.reset()
		} else {
			if v&8 != 0 && b.drvFeatures&^b.features() != 0 {
				v &^= 8 // features the device does not offer: FEATURES_OK refused
			}
			b.status = uint8(v)
		}
	case off == 22:
		b.qsel = uint16(v)
	case b.qsel != 0:
	case off == 24:
		b.q.size = uint16(v)
	case off == 26:
		b.q.vector = b.vectorOK(uint16(v))
	case off == 28:
		b.q.enabled = v == 1
	case off >= 32 && off < 56:
		p := map[uint64]*uint64{32: &b.q.desc, 40: &b.q.avail, 48: &b.q.used}[off&^7]
		if off&4 == 0 {
			*p = *p&^0xffffffff | v
		} else {
			*p = *p&0xffffffff | v<<32
		}
	}
	b.mu.Unlock()
	if notify {
		b.kick()
	}
}

type msixRegion struct{ b *Blk }

func (m msixRegion) MMIORead(off uint64, size int) uint64 {
	m.b.mu.Lock()
	defer m.b.mu.Unlock()
	if off/4 < uint64(len(m.b.table)) {
		return uint64(m.b.table[off/4])
	}
	return 0
}

func (m msixRegion) MMIOWrite(off uint64, size int, v uint64) {
	m.b.mu.Lock()
	defer m.b.mu.Unlock()
	if off/4 < uint64(len(m.b.table)) {
		m.b.table[off/4] = uint32(v)
	}
}

func (b *Blk) load(pa uint64, n int) []byte {
	p := make([]byte, n)
	if err := b.fake.ReadPhys(pa, p); err != nil {
		panic(err) // the driver gave the device an address it does not own
	}
	return p
}

func (b *Blk) store(pa uint64, p []byte) {
	if err := b.fake.WritePhys(pa, p); err != nil {
		panic(err)
	}
}

// kick collects the new requests and completes them from another
// goroutine, the newest first.
func (b *Blk) kick() {
	b.mu.Lock()
	if !b.q.enabled || b.status&4 == 0 {
		b.mu.Unlock()
		return
	}
	q := &b.q
	idx := binary.LittleEndian.Uint16(b.load(q.avail+2, 2))
	for q.lastAvail != idx {
		head := binary.LittleEndian.Uint16(b.load(q.avail+4+2*uint64(q.lastAvail%q.size), 2))
		q.lastAvail++
		r := request{head: head}
		for d, n := head, 0; n < int(q.size); n++ {
			raw := b.load(q.desc+16*uint64(d), 16)
			dd := desc{binary.LittleEndian.Uint64(raw), binary.LittleEndian.Uint32(raw[8:]), binary.LittleEndian.Uint16(raw[12:])}
			r.descs = append(r.descs, dd)
			if dd.flags&1 == 0 {
				break
			}
			d = binary.LittleEndian.Uint16(raw[14:])
		}
		b.pending = append(b.pending, r)
	}
	if len(b.pending) > b.maxInFlight {
		b.maxInFlight = len(b.pending)
	}
	b.mu.Unlock()
	go b.complete()
}

func (b *Blk) complete() {
	b.mu.Lock()
	reqs := b.pending
	b.pending = nil
	if len(reqs) == 0 {
		b.mu.Unlock()
		return
	}
	for i := len(reqs) - 1; i >= 0; i-- {
		r := reqs[i]
		n := b.serve(r)
		q := &b.q
		var e [8]byte
		binary.LittleEndian.PutUint32(e[0:], uint32(r.head))
		binary.LittleEndian.PutUint32(e[4:], n)
		b.store(q.used+4+8*uint64(q.usedIdx%q.size), e[:])
		q.usedIdx++
		b.store(q.used+2, binary.LittleEndian.AppendUint16(nil, q.usedIdx))
		b.requests++
	}
	var vector = -1
	line := false
	if b.msixOn() {
		if v := b.q.vector; v < 2 && b.table[4*v+3]&1 == 0 {
			vector = int(b.table[4*v+2])
		}
	} else {
		b.isr |= 1
		line = true
	}
	b.mu.Unlock()
	if vector >= 0 {
		b.fake.Raise(vector)
	}
	if line {
		b.fake.RaiseLine(b.o.IRQLine)
	}
}

// serve performs one request (b.mu held) and returns the bytes written
// to device-writable buffers.
func (b *Blk) serve(r request) uint32 {
	if len(r.descs) < 2 || r.descs[0].len < 16 {
		return 0
	}
	hdr := b.load(r.descs[0].addr, 16)
	typ := binary.LittleEndian.Uint32(hdr)
	sector := binary.LittleEndian.Uint64(hdr[8:])
	st := r.descs[len(r.descs)-1]
	data := r.descs[1 : len(r.descs)-1]
	status, written := byte(0), uint32(0)
	pos := sector * 512
	for _, d := range data {
		end := pos + uint64(d.len)
		fail := b.o.FailSector >= 0 && uint64(b.o.FailSector)*512 >= pos && uint64(b.o.FailSector)*512 < end
		switch {
		case end > uint64(len(b.disk)) || fail:
			status = 1
		case typ == 0 && d.flags&2 != 0:
			b.store(d.addr, b.disk[pos:end])
			written += d.len
		case typ == 1 && d.flags&2 == 0:
			if b.o.ReadOnly {
				status = 1
			} else {
				copy(b.disk[pos:end], b.load(d.addr, int(d.len)))
			}
		default:
			status = 1
		}
		pos = end
	}
	switch typ {
	case 0, 1:
	case 4:
		if b.o.Flush {
			b.flushes++
		} else {
			status = 2
		}
	default:
		status = 2
	}
	b.store(st.addr, []byte{status})
	return written + 1
}
