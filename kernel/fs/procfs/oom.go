package procfs

import (
	"strconv"
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/klog"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// /proc/<pid>/oom_score_adj, oom_adj and oom_score, as fs/proc/base.c
// implements them: the setting belongs to the process (kernel/task keeps
// it, inherited by fork and kept by exec), writes are parsed by kstrtoint
// with base 0 after at most 12 bytes, and the files are owned by the
// process's effective user so that it may write its own.

// procNumBuf is Linux's PROC_NUMBUF: a write is cut to one less byte.
const procNumBuf = 13

// oomEntries returns the three files of process pid.
func (fs *FS) oomEntries(pid int32) []entry {
	group := func() (*task.ThreadGroup, error) {
		if g := fs.o.Kernel.Group(pid); g != nil && !g.Zombie() {
			return g, nil
		}
		return nil, abi.ESRCH
	}
	privileged := func(c *vfs.Caller) bool { return c.Capable(abi.CAP_SYS_RESOURCE) }
	write := func(set func(g *task.ThreadGroup, v int, priv bool) error) func(*vfs.Caller, []byte) (int, error) {
		return func(c *vfs.Caller, data []byte) (int, error) {
			if len(data) > procNumBuf-1 {
				data = data[:procNumBuf-1]
			}
			v, err := kstrtoint(string(data))
			if err != nil {
				return 0, err
			}
			g, err := group()
			if err != nil {
				return 0, err
			}
			if err := set(g, v, privileged(c)); err != nil {
				return 0, err
			}
			return len(data), nil
		}
	}
	read := func(f func(g *task.ThreadGroup) string) func(*vfs.Caller) ([]byte, error) {
		return func(*vfs.Caller) ([]byte, error) {
			g, err := group()
			if err != nil {
				return nil, err
			}
			return []byte(f(g)), nil
		}
	}
	return []entry{
		fileEntry("oom_score_adj", fs.ownedFile(pid, 0o644,
			read(func(g *task.ThreadGroup) string { return strconv.Itoa(g.OOMScoreAdj()) + "\n" }),
			write(func(g *task.ThreadGroup, v int, priv bool) error { return g.SetOOMScoreAdj(v, priv) }))),
		fileEntry("oom_adj", fs.ownedFile(pid, 0o644,
			read(func(g *task.ThreadGroup) string { return strconv.Itoa(g.OOMAdj()) + "\n" }),
			write(func(g *task.ThreadGroup, v int, priv bool) error {
				fs.oomAdjWarn.Do(func() {
					fs.o.Kernel.Log(klog.Warning, "%s (%d): /proc/%d/oom_adj is deprecated, please use /proc/%d/oom_score_adj instead.",
						g.Comm(), g.ID, g.ID, g.ID)
				})
				return g.SetOOMAdj(v, priv)
			}))),
		fileEntry("oom_score", fs.ownedFile(pid, 0o444,
			read(func(g *task.ThreadGroup) string {
				return strconv.FormatUint(fs.o.Kernel.OOMScore(g), 10) + "\n"
			}), nil)),
	}
}

// ownedFile is a generated file owned by process pid's effective user and
// group, as every /proc/<pid> file is on Linux. write returns how many
// bytes it consumed.
func (fs *FS) ownedFile(pid int32, mode uint32, gen func(*vfs.Caller) ([]byte, error),
	write func(*vfs.Caller, []byte) (int, error)) func(string, *vfs.Inode) *vfs.Inode {
	return func(path string, _ *vfs.Inode) *vfs.Inode {
		a := fs.attr(abi.S_IFREG | mode)
		if g := fs.o.Kernel.Group(pid); g != nil {
			cr := g.Creds()
			a.UID, a.GID = cr.EUID, cr.EGID
		}
		return vfs.NewInode(fs, ino(path), a, &fileNode{gen: gen, writeN: write, path: path})
	}
}

// kstrtoint parses s as Linux's kstrtoint(strstrip(s), 0, &v) does:
// surrounding white space is dropped, one sign, then a decimal, octal
// (leading 0) or hexadecimal (0x) number and at most one newline; EINVAL
// for anything else, ERANGE when the value does not fit in an int32.
func kstrtoint(s string) (int, error) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i] // the kernel parses a NUL-terminated copy
	}
	s = strings.Trim(s, " \t\n\v\f\r")
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	base := 10
	if strings.HasPrefix(s, "0") {
		base = 8
		if len(s) > 2 && (s[1] == 'x' || s[1] == 'X') && isHex(s[2]) {
			base, s = 16, s[2:]
		}
	}
	// At most 12 bytes arrive (procNumBuf), so v cannot overflow.
	var v uint64
	n := 0
	for ; n < len(s) && digit(s[n]) < base; n++ {
		v = v*uint64(base) + uint64(digit(s[n]))
	}
	if n == 0 || s[n:] != "" && s[n:] != "\n" {
		return 0, abi.EINVAL
	}
	if neg {
		if v > 1<<31 {
			return 0, abi.ERANGE
		}
		return -int(v), nil
	}
	if v > 1<<31-1 {
		return 0, abi.ERANGE
	}
	return int(v), nil
}

func isHex(c byte) bool { return digit(c) < 16 }

func digit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return 99
}
