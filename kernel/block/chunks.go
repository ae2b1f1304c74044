package block

// Chunks moves p through a device in pieces of at most chunk bytes, with
// as many requests in flight as slots (a channel holding the free slot
// numbers) allows. start begins the request for p[off:off+n] in slot (a
// write copies the bytes into the slot's buffer) and returns what end
// needs; end waits for it and reports its error (a read copies the bytes
// out on success). A caller that finds no free slot ends its own oldest
// request first, so requests holding slots never wait on each other.
// Every started request is ended and its slot returned; the result is the
// first error.
func Chunks[T any](p []byte, chunk int, slots chan int, start func(slot, off, n int) T, end func(slot, off, n int, t T) error) error {
	type pending struct {
		slot, off, n int
		t            T
	}
	var inflight []pending
	var first error
	finish := func(pd pending) {
		if err := end(pd.slot, pd.off, pd.n, pd.t); err != nil && first == nil {
			first = err
		}
		slots <- pd.slot
	}
	for off := 0; off < len(p); off += chunk {
		n := min(len(p)-off, chunk)
		var slot int
		select {
		case slot = <-slots:
		default:
			if len(inflight) > 0 {
				finish(inflight[0])
				inflight = inflight[1:]
			}
			slot = <-slots
		}
		inflight = append(inflight, pending{slot, off, n, start(slot, off, n)})
	}
	for _, pd := range inflight {
		finish(pd)
	}
	return first
}
