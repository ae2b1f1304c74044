package procfs

import "strings"

// blockEntries are the block layer's files: /proc/partitions when the
// kernel has a block layer.
func (fs *FS) blockEntries() []entry {
	if fs.o.Partitions == nil {
		return nil
	}
	return []entry{fileEntry("partitions", fs.text(fs.o.Partitions))}
}

// diskFilesystems is /proc/filesystems' part for the filesystems on block
// devices: a tab and the name, as Linux prints a type that needs a device.
func (fs *FS) diskFilesystems() string {
	if fs.o.DiskFilesystems == nil {
		return ""
	}
	var b strings.Builder
	for _, n := range fs.o.DiskFilesystems() {
		b.WriteString("\t" + n + "\n")
	}
	return b.String()
}
