package main

import (
	"fmt"
	"strconv"
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/fs/procfs"
	"aramid/kernel/fs/sysfs"
	"aramid/kernel/net"
)

// netTunables are the /proc/sys/net entries the network stack honours:
// net.ipv4.ping_group_range ("low high", the groups that may open ICMP
// datagram sockets; Linux's default "1 0" allows nobody).
func netTunables(st *net.Stack) map[string]procfs.Tunable {
	return map[string]procfs.Tunable{
		"net/ipv4/ping_group_range": {
			Get: func() string {
				lo, hi := st.PingGroupRange()
				return fmt.Sprintf("%d\t%d\n", lo, hi)
			},
			Set: func(text string) error {
				f := strings.Fields(text)
				if len(f) != 2 {
					return abi.EINVAL
				}
				lo, err1 := strconv.ParseUint(f[0], 10, 32)
				hi, err2 := strconv.ParseUint(f[1], 10, 32)
				if err1 != nil || err2 != nil || lo > 0x7fffffff || hi > 0x7fffffff {
					return abi.EINVAL
				}
				st.SetPingGroupRange(uint32(lo), uint32(hi))
				return nil
			},
		},
	}
}

// addNetSysfs adds the attributes of the network interfaces that change
// at run time to /sys/devices/virtual/net/<name>: flags (dev->flags, as
// "%#x"), operstate and mtu.
func addNetSysfs(fs *sysfs.FS, st *net.Stack) error {
	for _, in := range st.Interfaces() {
		idx := in.Index
		dir := "devices/virtual/net/" + in.Name + "/"
		get := func(f func(net.Info) string) func() string {
			return func() string {
				i, ok := st.ByIndex(idx)
				if !ok {
					return ""
				}
				return f(i) + "\n"
			}
		}
		for name, f := range map[string]func(net.Info) string{
			"flags": func(i net.Info) string {
				return fmt.Sprintf("%#x", i.Flags&^(net.IFF_RUNNING|net.IFF_LOWER_UP))
			},
			"operstate": func(i net.Info) string {
				return map[int]string{net.OperUnknown: "unknown", net.OperDown: "down", net.OperUp: "up"}[i.OperState]
			},
			"mtu": func(i net.Info) string { return strconv.FormatUint(uint64(i.MTU), 10) },
		} {
			if err := fs.Add(sysfs.Entry{Path: dir + name, Kind: sysfs.File, Gen: get(f)}); err != nil {
				return fmt.Errorf("sysfs %s%s: %w", dir, name, err)
			}
		}
	}
	return nil
}
