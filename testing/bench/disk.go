package bench

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"

	"aramid/testing/contract"
)

// The disk rows' inputs: an empty ext4 image made fresh for every boot,
// the reference kernel's virtio-blk modules (Debian builds them as
// modules; Aramid refuses finit_module and has the driver built in) and
// the tree the untar row unpacks.

// DiskImageSize is the size of the benchmark disk: room for the 256 MiB
// file, the tree and the journal.
const DiskImageSize = "1G"

// TreeBytes is about how much file data the untar row's tree holds.
const TreeBytes = 20 << 20

// makeDisk writes an empty ext4 filesystem to path with the host's
// mke2fs (inode tables and journal initialised now, so that neither
// kernel's lazy initialisation runs during the rows).
func makeDisk(ctx context.Context, path string) error {
	os.Remove(path)
	cmd := exec.CommandContext(ctx, "mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096",
		"-E", "lazy_itable_init=0,lazy_journal_init=0", path, DiskImageSize)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("bench: mke2fs: %v: %s", err, out)
	}
	return nil
}

// addDiskFiles puts the modules (listed in /lib/modules/bench/list) and
// /bench-tree.tar into the image tree.
func addDiskFiles(t *contract.Tree, o Options) error {
	var list []string
	for i, m := range contract.ReferenceModules(o.Linux) {
		b, err := os.ReadFile(m)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		g := fmt.Sprintf("lib/modules/bench/%02d.ko", i)
		if err := t.AddFile(g, 0o644, b); err != nil {
			return err
		}
		list = append(list, "/"+g)
	}
	if len(list) > 0 {
		if err := t.AddFile("lib/modules/bench/list", 0o644, []byte(strings.Join(list, "\n")+"\n")); err != nil {
			return err
		}
	}
	tb, err := Tree(TreeBytes)
	if err != nil {
		return err
	}
	return t.AddFile("bench-tree.tar", 0o644, tb)
}

// Tree returns a ustar archive of a source-like tree holding about
// total bytes of file data: 20 directories of 5 subdirectories each, and
// files of sizes spread from 100 bytes to 64 KiB (log-uniform), the same
// bytes on every call.
func Tree(total int) ([]byte, error) {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	r := rand.New(rand.NewPCG(1, 2))
	dir := func(name string) error {
		return w.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, Format: tar.FormatUSTAR})
	}
	data := make([]byte, 64<<10)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	for d := 0; d < 20; d++ {
		if err := dir(fmt.Sprintf("d%02d", d)); err != nil {
			return nil, err
		}
		for s := 0; s < 5; s++ {
			if err := dir(fmt.Sprintf("d%02d/s%d", d, s)); err != nil {
				return nil, err
			}
		}
	}
	for n, i := 0, 0; n < total; i++ {
		// 100 B .. 64 KiB, log-uniform.
		size := int(100 * math.Pow(655.36, r.Float64()))
		name := fmt.Sprintf("d%02d/s%d/file%05d.c", i%20, (i/20)%5, i)
		if err := w.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(size), Format: tar.FormatUSTAR}); err != nil {
			return nil, err
		}
		off := r.IntN(len(data) - size + 1)
		if _, err := w.Write(data[off : off+size]); err != nil {
			return nil, err
		}
		n += size
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
