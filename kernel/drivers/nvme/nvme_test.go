package nvme_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand"
	"sync"
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/drivers/nvme"
	"aramid/kernel/drivers/pci"
	"aramid/kernel/drivers/pci/pcitest"
	"aramid/kernel/hw"
)

const (
	barBase  = 0xfe00_0000
	msixBase = 0xfe10_0000
	irqLine  = 11
)

// ctrl is a simulated NVMe controller: registers, one namespace kept in
// memory, the admin queue and the queues the driver creates. Commands are
// served when their doorbell is written, completions posted from another
// goroutine with an interrupt.
type ctrl struct {
	fake *hw.Fake
	mu   sync.Mutex

	lbads   uint8 // log2 of the block size
	mdts    uint8
	disk    []byte
	badLBA  int64 // a read or write touching it fails with a media error
	wp      bool  // the namespace is write protected
	flushes int

	cc, csts, aqa uint32
	asq, acq      uint64
	sqs           map[int]*sq
	cqs           map[int]*cq
	table         [4]uint32 // MSI-X entry 0
	msixOn        func() bool
}

type sq struct {
	base       uint64
	size, head int
	cq         int
}

type cq struct {
	base        uint64
	size, tail  int
	phase       uint32
	ien         bool
	outstanding int
}

func newCtrl(f *hw.Fake, bus *pcitest.Bus, lbads, mdts uint8, sectors int, msix bool) *ctrl {
	c := &ctrl{fake: f, lbads: lbads, mdts: mdts, disk: make([]byte, sectors<<lbads), badLBA: -1}
	fn := pcitest.NewFunction(0x1b36, 0x0010, nvme.ClassNVMe, 2)
	fn.Set8(0x3d, 1)
	fn.Set8(0x3c, irqLine)
	fn.SetBAR(0, barBase, 0x4000, false, true, false)
	f.HandleMMIO(barBase, 0x4000, regs{c})
	c.msixOn = func() bool { return false }
	if msix {
		fn.SetBAR(2, msixBase, 0x1000, false, false, false)
		off := fn.AddCap(pci.CapMSIX, []byte{0, 0, 2, 0, 0, 0, 2, 8, 0, 0})
		f.HandleMMIO(msixBase, 0x1000, table{c})
		c.msixOn = func() bool { return fn.Get16(off+2)&(1<<15) != 0 }
	}
	bus.Add(pci.Address{Device: 4}, fn)
	c.reset()
	return c
}

func (c *ctrl) reset() {
	c.sqs, c.cqs = map[int]*sq{}, map[int]*cq{}
	c.csts = 0
}

type table struct{ c *ctrl }

func (t table) MMIORead(off uint64, size int) uint64 {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if off/4 < 4 {
		return uint64(t.c.table[off/4])
	}
	return 0
}

func (t table) MMIOWrite(off uint64, size int, v uint64) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if off/4 < 4 {
		t.c.table[off/4] = uint32(v)
	}
}

type regs struct{ c *ctrl }

func (r regs) MMIORead(off uint64, size int) uint64 {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	capReg := uint64(63) | 1<<16 | 2<<24 | 1<<37 // MQES 64, CQR, TO 1 s, NVM command set
	switch off {
	case 0x00:
		return capReg & 0xffffffff
	case 0x04:
		return capReg >> 32
	case 0x08:
		return 0x10400
	case 0x14:
		return uint64(c.cc)
	case 0x1c:
		return uint64(c.csts)
	case 0x24:
		return uint64(c.aqa)
	}
	return 0
}

func (r regs) MMIOWrite(off uint64, size int, v uint64) {
	c := r.c
	c.mu.Lock()
	switch {
	case off == 0x14:
		was := c.cc & 1
		c.cc = uint32(v)
		switch {
		case was == 0 && v&1 != 0:
			c.sqs[0] = &sq{base: c.asq, size: int(c.aqa&0xfff) + 1}
			c.cqs[0] = &cq{base: c.acq, size: int(c.aqa>>16&0xfff) + 1, phase: 1, ien: true}
			c.csts = 1
		case was != 0 && v&1 == 0:
			c.reset()
		}
	case off == 0x24:
		c.aqa = uint32(v)
	case off == 0x28:
		c.asq = c.asq&^0xffffffff | v
	case off == 0x2c:
		c.asq = c.asq&0xffffffff | v<<32
	case off == 0x30:
		c.acq = c.acq&^0xffffffff | v
	case off == 0x34:
		c.acq = c.acq&0xffffffff | v<<32
	case off >= 0x1000 && (off-0x1000)%8 == 0:
		// Submission queue tail: collect the new commands.
		q := c.sqs[int(off-0x1000)/8]
		if q == nil {
			break
		}
		var cmds [][]byte
		for q.head != int(v) {
			cmds = append(cmds, c.load(q.base+uint64(q.head*64), 64))
			q.head = (q.head + 1) % q.size
		}
		c.mu.Unlock()
		go c.serve(q, cmds)
		return
	}
	c.mu.Unlock()
}

func (c *ctrl) load(pa uint64, n int) []byte {
	p := make([]byte, n)
	if err := c.fake.ReadPhys(pa, p); err != nil {
		panic(err) // the driver gave the controller memory it does not own
	}
	return p
}

func (c *ctrl) store(pa uint64, p []byte) {
	if err := c.fake.WritePhys(pa, p); err != nil {
		panic(err)
	}
}

// serve runs cmds from q and posts their completions.
func (c *ctrl) serve(q *sq, cmds [][]byte) {
	c.mu.Lock()
	cqid := q.cq
	for _, e := range cmds {
		st := c.exec(q == c.sqs[0], e)
		cq := c.cqs[cqid]
		var ce [16]byte
		binary.LittleEndian.PutUint32(ce[8:], uint32(q.head))
		binary.LittleEndian.PutUint32(ce[12:], uint32(binary.LittleEndian.Uint16(e[2:]))|cq.phase<<16|uint32(st)<<17)
		c.store(cq.base+uint64(cq.tail*16), ce[:])
		if cq.tail++; cq.tail == cq.size {
			cq.tail, cq.phase = 0, cq.phase^1
		}
	}
	ien := c.cqs[cqid].ien
	vector := -1
	if c.msixOn() && c.table[3]&1 == 0 {
		vector = int(c.table[2])
	}
	c.mu.Unlock()
	switch {
	case !ien:
	case vector >= 0:
		c.fake.Raise(vector)
	default:
		c.fake.RaiseLine(irqLine)
	}
}

// prps lists the pages a command's PRP1/PRP2 describe for n bytes.
func (c *ctrl) prps(e []byte, n int) []uint64 {
	prp1, prp2 := binary.LittleEndian.Uint64(e[24:]), binary.LittleEndian.Uint64(e[32:])
	pages := []uint64{prp1}
	rest := n - (4096 - int(prp1%4096))
	switch {
	case rest <= 0:
	case rest <= 4096:
		pages = append(pages, prp2)
	default:
		for i := 0; rest > 0; i++ {
			pages = append(pages, binary.LittleEndian.Uint64(c.load(prp2+uint64(8*i), 8)))
			rest -= 4096
		}
	}
	return pages
}

// exec performs one command (c.mu held) and returns its status field.
func (c *ctrl) exec(admin bool, e []byte) uint16 {
	op := e[0]
	nsid := binary.LittleEndian.Uint32(e[4:])
	cdw := func(i int) uint32 { return binary.LittleEndian.Uint32(e[40+4*(i-10):]) }
	prp1 := binary.LittleEndian.Uint64(e[24:])
	if admin {
		switch op {
		case 0x06:
			id := make([]byte, 4096)
			switch cdw(10) {
			case 1:
				copy(id[4:24], "fake0               ")
				copy(id[24:64], "Fake NVMe")
				id[77] = c.mdts
				binary.LittleEndian.PutUint32(id[516:], 1)
				id[525] = 1
			case 0:
				if nsid != 1 {
					return 0x0b // invalid namespace
				}
				binary.LittleEndian.PutUint64(id[0:], uint64(len(c.disk)>>c.lbads))
				binary.LittleEndian.PutUint32(id[128:], uint32(c.lbads)<<16)
				if c.wp {
					id[99] = 1
				}
			default:
				return 0x02
			}
			c.store(prp1, id)
		case 0x09:
		case 0x05:
			c.cqs[int(cdw(10)&0xffff)] = &cq{base: prp1, size: int(cdw(10)>>16) + 1, phase: 1, ien: cdw(11)&2 != 0}
		case 0x01:
			cqid := int(cdw(11) >> 16)
			if c.cqs[cqid] == nil {
				return 1<<8 | 0x00 // completion queue invalid
			}
			c.sqs[int(cdw(10)&0xffff)] = &sq{base: prp1, size: int(cdw(10)>>16) + 1, cq: cqid}
		default:
			return 0x01 // invalid opcode
		}
		return 0
	}
	switch op {
	case 0x00:
		c.flushes++
		return 0
	case 0x01, 0x02:
		if op == 0x01 && c.wp {
			return 2<<8 | 0x82 // write fault
		}
		lba := uint64(cdw(10)) | uint64(cdw(11))<<32
		n := (int(cdw(12)&0xffff) + 1) << c.lbads
		off := int(lba << c.lbads)
		if off+n > len(c.disk) {
			return 0x80 // LBA out of range
		}
		if c.badLBA >= 0 && int64(lba) <= c.badLBA && c.badLBA < int64(lba)+int64(n>>c.lbads) {
			return 2<<8 | 0x81 // media error: unrecovered read error
		}
		if c.mdts != 0 && n > 4096<<c.mdts {
			return 0x02 // invalid field: beyond MDTS
		}
		for i, pg := range c.prps(e, n) {
			chunk := c.disk[off+i*4096 : min(off+(i+1)*4096, off+n)]
			if op == 0x02 {
				c.store(pg, chunk)
			} else {
				copy(chunk, c.load(pg, len(chunk)))
			}
		}
		return 0
	}
	return 0x01
}

func setup(t *testing.T, lbads, mdts uint8, msix bool, o nvme.Options, wp ...bool) (*ctrl, *nvme.Disk) {
	t.Helper()
	f := hw.NewFake()
	bus := pcitest.NewBus(f)
	c := newCtrl(f, bus, lbads, mdts, 16384, msix)
	c.wp = len(wp) > 0 && wp[0]
	b := pci.Scan(f, func(string, ...any) {})
	if len(b.Devices) != 1 || !nvme.Is(b.Devices[0]) {
		t.Fatalf("scan found %d functions", len(b.Devices))
	}
	d, err := nvme.Probe(f, b.Devices[0], o)
	if err != nil {
		t.Fatal(err)
	}
	return c, d
}

func pattern(seed int64, n int) []byte {
	p := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(p)
	return p
}

// TestReadWrite writes and reads back concurrently, in sizes from one
// block to several chunks (one page, two pages, a PRP list), with every
// interrupt kind and block size, and checks the controller's medium.
func TestReadWrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lbads uint8
		mdts  uint8
		msix  bool
		o     nvme.Options
		chunk int
	}{
		{"msix-512", 9, 0, true, nvme.Options{}, nvme.ChunkSize},
		{"intx-512", 9, 0, true, nvme.Options{NoMSIX: true}, nvme.ChunkSize},
		{"nomsix-4096", 12, 0, false, nvme.Options{}, nvme.ChunkSize},
		{"polled-mdts2", 9, 2, true, nvme.Options{Poll: true}, 16 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, d := setup(t, tc.lbads, tc.mdts, tc.msix, tc.o)
			bs := 1 << tc.lbads
			if d.SectorSize() != bs || d.Sectors() != 16384 || d.ChunkBytes() != tc.chunk || d.Model != "Fake NVMe" || d.Serial != "fake0" {
				t.Fatalf("disk %d×%d chunk %d model %q serial %q", d.Sectors(), d.SectorSize(), d.ChunkBytes(), d.Model, d.Serial)
			}
			sizes := []int{bs, 4096, 8192, 3 * 4096, 64 << 10, 300 << 10}
			var wg sync.WaitGroup
			errs := make(chan error, 2*len(sizes))
			for i, n := range sizes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sector := uint64(i * (512 << 10) / bs)
					p := pattern(int64(i), n)
					if err := d.WriteSectors(p, sector); err != nil {
						errs <- err
						return
					}
					got := make([]byte, n)
					if err := d.ReadSectors(got, sector); err != nil {
						errs <- err
						return
					}
					if !bytes.Equal(got, p) {
						t.Errorf("size %d: read back differs", n)
					}
					c.mu.Lock()
					onDisk := c.disk[int(sector)*bs : int(sector)*bs+n]
					if !bytes.Equal(onDisk, p) {
						t.Errorf("size %d: the medium differs from what was written", n)
					}
					c.mu.Unlock()
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if err := d.Flush(); err != nil || c.flushes != 1 {
				t.Errorf("flush: %v, controller saw %d", err, c.flushes)
			}
		})
	}
}

// TestErrors checks that failures come back as Linux's errors: a media
// error and an out-of-range request are EIO, a partial block EINVAL.
func TestErrors(t *testing.T) {
	c, d := setup(t, 9, 0, true, nvme.Options{})
	c.mu.Lock()
	c.badLBA = 100
	c.mu.Unlock()
	p := make([]byte, 4096)
	if err := d.ReadSectors(p, 96); !errors.Is(err, abi.EIO) {
		t.Errorf("read over a media error: %v, want EIO", err)
	}
	if err := d.WriteSectors(p, 200); err != nil {
		t.Errorf("write elsewhere after the error: %v", err)
	}
	if err := d.ReadSectors(p, 16383); !errors.Is(err, abi.EIO) {
		t.Errorf("read past the end: %v, want EIO", err)
	}
	if err := d.ReadSectors(p[:100], 0); !errors.Is(err, abi.EINVAL) {
		t.Errorf("partial block: %v, want EINVAL", err)
	}
}

// TestWriteProtected checks a write-protected namespace: the disk says it
// is read-only and a write fails with EROFS without reaching the
// controller, while reads work.
func TestWriteProtected(t *testing.T) {
	c, d := setup(t, 9, 0, true, nvme.Options{}, true)
	c.mu.Lock()
	copy(c.disk, "hello")
	c.mu.Unlock()
	if !d.ReadOnly() {
		t.Fatal("write-protected namespace not read-only")
	}
	p := make([]byte, 512)
	if err := d.WriteSectors(p, 0); !errors.Is(err, abi.EROFS) {
		t.Errorf("write: %v, want EROFS", err)
	}
	if err := d.ReadSectors(p, 0); err != nil || string(p[:5]) != "hello" {
		t.Errorf("read: %v, %q", err, p[:5])
	}
}
