package ext4

import (
	"testing"

	"aramid/kernel/abi"
)

// TestStatfsBavail: f_bavail leaves out root's reserved blocks and the
// 2% (at most 4096 blocks) Linux's ext4 reserves on extent-mapped
// filesystems; a filesystem without extents reserves only root's.
func TestStatfsBavail(t *testing.T) {
	tests := []struct {
		name  string
		size  string
		extra []string
		resv  uint64
		flags uint32
	}{
		{"ext4 256M", "256M", nil, 65536 / 50, 0},
		{"ext4 1G capped", "1G", nil, 4096, 0},
		{"no extents", "256M", []string{"-O", "^extent,^64bit,^flex_bg,^huge_file,^dir_nlink,^extra_isize"}, 0, abi.MS_RDONLY},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := mkfs(t, tt.size, "", tt.extra...)
			e := mountImg(t, img, tt.flags)
			defer e.unmount()
			st := e.fs.Statfs()
			if want := st.Bfree - e.fs.sb.RBlocksCount - tt.resv; st.Bavail != want {
				t.Errorf("bavail %d, want %d (bfree %d, reserved %d, resv %d)", st.Bavail, want, st.Bfree, e.fs.sb.RBlocksCount, tt.resv)
			}
		})
	}
}
