package block

import (
	"errors"
	"testing"
)

func TestChunks(t *testing.T) {
	errBad := errors.New("bad")
	for _, c := range []struct {
		name        string
		size, chunk int
		slots       int
		failAt      int // offset whose request fails, -1 none
		wantStarts  int
	}{
		{"one chunk", 100, 128, 2, -1, 1},
		{"exact chunks", 512, 128, 2, -1, 4},
		{"tail", 300, 128, 1, -1, 3},
		{"more chunks than slots", 1024, 64, 3, -1, 16},
		{"error in the middle", 1024, 128, 2, 256, 8},
	} {
		slots := make(chan int, c.slots)
		for i := 0; i < c.slots; i++ {
			slots <- i
		}
		p := make([]byte, c.size)
		busy := map[int]bool{}
		covered := 0
		starts := 0
		start := func(slot, off, n int) int {
			if busy[slot] {
				t.Errorf("%s: slot %d started twice", c.name, slot)
			}
			busy[slot] = true
			starts++
			covered += n
			return off
		}
		end := func(slot, off, n int, tok int) error {
			if tok != off || !busy[slot] {
				t.Errorf("%s: end(%d, %d) for token %d", c.name, slot, off, tok)
			}
			busy[slot] = false
			if off == c.failAt {
				return errBad
			}
			return nil
		}
		err := Chunks(p, c.chunk, slots, start, end)
		if (c.failAt >= 0) != (err == errBad) {
			t.Errorf("%s: err %v", c.name, err)
		}
		if starts != c.wantStarts || covered != c.size || len(slots) != c.slots {
			t.Errorf("%s: %d starts covering %d bytes, %d slots back; want %d, %d, %d",
				c.name, starts, covered, len(slots), c.wantStarts, c.size, c.slots)
		}
	}
}
