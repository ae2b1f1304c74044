package mm

import "aramid/kernel/machine"

// FutexFrame resolves addr for a futex key: the frame backing it (the page
// faulted in for reading) and whether addr lies in a shared mapping
// (MAP_SHARED, file or anonymous). Linux keys a futex in private memory by
// address space and address, so a copy-on-write split of its page (a fork,
// then a write by any thread) does not part waiters from wakers; a futex in
// shared memory is keyed by the object, which the frame stands for here.
func (m *MM) FutexFrame(addr uint64) (f machine.Frame, shared bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.page(addr, AccessRead); err != nil {
		return 0, false, err
	}
	if i := m.find(addr); i >= 0 {
		shared = m.vmas[i].Shared
	}
	f, _, _ = m.pt.Lookup(addr &^ pageMask)
	return f, shared, nil
}
