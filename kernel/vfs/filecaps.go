package vfs

import (
	"encoding/binary"
	"strings"

	"aramid/kernel/abi"
)

// File capabilities: the security.capability attribute (struct
// vfs_cap_data, <linux/capability.h>) grants capabilities at execve.
// Setting it needs CAP_SETFCAP and a valid revision-2 or revision-3 value
// (cap_convert_nscap: anything else is EINVAL; a revision-3 value whose
// root id is 0 is stored as revision 2, as it reads back on Linux); other
// security.* names keep the VFS's owner-or-writer rule. A
// write, truncation or ownership change of a regular file drops the
// attribute, and a write or truncation by a caller without CAP_FSETID
// drops set-user-ID (and set-group-ID with group execute) as Linux's
// file_remove_privs; Inode.noPrivs caches a check that found nothing to
// drop until a mode or attribute change.

// XattrCaps is the file-capability attribute's name.
const XattrCaps = "security.capability"

const (
	capRevisionMask     = 0xff000000
	capRevision2        = 0x02000000
	capRevision3        = 0x03000000
	capFlagsEffective   = 0x000001
	capsSize2           = 20 // magic_etc, two {permitted, inheritable} pairs
	capsSize3           = 24 // revision 2 plus rootid
	xattrSecurityPrefix = "security."
)

// FileCaps is a file's capability sets as execve applies them.
type FileCaps struct {
	Permitted, Inheritable uint64
	Effective              bool
}

// parseCaps decodes a stored value: ok is false for a malformed one;
// rootID is 0 for revision 2.
func parseCaps(b []byte) (fc FileCaps, rootID uint32, ok bool) {
	if len(b) < 4 {
		return FileCaps{}, 0, false
	}
	le := binary.LittleEndian
	magic := le.Uint32(b)
	switch {
	case magic&capRevisionMask == capRevision2 && len(b) == capsSize2:
	case magic&capRevisionMask == capRevision3 && len(b) == capsSize3:
		rootID = le.Uint32(b[20:])
	default:
		return FileCaps{}, 0, false
	}
	fc.Permitted = uint64(le.Uint32(b[4:])) | uint64(le.Uint32(b[12:]))<<32
	fc.Inheritable = uint64(le.Uint32(b[8:])) | uint64(le.Uint32(b[16:]))<<32
	fc.Effective = magic&capFlagsEffective != 0
	return fc, rootID, true
}

// convertCaps is cap_convert_nscap for the initial namespace: the value
// to store for a setxattr of security.capability, or EINVAL.
func convertCaps(v []byte) ([]byte, error) {
	_, rootID, ok := parseCaps(v)
	if !ok {
		return nil, abi.EINVAL
	}
	if len(v) == capsSize3 && rootID == 0 {
		out := append([]byte(nil), v[:capsSize2]...)
		magic := binary.LittleEndian.Uint32(out)
		binary.LittleEndian.PutUint32(out, capRevision2|magic&capFlagsEffective)
		return out, nil
	}
	return v, nil
}

// capsWrite is the check for writing the capability attribute:
// CAP_SETFCAP (cap_convert_nscap). Removing it takes only the VFS's rule
// on the reference kernel, whose BPF LSM answers the removal hook first.
func capsWrite(c *Caller) error {
	if !c.Capable(abi.CAP_SETFCAP) {
		return abi.EPERM
	}
	return nil
}

// rawXattr reads an attribute without permission checks, for the
// kernel's own use (ENODATA when absent or unsupported).
func (in *Inode) rawXattr(name string) ([]byte, error) {
	if fs, ok := in.FS.(XattrFS); !ok || !fs.SupportsXattr() {
		return nil, abi.ENODATA
	}
	if x := xattrOpsOf(in); x != nil {
		return x.GetXattr(in, name)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	v, ok := in.xattrs[name]
	if !ok {
		return nil, abi.ENODATA
	}
	return append([]byte(nil), v...), nil
}

// FileCaps returns the capabilities execve grants for in (get_file_caps):
// nil without the attribute or when it names another namespace's root
// (revision 3 with a non-zero root id), EINVAL when it is malformed.
func (in *Inode) FileCaps() (*FileCaps, error) {
	v, err := in.rawXattr(XattrCaps)
	if err != nil {
		if err == abi.ENODATA || err == abi.EOPNOTSUPP {
			return nil, nil
		}
		return nil, err
	}
	fc, rootID, ok := parseCaps(v)
	if !ok {
		return nil, abi.EINVAL
	}
	if rootID != 0 {
		return nil, nil
	}
	return &fc, nil
}

// removePrivs is Linux's file_remove_privs before a write or truncation of
// a regular file by c: set-id bits go unless c has CAP_FSETID, the
// capability attribute goes in any case.
func (in *Inode) removePrivs(c *Caller) error {
	if in.noPrivs.Load() {
		return nil
	}
	a := in.Attr()
	if a.Type() != abi.S_IFREG {
		return nil
	}
	var kill uint32
	if a.Mode&abi.S_ISUID != 0 {
		kill |= abi.S_ISUID
	}
	if a.Mode&(abi.S_ISGID|abi.S_IXGRP) == abi.S_ISGID|abi.S_IXGRP {
		kill |= abi.S_ISGID
	}
	if kill != 0 && (c == nil || !c.Capable(abi.CAP_FSETID)) {
		in.Update(func(a *Attr) { a.Mode &^= kill })
		if err := attrChanged(in); err != nil {
			return err
		}
	}
	if err := in.dropCaps(); err != nil {
		return err
	}
	if kill == 0 {
		in.noPrivs.Store(true)
	}
	return nil
}

// dropCaps removes the capability attribute if the inode has one (a
// write, truncation or chown, as security_inode_killpriv).
func (in *Inode) dropCaps() error {
	if _, err := in.rawXattr(XattrCaps); err != nil {
		return nil
	}
	if x := xattrOpsOf(in); x != nil {
		if err := x.RemoveXattr(in, XattrCaps); err != nil && err != abi.ENODATA {
			return err
		}
		return nil
	}
	in.mu.Lock()
	delete(in.xattrs, XattrCaps)
	in.mu.Unlock()
	return nil
}

// isSecurityXattr reports whether name is in the security namespace.
func isSecurityXattr(name string) bool { return strings.HasPrefix(name, xattrSecurityPrefix) }
