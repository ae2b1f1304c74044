package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"aramid/kernel/drivers/pci"
	"aramid/kernel/drivers/virtio"
	"aramid/kernel/drivers/virtionet"
	"aramid/kernel/fs/sysfs"
	"aramid/kernel/hw"
	"aramid/kernel/klog"
	"aramid/kernel/net"
	"aramid/kernel/socket/netlink"
	"aramid/platform/x64/nucleus"
)

// probedNIC is a network device found at boot, waiting for the network
// stack (made with the system) to take it.
type probedNIC struct {
	nic    *virtionet.NIC
	sysdir string // its device directory under /sys: …/virtioN
}

var probedNICs []probedNIC

// probeNIC starts the virtio-net driver on PCI function d (virtio device
// number idx, Linux's virtioN) and keeps the NIC for attachNICs.
func probeNIC(log *klog.Logger, plat hw.Platform, d *pci.Device, idx int, legacy, noMSI bool, drivers map[*pci.Device]string) {
	v, err := virtio.Open(plat, d, virtio.Options{Queues: 2, Legacy: legacy, NoMSIX: noMSI})
	if err != nil {
		log.Errorf("virtio-pci %s: %v", d.Addr, err)
		return
	}
	nic, err := virtionet.Probe(plat, v)
	if err != nil {
		log.Errorf("virtio_net virtio%d: %v", idx, err)
		return
	}
	drivers[d] = "virtio-pci"
	kind := "modern"
	if nic.Legacy() {
		kind = "legacy"
	}
	log.Infof("virtio_net virtio%d: %s, %s virtio-pci, %s, features %#x", idx, virtionet.FormatMAC(nic.MAC()), kind, nic.Interrupts(), nic.Features())
	probedNICs = append(probedNICs, probedNIC{nic: nic, sysdir: pciSysfsDir(d) + "/virtio" + strconv.Itoa(idx)})
}

// pciSysfsDir is a PCI function's directory under /sys, behind its
// bridges as sysfs.PCIEntries lays them out.
func pciSysfsDir(d *pci.Device) string {
	p := d.Addr.String()
	for b := d.Parent; b != nil; b = b.Parent {
		p = b.Addr.String() + "/" + p
	}
	return "devices/pci" + d.Addr.String()[:7] + "/" + p
}

// attachNICs adds the probed NICs to the network stack as eth0, eth1, …
// (down, as Linux leaves them until configured) and publishes each in
// sysfs: …/virtioN/net/ethX with Linux's attributes and counters, and
// /sys/class/net/ethX.
func attachNICs(log *klog.Logger, st *net.Stack, fs *sysfs.FS) {
	for k, p := range probedNICs {
		name := "eth" + strconv.Itoa(k)
		nic := p.nic
		in, err := st.AddInterface(name, net.Device{Endpoint: nic, Type: net.ARPHRD_ETHER, HWAddr: nic.MAC(),
			Flags: net.IFF_BROADCAST | net.IFF_MULTICAST, MTU: virtionet.EthernetMTU, Carrier: nic.Carrier,
			Stats: func() net.Stats {
				s := nic.Stats()
				return net.Stats{RxBytes: s.RxBytes, RxPackets: s.RxPackets, RxDropped: s.RxDropped,
					TxBytes: s.TxBytes, TxPackets: s.TxPackets, TxDropped: s.TxDropped}
			}})
		if err != nil {
			log.Errorf("virtio_net: %s: %v", name, err)
			continue
		}
		if err := addNICSysfs(fs, st, in.Index, name, p.sysdir+"/net/"+name); err != nil {
			log.Errorf("virtio_net: %s: %v", name, err)
		}
	}
}

// addNICSysfs publishes one Ethernet interface's sysfs directory.
func addNICSysfs(fs *sysfs.FS, st *net.Stack, idx int32, name, dir string) error {
	info := func() net.Info { i, _ := st.ByIndex(idx); return i }
	line := func(f func(net.Info) string) func() string { return func() string { return f(info()) + "\n" } }
	fixed := func(s string) func() string { return func() string { return s + "\n" } }
	attrs := map[string]func() string{
		"address":      line(func(i net.Info) string { return virtionet.FormatMAC(i.HWAddr) }),
		"broadcast":    fixed("ff:ff:ff:ff:ff:ff"),
		"addr_len":     fixed("6"),
		"ifindex":      fixed(strconv.Itoa(int(idx))),
		"iflink":       fixed(strconv.Itoa(int(idx))),
		"type":         fixed(strconv.Itoa(net.ARPHRD_ETHER)),
		"mtu":          line(func(i net.Info) string { return strconv.FormatUint(uint64(i.MTU), 10) }),
		"tx_queue_len": fixed("1000"),
		"flags": line(func(i net.Info) string {
			return fmt.Sprintf("%#x", i.Flags&^(net.IFF_RUNNING|net.IFF_LOWER_UP))
		}),
		"operstate": line(func(i net.Info) string {
			return map[int]string{net.OperUnknown: "unknown", net.OperDown: "down", net.OperUp: "up"}[i.OperState]
		}),
		"uevent":                fixed(fmt.Sprintf("INTERFACE=%s\nIFINDEX=%d", name, idx)),
		"statistics/rx_bytes":   line(func(i net.Info) string { return strconv.FormatUint(i.Stats.RxBytes, 10) }),
		"statistics/rx_packets": line(func(i net.Info) string { return strconv.FormatUint(i.Stats.RxPackets, 10) }),
		"statistics/rx_dropped": line(func(i net.Info) string { return strconv.FormatUint(i.Stats.RxDropped, 10) }),
		"statistics/tx_bytes":   line(func(i net.Info) string { return strconv.FormatUint(i.Stats.TxBytes, 10) }),
		"statistics/tx_packets": line(func(i net.Info) string { return strconv.FormatUint(i.Stats.TxPackets, 10) }),
		"statistics/tx_dropped": line(func(i net.Info) string { return strconv.FormatUint(i.Stats.TxDropped, 10) }),
	}
	for a, gen := range attrs {
		if err := fs.AddGen(dir+"/"+a, gen); err != nil {
			return fmt.Errorf("sysfs %s/%s: %w", dir, a, err)
		}
	}
	// No carrier file: Linux's read fails with EINVAL while the interface
	// is down, which a generated file cannot do; operstate and netlink's
	// IFF_LOWER_UP carry the link state.
	if err := fs.Add(sysfs.Entry{Path: dir + "/subsystem", Kind: sysfs.Symlink, Data: strings.Repeat("../", strings.Count(dir, "/")+1) + "class/net"}); err != nil {
		return err
	}
	return fs.Add(sysfs.Entry{Path: "class/net/" + name, Kind: sysfs.Symlink, Data: "../../" + dir})
}

// emitUevent announces a device on the NETLINK_KOBJECT_UEVENT sockets
// (sysfs.Options.Uevent).
func emitUevent(action, devpath string, env []string) error {
	netlink.EmitUevent(action, devpath, env)
	return nil
}

// useTSCClockForNet gives the network stack the nucleus's clocks, which
// read the TSC (time.Now is two system calls into the nucleus).
func useTSCClockForNet() {
	net.SetTimeSource(net.TimeSource{Monotonic: sinceBoot, Wall: func() time.Time {
		_, _, wallAtZero := nucleus.TimeBase()
		return time.Unix(0, wallAtZero+nucleus.SinceBoot())
	}})
}

// ueventSeqnum is /sys/kernel/uevent_seqnum's value.
func ueventSeqnum() uint64 { return netlink.UeventSeqnum() }
