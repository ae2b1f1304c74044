package net

import (
	"bytes"
	"errors"
	"sort"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// Errors of interface operations; the system-call layer maps them to
// errnos (ENODEV, EEXIST, EADDRNOTAVAIL, EINVAL).
var (
	ErrNoDevice     = errors.New("net: no such device")
	ErrExists       = errors.New("net: address exists")
	ErrNoAddress    = errors.New("net: no such address")
	ErrInvalid      = errors.New("net: invalid argument")
	ErrNoRoute      = errors.New("net: no such route")
	ErrUnreachable  = errors.New("net: gateway unreachable")
	ErrNetDown      = errors.New("net: device down")
	ErrUnsupported  = errors.New("net: not supported")
	loopback4       = []byte{127, 0, 0, 1}
	loopback6       = []byte{15: 1}
	loopbackPrefix4 = 8
)

// SetUp brings interface idx up or down (IFF_UP), as Linux's dev_open and
// dev_close: a loopback device going up gains 127.0.0.1/8 and ::1/128; an
// interface going down loses its IPv6 addresses (net.ipv6.conf.*.
// keep_addr_on_down is 0) and, with its routes, every path through it,
// while its IPv4 addresses stay listed.
func (s *Stack) SetUp(idx int32, up bool) error {
	s.mu.Lock()
	i, ok := s.ifaces[idx]
	if !ok {
		s.mu.Unlock()
		return ErrNoDevice
	}
	if i.up == up {
		s.mu.Unlock()
		return nil
	}
	i.up = up
	i.everUp = i.everUp || up
	i.gate.up.Store(up)
	nic := tcpip.NICID(idx)
	lo := i.dev.Flags&IFF_LOOPBACK != 0
	var added, removed []Addr
	if up {
		if !lo {
			s.NS.EnableNIC(nic)
		}
		for _, a := range i.addrs {
			s.addToStack(nic, a)
		}
		if i.dev.Flags&IFF_LOOPBACK != 0 {
			for _, a := range []Addr{
				{Family: AF_INET, IP: loopback4, PrefixLen: loopbackPrefix4, Scope: ScopeHost, Flags: IFA_F_PERMANENT},
				{Family: AF_INET6, IP: loopback6, PrefixLen: 128, Scope: ScopeHost, Flags: IFA_F_PERMANENT},
			} {
				if s.addAddrLocked(i, a) == nil {
					added = append(added, a)
				}
			}
		}
	} else {
		kept := i.addrs[:0]
		for _, a := range i.addrs {
			if a.Family == AF_INET6 {
				s.NS.RemoveAddress(nic, tcpip.AddrFromSlice(a.IP))
				removed = append(removed, a)
				continue
			}
			kept = append(kept, a)
		}
		i.addrs = kept
		s.dropStaticLocked(idx)
		if !lo {
			s.NS.DisableNIC(nic)
		}
	}
	s.syncRoutesLocked()
	s.mu.Unlock()
	s.tell(LinkChanged, i, nil)
	for k := range added {
		s.tell(AddrAdded, i, &added[k])
	}
	for k := range removed {
		s.tell(AddrRemoved, i, &removed[k])
	}
	return nil
}

func protoOf(family int) tcpip.NetworkProtocolNumber {
	if family == AF_INET6 {
		return ipv6.ProtocolNumber
	}
	return ipv4.ProtocolNumber
}

func (s *Stack) addToStack(nic tcpip.NICID, a Addr) {
	s.NS.AddProtocolAddress(nic, tcpip.ProtocolAddress{Protocol: protoOf(a.Family),
		AddressWithPrefix: tcpip.AddressWithPrefix{Address: tcpip.AddrFromSlice(a.IP), PrefixLen: a.PrefixLen}},
		stack.AddressProperties{})
}

func validAddr(a Addr) bool {
	switch a.Family {
	case AF_INET:
		return len(a.IP) == 4 && a.PrefixLen >= 0 && a.PrefixLen <= 32
	case AF_INET6:
		return len(a.IP) == 16 && a.PrefixLen >= 0 && a.PrefixLen <= 128
	}
	return false
}

// addAddrLocked adds a to i's list and, if i is up, to the netstack.
func (s *Stack) addAddrLocked(i *Interface, a Addr) error {
	if !validAddr(a) {
		return ErrInvalid
	}
	for _, b := range i.addrs {
		if b.Family == a.Family && bytes.Equal(b.IP, a.IP) {
			return ErrExists
		}
	}
	a.IP = append([]byte(nil), a.IP...)
	if a.Broadcast != nil {
		a.Broadcast = append([]byte(nil), a.Broadcast...)
	}
	i.addrs = append(i.addrs, a)
	if i.up {
		s.addToStack(tcpip.NICID(i.Index), a)
	}
	return nil
}

// AddAddr adds an address to interface idx (RTM_NEWADDR, SIOCSIFADDR).
// It is listed while the interface is down and reaches the netstack
// when the interface is up.
func (s *Stack) AddAddr(idx int32, a Addr) error {
	s.mu.Lock()
	i, ok := s.ifaces[idx]
	if !ok {
		s.mu.Unlock()
		return ErrNoDevice
	}
	if a.Family == AF_INET && validAddr(a) {
		// A second address in a prefix already on i is secondary.
		for _, b := range i.addrs {
			if b.Family == AF_INET && b.PrefixLen == a.PrefixLen && bytes.Equal(maskIP(b.IP, b.PrefixLen), maskIP(a.IP, a.PrefixLen)) {
				a.Flags |= IFA_F_SECONDARY
				break
			}
		}
	}
	if err := s.addAddrLocked(i, a); err != nil {
		s.mu.Unlock()
		return err
	}
	s.syncRoutesLocked()
	s.mu.Unlock()
	s.tell(AddrAdded, i, &a)
	return nil
}

// DelAddr removes an address (RTM_DELADDR): ErrNoAddress if i has no
// such address with that prefix length.
func (s *Stack) DelAddr(idx int32, a Addr) error {
	s.mu.Lock()
	i, ok := s.ifaces[idx]
	if !ok {
		s.mu.Unlock()
		return ErrNoDevice
	}
	for k, b := range i.addrs {
		if b.Family == a.Family && bytes.Equal(b.IP, a.IP) && (a.PrefixLen < 0 || a.PrefixLen == b.PrefixLen) {
			i.addrs = append(i.addrs[:k], i.addrs[k+1:]...)
			s.NS.RemoveAddress(tcpip.NICID(idx), tcpip.AddrFromSlice(b.IP))
			if b.Family == AF_INET && !hasFamily(i.addrs, AF_INET) {
				// The device's last IPv4 address takes its IPv4 routes
				// along (Linux's fib_disable_ip).
				s.dropStaticLocked(idx)
			}
			s.syncRoutesLocked()
			s.mu.Unlock()
			s.tell(AddrRemoved, i, &b)
			return nil
		}
	}
	s.mu.Unlock()
	return ErrNoAddress
}

// Routes lists the routes Linux derives from the addresses of the
// interfaces that are up (fib_add_ifaddr and addrconf): the main table
// before the local table, each in address order, longer prefixes first.
func (s *Stack) Routes() []Route {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.routesLocked()
}

func (s *Stack) routesLocked() []Route {
	var rs []Route
	for _, i := range s.ifaces {
		lo := i.dev.Flags&IFF_LOOPBACK != 0
		for _, a := range i.addrs {
			if a.Family == AF_INET {
				// The local route exists while the address does; a
				// loopback prefix (a local route too) survives the device
				// going down; broadcast and link routes do not.
				rs = append(rs, Route{Family: AF_INET, Table: RT_TABLE_LOCAL, Type: RTN_LOCAL, Dst: a.IP, PrefixLen: 32,
					Src: a.IP, OIF: i.Index, Scope: ScopeHost, Protocol: RTPROT_KERNEL})
				if a.PrefixLen < 32 && !i.up && lo && i.everUp {
					rs = append(rs, Route{Family: AF_INET, Table: RT_TABLE_LOCAL, Type: RTN_LOCAL, Dst: maskIP(a.IP, a.PrefixLen),
						PrefixLen: a.PrefixLen, Src: a.IP, OIF: i.Index, Scope: ScopeHost, Protocol: RTPROT_KERNEL})
				}
				if a.PrefixLen < 32 && i.up {
					pfx := maskIP(a.IP, a.PrefixLen)
					r := Route{Family: AF_INET, Table: RT_TABLE_MAIN, Type: RTN_UNICAST, Dst: pfx, PrefixLen: a.PrefixLen,
						Src: a.IP, OIF: i.Index, Scope: ScopeLink, Protocol: RTPROT_KERNEL}
					if lo {
						r.Table, r.Type, r.Scope = RT_TABLE_LOCAL, RTN_LOCAL, ScopeHost
					}
					rs = append(rs, r)
					if a.PrefixLen < 31 {
						bc := make([]byte, 4)
						for k := range bc {
							bc[k] = pfx[k] | ^maskIP([]byte{255, 255, 255, 255}, a.PrefixLen)[k]
						}
						rs = append(rs, Route{Family: AF_INET, Table: RT_TABLE_LOCAL, Type: RTN_BROADCAST, Dst: bc, PrefixLen: 32,
							Src: a.IP, OIF: i.Index, Scope: ScopeLink, Protocol: RTPROT_KERNEL})
					}
				}
				continue
			}
			if !i.up {
				continue
			}
			rs = append(rs, Route{Family: AF_INET6, Table: RT_TABLE_LOCAL, Type: RTN_LOCAL, Dst: a.IP, PrefixLen: 128,
				OIF: i.Index, Protocol: RTPROT_KERNEL})
			// Linux's addrconf adds no prefix route for the loopback
			// device's ::1 (init_loopback), only for other addresses.
			if !lo || a.PrefixLen < 128 {
				rs = append(rs, Route{Family: AF_INET6, Table: RT_TABLE_MAIN, Type: RTN_UNICAST, Dst: maskIP(a.IP, a.PrefixLen),
					PrefixLen: a.PrefixLen, OIF: i.Index, Protocol: RTPROT_KERNEL, Priority: 256})
			}
		}
	}
	for _, r := range s.static {
		if i := s.ifaces[r.OIF]; i != nil && i.up {
			rs = append(rs, r)
		}
	}
	sort.SliceStable(rs, func(x, y int) bool {
		a, b := rs[x], rs[y]
		if a.Family != b.Family {
			return a.Family < b.Family
		}
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		if c := bytes.Compare(a.Dst, b.Dst); c != 0 {
			return c < 0
		}
		return a.PrefixLen > b.PrefixLen
	})
	// One route per destination, table and type (two addresses in one
	// prefix share its route).
	out := rs[:0]
	for k, r := range rs {
		if k > 0 {
			p := out[len(out)-1]
			if p.Family == r.Family && p.Table == r.Table && p.Type == r.Type && p.PrefixLen == r.PrefixLen && bytes.Equal(p.Dst, r.Dst) {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// maskIP returns ip with the bits past plen cleared.
func maskIP(ip []byte, plen int) []byte {
	out := make([]byte, len(ip))
	for k := range ip {
		switch {
		case plen >= 8:
			out[k] = ip[k]
			plen -= 8
		case plen > 0:
			out[k] = ip[k] & byte(0xff<<(8-plen))
			plen = 0
		}
	}
	return out
}

// syncRoutesLocked gives the netstack the routes of the interfaces that
// are up: one per prefix (local and unicast alike go to the interface).
func (s *Stack) syncRoutesLocked() {
	var table []tcpip.Route
	for _, r := range s.routesLocked() {
		if r.Type == RTN_BROADCAST {
			continue
		}
		sub, err := tcpip.NewSubnet(tcpip.AddrFromSlice(r.Dst), tcpip.MaskFromBytes(maskIP(bytes.Repeat([]byte{0xff}, len(r.Dst)), r.PrefixLen)))
		if err != nil {
			continue
		}
		tr := tcpip.Route{Destination: sub, NIC: tcpip.NICID(r.OIF)}
		if r.Gateway != nil {
			tr.Gateway = tcpip.AddrFromSlice(r.Gateway)
		}
		table = append(table, tr)
	}
	// Longest prefix first: the netstack takes the first match.
	sort.SliceStable(table, func(x, y int) bool { return table[x].Destination.Prefix() > table[y].Destination.Prefix() })
	s.NS.SetRouteTable(table)
}

// SetMTU sets interface idx's MTU (SIOCSIFMTU, IFLA_MTU).
func (s *Stack) SetMTU(idx int32, mtu uint32) error {
	s.mu.Lock()
	i, ok := s.ifaces[idx]
	if !ok {
		s.mu.Unlock()
		return ErrNoDevice
	}
	// Linux's dev_validate_mtu: a negative MTU is invalid; lo has no
	// bounds of its own (min_mtu and max_mtu 0), Ethernet 68 to 65535 here.
	if int32(mtu) < 0 || i.dev.Type != ARPHRD_LOOPBACK && (mtu < 68 || mtu > 65535) {
		s.mu.Unlock()
		return ErrInvalid
	}
	i.dev.MTU = mtu
	s.NS.SetNICMTU(tcpip.NICID(idx), mtu)
	s.mu.Unlock()
	s.tell(LinkChanged, i, nil)
	return nil
}

// PingGroupRange returns net.ipv4.ping_group_range.
func (s *Stack) PingGroupRange() (low, high uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pingLow, s.pingHigh
}

// SetPingGroupRange sets net.ipv4.ping_group_range.
func (s *Stack) SetPingGroupRange(low, high uint32) {
	s.mu.Lock()
	s.pingLow, s.pingHigh = low, high
	s.mu.Unlock()
}

func hasFamily(as []Addr, family int) bool {
	for _, a := range as {
		if a.Family == family {
			return true
		}
	}
	return false
}

// dropStaticLocked removes the static routes through interface idx.
func (s *Stack) dropStaticLocked(idx int32) {
	kept := s.static[:0]
	for _, r := range s.static {
		if r.OIF != idx {
			kept = append(kept, r)
		}
	}
	s.static = kept
}

// sameRoute reports whether a and b have one key in the main table:
// family, destination prefix and metric (Linux's fib_find_alias).
func sameRoute(a, b Route) bool {
	return a.Family == b.Family && a.PrefixLen == b.PrefixLen && a.Priority == b.Priority &&
		bytes.Equal(maskIP(a.Dst, a.PrefixLen), maskIP(b.Dst, b.PrefixLen))
}

// AddRoute adds a static IPv4 route to the main table (RTM_NEWROUTE,
// SIOCADDRT), checked as Linux's fib_check_nh: a gateway must lie in a
// prefix of an up interface (the route's interface, if given) and not be
// a local address (ErrUnreachable, ErrInvalid); a route without gateway
// needs its interface (ErrNoDevice), which must be up (ErrNetDown). An
// existing route with the same key is ErrExists unless replace is set.
// IPv6 static routes are ErrUnsupported.
func (s *Stack) AddRoute(r Route, replace bool) error {
	if r.Family != AF_INET {
		return ErrUnsupported
	}
	if len(r.Dst) != 4 || r.PrefixLen < 0 || r.PrefixLen > 32 || r.Gateway != nil && len(r.Gateway) != 4 {
		return ErrInvalid
	}
	r.Dst = maskIP(r.Dst, r.PrefixLen)
	r.Gateway = append([]byte(nil), r.Gateway...)
	if len(r.Gateway) == 0 {
		r.Gateway = nil
	}
	r.Table, r.Type = RT_TABLE_MAIN, RTN_UNICAST
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.OIF != 0 {
		i, ok := s.ifaces[r.OIF]
		if !ok {
			return ErrNoDevice
		}
		if !i.up {
			return ErrNetDown
		}
	}
	if r.Gateway != nil {
		oif := int32(0)
		for _, i := range s.ifaces {
			if !i.up || r.OIF != 0 && i.Index != r.OIF {
				continue
			}
			for _, a := range i.addrs {
				if a.Family == AF_INET && a.PrefixLen < 32 && bytes.Equal(maskIP(a.IP, a.PrefixLen), maskIP(r.Gateway, a.PrefixLen)) {
					oif = i.Index
				}
			}
		}
		if oif == 0 {
			return ErrUnreachable
		}
		r.OIF = oif
	} else if r.OIF == 0 {
		return ErrNoDevice
	}
	for k, o := range s.static {
		if sameRoute(o, r) {
			if !replace {
				return ErrExists
			}
			s.static[k] = r
			s.syncRoutesLocked()
			return nil
		}
	}
	s.static = append(s.static, r)
	s.syncRoutesLocked()
	return nil
}

// DelRoute removes a static route (RTM_DELROUTE, SIOCDELRT): the first
// with r's destination prefix whose gateway, interface and metric match
// those r gives (nil and 0 match any, as Linux's fib_table_delete). ErrNoRoute if none.
func (s *Stack) DelRoute(r Route) error {
	if r.Family != AF_INET {
		return ErrUnsupported
	}
	if len(r.Dst) != 4 || r.PrefixLen < 0 || r.PrefixLen > 32 {
		return ErrInvalid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, o := range s.static {
		if o.PrefixLen != r.PrefixLen || !bytes.Equal(o.Dst, maskIP(r.Dst, r.PrefixLen)) ||
			r.Gateway != nil && !bytes.Equal(o.Gateway, r.Gateway) || r.OIF != 0 && o.OIF != r.OIF ||
			r.Priority != 0 && o.Priority != r.Priority {
			continue
		}
		s.static = append(s.static[:k], s.static[k+1:]...)
		s.syncRoutesLocked()
		return nil
	}
	return ErrNoRoute
}
