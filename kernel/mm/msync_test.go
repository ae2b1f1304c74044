package mm

import (
	"bytes"
	"testing"
)

// syncFile is a Mappable counting Sync calls.
type syncFile struct {
	bytes.Reader
	syncs int
}

func (f *syncFile) Sync() error { f.syncs++; return nil }

// TestMsyncSyncsSharedFiles: msync(MS_SYNC) syncs the file of every
// shared mapping in its range once per mapping; MS_ASYNC, private
// mappings and mappings outside the range do not sync.
func TestMsyncSyncsSharedFiles(t *testing.T) {
	const msAsync, msSync = 1, 4
	m, _, _ := newMM(t)
	defer m.Release()
	shared := &syncFile{Reader: *bytes.NewReader(make([]byte, 2*pageSize))}
	private := &syncFile{Reader: *bytes.NewReader(make([]byte, 2*pageSize))}
	outside := &syncFile{Reader: *bytes.NewReader(make([]byte, 2*pageSize))}
	a, err := m.Mmap(MapOpts{Length: 2 * pageSize, Perm: rw, Shared: true, File: shared})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Mmap(MapOpts{Addr: a + 2*pageSize, Fixed: true, Length: pageSize, Perm: rw, File: private}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Mmap(MapOpts{Addr: a + 3*pageSize, Fixed: true, Length: pageSize, Perm: rw, Shared: true, File: outside}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                     string
		addr, length             uint64
		flags                    int
		shared, private, outside int
	}{
		{"async", a, 3 * pageSize, msAsync, 0, 0, 0},
		{"sync", a, 3 * pageSize, msSync, 1, 0, 0},
		{"sync one page", a + pageSize, pageSize, msSync, 2, 0, 0},
		{"sync all", a, 4 * pageSize, msSync, 3, 0, 1},
	}
	for _, tt := range tests {
		if err := m.Msync(tt.addr, tt.length, tt.flags); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if shared.syncs != tt.shared || private.syncs != tt.private || outside.syncs != tt.outside {
			t.Errorf("%s: syncs %d/%d/%d, want %d/%d/%d", tt.name, shared.syncs, private.syncs, outside.syncs,
				tt.shared, tt.private, tt.outside)
		}
	}
}
