package ext4

import (
	"aramid/kernel/abi"
	"aramid/kernel/fs/ext4/layout"
)

// The jbd2 journal: replay at mount. FS.mu is not needed (mount is
// single-threaded).

// journalMaxTags bounds the tags of one replay (a corrupt log cannot
// make the mount allocate without limit).
const journalMaxTags = 1 << 22

// journalIncompatKnown are the journal features replay understands.
const journalIncompatKnown = layout.JIncompatRevoke | layout.JIncompat64bit | layout.JIncompatAsyncCommit |
	layout.JIncompatCsumV2 | layout.JIncompatCsumV3

// journal is the journal inode's block map and superblock.
type journal struct {
	ip *inode
	js *layout.JournalSuper
}

func (fs *FS) openJournal() (*journal, error) {
	if fs.sb.JournalInum == 0 || fs.sb.JournalDev != 0 {
		return nil, mountFail(abi.EINVAL, "external journals are not supported")
	}
	d, err := fs.readInode(fs.sb.JournalInum)
	if err != nil {
		return nil, mountFail(abi.EUCLEAN, "journal inode: %v", err)
	}
	ip := &inode{fs: fs, ino: fs.sb.JournalInum, disk: d}
	if err := fs.loadExtents(ip); err != nil {
		return nil, mountFail(abi.EUCLEAN, "journal inode: %v", err)
	}
	j := &journal{ip: ip}
	b, err := j.read(fs, 0)
	if err != nil {
		return nil, err
	}
	js, err := layout.DecodeJournalSuper(b)
	if err != nil {
		return nil, mountFail(abi.EUCLEAN, "journal: %v", err)
	}
	if int(js.BlockSize) != fs.bs {
		return nil, mountFail(abi.EUCLEAN, "journal block size %d, filesystem %d", js.BlockSize, fs.bs)
	}
	if uint64(js.MaxLen)*uint64(fs.bs) > d.Size {
		return nil, mountFail(abi.EUCLEAN, "journal of %d blocks in a %d-byte inode", js.MaxLen, d.Size)
	}
	if !js.VerifyChecksum() {
		return nil, mountFail(abi.EUCLEAN, "journal superblock checksum mismatch")
	}
	if unk := js.FeatureIncompat &^ journalIncompatKnown; unk != 0 && (js.Start != 0 || unk != layout.JIncompatFastCommit) {
		return nil, mountFail(abi.EINVAL, "journal has unsupported features %#x", unk)
	}
	j.js = js
	return j, nil
}

// read returns journal block n (a fresh buffer).
func (j *journal) read(fs *FS, n uint64) ([]byte, error) {
	phys, _, unwritten, ok := j.ip.mapBlock(n)
	if !ok || unwritten {
		return nil, mountFail(abi.EUCLEAN, "journal block %d is not mapped", n)
	}
	b := make([]byte, fs.bs)
	if err := fs.readBlocks(b, phys); err != nil {
		return nil, mountFail(abi.EIO, "journal block %d: %v", n, err)
	}
	return b, nil
}

// checkJournalClean refuses a read-write mount over a journal holding
// transactions (the superblock did not say so: replay them anyway, as
// jbd2 does when s_start is set).
func (fs *FS) checkJournalClean() error {
	j, err := fs.openJournal()
	if err != nil {
		return err
	}
	if j.js.Start != 0 {
		return fs.replayJournal()
	}
	return nil
}

type journalTxn struct {
	seq  uint32
	tags []journalWrite
}

type journalWrite struct {
	fsBlock  uint64
	logBlock uint64
	tag      layout.JournalTag
}

// replayJournal writes every committed transaction's blocks to their
// places (skipping revoked ones), empties the journal and clears
// needs_recovery. The superblock and descriptors are read again after.
func (fs *FS) replayJournal() error {
	j, err := fs.openJournal()
	if err != nil {
		return err
	}
	js := j.js
	if js.Start != 0 {
		txns, revoked, last, err := j.scan(fs)
		if err != nil {
			return err
		}
		for _, t := range txns {
			for _, w := range t.tags {
				if rs, ok := revoked[w.fsBlock]; ok && int32(rs-t.seq) >= 0 {
					continue
				}
				b, err := j.read(fs, w.logBlock)
				if err != nil {
					return err
				}
				if !js.VerifyDataTag(w.tag, t.seq, b) {
					return mountFail(abi.EUCLEAN, "journal: checksum of block %d (transaction %d) mismatch", w.fsBlock, t.seq)
				}
				if w.tag.Flags&layout.JTagEscape != 0 {
					b[0], b[1], b[2], b[3] = 0xC0, 0x3B, 0x39, 0x98
				}
				if w.fsBlock >= fs.sb.BlocksCount {
					return mountFail(abi.EUCLEAN, "journal: block %d outside the filesystem", w.fsBlock)
				}
				if err := fs.dev.WriteSectors(b, w.fsBlock*fs.sectorsPerBlock()); err != nil {
					return mountFail(abi.EIO, "journal replay: %v", err)
				}
			}
		}
		if err := fs.dev.Flush(); err != nil {
			return mountFail(abi.EIO, "journal replay: %v", err)
		}
		js.Sequence = last
		js.Start = 0
		phys, _, _, _ := j.ip.mapBlock(0)
		b, err := j.read(fs, 0)
		if err != nil {
			return err
		}
		copy(b, js.Encode())
		if err := fs.dev.WriteSectors(b, phys*fs.sectorsPerBlock()); err != nil {
			return mountFail(abi.EIO, "journal superblock: %v", err)
		}
	}
	// The replay may have rewritten the superblock and descriptors.
	clear(fs.cache)
	ss := fs.dev.SectorSize()
	buf := make([]byte, (layout.SuperOffset+layout.SuperSize+ss-1)/ss*ss)
	if err := fs.dev.ReadSectors(buf, 0); err != nil {
		return mountFail(abi.EIO, "superblock: %v", err)
	}
	sb, err := layout.DecodeSuperblock(buf[layout.SuperOffset:])
	if err != nil || !sb.VerifyChecksum() {
		return mountFail(abi.EUCLEAN, "superblock after journal replay: %v", err)
	}
	if sb.FeatureIncompat&^incompatRead != 0 {
		return mountFail(abi.EINVAL, "couldn't mount because of unsupported optional features (%s)", layout.FeatureNames(sb.FeatureIncompat&^incompatRead, true))
	}
	sb.FeatureIncompat &^= layout.IncompatRecover
	fs.sb = sb
	ro, unmounted := fs.ro, fs.unmounted
	fs.ro, fs.unmounted = false, false // the replay writes even for a read-only mount, as Linux does
	err = fs.writeSuper()
	fs.ro, fs.unmounted = ro, unmounted
	if err != nil {
		return mountFail(abi.EIO, "superblock: %v", err)
	}
	if err := fs.dev.Flush(); err != nil {
		return mountFail(abi.EIO, "flush: %v", err)
	}
	return fs.loadGroups()
}

// scan reads the log from s_start: the committed transactions in order,
// the revoked blocks (with the newest revoking transaction) and the
// sequence number after the last transaction.
func (j *journal) scan(fs *FS) ([]journalTxn, map[uint64]uint32, uint32, error) {
	js := j.js
	seq := js.Sequence
	blk := uint64(js.Start)
	first, last := uint64(js.First), uint64(js.MaxLen)
	wrap := func(b uint64) uint64 {
		if b >= last {
			b = first + (b-first)%(last-first)
		}
		return b
	}
	var txns []journalTxn
	revoked := map[uint64]uint32{}
	cur := journalTxn{seq: seq}
	pendingRevokes := map[uint64]uint32{}
	ntags := 0
	for steps := uint64(0); steps <= last; steps++ {
		b, err := j.read(fs, blk)
		if err != nil {
			return nil, nil, 0, err
		}
		h, ok := layout.DecodeJournalHeader(b)
		if !ok || h.Sequence != seq {
			break
		}
		switch h.BlockType {
		case layout.JBlockDescriptor:
			if !js.VerifyBlockTail(b) {
				return nil, nil, 0, mountFail(abi.EUCLEAN, "journal: descriptor block %d checksum mismatch", blk)
			}
			tags, err := js.DecodeJournalTags(b)
			if err != nil {
				return nil, nil, 0, mountFail(abi.EUCLEAN, "journal: %v", err)
			}
			for _, t := range tags {
				blk = wrap(blk + 1)
				if ntags++; ntags > journalMaxTags {
					return nil, nil, 0, mountFail(abi.EUCLEAN, "journal: too many tags")
				}
				cur.tags = append(cur.tags, journalWrite{fsBlock: t.Block, logBlock: blk, tag: t})
			}
			blk = wrap(blk + 1)
		case layout.JBlockCommit:
			if !js.VerifyCommit(b) {
				steps = last // an unfinished commit ends the log
				continue
			}
			txns = append(txns, cur)
			for k, v := range pendingRevokes {
				if old, ok := revoked[k]; !ok || int32(v-old) > 0 {
					revoked[k] = v
				}
			}
			clear(pendingRevokes)
			seq++
			cur = journalTxn{seq: seq}
			blk = wrap(blk + 1)
		case layout.JBlockRevoke:
			if !js.VerifyBlockTail(b) {
				return nil, nil, 0, mountFail(abi.EUCLEAN, "journal: revoke block %d checksum mismatch", blk)
			}
			rs, err := js.DecodeRevoke(b)
			if err != nil {
				return nil, nil, 0, mountFail(abi.EUCLEAN, "journal: %v", err)
			}
			for _, r := range rs {
				pendingRevokes[r] = seq
			}
			blk = wrap(blk + 1)
		default:
			steps = last
		}
	}
	return txns, revoked, seq, nil
}
