package vfs

import "aramid/kernel/abi"

// GetWriteAccess counts one more writer of the inode, or fails with
// ETXTBSY while a running program's executable denies writes (Linux's
// get_write_access).
func (in *Inode) GetWriteAccess() error {
	for {
		n := in.writeCount.Load()
		if n < 0 {
			return abi.ETXTBSY
		}
		if in.writeCount.CompareAndSwap(n, n+1) {
			return nil
		}
	}
}

// PutWriteAccess ends a GetWriteAccess.
func (in *Inode) PutWriteAccess() { in.writeCount.Add(-1) }

// DenyWriteAccess makes opening the inode for writing fail with ETXTBSY
// until AllowWriteAccess, or fails with ETXTBSY itself when the inode is
// open for writing (Linux's deny_write_access, which execve takes for the
// program it runs).
func (in *Inode) DenyWriteAccess() error {
	for {
		n := in.writeCount.Load()
		if n > 0 {
			return abi.ETXTBSY
		}
		if in.writeCount.CompareAndSwap(n, n-1) {
			return nil
		}
	}
}

// AllowWriteAccess ends a DenyWriteAccess.
func (in *Inode) AllowWriteAccess() { in.writeCount.Add(1) }
