package netlink

import (
	"encoding/binary"

	"aramid/kernel/abi"
	"aramid/kernel/net"
	"aramid/kernel/vfs"
)

// rtnetlink message types, attributes and groups (linux/rtnetlink.h,
// linux/if_link.h, linux/if_addr.h).
const (
	RTM_NEWLINK  = 16
	RTM_DELLINK  = 17
	RTM_GETLINK  = 18
	RTM_SETLINK  = 19
	RTM_NEWADDR  = 20
	RTM_DELADDR  = 21
	RTM_GETADDR  = 22
	RTM_NEWROUTE = 24
	RTM_DELROUTE = 25
	RTM_GETROUTE = 26

	IFLA_ADDRESS       = 1
	IFLA_BROADCAST     = 2
	IFLA_IFNAME        = 3
	IFLA_MTU           = 4
	IFLA_QDISC         = 6
	IFLA_STATS         = 7
	IFLA_TXQLEN        = 13
	IFLA_OPERSTATE     = 16
	IFLA_LINKMODE      = 17
	IFLA_STATS64       = 23
	IFLA_EXT_MASK      = 29
	IFLA_GROUP         = 27
	IFLA_PROMISCUITY   = 30
	IFLA_NUM_TX_QUEUES = 31
	IFLA_NUM_RX_QUEUES = 32
	IFLA_CARRIER       = 33
	IFLA_MIN_MTU       = 50
	IFLA_MAX_MTU       = 51

	IFA_ADDRESS   = 1
	IFA_LOCAL     = 2
	IFA_LABEL     = 3
	IFA_BROADCAST = 4
	IFA_CACHEINFO = 6
	IFA_FLAGS     = 8

	RTA_DST      = 1
	RTA_OIF      = 4
	RTA_GATEWAY  = 5
	RTA_PRIORITY = 6
	RTA_PREFSRC  = 7
	RTA_TABLE    = 15
	RTA_PREF     = 20

	RTNLGRP_LINK        = 1
	RTNLGRP_IPV4_IFADDR = 5
	RTNLGRP_IPV6_IFADDR = 9

	sizeofIfinfomsg = 16
	sizeofIfaddrmsg = 8
	sizeofRtmsg     = 12
	maxDumpDgram    = 16384
)

// nlmsg is one message being built.
type nlmsg struct{ b []byte }

func newMsg(typ, flags uint16, seq, port uint32, body []byte) *nlmsg {
	m := &nlmsg{b: make([]byte, nlmsgHdrLen, 256)}
	binary.LittleEndian.PutUint16(m.b[4:], typ)
	binary.LittleEndian.PutUint16(m.b[6:], flags)
	binary.LittleEndian.PutUint32(m.b[8:], seq)
	binary.LittleEndian.PutUint32(m.b[12:], port)
	m.b = append(m.b, body...)
	m.align()
	return m
}

func (m *nlmsg) align() {
	for len(m.b)%4 != 0 {
		m.b = append(m.b, 0)
	}
}

func (m *nlmsg) attr(typ uint16, data []byte) {
	h := make([]byte, 4)
	binary.LittleEndian.PutUint16(h, uint16(4+len(data)))
	binary.LittleEndian.PutUint16(h[2:], typ)
	m.b = append(m.b, h...)
	m.b = append(m.b, data...)
	m.align()
}

func (m *nlmsg) u32(typ uint16, v uint32) { m.attr(typ, binary.LittleEndian.AppendUint32(nil, v)) }
func (m *nlmsg) u8(typ uint16, v uint8)   { m.attr(typ, []byte{v}) }
func (m *nlmsg) str(typ uint16, v string) { m.attr(typ, append([]byte(v), 0)) }

func (m *nlmsg) done() []byte {
	binary.LittleEndian.PutUint32(m.b, uint32(len(m.b)))
	return m.b
}

// attrs parses the rtattrs of b by type (the last of a type wins).
func attrs(b []byte) map[uint16][]byte {
	out := map[uint16][]byte{}
	for len(b) >= 4 {
		l := int(binary.LittleEndian.Uint16(b))
		t := binary.LittleEndian.Uint16(b[2:]) & 0x3fff
		if l < 4 || l > len(b) {
			break
		}
		out[t] = b[4:l]
		l = (l + 3) &^ 3
		if l > len(b) {
			break
		}
		b = b[l:]
	}
	return out
}

// route processes the requests in data as Linux's netlink_rcv_skb and
// rtnetlink_rcv_msg do, returning the datagrams to queue for s: dumps
// (never acknowledged), replies, and NLMSG_ERROR for failures or when
// NLM_F_ACK asks for it.
func (s *Socket) route(c *vfs.Caller, data []byte) [][]byte {
	var out [][]byte
	for len(data) >= nlmsgHdrLen {
		l := int(binary.LittleEndian.Uint32(data))
		if l < nlmsgHdrLen || l > len(data) {
			break
		}
		msg := data[:l]
		typ := binary.LittleEndian.Uint16(msg[4:])
		flags := binary.LittleEndian.Uint16(msg[6:])
		var err error
		dumped := false
		if flags&NLM_F_REQUEST != 0 && typ >= NLMSG_MIN_TYP {
			var r [][]byte
			r, dumped, err = s.request(c, msg, typ, flags)
			out = append(out, r...)
		}
		if !dumped && (flags&NLM_F_ACK != 0 || err != nil) {
			out = append(out, s.ack(msg, err))
		}
		step := (l + 3) &^ 3
		if step > len(data) {
			break
		}
		data = data[step:]
	}
	return out
}

// ack builds netlink_ack's NLMSG_ERROR: error 0 (an acknowledgement, only
// the request's header) or -errno with the whole request unless
// NETLINK_CAP_ACK.
func (s *Socket) ack(req []byte, err error) []byte {
	errno := int32(0)
	if err != nil {
		if e, ok := err.(abi.Errno); ok {
			errno = -int32(e)
		} else {
			errno = -int32(abi.EINVAL)
		}
	}
	reg.mu.Lock()
	capped := s.capAck
	port := s.port
	reg.mu.Unlock()
	var flags uint16
	body := binary.LittleEndian.AppendUint32(nil, uint32(errno))
	if errno == 0 || capped {
		flags = NLM_F_CAPPED
		body = append(body, req[:nlmsgHdrLen]...)
	} else {
		body = append(body, req...)
	}
	return newMsg(NLMSG_ERROR, flags, binary.LittleEndian.Uint32(req[8:]), port, body).done()
}

// request handles one rtnetlink request; dumped says a dump was sent
// (which Linux never acknowledges).
func (s *Socket) request(c *vfs.Caller, msg []byte, typ, flags uint16) ([][]byte, bool, error) {
	seq := binary.LittleEndian.Uint32(msg[8:])
	reg.mu.Lock()
	port := s.port
	reg.mu.Unlock()
	body := msg[nlmsgHdrLen:]
	kind := (typ - RTM_NEWLINK) & 3
	if kind != 2 && !(s.admin && (c == nil || c.Capable(abi.CAP_NET_ADMIN))) {
		return nil, false, abi.EPERM
	}
	family := byte(0)
	if len(body) > 0 {
		family = body[0]
	}
	dump := kind == 2 && flags&NLM_F_DUMP != 0
	switch typ {
	case RTM_GETLINK:
		if dump {
			var ms [][]byte
			for _, in := range s.st.Interfaces() {
				ms = append(ms, linkMsg(in, RTM_NEWLINK, NLM_F_MULTI, seq, port))
			}
			return pack(ms, seq, port), true, nil
		}
		in, err := s.findLink(body)
		if err != nil {
			return nil, false, err
		}
		return [][]byte{linkMsg(in, RTM_NEWLINK, 0, seq, port)}, false, nil
	case RTM_NEWLINK, RTM_SETLINK:
		in, err := s.findLink(body)
		if err != nil {
			return nil, false, err
		}
		return nil, false, s.setLink(in, body)
	case RTM_DELLINK:
		if _, err := s.findLink(body); err != nil {
			return nil, false, err
		}
		return nil, false, abi.EOPNOTSUPP // a device of its own cannot be deleted
	case RTM_GETADDR:
		if !dump {
			return nil, false, abi.EOPNOTSUPP
		}
		var ms [][]byte
		for _, fam := range []int{net.AF_INET, net.AF_INET6} {
			if family != 0 && int(family) != fam {
				continue
			}
			for _, in := range s.st.Interfaces() {
				for _, a := range in.Addrs {
					if a.Family == fam {
						ms = append(ms, addrMsg(in, a, RTM_NEWADDR, NLM_F_MULTI, seq, port))
					}
				}
			}
		}
		return pack(ms, seq, port), true, nil
	case RTM_NEWADDR, RTM_DELADDR:
		return nil, false, s.changeAddr(typ, flags, body)
	case RTM_GETROUTE:
		if !dump {
			return nil, false, abi.EOPNOTSUPP
		}
		var ms [][]byte
		for _, r := range s.st.Routes() {
			if family != 0 && int(family) != r.Family {
				continue
			}
			ms = append(ms, routeMsg(r, RTM_NEWROUTE, NLM_F_MULTI, seq, port))
		}
		return pack(ms, seq, port), true, nil
	case RTM_NEWROUTE, RTM_DELROUTE:
		return nil, false, s.changeRoute(typ, flags, body)
	}
	return nil, false, abi.EOPNOTSUPP
}

// pack puts dump messages into datagrams of at most maxDumpDgram bytes,
// NLMSG_DONE (with error 0) appended to the last.
func pack(ms [][]byte, seq, port uint32) [][]byte {
	ms = append(ms, newMsg(NLMSG_DONE, NLM_F_MULTI, seq, port, make([]byte, 4)).done())
	var out [][]byte
	var cur []byte
	for _, m := range ms {
		if len(cur) > 0 && len(cur)+len(m) > maxDumpDgram {
			out = append(out, cur)
			cur = nil
		}
		cur = append(cur, m...)
	}
	return append(out, cur)
}

// findLink finds the interface an ifinfomsg names: by index, else by
// IFLA_IFNAME (ENODEV if neither matches, EINVAL for a short message).
func (s *Socket) findLink(body []byte) (net.Info, error) {
	if len(body) < sizeofIfinfomsg {
		return net.Info{}, abi.EINVAL
	}
	if idx := int32(binary.LittleEndian.Uint32(body[4:])); idx != 0 {
		in, ok := s.st.ByIndex(idx)
		if !ok {
			return net.Info{}, abi.ENODEV
		}
		return in, nil
	}
	if name, ok := attrs(body[sizeofIfinfomsg:])[IFLA_IFNAME]; ok {
		in, ok := s.st.ByName(cstr(name))
		if !ok {
			return net.Info{}, abi.ENODEV
		}
		return in, nil
	}
	return net.Info{}, abi.ENODEV
}

func cstr(b []byte) string {
	for k, c := range b {
		if c == 0 {
			return string(b[:k])
		}
	}
	return string(b)
}

// setLink applies an RTM_NEWLINK/SETLINK to an existing interface: the
// IFF_UP bit of ifi_flags under ifi_change (0 meaning all bits, as Linux
// keeps for old programs) and IFLA_MTU. Other attributes are EOPNOTSUPP.
func (s *Socket) setLink(in net.Info, body []byte) error {
	fl := binary.LittleEndian.Uint32(body[8:])
	change := binary.LittleEndian.Uint32(body[12:])
	as := attrs(body[sizeofIfinfomsg:])
	for t := range as {
		switch t {
		case IFLA_IFNAME, IFLA_MTU, IFLA_EXT_MASK:
		default:
			return abi.EOPNOTSUPP
		}
	}
	if v, ok := as[IFLA_MTU]; ok {
		if len(v) < 4 {
			return abi.EINVAL
		}
		if err := s.st.SetMTU(in.Index, binary.LittleEndian.Uint32(v)); err != nil {
			return abi.EINVAL
		}
	}
	if fl != 0 || change != 0 {
		if change == 0 {
			change = ^uint32(0)
		}
		if change&net.IFF_UP != 0 {
			return s.st.SetUp(in.Index, fl&net.IFF_UP != 0)
		}
	}
	return nil
}

// changeAddr applies RTM_NEWADDR or RTM_DELADDR.
func (s *Socket) changeAddr(typ, flags uint16, body []byte) error {
	if len(body) < sizeofIfaddrmsg {
		return abi.EINVAL
	}
	fam := int(body[0])
	plen := int(body[1])
	scope := int(body[3])
	idx := int32(binary.LittleEndian.Uint32(body[4:]))
	as := attrs(body[sizeofIfaddrmsg:])
	ip := as[IFA_LOCAL]
	if ip == nil {
		ip = as[IFA_ADDRESS]
	}
	want := 4
	if fam == net.AF_INET6 {
		want = 16
	} else if fam != net.AF_INET {
		return abi.EAFNOSUPPORT
	}
	if len(ip) != want || plen > want*8 {
		return abi.EINVAL
	}
	if _, ok := s.st.ByIndex(idx); !ok {
		return abi.ENODEV
	}
	a := net.Addr{Family: fam, IP: ip, PrefixLen: plen, Scope: scope, Flags: net.IFA_F_PERMANENT}
	if b := as[IFA_BROADCAST]; fam == net.AF_INET && len(b) == 4 {
		a.Broadcast = b
	}
	if typ == RTM_DELADDR {
		if err := s.st.DelAddr(idx, a); err != nil {
			return abi.EADDRNOTAVAIL
		}
		return nil
	}
	switch err := s.st.AddAddr(idx, a); err {
	case nil:
		return nil
	case net.ErrExists:
		if flags&NLM_F_REPLACE != 0 && flags&NLM_F_EXCL == 0 {
			return nil
		}
		return abi.EEXIST
	default:
		return abi.EINVAL
	}
}

// changeRoute applies RTM_NEWROUTE or RTM_DELROUTE to the main table:
// IPv4 unicast routes with RTA_DST, RTA_GATEWAY, RTA_OIF and
// RTA_PRIORITY. Other tables, types and attributes are EOPNOTSUPP (no
// policy routing), IPv6 routes too (not implemented).
func (s *Socket) changeRoute(typ, flags uint16, body []byte) error {
	if len(body) < sizeofRtmsg {
		return abi.EINVAL
	}
	fam, plen := int(body[0]), int(body[1])
	table, proto, scope, rtype := int(body[4]), int(body[5]), int(body[6]), int(body[7])
	as := attrs(body[sizeofRtmsg:])
	if v, ok := as[RTA_TABLE]; ok && len(v) >= 4 {
		table = int(binary.LittleEndian.Uint32(v))
	}
	if fam != net.AF_INET {
		if fam == net.AF_INET6 {
			return abi.EOPNOTSUPP
		}
		return abi.EAFNOSUPPORT
	}
	if plen > 32 {
		return abi.EINVAL
	}
	if table != net.RT_TABLE_MAIN && table != 0 || typ == RTM_NEWROUTE && rtype != net.RTN_UNICAST {
		return abi.EOPNOTSUPP
	}
	for t := range as {
		switch t {
		case RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_PRIORITY, RTA_TABLE:
		default:
			return abi.EOPNOTSUPP
		}
	}
	r := net.Route{Family: fam, PrefixLen: plen, Dst: make([]byte, 4), Protocol: proto, Scope: scope}
	if v, ok := as[RTA_DST]; ok {
		if len(v) != 4 {
			return abi.EINVAL
		}
		r.Dst = v
	}
	if v, ok := as[RTA_GATEWAY]; ok {
		if len(v) != 4 {
			return abi.EINVAL
		}
		r.Gateway = v
	}
	if v, ok := as[RTA_PRIORITY]; ok {
		if len(v) < 4 {
			return abi.EINVAL
		}
		r.Priority = int(binary.LittleEndian.Uint32(v))
	}
	if v, ok := as[RTA_OIF]; ok {
		if len(v) < 4 {
			return abi.EINVAL
		}
		r.OIF = int32(binary.LittleEndian.Uint32(v))
	}
	var err error
	if typ == RTM_DELROUTE {
		err = s.st.DelRoute(r)
	} else {
		err = s.st.AddRoute(r, flags&NLM_F_REPLACE != 0 && flags&NLM_F_EXCL == 0)
	}
	return routeErrno(err)
}

// routeErrno is the errno Linux gives for a route change's failure.
func routeErrno(err error) error {
	switch err {
	case nil:
		return nil
	case net.ErrExists:
		return abi.EEXIST
	case net.ErrNoRoute:
		return abi.ESRCH
	case net.ErrNoDevice:
		return abi.ENODEV
	case net.ErrNetDown:
		return abi.ENETDOWN
	case net.ErrUnreachable:
		return abi.ENETUNREACH
	case net.ErrUnsupported:
		return abi.EOPNOTSUPP
	}
	return abi.EINVAL
}

// linkMsg is rtnl_fill_ifinfo's message for an interface.
func linkMsg(in net.Info, typ, flags uint16, seq, port uint32) []byte {
	body := make([]byte, sizeofIfinfomsg)
	binary.LittleEndian.PutUint16(body[2:], in.Type)
	binary.LittleEndian.PutUint32(body[4:], uint32(in.Index))
	binary.LittleEndian.PutUint32(body[8:], in.Flags)
	m := newMsg(typ, flags, seq, port, body)
	m.str(IFLA_IFNAME, in.Name)
	m.u32(IFLA_TXQLEN, 1000)
	m.u8(IFLA_OPERSTATE, uint8(in.OperState))
	m.u8(IFLA_LINKMODE, 0)
	m.u32(IFLA_MTU, in.MTU)
	m.u32(IFLA_GROUP, 0)
	m.u32(IFLA_PROMISCUITY, 0)
	m.u32(IFLA_NUM_TX_QUEUES, 1)
	m.u32(IFLA_NUM_RX_QUEUES, 1)
	carrier := uint8(0)
	if in.Carrier {
		carrier = 1
	}
	m.u8(IFLA_CARRIER, carrier)
	qdisc := "noop"
	if in.QdiscAttached {
		qdisc = "noqueue"
		if in.Type != net.ARPHRD_LOOPBACK {
			qdisc = "pfifo_fast"
		}
	}
	m.str(IFLA_QDISC, qdisc)
	m.attr(IFLA_ADDRESS, in.HWAddr)
	bcast := make([]byte, len(in.HWAddr))
	if in.Type != net.ARPHRD_LOOPBACK {
		for k := range bcast {
			bcast[k] = 0xff
		}
	}
	m.attr(IFLA_BROADCAST, bcast)
	st := in.Stats
	s64 := make([]byte, 0, 8*24)
	for _, v := range []uint64{st.RxPackets, st.TxPackets, st.RxBytes, st.TxBytes, st.RxErrors, st.TxErrors, st.RxDropped, st.TxDropped} {
		s64 = binary.LittleEndian.AppendUint64(s64, v)
	}
	s64 = append(s64, make([]byte, 8*24-len(s64))...)
	m.attr(IFLA_STATS64, s64)
	s32 := make([]byte, 0, 4*24)
	for _, v := range []uint64{st.RxPackets, st.TxPackets, st.RxBytes, st.TxBytes, st.RxErrors, st.TxErrors, st.RxDropped, st.TxDropped} {
		s32 = binary.LittleEndian.AppendUint32(s32, uint32(v))
	}
	s32 = append(s32, make([]byte, 4*24-len(s32))...)
	m.attr(IFLA_STATS, s32)
	return m.done()
}

// addrMsg is inet_fill_ifaddr's (inet6_fill_ifaddr's) message.
func addrMsg(in net.Info, a net.Addr, typ, flags uint16, seq, port uint32) []byte {
	body := []byte{byte(a.Family), byte(a.PrefixLen), byte(a.Flags), byte(a.Scope), 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(body[4:], uint32(in.Index))
	m := newMsg(typ, flags, seq, port, body)
	m.attr(IFA_ADDRESS, a.IP)
	if a.Family == net.AF_INET {
		m.attr(IFA_LOCAL, a.IP)
		if a.Broadcast != nil {
			m.attr(IFA_BROADCAST, a.Broadcast)
		}
		m.str(IFA_LABEL, in.Name)
	}
	// ifa_cacheinfo: preferred and valid lifetimes forever, timestamps 0.
	ci := make([]byte, 16)
	binary.LittleEndian.PutUint32(ci, 0xffffffff)
	binary.LittleEndian.PutUint32(ci[4:], 0xffffffff)
	m.attr(IFA_CACHEINFO, ci)
	m.u32(IFA_FLAGS, uint32(a.Flags))
	return m.done()
}

// routeMsg is fib_dump_info's (rt6_fill_node's) message.
func routeMsg(r net.Route, typ, flags uint16, seq, port uint32) []byte {
	table := r.Table
	body := []byte{byte(r.Family), byte(r.PrefixLen), 0, 0, byte(table), byte(r.Protocol), byte(r.Scope), byte(r.Type), 0, 0, 0, 0}
	m := newMsg(typ, flags, seq, port, body)
	m.u32(RTA_TABLE, uint32(table))
	if r.PrefixLen > 0 || r.Family == net.AF_INET6 {
		m.attr(RTA_DST, r.Dst)
	}
	if r.Family == net.AF_INET6 {
		m.u32(RTA_PRIORITY, uint32(r.Priority))
	}
	if r.Family == net.AF_INET && r.Priority != 0 {
		m.u32(RTA_PRIORITY, uint32(r.Priority))
	}
	if r.Src != nil {
		m.attr(RTA_PREFSRC, r.Src)
	}
	if r.Gateway != nil {
		m.attr(RTA_GATEWAY, r.Gateway)
	}
	m.u32(RTA_OIF, uint32(r.OIF))
	if r.Family == net.AF_INET6 {
		m.u8(RTA_PREF, 0)
	}
	return m.done()
}

// Attach makes st's changes reach the sockets that joined rtnetlink's
// groups: RTM_NEWLINK to RTNLGRP_LINK, RTM_NEWADDR and RTM_DELADDR to
// RTNLGRP_IPV4_IFADDR or RTNLGRP_IPV6_IFADDR.
func Attach(st *net.Stack) {
	st.Watch(func(c net.Change, ifc *net.Interface, a *net.Addr) {
		in, ok := st.ByIndex(ifc.Index)
		if !ok {
			return
		}
		var msg []byte
		group := uint32(RTNLGRP_LINK)
		switch c {
		case net.LinkChanged:
			msg = linkMsg(in, RTM_NEWLINK, 0, 0, 0)
		case net.AddrAdded, net.AddrRemoved:
			typ := uint16(RTM_NEWADDR)
			if c == net.AddrRemoved {
				typ = RTM_DELADDR
			}
			msg = addrMsg(in, *a, typ, 0, 0, 0)
			group = RTNLGRP_IPV4_IFADDR
			if a.Family == net.AF_INET6 {
				group = RTNLGRP_IPV6_IFADDR
			}
		}
		reg.mu.Lock()
		multicastLocked(NETLINK_ROUTE, group, msg, nil)
		reg.mu.Unlock()
	})
}
