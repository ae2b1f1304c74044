package main

import (
	"strings"

	"sort"
	"sync"
	"time"
	"weak"

	"aramid/kernel/abi"
	"aramid/kernel/block"
	"aramid/kernel/fs/devfs"
	"aramid/kernel/fs/sysfs"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/klog"
	"aramid/kernel/vfs"
)

// diskFilesystems are the filesystems that live on a block device, by type
// name: mount(2) and root= make them from a device's data; rdev is the
// device's number (the filesystem's st_dev). userland registers ext4.
var diskFilesystems = map[string]func(dev block.Device, rdev uint64, flags uint32, data string) (vfs.Filesystem, error){}

// blockDevices connects the block layer to device nodes, devtmpfs, sysfs,
// /proc/partitions and mount(2).
type blockDevices struct {
	layer *block.Layer
	devs  *devfs.Registry
	log   *klog.Logger

	mu       sync.Mutex
	devtmpfs []weak.Pointer[tmpfs.FS] // every devtmpfs instance gets the nodes
	mounts   map[*block.Bdev]*diskMount
}

// diskMount is one disk filesystem instance (Linux's superblock on a
// device): mounting the device again with the same type shares it.
type diskMount struct {
	fstype string
	fs     vfs.Filesystem
	refs   int
}

// setupBlock starts the block layer: devices registered by drivers get
// numbers, partitions and /dev nodes as they appear.
func setupBlock(log *klog.Logger, devs *devfs.Registry) *blockDevices {
	b := &blockDevices{layer: block.NewLayer(log.Infof), devs: devs, log: log, mounts: map[*block.Bdev]*diskMount{}}
	b.layer.Listen(block.Listener{Added: b.added, Removed: b.removed})
	go b.layer.Watch(nil)
	return b
}

// added registers the device's number with the device registry (opening
// looks the device up by number, so a number reused after a rescan opens
// the new device) and gives every devtmpfs its node.
func (b *blockDevices) added(d *block.Bdev) {
	opener := devfs.DeviceFunc(func(c *vfs.Caller, _ *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
		cur := b.layer.ByNumber(d.Major, d.Minor)
		if cur == nil {
			return nil, abi.ENXIO
		}
		return b.layer.OpenFile(c, cur, flags)
	})
	if err := b.devs.RegisterBlock(d.Major, d.Minor, opener); err != nil && err != abi.EBUSY {
		b.log.Errorf("block: %s: %v", d.Name, err)
	}
	for _, fs := range b.liveDevtmpfs() {
		addBlockNode(fs, d)
	}
}

func (b *blockDevices) removed(d *block.Bdev) {
	for _, fs := range b.liveDevtmpfs() {
		removeBlockNode(fs, d)
	}
}

func (b *blockDevices) liveDevtmpfs() []*tmpfs.FS {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*tmpfs.FS
	live := b.devtmpfs[:0]
	for _, w := range b.devtmpfs {
		if fs := w.Value(); fs != nil {
			out = append(out, fs)
			live = append(live, w)
		}
	}
	b.devtmpfs = live
	return out
}

// newDevtmpfs is a devtmpfs mount: the standard nodes and one node per
// block device (brw------- root root, as devtmpfs makes them), kept up to
// date as devices come and go.
func (b *blockDevices) newDevtmpfs(clock func() time.Time, dev uint64) (*tmpfs.FS, error) {
	fs, err := devfs.New(clock, dev, devfs.StandardNodes)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.devtmpfs = append(b.devtmpfs, weak.Make(fs))
	b.mu.Unlock()
	for _, d := range b.layer.All() {
		addBlockNode(fs, d)
	}
	return fs, nil
}

func addBlockNode(fs *tmpfs.FS, d *block.Bdev) {
	root := fs.Root()
	_, _ = root.Ops.(vfs.DirOps).Create(root, d.Name, vfs.CreateArgs{Mode: abi.S_IFBLK | 0o600, Rdev: abi.MakeDev(d.Major, d.Minor)})
}

// removeBlockNode deletes the device's node if it is still the one
// devtmpfs made (the same type and number), as devtmpfs does.
func removeBlockNode(fs *tmpfs.FS, d *block.Bdev) {
	root := fs.Root()
	dir := root.Ops.(vfs.DirOps)
	in, err := dir.Lookup(root, d.Name)
	if err != nil {
		return
	}
	if a := in.Attr(); a.Type() == abi.S_IFBLK && a.Rdev == abi.MakeDev(d.Major, d.Minor) {
		_ = dir.Remove(root, d.Name, in)
	}
}

// attachSysfs publishes every block device in sysfs: its directory with
// Linux's attributes and subsystem link, /sys/class/block/<name>,
// /sys/block/<disk> and /sys/dev/block/MAJ:MIN.
func (b *blockDevices) attachSysfs(s *sysfs.FS) {
	dirOf := func(d *block.Bdev) string {
		if d.IsPartition() {
			return blockSysfsParent(d.Disk.Name) + "/" + d.Disk.Name + "/" + d.Name
		}
		return blockSysfsParent(d.Name) + "/" + d.Name
	}
	b.layer.Listen(block.Listener{
		Added: func(d *block.Bdev) {
			dir := dirOf(d)
			for _, a := range d.SysfsAttrs() {
				if err := s.AddGen(dir+"/"+a.Name, a.Gen); err != nil {
					b.log.Errorf("sysfs: %s/%s: %v", dir, a.Name, err)
				}
			}
			links := []sysfs.Entry{
				// sd-device (systemd) and udev take a device without a
				// subsystem link for no block device.
				{Path: dir + "/subsystem", Kind: sysfs.Symlink, Data: strings.Repeat("../", strings.Count(dir, "/")+1) + "class/block"},
				{Path: "class/block/" + d.Name, Kind: sysfs.Symlink, Data: "../../" + dir},
				{Path: "dev/block/" + d.DevNumber(), Kind: sysfs.Symlink, Data: "../../" + dir},
			}
			if !d.IsPartition() {
				links = append(links, sysfs.Entry{Path: "block/" + d.Name, Kind: sysfs.Symlink, Data: "../" + dir})
				if dev := diskDeviceLink(d.Name); dev != "" {
					links = append(links, sysfs.Entry{Path: dir + "/device", Kind: sysfs.Symlink, Data: dev})
				}
			}
			for _, l := range links {
				if err := s.Add(l); err != nil {
					b.log.Errorf("sysfs: %s: %v", l.Path, err)
				}
			}
		},
		Removed: func(d *block.Bdev) {
			_ = s.Remove("class/block/" + d.Name)
			_ = s.Remove("dev/block/" + d.DevNumber())
			if !d.IsPartition() {
				_ = s.Remove("block/" + d.Name)
			}
			_ = s.Remove(dirOf(d))
		},
	})
}

// registerDiskFilesystems makes every disk filesystem mountable with
// mount(2) from a block device node.
func (b *blockDevices) registerDiskFilesystems(v *vfs.VFS) {
	for name := range diskFilesystems {
		fstype := name
		v.RegisterBlockFilesystem(fstype, func(c *vfs.Caller, rdev uint64, source string, flags uint32, data string) (vfs.Filesystem, func(), error) {
			d := b.layer.ByNumber(abi.DevMajor(rdev), abi.DevMinor(rdev))
			if d == nil || d.Gone() {
				return nil, nil, abi.ENXIO
			}
			return b.mountDisk(d, fstype, flags, data)
		})
	}
}

// mountDisk makes (or shares) the filesystem fstype on d: EBUSY when d is
// held by another filesystem type or an O_EXCL opener, EACCES for a
// writable mount of a read-only device.
func (b *blockDevices) mountDisk(d *block.Bdev, fstype string, flags uint32, data string) (vfs.Filesystem, func(), error) {
	mk := diskFilesystems[fstype]
	if mk == nil {
		return nil, nil, abi.ENODEV
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if m := b.mounts[d]; m != nil {
		if m.fstype != fstype {
			return nil, nil, abi.EBUSY
		}
		m.refs++
		return m.fs, func() { b.unmountDisk(d, m) }, nil
	}
	if flags&abi.MS_RDONLY == 0 && d.ReadOnly() {
		return nil, nil, abi.EACCES
	}
	m := &diskMount{fstype: fstype, refs: 1}
	if err := d.Claim(m); err != nil {
		return nil, nil, err
	}
	d.Open()
	fs, err := mk(d.Dev, abi.MakeDev(d.Major, d.Minor), flags, data)
	if err != nil {
		d.Close()
		d.Release(m)
		return nil, nil, err
	}
	m.fs = fs
	b.mounts[d] = m
	return fs, func() { b.unmountDisk(d, m) }, nil
}

func (b *blockDevices) unmountDisk(d *block.Bdev, m *diskMount) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if m.refs--; m.refs > 0 {
		return
	}
	delete(b.mounts, d)
	d.Close()
	d.Release(m)
}

// diskFSNames lists the disk filesystem types in a stable order (the
// order the root mount tries them without rootfstype=).
func diskFSNames() []string {
	var out []string
	for n := range diskFilesystems {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
