package unix

import (
	"strconv"

	"aramid/kernel/abi"
)

// Addr is an AF_UNIX address: unnamed (the zero value), a filesystem path,
// or an abstract name (sun_path starting with a NUL byte; Name holds the
// bytes after it, which may include further NULs).
type Addr struct {
	Name     string
	Abstract bool
}

// Unnamed reports whether a is the unnamed address.
func (a Addr) Unnamed() bool { return !a.Abstract && a.Name == "" }

func (a Addr) String() string {
	switch {
	case a.Abstract:
		return "@" + strconv.Quote(a.Name)
	case a.Name == "":
		return "(unnamed)"
	}
	return a.Name
}

// ParseAddr decodes a struct sockaddr_un of addrlen len(b). A family
// other than AF_UNIX, a length below sizeof(sa_family_t) or above
// sizeof(struct sockaddr_un) is abi.EINVAL. A path ends at its first NUL;
// an abstract name takes every byte up to addrlen. Exactly the family
// (len(b) == 2) is the unnamed address, which bind(2) turns into an
// autobind.
func ParseAddr(b []byte) (Addr, error) {
	if len(b) < abi.SizeofSaFamily || len(b) > abi.SizeofSockaddrUn {
		return Addr{}, abi.EINVAL
	}
	if Family(b) != abi.AF_UNIX {
		return Addr{}, abi.EINVAL
	}
	p := b[abi.SizeofSaFamily:]
	if len(p) == 0 {
		return Addr{}, nil
	}
	if p[0] == 0 {
		return Addr{Name: string(p[1:]), Abstract: true}, nil
	}
	for i, c := range p {
		if c == 0 {
			p = p[:i]
			break
		}
	}
	return Addr{Name: string(p)}, nil
}

// Family returns sa_family of a socket address (0 if b is too short).
func Family(b []byte) uint16 {
	if len(b) < 2 {
		return 0
	}
	return uint16(b[0]) | uint16(b[1])<<8
}

// Marshal encodes a as Linux reports it from getsockname, getpeername and
// recvfrom: the family alone for the unnamed address, family+path+NUL
// for a path, family+NUL+name for an abstract name.
func (a Addr) Marshal() []byte {
	b := []byte{abi.AF_UNIX, 0}
	switch {
	case a.Abstract:
		b = append(append(b, 0), a.Name...)
	case a.Name != "":
		b = append(append(b, a.Name...), 0)
	}
	return b
}
