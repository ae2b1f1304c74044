package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diskfs/go-diskfs/partition/gpt"

	"aramid/kernel/abi"
	"aramid/kernel/block"
	"aramid/kernel/cmdline"
	"aramid/kernel/fs/devfs"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/klog"
	"aramid/kernel/vfs"
)

// fakeMagic marks a partition holding a "fakefs": the fake disk
// filesystem mounts only devices that start with it (EINVAL otherwise, as
// a filesystem finding no superblock).
const fakeMagic = "FAKEFS!!"

// rootEnv is a kernel's file tree (a tmpfs rootfs with /root, /dev, /mnt)
// over a 16 MiB disk vda whose partition 2 ("root") holds a fakefs.
type rootEnv struct {
	t     *testing.T
	v     *vfs.VFS
	fsc   *vfs.FSContext
	blk   *blockDevices
	log   *klog.Logger
	out   *bytes.Buffer
	disk  *block.RAMDisk
	roots []vfs.Filesystem // fakefs instances made
}

func newRootEnv(t *testing.T) *rootEnv {
	e := &rootEnv{t: t, out: &bytes.Buffer{}}
	e.log = klog.New(e.out, func() time.Duration { return 0 })
	e.log.SetConsoleLevel(10, true)
	diskFilesystems["fakefs"] = func(dev block.Device, rdev uint64, flags uint32, data string) (vfs.Filesystem, error) {
		b := make([]byte, dev.SectorSize())
		if err := dev.ReadSectors(b, 0); err != nil {
			return nil, abi.EIO
		}
		if !bytes.HasPrefix(b, []byte(fakeMagic)) {
			return nil, abi.EINVAL
		}
		fs := tmpfs.New(tmpfs.Options{Clock: time.Now, Mode: 0o755, Name: "fakefs"})
		e.roots = append(e.roots, fs)
		return fs, nil
	}
	t.Cleanup(func() { delete(diskFilesystems, "fakefs") })

	size := int64(16 << 20)
	f, err := os.Create(filepath.Join(t.TempDir(), "disk.img"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	table := &gpt.Table{LogicalSectorSize: 512, PhysicalSectorSize: 512, ProtectiveMBR: true, GUID: "11111111-2222-3333-4444-555555555555",
		Partitions: []*gpt.Partition{
			{Index: 1, Start: 2048, End: 4095, Type: gpt.EFISystemPartition, Name: "esp", GUID: "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"},
			{Index: 2, Start: 4096, End: 20479, Type: gpt.LinuxFilesystem, Name: "root", GUID: "01234567-89AB-CDEF-0123-456789ABCDEF"},
		}}
	if err := table.Write(f, size); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(fakeMagic), 4096*512); err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if e.disk, err = block.RAMDiskFrom(512, img); err != nil {
		t.Fatal(err)
	}

	devs := devfs.NewRegistry()
	rootfs := tmpfs.New(tmpfs.Options{Clock: time.Now, Mode: 0o755, Name: "rootfs"})
	e.v = vfs.New(rootfs, vfs.Options{Clock: time.Now, Devices: devs})
	e.fsc = vfs.NewFSContext(e.v.Root())
	e.blk = setupBlock(e.log, devs)
	e.blk.registerDiskFilesystems(e.v)
	e.v.RegisterFilesystem("devtmpfs", func(string, uint32, string) (vfs.Filesystem, error) {
		return e.blk.newDevtmpfs(time.Now, abi.MakeDev(0, 99))
	})
	for _, d := range []string{"/root", "/dev", "/mnt"} {
		if err := e.v.MkdirAt(&vfs.Caller{}, e.fsc, nil, d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// plug registers the disk as vda until the test ends.
func (e *rootEnv) plug() {
	if err := block.Register("vda", e.disk); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { block.Unregister("vda"); e.blk.layer.Sync() })
	e.blk.layer.Sync()
}

func TestRootMount(t *testing.T) {
	for _, c := range []struct {
		name, line string
		want       string // a log line
		rw         bool
	}{
		{"partlabel", "root=PARTLABEL=root", "VFS: Mounted root (fakefs filesystem) readonly on device 254:2.", false},
		{"partuuid-rw", "root=PARTUUID=01234567-89ab-cdef-0123-456789abcdef rw", "VFS: Mounted root (fakefs filesystem) on device 254:2.", true},
		{"partnroff", "root=PARTUUID=AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE/PARTNROFF=1 rootfstype=fakefs", "VFS: Mounted root (fakefs filesystem) readonly on device 254:2.", false},
		{"path", "root=/dev/vda2 rootfstype=nope,fakefs", "", false}, // ENODEV for nope: Linux stops there
		{"majmin", "root=254:2 rootwait", "VFS: Mounted root (fakefs filesystem) readonly on device 254:2.", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newRootEnv(t)
			e.plug()
			if err := e.v.MkdirAt(&vfs.Caller{}, e.fsc, nil, "/init", 0o755); err != nil {
				t.Fatal(err)
			}
			cfg := cmdline.Parse(c.line + " rdinit=/nonexistent")
			rd, err := e.blk.prepareRoot(e.log, cfg, e.v, e.fsc)
			if c.want == "" {
				if err == nil || !strings.Contains(e.out.String(), `VFS: Cannot open root device "vda2" or unknown-block(254,2): error -19`) {
					t.Fatalf("err %v, log:\n%s", err, e.out)
				}
				return
			}
			if err != nil || rd != "" {
				t.Fatalf("prepareRoot = %q, %v\n%s", rd, err, e.out)
			}
			if !strings.Contains(e.out.String(), c.want) {
				t.Errorf("log lacks %q:\n%s", c.want, e.out)
			}
			if root := e.fsc.Root(); root.Mount == nil || root.Mount.FS != e.roots[0] || e.fsc.Cwd().Inode != root.Inode {
				t.Fatalf("root is not the disk's filesystem")
			}
			if root := e.fsc.Root(); root.Mount.ReadOnly() == c.rw {
				t.Errorf("read-only %v with %q", root.Mount.ReadOnly(), c.line)
			}
			// The disk is held: BLKRRPART's rescan is EBUSY.
			if err := e.blk.layer.Rescan(e.blk.layer.Lookup("vda")); err == nil {
				t.Error("rescan with the root mounted succeeded")
			}
		})
	}
}

func TestRootRDInit(t *testing.T) {
	e := newRootEnv(t)
	if err := vfsWrite(e, "/init", 0o755); err != nil {
		t.Fatal(err)
	}
	rd, err := e.blk.prepareRoot(e.log, cmdline.Parse("root=/dev/vda2"), e.v, e.fsc)
	if rd != "/init" || err != nil || len(e.roots) != 0 {
		t.Errorf("with /init: %q, %v, %d mounts", rd, err, len(e.roots))
	}
}

func vfsWrite(e *rootEnv, path string, mode uint32) error {
	f, err := e.v.OpenAt(&vfs.Caller{}, e.fsc, nil, path, abi.O_WRONLY|abi.O_CREAT, mode)
	if err != nil {
		return err
	}
	f.DecRef()
	return nil
}

func TestRootMissing(t *testing.T) {
	old := rootProbeWait
	rootProbeWait = 50 * time.Millisecond
	t.Cleanup(func() { rootProbeWait = old })
	for _, c := range []struct{ line, want, panic string }{
		{"root=/dev/vdb1", `VFS: Cannot open root device "vdb1" or unknown-block(0,0): error -6`, "VFS: Unable to mount root fs on unknown-block(0,0)"},
		{"", `VFS: Cannot open root device "(null)" or unknown-block(0,0): error -6`, "VFS: Unable to mount root fs on unknown-block(0,0)"},
		{"root=/dev/vda7", `VFS: Cannot open root device "vda7" or unknown-block(254,7): error -6`, "VFS: Unable to mount root fs on unknown-block(254,7)"},
		{"root=PARTLABEL=esp", "No filesystem could mount root, tried:  fakefs", "VFS: Unable to mount root fs on unknown-block(254,1)"},
	} {
		t.Run(c.line, func(t *testing.T) {
			e := newRootEnv(t)
			e.plug()
			_, err := e.blk.prepareRoot(e.log, cmdline.Parse(c.line), e.v, e.fsc)
			if err == nil || err.Error() != c.panic || !strings.Contains(e.out.String(), c.want) {
				t.Errorf("%q: %v\n%s", c.line, err, e.out)
			}
			if !strings.Contains(e.out.String(), "  fe02       8192 vda2 01234567-89ab-cdef-0123-456789abcdef") {
				t.Errorf("%q: partitions not listed:\n%s", c.line, e.out)
			}
		})
	}
}

// TestRootWait: with rootwait the kernel waits for a disk that comes late.
func TestRootWait(t *testing.T) {
	e := newRootEnv(t)
	go func() {
		time.Sleep(50 * time.Millisecond)
		block.Register("vda", e.disk)
	}()
	t.Cleanup(func() { block.Unregister("vda"); e.blk.layer.Sync() })
	rd, err := e.blk.prepareRoot(e.log, cmdline.Parse("root=PARTLABEL=root rootwait"), e.v, e.fsc)
	if err != nil || rd != "" || !strings.Contains(e.out.String(), "Waiting for root device PARTLABEL=root...") {
		t.Errorf("%q %v\n%s", rd, err, e.out)
	}
}

// TestMountDisk is mount(2) of a disk filesystem through devtmpfs's node.
func TestMountDisk(t *testing.T) {
	e := newRootEnv(t)
	root := &vfs.Caller{}
	if err := e.v.MountByType(root, e.fsc, "devtmpfs", "/dev", "devtmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.v.StatAt(root, e.fsc, nil, "/dev/vda2", 0); err != abi.ENOENT {
		t.Errorf("node before the disk: %v", err)
	}
	e.plug()
	st, err := e.v.StatAt(root, e.fsc, nil, "/dev/vda2", 0)
	if err != nil || st.Mode != abi.S_IFBLK|0o600 || st.Rdev != abi.MakeDev(254, 2) {
		t.Fatalf("/dev/vda2: %+v %v", st, err)
	}
	if err := e.v.MountByType(root, e.fsc, "/dev/vda1", "/mnt", "fakefs", 0, ""); err != abi.EINVAL {
		t.Errorf("mount of a partition without the filesystem: %v", err)
	}
	if err := e.v.MountByType(root, e.fsc, "/dev/vda2", "/mnt", "fakefs", 0, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.v.OpenAt(root, e.fsc, nil, "/dev/vda2", abi.O_RDONLY|abi.O_EXCL, 0); err != abi.EBUSY {
		t.Errorf("O_EXCL open of a mounted device: %v", err)
	}
	if err := e.v.Umount(root, e.fsc, "/mnt", 0); err != nil {
		t.Fatal(err)
	}
	f, err := e.v.OpenAt(root, e.fsc, nil, "/dev/vda2", abi.O_RDONLY|abi.O_EXCL, 0)
	if err != nil {
		t.Fatalf("O_EXCL open after umount: %v", err)
	}
	if err := e.v.MountByType(root, e.fsc, "/dev/vda2", "/mnt", "fakefs", 0, ""); err != abi.EBUSY {
		t.Errorf("mount of a device open O_EXCL: %v", err)
	}
	f.DecRef()
	// The disk going away takes its nodes.
	block.Unregister("vda")
	e.blk.layer.Sync()
	if _, err := e.v.StatAt(root, e.fsc, nil, "/dev/vda2", 0); err != abi.ENOENT {
		t.Errorf("node after the disk left: %v", err)
	}
}
