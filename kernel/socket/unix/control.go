package unix

import (
	"encoding/binary"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Control is what sendmsg's control buffer asks for.
type Control struct {
	// Rights are the files of SCM_RIGHTS, each with a reference that
	// Release drops.
	Rights []*vfs.File
	// Cred is the SCM_CREDENTIALS the sender claims, or nil.
	Cred *abi.Ucred
}

// Release drops the references Rights hold.
func (c *Control) Release() {
	for _, f := range c.Rights {
		f.DecRef()
	}
	c.Rights = nil
}

// ParseControl decodes a sendmsg control buffer the way Linux's
// __scm_send does: a header that does not fit, or a cmsg_len below the
// header or beyond the buffer, is abi.EINVAL; levels other than
// SOL_SOCKET are skipped; SCM_RIGHTS descriptors are looked up in ft
// (abi.EBADF), at most SCM_MAX_FD in all (abi.EINVAL); SCM_CREDENTIALS
// must be exactly one struct ucred (the socket checks it against the
// sender); any other type is abi.EINVAL. A buffer shorter than one header
// carries nothing.
func ParseControl(b []byte, ft *vfs.FDTable) (Control, error) {
	var c Control
	for len(b) >= abi.SizeofCmsghdr {
		var h abi.Cmsghdr
		h.Unmarshal(b)
		if h.Len < abi.SizeofCmsghdr || h.Len > uint64(len(b)) {
			c.Release()
			return Control{}, abi.EINVAL
		}
		data := b[abi.CmsgLen(0):h.Len]
		if h.Level == abi.SOL_SOCKET {
			switch h.Type {
			case abi.SCM_RIGHTS:
				n := len(data) / 4
				if len(c.Rights)+n > abi.SCM_MAX_FD {
					c.Release()
					return Control{}, abi.EINVAL
				}
				for i := 0; i < n; i++ {
					f, err := ft.Get(int32(binary.LittleEndian.Uint32(data[4*i:])))
					if err != nil {
						c.Release()
						return Control{}, err
					}
					c.Rights = append(c.Rights, f)
				}
			case abi.SCM_CREDENTIALS:
				if h.Len != uint64(abi.CmsgLen(abi.SizeofUcred)) {
					c.Release()
					return Control{}, abi.EINVAL
				}
				u := new(abi.Ucred)
				u.Unmarshal(data)
				c.Cred = u
			default:
				c.Release()
				return Control{}, abi.EINVAL
			}
		}
		next := abi.CmsgAlign(int(h.Len))
		if next >= len(b) {
			break
		}
		b = b[next:]
	}
	return c, nil
}

// BuildControl turns what recvmsg received into the control buffer for a
// receiver with room bytes of msg_control, as Linux's scm_recv does:
// credentials first, then SCM_RIGHTS. Files are installed in ft (with
// close-on-exec if cloexec) as far as room and the descriptor limit
// allow; the rest are closed and MSG_CTRUNC is reported. It takes over
// r.Files' references and returns the bytes to copy out (their length is
// the new msg_controllen) and the msg_flags bits to add.
func BuildControl(r *RecvResult, ft *vfs.FDTable, room int, cloexec bool) ([]byte, int) {
	var out []byte
	flags := 0
	put := func(typ int32, data []byte) bool {
		left := room - len(out)
		if left < abi.SizeofCmsghdr {
			flags |= abi.MSG_CTRUNC
			return false
		}
		full := abi.CmsgLen(len(data))
		h := abi.Cmsghdr{Len: uint64(full), Level: abi.SOL_SOCKET, Type: typ}
		msg := make([]byte, abi.CmsgSpace(len(data)))
		h.MarshalTo(msg)
		copy(msg[abi.CmsgLen(0):], data)
		if left < full {
			flags |= abi.MSG_CTRUNC
			out = append(out, msg[:left]...)
			return false
		}
		out = append(out, msg[:min(len(msg), left)]...)
		return true
	}
	if r.Timestamp {
		tv := abi.Timeval{Sec: r.Time.Unix(), Usec: int64(r.Time.Nanosecond() / 1000)}
		b := make([]byte, abi.SizeofTimeval)
		tv.MarshalTo(b)
		put(abi.SCM_TIMESTAMP, b)
	}
	if r.Cred != nil {
		b := make([]byte, abi.SizeofUcred)
		r.Cred.MarshalTo(b)
		put(abi.SCM_CREDENTIALS, b)
	}
	files := r.Files
	r.Files = nil
	if len(files) > 0 {
		left := room - len(out)
		fit := 0
		if left > abi.CmsgLen(0) {
			fit = min((left-abi.CmsgLen(0))/4, len(files))
		}
		var fds []byte
		i := 0
		for ; i < fit; i++ {
			fd, err := ft.Install(files[i], cloexec, 0)
			if err != nil {
				i++ // Install dropped the reference
				break
			}
			fds = binary.LittleEndian.AppendUint32(fds, uint32(fd))
		}
		if len(fds) > 0 {
			put(abi.SCM_RIGHTS, fds)
		}
		if len(fds)/4 < len(files) {
			flags |= abi.MSG_CTRUNC
		}
		for ; i < len(files); i++ {
			files[i].DecRef()
		}
	}
	return out, flags
}
