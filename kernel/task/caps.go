package task

import "aramid/kernel/abi"

// CapSets are a process's capability sets (struct cred's cap_*), each a
// bit mask of abi.CAP_*.
type CapSets struct {
	Inheritable, Permitted, Effective, Bounding, Ambient uint64
}

// initCaps are PID 1's: everything permitted, effective and in the
// bounding set.
var initCaps = CapSets{Permitted: abi.CapFull, Effective: abi.CapFull, Bounding: abi.CapFull}

// Capable reports whether the credentials hold cap in their effective set
// (capable(), ns_capable() in the one user namespace).
func (c *Creds) Capable(cap int) bool { return c.Caps.Effective&(1<<uint(cap)) != 0 }

// capFSSet is CAP_FS_SET: the capabilities an fsuid change to or from 0
// moves in or out of the effective set.
const capFSSet = 1<<abi.CAP_CHOWN | 1<<abi.CAP_MKNOD | 1<<abi.CAP_DAC_OVERRIDE | 1<<abi.CAP_DAC_READ_SEARCH |
	1<<abi.CAP_FOWNER | 1<<abi.CAP_FSETID | 1<<abi.CAP_LINUX_IMMUTABLE | 1<<abi.CAP_MAC_OVERRIDE

// FixSetuid adjusts the capabilities after a change of real, effective or
// saved uid from old (cap_emulate_setxuid): leaving uid 0 in all three
// clears the permitted, effective and ambient sets (keepCaps, the
// SECURE_KEEP_CAPS bit, spares permitted and effective); leaving euid 0
// clears the effective set and gaining it restores the permitted set.
func (c *Creds) FixSetuid(old *Creds, keepCaps bool) {
	wasRoot := old.UID == 0 || old.EUID == 0 || old.SUID == 0
	isRoot := c.UID == 0 || c.EUID == 0 || c.SUID == 0
	if wasRoot && !isRoot {
		if !keepCaps {
			c.Caps.Permitted, c.Caps.Effective = 0, 0
		}
		c.Caps.Ambient = 0
	}
	if old.EUID == 0 && c.EUID != 0 {
		c.Caps.Effective = 0
	}
	if old.EUID != 0 && c.EUID == 0 {
		c.Caps.Effective = c.Caps.Permitted
	}
}

// FixSetfsuid adjusts the effective set after an fsuid change
// (cap_task_fix_setuid for LSM_SETID_FS).
func (c *Creds) FixSetfsuid(old *Creds) {
	if old.FSUID == 0 && c.FSUID != 0 {
		c.Caps.Effective &^= capFSSet
	}
	if old.FSUID != 0 && c.FSUID == 0 {
		c.Caps.Effective |= c.Caps.Permitted & capFSSet
	}
}

// ExecCreds computes the credentials execve gives a program without file
// capabilities and without set-id bits (cap_bprm_creds_from_file): the
// saved and filesystem ids become the effective ones; root (real or
// effective uid 0) gets the bounding set plus the inheritable set,
// effective if the euid is 0; everyone else keeps only the ambient set,
// in both permitted and effective.
func (c *Creds) ExecCreds() { c.execCreds(nil, 0, false) }

// SetID is what an executable changes at execve: the file's owner and
// group when its mode has S_ISUID, or S_ISGID with group execute, and its
// file capabilities, on a mount without nosuid.
type SetID struct {
	UID, GID       uint32
	SetUID, SetGID bool
	Caps           *FileCaps
}

// FileCaps are an executable's file capabilities (security.capability).
type FileCaps struct {
	Permitted, Inheritable uint64
	Effective              bool
}

// execCreds applies execve's credential rules (bprm_fill_uid, then
// cap_bprm_creds_from_file): a set-id file makes its owner (group) the
// effective and saved id; file capabilities give pP' = (X & fP) | (pI &
// fI), effective when fE is set (EPERM when fE is set and the bounding
// set withholds part of fP); root's capabilities follow the new effective
// uid unless SECBIT_NOROOT (or a set-user-ID-root file with capabilities
// run by another user); a set-id exec or file capabilities clear the
// ambient set; with no_new_privs the exec gains nothing: set-id bits are
// ignored and the permitted set cannot grow. It reports whether the exec
// is "secure" (AT_SECURE): ids or capabilities changed.
func (c *Creds) execCreds(sid *SetID, securebits uint32, nnp bool) (secure bool, err error) {
	old := c.Caps.Permitted
	var fc *FileCaps
	if sid != nil {
		fc = sid.Caps
	}
	if sid != nil && !nnp && sid.SetUID && sid.UID != c.EUID {
		c.EUID = sid.UID
		secure = true
	}
	if sid != nil && !nnp && sid.SetGID && sid.GID != c.EGID {
		c.EGID = sid.GID
		secure = true
	}
	if secure || fc != nil {
		c.Caps.Ambient = 0
	}
	c.SUID, c.FSUID = c.EUID, c.EUID
	c.SGID, c.FSGID = c.EGID, c.EGID
	defer func() {
		// Linux's check for a privilege-elevated exec: ids that differ
		// from the real ones, or a caller whose real uid is not root
		// holding permitted capabilities beyond its ambient set.
		if c.UID != c.EUID || c.GID != c.EGID || c.UID != 0 && c.Caps.Permitted&^c.Caps.Ambient != 0 {
			secure = true
		}
	}()
	p := uint64(0)
	effective := false
	if fc != nil {
		p = c.Caps.Bounding&fc.Permitted | c.Caps.Inheritable&fc.Inheritable
		effective = fc.Effective
		if fc.Effective && fc.Permitted&^p != 0 {
			return false, abi.EPERM // "insufficient to execute correctly"
		}
	}
	if securebits&SecbitNoroot == 0 && !(fc != nil && c.EUID == 0 && c.UID != 0) {
		if c.EUID == 0 || c.UID == 0 {
			p = c.Caps.Bounding | c.Caps.Inheritable
		}
		if c.EUID == 0 {
			effective = true
		}
	}
	if nnp && p&^old != 0 {
		p &= old
	}
	if c.UID != 0 && effective {
		secure = true // Linux's secureexec: an effective file, even one NNP cut
	}
	p |= c.Caps.Ambient
	c.Caps.Permitted = p
	if effective {
		c.Caps.Effective = p
	} else {
		c.Caps.Effective = c.Caps.Ambient
	}
	return secure, nil
}

// killAllowed is check_kill_permission's credential test: a process may
// signal one whose real or saved uid matches its real or effective uid,
// any process with CAP_KILL, and SIGCONT goes to any process in the same
// session.
func killAllowed(sender, target *ThreadGroup, sig abi.Signal) bool {
	if sender == target {
		return true
	}
	sc, tc := sender.Creds(), target.Creds()
	if sc.EUID == tc.SUID || sc.EUID == tc.UID || sc.UID == tc.SUID || sc.UID == tc.UID || sc.Capable(abi.CAP_KILL) {
		return true
	}
	if sig == abi.SIGCONT {
		_, _, _, ssid := sender.IDs()
		_, _, _, tsid := target.IDs()
		return tsid == 0 || tsid == ssid
	}
	return false
}

// UpdateCreds changes the process's credentials under its lock: fn edits
// a copy, and the copy replaces them only if fn returns nil.
func (g *ThreadGroup) UpdateCreds(fn func(c *Creds) error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.creds
	c.Groups = append([]uint32(nil), g.creds.Groups...)
	if err := fn(&c); err != nil {
		return err
	}
	o := g.creds
	if o.EUID != c.EUID || o.EGID != c.EGID || o.FSUID != c.FSUID || o.FSGID != c.FSGID ||
		c.Caps.Permitted&^o.Caps.Permitted != 0 {
		g.nondumpable.Store(true)
	}
	g.creds = c
	g.idGen.Add(1)
	return nil
}

// Dumpable is PR_GET_DUMPABLE (0 or 1).
func (g *ThreadGroup) Dumpable() bool { return !g.nondumpable.Load() }

// SetDumpable is PR_SET_DUMPABLE with 0 or 1.
func (g *ThreadGroup) SetDumpable(on bool) { g.nondumpable.Store(!on) }

// auditUnset is AUDIT_UID_UNSET and AUDIT_SID_UNSET: no login recorded.
const auditUnset = ^uint32(0)

// LoginUID returns the audit login uid and session id (/proc/<pid>/loginuid
// and sessionid), 4294967295 for unset.
func (g *ThreadGroup) LoginUID() (uid, session uint32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.loginSet {
		return auditUnset, auditUnset
	}
	return g.loginUID, g.sessionID
}

// SetLoginUID records a login (audit_set_loginuid): an unset loginuid may
// be set by anyone, a set one only with CAP_AUDIT_CONTROL; setting a uid
// starts a new session id, setting 4294967295 unsets both.
func (g *ThreadGroup) SetLoginUID(uid uint32, auditControl bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.loginSet && g.loginUID != auditUnset && !auditControl {
		return abi.EPERM
	}
	g.loginSet = true
	g.loginUID = uid
	if uid == auditUnset {
		g.sessionID = auditUnset
		return nil
	}
	g.sessionID = g.k.nextSession.Add(1)
	return nil
}
