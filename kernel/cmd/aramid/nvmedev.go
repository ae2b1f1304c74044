package main

import (
	"fmt"

	"aramid/kernel/block"
	"aramid/kernel/drivers/nvme"
	"aramid/kernel/drivers/pci"
	"aramid/kernel/fs/sysfs"
	"aramid/kernel/hw"
	"aramid/kernel/klog"
)

// probeNVMe starts the NVMe controllers found on bus and registers each
// one's namespace 1 with kernel/block as nvme<N>n1, controllers numbered
// in PCI order as Linux numbers them; drivers records the driven ones.
func probeNVMe(log *klog.Logger, plat hw.Platform, bus *pci.Bus, noMSI bool, drivers map[*pci.Device]string) {
	n := 0
	for _, d := range bus.Devices {
		if !nvme.Is(d) {
			continue
		}
		ctrl := n
		n++
		log.Infof("nvme nvme%d: pci function %s", ctrl, d.Addr) // Linux's line
		disk, err := nvme.Probe(plat, d, nvme.Options{NoMSIX: noMSI})
		if err != nil {
			log.Errorf("nvme nvme%d: %v", ctrl, err)
			continue
		}
		name := fmt.Sprintf("nvme%dn1", ctrl)
		ndir, nes := nvmeSysfs(d, ctrl, disk.Model, disk.Serial, disk.Firmware)
		placeDisk(name, ndir, "")
		if err := block.Register(name, disk); err != nil {
			log.Errorf("nvme nvme%d: %v", ctrl, err)
			continue
		}
		sysfs.Register(nes...)
		drivers[d] = "nvme"
		bytes := disk.Sectors() * uint64(disk.SectorSize())
		log.Infof("nvme nvme%d: %s (serial %s, firmware %s), 1 I/O queue", ctrl, disk.Model, disk.Serial, disk.Firmware)
		log.Infof("nvme nvme%d: [%s] %d %d-byte logical blocks (%s/%s), %s, transfers up to %d bytes, volatile write cache %v",
			ctrl, name, disk.Sectors(), disk.SectorSize(), sizeString(bytes, 1000), sizeString(bytes, 1024),
			disk.Interrupts(), disk.ChunkBytes(), disk.CanFlush())
	}
}
