package task

import (
	"testing"

	"aramid/kernel/abi"
)

// TestSetSecurebits walks Linux's rules (security/commoncap.c) from a
// starting value to a request.
func TestSetSecurebits(t *testing.T) {
	locked := uint32(SecbitKeepCaps | SecbitKeepCapsLocked)
	tests := []struct {
		name       string
		old        uint32
		v          uint64
		privileged bool
		want       error
		after      uint32
	}{
		{"set all flags", 0, SecureAllBits, true, nil, SecureAllBits},
		{"set all locks", 0, SecureAllBits | SecureAllLocks, true, nil, SecureAllBits | SecureAllLocks},
		{"unprivileged", 0, SecbitNoroot, false, abi.EPERM, 0},
		{"unprivileged same value", 0, 0, false, abi.EPERM, 0},
		{"unknown bit 8", 0, 1 << 8, true, abi.EPERM, 0},
		{"bit 63", 0, 1 << 63, true, abi.EPERM, 0},
		{"change locked flag", locked, SecbitKeepCapsLocked, true, abi.EPERM, locked},
		{"release lock", locked, SecbitKeepCaps, true, abi.EPERM, locked},
		{"other flag beside a lock", locked, uint64(locked | SecbitNoroot), true, nil, locked | SecbitNoroot},
		{"lock without its flag", 0, SecbitNorootLocked, true, nil, SecbitNorootLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var k Task
			k.securebits.Store(tt.old)
			if err := k.SetSecurebits(tt.v, tt.privileged); err != tt.want {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if got := k.Securebits(); got != tt.after {
				t.Errorf("bits = %#x, want %#x", got, tt.after)
			}
		})
	}
}

func TestKeepCapsAndExec(t *testing.T) {
	var k Task
	if err := k.SetKeepCaps(2); err != abi.EINVAL {
		t.Errorf("SetKeepCaps(2) = %v, want EINVAL", err)
	}
	if err := k.SetKeepCaps(1); err != nil || k.Securebits() != SecbitKeepCaps {
		t.Errorf("SetKeepCaps(1) = %v, bits %#x", err, k.Securebits())
	}
	k.securebits.Store(SecbitKeepCaps | SecbitKeepCapsLocked | SecbitNoroot)
	if err := k.SetKeepCaps(0); err != abi.EPERM {
		t.Errorf("SetKeepCaps(0) when locked = %v, want EPERM", err)
	}
	if got := execSecurebits(k.Securebits()); got != SecbitKeepCapsLocked|SecbitNoroot {
		t.Errorf("after exec = %#x", got)
	}
}
