package block

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diskfs/go-diskfs/partition/gpt"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// gptDisk returns a 16 MiB RAM disk whose GPT (written by go-diskfs, as
// mkimage writes it) has the given partitions, each 1 MiB-aligned.
func gptDisk(t *testing.T, parts ...*gpt.Partition) *RAMDisk {
	t.Helper()
	size := int64(16 << 20)
	f, err := os.Create(filepath.Join(t.TempDir(), "disk.img"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	table := &gpt.Table{LogicalSectorSize: 512, PhysicalSectorSize: 512, ProtectiveMBR: true,
		GUID: "11111111-2222-3333-4444-555555555555", Partitions: parts}
	if err := table.Write(f, size); err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	d, err := RAMDiskFrom(512, img)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func twoParts() []*gpt.Partition {
	return []*gpt.Partition{
		{Index: 1, Start: 2048, End: 4095, Type: gpt.EFISystemPartition, Name: "esp", GUID: "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"},
		{Index: 2, Start: 4096, End: 20479, Type: gpt.LinuxFilesystem, Name: "root", GUID: "01234567-89AB-CDEF-0123-456789ABCDEF"},
	}
}

// register puts d in the registry as name for the test's duration.
func register(t *testing.T, name string, d Device) {
	t.Helper()
	if err := Register(name, d); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Unregister(name) })
}

func TestLayerNumbersAndText(t *testing.T) {
	register(t, "vda", gptDisk(t, twoParts()...))
	empty, _ := NewRAMDisk(4096, 256)
	register(t, "vdb", empty)
	var seen []string
	l := NewLayer(nil)
	l.Listen(Listener{Added: func(b *Bdev) { seen = append(seen, "+"+b.Name) }, Removed: func(b *Bdev) { seen = append(seen, "-"+b.Name) }})
	l.Sync()
	var got []string
	for _, b := range l.All() {
		got = append(got, b.Name+"="+b.DevNumber())
	}
	if want := "vda=254:0 vda1=254:1 vda2=254:2 vdb=254:16"; strings.Join(got, " ") != want {
		t.Errorf("devices %v, want %s", got, want)
	}
	if strings.Join(seen, " ") != "+vda +vda1 +vda2 +vdb" {
		t.Errorf("listener saw %v", seen)
	}
	want := "major minor  #blocks  name\n\n" +
		" 254        0      16384 vda\n 254        1       1024 vda1\n 254        2       8192 vda2\n 254       16       1024 vdb\n"
	if got := l.ProcPartitions(); got != want {
		t.Errorf("/proc/partitions\n%s\nwant\n%s", got, want)
	}
	p := l.Lookup("vda2")
	if p == nil || p.Part.Start != 4096 || p.Sectors512() != 16384 || p.Part.UUID != "01234567-89ab-cdef-0123-456789abcdef" {
		t.Fatalf("vda2 = %+v", p)
	}
	if u := p.Uevent(); u != "MAJOR=254\nMINOR=2\nDEVNAME=vda2\nDEVTYPE=partition\nDISKSEQ=1\nPARTN=2\nPARTNAME=root\n" {
		t.Errorf("uevent %q", u)
	}
	if u := l.Lookup("vda").Uevent(); !strings.HasPrefix(u, "MAJOR=254\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\nDISKSEQ=") {
		t.Errorf("disk uevent %q", u)
	}
	Unregister("vdb")
	l.Sync()
	if l.Lookup("vdb") != nil || seen[len(seen)-1] != "-vdb" {
		t.Errorf("vdb not removed: %v", seen)
	}
}

func TestDiskNumber(t *testing.T) {
	for _, c := range []struct {
		name  string
		minor uint32
		ok    bool
	}{{"vda", 0, true}, {"vdb", 16, true}, {"vdz", 400, true}, {"vdaa", 416, true}, {"vd", 0, false}, {"vdA", 0, false}, {"sda", 0, false}, {"vdzzzz", 0, false}} {
		_, m, err := diskNumber(c.name)
		if (err == nil) != c.ok || m != c.minor {
			t.Errorf("%s: minor %d, %v", c.name, m, err)
		}
	}
}

// mem is user memory for ioctl arguments: one page at 0x1000.
type mem struct{ b [4096]byte }

func (m *mem) CopyIn(addr uintptr, dst []byte) error {
	if addr < 0x1000 || addr+uintptr(len(dst)) > 0x2000 {
		return abi.EFAULT
	}
	copy(dst, m.b[addr-0x1000:])
	return nil
}

func (m *mem) CopyOut(addr uintptr, src []byte) error {
	if addr < 0x1000 || addr+uintptr(len(src)) > 0x2000 {
		return abi.EFAULT
	}
	copy(m.b[addr-0x1000:], src)
	return nil
}

func openFile(t *testing.T, l *Layer, name string, flags uint32) (*File, *vfs.File) {
	t.Helper()
	impl, err := l.OpenFile(&vfs.Caller{}, l.Lookup(name), flags)
	if err != nil {
		t.Fatal(err)
	}
	return impl.(*File), vfs.NewFile(impl, nil, vfs.Path{}, flags)
}

func TestFileIO(t *testing.T) {
	disk := gptDisk(t, twoParts()...)
	register(t, "vda", disk)
	l := NewLayer(nil)
	l.Sync()
	root := &vfs.Caller{Mem: &mem{}}
	f, vf := openFile(t, l, "vda1", abi.O_RDWR)
	size := int64(1 << 20)
	// Unaligned write: read-modify-write of two sectors.
	if n, err := f.Write(root, vf, []byte("hello, disk"), 510); n != 11 || err != nil {
		t.Fatalf("write: %d %v", n, err)
	}
	if got := disk.Bytes()[2048*512+510:][:11]; string(got) != "hello, disk" {
		t.Errorf("disk holds %q", got)
	}
	buf := make([]byte, 11)
	if n, err := f.Read(root, vf, buf, 510); n != 11 || err != nil || string(buf) != "hello, disk" {
		t.Errorf("read back %q %d %v", buf, n, err)
	}
	// The end: short write across it, ENOSPC at it, reads stop.
	if n, err := f.Write(root, vf, make([]byte, 100), size-10); n != 10 || err != nil {
		t.Errorf("write across the end: %d %v", n, err)
	}
	if _, err := f.Write(root, vf, []byte{1}, size); err != abi.ENOSPC {
		t.Errorf("write at the end: %v", err)
	}
	if n, err := f.Read(root, vf, buf, size); n != 0 || err != nil {
		t.Errorf("read at the end: %d %v", n, err)
	}
	if disk.Bytes()[4096*512] != 0 {
		t.Error("a partition write reached the next partition")
	}
	for _, c := range []struct {
		off    int64
		whence int
		want   int64
		err    error
	}{{0, abi.SEEK_END, size, nil}, {-512, abi.SEEK_END, size - 512, nil}, {1, abi.SEEK_END, 0, abi.EINVAL}, {size + 1, abi.SEEK_SET, 0, abi.EINVAL}, {size, abi.SEEK_DATA, 0, abi.EINVAL}, {5, abi.SEEK_HOLE, 0, abi.EINVAL}} {
		if n, err := f.Seek(vf, 0, c.off, c.whence); n != c.want || err != c.err {
			t.Errorf("seek(%d, %d) = %d, %v; want %d, %v", c.off, c.whence, n, err, c.want, c.err)
		}
	}
	// O_DIRECT: offset and length whole sectors.
	vf.SetFlags(abi.O_DIRECT)
	if _, err := f.Read(root, vf, make([]byte, 512), 1); err != abi.EINVAL {
		t.Errorf("O_DIRECT misaligned offset: %v", err)
	}
	if _, err := f.Write(root, vf, make([]byte, 100), 0); err != abi.EINVAL {
		t.Errorf("O_DIRECT misaligned length: %v", err)
	}
	if n, err := f.Read(root, vf, make([]byte, 1024), 512); n != 1024 || err != nil {
		t.Errorf("O_DIRECT aligned read: %d %v", n, err)
	}
	// fsync flushes the disk.
	before := disk.Flushes()
	if err := f.Fsync(vf); err != nil || disk.Flushes() != before+1 {
		t.Errorf("fsync: %v, %d flushes", err, disk.Flushes()-before)
	}
	// ioctls.
	get := func(cmd uint32, size int) uint64 {
		t.Helper()
		m := root.Mem.(*mem)
		clear(m.b[:])
		if _, err := f.Ioctl(root, vf, cmd, 0x1000); err != nil {
			t.Fatalf("ioctl %#x: %v", cmd, err)
		}
		var b [8]byte
		copy(b[:size], m.b[:size])
		return binary.LittleEndian.Uint64(b[:])
	}
	if v := get(BLKGETSIZE64, 8); v != uint64(size) {
		t.Errorf("BLKGETSIZE64 %d", v)
	}
	if v := get(BLKGETSIZE, 8); v != uint64(size/512) {
		t.Errorf("BLKGETSIZE %d", v)
	}
	if v := get(BLKSSZGET, 4); v != 512 {
		t.Errorf("BLKSSZGET %d", v)
	}
	if v := get(BLKBSZGET, 4); v != 4096 {
		t.Errorf("BLKBSZGET %d", v)
	}
	if v := get(BLKROGET, 4); v != 0 {
		t.Errorf("BLKROGET %d", v)
	}
	if _, err := f.Ioctl(root, vf, BLKRRPART, 0); err != abi.EINVAL {
		t.Errorf("BLKRRPART on a partition: %v", err)
	}
	if _, err := f.Ioctl(root, vf, 0x5401, 0); err != abi.ENOTTY {
		t.Errorf("TCGETS: %v", err)
	}
	if _, err := f.Ioctl(&vfs.Caller{Creds: vfs.Creds{UID: 1000}}, vf, BLKFLSBUF, 0); err != abi.EACCES {
		t.Errorf("BLKFLSBUF as a user: %v", err)
	}
	// BLKROSET on the disk makes its partitions read-only.
	df, dvf := openFile(t, l, "vda", abi.O_RDONLY)
	binary.LittleEndian.PutUint32(root.Mem.(*mem).b[:], 1)
	if _, err := df.Ioctl(root, dvf, BLKROSET, 0x1000); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(root, vf, make([]byte, 512), 0); err != abi.EPERM {
		t.Errorf("write to a read-only disk's partition: %v", err)
	}
	if v := get(BLKROGET, 4); v != 1 {
		t.Errorf("BLKROGET after BLKROSET %d", v)
	}
	// BLKRRPART: EBUSY while vda1 is open, then a rescan that sees the
	// new table.
	if _, err := df.Ioctl(root, dvf, BLKRRPART, 0); err != abi.EBUSY {
		t.Errorf("BLKRRPART with vda1 open: %v", err)
	}
	vf.DecRef()
	copy(disk.data, gptDisk(t, twoParts()[1]).Bytes())
	if _, err := df.Ioctl(root, dvf, BLKRRPART, 0); err != nil {
		t.Errorf("BLKRRPART: %v", err)
	}
	var names []string
	for _, b := range l.All() {
		names = append(names, b.Name)
	}
	if fmt.Sprint(names) != "[vda vda2]" {
		t.Errorf("after rescan: %v", names)
	}
	if !f.b.Gone() {
		t.Error("the old vda1 is not gone")
	}
	dvf.DecRef()
}

func TestClaim(t *testing.T) {
	register(t, "vda", gptDisk(t, twoParts()...))
	l := NewLayer(nil)
	l.Sync()
	mount := new(int)
	if err := l.Lookup("vda2").Claim(mount); err != nil {
		t.Fatal(err)
	}
	if _, err := l.OpenFile(&vfs.Caller{}, l.Lookup("vda2"), abi.O_RDONLY|abi.O_EXCL); err != abi.EBUSY {
		t.Errorf("O_EXCL open of a claimed device: %v", err)
	}
	if _, err := l.OpenFile(&vfs.Caller{}, l.Lookup("vda2"), abi.O_RDONLY); err != nil {
		t.Errorf("plain open of a claimed device: %v", err)
	}
	if err := l.Lookup("vda").Claim(new(int)); err != nil {
		t.Errorf("claim of the whole disk of a claimed partition: %v", err)
	}
	if err := l.Lookup("vda1").Claim(new(int)); err != abi.EBUSY {
		t.Errorf("claim of a partition of a claimed disk: %v", err)
	}
}

func TestWait(t *testing.T) {
	l := NewLayer(nil)
	d := gptDisk(t, twoParts()...)
	go func() {
		time.Sleep(20 * time.Millisecond)
		Register("vdc", d)
	}()
	t.Cleanup(func() { Unregister("vdc") })
	b, err := l.Wait(func(b *Bdev) bool { return b.Part.Name == "root" }, 5*time.Second)
	if err != nil || b.Name != "vdc2" {
		t.Fatalf("Wait = %v, %v", b, err)
	}
	if _, err := l.Wait(func(b *Bdev) bool { return b.Name == "nope" }, 10*time.Millisecond); err != ErrTimeout {
		t.Errorf("Wait for a missing disk: %v", err)
	}
}

func TestDirectAlign(t *testing.T) {
	register(t, "vda", gptDisk(t, twoParts()...))
	l := NewLayer(nil)
	l.Sync()
	f, vf := openFile(t, l, "vda1", abi.O_RDWR)
	defer vf.DecRef()
	for _, c := range []struct {
		write bool
		off   int64
		n     uint64
		want  uint64
	}{{false, 0, 512, 512}, {true, 4096, 512, 512}, {false, -1, 512, 512}, {false, 1 << 20, 512, 0}, {true, 0, 0, 0}} {
		if got := f.DirectAlign(c.write, c.off, c.n); got != c.want {
			t.Errorf("DirectAlign(%v, %d, %d) = %d, want %d", c.write, c.off, c.n, got, c.want)
		}
	}
}

// TestLayerNVMeNumbers checks Linux's NVMe numbering: the namespace and
// each of its partitions take the lowest free blkext (259) minors, and the
// partitions are named with a "p".
func TestLayerNVMeNumbers(t *testing.T) {
	register(t, "nvme0n1", gptDisk(t, twoParts()...))
	var logged []string
	l := NewLayer(func(format string, a ...any) { logged = append(logged, fmt.Sprintf(format, a...)) })
	l.Sync()
	if strings.Join(logged, "|") != " nvme0n1: p1 p2" {
		t.Errorf("partition line %q, want Linux's %q", logged, " nvme0n1: p1 p2")
	}
	var got []string
	for _, b := range l.All() {
		got = append(got, b.Name+"="+b.DevNumber())
	}
	if want := "nvme0n1=259:0 nvme0n1p1=259:1 nvme0n1p2=259:2"; strings.Join(got, " ") != want {
		t.Errorf("devices %v, want %s", got, want)
	}
	Unregister("nvme0n1")
	l.Sync()
	if n := len(l.All()); n != 0 {
		t.Fatalf("%d devices left after unregistering", n)
	}
	register(t, "nvme1n1", gptDisk(t, twoParts()...))
	l.Sync()
	if b := l.Lookup("nvme1n1"); b == nil || b.DevNumber() != "259:0" {
		t.Errorf("after removal the numbers are not reused: %+v", b)
	}
}
