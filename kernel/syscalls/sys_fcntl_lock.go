package syscalls

import (
	"encoding/binary"
	"math"

	"aramid/kernel/abi"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// flockSize is sizeof(struct flock) on x86_64: l_type and l_whence
// (shorts), l_start and l_len (off_t at 8 and 16), l_pid (int at 24).
const flockSize = 32

// fcntlLock implements F_GETLK, F_SETLK, F_SETLKW and their OFD variants.
// Classic locks belong to the descriptor table (the process), OFD locks to
// the open file description f; OFD requests must pass l_pid 0.
func fcntlLock(s *System, t *task.Task, fd int32, f *vfs.File, cmd uint64, addr uint64) (uint64, error) {
	var raw [flockSize]byte
	if err := t.MM().CopyIn(addr, raw[:]); err != nil {
		return 0, err
	}
	typ := int16(binary.LittleEndian.Uint16(raw[0:]))
	whence := int16(binary.LittleEndian.Uint16(raw[2:]))
	start := int64(binary.LittleEndian.Uint64(raw[8:]))
	length := int64(binary.LittleEndian.Uint64(raw[16:]))
	pid := int32(binary.LittleEndian.Uint32(raw[24:]))
	getlk := cmd == abi.F_GETLK || cmd == abi.F_OFD_GETLK
	if getlk && typ != abi.F_RDLCK && typ != abi.F_WRLCK {
		return 0, abi.EINVAL
	}
	lo, hi, err := f.LockRange(whence, start, length)
	if err != nil {
		return 0, err
	}
	var owner any = fds(t)
	ownerPid := t.TG().ID
	ofd := cmd == abi.F_OFD_GETLK || cmd == abi.F_OFD_SETLK || cmd == abi.F_OFD_SETLKW
	if !getlk {
		// Linux checks the access mode before the OFD l_pid rule.
		if err := f.CheckLockType(typ); err != nil {
			return 0, err
		}
	}
	if ofd {
		if pid != 0 {
			return 0, abi.EINVAL
		}
		owner, ownerPid = f, -1
	}
	if !getlk {
		wait := cmd == abi.F_SETLKW || cmd == abi.F_OFD_SETLKW
		if err := f.SetLock(s.caller(t), owner, int32(ownerPid), typ, lo, hi, wait); err != nil {
			return 0, err
		}
		if !ofd && typ != abi.F_UNLCK {
			// Another thread may have closed fd meanwhile, and its close
			// released the process's locks before this one was taken:
			// undo it and report EBADF, as Linux does.
			if g, err := fds(t).Get(fd); err == nil {
				same := g == f
				g.DecRef()
				if same {
					return 0, nil
				}
			}
			_ = f.SetLock(nil, owner, int32(ownerPid), abi.F_UNLCK, lo, hi, false)
			return 0, abi.EBADF
		}
		return 0, nil
	}
	l, held, err := f.TestLock(owner, typ, lo, hi)
	if err != nil {
		return 0, err
	}
	if !held {
		binary.LittleEndian.PutUint16(raw[0:], abi.F_UNLCK)
		return 0, t.MM().CopyOut(addr, raw[:])
	}
	n := int64(0)
	if l.End != vfs.OffsetMax {
		n = l.End - l.Start + 1
	}
	binary.LittleEndian.PutUint16(raw[0:], uint16(l.Type))
	binary.LittleEndian.PutUint16(raw[2:], abi.SEEK_SET)
	binary.LittleEndian.PutUint64(raw[8:], uint64(l.Start))
	binary.LittleEndian.PutUint64(raw[16:], uint64(n))
	binary.LittleEndian.PutUint32(raw[24:], uint32(l.Pid))
	return 0, t.MM().CopyOut(addr, raw[:])
}

// fcntlOwner implements F_GETOWN, F_SETOWN, F_GETSIG and F_SETSIG: the
// owner (a process, or a process group when negative) must exist, ESRCH
// otherwise, and INT_MIN is EINVAL; the signal must be 0..64. Both are
// recorded on the open file description (with the setter's uid and euid)
// and used by O_ASYNC's signals (sendSIGIO).
func fcntlOwner(s *System, t *task.Task, f *vfs.File, cmd uint64, arg uint64) (uint64, error) {
	switch cmd {
	case abi.F_GETOWN_EX:
		typ, id := f.OwnerEx()
		var b [8]byte
		binary.LittleEndian.PutUint32(b[0:], uint32(typ))
		binary.LittleEndian.PutUint32(b[4:], uint32(id))
		return 0, t.MM().CopyOut(arg, b[:])
	case abi.F_SETOWN_EX:
		var b [8]byte
		if err := t.MM().CopyIn(arg, b[:]); err != nil {
			return 0, err
		}
		typ, id := int32(binary.LittleEndian.Uint32(b[0:])), int32(binary.LittleEndian.Uint32(b[4:]))
		who := id
		switch typ {
		case abi.F_OWNER_TID:
			if id != 0 && s.K.Task(id) == nil {
				return 0, abi.ESRCH
			}
		case abi.F_OWNER_PID:
			if id != 0 && (s.K.Group(id) == nil || s.K.Group(id).Zombie()) {
				return 0, abi.ESRCH
			}
		case abi.F_OWNER_PGRP:
			if id != 0 && !pgrpExists(s, id) {
				return 0, abi.ESRCH
			}
			who = -id
		default:
			return 0, abi.EINVAL
		}
		c := t.TG().Creds()
		f.SetOwnerEx(typ, who, c.UID, c.EUID)
		return 0, nil
	case abi.F_GETOWN:
		return uint64(int64(f.Owner())), nil
	case abi.F_GETSIG:
		return uint64(f.Sig()), nil
	case abi.F_SETSIG:
		if arg > 64 {
			return 0, abi.EINVAL
		}
		f.SetSig(int32(arg))
		return 0, nil
	}
	who := int32(arg)
	if who == math.MinInt32 {
		return 0, abi.EINVAL
	}
	n := who
	if n < 0 {
		n = -n
	}
	if n != 0 && s.K.Task(n) == nil && !pgrpExists(s, n) {
		return 0, abi.ESRCH
	}
	c := t.TG().Creds()
	f.SetOwner(who, c.UID, c.EUID)
	return 0, nil
}

// sendSIGIO delivers an O_ASYNC notification (vfs.SIGIO) to the owner
// process or every process of the owner group that Linux's sigio_perm
// allows: the owner's setter was root or shares a real or saved uid.
func sendSIGIO(s *System, ownerType, owner, sig int32, reason int32, band uint32, fd int32, uid, euid uint32) {
	if ownerType == abi.F_OWNER_TID {
		// One thread (F_SETOWN_EX with F_OWNER_TID): a thread-directed
		// signal, checked against its process's credentials.
		if th := s.K.Task(owner); th != nil {
			c := th.TG().Creds()
			if euid == 0 || euid == c.SUID || euid == c.UID || uid == c.SUID || uid == c.UID {
				th.SendIO(abi.Signal(sig), reason, band, fd)
			}
		}
		return
	}
	var targets []*task.ThreadGroup
	if owner > 0 {
		if g := s.K.Group(owner); g != nil {
			targets = append(targets, g)
		}
	} else {
		for _, g := range s.K.Groups() {
			if _, pg, _ := g.SessionIDs(); pg == -owner {
				targets = append(targets, g)
			}
		}
	}
	for _, g := range targets {
		if g.Zombie() {
			continue
		}
		c := g.Creds()
		if euid == 0 || euid == c.SUID || euid == c.UID || uid == c.SUID || uid == c.UID {
			g.SendIO(abi.Signal(sig), reason, band, fd)
		}
	}
}

// pgrpExists reports whether some live process is in process group pgid.
func pgrpExists(s *System, pgid int32) bool {
	for _, g := range s.K.Groups() {
		if _, pg, _ := g.SessionIDs(); pg == pgid && !g.Zombie() {
			return true
		}
	}
	return false
}
