package task

import (
	"testing"

	"aramid/kernel/abi"
)

func TestExecCredsFileCaps(t *testing.T) {
	const raw, kill, tm = 1 << abi.CAP_NET_RAW, 1 << abi.CAP_KILL, 1 << abi.CAP_SYS_TIME
	all := uint64(1)<<41 - 1
	user := Creds{UID: 1000, EUID: 1000, SUID: 1000, FSUID: 1000, Caps: CapSets{Bounding: all}}
	for _, c := range []struct {
		name     string
		cr       Creds
		fc       FileCaps
		bits     uint32
		nnp      bool
		wantErr  error
		prm, eff uint64
		secure   bool
	}{
		{name: "effective", cr: user, fc: FileCaps{Permitted: raw | kill, Effective: true}, prm: raw | kill, eff: raw | kill, secure: true},
		{name: "permitted only", cr: user, fc: FileCaps{Permitted: raw}, prm: raw, eff: 0, secure: true},
		{name: "bounding cuts effective", cr: func() Creds { c := user; c.Caps.Bounding = all &^ raw; return c }(),
			fc: FileCaps{Permitted: raw | kill, Effective: true}, wantErr: abi.EPERM},
		{name: "bounding cuts permitted-only", cr: func() Creds { c := user; c.Caps.Bounding = all &^ raw; return c }(),
			fc: FileCaps{Permitted: raw | kill}, prm: kill, eff: 0, secure: true},
		{name: "inheritable", cr: func() Creds { c := user; c.Caps.Inheritable = tm; return c }(),
			fc: FileCaps{Inheritable: tm | raw, Effective: true}, prm: tm, eff: tm, secure: true},
		{name: "no new privs", cr: user, fc: FileCaps{Permitted: raw, Effective: true}, nnp: true, prm: 0, eff: 0, secure: true},
		{name: "ambient cleared", cr: func() Creds { c := user; c.Caps.Ambient = tm; c.Caps.Permitted = tm; c.Caps.Inheritable = tm; return c }(),
			fc: FileCaps{Permitted: raw}, prm: raw, eff: 0, secure: true},
		{name: "root gets all anyway", cr: Creds{Caps: CapSets{Bounding: all}}, fc: FileCaps{Permitted: raw}, prm: all, eff: all},
		{name: "noroot root gets the file's", cr: Creds{Caps: CapSets{Bounding: all}}, fc: FileCaps{Permitted: raw}, bits: SecbitNoroot, prm: raw, eff: 0},
	} {
		cr := c.cr
		secure, err := cr.execCreds(&SetID{Caps: &c.fc}, c.bits, c.nnp)
		if err != c.wantErr {
			t.Errorf("%s: err %v, want %v", c.name, err, c.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if cr.Caps.Permitted != c.prm || cr.Caps.Effective != c.eff || secure != c.secure || cr.Caps.Ambient != 0 {
			t.Errorf("%s: permitted %#x effective %#x ambient %#x secure %v; want %#x %#x 0 %v",
				c.name, cr.Caps.Permitted, cr.Caps.Effective, cr.Caps.Ambient, secure, c.prm, c.eff, c.secure)
		}
	}
}
