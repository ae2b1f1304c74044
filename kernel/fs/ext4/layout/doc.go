// Package layout is the on-disk format of ext4 and its jbd2 journal: the
// superblock, group descriptors (32- and 64-byte), inodes (with the extra
// fields past 128 bytes), extent headers, index and leaf entries, directory
// entries and the htree index blocks (dx_root, dx_node), extended-attribute
// entries, the jbd2 superblock and block headers, the crc32c checksums of
// metadata_csum (superblock, group descriptors, bitmaps, inodes, extent
// blocks, directory blocks, htree blocks, xattr blocks, journal blocks), the
// directory hashes (legacy, half_md4, tea) and the block-group geometry,
// including the layout `mke2fs -t ext4` gives a new filesystem (Mkfs,
// MkfsTables, ResizeInode, DefaultJournalBlocks) and the encoders an
// image writer needs (extent trees, directory blocks, htree roots and
// nodes, device numbers, the jbd2 superblock).
//
// Everything here is a pure function of bytes: the package reads no device
// and imports nothing from the kernel, so the kernel's filesystem
// (kernel/fs/ext4) and an image writer share one definition. Decoders never
// panic: a buffer too short or a field out of range is an error wrapping
// ErrCorrupt.
package layout

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrCorrupt is wrapped by every decoding error.
var ErrCorrupt = errors.New("ext4: corrupt metadata")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

var le = binary.LittleEndian
