package virtioblk_test

import (
	"bytes"
	"errors"
	"math/rand"
	"sync"
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/drivers/pci"
	"aramid/kernel/drivers/pci/pcitest"
	"aramid/kernel/drivers/virtio"
	"aramid/kernel/drivers/virtio/virtiotest"
	"aramid/kernel/drivers/virtioblk"
	"aramid/kernel/hw"
)

func setup(t *testing.T, o virtiotest.Options, vo virtio.Options) (*hw.Fake, *virtiotest.Blk, *virtioblk.Disk) {
	t.Helper()
	f := hw.NewFake()
	bus := pcitest.NewBus(f)
	dev := virtiotest.New(f, bus, pci.Address{Device: 4}, o)
	b := pci.Scan(f, func(string, ...any) {})
	if len(b.Devices) != 1 {
		t.Fatalf("scan found %d functions", len(b.Devices))
	}
	v, err := virtio.Open(f, b.Devices[0], vo)
	if err != nil {
		t.Fatal(err)
	}
	d, err := virtioblk.Probe(f, v)
	if err != nil {
		t.Fatal(err)
	}
	if dev.Status()&virtio.StatusDriverOK == 0 {
		t.Fatalf("status %#x: DRIVER_OK not set", dev.Status())
	}
	return f, dev, d
}

func pattern(seed int64, n int) []byte {
	p := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(p)
	return p
}

// TestReadWrite runs concurrent reads and writes of many sizes on every
// transport and interrupt kind and checks the device's disk itself.
func TestReadWrite(t *testing.T) {
	for _, tc := range []struct {
		name         string
		modern, msix bool
		legacy       bool // force the legacy interface of a transitional device
	}{
		{"modern-msix", true, true, false},
		{"modern-intx", true, false, false},
		{"legacy-msix", false, true, false},
		{"legacy-intx", false, false, false},
		{"forced-legacy", true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const sectors = 4096
			_, dev, d := setup(t, virtiotest.Options{Sectors: sectors, Modern: tc.modern, MSIX: tc.msix, IRQLine: 11,
				Flush: true, FailSector: -1}, virtio.Options{Legacy: tc.legacy})
			if d.Sectors() != sectors || d.SectorSize() != 512 || d.ReadOnly() || !d.CanFlush() {
				t.Fatalf("geometry: %d sectors of %d, ro %v, flush %v", d.Sectors(), d.SectorSize(), d.ReadOnly(), d.CanFlush())
			}
			if got := d.Features()&virtio.FeatureVersion1 != 0; got != (tc.modern && !tc.legacy) {
				t.Errorf("VERSION_1 negotiated = %v", got)
			}
			orig := pattern(1, sectors*512)
			dev.SetDisk(orig)
			// Writers: 8 goroutines, each its own stripe, sizes from one
			// sector to several chunks.
			want := append([]byte(nil), orig...)
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					base := g * sectors / 8
					sizes := []int{1, 7, 128, 300, 64}
					s := base
					for i, n := range sizes {
						p := pattern(int64(100*g+i), n*512)
						copy(want[s*512:], p) // stripes do not overlap
						if err := d.WriteSectors(p, uint64(s)); err != nil {
							errs <- err
							return
						}
						s += n
					}
				}(g)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if err := d.Flush(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dev.Disk(), want) {
				t.Fatal("the device's disk does not hold what was written")
			}
			// Readers: 8 goroutines reading scattered ranges at once.
			var mu sync.Mutex
			bad := 0
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					r := rand.New(rand.NewSource(int64(g)))
					for i := 0; i < 20; i++ {
						n := 1 + r.Intn(300)
						s := r.Intn(sectors - n)
						p := make([]byte, n*512)
						err := d.ReadSectors(p, uint64(s))
						mu.Lock()
						if err != nil || !bytes.Equal(p, want[s*512:(s+n)*512]) {
							bad++
						}
						mu.Unlock()
					}
				}(g)
			}
			wg.Wait()
			if bad != 0 {
				t.Errorf("%d of 160 concurrent reads wrong", bad)
			}
			flushes, maxInFlight, _ := dev.Stats()
			if flushes != 1 {
				t.Errorf("device saw %d flushes, want 1", flushes)
			}
			if maxInFlight < 2 {
				t.Errorf("at most %d requests were in flight at once", maxInFlight)
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	_, dev, d := setup(t, virtiotest.Options{Sectors: 64, Modern: true, MSIX: true, ReadOnly: true, FailSector: -1}, virtio.Options{})
	if !d.ReadOnly() {
		t.Fatal("F_RO not reported")
	}
	orig := pattern(3, 64*512)
	dev.SetDisk(orig)
	if err := d.WriteSectors(make([]byte, 512), 0); !errors.Is(err, abi.EROFS) {
		t.Errorf("write to a read-only disk: %v, want EROFS", err)
	}
	if !bytes.Equal(dev.Disk(), orig) {
		t.Error("a read-only disk changed")
	}
	// No F_FLUSH: the device writes through and Flush has nothing to do.
	if d.CanFlush() {
		t.Error("F_FLUSH negotiated although not offered")
	}
	if err := d.Flush(); err != nil {
		t.Errorf("Flush: %v", err)
	}
	if flushes, _, _ := dev.Stats(); flushes != 0 {
		t.Errorf("flush requests sent to a device without F_FLUSH: %d", flushes)
	}
}

func TestErrors(t *testing.T) {
	_, dev, d := setup(t, virtiotest.Options{Sectors: 64, Modern: true, MSIX: true, FailSector: 40}, virtio.Options{})
	for _, tc := range []struct {
		name   string
		n      int
		sector uint64
		want   error
	}{
		{"partial sector", 100, 0, abi.EINVAL},
		{"past the end", 1024, 63, abi.EIO},
		{"far past the end", 512, 1 << 62, abi.EIO},
		{"device I/O error", 1024, 39, abi.EIO},
	} {
		if err := d.ReadSectors(make([]byte, tc.n), tc.sector); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Requests before and after the failing one still work.
	p := make([]byte, 512)
	if err := d.ReadSectors(p, 41); err != nil {
		t.Errorf("read after an I/O error: %v", err)
	}
	if _, _, n := dev.Stats(); n == 0 {
		t.Error("no request reached the device")
	}
}

func TestBlockSize(t *testing.T) {
	_, dev, d := setup(t, virtiotest.Options{Sectors: 512, Modern: true, MSIX: true, BlkSize: 4096, FailSector: -1}, virtio.Options{})
	if d.SectorSize() != 4096 || d.Sectors() != 64 {
		t.Fatalf("%d sectors of %d, want 64 of 4096", d.Sectors(), d.SectorSize())
	}
	p := pattern(5, 8192)
	if err := d.WriteSectors(p, 3); err != nil {
		t.Fatal(err)
	}
	// The request header counts 512-byte sectors: logical sector 3 is
	// byte 12288.
	if disk := dev.Disk(); !bytes.Equal(disk[12288:12288+8192], p) {
		t.Error("a 4 KiB-sector write landed at the wrong place")
	}
	if err := d.ReadSectors(make([]byte, 512), 0); !errors.Is(err, abi.EINVAL) {
		t.Errorf("512-byte read on a 4 KiB disk: %v, want EINVAL", err)
	}
}

func TestNotVirtio(t *testing.T) {
	f := hw.NewFake()
	bus := pcitest.NewBus(f)
	bus.Add(pci.Address{Device: 3}, pcitest.NewFunction(0x8086, 0x100e, 0x020000, 3))
	b := pci.Scan(f, func(string, ...any) {})
	if _, ok := virtio.TypeOf(b.Devices[0]); ok {
		t.Error("an e1000 taken for virtio")
	}
	if _, err := virtio.Open(f, b.Devices[0], virtio.Options{}); err == nil {
		t.Error("Open of a non-virtio function succeeded")
	}
}

// TestQueueTooSmall: a device whose queue cannot hold one request is
// reset and marked FAILED, and Probe says why.
func TestQueueTooSmall(t *testing.T) {
	f := hw.NewFake()
	bus := pcitest.NewBus(f)
	dev := virtiotest.New(f, bus, pci.Address{Device: 4}, virtiotest.Options{Sectors: 64, Modern: true, MSIX: true, FailSector: -1, QueueMax: 2})
	b := pci.Scan(f, func(string, ...any) {})
	v, err := virtio.Open(f, b.Devices[0], virtio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := virtioblk.Probe(f, v); err == nil {
		t.Fatal("Probe of a device with a 2-entry queue succeeded")
	}
	if st := dev.Status(); st != virtio.StatusFailed {
		t.Errorf("status %#x, want FAILED alone (reset, then failed)", st)
	}
}
