package syscalls

import (
	"encoding/binary"
	"sort"

	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// Credentials and capabilities: the uid and gid setters with Linux's
// permission rules (CAP_SETUID, CAP_SETGID) and capability fix-ups,
// capget/capset with all three header versions, and the prctl operations
// on the bounding and ambient sets. execve's capability rules are in
// task.Creds.ExecCaps.

func init() {
	full("setuid", withUIDNote(sysSetuid))
	full("setgid", sysSetgid)
	full("setreuid", withUIDNote(sysSetreuid))
	full("setregid", sysSetregid)
	full("setresuid", withUIDNote(sysSetresuid))
	full("setresgid", sysSetresgid)
	full("setfsuid", sysSetfsuid)
	full("setfsgid", sysSetfsgid)
	full("setgroups", sysSetgroups)
	full("capget", sysCapget)
	full("capset", sysCapset)
}

// capable reports whether t's process holds cap in its effective set.
func capable(t *task.Task, cap int) bool {
	c := t.TG().Creds()
	return c.Capable(cap)
}

// withUIDNote wraps a set*uid handler: when it changes the real uid, the
// kernel notes whether the new user is beyond RLIMIT_NPROC, so that the
// next execve fails with EAGAIN (Linux's flag_nproc_exceeded; set*uid
// itself succeeds).
func withUIDNote(h Handler) Handler {
	return func(s *System, t *task.Task, a Args) (uint64, error) {
		old := t.TG().Creds().UID
		r, err := h(s, t, a)
		if uid := t.TG().Creds().UID; err == nil && uid != old {
			t.Kernel().NoteUIDChange(t.TG(), uid)
		}
		return r, err
	}
}

// noID is (uid_t)-1: "leave unchanged", and an invalid id elsewhere.
const noID = ^uint32(0)

// fixSetuid applies the capability fix-up after a uid change from old,
// unless t's securebits hold SECURE_NO_SETUID_FIXUP; SECURE_KEEP_CAPS keeps
// the permitted set (cap_task_fix_setuid).
func fixSetuid(t *task.Task, c, old *task.Creds) {
	b := t.Securebits()
	if b&task.SecbitNoSetuidFixup != 0 {
		return
	}
	c.FixSetuid(old, b&task.SecbitKeepCaps != 0)
}

func sysSetuid(s *System, t *task.Task, a Args) (uint64, error) {
	id := uint32(a[0])
	if id == noID {
		return 0, abi.EINVAL
	}
	return 0, t.TG().UpdateCreds(func(c *task.Creds) error {
		old := *c
		switch {
		case old.Capable(abi.CAP_SETUID):
			c.UID, c.SUID = id, id
		case id != old.UID && id != old.SUID:
			return abi.EPERM
		}
		c.EUID, c.FSUID = id, id
		fixSetuid(t, c, &old)
		return nil
	})
}

func sysSetgid(s *System, t *task.Task, a Args) (uint64, error) {
	id := uint32(a[0])
	if id == noID {
		return 0, abi.EINVAL
	}
	return 0, t.TG().UpdateCreds(func(c *task.Creds) error {
		switch {
		case c.Capable(abi.CAP_SETGID):
			c.GID, c.EGID, c.SGID, c.FSGID = id, id, id, id
		case id == c.GID || id == c.SGID:
			c.EGID, c.FSGID = id, id
		default:
			return abi.EPERM
		}
		return nil
	})
}

func sysSetreuid(s *System, t *task.Task, a Args) (uint64, error) {
	r, e := uint32(a[0]), uint32(a[1])
	return 0, t.TG().UpdateCreds(func(c *task.Creds) error {
		old := *c
		priv := old.Capable(abi.CAP_SETUID)
		if r != noID {
			if r != old.UID && r != old.EUID && !priv {
				return abi.EPERM
			}
			c.UID = r
		}
		if e != noID {
			if e != old.UID && e != old.EUID && e != old.SUID && !priv {
				return abi.EPERM
			}
			c.EUID = e
		}
		if r != noID || e != noID && e != old.UID {
			c.SUID = c.EUID
		}
		c.FSUID = c.EUID
		fixSetuid(t, c, &old)
		return nil
	})
}

func sysSetregid(s *System, t *task.Task, a Args) (uint64, error) {
	r, e := uint32(a[0]), uint32(a[1])
	return 0, t.TG().UpdateCreds(func(c *task.Creds) error {
		old := *c
		priv := old.Capable(abi.CAP_SETGID)
		if r != noID {
			if r != old.GID && r != old.EGID && !priv {
				return abi.EPERM
			}
			c.GID = r
		}
		if e != noID {
			if e != old.GID && e != old.EGID && e != old.SGID && !priv {
				return abi.EPERM
			}
			c.EGID = e
		}
		if r != noID || e != noID && e != old.GID {
			c.SGID = c.EGID
		}
		c.FSGID = c.EGID
		return nil
	})
}

func sysSetresuid(s *System, t *task.Task, a Args) (uint64, error) {
	ids := [3]uint32{uint32(a[0]), uint32(a[1]), uint32(a[2])}
	return 0, t.TG().UpdateCreds(func(c *task.Creds) error {
		old := *c
		if !old.Capable(abi.CAP_SETUID) {
			for _, id := range ids {
				if id != noID && id != old.UID && id != old.EUID && id != old.SUID {
					return abi.EPERM
				}
			}
		}
		for i, dst := range []*uint32{&c.UID, &c.EUID, &c.SUID} {
			if ids[i] != noID {
				*dst = ids[i]
			}
		}
		c.FSUID = c.EUID
		fixSetuid(t, c, &old)
		return nil
	})
}

func sysSetresgid(s *System, t *task.Task, a Args) (uint64, error) {
	ids := [3]uint32{uint32(a[0]), uint32(a[1]), uint32(a[2])}
	return 0, t.TG().UpdateCreds(func(c *task.Creds) error {
		if !c.Capable(abi.CAP_SETGID) {
			for _, id := range ids {
				if id != noID && id != c.GID && id != c.EGID && id != c.SGID {
					return abi.EPERM
				}
			}
		}
		for i, dst := range []*uint32{&c.GID, &c.EGID, &c.SGID} {
			if ids[i] != noID {
				*dst = ids[i]
			}
		}
		c.FSGID = c.EGID
		return nil
	})
}

// sysSetfsuid implements setfsuid(2): it always returns the old fsuid and
// changes it only to one of the other uids, or to any with CAP_SETUID.
func sysSetfsuid(s *System, t *task.Task, a Args) (uint64, error) {
	id := uint32(a[0])
	var prev uint32
	t.TG().UpdateCreds(func(c *task.Creds) error {
		old := *c
		prev = old.FSUID
		if id == noID || id == old.FSUID {
			return abi.EINVAL // no change
		}
		if id != old.UID && id != old.EUID && id != old.SUID && !old.Capable(abi.CAP_SETUID) {
			return abi.EPERM
		}
		c.FSUID = id
		if t.Securebits()&task.SecbitNoSetuidFixup == 0 {
			c.FixSetfsuid(&old)
		}
		return nil
	})
	return uint64(prev), nil
}

// sysSetfsgid implements setfsgid(2), as setfsuid with CAP_SETGID.
func sysSetfsgid(s *System, t *task.Task, a Args) (uint64, error) {
	id := uint32(a[0])
	var prev uint32
	t.TG().UpdateCreds(func(c *task.Creds) error {
		prev = c.FSGID
		if id == noID || id == c.FSGID {
			return abi.EINVAL
		}
		if id != c.GID && id != c.EGID && id != c.SGID && !c.Capable(abi.CAP_SETGID) {
			return abi.EPERM
		}
		c.FSGID = id
		return nil
	})
	return uint64(prev), nil
}

// ngroupsMax is NGROUPS_MAX.
const ngroupsMax = 65536

func sysSetgroups(s *System, t *task.Task, a Args) (uint64, error) {
	if !capable(t, abi.CAP_SETGID) {
		return 0, abi.EPERM
	}
	n := uint64(uint32(a[0]))
	if n > ngroupsMax {
		return 0, abi.EINVAL
	}
	b := make([]byte, 4*n)
	if err := t.MM().CopyIn(a[1], b); err != nil {
		return 0, err
	}
	groups := make([]uint32, n)
	for i := range groups {
		groups[i] = binary.LittleEndian.Uint32(b[i*4:])
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i] < groups[j] }) // groups_sort
	return 0, t.TG().UpdateCreds(func(c *task.Creds) error {
		c.Groups = groups
		return nil
	})
}

// capHeader reads a capget/capset header and checks its version: an
// unknown one is replaced by the preferred version (v3) and EINVAL, the
// probe libcap relies on. words is how many 32-bit words the data has.
func capHeader(t *task.Task, addr uint64) (words int, pid int32, err error) {
	m := t.MM()
	b := make([]byte, 8)
	if err := m.CopyIn(addr, b); err != nil {
		return 0, 0, err
	}
	switch binary.LittleEndian.Uint32(b) {
	case abi.LINUX_CAPABILITY_VERSION_1:
		words = 1
	case abi.LINUX_CAPABILITY_VERSION_2, abi.LINUX_CAPABILITY_VERSION_3:
		words = 2
	default:
		if err := m.WriteUint32(addr, abi.LINUX_CAPABILITY_VERSION_3); err != nil {
			return 0, 0, err
		}
		return 0, 0, abi.EINVAL
	}
	return words, int32(binary.LittleEndian.Uint32(b[4:])), nil
}

// sysCapget implements capget(2): the capabilities of the caller (pid 0)
// or of another process.
func sysCapget(s *System, t *task.Task, a Args) (uint64, error) {
	words, pid, err := capHeader(t, a[0])
	if a[1] == 0 {
		if err == abi.EINVAL {
			return 0, nil // the version probe
		}
		return 0, err
	}
	if err != nil {
		return 0, err
	}
	if pid < 0 {
		return 0, abi.EINVAL
	}
	g := t.TG()
	if pid != 0 && pid != g.ID {
		o := t.Kernel().Task(pid)
		if o == nil {
			return 0, abi.ESRCH
		}
		g = o.TG()
	}
	c := g.Creds().Caps
	b := make([]byte, 12*words)
	for i := 0; i < words; i++ {
		sh := uint(32 * i)
		binary.LittleEndian.PutUint32(b[i*12:], uint32(c.Effective>>sh))
		binary.LittleEndian.PutUint32(b[i*12+4:], uint32(c.Permitted>>sh))
		binary.LittleEndian.PutUint32(b[i*12+8:], uint32(c.Inheritable>>sh))
	}
	return 0, t.MM().CopyOut(a[1], b)
}

// sysCapset implements capset(2) for the calling process (cap_capset's
// rules): the new permitted set may only shrink, effective must be within
// permitted, inheritable may only gain capabilities that are permitted
// (unless CAP_SETPCAP) and in the bounding set; the ambient set loses what
// is no longer both permitted and inheritable.
func sysCapset(s *System, t *task.Task, a Args) (uint64, error) {
	words, pid, err := capHeader(t, a[0])
	if err != nil {
		return 0, err
	}
	if pid != 0 && pid != t.TG().ID {
		return 0, abi.EPERM
	}
	b := make([]byte, 12*words)
	if err := t.MM().CopyIn(a[1], b); err != nil {
		return 0, err
	}
	var eff, perm, inh uint64
	for i := 0; i < words; i++ {
		sh := uint(32 * i)
		eff |= uint64(binary.LittleEndian.Uint32(b[i*12:])) << sh
		perm |= uint64(binary.LittleEndian.Uint32(b[i*12+4:])) << sh
		inh |= uint64(binary.LittleEndian.Uint32(b[i*12+8:])) << sh
	}
	eff, perm, inh = eff&abi.CapFull, perm&abi.CapFull, inh&abi.CapFull
	return 0, t.TG().UpdateCreds(func(c *task.Creds) error {
		old := c.Caps
		if !c.Capable(abi.CAP_SETPCAP) && inh&^(old.Inheritable|old.Permitted) != 0 {
			return abi.EPERM
		}
		if inh&^(old.Inheritable|old.Bounding) != 0 || perm&^old.Permitted != 0 || eff&^perm != 0 {
			return abi.EPERM
		}
		c.Caps.Effective, c.Caps.Permitted, c.Caps.Inheritable = eff, perm, inh
		c.Caps.Ambient &= perm & inh
		return nil
	})
}

// prctl operations on capabilities.
const (
	prCapbsetRead        = 23
	prCapbsetDrop        = 24
	prCapAmbient         = 47
	prCapAmbientIsSet    = 1
	prCapAmbientRaise    = 2
	prCapAmbientLower    = 3
	prCapAmbientClearAll = 4
)

// prctlCaps handles PR_CAPBSET_READ, PR_CAPBSET_DROP and PR_CAP_AMBIENT;
// ok is false for other operations.
func prctlCaps(t *task.Task, a Args) (ret uint64, err error, ok bool) {
	g := t.TG()
	switch a[0] {
	case prCapbsetRead:
		if !abi.CapValid(a[1]) {
			return 0, abi.EINVAL, true
		}
		return (g.Creds().Caps.Bounding >> a[1]) & 1, nil, true
	case prCapbsetDrop:
		return 0, g.UpdateCreds(func(c *task.Creds) error {
			if !c.Capable(abi.CAP_SETPCAP) {
				return abi.EPERM
			}
			if !abi.CapValid(a[1]) {
				return abi.EINVAL
			}
			c.Caps.Bounding &^= 1 << a[1]
			return nil
		}), true
	case prCapAmbient:
		if a[1] == prCapAmbientClearAll {
			if a[2]|a[3]|a[4] != 0 {
				return 0, abi.EINVAL, true
			}
			return 0, g.UpdateCreds(func(c *task.Creds) error { c.Caps.Ambient = 0; return nil }), true
		}
		if !abi.CapValid(a[2]) || a[3]|a[4] != 0 {
			return 0, abi.EINVAL, true
		}
		bit := uint64(1) << a[2]
		switch a[1] {
		case prCapAmbientIsSet:
			if g.Creds().Caps.Ambient&bit != 0 {
				return 1, nil, true
			}
			return 0, nil, true
		case prCapAmbientRaise, prCapAmbientLower:
			return 0, g.UpdateCreds(func(c *task.Creds) error {
				if a[1] == prCapAmbientLower {
					c.Caps.Ambient &^= bit
					return nil
				}
				if c.Caps.Permitted&bit == 0 || c.Caps.Inheritable&bit == 0 {
					return abi.EPERM
				}
				c.Caps.Ambient |= bit
				return nil
			}), true
		}
		return 0, abi.EINVAL, true
	}
	return 0, nil, false
}
