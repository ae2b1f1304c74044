package main

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"aramid/kernel/drivers/pci"
	"aramid/kernel/drivers/virtio"
	"aramid/kernel/fs/sysfs"
)

// Where disks sit in sysfs. Linux puts a disk's directory under the
// device that drives it: a virtio disk under its virtio device,
// …/0000:00:04.0/virtio1/block/vda, an NVMe namespace under its
// controller, …/0000:00:04.0/nvme/nvme0/nvme0n1, with the disk's
// "device" link naming that device. udev's path_id (ID_PATH, the
// /dev/disk/by-path links) and systemd's device units walk up from the
// disk to the PCI function through that tree. A disk no driver placed
// sits under devices/virtual/block.

// diskPlace is where a driver put a disk: dev is the device's directory
// (under /sys), sub the class directory between it and the disk ("block"
// for virtio, none for NVMe).
type diskPlace struct{ dev, sub string }

// diskPlaces maps a disk's name to its diskPlace; drivers fill it before
// registering the disk with kernel/block.
var diskPlaces sync.Map

// placeDisk records that disk belongs under the device directory dev,
// inside its class directory sub (may be empty).
func placeDisk(disk, dev, sub string) { diskPlaces.Store(disk, diskPlace{dev, sub}) }

// blockSysfsParent is the directory (under /sys) holding disk's directory.
func blockSysfsParent(disk string) string {
	if p, ok := diskPlaces.Load(disk); ok {
		pl := p.(diskPlace)
		if pl.sub == "" {
			return pl.dev
		}
		return pl.dev + "/" + pl.sub
	}
	return "devices/virtual/block"
}

// diskDeviceLink is the target of a disk directory's "device" link
// (Linux's ../../../virtio1, ../../nvme0), or "" for an unplaced disk.
func diskDeviceLink(disk string) string {
	p, ok := diskPlaces.Load(disk)
	if !ok {
		return ""
	}
	pl := p.(diskPlace)
	up := 2
	if pl.sub != "" {
		up += strings.Count(pl.sub, "/") + 1
	}
	return strings.Repeat("../", up) + pl.dev[strings.LastIndex(pl.dev, "/")+1:]
}

// virtioSysfs is virtio device number idx (virtioN) on PCI function d in
// sysfs, driven by driver (Linux's virtio_blk): its directory with
// Linux's attributes (device, vendor, status, features, modalias, uevent)
// and the subsystem, driver and bus/virtio links. It returns the
// directory.
func virtioSysfs(d *pci.Device, v *virtio.Device, idx int, driver string, features uint64) (string, []sysfs.Entry) {
	name := "virtio" + strconv.Itoa(idx)
	dir := pciSysfsDir(d) + "/" + name
	up := strings.Repeat("../", strings.Count(dir, "/")+1)
	modalias := fmt.Sprintf("virtio:d%08Xv%08X", v.Type, d.SubVendor)
	var bits [64]byte
	for i := range bits {
		bits[i] = '0' + byte(features>>i&1)
	}
	file := func(n, s string) sysfs.Entry { return sysfs.Entry{Path: dir + "/" + n, Kind: sysfs.File, Data: s} }
	link := func(p, to string) sysfs.Entry { return sysfs.Entry{Path: p, Kind: sysfs.Symlink, Data: to} }
	return dir, []sysfs.Entry{
		file("device", fmt.Sprintf("0x%04x\n", v.Type)),
		file("vendor", fmt.Sprintf("0x%04x\n", d.SubVendor)),
		{Path: dir + "/status", Kind: sysfs.File, Gen: func() string { return fmt.Sprintf("0x%08x\n", v.T.Status()) }},
		file("features", string(bits[:])+"\n"),
		file("modalias", modalias+"\n"),
		file("uevent", "DRIVER="+driver+"\nMODALIAS="+modalias+"\n"),
		link(dir+"/subsystem", up+"bus/virtio"),
		link(dir+"/driver", up+"bus/virtio/drivers/"+driver),
		link("bus/virtio/devices/"+name, "../../../"+dir),
		{Path: "bus/virtio/drivers/" + driver, Kind: sysfs.Dir},
	}
}

// nvmeSysfs is NVMe controller number ctrl (nvmeN) on PCI function d in
// sysfs: …/nvme/nvmeN with the identify strings Linux shows (model,
// serial, firmware_rev), its transport, and the class/nvme link. It
// returns the directory.
func nvmeSysfs(d *pci.Device, ctrl int, model, serial, firmware string) (string, []sysfs.Entry) {
	name := "nvme" + strconv.Itoa(ctrl)
	dir := pciSysfsDir(d) + "/nvme/" + name
	up := strings.Repeat("../", strings.Count(dir, "/")+1)
	file := func(n, s string) sysfs.Entry { return sysfs.Entry{Path: dir + "/" + n, Kind: sysfs.File, Data: s} }
	return dir, []sysfs.Entry{
		file("model", model+"\n"),
		file("serial", serial+"\n"),
		file("firmware_rev", firmware+"\n"),
		file("transport", "pcie\n"),
		file("uevent", "NVME_TRTYPE=pcie\n"),
		{Path: dir + "/subsystem", Kind: sysfs.Symlink, Data: up + "class/nvme"},
		{Path: dir + "/device", Kind: sysfs.Symlink, Data: "../../../" + d.Addr.String()},
		{Path: "class/nvme/" + name, Kind: sysfs.Symlink, Data: "../../" + dir},
	}
}
