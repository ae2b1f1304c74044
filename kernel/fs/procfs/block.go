package procfs

// blockEntries are the block layer's files: /proc/partitions when the
// kernel has a block layer.
func (fs *FS) blockEntries() []entry {
	if fs.o.Partitions == nil {
		return nil
	}
	return []entry{fileEntry("partitions", fs.text(fs.o.Partitions))}
}
