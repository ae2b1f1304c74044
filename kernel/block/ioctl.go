package block

// Block-device ioctl numbers (linux/fs.h). BLKBSZGET, BLKBSZSET and
// BLKGETSIZE64 are declared with size_t but BLKBSZGET/BLKBSZSET move an
// int, as Linux's blkdev_ioctl does.
const (
	BLKROSET     = 0x125d
	BLKROGET     = 0x125e
	BLKRRPART    = 0x125f
	BLKGETSIZE   = 0x1260
	BLKFLSBUF    = 0x1261
	BLKSSZGET    = 0x1268
	BLKBSZGET    = 0x80081270
	BLKBSZSET    = 0x40081271
	BLKGETSIZE64 = 0x80081272
	BLKPBSZGET   = 0x127b
)
