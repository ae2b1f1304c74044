// Package virtio is the virtio PCI transport, modern (virtio 1.x: common,
// notify, ISR and device configuration structures found through vendor
// capabilities) and legacy (virtio 0.9.5 on I/O BAR 0, as QEMU offers with
// disable-modern=on), with split virtqueues that keep many requests in
// flight and complete them from interrupts: one MSI-X vector per queue,
// or INTx with the ISR register when the function has no MSI-X.
//
// Device drivers (kernel/drivers/virtioblk) open a Device, negotiate
// features, read their configuration, set up queues and Start it.
//
// # Lock order
//
// Queue.mu is the package's only lock and a leaf: it is held around ring
// updates and a notify-free section, never while calling out. A Device is
// set up by one goroutine; its interrupt goroutines take only Queue.mu.
package virtio

import (
	"fmt"

	"aramid/kernel/drivers/pci"
	"aramid/kernel/hw"
)

// Device IDs (virtio 1.x section 5).
const (
	TypeNet   = 1
	TypeBlock = 2
)

// VendorID is the virtio PCI vendor (Red Hat, Qumranet).
const VendorID = 0x1af4

// TypeOf returns the virtio device type of a PCI function, if it is a
// virtio device: transitional IDs 0x1000-0x103f carry it in the subsystem
// device ID, modern IDs are 0x1040 + type.
func TypeOf(d *pci.Device) (int, bool) {
	switch {
	case d.Vendor != VendorID:
		return 0, false
	case d.DeviceID >= 0x1000 && d.DeviceID <= 0x103f:
		return int(d.SubDevice), true
	case d.DeviceID >= 0x1040 && d.DeviceID <= 0x107f:
		return int(d.DeviceID) - 0x1040, true
	}
	return 0, false
}

// Options of Open.
type Options struct {
	// Queues is how many virtqueues the driver will use (an MSI-X vector
	// each).
	Queues int
	// Legacy forces the legacy interface on a transitional device.
	Legacy bool
	// NoMSIX forces INTx even when the function has MSI-X.
	NoMSIX bool
}

// Device is a virtio device being driven.
type Device struct {
	PCI  *pci.Device
	T    Transport
	Type int

	plat    hw.Platform
	msix    *pci.MSIX
	vectors []hw.MSI     // by MSI-X entry
	intx    hw.Interrupt // when there is no MSI-X
	queues  []*Queue
	status  uint8
}

// Open resets the device, sets up its interrupts and the transport, and
// acknowledges it (ACKNOWLEDGE|DRIVER).
func Open(plat hw.Platform, d *pci.Device, o Options) (*Device, error) {
	typ, ok := TypeOf(d)
	if !ok {
		return nil, fmt.Errorf("%w: %s [%04x:%04x] is not a virtio device", ErrTransport, d.Addr, d.Vendor, d.DeviceID)
	}
	if o.Queues < 1 {
		o.Queues = 1
	}
	v := &Device{PCI: d, Type: typ, plat: plat}
	d.Enable()
	if !o.NoMSIX {
		if m, err := d.MSIX(plat); err == nil && m.Len() >= 1 {
			v.msix = m
		}
	}
	var err error
	if HasModern(d) && !o.Legacy {
		v.T, err = NewModern(plat, d)
	} else {
		v.T, err = NewLegacy(plat, d, v.msix != nil)
	}
	if err != nil {
		return nil, err
	}
	v.Reset()
	if v.msix != nil {
		n := o.Queues
		if n > v.msix.Len() {
			n = v.msix.Len()
		}
		for i := 0; i < n; i++ {
			m, err := plat.AllocMSI()
			if err != nil {
				return nil, err
			}
			if err := v.msix.Set(i, m); err != nil {
				return nil, err
			}
			v.vectors = append(v.vectors, m)
		}
		v.msix.Enable()
		if err := v.T.SetConfigVector(-1); err != nil {
			return nil, err
		}
	} else {
		if d.IRQPin == 0 || d.IRQLine == 0 || d.IRQLine == 0xff {
			return nil, fmt.Errorf("%w: %s has neither MSI-X nor a routed INTx line", ErrTransport, d.Addr)
		}
		irq, err := plat.LegacyIRQ(int(d.IRQLine))
		if err != nil {
			return nil, err
		}
		v.intx = irq
		d.SetINTxDisabled(false)
	}
	v.setStatus(StatusAcknowledge)
	v.setStatus(StatusAcknowledge | StatusDriver)
	return v, nil
}

func (v *Device) setStatus(s uint8) {
	v.status = s
	v.T.SetStatus(s)
}

// Interrupts describes the interrupt setup, for logs.
func (v *Device) Interrupts() string {
	if v.msix != nil {
		s := "MSI-X"
		for _, m := range v.vectors {
			s += fmt.Sprintf(" vector %#x", m.Vector())
		}
		return s
	}
	return fmt.Sprintf("INTx IRQ %d (vector %#x)", v.PCI.IRQLine, v.intx.Vector())
}

// Negotiate accepts the features of want the device offers (plus
// VERSION_1, required of a modern device) and returns them.
func (v *Device) Negotiate(want uint64) (uint64, error) {
	offered := v.T.Features()
	if v.T.Legacy() {
		want &= 0xffffffff
	} else {
		if offered&FeatureVersion1 == 0 {
			v.setStatus(v.status | StatusFailed)
			return 0, fmt.Errorf("%w: %s: modern device without VERSION_1", ErrTransport, v.PCI.Addr)
		}
		want |= FeatureVersion1
	}
	got := offered & want
	v.T.SetFeatures(got)
	if !v.T.Legacy() {
		v.setStatus(v.status | StatusFeaturesOK)
		if v.T.Status()&StatusFeaturesOK == 0 {
			v.setStatus(v.status | StatusFailed)
			return 0, fmt.Errorf("%w: %s refused features %#x", ErrTransport, v.PCI.Addr, got)
		}
	}
	return got, nil
}

// SetupQueue creates queue i with at most maxSize entries (the device's
// maximum when it is smaller; legacy queues always have the device's size).
func (v *Device) SetupQueue(i, maxSize int) (*Queue, error) {
	size := v.T.QueueMax(i)
	if size == 0 {
		return nil, fmt.Errorf("%w: %s has no queue %d", ErrTransport, v.PCI.Addr, i)
	}
	if !v.T.Legacy() && maxSize > 0 && size > maxSize {
		size = maxSize
	}
	vector := -1
	if len(v.vectors) > 0 {
		vector = i % len(v.vectors)
	}
	q, err := NewQueue(v.plat, v.T, i, size, vector)
	if err != nil {
		return nil, err
	}
	v.queues = append(v.queues, q)
	return q, nil
}

// Start sets DRIVER_OK and starts the interrupt goroutines.
func (v *Device) Start() {
	if v.msix != nil {
		for e, m := range v.vectors {
			var qs []*Queue
			for i, q := range v.queues {
				if i%len(v.vectors) == e {
					qs = append(qs, q)
				}
			}
			go serve(m, qs, nil)
		}
	} else {
		go serve(v.intx, v.queues, v.T)
	}
	v.setStatus(v.status | StatusDriverOK)
}

// serve is an interrupt goroutine: each interrupt collects the finished
// requests of its queues. With INTx it first reads the ISR (which lowers
// the line) and then lets the nucleus unmask the pin.
func serve(irq hw.Interrupt, qs []*Queue, intx Transport) {
	for {
		irq.Wait()
		if intx != nil {
			intx.ISR()
		}
		for _, q := range qs {
			q.Process()
		}
		irq.Done()
	}
}

// Fail marks the device FAILED (the driver gives up on it).
func (v *Device) Fail() { v.setStatus(v.status | StatusFailed) }

// Reset resets the device: it forgets its queues and stops using their
// memory (only before Start: interrupt goroutines are not stopped).
func (v *Device) Reset() {
	v.setStatus(0)
	if !v.T.Legacy() {
		for i := 0; i < 1000000 && v.T.Status() != 0; i++ {
		}
	}
}
