package procfs

import (
	"testing"

	"aramid/kernel/abi"
)

// TestMmapError checks which procfs files mmap refuses with ENODEV (per-
// process files and /proc/sys, which have no mmap on Linux) and which
// with EIO (proc_reg_mmap entries).
func TestMmapError(t *testing.T) {
	for _, tc := range []struct {
		path string
		want error
	}{
		{"/meminfo", abi.EIO},
		{"/version", abi.EIO},
		{"/net/unix", abi.EIO},
		{"/12/net/unix", abi.EIO},
		{"/12/status", abi.ENODEV},
		{"/12/task/13/maps", abi.ENODEV},
		{"/12/oom_score_adj", abi.ENODEV},
		{"/sys/kernel/ostype", abi.ENODEV},
	} {
		if got := mmapError(tc.path); got != tc.want {
			t.Errorf("mmapError(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}
