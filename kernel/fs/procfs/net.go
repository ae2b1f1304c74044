package procfs

import (
	"fmt"
	"strings"

	"aramid/kernel/socket/unix"
	"aramid/kernel/vfs"
)

// netEntries lists /proc/<pid>/net (what /proc/net links to): unix, the
// AF_UNIX sockets. Other protocol families are not implemented.
func (fs *FS) netEntries(string) []entry {
	return append([]entry{fileEntry("unix", fs.polled(pollDefault, fs.file(0o444, func(*vfs.Caller) ([]byte, error) {
		var socks []unix.Info
		if fs.o.UnixSockets != nil {
			socks = fs.o.UnixSockets()
		}
		return []byte(netUnix(socks)), nil
	}, nil)))}, fs.inetEntries()...)
}

// Socket states of struct socket (SS_*), as /proc/net/unix prints them.
const (
	ssUnconnected   = 1
	ssConnecting    = 2
	ssConnected     = 3
	ssDisconnecting = 4
	soAcceptcon     = 1 << 16 // __SO_ACCEPTCON: a listening socket
)

// netUnix formats /proc/net/unix as Linux's unix_seq_show does. The Num
// column is the kernel address of the socket, which Linux hides as zeros
// from readers kptr_restrict does not trust; Aramid has no such address
// and always prints zeros.
func netUnix(socks []unix.Info) string {
	var b strings.Builder
	b.WriteString("Num       RefCount Protocol Flags    Type St Inode Path\n")
	for _, s := range socks {
		flags := 0
		if s.Listening {
			flags = soAcceptcon
		}
		var st int
		switch {
		case s.HasFile && s.Connected:
			st = ssConnected
		case s.HasFile:
			st = ssUnconnected
		case s.Connected:
			st = ssConnecting
		default:
			st = ssDisconnecting
		}
		fmt.Fprintf(&b, "%016x: %08X %08X %08X %04X %02X %5d", 0, s.Refs, 0, flags, s.Type, st, s.Ino)
		if !s.Addr.Unnamed() {
			b.WriteByte(' ')
			name := s.Addr.Name
			if s.Addr.Abstract {
				b.WriteByte('@')
			}
			b.WriteString(strings.ReplaceAll(name, "\x00", "@"))
		}
		b.WriteByte('\n')
	}
	return b.String()
}
