package main

import (
	"bytes"
	"fmt"
	"path"
	"strconv"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// unpackInitramfs extracts an uncompressed newc archive into the VFS root.
// (Interim: kernel/initramfs, with compression and hard links, replaces it.)
func unpackInitramfs(v *vfs.VFS, data []byte) (int, error) {
	c := &vfs.Caller{}
	fsc := vfs.NewFSContext(v.Root())
	n := 0
	for off := 0; off+110 <= len(data); {
		if data[off] == 0 {
			off++
			continue
		}
		h := data[off : off+110]
		if !bytes.HasPrefix(h, []byte("070701")) && !bytes.HasPrefix(h, []byte("070702")) {
			return n, fmt.Errorf("bad cpio magic at %d (compressed archives need kernel/initramfs)", off)
		}
		field := func(i int) uint64 {
			x, _ := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 64)
			return x
		}
		mode, size, nameLen := uint32(field(1)), int(field(6)), int(field(11))
		rdev := abi.MakeDev(uint32(field(9)), uint32(field(10)))
		nameStart := off + 110
		name := string(bytes.TrimRight(data[nameStart:nameStart+nameLen], "\x00"))
		dataStart := (nameStart + nameLen + 3) &^ 3
		body := data[dataStart : dataStart+size]
		off = (dataStart + size + 3) &^ 3
		if name == "TRAILER!!!" {
			break
		}
		p := "/" + path.Clean(name)
		if p == "/." || p == "/" {
			continue
		}
		var err error
		switch mode & abi.S_IFMT {
		case abi.S_IFDIR:
			err = v.MkdirAt(c, fsc, nil, p, mode&0o7777)
			if err == abi.EEXIST {
				err = nil
			}
		case abi.S_IFREG:
			var f *vfs.File
			f, err = v.OpenAt(c, fsc, nil, p, abi.O_CREAT|abi.O_WRONLY|abi.O_TRUNC, mode&0o7777)
			if err == nil {
				_, err = f.Write(c, body)
				f.DecRef()
			}
		case abi.S_IFLNK:
			err = v.SymlinkAt(c, fsc, string(body), nil, p)
		case abi.S_IFCHR, abi.S_IFBLK, abi.S_IFIFO:
			err = v.MknodAt(c, fsc, nil, p, mode, rdev)
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", p, err)
		}
		n++
	}
	return n, nil
}
