package abi

// UtsLen is the length of each struct new_utsname field, NUL included.
const UtsLen = 65

// SizeofUtsname is sizeof(struct new_utsname).
const SizeofUtsname = 6 * UtsLen

// Utsname is struct new_utsname (linux/utsname.h) as uname(2) returns it.
// Fields longer than UtsLen-1 bytes are truncated when encoded.
type Utsname struct {
	Sysname    string
	Nodename   string
	Release    string
	Version    string
	Machine    string
	Domainname string
}

// Marshal returns the SizeofUtsname-byte encoding of u, each field
// NUL-terminated and NUL-padded.
func (u *Utsname) Marshal() []byte {
	b := make([]byte, SizeofUtsname)
	for i, f := range []string{u.Sysname, u.Nodename, u.Release, u.Version, u.Machine, u.Domainname} {
		if len(f) > UtsLen-1 {
			f = f[:UtsLen-1]
		}
		copy(b[i*UtsLen:], f)
	}
	return b
}
