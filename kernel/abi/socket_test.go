package abi

import "testing"

// Values and layouts printed on Linux 6.18 x86_64 with glibc by a C
// program using sizeof/offsetof on <sys/socket.h> and <sys/un.h>:
// struct msghdr 56 bytes with msg_name 0, msg_namelen 8, msg_iov 16,
// msg_iovlen 24, msg_control 32, msg_controllen 40, msg_flags 48;
// struct cmsghdr 16; struct ucred 12; struct sockaddr_un 110, sun_path 2.
func TestSocketValues(t *testing.T) {
	for _, v := range []struct {
		name      string
		got, want int
	}{
		{"SizeofMsghdr", SizeofMsghdr, 56}, {"SizeofCmsghdr", SizeofCmsghdr, 16},
		{"SizeofUcred", SizeofUcred, 12}, {"SizeofSockaddrUn", SizeofSockaddrUn, 110},
		{"SizeofSaFamily+UnixPathMax", SizeofSaFamily + UnixPathMax, 110},
		{"CMSG_LEN(4)", CmsgLen(4), 20}, {"CMSG_SPACE(4)", CmsgSpace(4), 24},
		{"CMSG_SPACE(12)", CmsgSpace(12), 32}, {"CMSG_SPACE(0)", CmsgSpace(0), 16},
		{"SOL_SOCKET", SOL_SOCKET, 1}, {"SO_PASSCRED", SO_PASSCRED, 16}, {"SO_PEERCRED", SO_PEERCRED, 17},
		{"SO_RCVTIMEO", SO_RCVTIMEO, 20}, {"SO_SNDTIMEO", SO_SNDTIMEO, 21}, {"SO_ACCEPTCONN", SO_ACCEPTCONN, 30},
		{"SO_DOMAIN", SO_DOMAIN, 39}, {"SO_PROTOCOL", SO_PROTOCOL, 38}, {"SO_TYPE", SO_TYPE, 3},
		{"SO_ERROR", SO_ERROR, 4}, {"SO_SNDBUF", SO_SNDBUF, 7}, {"SO_RCVBUF", SO_RCVBUF, 8},
		{"SO_REUSEADDR", SO_REUSEADDR, 2}, {"SO_PASSSEC", SO_PASSSEC, 34}, {"SO_PEERSEC", SO_PEERSEC, 31},
		{"SO_SNDBUFFORCE", SO_SNDBUFFORCE, 32}, {"SO_RCVBUFFORCE", SO_RCVBUFFORCE, 33},
		{"SO_PEEK_OFF", SO_PEEK_OFF, 42}, {"SO_KEEPALIVE", SO_KEEPALIVE, 9}, {"SO_BROADCAST", SO_BROADCAST, 6},
		{"SO_LINGER", SO_LINGER, 13}, {"SO_PEERGROUPS", SO_PEERGROUPS, 59},
		{"MSG_OOB", MSG_OOB, 1}, {"MSG_PEEK", MSG_PEEK, 2}, {"MSG_DONTROUTE", MSG_DONTROUTE, 4},
		{"MSG_CTRUNC", MSG_CTRUNC, 8}, {"MSG_TRUNC", MSG_TRUNC, 0x20}, {"MSG_DONTWAIT", MSG_DONTWAIT, 0x40},
		{"MSG_EOR", MSG_EOR, 0x80}, {"MSG_WAITALL", MSG_WAITALL, 0x100}, {"MSG_NOSIGNAL", MSG_NOSIGNAL, 0x4000},
		{"MSG_CMSG_CLOEXEC", MSG_CMSG_CLOEXEC, 0x40000000}, {"MSG_ERRQUEUE", MSG_ERRQUEUE, 0x2000},
		{"MSG_MORE", MSG_MORE, 0x8000}, {"MSG_WAITFORONE", MSG_WAITFORONE, 0x10000}, {"MSG_CONFIRM", MSG_CONFIRM, 0x800},
		{"SCM_RIGHTS", SCM_RIGHTS, 1}, {"SCM_CREDENTIALS", SCM_CREDENTIALS, 2},
		{"SOCK_NONBLOCK", SOCK_NONBLOCK, 0x800}, {"SOCK_CLOEXEC", SOCK_CLOEXEC, 0x80000},
		{"SIOCINQ", SIOCINQ, 0x541b}, {"SIOCOUTQ", SIOCOUTQ, 0x5411}, {"AF_NETLINK", AF_NETLINK, 16},
		{"AF_INET6", AF_INET6, 10}, {"SOMAXCONN", SOMAXCONN, 4096}, {"SOCK_RAW", SOCK_RAW, 3},
		{"SOCK_RDM", SOCK_RDM, 4}, {"SOCK_PACKET", SOCK_PACKET, 10}, {"SOCK_SEQPACKET", SOCK_SEQPACKET, 5},
	} {
		if v.got != v.want {
			t.Errorf("%s = %#x, Linux has %#x", v.name, v.got, v.want)
		}
	}
}

func TestMsghdrLayout(t *testing.T) {
	m := Msghdr{Name: 1, NameLen: 2, Iov: 3, IovLen: 4, Control: 5, ControlLen: 6, Flags: 7}
	b := make([]byte, SizeofMsghdr)
	m.MarshalTo(b)
	for _, f := range []struct {
		off, size int
		want      uint64
	}{{0, 8, 1}, {8, 4, 2}, {16, 8, 3}, {24, 8, 4}, {32, 8, 5}, {40, 8, 6}, {48, 4, 7}} {
		var got uint64
		for i := f.size - 1; i >= 0; i-- {
			got = got<<8 | uint64(b[f.off+i])
		}
		if got != f.want {
			t.Errorf("msghdr field at %d = %d, want %d", f.off, got, f.want)
		}
	}
	if MsghdrNameLenOffset != 8 || MsghdrControlLenOffset != 40 || MsghdrFlagsOffset != 48 {
		t.Error("msghdr write-back offsets")
	}
	var back Msghdr
	back.Unmarshal(b)
	if back != m {
		t.Errorf("round trip %+v", back)
	}
	c := Cmsghdr{Len: 20, Level: SOL_SOCKET, Type: SCM_RIGHTS}
	cb := make([]byte, SizeofCmsghdr)
	c.MarshalTo(cb)
	if cb[0] != 20 || cb[8] != 1 || cb[12] != 1 {
		t.Errorf("cmsghdr bytes % x", cb)
	}
	var cc Cmsghdr
	cc.Unmarshal(cb)
	if cc != c {
		t.Errorf("cmsghdr round trip %+v", cc)
	}
	u := Ucred{PID: 5, UID: 6, GID: 7}
	ub := make([]byte, SizeofUcred)
	u.MarshalTo(ub)
	if ub[0] != 5 || ub[4] != 6 || ub[8] != 7 {
		t.Errorf("ucred bytes % x", ub)
	}
	var uu Ucred
	uu.Unmarshal(ub)
	if uu != u {
		t.Errorf("ucred round trip %+v", uu)
	}
}
