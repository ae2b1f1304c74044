package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// Changing user and group IDs: setuid, setreuid, setresuid, setfsuid and
// their group counterparts, with Linux's rules for which of the real,
// effective, saved and filesystem IDs an unprivileged process may set to
// what. Privilege (CAP_SETUID, CAP_SETGID) is an effective uid of 0 here,
// the tree's root check.
func init() {
	const note = "Linux's rules for unprivileged callers; privilege is euid 0 (no capability sets)"
	partial("setuid", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, setIDs(t, false, func(c *idSet, priv bool) error { return c.setID(uint32(a[0]), priv) })
	})
	partial("setgid", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, setIDs(t, true, func(c *idSet, priv bool) error { return c.setID(uint32(a[0]), priv) })
	})
	partial("setreuid", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, setIDs(t, false, func(c *idSet, priv bool) error { return c.setRE(uint32(a[0]), uint32(a[1]), priv) })
	})
	partial("setregid", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, setIDs(t, true, func(c *idSet, priv bool) error { return c.setRE(uint32(a[0]), uint32(a[1]), priv) })
	})
	partial("setresuid", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, setIDs(t, false, func(c *idSet, priv bool) error {
			return c.setRES(uint32(a[0]), uint32(a[1]), uint32(a[2]), priv)
		})
	})
	partial("setresgid", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, setIDs(t, true, func(c *idSet, priv bool) error {
			return c.setRES(uint32(a[0]), uint32(a[1]), uint32(a[2]), priv)
		})
	})
	partial("setfsuid", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		return setFSID(t, false, uint32(a[0])), nil
	})
	partial("setfsgid", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		return setFSID(t, true, uint32(a[0])), nil
	})
}

// noID is (uid_t)-1: "leave unchanged", and never a valid ID.
const noID = ^uint32(0)

// idSet is the real, effective, saved and filesystem user or group IDs.
type idSet struct{ r, e, s, fs uint32 }

// setID is setuid/setgid: privileged, all four; otherwise the effective
// (and filesystem) ID may become the real or saved one.
func (c *idSet) setID(id uint32, priv bool) error {
	switch {
	case id == noID:
		return abi.EINVAL
	case priv:
		c.r, c.e, c.s, c.fs = id, id, id, id
	case id == c.r || id == c.s:
		c.e, c.fs = id, id
	default:
		return abi.EPERM
	}
	return nil
}

// setRE is setreuid/setregid: the real ID may become the real or effective
// one, the effective ID any of the three; the saved ID follows the new
// effective one when the real ID is set or the effective one is set to
// something other than the old real ID.
func (c *idSet) setRE(r, e uint32, priv bool) error {
	n := *c
	if r != noID {
		if !priv && r != c.r && r != c.e {
			return abi.EPERM
		}
		n.r = r
	}
	if e != noID {
		if !priv && e != c.r && e != c.e && e != c.s {
			return abi.EPERM
		}
		n.e = e
	}
	if r != noID || e != noID && e != c.r {
		n.s = n.e
	}
	n.fs = n.e
	*c = n
	return nil
}

// setRES is setresuid/setresgid: unprivileged, each ID set may only take
// one of the current three.
func (c *idSet) setRES(r, e, s uint32, priv bool) error {
	ok := func(id uint32) bool { return id == noID || priv || id == c.r || id == c.e || id == c.s }
	if !ok(r) || !ok(e) || !ok(s) {
		return abi.EPERM
	}
	n := *c
	for _, p := range []struct {
		dst *uint32
		v   uint32
	}{{&n.r, r}, {&n.e, e}, {&n.s, s}} {
		if p.v != noID {
			*p.dst = p.v
		}
	}
	n.fs = n.e
	*c = n
	return nil
}

// ids returns the user (group false) or group IDs of creds.
func ids(c *task.Creds, group bool) *idSet {
	if group {
		return &idSet{c.GID, c.EGID, c.SGID, c.FSGID}
	}
	return &idSet{c.UID, c.EUID, c.SUID, c.FSUID}
}

func putIDs(c *task.Creds, group bool, s *idSet) {
	if group {
		c.GID, c.EGID, c.SGID, c.FSGID = s.r, s.e, s.s, s.fs
	} else {
		c.UID, c.EUID, c.SUID, c.FSUID = s.r, s.e, s.s, s.fs
	}
}

// setIDs applies change to the process's user or group IDs.
func setIDs(t *task.Task, group bool, change func(c *idSet, priv bool) error) error {
	c := t.TG().Creds()
	oldUID := c.UID
	set := ids(&c, group)
	if err := change(set, c.EUID == 0); err != nil {
		return err
	}
	putIDs(&c, group, set)
	if !group && c.UID != oldUID {
		t.Kernel().NoteUIDChange(t.TG(), c.UID)
	}
	t.TG().SetCreds(c)
	return nil
}

// setFSID is setfsuid/setfsgid: it always returns the old filesystem ID and
// changes it only to one of the real, effective, saved or filesystem IDs
// (any, when privileged); -1 only reads.
func setFSID(t *task.Task, group bool, id uint32) uint64 {
	c := t.TG().Creds()
	set := ids(&c, group)
	old := set.fs
	if id != noID && (c.EUID == 0 || id == set.r || id == set.e || id == set.s || id == set.fs) {
		set.fs = id
		putIDs(&c, group, set)
		t.TG().SetCreds(c)
	}
	return uint64(old)
}
