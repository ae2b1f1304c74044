// Package nvme drives NVM Express controllers (NVMe base specification
// 1.4) on PCI: controller reset and enable (CC/CSTS), the admin queue,
// Identify Controller and Identify Namespace, one I/O queue pair, and
// Read, Write and Flush on namespace 1 with PRP lists. A Disk implements
// block.Device. Completions arrive by MSI-X, by INTx, or, when neither can
// be set up, by polling the completion queue. As in kernel/drivers/virtioblk
// every request moves through the driver's own DMA buffers (the caller's
// memory is Go heap, whose physical pages the driver does not pin).
//
// # Lock order
//
// Disk.sqMu (submission queue tail) and Disk.cqMu (completion queue head)
// are never held together.
package nvme

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/block"
	"aramid/kernel/drivers/pci"
	"aramid/kernel/hw"
)

// Controller registers (offsets in BAR0).
const (
	regCAP   = 0x00
	regVS    = 0x08
	regINTMS = 0x0c
	regCC    = 0x14
	regCSTS  = 0x1c
	regAQA   = 0x24
	regASQ   = 0x28
	regACQ   = 0x30
	regDBS   = 0x1000
)

// CC and CSTS bits.
const (
	ccEnable = 1 << 0
	ccIOSQES = 6 << 16 // 64-byte submission entries
	ccIOCQES = 4 << 20 // 16-byte completion entries

	cstsRDY = 1 << 0
	cstsCFS = 1 << 1
)

// Opcodes.
const (
	adminCreateSQ    = 0x01
	adminCreateCQ    = 0x05
	adminIdentify    = 0x06
	adminSetFeatures = 0x09

	ioFlush = 0x00
	ioWrite = 0x01
	ioRead  = 0x02
)

const (
	pageSize = 4096
	sqeSize  = 64
	cqeSize  = 16
	// adminDepth is the admin queue's size.
	adminDepth = 16
	// ioDepth is the I/O queue pair's size; Slots requests are in flight.
	ioDepth = 64
	// Slots is how many requests a disk keeps in flight.
	Slots = 16
	// ChunkSize is the most one request moves (the device's MDTS may
	// lower it); its PRP list fits one page.
	ChunkSize = 128 << 10
	// adminTimeout bounds an admin command and the waits for CSTS.RDY
	// beyond the controller's own CAP.TO.
	adminTimeout = 10 * time.Second
)

// ErrDevice is wrapped by errors the controller reports.
var ErrDevice = errors.New("nvme")

// ClassNVMe is the PCI class of an NVM Express controller (mass storage,
// non-volatile memory, NVMe programming interface).
const ClassNVMe = 0x010802

// Is reports whether the PCI function is an NVMe controller.
func Is(d *pci.Device) bool { return d.Class == ClassNVMe }

// Options choose how the driver waits.
type Options struct {
	// NoMSIX uses INTx even when the function has MSI-X.
	NoMSIX bool
	// Poll polls the completion queue instead of taking interrupts.
	Poll bool
}

// queue is one submission/completion queue pair's memory and state.
type queue struct {
	id         int
	depth      int
	sq, cq     hw.DMA
	sqTail     int
	cqHead     int
	phase      uint32
	sqDB       uint64
	cqDB       uint64
	lastSQHead int
}

// Disk is namespace 1 of one NVMe controller.
type Disk struct {
	pci     *pci.Device
	plat    hw.Platform
	regs    hw.Region
	dstrd   uint
	timeout time.Duration

	admin queue
	io    queue

	// Identify data.
	Serial, Model, Firmware string
	vwc                     bool // volatile write cache: Flush means something
	ro                      bool // the namespace is write protected (NSATTR bit 0)
	lbaSize                 int
	sectors                 uint64
	chunk                   int

	irq     hw.Interrupt
	irqKind string

	sqMu sync.Mutex
	cqMu sync.Mutex

	// Per slot (command identifier = slot): its data buffer, its PRP
	// list page, and where its completion status goes.
	data  []hw.DMA
	prps  hw.DMA
	done  []chan uint16
	slots chan int
}

var _ block.Device = (*Disk)(nil)

func (d *Disk) r64(off uint64) uint64 {
	return uint64(d.regs.Read32(off)) | uint64(d.regs.Read32(off+4))<<32
}

func (d *Disk) w64(off uint64, v uint64) {
	d.regs.Write32(off, uint32(v))
	d.regs.Write32(off+4, uint32(v>>32))
}

// waitReady waits for CSTS.RDY to become want (CAP.TO bounds it).
func (d *Disk) waitReady(want bool) error {
	deadline := time.Now().Add(d.timeout)
	for {
		csts := d.regs.Read32(regCSTS)
		if csts == 0xffffffff {
			return fmt.Errorf("%w: %s: controller gone (CSTS reads all ones): %w", ErrDevice, d.pci.Addr, abi.EIO)
		}
		if (csts&cstsRDY != 0) == want {
			return nil
		}
		if want && csts&cstsCFS != 0 {
			return fmt.Errorf("%w: %s: controller fatal status while enabling: %w", ErrDevice, d.pci.Addr, abi.EIO)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %s: CSTS.RDY did not become %v in %v: %w", ErrDevice, d.pci.Addr, want, d.timeout, abi.EIO)
		}
		time.Sleep(time.Millisecond)
	}
}

func (d *Disk) newQueue(id, depth int) (queue, error) {
	q := queue{id: id, depth: depth, phase: 1,
		sqDB: regDBS + uint64(2*id)*(4<<d.dstrd), cqDB: regDBS + uint64(2*id+1)*(4<<d.dstrd)}
	var err error
	if q.sq, err = d.plat.AllocDMA(depth * sqeSize); err != nil {
		return q, err
	}
	if q.cq, err = d.plat.AllocDMA(depth * cqeSize); err != nil {
		q.sq.Free()
		return q, err
	}
	return q, nil
}

func (q *queue) free() {
	if q.sq != nil {
		q.sq.Free()
		q.cq.Free()
	}
}

// command is a submission queue entry's fields the driver uses.
type command struct {
	opcode     uint8
	nsid       uint32
	prp1, prp2 uint64
	cdw        [6]uint32 // CDW10..CDW15
}

// push writes c as command cid at q's tail and rings the doorbell. The
// caller holds what serializes q's tail.
func (d *Disk) push(q *queue, c command, cid int) {
	var e [sqeSize]byte
	binary.LittleEndian.PutUint32(e[0:], uint32(c.opcode)|uint32(cid)<<16)
	binary.LittleEndian.PutUint32(e[4:], c.nsid)
	binary.LittleEndian.PutUint64(e[24:], c.prp1)
	binary.LittleEndian.PutUint64(e[32:], c.prp2)
	for i, w := range c.cdw {
		binary.LittleEndian.PutUint32(e[40+4*i:], w)
	}
	q.sq.WriteAt(e[:], q.sqTail*sqeSize)
	q.sqTail = (q.sqTail + 1) % q.depth
	d.regs.Write32(q.sqDB, uint32(q.sqTail))
}

// reap takes every new completion entry off q, calls fn with each one's
// command identifier and status field, and moves the head doorbell.
func (d *Disk) reap(q *queue, fn func(cid int, status uint16)) int {
	n := 0
	for {
		dw3 := q.cq.Load32(q.cqHead*cqeSize + 12)
		if (dw3>>16)&1 != q.phase {
			break
		}
		fn(int(dw3&0xffff), uint16(dw3>>17)&0x7fff)
		q.cqHead++
		if q.cqHead == q.depth {
			q.cqHead = 0
			q.phase ^= 1
		}
		n++
	}
	if n > 0 {
		d.regs.Write32(q.cqDB, uint32(q.cqHead))
	}
	return n
}

// adminCmd runs one admin command by polling (probe runs them one at a
// time, before the I/O queue exists).
func (d *Disk) adminCmd(c command) error {
	q := &d.admin
	d.push(q, c, 0)
	deadline := time.Now().Add(adminTimeout)
	for {
		var st uint16
		if d.reap(q, func(_ int, s uint16) { st = s }) > 0 {
			if st != 0 {
				return fmt.Errorf("%w: %s: admin opcode %#x: status %#x: %w", ErrDevice, d.pci.Addr, c.opcode, st, abi.EIO)
			}
			return nil
		}
		if d.regs.Read32(regCSTS)&cstsCFS != 0 {
			return fmt.Errorf("%w: %s: controller fatal status: %w", ErrDevice, d.pci.Addr, abi.EIO)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %s: admin opcode %#x timed out: %w", ErrDevice, d.pci.Addr, c.opcode, abi.EIO)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// Probe resets and enables the controller p, identifies it and its
// namespace 1, creates the I/O queue pair and returns the disk.
func Probe(plat hw.Platform, p *pci.Device, o Options) (*Disk, error) {
	if !Is(p) {
		return nil, fmt.Errorf("%w: %s: class %#06x is not NVMe", ErrDevice, p.Addr, p.Class)
	}
	p.Enable()
	if len(p.BARs) == 0 || p.BARs[0].Size < regDBS+8 {
		return nil, fmt.Errorf("%w: %s: BAR0 too small for the registers", ErrDevice, p.Addr)
	}
	regs, err := p.MapBAR(plat, 0, 0, p.BARs[0].Size)
	if err != nil {
		return nil, err
	}
	d := &Disk{pci: p, plat: plat, regs: regs}
	capReg := d.r64(regCAP)
	d.dstrd = uint(capReg>>32) & 0xf
	d.timeout = time.Duration((capReg>>24)&0xff)*500*time.Millisecond + time.Second
	mqes := int(capReg&0xffff) + 1
	if mpsmin := (capReg >> 48) & 0xf; mpsmin != 0 {
		return nil, fmt.Errorf("%w: %s: minimum page size %d is above 4 KiB", ErrDevice, p.Addr, 4096<<mpsmin)
	}
	if (capReg>>37)&1 == 0 {
		return nil, fmt.Errorf("%w: %s: NVM command set not supported", ErrDevice, p.Addr)
	}
	if regDBS+uint64(4*(2*1+2))<<d.dstrd > p.BARs[0].Size {
		return nil, fmt.Errorf("%w: %s: doorbells beyond BAR0", ErrDevice, p.Addr)
	}
	// Reset: clear CC.EN and wait for CSTS.RDY to drop.
	if d.regs.Read32(regCC)&ccEnable != 0 {
		d.regs.Write32(regCC, d.regs.Read32(regCC)&^ccEnable)
	}
	if err := d.waitReady(false); err != nil {
		return nil, err
	}
	depth := func(want int) int {
		if want > mqes {
			return mqes
		}
		return want
	}
	if d.admin, err = d.newQueue(0, depth(adminDepth)); err != nil {
		return nil, err
	}
	if d.io, err = d.newQueue(1, depth(ioDepth)); err != nil {
		d.admin.free()
		return nil, err
	}
	// From here the controller may know the queues' memory: giving up
	// disables it first, so nothing DMAs into memory that is freed.
	fail := func(err error) (*Disk, error) {
		d.regs.Write32(regCC, 0)
		_ = d.waitReady(false)
		d.admin.free()
		d.io.free()
		if d.prps != nil {
			d.prps.Free()
		}
		for _, m := range d.data {
			m.Free()
		}
		return nil, err
	}
	d.regs.Write32(regAQA, uint32(d.admin.depth-1)<<16|uint32(d.admin.depth-1))
	d.w64(regASQ, d.admin.sq.Phys())
	d.w64(regACQ, d.admin.cq.Phys())
	d.regs.Write32(regCC, ccIOSQES|ccIOCQES|ccEnable) // NVM command set, 4 KiB pages, round robin
	if err := d.waitReady(true); err != nil {
		return fail(err)
	}

	id, err := plat.AllocDMA(pageSize)
	if err != nil {
		return fail(err)
	}
	defer id.Free()
	buf := make([]byte, pageSize)
	// Identify Controller.
	if err := d.adminCmd(command{opcode: adminIdentify, prp1: id.Phys(), cdw: [6]uint32{1}}); err != nil {
		return fail(err)
	}
	id.ReadAt(buf, 0)
	d.Serial = strings.TrimRight(string(buf[4:24]), " \x00")
	d.Model = strings.TrimRight(string(buf[24:64]), " \x00")
	d.Firmware = strings.TrimRight(string(buf[64:72]), " \x00")
	d.vwc = buf[525]&1 != 0
	d.chunk = ChunkSize
	if mdts := buf[77]; mdts != 0 && mdts < 20 && pageSize<<mdts < d.chunk {
		d.chunk = pageSize << mdts
	}
	if nn := binary.LittleEndian.Uint32(buf[516:]); nn < 1 {
		return fail(fmt.Errorf("%w: %s: no namespaces: %w", ErrDevice, p.Addr, abi.ENXIO))
	}
	// Identify Namespace 1.
	if err := d.adminCmd(command{opcode: adminIdentify, nsid: 1, prp1: id.Phys(), cdw: [6]uint32{0}}); err != nil {
		return fail(err)
	}
	id.ReadAt(buf, 0)
	d.sectors = binary.LittleEndian.Uint64(buf[0:])
	flbas := int(buf[26] & 0xf)
	if flbas > int(buf[25]) {
		return fail(fmt.Errorf("%w: %s: LBA format %d of %d", ErrDevice, p.Addr, flbas, int(buf[25])+1))
	}
	lbaf := binary.LittleEndian.Uint32(buf[128+4*flbas:])
	lbads := (lbaf >> 16) & 0xff
	if lbaf&0xffff != 0 || lbads < 9 || lbads > 12 {
		return fail(fmt.Errorf("%w: %s: LBA format %#x (metadata or block size unsupported)", ErrDevice, p.Addr, lbaf))
	}
	d.lbaSize = 1 << lbads
	d.ro = buf[99]&1 != 0
	if d.chunk < d.lbaSize {
		return fail(fmt.Errorf("%w: %s: transfer limit below one block", ErrDevice, p.Addr))
	}
	// One I/O queue pair (Number of Queues: 0-based counts).
	if err := d.adminCmd(command{opcode: adminSetFeatures, cdw: [6]uint32{0x07, 0}}); err != nil {
		return fail(err)
	}

	// Interrupts: MSI-X entry 0, else INTx, else polling.
	ien := uint32(1 << 1)
	if !o.Poll && !o.NoMSIX {
		if m, err := p.MSIX(plat); err == nil && m.Len() >= 1 {
			if msi, err := plat.AllocMSI(); err == nil {
				if err := m.Set(0, msi); err == nil {
					m.Enable()
					d.irq, d.irqKind = msi, fmt.Sprintf("MSI-X vector %d", msi.Vector())
				}
			}
		}
	}
	if d.irq == nil && !o.Poll && p.IRQPin != 0 && p.IRQLine != 0 && p.IRQLine != 0xff {
		if irq, err := plat.LegacyIRQ(int(p.IRQLine)); err == nil {
			p.SetINTxDisabled(false)
			d.irq, d.irqKind = irq, fmt.Sprintf("INTx IRQ %d", p.IRQLine)
		}
	}
	if d.irq == nil {
		ien = 0
		d.irqKind = "polled"
		d.regs.Write32(regINTMS, 1)
	}
	// Create the I/O completion queue (interrupt vector 0), then the
	// submission queue that posts to it.
	qsize := uint32(d.io.depth-1) << 16
	if err := d.adminCmd(command{opcode: adminCreateCQ, prp1: d.io.cq.Phys(), cdw: [6]uint32{qsize | 1, ien | 1}}); err != nil {
		return fail(err)
	}
	if err := d.adminCmd(command{opcode: adminCreateSQ, prp1: d.io.sq.Phys(), cdw: [6]uint32{qsize | 1, 1<<16 | 1}}); err != nil {
		return fail(err)
	}

	slots := Slots
	if d.io.depth-1 < slots {
		slots = d.io.depth - 1
	}
	if d.prps, err = plat.AllocDMA(slots * pageSize); err != nil {
		return fail(err)
	}
	d.slots = make(chan int, slots)
	for i := 0; i < slots; i++ {
		m, err := plat.AllocDMA(d.chunk)
		if err != nil {
			return fail(err)
		}
		d.data = append(d.data, m)
		d.done = append(d.done, make(chan uint16, 1))
		// The data buffer is contiguous: its PRP list is fixed.
		for pg := 1; pg < d.chunk/pageSize; pg++ {
			d.prps.Store64(i*pageSize+8*(pg-1), m.Phys()+uint64(pg*pageSize))
		}
		d.slots <- i
	}
	go d.complete()
	return d, nil
}

// complete delivers I/O completions to their slots: after each interrupt,
// or every 100µs without one.
func (d *Disk) complete() {
	for {
		if d.irq != nil {
			d.irq.Wait()
		} else {
			time.Sleep(100 * time.Microsecond)
		}
		d.cqMu.Lock()
		d.reap(&d.io, func(cid int, st uint16) {
			if cid >= 0 && cid < len(d.done) {
				d.done[cid] <- st
			}
		})
		d.cqMu.Unlock()
		if d.irq != nil {
			d.irq.Done()
		}
	}
}

// SectorSize implements block.Device: the LBA format's data size.
func (d *Disk) SectorSize() int { return d.lbaSize }

// Sectors implements block.Device: the namespace size (NSZE).
func (d *Disk) Sectors() uint64 { return d.sectors }

// ReadOnly implements block.Device.
func (d *Disk) ReadOnly() bool { return d.ro }

// CanFlush reports whether the controller has a volatile write cache.
func (d *Disk) CanFlush() bool { return d.vwc }

// Interrupts describes the interrupt setup, for logs.
func (d *Disk) Interrupts() string { return d.irqKind }

// ChunkBytes is the most one command moves.
func (d *Disk) ChunkBytes() int { return d.chunk }

// ReadSectors implements block.Device.
func (d *Disk) ReadSectors(p []byte, sector uint64) error { return d.rw(p, sector, false) }

// WriteSectors implements block.Device.
func (d *Disk) WriteSectors(p []byte, sector uint64) error {
	if d.ro {
		return fmt.Errorf("%w: write to a write-protected namespace: %w", ErrDevice, abi.EROFS)
	}
	return d.rw(p, sector, true)
}

// Flush implements block.Device: without a volatile write cache every
// completed write is already durable.
func (d *Disk) Flush() error {
	if !d.vwc {
		return nil
	}
	slot := <-d.slots
	defer func() { d.slots <- slot }()
	d.submit(slot, command{opcode: ioFlush, nsid: 1})
	return d.finish(slot, ioFlush)
}

// rw moves p in chunks, as many in flight as there are free slots.
func (d *Disk) rw(p []byte, sector uint64, write bool) error {
	bs := uint64(d.lbaSize)
	if len(p)%d.lbaSize != 0 {
		return fmt.Errorf("%w: %d bytes is not a whole number of %d-byte blocks: %w", ErrDevice, len(p), bs, abi.EINVAL)
	}
	count := uint64(len(p)) / bs
	if sector > d.sectors || count > d.sectors-sector {
		return fmt.Errorf("%w: blocks %d+%d beyond the end (%d): %w", ErrDevice, sector, count, d.sectors, abi.EIO)
	}
	op := uint8(ioRead)
	if write {
		op = ioWrite
	}
	start := func(slot, off, n int) struct{} {
		if write {
			d.data[slot].WriteAt(p[off:off+n], 0)
		}
		lba := sector + uint64(off)/bs
		c := command{opcode: op, nsid: 1, prp1: d.data[slot].Phys(),
			cdw: [6]uint32{uint32(lba), uint32(lba >> 32), uint32(uint64(n)/bs - 1)}}
		switch pages := (n + pageSize - 1) / pageSize; {
		case pages == 2:
			c.prp2 = d.data[slot].Phys() + pageSize
		case pages > 2:
			c.prp2 = d.prps.Phys() + uint64(slot*pageSize)
		}
		d.submit(slot, c)
		return struct{}{}
	}
	end := func(slot, off, n int, _ struct{}) error {
		err := d.finish(slot, op)
		if err == nil && !write {
			d.data[slot].ReadAt(p[off:off+n], 0)
		}
		return err
	}
	return block.Chunks(p, d.chunk, d.slots, start, end)
}

// submit queues c as command identifier slot on the I/O queue. Slots are
// fewer than the queue's entries, so the queue never overflows.
func (d *Disk) submit(slot int, c command) {
	d.sqMu.Lock()
	d.push(&d.io, c, slot)
	d.sqMu.Unlock()
}

// finish waits for slot's completion and turns its status into an error.
func (d *Disk) finish(slot int, op uint8) error {
	st := <-d.done[slot]
	if st == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s: I/O opcode %#x: status type %d code %#x: %w", ErrDevice, d.pci.Addr, op, (st>>8)&7, st&0xff, abi.EIO)
}
