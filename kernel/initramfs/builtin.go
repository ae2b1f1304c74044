package initramfs

import (
	"fmt"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// builtinEntries is Linux's default built-in initramfs (usr/default_cpio_list,
// what a kernel built without CONFIG_INITRAMFS_SOURCE carries):
//
//	dir /dev 0755 0 0
//	nod /dev/console 0600 0 0 c 5 1
//	dir /root 0700 0 0
//
// Linux unpacks it before the boot loader's initramfs, so an image without
// /dev/console still gives PID 1 its console as stdin, stdout and stderr.
var builtinEntries = []struct {
	name       string
	mode       uint32
	major, min uint32
}{
	{"dev", abi.S_IFDIR | 0o755, 0, 0},
	{"dev/console", abi.S_IFCHR | 0o600, 5, 1},
	{"root", abi.S_IFDIR | 0o700, 0, 0},
}

// Builtin returns the built-in initramfs as a newc archive.
func Builtin() []byte {
	var b []byte
	rec := func(ino uint32, name string, mode, nlink, rmaj, rmin uint32) {
		b = fmt.Appendf(b, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			ino, mode, 0, 0, nlink, 0, 0, 0, 0, rmaj, rmin, len(name)+1, 0)
		b = append(append(b, name...), 0)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	for i, e := range builtinEntries {
		nlink := uint32(1)
		if e.mode&abi.S_IFMT == abi.S_IFDIR {
			nlink = 2
		}
		rec(uint32(i+1), e.name, e.mode, nlink, e.major, e.min)
	}
	rec(0, "TRAILER!!!", 0, 1, 0, 0)
	return b
}

// UnpackBuiltin unpacks Builtin into dest, as Linux does before it
// unpacks the boot loader's image over it.
func UnpackBuiltin(v *vfs.VFS, fsc *vfs.FSContext, dest string) error {
	return Unpack(v, fsc, dest, Builtin())
}
