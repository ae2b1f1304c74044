package main

import (
	"fmt"
	"strings"

	"aramid/kernel/block"
	"aramid/kernel/drivers/pci"
	"aramid/kernel/drivers/virtio"
	"aramid/kernel/drivers/virtioblk"
	"aramid/kernel/fs/sysfs"
	"aramid/kernel/klog"
	"aramid/platform/x64"
	"aramid/platform/x64/nucleus"
)

// probeDevices enumerates PCI, starts the drivers of the devices found
// (virtio-blk disks are registered with kernel/block as vda, vdb, ... in
// PCI order, as Linux names them) and records the functions for
// /sys/bus/pci. With aramid.blktest=1 it then runs the disk self-check and
// powers off.
//
// Command-line switches, Linux's: virtio_pci.force_legacy=1 drives
// transitional devices through their legacy interface, pci=nomsi uses INTx.
func probeDevices(log *klog.Logger) {
	args := strings.Fields(nucleus.MachineInfo().CommandLine)
	has := func(w string) bool {
		for _, a := range args {
			if a == w {
				return true
			}
		}
		return false
	}
	noMSI := false
	for _, a := range args {
		if opts, ok := strings.CutPrefix(a, "pci="); ok {
			for _, o := range strings.Split(opts, ",") {
				noMSI = noMSI || o == "nomsi"
			}
		}
	}
	plat := &x64.HW{}
	bus := pci.Scan(plat, log.Infof)
	drivers := map[*pci.Device]string{}
	virtioIndex, disks := 0, 0
	for _, d := range bus.Devices {
		typ, ok := virtio.TypeOf(d)
		if !ok {
			continue
		}
		idx := virtioIndex
		virtioIndex++
		if typ == virtio.TypeNet {
			probeNIC(log, plat, d, idx, has("virtio_pci.force_legacy=1"), noMSI, drivers)
			continue
		}
		if typ != virtio.TypeBlock {
			continue
		}
		name := diskName(disks)
		v, err := virtio.Open(plat, d, virtio.Options{Queues: 1, Legacy: has("virtio_pci.force_legacy=1"), NoMSIX: noMSI})
		if err != nil {
			log.Errorf("virtio-pci %s: %v", d.Addr, err)
			continue
		}
		disk, err := virtioblk.Probe(plat, v)
		if err != nil {
			log.Errorf("virtio_blk virtio%d: %v", idx, err)
			continue
		}
		vdir, ves := virtioSysfs(d, v, idx, "virtio_blk", disk.Features())
		placeDisk(name, vdir, "block")
		if err := block.Register(name, disk); err != nil {
			log.Errorf("virtio_blk virtio%d: %v", idx, err)
			continue
		}
		sysfs.Register(ves...)
		drivers[d] = "virtio-pci" // the uevent's DRIVER=: only what is driven
		disks++
		bytes := disk.Sectors() * uint64(disk.SectorSize())
		kind := "modern"
		if v.T.Legacy() {
			kind = "legacy"
		}
		log.Infof("virtio_blk virtio%d: [%s] %d %d-byte logical blocks (%s/%s)", idx, name, disk.Sectors(), disk.SectorSize(),
			sizeString(bytes, 1000), sizeString(bytes, 1024))
		log.Infof("virtio_blk virtio%d: %s virtio-pci, %s, features %#x", idx, kind, disk.Interrupts(), disk.Features())
		if disk.ReadOnly() {
			log.Noticef("virtio_blk virtio%d: [%s] write-protected", idx, name)
		}
	}
	probeNVMe(log, plat, bus, noMSI, drivers)
	var fns []sysfs.PCIFunction
	for _, d := range bus.Devices {
		f := sysfs.PCIFunction{
			Name: d.Addr.String(), Vendor: d.Vendor, Device: d.DeviceID, SubVendor: d.SubVendor,
			SubDevice: d.SubDevice, Class: d.Class, Revision: d.Revision, Resources: d.Resources(),
			Config: d.ConfigBytes(), Driver: drivers[d],
		}
		if d.IRQPin != 0 && d.IRQLine != 0xff {
			f.IRQ = int(d.IRQLine)
		}
		if d.Parent != nil {
			f.Parent = d.Parent.Addr.String()
		}
		fns = append(fns, f)
	}
	sysfs.Register(sysfs.PCIEntries(fns)...)
	if has("aramid.blktest=1") {
		blkTest(log)
	}
}

// diskName is Linux's virtio-blk naming: vda..vdz, vdaa..vdzz, ...
func diskName(i int) string {
	suffix := ""
	for i++; i > 0; i = (i - 1) / 26 {
		suffix = string(rune('a'+(i-1)%26)) + suffix
	}
	return "vd" + suffix
}

// sizeString formats n bytes as Linux's string_get_size does for the
// disk banner: three significant digits, SI (unit 1000) or binary units.
func sizeString(n uint64, unit uint64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	if unit == 1024 {
		units = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	}
	i := 0
	v := float64(n)
	for v >= float64(unit) && i < len(units)-1 {
		v /= float64(unit)
		i++
	}
	switch {
	case i == 0:
		return fmt.Sprintf("%d %s", n, units[0])
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, units[i])
	case v >= 10:
		return fmt.Sprintf("%.1f %s", v, units[i])
	}
	return fmt.Sprintf("%.2f %s", v, units[i])
}
