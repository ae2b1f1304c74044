// Package vfs is Aramid's virtual filesystem: inodes, mounts, path
// resolution, permission checks, open file descriptions, per-process
// descriptor tables and filesystem contexts (root, cwd, umask), plus the
// path-based operations the *at system calls need.
//
// # Model
//
// A Filesystem supplies Inodes. The VFS keeps each inode's metadata (Attr)
// and asks the filesystem, through small optional interfaces on
// Inode.Ops, for what only it knows: directory contents (DirOps), symlink
// targets (SymlinkOps), file contents (InodeOps.Open, TruncateOps).
//
// There is no separate dentry cache. A directory has exactly one parent, so
// a directory inode records its own parent and name (SetParent, maintained
// by the filesystem on create and rename); that is the "dentry" of a
// directory, and it is never stale. A non-directory is named by its parent
// directory plus a name (a Path remembers both). A Path is (Mount, Inode):
// the same inode seen through two mounts is two places. Mount points are
// keyed by (parent mount, directory inode).
//
// # Blocking and signals
//
// Operations that may sleep (reads of pipes and terminals, waits for a
// writer) take a *Caller whose Blocker the task layer implements:
//
//	type Blocker interface {
//		Block(ch <-chan struct{}, timeout time.Duration) error
//	}
//
// Block returns nil when ch is ready (closed or received from),
// abi.ETIMEDOUT when timeout (if >= 0) elapsed first, and abi.ERESTARTSYS
// (or abi.EINTR for calls that must not restart) when a signal interrupts
// the wait. The callee returns that error unchanged; the system-call exit
// path turns ERESTARTSYS into a restart or EINTR. A Waiter registered on a
// Queue supplies ch: register, re-check the condition, then Block; the
// same Queue serves poll and epoll (Readiness gives the level-triggered
// mask, EventQueue the queue to register on).
//
// # Lock order
//
//  1. VFS.mu (namespace: mount table and all directory changes; read-held
//     during path walks, write-held by create/unlink/rename/link/mount)
//  2. File.mu (offset, directory position)
//  3. filesystem-internal locks (e.g. tmpfs file data, tmpfs directory)
//  4. Inode.mu (attributes)
//  5. Queue.mu (leaf)
//
// An inode's record-lock list lock (posixlock.go) is held only around
// its list and, inside it, the global waits-for lock of deadlock detection
// (a leaf); neither is held with any other lock.
//
// FDTable.mu and FSContext.mu are leaves: they are never held while
// calling into any other lock; callers take references out and release the
// table lock before doing I/O. File references are counted (IncRef/DecRef);
// the last DecRef calls FileImpl.Release.
//
// # Not implemented
//
// Leases (F_SETLEASE), mandatory locking, ACLs and
// the system.* extended-attribute namespace (user.* only on filesystems
// that store attributes, XattrOps), capabilities other
// than root's (UID 0 is treated as holding CAP_DAC_OVERRIDE,
// CAP_DAC_READ_SEARCH, CAP_FOWNER and CAP_CHOWN), mount propagation
// (MS_SHARED/MS_SLAVE/MS_PRIVATE are accepted and recorded, nothing
// propagates), MS_MOVE (EINVAL), a working directory keeping a mount busy
// (open files do), atime updates on read (noatime behaviour), clearing of
// set-user-ID bits on write, FIFOs unless a FIFOOpener is installed
// (EOPNOTSUPP), sockets in the filesystem (ENXIO on open, as Linux without
// a listener).
package vfs
