package vfs

import (
	"strconv"

	"aramid/kernel/abi"
)

// Sockets in the filesystem. bind(2) on an AF_UNIX socket creates an
// S_IFSOCK inode; connect(2) and sendto(2) find it again. Which socket is
// bound to which inode is the socket layer's business (it keeps a table
// keyed by *Inode); opening such an inode stays ENXIO, as on Linux.

// BindSocketAt creates the socket inode for bind(2) at path (relative to
// the caller's working directory): mode S_IFSOCK | 0777 &^ umask, owned
// like any new file. A name that exists, even as a dangling symlink, is
// abi.EADDRINUSE.
func (v *VFS) BindSocketAt(c *Caller, fsc *FSContext, path string) (*Inode, error) {
	if path == "" {
		return nil, abi.ENOENT
	}
	s, err := start(fsc, nil, path)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(c, fsc)
	d, last, trailing, err := w.parent(s, path)
	if err != nil {
		return nil, err
	}
	if last == "." || last == ".." {
		return nil, abi.EADDRINUSE
	}
	if _, err := w.step(d, last, false); err == nil {
		return nil, abi.EADDRINUSE
	} else if err != abi.ENOENT {
		return nil, err
	}
	if trailing {
		return nil, abi.ENOENT
	}
	if err := mayModifyDir(c, d); err != nil {
		return nil, err
	}
	ops, err := dirOps(d)
	if err != nil {
		return nil, err
	}
	return ops.Create(d.Inode, last, newArgs(c, d.Inode, abi.S_IFSOCK|0o777&^fsc.Umask()))
}

// LookupSocketAt resolves path for connect(2) and sendto(2), following
// symlinks. Connecting needs write permission on the socket inode
// (abi.EACCES); an inode that is not a socket is abi.ECONNREFUSED.
func (v *VFS) LookupSocketAt(c *Caller, fsc *FSContext, path string) (*Inode, error) {
	if path == "" {
		return nil, abi.ENOENT
	}
	p, err := v.lookupInode(c, fsc, nil, path, 0)
	if err != nil {
		return nil, err
	}
	a := p.Inode.Attr()
	if err := CheckPermission(&c.Creds, &a, MayWrite); err != nil {
		return nil, err
	}
	if a.Type() != abi.S_IFSOCK {
		return nil, abi.ECONNREFUSED
	}
	return p.Inode, nil
}

// SockFS is the pseudo filesystem socket inodes belong to: fstat reports
// its device 0:8 and statfs SOCKFS_MAGIC, as on Linux.
type SockFS struct{}

// Sockets is the SockFS the socket families share.
var Sockets = &SockFS{}

func (*SockFS) Type() string       { return "sockfs" }
func (*SockFS) Root() *Inode       { return nil }
func (*SockFS) Dev() uint64        { return abi.MakeDev(0, 8) }
func (*SockFS) Statfs() abi.Statfs { return abi.Statfs{Type: 0x534f434b, Bsize: 4096, Namelen: 255} }

// SocketName is the name a socket's file has (/proc/<pid>/fd links).
func SocketName(ino uint64) string { return "socket:[" + strconv.FormatUint(ino, 10) + "]" }
