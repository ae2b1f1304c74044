package abi

// Terminal ioctl request numbers (asm-generic/ioctls.h).
const (
	TCGETS        = 0x5401
	TCSETS        = 0x5402
	TCSETSW       = 0x5403
	TCSETSF       = 0x5404
	TCGETA        = 0x5405
	TCSETA        = 0x5406
	TCSETAW       = 0x5407
	TCSETAF       = 0x5408
	TCSBRK        = 0x5409
	TCXONC        = 0x540a
	TCFLSH        = 0x540b
	TIOCEXCL      = 0x540c
	TIOCNXCL      = 0x540d
	TIOCSCTTY     = 0x540e
	TIOCGPGRP     = 0x540f
	TIOCSPGRP     = 0x5410
	TIOCOUTQ      = 0x5411
	TIOCSTI       = 0x5412
	TIOCGWINSZ    = 0x5413
	TIOCSWINSZ    = 0x5414
	TIOCMGET      = 0x5415
	TIOCMBIS      = 0x5416
	TIOCMBIC      = 0x5417
	TIOCMSET      = 0x5418
	TIOCGSOFTCAR  = 0x5419
	TIOCSSOFTCAR  = 0x541a
	FIONREAD      = 0x541b
	TIOCINQ       = FIONREAD
	TIOCLINUX     = 0x541c
	TIOCCONS      = 0x541d
	TIOCGSERIAL   = 0x541e
	TIOCSSERIAL   = 0x541f
	TIOCPKT       = 0x5420
	FIONBIO       = 0x5421
	TIOCNOTTY     = 0x5422
	TIOCSETD      = 0x5423
	TIOCGETD      = 0x5424
	TCSBRKP       = 0x5425
	TIOCSBRK      = 0x5427
	TIOCCBRK      = 0x5428
	TIOCGSID      = 0x5429
	TCGETS2       = 0x802c542a // _IOR('T', 0x2A, struct termios2)
	TCSETS2       = 0x402c542b // _IOW('T', 0x2B, struct termios2)
	TCSETSW2      = 0x402c542c
	TCSETSF2      = 0x402c542d
	TIOCGPTN      = 0x80045430
	TIOCSPTLCK    = 0x40045431
	TIOCGDEV      = 0x80045432
	TIOCVHANGUP   = 0x5437
	TIOCGPTPEER   = 0x5441
	FIONCLEX      = 0x5450
	FIOCLEX       = 0x5451
	FIOASYNC      = 0x5452
	TIOCSERGETLSR = 0x5459
	FIOQSIZE      = 0x5460
)

// tcflush(3) and tcsetattr(3) arguments.
const (
	TCIFLUSH  = 0
	TCOFLUSH  = 1
	TCIOFLUSH = 2

	TCOOFF = 0
	TCOON  = 1
	TCIOFF = 2
	TCION  = 3
)

// Indices into c_cc (asm-generic/termbits.h).
const (
	VINTR    = 0
	VQUIT    = 1
	VERASE   = 2
	VKILL    = 3
	VEOF     = 4
	VTIME    = 5
	VMIN     = 6
	VSWTC    = 7
	VSTART   = 8
	VSTOP    = 9
	VSUSP    = 10
	VEOL     = 11
	VREPRINT = 12
	VDISCARD = 13
	VWERASE  = 14
	VLNEXT   = 15
	VEOL2    = 16

	// NCCS is the length of the kernel's c_cc array.
	NCCS = 19
)

// c_iflag bits.
const (
	IGNBRK  = 0o1
	BRKINT  = 0o2
	IGNPAR  = 0o4
	PARMRK  = 0o10
	INPCK   = 0o20
	ISTRIP  = 0o40
	INLCR   = 0o100
	IGNCR   = 0o200
	ICRNL   = 0o400
	IUCLC   = 0o1000
	IXON    = 0o2000
	IXANY   = 0o4000
	IXOFF   = 0o10000
	IMAXBEL = 0o20000
	IUTF8   = 0o40000
)

// c_oflag bits.
const (
	OPOST  = 0o1
	OLCUC  = 0o2
	ONLCR  = 0o4
	OCRNL  = 0o10
	ONOCR  = 0o20
	ONLRET = 0o40
	OFILL  = 0o100
	OFDEL  = 0o200
	NLDLY  = 0o400
	CRDLY  = 0o3000
	TABDLY = 0o14000
	XTABS  = 0o14000
	BSDLY  = 0o20000
	VTDLY  = 0o40000
	FFDLY  = 0o100000
)

// c_cflag bits and baud rates.
const (
	CBAUD   = 0o10017
	B0      = 0o0
	B50     = 0o1
	B75     = 0o2
	B110    = 0o3
	B134    = 0o4
	B150    = 0o5
	B200    = 0o6
	B300    = 0o7
	B600    = 0o10
	B1200   = 0o11
	B1800   = 0o12
	B2400   = 0o13
	B4800   = 0o14
	B9600   = 0o15
	B19200  = 0o16
	B38400  = 0o17
	CSIZE   = 0o60
	CS5     = 0o0
	CS6     = 0o20
	CS7     = 0o40
	CS8     = 0o60
	CSTOPB  = 0o100
	CREAD   = 0o200
	PARENB  = 0o400
	PARODD  = 0o1000
	HUPCL   = 0o2000
	CLOCAL  = 0o4000
	CBAUDEX = 0o10000
	BOTHER  = 0o10000
	B57600  = 0o10001
	B115200 = 0o10002
	B230400 = 0o10003
	B460800 = 0o10004
	B921600 = 0o10007
	CIBAUD  = 0o2003600000
	CMSPAR  = 0o10000000000
	CRTSCTS = 0o20000000000
	IBSHIFT = 16
)

// c_lflag bits.
const (
	ISIG    = 0o1
	ICANON  = 0o2
	XCASE   = 0o4
	ECHO    = 0o10
	ECHOE   = 0o20
	ECHOK   = 0o40
	ECHONL  = 0o100
	NOFLSH  = 0o200
	TOSTOP  = 0o400
	ECHOCTL = 0o1000
	ECHOPRT = 0o2000
	ECHOKE  = 0o4000
	FLUSHO  = 0o10000
	PENDIN  = 0o40000
	IEXTEN  = 0o100000
	EXTPROC = 0o200000
)

// SizeofTermios is sizeof(struct termios) as the kernel's TCGETS uses it
// (asm-generic/termbits.h; glibc's larger struct termios is converted in
// user space).
const SizeofTermios = 36

// SizeofTermios2 is sizeof(struct termios2).
const SizeofTermios2 = 44

// Termios is struct termios2 (asm-generic/termbits.h); the first
// SizeofTermios bytes of its encoding are struct termios.
type Termios struct {
	Iflag  uint32
	Oflag  uint32
	Cflag  uint32
	Lflag  uint32
	Line   uint8
	CC     [NCCS]uint8
	Ispeed uint32 // termios2 only
	Ospeed uint32 // termios2 only
}

// MarshalTo encodes t as struct termios into dst[:SizeofTermios].
func (t *Termios) MarshalTo(dst []byte) {
	_ = dst[SizeofTermios-1]
	le.PutUint32(dst[0:], t.Iflag)
	le.PutUint32(dst[4:], t.Oflag)
	le.PutUint32(dst[8:], t.Cflag)
	le.PutUint32(dst[12:], t.Lflag)
	dst[16] = t.Line
	copy(dst[17:36], t.CC[:])
}

// Marshal returns the struct termios encoding of t.
func (t *Termios) Marshal() []byte {
	b := make([]byte, SizeofTermios)
	t.MarshalTo(b)
	return b
}

// Marshal2 returns the struct termios2 encoding of t.
func (t *Termios) Marshal2() []byte {
	b := make([]byte, SizeofTermios2)
	t.MarshalTo(b)
	le.PutUint32(b[36:], t.Ispeed)
	le.PutUint32(b[40:], t.Ospeed)
	return b
}

// Unmarshal decodes struct termios from src[:SizeofTermios], leaving the
// speed fields alone.
func (t *Termios) Unmarshal(src []byte) {
	_ = src[SizeofTermios-1]
	t.Iflag = le.Uint32(src[0:])
	t.Oflag = le.Uint32(src[4:])
	t.Cflag = le.Uint32(src[8:])
	t.Lflag = le.Uint32(src[12:])
	t.Line = src[16]
	copy(t.CC[:], src[17:36])
}

// Unmarshal2 decodes struct termios2 from src[:SizeofTermios2].
func (t *Termios) Unmarshal2(src []byte) {
	_ = src[SizeofTermios2-1]
	t.Unmarshal(src)
	t.Ispeed = le.Uint32(src[36:])
	t.Ospeed = le.Uint32(src[40:])
}

// SizeofWinsize is sizeof(struct winsize).
const SizeofWinsize = 8

// Winsize is struct winsize (asm-generic/termios.h).
type Winsize struct {
	Row    uint16
	Col    uint16
	Xpixel uint16
	Ypixel uint16
}

// Marshal returns the encoding of w.
func (w *Winsize) Marshal() []byte {
	b := make([]byte, SizeofWinsize)
	le.PutUint16(b[0:], w.Row)
	le.PutUint16(b[2:], w.Col)
	le.PutUint16(b[4:], w.Xpixel)
	le.PutUint16(b[6:], w.Ypixel)
	return b
}

// Unmarshal decodes src[:SizeofWinsize] into w.
func (w *Winsize) Unmarshal(src []byte) {
	_ = src[SizeofWinsize-1]
	w.Row = le.Uint16(src[0:])
	w.Col = le.Uint16(src[2:])
	w.Xpixel = le.Uint16(src[4:])
	w.Ypixel = le.Uint16(src[6:])
}

// BaudRate returns the bits per second a CBAUD code stands for, or 0 if
// the code is B0 or unknown (BOTHER means "see c_ispeed/c_ospeed").
func BaudRate(code uint32) uint32 {
	switch code & CBAUD {
	case B50:
		return 50
	case B75:
		return 75
	case B110:
		return 110
	case B134:
		return 134
	case B150:
		return 150
	case B200:
		return 200
	case B300:
		return 300
	case B600:
		return 600
	case B1200:
		return 1200
	case B1800:
		return 1800
	case B2400:
		return 2400
	case B4800:
		return 4800
	case B9600:
		return 9600
	case B19200:
		return 19200
	case B38400:
		return 38400
	case B57600:
		return 57600
	case B115200:
		return 115200
	case B230400:
		return 230400
	case B460800:
		return 460800
	case B921600:
		return 921600
	}
	return 0
}
