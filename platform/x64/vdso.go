package x64

import (
	"bytes"
	"unsafe"

	"aramid/platform/x64/nucleus"
)

// vDSO code slots (see vdso_amd64.s).
const (
	VDSOSlotClockGettime = 0 * 128
	VDSOSlotGettimeofday = 1 * 128
	VDSOSlotTime         = 2 * 128
	VDSOSlotGetcpu       = 3 * 128
	vdsoEndMarker        = "\x0f\x0bAVDSOEND"
	vdsoMaxCode          = 1024
)

func vdsoTextAddr() uintptr

// VDSOCode returns the vDSO's machine code (position independent; the
// function slots are at the VDSOSlot* offsets).
func VDSOCode() []byte {
	text := unsafe.Slice((*byte)(unsafe.Pointer(vdsoTextAddr())), vdsoMaxCode)
	end := bytes.Index(text, []byte(vdsoEndMarker))
	if end < 0 {
		panic("x64: vDSO end marker not found")
	}
	return append([]byte(nil), text[:end]...)
}

// VVar returns the vvar page's words: TSC at time zero, the ns-per-tick
// multiplier, Unix time in ns at time zero.
func VVar() [3]uint64 {
	tsc, mult, wall := nucleus.TimeBase()
	return [3]uint64{tsc, mult, uint64(wall)}
}
