package ext4

import (
	"sort"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/ext4/layout"
)

// Journalled metadata. On a read-write mount of a filesystem with a
// journal, metadata block writes (writeMeta, the superblock included)
// only change the cache and join the running transaction. commit points
// the journal superblock at the transaction it is about to write, writes
// it to the journal (descriptor blocks, the blocks; a flush; a commit
// block; a flush) and writes the blocks home without waiting for them:
// the transaction stays in the journal (pending) until the next commit's
// first flush has made its home blocks durable, and that commit's log
// goes after it (or, when it does not fit there, before it), so a replay
// of the pending transaction always finds its log intact. The journal
// superblock then moves to the new transaction before the new commit
// block can be written, so a committed transaction is never followed by
// a replay of an older one (whose blocks the newer may have freed and
// reused: what jbd2's revoke records are for). drain empties the journal
// (a flush, the superblock, a flush) at unmount, remount read-only, when
// a transaction fits nowhere else, and on the commit timer once nothing
// is dirty: at rest the journal is empty, and a crash at any point leaves
// either the old or the new metadata (replayed at the next mount, by this
// package, e2fsck or Linux). File data is
// written in place before the commit that makes metadata refer to it
// (ordered mode). A block freed during a transaction leaves it (so a
// replay cannot write stale metadata over data that reused the block),
// which is what jbd2's revoke records achieve for its longer-lived log.
//
// Commits happen on fsync, sync and unmount, every commitInterval, and
// when a transaction grows to half the journal (at the end of the
// operation) or to all of it (in the middle of one, which then is not
// atomic: the journal is too small for it).

// commitInterval is how often a running transaction is committed
// (jbd2's default commit interval).
const commitInterval = 5 * time.Second

// jstate is the journal of a read-write mount.
type jstate struct {
	j     *journal
	dirty map[uint64]bool // metadata blocks of the running transaction
	limit int             // most blocks one transaction may hold
	stop  chan struct{}
	// pending is set while the last committed transaction is still in
	// the journal (its home blocks written but maybe not durable): it
	// occupies journal blocks [pendStart, pendEnd), and the journal
	// superblock points at it.
	pending            bool
	pendStart, pendEnd uint64
}

// startJournal sets up journalled writes for a read-write mount.
func (fs *FS) startJournal() error {
	j, err := fs.openJournal()
	if err != nil {
		return err
	}
	js := j.js
	if js.Start != 0 {
		return mountFail(abi.EUCLEAN, "journal not empty after recovery")
	}
	usable := int(js.MaxLen - js.First)
	per := js.DescriptorTags()
	limit := (usable - 1) * per / (per + 1)
	if limit < 16 {
		return mountFail(abi.EINVAL, "journal of %d blocks is too small", js.MaxLen)
	}
	if fs.sb.BlocksCount >= 1<<32 && js.FeatureIncompat&layout.JIncompat64bit == 0 {
		js.FeatureIncompat |= layout.JIncompat64bit
		be32put(js.Raw[0x28:], js.FeatureIncompat)
		if err := j.writeSuper(fs); err != nil {
			return mountFail(abi.EIO, "journal superblock: %v", err)
		}
	}
	fs.jnl = &jstate{j: j, dirty: make(map[uint64]bool), limit: limit, stop: make(chan struct{})}
	go fs.committer(fs.jnl.stop)
	return nil
}

func be32put(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

// committer commits the running transaction every commitInterval until
// stop is closed.
func (fs *FS) committer(stop chan struct{}) {
	t := time.NewTicker(commitInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fs.mu.Lock()
			if fs.jnl != nil && fs.err == nil {
				fs.writebackAll()
				if len(fs.jnl.dirty) > 0 || fs.sbDirty {
					fs.commit()
				} else {
					fs.drain() // idle: leave the journal empty
				}
			}
			fs.mu.Unlock()
		}
	}
}

// stopJournal ends journalled writes after a last commit.
func (fs *FS) stopJournal() error {
	if fs.jnl == nil {
		return nil
	}
	err := fs.commit()
	if err == nil {
		err = fs.drain()
	}
	close(fs.jnl.stop)
	fs.jnl = nil
	return err
}

// endOp commits when the running transaction has grown to half the
// journal, and trims the inode cache; operations call it (deferred)
// before letting go of FS.mu.
func (fs *FS) endOp() {
	if len(fs.inodes) > inodeMax {
		fs.evictInodes(inodeMax * 3 / 4) // between operations: none is using them
	}
	if fs.jnl != nil && len(fs.jnl.dirty) >= fs.jnl.limit/2 && fs.err == nil {
		fs.commit()
	}
}

// writeSuper writes the journal superblock (journal block 0).
func (j *journal) writeSuper(fs *FS) error {
	b, err := j.read(fs, 0)
	if err != nil {
		return err
	}
	copy(b, j.js.Encode())
	phys, _, _, _ := j.ip.mapBlock(0)
	return fs.dev.WriteSectors(b, phys*fs.sectorsPerBlock())
}

// commit writes the running transaction through the journal to its home
// blocks. FS.mu held.
func (fs *FS) commit() error {
	st := fs.jnl
	if st == nil {
		return nil
	}
	if fs.err != nil {
		return abi.EIO
	}
	// Ordered mode: data before the metadata that refers to it. (A
	// commit forced by a full transaction in the middle of write-back
	// goes without the rest of it.)
	if err := fs.writebackAll(); err != nil {
		return err
	}
	if fs.sbDirty {
		// The superblock's counters join the transaction.
		fs.sb.SetChecksum()
		n, off := fs.sbBlock()
		b, err := fs.readMeta(n)
		if err != nil {
			return err
		}
		copy(b[off:], fs.sb.Raw[:])
		fs.cachePut(n, b)
		st.dirty[n] = true
		fs.sbDirty = false
	}
	if len(st.dirty) == 0 {
		return nil
	}
	j, js := st.j, st.j.js
	blocks := make([]uint64, 0, len(st.dirty))
	for b := range st.dirty {
		blocks = append(blocks, b)
	}
	sort.Slice(blocks, func(a, b int) bool { return blocks[a] < blocks[b] })
	tid := js.Sequence
	if st.pending {
		tid++ // the journal superblock still names the pending one
	}
	// Where the log goes: after the pending transaction, else before it,
	// else (it fits neither) at the start of an emptied journal.
	per := js.DescriptorTags()
	need := uint64((len(blocks)+per-1)/per + len(blocks) + 1)
	pos := uint64(js.First)
	if st.pending {
		switch {
		case st.pendEnd+need <= uint64(js.MaxLen):
			pos = st.pendEnd
		case uint64(js.First)+need <= st.pendStart:
		default:
			if err := fs.drain(); err != nil {
				return err
			}
		}
	}
	start := pos
	// The pending transaction's home blocks must be durable before the
	// superblock stops pointing at it.
	if st.pending {
		if err := fs.dev.Flush(); err != nil {
			return fs.fail(err)
		}
	}
	// Log blocks are gathered and written in runs the journal's extents
	// keep contiguous (writeRuns), one request each.
	var logRun []logBlock
	writeLog := func(b []byte) error {
		phys, _, unwritten, ok := j.ip.mapBlock(pos)
		if !ok || unwritten || pos >= uint64(js.MaxLen) {
			return errCorrupt
		}
		pos++
		logRun = append(logRun, logBlock{phys, b})
		return nil
	}
	fail := func(err error) error { return fs.fail(err) }
	for i := 0; i < len(blocks); i += per {
		part := blocks[i:min(i+per, len(blocks))]
		tags := make([]layout.JournalTag, len(part))
		copies := make([][]byte, len(part))
		for k, n := range part {
			c := append([]byte(nil), fs.cache[n]...)
			if len(c) != fs.bs {
				return fail(errCorrupt)
			}
			tags[k] = layout.JournalTag{Block: n, Checksum: js.DataTagChecksum(tid, c)}
			if c[0] == 0xC0 && c[1] == 0x3B && c[2] == 0x39 && c[3] == 0x98 {
				tags[k].Flags |= layout.JTagEscape
				clear(c[:4])
			}
			copies[k] = c
		}
		d := make([]byte, fs.bs)
		layout.EncodeJournalHeader(d, layout.JBlockDescriptor, tid)
		js.EncodeJournalTags(d, tags)
		if err := writeLog(d); err != nil {
			return fail(err)
		}
		for _, c := range copies {
			if err := writeLog(c); err != nil {
				return fail(err)
			}
		}
	}
	// The journal superblock points at the transaction from the start:
	// until its commit block is on the disk a replay finds nothing to do
	// there (no commit block of sequence tid follows the descriptor), as
	// jbd2, e2fsck and this package's scan all stop at the first block
	// that does not continue the log. The log blocks must be durable
	// before the commit block that vouches for them.
	js.Start, js.Sequence = uint32(start), tid
	if err := j.writeSuper(fs); err != nil {
		return fail(err)
	}
	if err := fs.writeRuns(logRun); err != nil {
		return fail(err)
	}
	logRun = logRun[:0]
	if err := fs.dev.Flush(); err != nil {
		return fail(err)
	}
	now := fs.clock()
	cb := make([]byte, fs.bs)
	js.EncodeCommit(cb, tid, uint64(now.Unix()), uint32(now.Nanosecond()))
	if err := writeLog(cb); err != nil {
		return fail(err)
	}
	if err := fs.writeRuns(logRun); err != nil {
		return fail(err)
	}
	if err := fs.dev.Flush(); err != nil {
		return fail(err)
	}
	// The transaction is durable. Its blocks go home now; the next
	// commit's first flush (or drain) makes them durable.
	home := make([]logBlock, len(blocks))
	for i, n := range blocks {
		home[i] = logBlock{n, fs.cache[n]}
	}
	if err := fs.writeRuns(home); err != nil {
		return fail(err)
	}
	st.pending, st.pendStart, st.pendEnd = true, start, pos
	clear(st.dirty)
	return nil
}

// drain empties the journal: the pending transaction's home blocks are
// made durable, then the journal superblock says the journal is empty.
// FS.mu held.
func (fs *FS) drain() error {
	st := fs.jnl
	if st == nil || !st.pending {
		return nil
	}
	if fs.err != nil {
		return abi.EIO
	}
	if err := fs.dev.Flush(); err != nil {
		return fs.fail(err)
	}
	js := st.j.js
	js.Start, js.Sequence = 0, js.Sequence+1
	if err := st.j.writeSuper(fs); err != nil {
		return fs.fail(err)
	}
	if err := fs.dev.Flush(); err != nil {
		return fs.fail(err)
	}
	st.pending = false
	return nil
}

// logBlock is one block for writeRuns: where it goes and its bytes.
type logBlock struct {
	phys uint64
	b    []byte
}

// writeRuns writes blocks, merging those whose device blocks follow one
// another into one request of up to chunkBlocks blocks.
func (fs *FS) writeRuns(blocks []logBlock) error {
	for i := 0; i < len(blocks); {
		j := i + 1
		for j < len(blocks) && blocks[j].phys == blocks[j-1].phys+1 && j-i < chunkBlocks {
			j++
		}
		var buf []byte
		if j-i == 1 {
			buf = blocks[i].b
		} else {
			buf = make([]byte, 0, (j-i)*fs.bs)
			for _, x := range blocks[i:j] {
				buf = append(buf, x.b...)
			}
		}
		if err := fs.dev.WriteSectors(buf, blocks[i].phys*fs.sectorsPerBlock()); err != nil {
			return err
		}
		i = j
	}
	return nil
}
