package task

import (
	"testing"

	"aramid/kernel/abi"
)

func TestFixSetuid(t *testing.T) {
	full := abi.CapFull
	root := Creds{Caps: CapSets{Permitted: full, Effective: full, Bounding: full, Ambient: 1 << abi.CAP_KILL}}
	tests := []struct {
		name          string
		uid, euid, su uint32
		keep          bool
		wantP, wantE  uint64
		wantAmbient   uint64
	}{
		{"euid leaves 0", 0, 1000, 0, false, full, 0, 1 << abi.CAP_KILL},
		{"all leave 0", 1000, 1000, 1000, false, 0, 0, 0},
		{"all leave 0, keep caps", 1000, 1000, 1000, true, full, 0, 0},
		{"saved stays 0", 1000, 1000, 0, false, full, 0, 1 << abi.CAP_KILL},
		{"nothing changes", 0, 0, 0, false, full, full, 1 << abi.CAP_KILL},
	}
	for _, tc := range tests {
		c := root
		c.UID, c.EUID, c.SUID = tc.uid, tc.euid, tc.su
		c.FixSetuid(&root, tc.keep)
		if c.Caps.Permitted != tc.wantP || c.Caps.Effective != tc.wantE || c.Caps.Ambient != tc.wantAmbient {
			t.Errorf("%s: caps %+v", tc.name, c.Caps)
		}
	}
	// Regaining euid 0 restores the effective set from permitted.
	old := Creds{UID: 0, EUID: 1000, SUID: 0, Caps: CapSets{Permitted: full}}
	c := old
	c.EUID = 0
	c.FixSetuid(&old, false)
	if c.Caps.Effective != full {
		t.Errorf("euid back to 0: effective %#x", c.Caps.Effective)
	}
}

func TestFixSetfsuid(t *testing.T) {
	full := abi.CapFull
	old := Creds{Caps: CapSets{Permitted: full, Effective: full}}
	c := old
	c.FSUID = 1000
	c.FixSetfsuid(&old)
	if c.Caps.Effective != full&^capFSSet || c.Caps.Effective&(1<<abi.CAP_KILL) == 0 {
		t.Errorf("fsuid 1000: effective %#x", c.Caps.Effective)
	}
	back := c
	back.FSUID = 0
	back.FixSetfsuid(&c)
	if back.Caps.Effective != full {
		t.Errorf("fsuid 0: effective %#x", back.Caps.Effective)
	}
}

func TestExecCreds(t *testing.T) {
	bset := abi.CapFull &^ (1 << abi.CAP_SYS_BOOT)
	amb := uint64(1) << abi.CAP_NET_RAW
	tests := []struct {
		name         string
		uid, euid    uint32
		inh, ambient uint64
		wantP, wantE uint64
		wantSUID     uint32
	}{
		{"root", 0, 0, 0, 0, bset, bset, 0},
		{"root with inheritable outside bset", 0, 0, 1 << abi.CAP_SYS_BOOT, 0, abi.CapFull, abi.CapFull, 0},
		{"real root, effective user", 0, 1000, 0, 0, bset, 0, 1000},
		{"user with ambient", 1000, 1000, amb, amb, amb, amb, 1000},
		{"user", 1000, 1000, 0, 0, 0, 0, 1000},
	}
	for _, tc := range tests {
		c := Creds{UID: tc.uid, EUID: tc.euid, SUID: 7, FSUID: 9,
			Caps: CapSets{Permitted: abi.CapFull, Effective: abi.CapFull, Bounding: bset, Inheritable: tc.inh, Ambient: tc.ambient}}
		c.ExecCreds()
		if c.Caps.Permitted != tc.wantP || c.Caps.Effective != tc.wantE {
			t.Errorf("%s: permitted %#x effective %#x", tc.name, c.Caps.Permitted, c.Caps.Effective)
		}
		if c.SUID != tc.wantSUID || c.FSUID != tc.euid {
			t.Errorf("%s: suid %d fsuid %d", tc.name, c.SUID, c.FSUID)
		}
	}
}
