package abi

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestLinuxValues(t *testing.T) {
	for _, v := range linuxValues {
		if v.got != v.want {
			t.Errorf("%s = %#x, Linux has %#x", v.name, v.got, v.want)
		}
	}
}

func layout(t *testing.T, field string) (off, size uintptr) {
	t.Helper()
	for _, l := range linuxLayouts {
		if l.field == field {
			return l.offset, l.size
		}
	}
	t.Fatalf("no layout for %s", field)
	return 0, 0
}

func readField(t *testing.T, b []byte, field string) uint64 {
	t.Helper()
	off, size := layout(t, field)
	switch size {
	case 1:
		return uint64(b[off])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b[off:]))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b[off:]))
	default: // 8, or the first word of a larger field
		return binary.LittleEndian.Uint64(b[off:])
	}
}

func TestStatLayout(t *testing.T) {
	s := Stat{Dev: 1, Ino: 2, Nlink: 3, Mode: 4, UID: 5, GID: 6, Rdev: 7, Size: 8, Blksize: 9, Blocks: 10,
		Atime: Timespec{11, 12}, Mtime: Timespec{13, 14}, Ctime: Timespec{15, 16}}
	b := s.Marshal()
	for _, tc := range []struct {
		field string
		want  uint64
	}{
		{"stat.st_dev", 1}, {"stat.st_ino", 2}, {"stat.st_nlink", 3}, {"stat.st_mode", 4},
		{"stat.st_uid", 5}, {"stat.st_gid", 6}, {"stat.st_rdev", 7}, {"stat.st_size", 8},
		{"stat.st_blksize", 9}, {"stat.st_blocks", 10}, {"stat.st_atim", 11}, {"stat.st_mtim", 13},
		{"stat.st_ctim", 15},
	} {
		if got := readField(t, b, tc.field); got != tc.want {
			t.Errorf("%s = %d, want %d", tc.field, got, tc.want)
		}
	}
	var back Stat
	back.Unmarshal(b)
	if back != s {
		t.Errorf("round trip: %+v, want %+v", back, s)
	}
}

func TestStatxLayout(t *testing.T) {
	s := Statx{Mask: 1, Blksize: 2, Attributes: 3, Nlink: 4, UID: 5, GID: 6, Mode: 7, Ino: 8, Size: 9,
		Blocks: 10, AttributesMask: 11, Atime: StatxTimestamp{Sec: 12, Nsec: 13}, Btime: StatxTimestamp{Sec: 14},
		Ctime: StatxTimestamp{Sec: 15}, Mtime: StatxTimestamp{Sec: 16}, RdevMajor: 17, RdevMinor: 18,
		DevMajor: 19, DevMinor: 20, MntID: 21, DioMemAlign: 22, DioOffsetAlign: 23}
	b := s.Marshal()
	for _, tc := range []struct {
		field string
		want  uint64
	}{
		{"statx.stx_mask", 1}, {"statx.stx_blksize", 2}, {"statx.stx_attributes", 3}, {"statx.stx_nlink", 4},
		{"statx.stx_uid", 5}, {"statx.stx_gid", 6}, {"statx.stx_mode", 7}, {"statx.stx_ino", 8},
		{"statx.stx_size", 9}, {"statx.stx_blocks", 10}, {"statx.stx_attributes_mask", 11},
		{"statx.stx_atime", 12}, {"statx.stx_btime", 14}, {"statx.stx_ctime", 15}, {"statx.stx_mtime", 16},
		{"statx.stx_rdev_major", 17}, {"statx.stx_rdev_minor", 18}, {"statx.stx_dev_major", 19},
		{"statx.stx_dev_minor", 20}, {"statx.stx_mnt_id", 21}, {"statx.stx_dio_mem_align", 22},
		{"statx.stx_dio_offset_align", 23},
	} {
		if got := readField(t, b, tc.field); got != tc.want {
			t.Errorf("%s = %d, want %d", tc.field, got, tc.want)
		}
	}
	if off, _ := layout(t, "statx.stx_atime"); binary.LittleEndian.Uint32(b[off+8:]) != 13 {
		t.Errorf("stx_atime.tv_nsec not at +8")
	}
	var back Statx
	back.Unmarshal(b)
	if back != s {
		t.Errorf("round trip: %+v, want %+v", back, s)
	}
}

func TestStatfsLayout(t *testing.T) {
	s := Statfs{Type: 1, Bsize: 2, Blocks: 3, Bfree: 4, Bavail: 5, Files: 6, Ffree: 7, Fsid: [2]int32{8, 9},
		Namelen: 10, Frsize: 11, Flags: 12}
	b := s.Marshal()
	for _, tc := range []struct {
		field string
		want  uint64
	}{
		{"statfs.f_type", 1}, {"statfs.f_bsize", 2}, {"statfs.f_blocks", 3}, {"statfs.f_bfree", 4},
		{"statfs.f_bavail", 5}, {"statfs.f_files", 6}, {"statfs.f_ffree", 7}, {"statfs.f_fsid", 8 | 9<<32},
		{"statfs.f_namelen", 10}, {"statfs.f_frsize", 11}, {"statfs.f_flags", 12},
	} {
		if got := readField(t, b, tc.field); got != tc.want {
			t.Errorf("%s = %d, want %d", tc.field, got, tc.want)
		}
	}
}

func TestTermiosLayout(t *testing.T) {
	tm := Termios{Iflag: 1, Oflag: 2, Cflag: 3, Lflag: 4, Line: 5, Ispeed: 6, Ospeed: 7}
	tm.CC[0] = 0xaa
	tm.CC[NCCS-1] = 0xbb
	b := tm.Marshal2()
	for _, tc := range []struct {
		field string
		want  uint64
	}{
		{"termios2.c_iflag", 1}, {"termios2.c_oflag", 2}, {"termios2.c_cflag", 3}, {"termios2.c_lflag", 4},
		{"termios2.c_line", 5}, {"termios2.c_ispeed", 6}, {"termios2.c_ospeed", 7},
	} {
		if got := readField(t, b, tc.field); got != tc.want {
			t.Errorf("%s = %d, want %d", tc.field, got, tc.want)
		}
	}
	off, size := layout(t, "termios2.c_cc")
	if size != NCCS || b[off] != 0xaa || b[off+size-1] != 0xbb {
		t.Errorf("c_cc misplaced")
	}
	if !bytes.Equal(tm.Marshal(), b[:SizeofTermios]) {
		t.Errorf("termios is not a prefix of termios2")
	}
	var back Termios
	back.Unmarshal2(b)
	if back != tm {
		t.Errorf("round trip: %+v, want %+v", back, tm)
	}
}

func TestEpollEventLayout(t *testing.T) {
	e := EpollEvent{Events: 0x11, Data: 0x2233445566778899}
	b := make([]byte, SizeofEpollEvent)
	e.MarshalTo(b)
	if readField(t, b, "epoll_event.events") != 0x11 || readField(t, b, "epoll_event.data") != 0x2233445566778899 {
		t.Errorf("epoll_event encoding % x", b)
	}
}

func TestErrno(t *testing.T) {
	for _, tc := range []struct {
		e    Errno
		want string
	}{
		{ENOENT, "ENOENT"}, {EAGAIN, "EAGAIN"}, {EWOULDBLOCK, "EAGAIN"}, {EHWPOISON, "EHWPOISON"},
		{ERESTARTSYS, "ERESTARTSYS"}, {ERESTART_RESTARTBLOCK, "ERESTART_RESTARTBLOCK"}, {Errno(4000), "errno 4000"},
		{Errno(0), "errno 0"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Errno(%d).Error() = %q, want %q", tc.e, got, tc.want)
		}
	}
	var err error = ENOENT
	if err != ENOENT {
		t.Errorf("errno does not compare as error")
	}
}

func TestSignalMask(t *testing.T) {
	for _, tc := range []struct {
		sig  Signal
		want SignalSet
	}{
		{SIGHUP, 1}, {SIGINT, 2}, {SIGCHLD, 1 << 16}, {SIGRTMAX, 1 << 63}, {0, 0}, {65, 0}, {-1, 0},
	} {
		if got := tc.sig.Mask(); got != tc.want {
			t.Errorf("Signal(%d).Mask() = %#x, want %#x", tc.sig, got, tc.want)
		}
	}
	s := MakeSignalSet(SIGCHLD, SIGTERM)
	if !s.Has(SIGCHLD) || !s.Has(SIGTERM) || s.Has(SIGINT) || s.Has(0) {
		t.Errorf("MakeSignalSet/Has wrong: %#x", s)
	}
	if UnblockableSignals != MakeSignalSet(SIGKILL, SIGSTOP) {
		t.Errorf("UnblockableSignals = %#x", UnblockableSignals)
	}
}

func TestDevNumbers(t *testing.T) {
	for _, tc := range []struct{ major, minor uint32 }{{1, 3}, {4, 64}, {259, 0x12345}, {0x12345, 0xabcdef}, {0, 0}} {
		d := MakeDev(tc.major, tc.minor)
		if DevMajor(d) != tc.major || DevMinor(d) != tc.minor {
			t.Errorf("MakeDev(%d,%d) = %#x splits to %d,%d", tc.major, tc.minor, d, DevMajor(d), DevMinor(d))
		}
	}
}

func TestDirent64(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
	}{{"", 24}, {".", 24}, {"abcd", 24}, {"abcde", 32}, {"0123456789012", 40}} {
		if got := Dirent64Size(len(tc.name)); got != tc.size {
			t.Errorf("Dirent64Size(%q) = %d, want %d", tc.name, got, tc.size)
		}
	}
	buf, ok := AppendDirent64(nil, 100, 7, 42, DT_REG, "hello")
	if !ok || len(buf) != 32 {
		t.Fatalf("AppendDirent64 = %d bytes, %v", len(buf), ok)
	}
	want := []byte{7, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 32, 0, DT_REG, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0, 0, 0, 0, 0}
	if !bytes.Equal(buf, want) {
		t.Errorf("record % x, want % x", buf, want)
	}
	if _, ok := AppendDirent64(buf, 40, 8, 43, DT_DIR, "x"); ok {
		t.Errorf("record beyond limit accepted")
	}
	if ModeToDT(S_IFDIR|0o755) != DT_DIR || ModeToDT(S_IFLNK) != DT_LNK || ModeToDT(S_IFCHR) != DT_CHR {
		t.Errorf("ModeToDT wrong")
	}
}

func TestUtsname(t *testing.T) {
	long := string(bytes.Repeat([]byte{'x'}, 100))
	u := Utsname{Sysname: "Linux", Nodename: long, Machine: "x86_64"}
	b := u.Marshal()
	if len(b) != SizeofUtsname || string(b[:6]) != "Linux\x00" || b[UtsLen+UtsLen-1] != 0 || string(b[4*UtsLen:4*UtsLen+7]) != "x86_64\x00" {
		t.Errorf("utsname encoding wrong")
	}
}

func TestTimespec(t *testing.T) {
	for _, tc := range []struct {
		ns   int64
		want Timespec
	}{{0, Timespec{}}, {1500000000, Timespec{1, 500000000}}, {-1, Timespec{-1, 999999999}}} {
		if got := NsecToTimespec(tc.ns); got != tc.want {
			t.Errorf("NsecToTimespec(%d) = %+v, want %+v", tc.ns, got, tc.want)
		}
	}
	if (Timespec{0, 1e9}).Valid() || !(Timespec{1, 0}).Valid() {
		t.Errorf("Valid wrong")
	}
}

func TestBaudRate(t *testing.T) {
	if BaudRate(B38400) != 38400 || BaudRate(B115200|CS8|CREAD) != 115200 || BaudRate(B0) != 0 {
		t.Errorf("BaudRate wrong")
	}
}
