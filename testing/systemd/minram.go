package systemd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/fat32"
)

// MinRAM finds the least memory, in MiB, a multiple of step between lo and
// hi, for which boots reports success, assuming success is monotonic in
// the memory size: hi is tried first (an error if it fails), then the
// range is bisected. lo is taken as failing without a boot. It returns
// the minimum and every size tried with its verdict, in order.
func MinRAM(ctx context.Context, lo, hi, step int, boots func(ctx context.Context, mib int) (bool, error)) (int, []Trial, error) {
	if step <= 0 || lo < 0 || hi <= lo || (hi-lo)%step != 0 {
		return 0, nil, fmt.Errorf("systemd: minram: bad range %d..%d step %d", lo, hi, step)
	}
	var trials []Trial
	try := func(mib int) (bool, error) {
		ok, err := boots(ctx, mib)
		trials = append(trials, Trial{MiB: mib, OK: ok})
		return ok, err
	}
	ok, err := try(hi)
	if err != nil {
		return 0, trials, err
	}
	if !ok {
		return 0, trials, fmt.Errorf("systemd: minram: no boot at %d MiB, the top of the range", hi)
	}
	for hi-lo > step {
		mid := lo + (hi-lo)/step/2*step
		ok, err := try(mid)
		if err != nil {
			return 0, trials, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, trials, nil
}

// Trial is one boot of a MinRAM search.
type Trial struct {
	MiB int
	OK  bool
}

// ExtractESPFile copies the file name (a path on the disk image's EFI
// system partition, such as /boot/root-initramfs.cpio.xz) to the file
// to, through a copy of the partition in dir.
func ExtractESPFile(disk, name, dir, to string) error {
	esp, err := os.CreateTemp(dir, "esp-*.img")
	if err != nil {
		return err
	}
	esp.Close()
	defer os.Remove(esp.Name())
	if err := ExtractPartition(disk, "esp", esp.Name()); err != nil {
		return err
	}
	f, err := os.Open(esp.Name())
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	fs, err := fat32.Read(file.New(f, true), st.Size(), 0, 512)
	if err != nil {
		return fmt.Errorf("%s: ESP: %w", disk, err)
	}
	r, err := fs.OpenFile(filepath.ToSlash(name), os.O_RDONLY)
	if err != nil {
		return fmt.Errorf("%s: ESP: %s: %w", disk, name, err)
	}
	defer r.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
