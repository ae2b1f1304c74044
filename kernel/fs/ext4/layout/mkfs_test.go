package layout

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestMkfsMatchesMke2fs: for several sizes, the superblock Mkfs returns
// and the geometry helpers agree with the image `mke2fs -t ext4 -T
// default` writes: counts, reserved GDT blocks, features, every group's
// table placement, the journal's length, the resize inode's blocks, the
// overhead, and mke2fs's uninitialised block bitmaps.
func TestMkfsMatchesMke2fs(t *testing.T) {
	need(t, "mke2fs")
	for _, mb := range []uint64{16, 64, 600, 2048, 5120} {
		t.Run(fmt.Sprint(mb, "MiB"), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "img")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			f.Truncate(int64(mb) << 20)
			f.Close()
			run(t, "mke2fs", "-q", "-F", "-t", "ext4", "-T", "default", "-U", "01020304-0506-0708-090a-0b0c0d0e0f10", path)
			// Mapped, not read: the image is sparse and up to 5 GiB.
			f, err = os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			b, err := syscall.Mmap(int(f.Fd()), 0, int(mb<<20), syscall.PROT_READ, syscall.MAP_SHARED)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			defer syscall.Munmap(b)
			ref, err := DecodeSuperblock(b[SuperOffset:])
			if err != nil {
				t.Fatal(err)
			}
			m := &image{t: t, b: b, sb: ref, bs: int(ref.BlockSize())}
			s, err := Mkfs(MkfsParams{Blocks: mb << 20 / MkfsBlockSize, UUID: ref.UUID})
			if err != nil {
				t.Fatal(err)
			}
			type field struct {
				name      string
				got, want any
			}
			for _, c := range []field{
				{"blocks", s.BlocksCount, ref.BlocksCount}, {"inodes", s.InodesCount, ref.InodesCount},
				{"reserved blocks", s.RBlocksCount, ref.RBlocksCount}, {"inodes per group", s.InodesPerGroup, ref.InodesPerGroup},
				{"reserved GDT", s.ReservedGdtBlocks, ref.ReservedGdtBlocks}, {"compat", s.FeatureCompat, ref.FeatureCompat},
				{"incompat", s.FeatureIncompat, ref.FeatureIncompat}, {"ro_compat", s.FeatureRoCompat, ref.FeatureRoCompat},
				{"flags", s.Flags, ref.Flags}, {"hash", s.DefHashVersion, ref.DefHashVersion}, {"desc size", s.DescSize, ref.DescSize},
				{"flex", s.LogGroupsPerFlex, ref.LogGroupsPerFlex}, {"extra isize", s.WantExtraIsize, ref.WantExtraIsize},
				{"journal inode", s.JournalInum, ref.JournalInum}, {"max mounts", s.MaxMntCount, ref.MaxMntCount},
				{"errors", s.Errors, ref.Errors}, {"default mount options", le.Uint32(s.Raw[0x100:]), le.Uint32(ref.Raw[0x100:])},
				{"journal length", uint64(DefaultJournalBlocks(s.BlocksCount)) * MkfsBlockSize, m.inode(JournalIno).Size},
				{"overhead", s.MetadataBlocks() + uint64(DefaultJournalBlocks(s.BlocksCount)), ref.Overhead()},
			} {
				if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
					t.Errorf("%s: Mkfs %v, mke2fs %v", c.name, c.got, c.want)
				}
			}
			descs := make([]GroupDesc, ref.GroupCount())
			for g := range descs {
				descs[g], _ = m.desc(uint64(g))
			}
			for g := uint64(0); g < ref.GroupCount(); g++ {
				bb, ib, it := s.MkfsTables(g)
				d := descs[g]
				if bb != d.BlockBitmap || ib != d.InodeBitmap || it != d.InodeTable {
					t.Errorf("group %d: tables at %d %d %d, mke2fs %d %d %d", g, bb, ib, it, d.BlockBitmap, d.InodeBitmap, d.InodeTable)
				}
				if d.Flags&BGBlockUninit != 0 {
					// mke2fs counted as free exactly what the bitmap of
					// an uninitialised group leaves free.
					bm := make([]byte, m.bs)
					s.InitBlockBitmap(g, descs[g:g+1], bm)
					free := uint32(0)
					for i := uint64(0); i < uint64(s.GroupBlocks(g)); i++ {
						if !TestBit(bm, i) {
							free++
						}
					}
					if free != d.FreeBlocks {
						t.Errorf("group %d: uninitialised bitmap leaves %d free, mke2fs counts %d", g, free, d.FreeBlocks)
					}
				}
			}
			// The resize inode: same i_block, size and blocks.
			ri := m.inode(ResizeIno)
			dind := uint64(le.Uint32(ri.Block[13*4:]))
			iblock, size, owned, blocks := s.ResizeInode(dind)
			if iblock != ri.Block || size != ri.Size || owned*uint64(m.bs/512) != ri.Blocks {
				t.Errorf("resize inode: size %d blocks %d, mke2fs %d %d", size, owned*8, ri.Size, ri.Blocks)
			}
			for n, want := range blocks {
				if !bytes.Equal(m.block(n), want) {
					t.Errorf("resize inode block %d differs from mke2fs's", n)
				}
			}
			// The journal superblock.
			j := m.extentsFirst(m.inode(JournalIno))
			js := NewJournalSuper(MkfsBlockSize, DefaultJournalBlocks(s.BlocksCount), ref.UUID)
			if !bytes.Equal(m.block(j)[:1024], js.Raw[:]) {
				t.Errorf("journal superblock differs from mke2fs's:\n%x\n%x", m.block(j)[:128], js.Raw[:128])
			}
		})
	}
}

func (m *image) extentsFirst(in *Inode) uint64 {
	leaves, _ := m.extents(in)
	return leaves[0].Start
}

func TestDefaultJournalBlocks(t *testing.T) {
	for _, c := range []struct {
		blocks uint64
		want   uint32
	}{{1000, 0}, {2048, 1024}, {32767, 1024}, {32768, 4096}, {262144, 8192}, {524288, 16384}, {4 << 20, 32768}, {1 << 30, 262144}} {
		if got := DefaultJournalBlocks(c.blocks); got != c.want {
			t.Errorf("DefaultJournalBlocks(%d) = %d, want %d", c.blocks, got, c.want)
		}
	}
}

func TestDevEncoding(t *testing.T) {
	for _, c := range []struct{ major, minor uint32 }{{0, 0}, {5, 1}, {255, 255}, {259, 300}, {8, 256}, {MaxDevMajor, MaxDevMinor}} {
		var b [60]byte
		EncodeDev(b[:], c.major, c.minor)
		if ma, mi := DecodeDev(b[:]); ma != c.major || mi != c.minor {
			t.Errorf("%d:%d reads back as %d:%d", c.major, c.minor, ma, mi)
		}
		if old := le.Uint32(b[:]); (c.major < 256 && c.minor < 256) != (old != 0 || c.major == 0 && c.minor == 0) {
			t.Errorf("%d:%d: old encoding word %#x", c.major, c.minor, old)
		}
	}
}

// TestFillDirBlock: entries pack in order, the last stretches to the end,
// and DecodeDirent walks exactly what was packed.
func TestFillDirBlock(t *testing.T) {
	for _, n := range []int{0, 1, 10, 400} {
		var ents []DirEntry
		for i := 0; i < n; i++ {
			ents = append(ents, DirEntry{Name: []byte(fmt.Sprintf("name-%d", i)), Inode: uint32(100 + i), FileType: FtReg})
		}
		b := make([]byte, 4096)
		end := 4096 - DirTailSize
		got := FillDirBlock(b, end, ents)
		if want := min(n, end/DirentSize(len("name-100"))); n < 400 && got != n || got > want {
			t.Errorf("%d entries: %d packed", n, got)
		}
		k := 0
		for off := 0; off < end; {
			d, err := DecodeDirent(b[:end], off)
			if err != nil {
				t.Fatal(err)
			}
			if d.Inode != 0 {
				if string(d.Name) != string(ents[k].Name) || d.Inode != ents[k].Inode {
					t.Errorf("entry %d: %q %d", k, d.Name, d.Inode)
				}
				k++
			}
			off += d.RecLen
		}
		if k != got {
			t.Errorf("%d entries packed, %d decoded", got, k)
		}
	}
}

// TestExtentTreeRoundTrip: trees of every depth decode back to the
// extents encoded, with valid checksums, using exactly ExtentTreeBlocks
// blocks.
func TestExtentTreeRoundTrip(t *testing.T) {
	const bs = 4096
	for _, n := range []int{0, 1, 4, 5, 340, 341, 1360, 1361, 200000} {
		exts := make([]Extent, n)
		for i := range exts {
			exts[i] = Extent{Block: uint32(2 * i), Len: 1, Start: uint64(1000 + 3*i)}
		}
		need := ExtentTreeBlocks(n, bs)
		nodes := make([]uint64, need)
		img := map[uint64][]byte{}
		for i := range nodes {
			nodes[i] = uint64(1<<40 + i)
		}
		var root [60]byte
		for i, b := range EncodeExtentTree(root[:], exts, nodes, bs, 42) {
			img[nodes[i]] = b
		}
		if len(img) != need {
			t.Fatalf("%d extents: %d blocks written, %d computed", n, len(img), need)
		}
		var got []Extent
		var walk func(node []byte)
		walk = func(node []byte) {
			h, err := DecodeExtentHeader(node)
			if err != nil {
				t.Fatal(err)
			}
			if len(node) > 60 && !VerifyExtentBlockChecksum(42, node) {
				t.Fatal("bad extent block checksum")
			}
			for i := 0; i < int(h.Entries); i++ {
				if h.Depth == 0 {
					got = append(got, DecodeExtent(node, i))
				} else {
					walk(img[DecodeExtentIndex(node, i).Leaf])
				}
			}
		}
		walk(root[:])
		if fmt.Sprint(got) != fmt.Sprint(exts) && !(n == 0 && len(got) == 0) {
			t.Errorf("%d extents: tree reads back %d", n, len(got))
		}
	}
}
