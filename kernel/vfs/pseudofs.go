package vfs

import (
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
)

// PseudoFS is a filesystem without a namespace: the home of inodes that
// only exist behind descriptors (pipes, eventfd, epoll, timerfd, ...).
// fstat and fstatfs on such a descriptor report its inode and this
// filesystem, as Linux's pipefs and anon_inodefs do.
type PseudoFS struct {
	name   string
	dev    uint64
	magic  int64
	nextIn atomic.Uint64
}

// NewPseudoFS returns a pseudo filesystem named name (pipefs,
// anon_inodefs) with st_dev dev and statfs magic number magic.
func NewPseudoFS(name string, dev uint64, magic int64) *PseudoFS {
	return &PseudoFS{name: name, dev: dev, magic: magic}
}

func (p *PseudoFS) Type() string { return p.name }
func (p *PseudoFS) Root() *Inode { return nil }
func (p *PseudoFS) Dev() uint64  { return p.dev }
func (p *PseudoFS) Statfs() abi.Statfs {
	return abi.Statfs{Type: p.magic, Bsize: 4096, Frsize: 4096, Namelen: 255}
}

// NewInode returns a fresh inode of p with the given mode, owned by root,
// its times set to now.
func (p *PseudoFS) NewInode(mode uint32, now time.Time) *Inode {
	ts := abi.TimeToTimespec(now)
	return NewInode(p, p.nextIn.Add(1), Attr{Mode: mode, Nlink: 1, Atime: ts, Mtime: ts, Ctime: ts}, nil)
}

// Pipefs holds every pipe's inode (S_IFIFO, PIPEFS_MAGIC).
var Pipefs = NewPseudoFS("pipefs", abi.MakeDev(0, 12), 0x50495045)

// AnonInodefs holds the one inode Linux shares among anonymous files
// (eventfd, epoll, signalfd, timerfd, inotify): mode 0600 with no file
// type bits, link count 1.
var AnonInodefs = NewPseudoFS("anon_inodefs", abi.MakeDev(0, 13), 0x09041934)

var anonInode = NewInode(AnonInodefs, 1, Attr{Mode: 0o600, Nlink: 1}, nil)

// AnonInode returns the inode anonymous files share.
func AnonInode() *Inode { return anonInode }
