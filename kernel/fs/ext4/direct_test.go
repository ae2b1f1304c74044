package ext4

import (
	"testing"

	"aramid/kernel/abi"
)

// TestDirectAlignment: O_DIRECT transfers on ext4 need offsets and
// lengths in 512-byte units (EINVAL otherwise), except empty transfers
// and reads at or past the end; buffers need 512-byte alignment.
func TestDirectAlignment(t *testing.T) {
	img := mkfs(t, "16M", "")
	e := mountImg(t, img, 0)
	defer e.unmount()
	f := e.open("/d", abi.O_RDWR|abi.O_CREAT|abi.O_DIRECT)
	defer f.DecRef()
	buf := make([]byte, 4096)
	tests := []struct {
		name  string
		write bool
		off   int64
		n     int
		want  error
	}{
		{"aligned write", true, 0, 4096, nil},
		{"512-byte write", true, 4096, 512, nil},
		{"misaligned offset", true, 100, 512, abi.EINVAL},
		{"misaligned length", true, 0, 100, abi.EINVAL},
		{"empty write", true, 7, 0, nil},
		{"misaligned read", false, 7, 512, abi.EINVAL},
		{"aligned read", false, 512, 512, nil},
		{"misaligned read past end", false, 8193, 100, nil},
	}
	for _, tt := range tests {
		var err error
		if tt.write {
			_, err = f.Pwrite(e.c, buf[:tt.n], tt.off)
		} else {
			_, err = f.Pread(e.c, buf[:tt.n], tt.off)
		}
		if err != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	r := f.Impl.(*regFile)
	if a := r.DirectAlign(true, 0, 4096); a != 512 {
		t.Errorf("buffer alignment %d, want 512", a)
	}
	if a := r.DirectAlign(false, 1<<20, 4096); a != 0 {
		t.Errorf("buffer alignment past the end %d, want 0", a)
	}
}
