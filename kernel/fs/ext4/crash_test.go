package ext4

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// crashDev passes the first limit writes to the image and silently drops
// every later one, as a machine losing power keeps what reached the disk.
type crashDev struct {
	*fileDev
	limit, count int
}

func (d *crashDev) WriteSectors(p []byte, s uint64) error {
	d.count++
	if d.limit >= 0 && d.count > d.limit {
		return nil
	}
	return d.fileDev.WriteSectors(p, s)
}

// crashPoints is how many places the device stops at (every write:
// set it above the write count, about 740).
var crashPoints = 37

type durable struct {
	writes int    // device writes done when fsync returned
	file   int    // the file it made durable
	data   []byte // its content
}

// crashWorkload creates, writes, fsyncs and renames files, and removes
// scratch files, recording after each fsync how many writes the device
// had seen.
func crashWorkload(t *testing.T, dev *crashDev) []durable {
	now := time.Unix(1800000000, 0)
	fs, err := mount(dev, 0, "", func() time.Time { return now })
	if err != nil {
		t.Fatalf("mount: %v", err)
	}
	defer fs.abandon()
	v := vfs.New(fs, vfs.Options{Clock: func() time.Time { return now }})
	fsc := vfs.NewFSContext(v.Root())
	c := &vfs.Caller{}
	var out []durable
	if err := v.MkdirAt(c, fsc, nil, "/a", 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i++ {
		data := bytes.Repeat([]byte(fmt.Sprintf("file %d;", i)), 200+i*300)
		f, err := v.OpenAt(c, fsc, nil, fmt.Sprintf("/a/f%d", i), abi.O_RDWR|abi.O_CREAT, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(c, data[:len(data)/2])
		f.Write(c, data[len(data)/2:]) // an append
		s, _ := v.OpenAt(c, fsc, nil, fmt.Sprintf("/scratch%d", i), abi.O_WRONLY|abi.O_CREAT, 0o644)
		s.Write(c, data)
		s.DecRef()
		if err := f.Fsync(); err != nil {
			t.Fatal(err)
		}
		f.DecRef()
		out = append(out, durable{dev.count, i, data})
		if i%4 == 3 {
			v.RenameAt(c, fsc, nil, fmt.Sprintf("/a/f%d", i-2), nil, fmt.Sprintf("/g%d", i-2), 0)
		}
		if i%3 == 2 {
			v.UnlinkAt(c, fsc, nil, fmt.Sprintf("/scratch%d", i-1), 0)
		}
		// Other metadata changes on objects the check does not read:
		// only their consistency matters.
		sc := fmt.Sprintf("/scratch%d", i)
		v.LinkAt(c, fsc, nil, sc, nil, sc+".link", 0)
		v.Truncate(c, fsc, sc, int64(len(data)/3))
		if in, err := v.InodeAt(c, fsc, nil, sc, 0); err == nil {
			in.SetXattr(c, "user.crash", data[:100+i*40], 0)
		}
		v.MkdirAt(c, fsc, nil, fmt.Sprintf("/dir%d", i), 0o755)
		if i > 0 {
			v.RenameAt(c, fsc, nil, fmt.Sprintf("/dir%d", i-1), nil, fmt.Sprintf("/dir%d/sub", i), 0)
		}
	}
	return out
}

// TestCrashConsistency stops the device at many points of a workload,
// then mounts the image (replaying the journal): every file whose fsync
// returned before the stop has its content (under its old or new name),
// and e2fsck finds nothing to fix, both after our replay and after
// e2fsck's own replay of the crashed image.
func TestCrashConsistency(t *testing.T) {
	base := mkfs(t, "32M", "")
	// A dry run counts the writes.
	dry := filepath.Join(t.TempDir(), "dry")
	run(t, "cp", base, dry)
	d := &crashDev{fileDev: openDev(t, dry, false), limit: -1}
	all := crashWorkload(t, d)
	total := d.count
	if len(all) != 30 || total < 100 {
		t.Fatalf("workload: %d fsyncs, %d writes", len(all), total)
	}
	points := 0
	for limit := 0; limit <= total; limit += max(1, total/crashPoints) {
		points++
		img := filepath.Join(t.TempDir(), "img")
		run(t, "cp", base, img)
		crashWorkload(t, &crashDev{fileDev: openDev(t, img, false), limit: limit})

		ref := img + ".ref"
		run(t, "cp", img, ref)
		if out, err := exec.Command("e2fsck", "-y", "-E", "journal_only", ref).CombinedOutput(); err != nil {
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() > 1 {
				t.Fatalf("crash after %d writes: e2fsck journal replay: %v\n%s", limit, err, out)
			}
		}
		if out, err := exec.Command("e2fsck", "-fn", ref).CombinedOutput(); err != nil {
			t.Fatalf("crash after %d writes: e2fsck after its own replay: %v\n%s", limit, err, out)
		}

		e := mountImg(t, img, 0)
		for _, dd := range all {
			if dd.writes > limit {
				break
			}
			var got []byte
			for _, name := range []string{fmt.Sprintf("/a/f%d", dd.file), fmt.Sprintf("/g%d", dd.file)} {
				if _, err := e.v.StatAt(e.c, e.fsc, nil, name, 0); err == nil {
					if got != nil {
						t.Errorf("crash after %d writes: file %d under both names", limit, dd.file)
					}
					got = e.readFile(name)
				}
			}
			if !bytes.Equal(got, dd.data) {
				t.Errorf("crash after %d writes: fsync'd file %d has %d bytes, want %d", limit, dd.file, len(got), len(dd.data))
			}
		}
		e.unmount()
		fsck(t, img)
		os.Remove(img)
		os.Remove(ref)
	}
	t.Logf("%d crash points over %d writes", points, total)
}

// bigSectorDev is a fileDev with 4096-byte sectors (4Kn disks).
type bigSectorDev struct{ *fileDev }

func (d bigSectorDev) SectorSize() int { return 4096 }
func (d bigSectorDev) Sectors() uint64 { return uint64(d.size / 4096) }
func (d bigSectorDev) ReadSectors(p []byte, s uint64) error {
	if len(p)%4096 != 0 {
		return abi.EINVAL
	}
	return d.fileDev.ReadSectors(p, s*8)
}
func (d bigSectorDev) WriteSectors(p []byte, s uint64) error {
	if len(p)%4096 != 0 {
		return abi.EINVAL
	}
	return d.fileDev.WriteSectors(p, s*8)
}

// TestFourKSectors mounts through a device of 4096-byte sectors: the
// superblock shares its sector with the boot block, and every transfer is
// whole sectors.
func TestFourKSectors(t *testing.T) {
	img := mkfs(t, "16M", "")
	dev := bigSectorDev{openDev(t, img, false)}
	fs, err := Mount(dev, 0, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	v := vfs.New(fs, vfs.Options{Clock: time.Now})
	fsc := vfs.NewFSContext(v.Root())
	c := &vfs.Caller{}
	f, err := v.OpenAt(c, fsc, nil, "/f", abi.O_WRONLY|abi.O_CREAT, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(c, []byte("4Kn"))
	f.DecRef()
	if err := fs.(*FS).Unmount(); err != nil {
		t.Fatal(err)
	}
	fsck(t, img)
	if got := debugfs(t, img, "cat /f"); got != "4Kn" {
		t.Errorf("/f: %q", got)
	}
	img1k := mkfs(t, "16M", "", "-b", "1024")
	if _, err := Mount(bigSectorDev{openDev(t, img1k, false)}, 0, "", nil); err == nil {
		t.Error("1 KiB blocks on 4 KiB sectors mounted")
	}
}
