// Package net is the kernel's TCP/IP stack and its network interfaces.
//
// The protocols are gVisor's netstack (gvisor.dev/gvisor/pkg/tcpip: IPv4,
// IPv6, TCP, UDP, ICMP), pure Go that makes no host system call the nucleus
// does not serve (its random source is getrandom, its timers the Go
// runtime's). This package keeps the Linux view around it: interfaces with
// Linux's index, name, flags, MTU and hardware address, the addresses and
// routes Linux would list for them (what netlink, the SIOCGIF* ioctls,
// /proc/net and /sys/class/net report), and it mirrors that view into the
// netstack (addresses, the route table, NICs enabled or disabled).
//
// # Interfaces and devices
//
// An Interface is made over a Device: anything that supplies a netstack
// stack.LinkEndpoint plus the facts Linux reports about the device. The
// loopback interface lo is made by New, down and without addresses, as on
// Linux at boot; bringing it up adds 127.0.0.1/8 and ::1/128 with their
// routes, as Linux's inetdev and addrconf do for a loopback device. Each
// device's endpoint is wrapped in a gate that drops what is sent while the
// interface is down. A NIC driver (kernel/drivers/virtionet) implements
// stack.LinkEndpoint for its queues, Ethernet header included (the stack
// resolves neighbours with network/arp's protocol), and is added with
// AddInterface (Type ARPHRD_ETHER, its MAC, IFF_BROADCAST|IFF_MULTICAST,
// MTU 1500, Carrier from the link status, Stats from its counters).
//
// Routes are those Linux derives from the addresses (local, broadcast,
// prefix routes) plus static ones (AddRoute: RTM_NEWROUTE, SIOCADDRT),
// which, as Linux's fib_sync_down_dev, go when their device goes down.
//
// Linux details kept: before lo's first up no route exists, yet 127.0.0.0/8
// can be bound (Linux has no local table then); after it, lo going down
// keeps 127.0.0.1 and its local routes, so connections start and go
// nowhere. The netstack therefore always holds 127.0.0.1/8 on lo's NIC,
// which stays enabled; reachability comes from the routes and the gate.
//
// # Locking
//
// Stack.mu guards the interface table and every Interface's fields; it is
// taken before any netstack lock (the netstack calls made with it held
// take only the netstack's own locks). Watchers (Watch) are called with
// Stack.mu released.
package net

import (
	"sort"
	"sync"
	"sync/atomic"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/loopback"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/raw"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// Interface flags (IFF_*, linux/if.h).
const (
	IFF_UP          = 0x1
	IFF_BROADCAST   = 0x2
	IFF_LOOPBACK    = 0x8
	IFF_POINTOPOINT = 0x10
	IFF_RUNNING     = 0x40
	IFF_NOARP       = 0x80
	IFF_PROMISC     = 0x100
	IFF_MULTICAST   = 0x1000
	IFF_LOWER_UP    = 0x10000
)

// ARP hardware types (linux/if_arp.h).
const (
	ARPHRD_ETHER    = 1
	ARPHRD_LOOPBACK = 772
)

// Address families of Addr and Route.
const (
	AF_INET  = 2
	AF_INET6 = 10
)

// Scopes (RT_SCOPE_*, linux/rtnetlink.h).
const (
	ScopeUniverse = 0
	ScopeLink     = 253
	ScopeHost     = 254
)

// Route types, tables and protocols (linux/rtnetlink.h).
const (
	RTN_UNICAST     = 1
	RTN_LOCAL       = 2
	RTN_BROADCAST   = 3
	RT_TABLE_MAIN   = 254
	RT_TABLE_LOCAL  = 255
	RTPROT_KERNEL   = 2
	IFA_F_SECONDARY = 0x01
	IFA_F_NODAD     = 0x02
	IFA_F_PERMANENT = 0x80
)

// Device is what a network interface is made over: the netstack link
// endpoint frames go through, and what Linux reports about the hardware.
type Device struct {
	Endpoint stack.LinkEndpoint
	// Type is the ARPHRD_* type; HWAddr the hardware address (all zeros
	// for loopback); Flags the IFF_* bits the device always has
	// (IFF_LOOPBACK, IFF_BROADCAST|IFF_MULTICAST for Ethernet).
	Type   uint16
	HWAddr []byte
	Flags  uint32
	MTU    uint32
	// Carrier reports whether the link is physically up (IFF_RUNNING,
	// IFF_LOWER_UP once the interface is up); nil means always.
	Carrier func() bool
	// Stats returns the driver's own counters (a NIC counts whole frames
	// as Linux's drivers do); nil takes the netstack's NIC counters.
	Stats func() Stats
}

// Addr is one interface address as Linux lists it.
type Addr struct {
	Family    int
	IP        []byte // 4 or 16 bytes
	PrefixLen int
	Scope     int
	Flags     int    // IFA_F_*
	Broadcast []byte // IFA_BROADCAST (IPv4), or nil
}

// Route is one routing-table entry as Linux lists it.
type Route struct {
	Family    int
	Table     int
	Type      int
	Dst       []byte // nil for a default route
	PrefixLen int
	Src       []byte // preferred source (RTA_PREFSRC), or nil
	OIF       int32
	Scope     int
	Protocol  int
	Priority  int    // RTA_PRIORITY (IPv6 metric), 0 if none
	Gateway   []byte // RTA_GATEWAY, or nil for a directly connected route
}

// Interface is one network interface.
type Interface struct {
	Index int32
	Name  string
	dev   Device
	gate  *gate
	up    bool
	// everUp: the interface has been up (Linux attaches its qdisc then).
	everUp bool
	addrs  []Addr
}

// Change says what a watcher is told about.
type Change int

// Kinds of change.
const (
	LinkChanged Change = iota
	AddrAdded
	AddrRemoved
)

// Stack is one network namespace's protocols and interfaces.
type Stack struct {
	// NS is the netstack; sockets make their endpoints on it.
	NS *stack.Stack

	mu       sync.Mutex
	ifaces   map[int32]*Interface
	nextIdx  int32
	watchers []func(Change, *Interface, *Addr)
	// static are the routes added by RTM_NEWROUTE or SIOCADDRT, in the
	// order they were added.
	static []Route
	// PingGroupRange is net.ipv4.ping_group_range: the groups allowed to
	// open ICMP datagram sockets (low > high: nobody).
	pingLow, pingHigh uint32
}

// New returns a stack holding the loopback interface lo (index 1), down.
func New() *Stack {
	ns := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, ipv6.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4, icmp.NewProtocol6},
		// Traffic to this host's addresses goes through the route table
		// and the loopback device, as on Linux, so that lo being down
		// stops it.
		HandleLocal: false,
		// SOCK_RAW sockets (kernel/socket/inet checks CAP_NET_RAW).
		RawFactory: raw.EndpointFactory{},
		// AF_PACKET sockets send frames (kernel/socket/packet).
		AllowPacketEndpointWrite: true,
		Clock:                    newClock(),
	})
	// Linux's behaviour the sockets rely on: SACK on, as net.ipv4.tcp_sack.
	sack := tcpip.TCPSACKEnabled(true)
	ns.SetTransportProtocolOption(tcp.ProtocolNumber, &sack)
	// Nagle's algorithm on by default (TCP_NODELAY 0), as Linux.
	delay := tcpip.TCPDelayEnabled(true)
	ns.SetTransportProtocolOption(tcp.ProtocolNumber, &delay)
	s := &Stack{NS: ns, ifaces: map[int32]*Interface{}, nextIdx: 1, pingLow: 1, pingHigh: 0}
	if _, err := s.AddInterface("lo", Device{Endpoint: loopback.New(), Type: ARPHRD_LOOPBACK,
		HWAddr: make([]byte, 6), Flags: IFF_LOOPBACK, MTU: 65536}); err != nil {
		panic("net: loopback: " + err.Error())
	}
	// The loopback NIC stays enabled with 127.0.0.1/8 in the netstack
	// whatever lo's state: Linux lets programs bind to 127.0.0.0/8 while
	// lo is down (before its first up no local table exists and every
	// IPv4 address is bindable; after it, lo's local routes stay). Whether
	// traffic flows is decided by the routes and by the device gate.
	ns.EnableNIC(1)
	s.addToStack(1, Addr{Family: AF_INET, IP: loopback4, PrefixLen: loopbackPrefix4})
	return s
}

// gate wraps a device's link endpoint: while the interface is down,
// frames sent through it are dropped, as a down device drops what is
// routed to it.
type gate struct {
	stack.LinkEndpoint
	up atomic.Bool
}

// WritePackets implements stack.LinkWriter.
func (g *gate) WritePackets(pkts stack.PacketBufferList) (int, tcpip.Error) {
	if !g.up.Load() {
		return pkts.Len(), nil
	}
	return g.LinkEndpoint.WritePackets(pkts)
}

// errString is an error carrying a netstack error's text.
type errString string

func (e errString) Error() string { return string(e) }

// AddInterface adds a device as a new interface named name, down, with the
// next free index.
func (s *Stack) AddInterface(name string, d Device) (*Interface, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range s.ifaces {
		if i.Name == name {
			return nil, errString("net: interface " + name + " exists")
		}
	}
	ifc := &Interface{Index: s.nextIdx, Name: name, dev: d, gate: &gate{LinkEndpoint: d.Endpoint}}
	if err := s.NS.CreateNICWithOptions(tcpip.NICID(ifc.Index), ifc.gate, stack.NICOptions{Name: name, Disabled: true, DeliverLinkPackets: true}); err != nil {
		return nil, errString("net: " + name + ": " + err.String())
	}
	if d.MTU != 0 {
		s.NS.SetNICMTU(tcpip.NICID(ifc.Index), d.MTU)
	}
	s.nextIdx++
	s.ifaces[ifc.Index] = ifc
	return ifc, nil
}

// Watch registers fn to be told of every change to an interface or its
// addresses (netlink's multicast groups).
func (s *Stack) Watch(fn func(Change, *Interface, *Addr)) {
	s.mu.Lock()
	s.watchers = append(s.watchers, fn)
	s.mu.Unlock()
}

func (s *Stack) tell(c Change, ifc *Interface, a *Addr) {
	s.mu.Lock()
	ws := append([]func(Change, *Interface, *Addr){}, s.watchers...)
	s.mu.Unlock()
	for _, w := range ws {
		w(c, ifc, a)
	}
}

// Info is a snapshot of one interface.
type Info struct {
	Index  int32
	Name   string
	Flags  uint32 // IFF_* as netlink's ifi_flags report them
	Type   uint16
	MTU    uint32
	HWAddr []byte
	Addrs  []Addr
	Stats  Stats
	// OperState is IF_OPER_* (linux/if.h): 6 up, 2 down, 0 unknown.
	OperState int
	// Carrier is the link's carrier (IFLA_CARRIER), up or down alike.
	Carrier bool
	// QdiscAttached: the interface has been up once, so it has a queue
	// discipline other than noop.
	QdiscAttached bool
}

// Stats are an interface's counters, for /proc/net/dev and IFLA_STATS.
type Stats struct {
	RxBytes, RxPackets, RxErrors, RxDropped uint64
	TxBytes, TxPackets, TxErrors, TxDropped uint64
}

// Operational states (IF_OPER_*).
const (
	OperUnknown = 0
	OperDown    = 2
	OperUp      = 6
)

func (s *Stack) infoLocked(i *Interface) Info {
	in := Info{Index: i.Index, Name: i.Name, Flags: i.flagsLocked(), Type: i.dev.Type, MTU: i.dev.MTU,
		HWAddr: append([]byte(nil), i.dev.HWAddr...), Addrs: append([]Addr(nil), i.addrs...),
		Carrier: i.dev.Carrier == nil || i.dev.Carrier(), QdiscAttached: i.everUp}
	switch {
	case !i.up:
		in.OperState = OperDown
	case i.dev.Type == ARPHRD_LOOPBACK:
		in.OperState = OperUnknown // Linux: lo has no link state of its own
	case in.Flags&IFF_RUNNING != 0:
		in.OperState = OperUp
	default:
		in.OperState = OperDown
	}
	if i.dev.Stats != nil {
		in.Stats = i.dev.Stats()
	} else if st, ok := s.NS.NICInfo()[tcpip.NICID(i.Index)]; ok {
		in.Stats = Stats{
			RxBytes: st.Stats.Rx.Bytes.Value(), RxPackets: st.Stats.Rx.Packets.Value(),
			TxBytes: st.Stats.Tx.Bytes.Value(), TxPackets: st.Stats.Tx.Packets.Value(),
			TxDropped: st.Stats.TxPacketsDroppedNoBufferSpace.Value(),
		}
	}
	return in
}

func (i *Interface) flagsLocked() uint32 {
	f := i.dev.Flags
	if i.up {
		f |= IFF_UP
		if i.dev.Carrier == nil || i.dev.Carrier() {
			f |= IFF_RUNNING | IFF_LOWER_UP
		}
	}
	return f
}

// Interfaces returns a snapshot of every interface, by index.
func (s *Stack) Interfaces() []Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Info, 0, len(s.ifaces))
	for _, i := range s.ifaces {
		out = append(out, s.infoLocked(i))
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Index < out[b].Index })
	return out
}

// ByIndex returns the interface with index idx.
func (s *Stack) ByIndex(idx int32) (Info, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.ifaces[idx]
	if !ok {
		return Info{}, false
	}
	return s.infoLocked(i), true
}

// ByName returns the interface called name.
func (s *Stack) ByName(name string) (Info, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range s.ifaces {
		if i.Name == name {
			return s.infoLocked(i), true
		}
	}
	return Info{}, false
}
