package ext4

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// TestJournalReplay writes transactions into the journal with debugfs,
// mounts, and compares the blocks with what e2fsck's own replay of a copy
// of the image produces. Checksum formats none, v2 and v3; two committed
// transactions, the second revoking a block of the first; and the same
// with the second left uncommitted (debugfs writes a transaction's commit
// block only when the next is not -c), which must not be replayed.
func TestJournalReplay(t *testing.T) {
	for _, c := range []struct {
		open, tail string
		want       [4]byte // first byte of blocks 4000..4003 after replay
	}{
		{"jo", "", [4]byte{'A', 0, 'A', 0}},
		{"jo -c -v 2", "", [4]byte{'A', 0, 'A', 0}},
		{"jo -c -v 3", "", [4]byte{'A', 0, 'A', 0}},
		{"jo -c -v 3", "jw -b 4003 -c DATA\n", [4]byte{'A', 'B', 0, 0}},
		{"jo", "jw -b 4003 -c DATA\n", [4]byte{'A', 'B', 0, 0}},
	} {
		open := c.open
		t.Run(strings.ReplaceAll(open+c.tail[:min(len(c.tail), 9)], " ", ""), func(t *testing.T) {
			img := mkfs(t, "16M", "")
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			if err := os.WriteFile(data, append(bytes.Repeat([]byte("A"), 4096), bytes.Repeat([]byte("B"), 4096)...), 0o644); err != nil {
				t.Fatal(err)
			}
			cmds := filepath.Join(dir, "cmds")
			script := open + "\njw -b 4000,4001 " + data + "\njw -b 4002 -r 4001 " + data + "\n" + strings.ReplaceAll(c.tail, "DATA", data) + "jc\n"
			if err := os.WriteFile(cmds, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			run(t, "debugfs", "-w", "-f", cmds, img)
			if !strings.Contains(run(t, "dumpe2fs", "-h", img), "needs_recovery") {
				t.Fatal("debugfs left no transaction to recover")
			}
			ref := filepath.Join(dir, "ref")
			run(t, "cp", img, ref)
			if out, err := exec.Command("e2fsck", "-fy", ref).CombinedOutput(); err != nil {
				if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() > 1 {
					t.Fatalf("e2fsck -fy: %v\n%s", err, out)
				}
			}

			e := mountImg(t, img, 0)
			e.writeFile("/after", []byte("written after the replay"))
			e.unmount()
			fsck(t, img)
			got, _ := os.ReadFile(img)
			want, _ := os.ReadFile(ref)
			for b := 4000; b <= 4003; b++ {
				g, w := got[b*4096:(b+1)*4096], want[b*4096:(b+1)*4096]
				if !bytes.Equal(g, w) {
					t.Errorf("block %d: %q... after our replay, %q... after e2fsck's", b, g[:8], w[:8])
				}
			}
			for i, w := range c.want {
				if g := got[(4000+i)*4096]; g != w {
					t.Errorf("block %d starts with %q, want %q", 4000+i, g, w)
				}
			}
			if strings.Contains(run(t, "dumpe2fs", "-h", img), "needs_recovery") {
				t.Error("needs_recovery still set")
			}
		})
	}
}

// TestReadOnlyDeviceNeedsRecovery: a journal to replay on a read-only
// device refuses the mount with EROFS, as Linux does.
func TestReadOnlyDeviceNeedsRecovery(t *testing.T) {
	img := mkfs(t, "16M", "")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	os.WriteFile(data, make([]byte, 4096), 0o644)
	cmds := filepath.Join(dir, "cmds")
	os.WriteFile(cmds, []byte("jo\njw -b 4000 "+data+"\njc\n"), 0o644)
	run(t, "debugfs", "-w", "-f", cmds, img)
	dev := openDev(t, img, true)
	if _, err := Mount(dev, abi.MS_RDONLY, "", nil); err == nil || !strings.Contains(err.Error(), "recovery") {
		t.Errorf("mount: %v", err)
	}
}

// TestSyncCommits: metadata waits in the running transaction until a
// sync: before it debugfs (reading the disk) does not see a new file,
// after vfs.Sync, syncfs or an fsync of the directory it does.
func TestSyncCommits(t *testing.T) {
	img := mkfs(t, "16M", "")
	e := mountImg(t, img, 0)
	for i, sync := range []func(){
		func() { e.must(e.v.Sync()) },
		func() {
			in, err := e.v.InodeAt(e.c, e.fsc, nil, "/", 0)
			e.must(err)
			e.must(vfs.SyncFS(in))
		},
		func() {
			d := e.open("/", abi.O_RDONLY|abi.O_DIRECTORY)
			defer d.DecRef()
			e.must(d.Fsync())
		},
	} {
		name := fmt.Sprintf("/new%d", i)
		e.writeFile(name, []byte("synced"))
		if strings.Contains(debugfs(t, img, "ls -p /"), name[1:]) {
			t.Fatalf("%s on disk before any sync: nothing is journalled", name)
		}
		sync()
		if got := debugfs(t, img, "cat "+name); got != "synced" {
			t.Errorf("sync %d: %s reads %q from the disk", i, name, got)
		}
	}
	e.unmount()
	fsck(t, img)
}
