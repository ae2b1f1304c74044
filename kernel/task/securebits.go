package task

import "aramid/kernel/abi"

// Securebits flags (linux/securebits.h). Each base flag has a lock bit one
// position above it; a set lock makes its flag immutable and cannot be
// cleared.
const (
	SecbitNoroot                  = 1 << 0
	SecbitNorootLocked            = 1 << 1
	SecbitNoSetuidFixup           = 1 << 2
	SecbitNoSetuidFixupLocked     = 1 << 3
	SecbitKeepCaps                = 1 << 4
	SecbitKeepCapsLocked          = 1 << 5
	SecbitNoCapAmbientRaise       = 1 << 6
	SecbitNoCapAmbientRaiseLocked = 1 << 7

	// SecureAllBits are the flags Linux 6.1 knows; SecureAllLocks their locks.
	SecureAllBits  = SecbitNoroot | SecbitNoSetuidFixup | SecbitKeepCaps | SecbitNoCapAmbientRaise
	SecureAllLocks = SecureAllBits << 1
)

// Securebits returns the thread's securebits (prctl PR_GET_SECUREBITS).
// As on Linux they belong to the thread's credentials, not the process's:
// a thread's change is not seen by its siblings.
func (t *Task) Securebits() uint32 { return t.securebits.Load() }

// SetSecurebits implements prctl(PR_SET_SECUREBITS) for a caller that
// holds CAP_SETPCAP or not (privileged), with Linux's rules
// (security/commoncap.c): a locked flag cannot change, a lock cannot be
// released, only known bits may be set, and any change needs the
// capability. Every refusal is EPERM, the unknown-bits case included.
func (t *Task) SetSecurebits(v uint64, privileged bool) error {
	old := uint64(t.securebits.Load())
	switch {
	case (old&SecureAllLocks)>>1&(old^v) != 0, // a locked flag changes
		old&SecureAllLocks&^v != 0,                   // a lock is released
		v&^uint64(SecureAllLocks|SecureAllBits) != 0, // an unknown bit
		!privileged:
		return abi.EPERM
	}
	t.securebits.Store(uint32(v))
	return nil
}

// SetKeepCaps implements prctl(PR_SET_KEEPCAPS): the SECBIT_KEEP_CAPS flag,
// EINVAL for a value other than 0 or 1, EPERM once the flag is locked. No
// capability is needed.
func (t *Task) SetKeepCaps(v uint64) error {
	if v > 1 {
		return abi.EINVAL
	}
	old := t.securebits.Load()
	if old&SecbitKeepCapsLocked != 0 {
		return abi.EPERM
	}
	if v == 1 {
		t.securebits.Store(old | SecbitKeepCaps)
	} else {
		t.securebits.Store(old &^ SecbitKeepCaps)
	}
	return nil
}

// execSecurebits is what execve leaves: SECBIT_KEEP_CAPS is cleared (its
// lock, if set, stays); every other flag and lock is kept.
func execSecurebits(v uint32) uint32 { return v &^ SecbitKeepCaps }
