package ext4

import "testing"

// TestFindRun: the first run of the whole request after from, else the
// longest shorter run, else nothing.
func TestFindRun(t *testing.T) {
	// bitmap builds a 64-bit bitmap with the bits of used set.
	bitmap := func(used string) []byte {
		b := make([]byte, 8)
		for i, c := range used {
			if c == '#' {
				setBit(b, uint64(i))
			}
		}
		return b
	}
	tests := []struct {
		name      string
		used      string // '#' used, '.' free; bits past the string are free
		from      uint64
		limit     uint64
		want      int
		wantStart uint64
		wantN     int
	}{
		{"empty", "", 0, 64, 4, 0, 4},
		{"from goal", "", 10, 64, 4, 10, 4},
		{"skips singles for a whole run", ".#.#.#....#", 0, 11, 4, 6, 4},
		{"longest when none is whole", ".#..#...#.#", 0, 11, 4, 5, 3},
		{"first of equal runs", "..#..#", 0, 6, 3, 0, 2},
		{"single block", "##.#", 0, 4, 1, 2, 1},
		{"full", "########", 0, 8, 2, 0, 0},
		{"limit cuts the run", "######..", 0, 8, 4, 6, 2},
	}
	for _, tt := range tests {
		start, n := findRun(bitmap(tt.used), tt.from, tt.limit, tt.want)
		if start != tt.wantStart || n != tt.wantN {
			t.Errorf("%s: findRun = %d, %d; want %d, %d", tt.name, start, n, tt.wantStart, tt.wantN)
		}
	}
}
