package abi

// Open flags (asm-generic/fcntl.h; x86_64 values).
const (
	O_RDONLY    = 0x0
	O_WRONLY    = 0x1
	O_RDWR      = 0x2
	O_ACCMODE   = 0x3
	O_CREAT     = 0x40
	O_EXCL      = 0x80
	O_NOCTTY    = 0x100
	O_TRUNC     = 0x200
	O_APPEND    = 0x400
	O_NONBLOCK  = 0x800
	O_DSYNC     = 0x1000
	O_ASYNC     = 0x2000 // FASYNC
	O_DIRECT    = 0x4000
	O_LARGEFILE = 0x8000
	O_DIRECTORY = 0x10000
	O_NOFOLLOW  = 0x20000
	O_NOATIME   = 0x40000
	O_CLOEXEC   = 0x80000
	O_SYNC      = 0x101000 // __O_SYNC | O_DSYNC
	O_PATH      = 0x200000
	O_TMPFILE   = 0x410000 // __O_TMPFILE | O_DIRECTORY
	O_NDELAY    = O_NONBLOCK
)

// AT_* flags and the special directory descriptor (linux/fcntl.h).
const (
	AT_FDCWD              = -100
	AT_SYMLINK_NOFOLLOW   = 0x100
	AT_EACCESS            = 0x200 // faccessat2
	AT_REMOVEDIR          = 0x200 // unlinkat
	AT_SYMLINK_FOLLOW     = 0x400 // linkat
	AT_NO_AUTOMOUNT       = 0x800
	AT_EMPTY_PATH         = 0x1000
	AT_STATX_SYNC_TYPE    = 0x6000
	AT_STATX_SYNC_AS_STAT = 0x0
	AT_STATX_FORCE_SYNC   = 0x2000
	AT_STATX_DONT_SYNC    = 0x4000
	AT_RECURSIVE          = 0x8000
)

// File type and permission bits of a mode (linux/stat.h).
const (
	S_IFMT   = 0o170000
	S_IFSOCK = 0o140000
	S_IFLNK  = 0o120000
	S_IFREG  = 0o100000
	S_IFBLK  = 0o060000
	S_IFDIR  = 0o040000
	S_IFCHR  = 0o020000
	S_IFIFO  = 0o010000
	S_ISUID  = 0o4000
	S_ISGID  = 0o2000
	S_ISVTX  = 0o1000
	S_IRWXU  = 0o700
	S_IRUSR  = 0o400
	S_IWUSR  = 0o200
	S_IXUSR  = 0o100
	S_IRWXG  = 0o070
	S_IRGRP  = 0o040
	S_IWGRP  = 0o020
	S_IXGRP  = 0o010
	S_IRWXO  = 0o007
	S_IROTH  = 0o004
	S_IWOTH  = 0o002
	S_IXOTH  = 0o001
)

// Access modes for access(2) and faccessat2(2).
const (
	F_OK = 0
	X_OK = 1
	W_OK = 2
	R_OK = 4
)

// Seek whences for lseek(2).
const (
	SEEK_SET  = 0
	SEEK_CUR  = 1
	SEEK_END  = 2
	SEEK_DATA = 3
	SEEK_HOLE = 4
)

// fcntl(2) commands (asm-generic/fcntl.h, linux/fcntl.h).
const (
	F_DUPFD     = 0
	F_GETFD     = 1
	F_SETFD     = 2
	F_GETFL     = 3
	F_SETFL     = 4
	F_GETLK     = 5
	F_SETLK     = 6
	F_SETLKW    = 7
	F_SETOWN    = 8
	F_GETOWN    = 9
	F_SETSIG    = 10
	F_GETSIG    = 11
	F_SETOWN_EX = 15
	F_GETOWN_EX = 16
	// struct f_owner_ex types.
	F_OWNER_TID     = 0
	F_OWNER_PID     = 1
	F_OWNER_PGRP    = 2
	F_OFD_GETLK     = 36
	F_OFD_SETLK     = 37
	F_OFD_SETLKW    = 38
	F_SETLEASE      = 1024
	F_GETLEASE      = 1025
	F_NOTIFY        = 1026
	F_DUPFD_CLOEXEC = 1030
	F_SETPIPE_SZ    = 1031
	F_GETPIPE_SZ    = 1032
	F_ADD_SEALS     = 1033
	F_GET_SEALS     = 1034

	FD_CLOEXEC = 1

	F_RDLCK = 0
	F_WRLCK = 1
	F_UNLCK = 2
)

// renameat2(2) flags.
const (
	RENAME_NOREPLACE = 1
	RENAME_EXCHANGE  = 2
	RENAME_WHITEOUT  = 4
)

// close_range(2) flags.
const (
	CLOSE_RANGE_UNSHARE = 0x2
	CLOSE_RANGE_CLOEXEC = 0x4
)

// Filesystem magic numbers reported by statfs(2) (linux/magic.h).
const (
	TMPFS_MAGIC         = 0x01021994
	RAMFS_MAGIC         = 0x858458f6
	PROC_SUPER_MAGIC    = 0x9fa0
	SYSFS_MAGIC         = 0x62656572
	CGROUP2_SUPER_MAGIC = 0x63677270
	DEVPTS_SUPER_MAGIC  = 0x1cd1
	EXT4_SUPER_MAGIC    = 0xef53
)

// Limits (linux/limits.h).
const (
	NAME_MAX    = 255
	PATH_MAX    = 4096
	PIPE_BUF    = 4096
	MAXSYMLINKS = 40
)

// MakeDev encodes a device number as user space sees it in st_dev and
// st_rdev (glibc's gnu_dev_makedev: 12-bit major and 20-bit minor in the
// classic positions, the rest above).
func MakeDev(major, minor uint32) uint64 {
	M, m := uint64(major), uint64(minor)
	return (M&0xfff)<<8 | (M&^0xfff)<<32 | (m & 0xff) | (m&^0xff)<<12
}

// DevMajor returns the major number of a device encoded by MakeDev.
func DevMajor(dev uint64) uint32 {
	return uint32((dev>>8)&0xfff | (dev>>32)&^0xfff)
}

// DevMinor returns the minor number of a device encoded by MakeDev.
func DevMinor(dev uint64) uint32 {
	return uint32(dev&0xff | (dev>>12)&^0xff)
}

// dnotify events for fcntl(F_NOTIFY) (<linux/fcntl.h>).
const (
	DN_ACCESS    = 0x00000001
	DN_MODIFY    = 0x00000002
	DN_CREATE    = 0x00000004
	DN_DELETE    = 0x00000008
	DN_RENAME    = 0x00000010
	DN_ATTRIB    = 0x00000020
	DN_MULTISHOT = 0x80000000
)
