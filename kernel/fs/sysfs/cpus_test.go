package sysfs

import "testing"

func TestCPUEntries(t *testing.T) {
	for _, tc := range []struct {
		n          int
		list       string
		dirs, last string
	}{
		{0, "0\n", "1", "devices/system/cpu/cpu0"},
		{1, "0\n", "1", "devices/system/cpu/cpu0"},
		{4, "0-3\n", "4", "devices/system/cpu/cpu3"},
	} {
		es := cpuEntries(tc.n)
		for _, e := range es[:3] {
			if e.Data != tc.list {
				t.Errorf("n=%d: %s = %q, want %q", tc.n, e.Path, e.Data, tc.list)
			}
		}
		if got := es[len(es)-1].Path; got != tc.last || len(es)-3 != int(tc.dirs[0]-'0') {
			t.Errorf("n=%d: %d CPU directories, last %s; want %s, last %s", tc.n, len(es)-3, got, tc.dirs, tc.last)
		}
	}
}
