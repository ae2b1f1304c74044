package layout

import (
	"bytes"
	"testing"
)

// The fuzz targets feed arbitrary bytes to every decoder and to what
// callers do with a decoded value; none may panic.

func FuzzDecodeSuperblock(f *testing.F) {
	f.Add(make([]byte, SuperSize))
	good := make([]byte, SuperSize)
	le.PutUint16(good[0x38:], Magic)
	le.PutUint32(good[0x0:], 16)
	le.PutUint32(good[0x4:], 1000)
	le.PutUint32(good[0x20:], 32768)
	le.PutUint32(good[0x28:], 16)
	le.PutUint32(good[0x4C:], 1)
	le.PutUint32(good[0x54:], 11)
	le.PutUint16(good[0x58:], 256)
	le.PutUint32(good[0x18:], 2)
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSuperblock(b)
		if err != nil {
			return
		}
		n := s.GroupCount()
		for _, g := range []uint64{0, 1, n - 1, n / 2} {
			s.GroupHasSuper(g)
			s.GroupBlocks(g)
			s.BaseMetaBlocks(g)
			s.GroupDescLocation(g)
		}
		s.InodeLocation(1)
		s.InodeLocation(s.InodesCount)
		s.SetChecksum()
		if !s.VerifyChecksum() {
			t.Fatal("SetChecksum then VerifyChecksum fails")
		}
	})
}

func FuzzDecodeGroupDesc(f *testing.F) {
	f.Add(make([]byte, 64), uint32(64))
	f.Add(make([]byte, 32), uint32(32))
	f.Fuzz(func(t *testing.T, b []byte, size uint32) {
		d, err := DecodeGroupDesc(b, size)
		if err != nil {
			return
		}
		out := make([]byte, size)
		d.Encode(out, size)
		d2, err := DecodeGroupDesc(out, size)
		if err != nil || d2 != d {
			t.Fatalf("round trip: %+v != %+v (%v)", d2, d, err)
		}
	})
}

func FuzzDecodeInode(f *testing.F) {
	f.Add(make([]byte, 256))
	f.Add(make([]byte, 128))
	f.Fuzz(func(t *testing.T, b []byte) {
		size := 256
		if len(b) < 256 {
			size = 128
		}
		in, err := DecodeInode(b, size)
		if err != nil {
			return
		}
		orig := append([]byte(nil), in.Raw...)
		enc := in.Encode()
		in2, err := DecodeInode(enc, size)
		if err != nil {
			t.Fatal(err)
		}
		if in2.Mode != in.Mode || in2.Size != in.Size || in2.Flags != in.Flags || in2.Mtime != in.Mtime {
			t.Fatal("round trip changed fields")
		}
		_ = orig
		DecodeInodeXattrs(in.Raw)
		var s Superblock
		s.FeatureRoCompat = RoCompatMetadataCsum
		s.SetInodeChecksum(5, in.Raw)
		if !s.VerifyInodeChecksum(5, in.Raw) {
			t.Fatal("inode checksum does not verify after SetInodeChecksum")
		}
	})
}

func FuzzExtentNode(f *testing.F) {
	node := make([]byte, 60)
	ExtentHeader{Entries: 1, Max: 4}.Encode(node)
	EncodeExtent(node, 0, Extent{Block: 0, Len: 3, Start: 100})
	f.Add(node)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeExtentHeader(b)
		if err != nil {
			return
		}
		for i := 0; i < int(h.Entries); i++ {
			if h.Depth == 0 {
				x := DecodeExtent(b, i)
				if x.Len > MaxInitLen {
					t.Fatalf("extent length %d", x.Len)
				}
			} else {
				DecodeExtentIndex(b, i)
			}
		}
		VerifyExtentBlockChecksum(1, b)
	})
}

func FuzzDirBlock(f *testing.F) {
	blk := make([]byte, 1024)
	EncodeDirent(blk, 0, 2, 12, []byte("."), FtDir)
	EncodeDirent(blk, 12, 2, 1024-12-DirTailSize, []byte(".."), FtDir)
	SetDirTail(7, blk)
	f.Add(blk)
	f.Fuzz(func(t *testing.T, b []byte) {
		for off := 0; off < len(b); {
			d, err := DecodeDirent(b, off)
			if err != nil {
				break
			}
			if d.RecLen < DirentHeaderSize || off+d.RecLen > len(b) {
				t.Fatalf("entry %+v escapes the block", d)
			}
			off += d.RecLen
		}
		VerifyDirTail(7, b)
		DecodeDxRoot(b)
		DecodeDxEntries(b, DxNodeEntries)
		VerifyDxChecksum(7, b, DxRootEntries)
		VerifyDxChecksum(7, b, DxNodeEntries)
		if len(b) < 300 {
			for v := uint8(0); v < 8; v++ {
				DirHash(b, v, [4]uint32{1, 2, 3, 4})
			}
		}
	})
}

func FuzzXattr(f *testing.F) {
	blk := make([]byte, 1024)
	le.PutUint32(blk, XattrMagic)
	le.PutUint32(blk[8:], 1)
	f.Add(blk)
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeXattrBlock(b)
		DecodeXattrs(b, 0, 0)
		if len(b) >= 256 {
			DecodeInodeXattrs(b[:256])
		}
	})
}

func FuzzJournal(f *testing.F) {
	sb := make([]byte, 1024)
	be.PutUint32(sb, JournalMagic)
	be.PutUint32(sb[4:], JBlockSuperV2)
	be.PutUint32(sb[0xC:], 1024)
	be.PutUint32(sb[0x10:], 100)
	be.PutUint32(sb[0x14:], 1)
	f.Add(sb, make([]byte, 1024))
	f.Fuzz(func(t *testing.T, sbb, blk []byte) {
		j, err := DecodeJournalSuper(sbb)
		if err != nil {
			return
		}
		j.VerifyChecksum()
		j.DecodeJournalTags(blk)
		j.DecodeRevoke(blk)
		j.VerifyBlockTail(blk)
		j.VerifyCommit(blk)
		DecodeJournalHeader(blk)
		if !bytes.Equal(j.Encode()[:12], sbb[:12]) {
			t.Fatal("Encode changed the header")
		}
	})
}

func TestTimestampRoundTrip(t *testing.T) {
	for _, ts := range []Timestamp{
		{0, 0}, {1, 999999999}, {-1, 5}, {1<<31 - 1, 0}, {1 << 31, 1}, {1 << 32, 7}, {-(1 << 31), 0}, {3<<32 - 1 + (1 << 31), 0},
	} {
		lo, extra := encodeTime(ts)
		if got := decodeTime(lo, extra, true); got != ts {
			t.Errorf("%+v -> (%#x, %#x) -> %+v", ts, lo, extra, got)
		}
	}
}

func TestRecLenAndDirentSize(t *testing.T) {
	for _, c := range []struct{ name, size int }{{1, 12}, {2, 12}, {4, 12}, {5, 16}, {255, 264}} {
		if got := DirentSize(c.name); got != c.size {
			t.Errorf("DirentSize(%d) = %d, want %d", c.name, got, c.size)
		}
	}
	if RecLenFromDisk(RecLenToDisk(65536, 65536), 65536) != 65536 || RecLenFromDisk(4096, 4096) != 4096 {
		t.Error("rec_len of a whole 64 KiB block does not round-trip")
	}
}

func TestXattrNames(t *testing.T) {
	for _, c := range []struct {
		name   string
		idx    uint8
		suffix string
		ok     bool
	}{
		{"user.foo", 1, "foo", true}, {"security.selinux", 6, "selinux", true}, {"trusted.x", 4, "x", true},
		{"system.posix_acl_access", 2, "", true}, {"system.data", 7, "data", true}, {"bogus.x", 0, "", false},
	} {
		idx, suffix, ok := XattrSplit(c.name)
		if idx != c.idx || suffix != c.suffix || ok != c.ok {
			t.Errorf("XattrSplit(%q) = %d %q %v", c.name, idx, suffix, ok)
		}
	}
}

func TestFeatureNames(t *testing.T) {
	if got := FeatureNames(IncompatInlineData|1<<30, true); got != "inline_data FEATURE_I30" {
		t.Errorf("FeatureNames = %q", got)
	}
}

// TestJournalEncodeRoundTrip: tags, tails and commit blocks this package
// writes decode and verify with its readers.
func TestJournalEncodeRoundTrip(t *testing.T) {
	for _, feat := range []uint32{0, JIncompat64bit, JIncompatCsumV2, JIncompatCsumV3 | JIncompat64bit} {
		sb := make([]byte, 1024)
		be.PutUint32(sb, JournalMagic)
		be.PutUint32(sb[4:], JBlockSuperV2)
		be.PutUint32(sb[0xC:], 4096)
		be.PutUint32(sb[0x10:], 1024)
		be.PutUint32(sb[0x14:], 1)
		be.PutUint32(sb[0x28:], feat)
		copy(sb[0x30:], "0123456789abcdef")
		j, err := DecodeJournalSuper(sb)
		if err != nil {
			t.Fatal(err)
		}
		data := bytes.Repeat([]byte{7}, 4096)
		var tags []JournalTag
		for i := 0; i < j.DescriptorTags(); i++ {
			tags = append(tags, JournalTag{Block: uint64(100 + i), Checksum: j.DataTagChecksum(5, data)})
		}
		b := make([]byte, 4096)
		EncodeJournalHeader(b, JBlockDescriptor, 5)
		j.EncodeJournalTags(b, tags)
		got, err := j.DecodeJournalTags(b)
		if err != nil || len(got) != len(tags) || !j.VerifyBlockTail(b) {
			t.Fatalf("features %#x: %d tags back of %d (%v), tail ok %v", feat, len(got), len(tags), err, j.VerifyBlockTail(b))
		}
		for i := range got {
			if got[i].Block != tags[i].Block || !j.VerifyDataTag(got[i], 5, data) {
				t.Fatalf("features %#x: tag %d = %+v", feat, i, got[i])
			}
		}
		j.EncodeCommit(b, 5, 1, 2)
		if h, ok := DecodeJournalHeader(b); !ok || h.BlockType != JBlockCommit || !j.VerifyCommit(b) {
			t.Fatalf("features %#x: commit block does not verify", feat)
		}
	}
}
