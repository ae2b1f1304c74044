package virtio

import (
	"errors"
	"fmt"

	"aramid/kernel/drivers/pci"
	"aramid/kernel/hw"
)

// Transport is how a driver reaches a virtio device's registers: the
// modern (virtio 1.x) capability-described MMIO structures or the legacy
// (0.9.5) I/O-port layout.
type Transport interface {
	// Legacy reports the legacy interface (32 feature bits, guest page
	// frame queues, native-endian but on x86 little-endian config).
	Legacy() bool
	Features() uint64
	SetFeatures(f uint64)
	Status() uint8
	SetStatus(s uint8)
	// ConfigRead reads n (1, 2, 4 or 8) bytes of device-specific
	// configuration at off.
	ConfigRead(off, n int) uint64
	// QueueMax is the largest size of queue q (0: no such queue).
	QueueMax(q int) int
	// SetupQueue gives the device queue q of size entries at the physical
	// addresses of its three parts (legacy: desc must be page-aligned with
	// avail and used laid out after it, see layout) and the MSI-X entry
	// its interrupts use (-1: none), and enables it.
	SetupQueue(q, size int, desc, avail, used uint64, vector int) error
	// SetConfigVector sets the MSI-X entry of configuration changes (-1:
	// none).
	SetConfigVector(vector int) error
	Notify(q int)
	// ISR reads (and so clears) the interrupt status: bit 0 a queue, bit 1
	// a configuration change. Only meaningful for INTx.
	ISR() uint8
}

// Device status bits.
const (
	StatusAcknowledge = 1
	StatusDriver      = 2
	StatusDriverOK    = 4
	StatusFeaturesOK  = 8
	StatusNeedsReset  = 64
	StatusFailed      = 128
)

// Feature bits common to all devices.
const (
	FeatureIndirect = 1 << 28
	FeatureEventIdx = 1 << 29
	FeatureVersion1 = 1 << 32
)

const noVector = 0xffff

// ErrTransport is wrapped by transport setup errors.
var ErrTransport = errors.New("virtio: transport")

// Vendor capability types (struct virtio_pci_cap.cfg_type).
const (
	capCommon = 1
	capNotify = 2
	capISR    = 3
	capDevice = 4
)

// modern is the virtio 1.x PCI transport.
type modern struct {
	common, isr, device, notify hw.Region
	notifyMul                   uint32
	notifyOff                   map[int]uint64 // by queue, checked at setup
}

// Common configuration structure offsets (struct virtio_pci_common_cfg).
const (
	ccDeviceFeatureSelect = 0
	ccDeviceFeature       = 4
	ccDriverFeatureSelect = 8
	ccDriverFeature       = 12
	ccMSIXConfig          = 16
	ccNumQueues           = 18
	ccStatus              = 20
	ccGeneration          = 21
	ccQueueSelect         = 22
	ccQueueSize           = 24
	ccQueueMSIX           = 26
	ccQueueEnable         = 28
	ccQueueNotifyOff      = 30
	ccQueueDesc           = 32
	ccQueueDriver         = 40
	ccQueueDevice         = 48
)

// HasModern reports whether d carries the virtio 1.x capabilities.
func HasModern(d *pci.Device) bool {
	for _, c := range d.Caps {
		if c.ID == pci.CapVendor && d.Read8(c.Off+3) == capCommon {
			return true
		}
	}
	return false
}

// NewModern maps the modern transport's structures from d's vendor
// capabilities.
func NewModern(plat hw.Platform, d *pci.Device) (Transport, error) {
	m := &modern{}
	for _, c := range d.Caps {
		if c.ID != pci.CapVendor {
			continue
		}
		typ := d.Read8(c.Off + 3)
		bar := int(d.Read8(c.Off + 4))
		off := uint64(d.Read32(c.Off + 8))
		length := uint64(d.Read32(c.Off + 12))
		var dst *hw.Region
		switch typ {
		case capCommon:
			dst = &m.common
		case capNotify:
			dst = &m.notify
			m.notifyMul = d.Read32(c.Off + 16)
		case capISR:
			dst = &m.isr
		case capDevice:
			dst = &m.device
		default:
			continue
		}
		if *dst != nil || length == 0 {
			continue // the first of each type is the one to use
		}
		r, err := d.MapBAR(plat, bar, off, length)
		if err != nil {
			return nil, fmt.Errorf("%w: %s capability type %d: %v", ErrTransport, d.Addr, typ, err)
		}
		*dst = r
	}
	if m.common == nil || m.notify == nil || m.isr == nil {
		return nil, fmt.Errorf("%w: %s lacks the common, notify or ISR structure", ErrTransport, d.Addr)
	}
	if m.common.Size() < ccQueueDevice+8 {
		return nil, fmt.Errorf("%w: %s common configuration of %d bytes", ErrTransport, d.Addr, m.common.Size())
	}
	m.notifyOff = map[int]uint64{}
	return m, nil
}

func (m *modern) Legacy() bool { return false }

func (m *modern) Features() uint64 {
	m.common.Write32(ccDeviceFeatureSelect, 0)
	lo := m.common.Read32(ccDeviceFeature)
	m.common.Write32(ccDeviceFeatureSelect, 1)
	hi := m.common.Read32(ccDeviceFeature)
	return uint64(hi)<<32 | uint64(lo)
}

func (m *modern) SetFeatures(f uint64) {
	m.common.Write32(ccDriverFeatureSelect, 0)
	m.common.Write32(ccDriverFeature, uint32(f))
	m.common.Write32(ccDriverFeatureSelect, 1)
	m.common.Write32(ccDriverFeature, uint32(f>>32))
}

func (m *modern) Status() uint8       { return m.common.Read8(ccStatus) }
func (m *modern) SetStatus(s uint8)   { m.common.Write8(ccStatus, s) }
func (m *modern) ISR() uint8          { return m.isr.Read8(0) }
func (m *modern) QueueMax(q int) int  { return m.queueSize(q) }
func (m *modern) selectQueue(q int)   { m.common.Write16(ccQueueSelect, uint16(q)) }
func (m *modern) queueSize(q int) int { m.selectQueue(q); return int(m.common.Read16(ccQueueSize)) }

// ConfigRead reads device configuration, retrying until the generation
// counter says no change raced the read.
func (m *modern) ConfigRead(off, n int) uint64 {
	if m.device == nil || off < 0 || uint64(off+n) > m.device.Size() {
		return 0
	}
	for {
		gen := m.common.Read8(ccGeneration)
		var v uint64
		switch n {
		case 1:
			v = uint64(m.device.Read8(uint64(off)))
		case 2:
			v = uint64(m.device.Read16(uint64(off)))
		case 4:
			v = uint64(m.device.Read32(uint64(off)))
		case 8:
			v = uint64(m.device.Read32(uint64(off))) | uint64(m.device.Read32(uint64(off+4)))<<32
		}
		if m.common.Read8(ccGeneration) == gen {
			return v
		}
	}
}

func (m *modern) write64(off uint64, v uint64) {
	m.common.Write32(off, uint32(v))
	m.common.Write32(off+4, uint32(v>>32))
}

func (m *modern) SetupQueue(q, size int, desc, avail, used uint64, vector int) error {
	m.selectQueue(q)
	off := uint64(m.common.Read16(ccQueueNotifyOff)) * uint64(m.notifyMul)
	if off+2 > m.notify.Size() {
		return fmt.Errorf("%w: queue %d notifies at %#x, beyond the %#x-byte notify structure", ErrTransport, q, off, m.notify.Size())
	}
	m.notifyOff[q] = off
	m.common.Write16(ccQueueSize, uint16(size))
	m.write64(ccQueueDesc, desc)
	m.write64(ccQueueDriver, avail)
	m.write64(ccQueueDevice, used)
	if vector >= 0 {
		m.common.Write16(ccQueueMSIX, uint16(vector))
		if m.common.Read16(ccQueueMSIX) == noVector {
			return fmt.Errorf("%w: queue %d refused MSI-X entry %d", ErrTransport, q, vector)
		}
	} else {
		m.common.Write16(ccQueueMSIX, noVector)
	}
	m.common.Write16(ccQueueEnable, 1)
	return nil
}

func (m *modern) SetConfigVector(vector int) error {
	v := uint16(noVector)
	if vector >= 0 {
		v = uint16(vector)
	}
	m.common.Write16(ccMSIXConfig, v)
	if vector >= 0 && m.common.Read16(ccMSIXConfig) == noVector {
		return fmt.Errorf("%w: configuration refused MSI-X entry %d", ErrTransport, vector)
	}
	return nil
}

// Notify writes the queue's index at its notify address (found at setup;
// the map is only read after SetupQueue wrote it).
func (m *modern) Notify(q int) {
	if off, ok := m.notifyOff[q]; ok {
		m.notify.Write16(off, uint16(q))
	}
}

// legacy is the virtio 0.9.5 transport on I/O BAR 0.
type legacy struct {
	p    hw.Ports
	base uint16
	size uint16 // of the BAR: no access leaves it
	msix bool   // MSI-X enabled: two vector registers precede the device config
}

// Legacy register offsets.
const (
	lgDeviceFeatures = 0x00
	lgGuestFeatures  = 0x04
	lgQueuePFN       = 0x08
	lgQueueSize      = 0x0c
	lgQueueSelect    = 0x0e
	lgQueueNotify    = 0x10
	lgStatus         = 0x12
	lgISR            = 0x13
	lgConfigVector   = 0x14
	lgQueueVector    = 0x16
)

// NewLegacy returns the legacy transport of d (its I/O BAR 0). msix says
// whether MSI-X is (or will be) enabled, which moves the device
// configuration.
func NewLegacy(plat hw.Platform, d *pci.Device, msix bool) (Transport, error) {
	b := d.BARs[0]
	if !b.IO || b.Size < 0x14 || b.Addr > 0xffff-b.Size {
		return nil, fmt.Errorf("%w: %s has no legacy I/O BAR 0", ErrTransport, d.Addr)
	}
	return &legacy{p: plat, base: uint16(b.Addr), size: uint16(b.Size), msix: msix}, nil
}

func (l *legacy) Legacy() bool         { return true }
func (l *legacy) Features() uint64     { return uint64(l.p.In32(l.base + lgDeviceFeatures)) }
func (l *legacy) SetFeatures(f uint64) { l.p.Out32(l.base+lgGuestFeatures, uint32(f)) }
func (l *legacy) Status() uint8        { return l.p.In8(l.base + lgStatus) }
func (l *legacy) SetStatus(s uint8)    { l.p.Out8(l.base+lgStatus, s) }
func (l *legacy) ISR() uint8           { return l.p.In8(l.base + lgISR) }
func (l *legacy) Notify(q int)         { l.p.Out16(l.base+lgQueueNotify, uint16(q)) }
func (l *legacy) selectQueue(q int)    { l.p.Out16(l.base+lgQueueSelect, uint16(q)) }
func (l *legacy) QueueMax(q int) int   { l.selectQueue(q); return int(l.p.In16(l.base + lgQueueSize)) }

// portAt is the port of device configuration byte off: after the two MSI-X
// vector registers when MSI-X is on.
func (l *legacy) portAt(off int) uint16 {
	if l.msix {
		return l.base + 0x18 + uint16(off)
	}
	return l.base + 0x14 + uint16(off)
}

func (l *legacy) ConfigRead(off, n int) uint64 {
	if off < 0 || int(l.portAt(off))+n > int(l.base)+int(l.size) {
		return 0
	}
	switch n {
	case 1:
		return uint64(l.p.In8(l.portAt(off)))
	case 2:
		return uint64(l.p.In16(l.portAt(off)))
	case 4:
		return uint64(l.p.In32(l.portAt(off)))
	case 8:
		return uint64(l.p.In32(l.portAt(off))) | uint64(l.p.In32(l.portAt(off+4)))<<32
	}
	return 0
}

func (l *legacy) SetupQueue(q, size int, desc, avail, used uint64, vector int) error {
	l.selectQueue(q)
	if max := int(l.p.In16(l.base + lgQueueSize)); size != max {
		return fmt.Errorf("%w: legacy queue %d has fixed size %d, not %d", ErrTransport, q, max, size)
	}
	da, ua := layout(size)
	if desc&4095 != 0 || avail != desc+uint64(da) || used != desc+uint64(ua) || desc>>12 > 0xffffffff {
		return fmt.Errorf("%w: legacy queue %d not in the legacy layout", ErrTransport, q)
	}
	if l.msix {
		v := uint16(noVector)
		if vector >= 0 {
			v = uint16(vector)
		}
		l.p.Out16(l.base+lgQueueVector, v)
		if vector >= 0 && l.p.In16(l.base+lgQueueVector) == noVector {
			return fmt.Errorf("%w: queue %d refused MSI-X entry %d", ErrTransport, q, vector)
		}
	}
	l.p.Out32(l.base+lgQueuePFN, uint32(desc>>12))
	return nil
}

func (l *legacy) SetConfigVector(vector int) error {
	if !l.msix {
		return nil
	}
	v := uint16(noVector)
	if vector >= 0 {
		v = uint16(vector)
	}
	l.p.Out16(l.base+lgConfigVector, v)
	if vector >= 0 && l.p.In16(l.base+lgConfigVector) == noVector {
		return fmt.Errorf("%w: configuration refused MSI-X entry %d", ErrTransport, vector)
	}
	return nil
}
