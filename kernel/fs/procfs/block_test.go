package procfs

import "testing"

func TestBlockFiles(t *testing.T) {
	fs := &FS{}
	if len(fs.blockEntries()) != 0 || fs.diskFilesystems() != "" {
		t.Error("block files without a block layer")
	}
	fs.o.Partitions = func() string { return "major minor  #blocks  name\n\n" }
	fs.o.DiskFilesystems = func() []string { return []string{"ext4", "vfat"} }
	if e := fs.blockEntries(); len(e) != 1 || e[0].name != "partitions" {
		t.Errorf("entries %+v", e)
	}
	if got := fs.diskFilesystems(); got != "\text4\n\tvfat\n" {
		t.Errorf("filesystems part %q", got)
	}
}
