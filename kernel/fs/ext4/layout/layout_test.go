package layout

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install e2fsprogs)", tool)
		}
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// mkImage builds a 64 MiB ext4 image with bookworm's mkfs.ext4 defaults,
// populated with a directory of 600 names (indexed by e2fsck -D), a
// sparse file with ten extents (an extent tree of depth 1), symlinks and
// an xattr too big for the inode (so it goes to a block).
func mkImage(t *testing.T) []byte {
	need(t, "mkfs.ext4", "e2fsck", "debugfs")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, "big"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 600; i++ {
		if err := os.WriteFile(filepath.Join(src, "big", fmt.Sprintf("file_with_a_long_name_%d", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(filepath.Join(src, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := f.WriteAt(bytes.Repeat([]byte{'a' + byte(i)}, 4096), int64(i)*65536); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	if err := os.Symlink(strings.Repeat("s", 100), filepath.Join(src, "slow")); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "img")
	run(t, "mkfs.ext4", "-F", "-q", "-b", "4096", "-d", src, img, "64M")
	val := filepath.Join(dir, "val")
	if err := os.WriteFile(val, bytes.Repeat([]byte("v"), 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "debugfs", "-w", "-R", "ea_set -f "+val+" /sparse user.big", img)
	// -D indexes directories; exit status 1 means "fixed", which it was.
	if out, err := exec.Command("e2fsck", "-fyD", img).CombinedOutput(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() > 1 {
			t.Fatalf("e2fsck -fyD: %v\n%s", err, out)
		}
	}
	run(t, "e2fsck", "-fn", img)
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// image walks an image with the package's decoders.
type image struct {
	t  *testing.T
	b  []byte
	sb *Superblock
	bs int
}

func (m *image) block(n uint64) []byte {
	off := int(n) * m.bs
	if off+m.bs > len(m.b) {
		m.t.Fatalf("block %d past the image", n)
	}
	return m.b[off : off+m.bs]
}

func (m *image) desc(g uint64) (GroupDesc, []byte) {
	blk, off := m.sb.GroupDescLocation(g)
	raw := m.block(blk)[off : off+m.sb.DescriptorSize()]
	d, err := DecodeGroupDesc(raw, m.sb.DescriptorSize())
	if err != nil {
		m.t.Fatal(err)
	}
	return d, raw
}

func (m *image) inode(ino uint32) *Inode {
	g, idx := m.sb.InodeLocation(ino)
	d, _ := m.desc(g)
	off := int(d.InodeTable)*m.bs + int(idx)*int(m.sb.InodeSize)
	in, err := DecodeInode(m.b[off:], int(m.sb.InodeSize))
	if err != nil {
		m.t.Fatal(err)
	}
	return in
}

// extents returns the leaves and the extent-tree blocks of an inode.
func (m *image) extents(in *Inode) (leaves []Extent, nodes []uint64) {
	var walk func(node []byte)
	walk = func(node []byte) {
		h, err := DecodeExtentHeader(node)
		if err != nil {
			m.t.Fatal(err)
		}
		for i := 0; i < int(h.Entries); i++ {
			if h.Depth == 0 {
				leaves = append(leaves, DecodeExtent(node, i))
				continue
			}
			x := DecodeExtentIndex(node, i)
			nodes = append(nodes, x.Leaf)
			walk(m.block(x.Leaf))
		}
	}
	walk(in.Block[:])
	return
}

func (m *image) lookup(dirIno uint32, name string) uint32 {
	leaves, _ := m.extents(m.inode(dirIno))
	for _, x := range leaves {
		for i := 0; i < int(x.Len); i++ {
			b := m.block(x.Start + uint64(i))
			for off := 0; off < len(b); {
				d, err := DecodeDirent(b, off)
				if err != nil {
					m.t.Fatal(err)
				}
				if d.Inode != 0 && string(d.Name) == name {
					return d.Inode
				}
				off += d.RecLen
			}
		}
	}
	m.t.Fatalf("%q not in directory %d", name, dirIno)
	return 0
}

// TestChecksumsMatchMkfs recomputes every kind of checksum over an image
// mkfs.ext4, debugfs and e2fsck wrote, and compares with what they
// stored; then changes a byte and checks that the checksum notices.
func TestChecksumsMatchMkfs(t *testing.T) {
	b := mkImage(t)
	sb, err := DecodeSuperblock(b[SuperOffset:])
	if err != nil {
		t.Fatal(err)
	}
	m := &image{t: t, b: b, sb: sb, bs: int(sb.BlockSize())}
	if !sb.HasMetadataCsum() || !sb.Is64() || sb.DescriptorSize() != 64 {
		t.Fatalf("mkfs defaults changed: metadata_csum %v 64bit %v desc %d", sb.HasMetadataCsum(), sb.Is64(), sb.DescriptorSize())
	}
	t.Run("superblock", func(t *testing.T) {
		if !sb.VerifyChecksum() || sb.ComputeChecksum() != sb.Checksum {
			t.Fatalf("superblock checksum %#x, computed %#x", sb.Checksum, sb.ComputeChecksum())
		}
		// Encoding the decoded fields gives back the same bytes.
		if !bytes.Equal(sb.Encode(), b[SuperOffset:SuperOffset+SuperSize]) {
			t.Fatal("Encode(Decode(sb)) differs")
		}
	})
	t.Run("groups", func(t *testing.T) {
		for g := uint64(0); g < sb.GroupCount(); g++ {
			d, raw := m.desc(g)
			if c := sb.GroupDescChecksum(g, raw); c != d.Checksum {
				t.Errorf("group %d: checksum %#x, computed %#x", g, d.Checksum, c)
			}
			enc := make([]byte, len(raw))
			d.Encode(enc, sb.DescriptorSize())
			if !bytes.Equal(enc[:0x3C], raw[:0x3C]) {
				t.Errorf("group %d: Encode(Decode) differs", g)
			}
			var bb, ib []byte
			if d.Flags&BGBlockUninit == 0 {
				bb = m.block(d.BlockBitmap)
			}
			if d.Flags&BGInodeUninit == 0 {
				ib = m.block(d.InodeBitmap)
			}
			if bok, iok := sb.VerifyBitmapChecksums(&d, bb, ib); !bok || !iok {
				t.Errorf("group %d: bitmap checksums block %v inode %v", g, bok, iok)
			}
			if bb != nil {
				bad := append([]byte(nil), bb...)
				bad[len(bad)/2] ^= 1
				if bok, _ := sb.VerifyBitmapChecksums(&d, bad, nil); bok {
					t.Errorf("group %d: a flipped bitmap bit passes", g)
				}
			}
		}
	})
	t.Run("inodes", func(t *testing.T) {
		d, _ := m.desc(0)
		bitmap := m.block(d.InodeBitmap)
		n := 0
		for i := uint32(0); i < sb.InodesPerGroup; i++ {
			if bitmap[i/8]&(1<<(i%8)) == 0 {
				continue
			}
			ino := i + 1
			in := m.inode(ino)
			if !sb.VerifyInodeChecksum(ino, in.Raw) {
				t.Errorf("inode %d: checksum mismatch", ino)
			}
			raw := append([]byte(nil), in.Raw...)
			if !bytes.Equal(in.Encode(), raw) {
				t.Errorf("inode %d: Encode(Decode) differs", ino)
			}
			raw[0x30] ^= 0x40
			if sb.VerifyInodeChecksum(ino, raw) {
				t.Errorf("inode %d: corruption not detected", ino)
			}
			n++
		}
		if n < 600 {
			t.Fatalf("checked %d inodes", n)
		}
	})
	root := uint32(RootIno)
	t.Run("extent blocks", func(t *testing.T) {
		ino := m.lookup(root, "sparse")
		in := m.inode(ino)
		leaves, nodes := m.extents(in)
		if len(leaves) != 10 || len(nodes) == 0 {
			t.Fatalf("sparse: %d extents in %d tree blocks, want 10 in a tree", len(leaves), len(nodes))
		}
		for i, x := range leaves {
			if x.Block != uint32(i*16) || x.Len != 1 {
				t.Errorf("extent %d: %+v", i, x)
			}
		}
		seed := sb.InodeCsumSeed(ino, in.Generation)
		for _, n := range nodes {
			if !VerifyExtentBlockChecksum(seed, m.block(n)) {
				t.Errorf("extent block %d: checksum mismatch", n)
			}
		}
	})
	t.Run("directory blocks", func(t *testing.T) {
		in := m.inode(root)
		leaves, _ := m.extents(in)
		seed := sb.InodeCsumSeed(root, in.Generation)
		for _, x := range leaves {
			for i := 0; i < int(x.Len); i++ {
				blk := m.block(x.Start + uint64(i))
				if !VerifyDirTail(seed, blk) {
					t.Errorf("root directory block %d: tail checksum", x.Start+uint64(i))
				}
			}
		}
	})
	t.Run("htree", func(t *testing.T) {
		ino := m.lookup(root, "big")
		in := m.inode(ino)
		if in.Flags&FlagIndex == 0 {
			t.Fatal("big is not indexed")
		}
		leaves, _ := m.extents(in)
		seed := sb.InodeCsumSeed(ino, in.Generation)
		rootBlk := m.block(leaves[0].Start)
		info, ents, limit, err := DecodeDxRoot(rootBlk)
		if err != nil {
			t.Fatal(err)
		}
		if limit != DxLimit(m.bs, DxRootEntries, true) {
			t.Errorf("dx_root limit %d, want %d", limit, DxLimit(m.bs, DxRootEntries, true))
		}
		if !VerifyDxChecksum(seed, rootBlk, DxRootEntries) {
			t.Error("dx_root checksum mismatch")
		}
		if info.IndirectLevels != 0 || len(ents) < 2 {
			t.Fatalf("dx_root: %+v, %d entries", info, len(ents))
		}
		// Every name in a leaf hashes into that leaf's range.
		hv := sb.HashVersion(info.HashVersion)
		names := 0
		for i, e := range ents {
			hi := uint32(0xFFFFFFFF)
			if i+1 < len(ents) {
				hi = ents[i+1].Hash
			}
			var phys uint64
			for _, x := range leaves {
				if e.Block >= x.Block && e.Block < x.Block+uint32(x.Len) {
					phys = x.Start + uint64(e.Block-x.Block)
				}
			}
			blk := m.block(phys)
			if !VerifyDirTail(seed, blk) {
				t.Errorf("leaf %d: tail checksum", e.Block)
			}
			for off := 0; off < len(blk)-DirTailSize; {
				d, err := DecodeDirent(blk, off)
				if err != nil {
					t.Fatal(err)
				}
				if d.Inode != 0 {
					h, _, _ := DirHash(d.Name, hv, sb.HashSeed)
					if h < e.Hash&^1 || h > hi {
						t.Errorf("%s: hash %#x outside leaf [%#x, %#x]", d.Name, h, e.Hash, hi)
					}
					names++
				}
				off += d.RecLen
			}
		}
		if names != 600 {
			t.Errorf("%d names in the leaves, want 600", names)
		}
	})
	t.Run("xattr block", func(t *testing.T) {
		ino := m.lookup(root, "sparse")
		in := m.inode(ino)
		if in.FileACL == 0 {
			t.Fatal("no xattr block")
		}
		blk := m.block(in.FileACL)
		if !sb.VerifyXattrBlock(in.FileACL, blk) {
			t.Error("xattr block checksum mismatch")
		}
		xs, err := DecodeXattrBlock(blk)
		if err != nil {
			t.Fatal(err)
		}
		if len(xs) != 1 || xs[0].Name != "user.big" || !bytes.Equal(xs[0].Value, bytes.Repeat([]byte("v"), 1000)) {
			t.Fatalf("xattrs %q", xs)
		}
	})
	t.Run("journal superblock", func(t *testing.T) {
		jin := m.inode(sb.JournalInum)
		leaves, _ := m.extents(jin)
		js, err := DecodeJournalSuper(m.block(leaves[0].Start))
		if err != nil {
			t.Fatal(err)
		}
		if js.BlockSize != sb.BlockSize() || js.MaxLen == 0 || js.Start != 0 {
			t.Fatalf("journal superblock %+v", js)
		}
		if !js.VerifyChecksum() {
			t.Error("journal superblock checksum")
		}
		raw := append([]byte(nil), js.Raw[:]...)
		if !bytes.Equal(js.Encode(), raw) {
			t.Error("journal Encode(Decode) differs")
		}
	})
}

// TestDirHashMatchesDebugfs compares every hash version with debugfs's
// dx_hash for names of several lengths, bytes above 0x7f included
// (where signed and unsigned differ).
func TestDirHashMatchesDebugfs(t *testing.T) {
	need(t, "mkfs.ext4", "debugfs")
	img := filepath.Join(t.TempDir(), "img")
	run(t, "mkfs.ext4", "-F", "-q", img, "8M")
	seed := "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
	var seedWords [4]uint32
	hexs := strings.ReplaceAll(seed, "-", "")
	for i := range seedWords {
		// The seed is four little-endian words of the UUID's bytes.
		var w [4]byte
		for j := 0; j < 4; j++ {
			v, _ := strconv.ParseUint(hexs[8*i+2*j:8*i+2*j+2], 16, 8)
			w[j] = byte(v)
		}
		seedWords[i] = le.Uint32(w[:])
	}
	names := []string{"a", "hello", "file_with_a_long_name_12", strings.Repeat("x", 33), strings.Repeat("long", 63) + "end", "caf\xc3\xa9\xff"}
	versions := map[string]uint8{"legacy": HashLegacy, "half_md4": HashHalfMD4, "tea": HashTea,
		"legacy_unsigned": HashLegacyUnsigned, "half_md4_unsigned": HashHalfMD4Unsigned, "tea_unsigned": HashTeaUnsigned}
	re := regexp.MustCompile(`is 0x([0-9a-f]+) \(minor 0x([0-9a-f]+)\)`)
	for vname, v := range versions {
		for _, name := range names {
			for _, s := range []string{"", seed} {
				cmd := "dx_hash -h " + strconv.Itoa(int(v)) // debugfs knows the unsigned variants by number
				words := [4]uint32{}
				if s != "" {
					cmd += " -s " + s
					words = seedWords
				}
				out := run(t, "debugfs", "-R", cmd+" "+name, img)
				mm := re.FindStringSubmatch(out)
				if mm == nil {
					t.Fatalf("debugfs: %s", out)
				}
				wantMaj, _ := strconv.ParseUint(mm[1], 16, 32)
				wantMin, _ := strconv.ParseUint(mm[2], 16, 32)
				maj, min, ok := DirHash([]byte(name), v, words)
				if !ok || maj != uint32(wantMaj) || min != uint32(wantMin) {
					t.Errorf("%s(%q, seed %q) = %#x/%#x, debugfs %#x/%#x", vname, name, s, maj, min, wantMaj, wantMin)
				}
			}
		}
	}
}
