package recipe

import (
	"fmt"
	"path"
	"strings"

	"aramid/imagebuild/cpio"
	"aramid/imagebuild/disk/ext4"
)

// Limits a recipe's values are checked against. Each is the smallest of what
// an output format holds and what Linux accepts when it reads that output:
// the initramfs is unpacked by Linux's init/initramfs.c, the disk's root is
// ext4 and its GRUB menu carries the command line.
const (
	// MaxPathLen is the longest image path in bytes, leading slash
	// included: the cpio name (the path without its slash, plus a NUL) must
	// fit cpio.MaxNameSize, which is also Linux's PATH_MAX.
	MaxPathLen = cpio.MaxNameSize
	// MaxComponentLen is the longest name of one path component: ext4's
	// directory entries and Linux's NAME_MAX.
	MaxComponentLen = ext4.MaxNameLen
	// MaxSymlinkLen is the longest symlink target: ext4 with 4 KiB blocks,
	// and Linux's symlink(2) (the target and its NUL within PATH_MAX).
	MaxSymlinkLen = ext4.MaxSymlinkLen
	// MaxDevMajor and MaxDevMinor are Linux's device number ranges (dev_t
	// holds a 12-bit major and a 20-bit minor; the initramfs unpacker's
	// MKDEV and ext4's inode encoding keep no more).
	MaxDevMajor = ext4.MaxDevMajor
	MaxDevMinor = ext4.MaxDevMinor
	// MaxID is the largest user or group id: ids are 32 bits and
	// 4294967295, (uid_t)-1, means "leave unchanged" to chown(2), which
	// is how the initramfs unpacker sets owners.
	MaxID = 1<<32 - 2
	// MaxCmdline is the longest kernel command line in bytes: x86-64's
	// COMMAND_LINE_SIZE (2048) with its NUL.
	MaxCmdline = 2047
	// maxNameLen bounds a recipe's name (it titles GRUB menu entries).
	maxNameLen = 64
)

// grubSpecial are the characters grub.cfg's shell-like lexer interprets
// (variables, quoting, escapes, command separators, blocks, comments); the
// command line is written into the menu entries unquoted.
const grubSpecial = "$;|&<>{}'\"\\#`"

// validName reports whether n is a usable recipe name: a file name, and a
// word GRUB's menu titles can carry between single quotes.
func validName(n string) bool {
	if n == "" || len(n) > maxNameLen {
		return false
	}
	for i, c := range n {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

type badFunc func(key, format string, a ...any)

// pathLimits checks an absolute, clean image path against the length limits
// of every output and against NUL, which no output can store.
func pathLimits(bad badFunc, key, p string) {
	if strings.IndexByte(p, 0) >= 0 {
		bad(key, "%q contains a NUL byte", p)
		return
	}
	if len(p) > MaxPathLen {
		bad(key, "path of %d bytes: an initramfs (cpio) name holds at most %d (PATH_MAX with its NUL)", len(p), MaxPathLen-1)
		return
	}
	for _, c := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if len(c) > MaxComponentLen {
			bad(key, "name %.16q... of %d bytes: ext4 and Linux (NAME_MAX) allow %d", c, len(c), MaxComponentLen)
			return
		}
	}
}

// hostPath checks a path the build reads from the host: absolute, or
// relative to the recipe's folder (Recipe.Dir) without leaving it.
func hostPath(bad badFunc, key, p string) {
	switch {
	case p == "":
		bad(key, "empty path")
	case strings.IndexByte(p, 0) >= 0:
		bad(key, "%q contains a NUL byte", p)
	case path.Clean(p) != p:
		bad(key, "%q is not clean (want %q)", p, path.Clean(p))
	case !path.IsAbs(p) && (p == ".." || strings.HasPrefix(p, "../")):
		bad(key, "%q escapes the recipe's folder (give an absolute path to read from elsewhere)", p)
	}
}

// checkLimits checks every value that an output format, or Linux reading it,
// bounds. outputs are the outputs the build writes.
func (r *Recipe) checkLimits(bad badFunc, outputs []string) {
	disk := contains(outputs, "disk")
	if strings.ContainsAny(r.Description, "\n\r") {
		bad("description", "must be one line (mkimage list prints it)")
	}
	if len(r.Cmdline) > MaxCmdline {
		bad("cmdline", "%d bytes: Linux's x86-64 command line holds at most %d", len(r.Cmdline), MaxCmdline)
	}
	for _, c := range r.Cmdline {
		if c < 0x20 || c == 0x7f {
			bad("cmdline", "control character %q: a kernel command line is one line of text", c)
			break
		}
		if disk && strings.ContainsRune(grubSpecial, c) {
			bad("cmdline", "%q: the disk's grub.cfg would interpret it (GRUB expands $, quotes and ;); the disk output cannot carry it", c)
			break
		}
	}
	if s := r.Systemd; s != nil && s.Source != "" {
		hostPath(bad, "systemd.source", s.Source)
	}
	if c := r.Checks; c != nil {
		for k, v := range map[string]string{"welcome": c.Welcome, "target": c.Target, "console_shell": c.ConsoleShell, "success": c.Success} {
			if strings.ContainsAny(v, "\n\r") {
				bad("checks."+k, "must be one line (it is matched against one serial-log line)")
			}
		}
	}
	for i, c := range r.Compile {
		if c.Output == "/" {
			bad(fmt.Sprintf("compile[%d].output", i), "the image root cannot be a file")
		}
	}
	for i, f := range r.Files {
		key := fmt.Sprintf("files[%d]", i)
		if f.Path == "/" {
			bad(key+".path", "the image root is always a directory made by the build; it cannot be declared")
		}
		if f.UID > MaxID {
			bad(key+".uid", "%d is (uid_t)-1, which chown(2) reads as \"leave unchanged\"; at most %d", f.UID, uint32(MaxID))
		}
		if f.GID > MaxID {
			bad(key+".gid", "%d is (gid_t)-1, which chown(2) reads as \"leave unchanged\"; at most %d", f.GID, uint32(MaxID))
		}
		if d := f.Device; d != nil {
			if d.Major > MaxDevMajor {
				bad(key+".device.major", "%d does not fit: Linux device majors are 12 bits (at most %d)", d.Major, MaxDevMajor)
			}
			if d.Minor > MaxDevMinor {
				bad(key+".device.minor", "%d does not fit: Linux device minors are 20 bits (at most %d)", d.Minor, MaxDevMinor)
			}
		}
		if f.Symlink != "" {
			if len(f.Symlink) > MaxSymlinkLen {
				bad(key+".symlink", "target of %d bytes: ext4 and Linux's symlink(2) allow %d", len(f.Symlink), MaxSymlinkLen)
			}
			if f.Mode != nil {
				bad(key+".mode", "a symlink's mode is always 0777 on Linux; remove mode")
			}
		}
		if f.Hardlink != "" {
			if f.Mode != nil {
				bad(key+".mode", "a hard link shares its target's mode; set it on %s", f.Hardlink)
			}
			if f.UID != 0 || f.GID != 0 {
				k := key + ".uid"
				if f.UID == 0 {
					k = key + ".gid"
				}
				bad(k, "a hard link shares its target's owner; set uid and gid on %s", f.Hardlink)
			}
		}
	}
}
