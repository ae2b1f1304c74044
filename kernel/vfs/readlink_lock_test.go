package vfs_test

import (
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// lockingFS is a filesystem whose root holds one symlink, "l", whose text
// is computed by a callback (as procfs's cwd, root and fd/N links compute
// theirs from paths, under the VFS lock).
type lockingFS struct {
	root, link *vfs.Inode
}

func (f *lockingFS) Type() string           { return "lockingfs" }
func (f *lockingFS) Root() *vfs.Inode       { return f.root }
func (f *lockingFS) Dev() uint64            { return abi.MakeDev(0, 99) }
func (f *lockingFS) Statfs() abi.Statfs     { return abi.Statfs{} }
func (f *lockingFS) attr(m uint32) vfs.Attr { return vfs.Attr{Mode: m, Nlink: 1} }

// lockingDir serves Lookup; the other DirOps are never reached.
type lockingDir struct {
	vfs.DirOps
	fs *lockingFS
}

func (d lockingDir) Lookup(_ *vfs.Inode, name string) (*vfs.Inode, error) {
	if name == "l" {
		return d.fs.link, nil
	}
	return nil, abi.ENOENT
}

func (lockingDir) Open(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) { return nil, abi.EACCES }

// lockingLink's text comes from text, called as the VFS computes it.
type lockingLink struct{ text func() string }

func (l lockingLink) Open(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) {
	return nil, abi.ELOOP
}
func (l lockingLink) ReadlinkCaller(*vfs.Caller, *vfs.Inode) (string, error) {
	return l.text(), nil
}

// TestReadlinkTextOutsideLock: readlinkat must not hold the VFS lock while
// a link computes its text. A procfs link's text takes the lock itself,
// and a read lock taken twice deadlocks as soon as a writer waits in
// between (the fuzzer hung every path call this way). The link here takes
// the write lock (through RegisterFilesystem), which deadlocks at once if
// the read lock is still held.
func TestReadlinkTextOutsideLock(t *testing.T) {
	e := newEnv(t)
	e.mkdir("/m", 0o755)
	fs := &lockingFS{}
	fs.root = vfs.NewInode(fs, 1, fs.attr(abi.S_IFDIR|0o755), lockingDir{fs: fs})
	fs.link = vfs.NewInode(fs, 2, fs.attr(abi.S_IFLNK|0o777), lockingLink{text: func() string {
		e.v.RegisterFilesystem("lockingfs-probe", nil)
		return "target"
	}})
	e.must(e.v.Mount(e.root, e.fsc, "/m", fs, 0, "none", ""))
	done := make(chan struct{})
	var got string
	var err error
	go func() {
		got, err = e.v.ReadlinkAt(e.root, e.fsc, nil, "/m/l")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("readlinkat deadlocked: the link's text was computed under the VFS lock")
	}
	if err != nil || got != "target" {
		t.Fatalf("ReadlinkAt = %q, %v; want target", got, err)
	}
}
