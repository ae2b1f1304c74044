package procfs

import (
	"encoding/binary"
	"fmt"
	"strings"

	"aramid/kernel/net"
	"aramid/kernel/socket/inet"
	"aramid/kernel/vfs"
)

// inetEntries are the /proc/net files of the IP stack (Options.Net):
// dev, tcp, tcp6, udp, udp6, route, if_inet6 and snmp's Ip/Tcp/Udp rows
// are not here (the netstack's counters do not match Linux's MIB).
func (fs *FS) inetEntries() []entry {
	if fs.o.Net == nil {
		return nil
	}
	st := fs.o.Net
	gen := func(f func() string) func(string, *vfs.Inode) *vfs.Inode {
		return fs.polled(pollDefault, fs.file(0o444, func(*vfs.Caller) ([]byte, error) { return []byte(f()), nil }, nil))
	}
	return []entry{
		fileEntry("dev", gen(func() string { return netDev(st.Interfaces()) })),
		fileEntry("tcp", gen(func() string { return netSockets(inet.Sockets(net.AF_INET, inet.IPPROTO_TCP), false, true) })),
		fileEntry("tcp6", gen(func() string { return netSockets(inet.Sockets(net.AF_INET6, inet.IPPROTO_TCP), true, true) })),
		fileEntry("udp", gen(func() string { return netSockets(inet.Sockets(net.AF_INET, inet.IPPROTO_UDP), false, false) })),
		fileEntry("udp6", gen(func() string { return netSockets(inet.Sockets(net.AF_INET6, inet.IPPROTO_UDP), true, false) })),
		fileEntry("route", gen(func() string { return netRoute(st.Routes(), st.Interfaces()) })),
		fileEntry("if_inet6", gen(func() string { return netIfInet6(st.Interfaces()) })),
	}
}

// netDev formats /proc/net/dev as dev_seq_show.
func netDev(ifs []net.Info) string {
	var b strings.Builder
	b.WriteString("Inter-|   Receive                                                |  Transmit\n")
	b.WriteString(" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n")
	for _, in := range ifs {
		s := in.Stats
		fmt.Fprintf(&b, "%6s: %7d %7d %4d %4d %4d %5d %10d %9d %8d %7d %4d %4d %4d %5d %7d %10d\n",
			in.Name, s.RxBytes, s.RxPackets, s.RxErrors, s.RxDropped, 0, 0, 0, 0,
			s.TxBytes, s.TxPackets, s.TxErrors, s.TxDropped, 0, 0, 0, 0)
	}
	return b.String()
}

// hexIP4 prints an IPv4 address as Linux's %08X of the __be32 read on a
// little-endian machine.
func hexIP4(ip []byte) string {
	if len(ip) == 16 {
		ip = ip[12:]
	}
	if len(ip) != 4 {
		return "00000000"
	}
	return fmt.Sprintf("%08X", binary.LittleEndian.Uint32(ip))
}

// hexIP6 prints an IPv6 address as four %08X words.
func hexIP6(ip []byte) string {
	var full [16]byte
	switch len(ip) {
	case 16:
		copy(full[:], ip)
	case 4:
		full[10], full[11] = 0xff, 0xff
		copy(full[12:], ip)
	}
	var b strings.Builder
	for k := 0; k < 16; k += 4 {
		fmt.Fprintf(&b, "%08X", binary.LittleEndian.Uint32(full[k:]))
	}
	return b.String()
}

// netSockets formats /proc/net/{tcp,tcp6,udp,udp6} as tcp4_seq_show,
// tcp6_seq_show and udp4_format_sock do. The kernel pointer column is
// zeros (Linux hides it from readers kptr_restrict does not trust; Aramid
// has no such address); TCP's timer, RTO, ATO and congestion columns
// show a socket with no timer pending, 100 and 0 ticks and a window of
// 10, the values of an idle loopback connection.
func netSockets(socks []inet.Info, v6, tcp bool) string {
	var b strings.Builder
	switch {
	case tcp && !v6:
		fmt.Fprintf(&b, "%-149s\n", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode")
	case tcp:
		b.WriteString("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
	case !v6:
		fmt.Fprintf(&b, "%-127s\n", "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops")
	default:
		b.WriteString("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n")
	}
	for i, s := range socks {
		addr := hexIP4
		if v6 {
			addr = hexIP6
		}
		local := addr(s.Local.Addr.AsSlice()) + fmt.Sprintf(":%04X", s.Local.Port)
		remote := addr(s.Remote.Addr.AsSlice()) + fmt.Sprintf(":%04X", s.Remote.Port)
		var line string
		if tcp {
			ssthresh := -1
			if s.State == 10 {
				ssthresh = 0
			}
			line = fmt.Sprintf("%4d: %s %s %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %016x %d %d %d %d %d",
				i, local, remote, s.State, s.TxQueue, s.RxQueue, 0, 0, 0, s.UID, 0, s.Ino, 1, 0, 100, 0, 0, 10, ssthresh)
			if !v6 {
				line = fmt.Sprintf("%-149s", line)
			}
		} else {
			sl := fmt.Sprintf("%5d", i)
			line = fmt.Sprintf("%s: %s %s %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %016x %d",
				sl, local, remote, s.State, s.TxQueue, s.RxQueue, 0, 0, 0, s.UID, 0, s.Ino, 2, 0, 0)
			if !v6 {
				line = fmt.Sprintf("%-127s", line)
			}
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// netRoute formats /proc/net/route as fib_route_seq_show: the main
// table's IPv4 unicast routes.
func netRoute(routes []net.Route, ifs []net.Info) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-127s\n", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT")
	names := map[int32]string{}
	for _, in := range ifs {
		names[in.Index] = in.Name
	}
	for _, r := range routes {
		if r.Family != net.AF_INET || r.Table != net.RT_TABLE_MAIN || r.Type != net.RTN_UNICAST {
			continue
		}
		mask := make([]byte, 4)
		for k := 0; k < r.PrefixLen; k++ {
			mask[k/8] |= 0x80 >> (k % 8)
		}
		const rtfUp = 0x0001
		line := fmt.Sprintf("%s\t%s\t%08X\t%04X\t%d\t%d\t%d\t%s\t%d\t%d\t%d",
			names[r.OIF], hexIP4(r.Dst), 0, rtfUp, 0, 0, r.Priority, hexIP4(mask), 0, 0, 0)
		fmt.Fprintf(&b, "%-127s\n", line)
	}
	return b.String()
}

// netIfInet6 formats /proc/net/if_inet6 as if6_seq_show.
func netIfInet6(ifs []net.Info) string {
	var b strings.Builder
	for _, in := range ifs {
		for _, a := range in.Addrs {
			if a.Family != net.AF_INET6 {
				continue
			}
			fmt.Fprintf(&b, "%x %02x %02x %02x %02x %8s\n", a.IP, in.Index, a.PrefixLen, scope6(a.Scope), a.Flags, in.Name)
		}
	}
	return b.String()
}

// scope6 turns an rtnetlink scope into the IPV6_ADDR_* scope bits
// if_inet6 prints (host 0x10, link 0x20, global 0).
func scope6(rt int) int {
	switch rt {
	case net.ScopeHost:
		return 0x10
	case net.ScopeLink:
		return 0x20
	}
	return 0
}
