package main

import (
	"fmt"
	"strconv"
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/fs/procfs"
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
