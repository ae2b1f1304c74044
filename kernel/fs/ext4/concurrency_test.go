package ext4

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"aramid/kernel/abi"
)

// TestConcurrentWriters runs writers, readers and namespace changes from
// many goroutines at once (go test -race finds unguarded state); the
// result must be consistent and hold every byte.
func TestConcurrentWriters(t *testing.T) {
	img := mkfs(t, "64M", "")
	e := mountImg(t, img, 0)
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/shared", 0o755))
	const workers, files = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			dir := fmt.Sprintf("/w%d", w)
			if err := e.v.MkdirAt(e.c, e.fsc, nil, dir, 0o755); err != nil {
				errs <- err
				return
			}
			for i := 0; i < files; i++ {
				p := fmt.Sprintf("/shared/w%d-%d", w, i)
				f, err := e.v.OpenAt(e.c, e.fsc, nil, p, abi.O_RDWR|abi.O_CREAT|abi.O_EXCL, 0o644)
				if err != nil {
					errs <- err
					return
				}
				data := bytes.Repeat([]byte{byte(w), byte(i)}, 3000+100*i)
				if _, err := f.Write(e.c, data); err != nil {
					errs <- err
				}
				buf := make([]byte, len(data))
				if n, err := f.Pread(e.c, buf, 0); err != nil || !bytes.Equal(buf[:n], data) {
					errs <- fmt.Errorf("%s reads back wrong (%v)", p, err)
				}
				f.DecRef()
				if i%3 == 0 {
					if err := e.v.RenameAt(e.c, e.fsc, nil, p, nil, fmt.Sprintf("%s/f%d", dir, i), 0); err != nil {
						errs <- err
					}
				}
				if i%5 == 0 && i%3 != 0 {
					if err := e.v.UnlinkAt(e.c, e.fsc, nil, p, 0); err != nil {
						errs <- err
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	e.unmount()
	fsck(t, img)
	for w := 0; w < workers; w++ {
		got := debugfs(t, img, fmt.Sprintf("cat /w%d/f3", w))
		if want := bytes.Repeat([]byte{byte(w), 3}, 3300); got != string(want) {
			t.Errorf("/w%d/f3: %d bytes", w, len(got))
		}
	}
}

// TestOrphanCleanupAtMount: a file unlinked while open when the machine
// stops is on the orphan list; the next read-write mount frees it.
func TestOrphanCleanupAtMount(t *testing.T) {
	img := mkfs(t, "16M", "")
	e := mountImg(t, img, 0)
	e.writeFile("/f", bytes.Repeat([]byte("o"), 1<<20))
	free := e.fs.Statfs().Bfree
	f := e.open("/f", abi.O_RDONLY)
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/f", 0))
	e.must(e.fs.Sync())
	_ = f // never closed: the "crash" comes first
	if got := run(t, "dumpe2fs", "-h", img); !bytes.Contains([]byte(got), []byte("First orphan inode:")) {
		t.Fatalf("no orphan recorded:\n%s", got)
	}
	e2 := mountImg(t, img, 0)
	if got := e2.fs.Statfs().Bfree; got != free+256 {
		t.Errorf("free blocks %d after orphan cleanup, want %d", got, free+256)
	}
	e2.unmount()
	fsck(t, img)
}

// TestTmpfile: an O_TMPFILE file is written, then either named with
// linkat (it stays) or closed unnamed (its blocks come back).
func TestTmpfile(t *testing.T) {
	img := mkfs(t, "16M", "")
	e := mountImg(t, img, 0)
	free := e.fs.Statfs().Bfree
	f, err := e.v.OpenAt(e.c, e.fsc, nil, "/", abi.O_TMPFILE|abi.O_RDWR, 0o600)
	e.must(err)
	_, err = f.Write(e.c, bytes.Repeat([]byte("t"), 100000))
	e.must(err)
	g, err := e.v.OpenAt(e.c, e.fsc, nil, "/", abi.O_TMPFILE|abi.O_RDWR, 0o600)
	e.must(err)
	_, err = g.Write(e.c, []byte("named later"))
	e.must(err)
	e.must(e.v.LinkAt(e.c, e.fsc, g, "", nil, "/named", abi.AT_EMPTY_PATH))
	g.DecRef()
	f.DecRef()
	if got := e.fs.Statfs().Bfree; got != free-1 {
		t.Errorf("free blocks %d, want %d (one block for /named)", got, free-1)
	}
	e.unmount()
	fsck(t, img)
	if got := debugfs(t, img, "cat /named"); got != "named later" {
		t.Errorf("/named: %q", got)
	}
}
