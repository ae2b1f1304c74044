package procfs

import (
	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// pollKind is what poll(2) and epoll see on a procfs file. Linux gives a
// poll method to the files of /proc itself (proc_reg_poll:
// DEFAULT_POLLMASK unless the entry has its own), to /proc/sys
// (proc_sys_poll), to /proc/swaps and to /proc/<pid>/mounts and mountinfo;
// the other files of /proc/<pid> have none, so epoll_ctl refuses them with
// EPERM (poll and select still report DEFAULT_POLLMASK).
type pollKind int

const (
	pollNone    pollKind = iota // no poll method
	pollDefault                 // DEFAULT_POLLMASK
	pollSwaps                   // POLLIN|POLLRDNORM, POLLERR|POLLPRI after swapon/swapoff (never: no swap)
	pollMounts                  // POLLIN|POLLRDNORM, POLLERR|POLLPRI once after each mount-table change
)

// polled returns mk with its file node's poll kind set to k.
func (fs *FS) polled(k pollKind, mk func(string, *vfs.Inode) *vfs.Inode) func(string, *vfs.Inode) *vfs.Inode {
	return func(path string, parent *vfs.Inode) *vfs.Inode {
		in := mk(path, parent)
		if n, ok := in.Ops.(*fileNode); ok {
			n.poll, n.vfs = k, fs.o.VFS
		}
		return in
	}
}

// CanPoll reports whether the file has a poll method (epoll_ctl accepts
// it).
func (s *snapshot) CanPoll() bool { return s.node.poll != pollNone }

// Readiness implements vfs.FileImpl.
func (s *snapshot) Readiness(f *vfs.File, mask uint32) uint32 {
	const defaultMask = abi.POLLIN | abi.POLLOUT | abi.POLLRDNORM | abi.POLLWRNORM
	switch s.node.poll {
	case pollSwaps:
		return mask & (abi.POLLIN | abi.POLLRDNORM)
	case pollMounts:
		r := uint32(abi.POLLIN | abi.POLLRDNORM)
		// As Linux's mounts_poll: a change since the last poll (or the
		// open) is reported once.
		if ev := s.vfs.MountEvent(); s.mountEvent.Swap(ev) != ev {
			r |= abi.POLLERR | abi.POLLPRI
		}
		return mask & r
	}
	return mask & defaultMask
}

// EventQueue implements vfs.FileImpl: the mount table's queue for mounts
// and mountinfo; nothing else changes readiness.
func (s *snapshot) EventQueue() *vfs.Queue {
	if s.node.poll == pollMounts {
		return s.vfs.MountQueue()
	}
	return nil
}
