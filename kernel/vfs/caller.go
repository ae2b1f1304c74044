package vfs

import (
	"time"

	"aramid/kernel/abi"
)

// Creds are the credentials permission checks use: the filesystem user and
// group ids, the supplementary groups and the effective capabilities.
type Creds struct {
	UID    uint32
	GID    uint32
	Groups []uint32
	// Caps is the effective capability set (bits abi.CAP_*) when
	// CapsValid. Callers inside the kernel (the initramfs unpacker, tests)
	// leave it unset, and then fsuid 0 stands for every capability.
	Caps      uint64
	CapsValid bool
}

// Capable reports whether the credentials hold capability cap, as
// capable_wrt_inode_uidgid does for the one user namespace.
func (c *Creds) Capable(cap int) bool {
	if !c.CapsValid {
		return c.UID == 0
	}
	return c.Caps&(1<<uint(cap)) != 0
}

// InGroup reports whether gid is the primary or a supplementary group.
func (c *Creds) InGroup(gid uint32) bool {
	if c.GID == gid {
		return true
	}
	for _, g := range c.Groups {
		if g == gid {
			return true
		}
	}
	return false
}

// Blocker lets a blocking operation sleep in a way the task layer can
// interrupt. See the package documentation for the contract.
type Blocker interface {
	Block(ch <-chan struct{}, timeout time.Duration) error
}

// UserMemory copies to and from the caller's address space; ioctl and
// similar operations whose argument is a user pointer use it. A short copy
// returns abi.EFAULT.
type UserMemory interface {
	CopyIn(addr uintptr, dst []byte) error
	CopyOut(addr uintptr, src []byte) error
}

// Caller is the task on whose behalf an operation runs.
type Caller struct {
	Creds
	// Blocker puts the caller to sleep; nil means the caller cannot
	// block, and operations that would block return abi.EAGAIN.
	Blocker Blocker
	// Mem reaches the caller's memory for ioctl arguments; nil makes
	// such ioctls fail with abi.EFAULT.
	Mem UserMemory
	// PID, PGID and SID of the calling thread group, for terminal
	// ownership checks; TID is the calling thread.
	PID, PGID, SID int32
	TID            int32
	// SigPipe, if set, is called when a write fails with abi.EPIPE
	// because no reader is left (the caller then raises SIGPIPE).
	SigPipe func()
}

// Block waits on ch through c.Blocker. Without a blocker it returns
// abi.EAGAIN.
func (c *Caller) Block(ch <-chan struct{}, timeout time.Duration) error {
	if c == nil || c.Blocker == nil {
		return abi.EAGAIN
	}
	return c.Blocker.Block(ch, timeout)
}

// ChanBlocker is a Blocker for tests and kernel threads: it waits for ch,
// the timeout, or Interrupt, and reports an interrupt as ERESTARTSYS.
type ChanBlocker struct {
	// Interrupt, when closed or sent to, interrupts the wait.
	Interrupt <-chan struct{}
}

// Block implements Blocker.
func (b ChanBlocker) Block(ch <-chan struct{}, timeout time.Duration) error {
	var tc <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		tc = t.C
	}
	select {
	case <-ch:
		return nil
	case <-tc:
		return abi.ETIMEDOUT
	case <-b.Interrupt:
		return abi.ERESTARTSYS
	}
}
