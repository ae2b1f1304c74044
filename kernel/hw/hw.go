// Package hw is the small platform interface device drivers are written
// against: port I/O, mapped MMIO regions, physically contiguous DMA memory,
// interrupts, and the ACPI tables that describe the machine. platform/x64
// implements it on the nucleus; Fake (fake.go) implements it in memory so
// drivers (kernel/drivers/...) run in host tests against simulated devices.
//
// Drivers are ordinary Go: an interrupt is a goroutine returning from
// Interrupt.Wait, never code that runs in interrupt context.
package hw

import "errors"

// Platform is what a driver may ask of the machine.
type Platform interface {
	Ports
	// MapMMIO maps the physical range [phys, phys+size) uncached. Ranges
	// above 4 GiB (64-bit BARs) are fine. Mappings are never undone.
	MapMMIO(phys, size uint64) (Region, error)
	// AllocDMA returns size bytes (rounded up to whole pages) of zeroed,
	// physically contiguous memory a device may read and write.
	AllocDMA(size int) (DMA, error)
	// AllocMSI reserves an interrupt vector for a message-signalled
	// interrupt (MSI or MSI-X).
	AllocMSI() (MSI, error)
	// LegacyIRQ returns the interrupt of ISA/PCI line irq (the PCI
	// Interrupt Line register, or an ISA IRQ), routed through the IOAPIC
	// with the ACPI interrupt source overrides applied (PCI lines without
	// one are level-triggered, active low). Lines may be shared: every
	// caller for a line gets its own Interrupt on the same vector.
	LegacyIRQ(irq int) (Interrupt, error)
	// ACPITable returns the first ACPI table with the signature (e.g.
	// "MCFG", "APIC"), header included, or nil.
	ACPITable(sig string) []byte
}

// Ports is x86 port I/O.
type Ports interface {
	In8(port uint16) uint8
	In16(port uint16) uint16
	In32(port uint16) uint32
	Out8(port uint16, v uint8)
	Out16(port uint16, v uint16)
	Out32(port uint16, v uint32)
}

// Region is a mapped MMIO range. Offsets are from the start of the range;
// an access outside it, or not naturally aligned, panics (a driver bug).
type Region interface {
	Size() uint64
	Read8(off uint64) uint8
	Read16(off uint64) uint16
	Read32(off uint64) uint32
	Write8(off uint64, v uint8)
	Write16(off uint64, v uint16)
	Write32(off uint64, v uint32)
}

// DMA is device-visible memory. The word accessors are single, ordered
// accesses (the device sees them in program order), for rings shared with
// a device; ReadAt and WriteAt copy bulk data the device is not using at
// the time. Offsets outside the memory panic (a driver bug).
type DMA interface {
	// Phys is the physical (bus) address of byte 0.
	Phys() uint64
	Size() int
	Load16(off int) uint16
	Load32(off int) uint32
	Store16(off int, v uint16)
	Store32(off int, v uint32)
	Store64(off int, v uint64)
	ReadAt(p []byte, off int)
	WriteAt(p []byte, off int)
	// Free returns the memory; the device must no longer use it.
	Free()
}

// Interrupt is one driver's view of an interrupt vector.
type Interrupt interface {
	// Wait blocks until the interrupt has fired since the previous Wait
	// returned (or since the Interrupt was made, for the first call).
	Wait()
	// Done ends the servicing of a level-triggered line: the nucleus masks
	// it on each interrupt until then. A no-op for MSI.
	Done()
	// Vector is the CPU vector, for logs.
	Vector() int
}

// MSI is a message-signalled interrupt: the driver programs Address and
// Data into the device (an MSI-X table entry) and waits on the Interrupt.
type MSI interface {
	Interrupt
	Address() uint64
	Data() uint32
}

// Errors of platforms.
var (
	ErrNoVector = errors.New("hw: no interrupt vector left")
	ErrNoMemory = errors.New("hw: out of contiguous memory")
	ErrNoMap    = errors.New("hw: cannot map the MMIO range")
	ErrNoRoute  = errors.New("hw: the interrupt line cannot be routed")
)
