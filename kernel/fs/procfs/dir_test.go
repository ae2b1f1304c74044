package procfs

import (
	"reflect"
	"strconv"
	"testing"
)

type emitted struct {
	name string
	next int64
}

// list runs IterDir from off, taking at most max entries (0: all).
func list(d *dirNode, off int64, max int) []emitted {
	var out []emitted
	d.IterDir(nil, off, func(name string, ino uint64, typ uint8, next int64) bool {
		if max > 0 && len(out) == max {
			return false
		}
		out = append(out, emitted{name, next})
		return true
	})
	return out
}

// fdDir is a /proc/<pid>/fd-like directory over the open set fds.
func fdDir(fds map[int]bool) *dirNode {
	return &dirNode{path: "/1/fd", entries: func(string) []entry {
		var out []entry
		for fd := 0; fd < 64; fd++ {
			if fds[fd] {
				out = append(out, entry{name: strconv.Itoa(fd), pos: int64(fd) + 2})
			}
		}
		return out
	}}
}

func TestIterDirOffsets(t *testing.T) {
	fds := map[int]bool{0: true, 1: true, 2: true, 5: true, 9: true}
	plain := &dirNode{path: "/x", entries: func(string) []entry {
		return []entry{{name: "a"}, {name: "b"}}
	}}
	tests := []struct {
		name string
		d    *dirNode
		off  int64
		want []emitted
	}{
		{"positional", plain, 0, []emitted{{".", 1}, {"..", 2}, {"a", 3}, {"b", 4}}},
		{"positional_resume", plain, 3, []emitted{{"b", 4}}},
		// Offsets are fd+2; an entry's next is the following entry's.
		{"keyed", fdDir(fds), 0, []emitted{{".", 1}, {"..", 2}, {"0", 3}, {"1", 4}, {"2", 7}, {"5", 11}, {"9", 12}}},
		{"keyed_resume_gap", fdDir(fds), 5, []emitted{{"5", 11}, {"9", 12}}},
		{"keyed_past_end", fdDir(fds), 12, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(tc.d, tc.off, 0); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("IterDir(%d) = %v, want %v", tc.off, got, tc.want)
			}
		})
	}
}

// TestIterDirCloseWhileListing closes each listed descriptor between
// batches, as CPython's _close_open_fds_safe does: every descriptor must
// still be seen exactly once.
func TestIterDirCloseWhileListing(t *testing.T) {
	for batch := 1; batch <= 4; batch++ {
		fds := map[int]bool{}
		for fd := 0; fd < 13; fd++ {
			fds[fd] = true
		}
		d := fdDir(fds)
		var seen []string
		off := int64(0)
		for {
			got := list(d, off, batch)
			if len(got) == 0 {
				break
			}
			for _, e := range got {
				seen = append(seen, e.name)
				if fd, err := strconv.Atoi(e.name); err == nil && fd >= 3 {
					delete(fds, fd)
				}
			}
			off = got[len(got)-1].next
		}
		want := []string{".", "..", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}
		if !reflect.DeepEqual(seen, want) {
			t.Errorf("batch %d: saw %v, want %v", batch, seen, want)
		}
		if len(fds) != 3 {
			t.Errorf("batch %d: %d descriptors left open, want 3", batch, len(fds))
		}
	}
}
