// Package vdso builds the virtual dynamic shared object the kernel maps into
// every process, and maps it. The image is a minimal ELF shared object —
// program headers, a dynamic section, a symbol table with a SysV hash, and
// the platform's position-independent code — exporting clock_gettime,
// gettimeofday, time and getcpu under their __vdso_ and plain names, which
// is what glibc, musl and the Go runtime look up. The code reads the clock
// from the vvar page mapped just below the image; clocks it does not know
// fall back to the real system call.
package vdso

import (
	"encoding/binary"
	"errors"
	"sort"

	"aramid/kernel/machine"
	"aramid/kernel/mm"
)

// Function is one exported entry point: its names and its offset in the
// code.
type Function struct {
	Names  []string
	Offset uint64
}

const (
	pageSize = machine.PageSize
	codeOff  = 0x400 // where the code starts in the image
	ehdrSize = 64
	phdrSize = 56
	symSize  = 24
	dynSize  = 16
)

// Image is a built vDSO.
type Image struct {
	Bytes []byte // the ELF image, a whole number of pages
}

// Build lays out the ELF image around code.
func Build(code []byte, funcs []Function) (*Image, error) {
	if codeOff+len(code) > pageSize {
		return nil, errors.New("vdso: code does not fit the image's first page")
	}
	type sym struct {
		name string
		off  uint64
	}
	var syms []sym
	for _, f := range funcs {
		if f.Offset >= uint64(len(code)) {
			return nil, errors.New("vdso: function offset past the code")
		}
		for _, n := range f.Names {
			syms = append(syms, sym{n, codeOff + f.Offset})
		}
	}
	sort.Slice(syms, func(i, j int) bool { return syms[i].name < syms[j].name })

	// String table: "", soname, names.
	strtab := []byte{0}
	addStr := func(s string) uint32 {
		off := uint32(len(strtab))
		strtab = append(append(strtab, s...), 0)
		return off
	}
	soname := addStr("linux-vdso.so.1")
	nameOff := make([]uint32, len(syms))
	for i, s := range syms {
		nameOff[i] = addStr(s.name)
	}

	le := binary.LittleEndian
	img := make([]byte, pageSize)
	p := ehdrSize + 2*phdrSize
	symtabOff := p
	nsyms := len(syms) + 1 // index 0 is the null symbol
	for i, s := range syms {
		e := img[symtabOff+(i+1)*symSize:]
		le.PutUint32(e[0:], nameOff[i])
		e[4] = 0x12            // STB_GLOBAL, STT_FUNC
		e[5] = 0               // STV_DEFAULT
		le.PutUint16(e[6:], 1) // any defined section: loaders only require non-zero
		le.PutUint64(e[8:], s.off)
		le.PutUint64(e[16:], 64)
	}
	p = symtabOff + nsyms*symSize
	strtabOff := p
	copy(img[strtabOff:], strtab)
	p = (strtabOff + len(strtab) + 7) &^ 7
	// SysV hash: one bucket chaining every symbol.
	hashOff := p
	le.PutUint32(img[hashOff:], 1)               // nbucket
	le.PutUint32(img[hashOff+4:], uint32(nsyms)) // nchain
	le.PutUint32(img[hashOff+8:], 1)             // bucket[0] → symbol 1
	for i := 1; i < nsyms; i++ {
		next := uint32(i + 1)
		if i == nsyms-1 {
			next = 0
		}
		le.PutUint32(img[hashOff+12+i*4:], next)
	}
	p = (hashOff + 12 + nsyms*4 + 7) &^ 7
	dynOff := p
	dyn := [][2]uint64{
		{4, uint64(hashOff)},      // DT_HASH
		{5, uint64(strtabOff)},    // DT_STRTAB
		{6, uint64(symtabOff)},    // DT_SYMTAB
		{10, uint64(len(strtab))}, // DT_STRSZ
		{11, symSize},             // DT_SYMENT
		{14, uint64(soname)},      // DT_SONAME
		{0, 0},                    // DT_NULL
	}
	for i, d := range dyn {
		le.PutUint64(img[dynOff+i*dynSize:], d[0])
		le.PutUint64(img[dynOff+i*dynSize+8:], d[1])
	}
	p = dynOff + len(dyn)*dynSize
	if p > codeOff {
		return nil, errors.New("vdso: tables overflow into the code")
	}
	copy(img[codeOff:], code)

	// ELF header.
	copy(img, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0})
	le.PutUint16(img[16:], 3)  // ET_DYN
	le.PutUint16(img[18:], 62) // EM_X86_64
	le.PutUint32(img[20:], 1)
	le.PutUint64(img[24:], codeOff) // e_entry (unused)
	le.PutUint64(img[32:], ehdrSize)
	le.PutUint16(img[52:], ehdrSize)
	le.PutUint16(img[54:], phdrSize)
	le.PutUint16(img[56:], 2)
	le.PutUint16(img[58:], 64) // e_shentsize (no sections)
	// PT_LOAD of the whole page, read + execute.
	ph := img[ehdrSize:]
	le.PutUint32(ph[0:], 1)
	le.PutUint32(ph[4:], 5)
	le.PutUint64(ph[32:], pageSize)
	le.PutUint64(ph[40:], pageSize)
	le.PutUint64(ph[48:], pageSize)
	// PT_DYNAMIC.
	ph = img[ehdrSize+phdrSize:]
	le.PutUint32(ph[0:], 2)
	le.PutUint32(ph[4:], 4)
	for _, o := range []int{8, 16, 24} {
		le.PutUint64(ph[o:], uint64(dynOff))
	}
	le.PutUint64(ph[32:], uint64(len(dyn)*dynSize))
	le.PutUint64(ph[40:], uint64(len(dyn)*dynSize))
	le.PutUint64(ph[48:], 8)
	return &Image{Bytes: img}, nil
}

// Mapper maps the vvar page and the vDSO image into address spaces. Its
// frames are shared by every process and pinned (never freed).
type Mapper struct {
	vvar     machine.Frame
	vvarData []byte // the vvar frame's bytes, for SetWord
	image    []machine.Frame
}

// NewMapper allocates and pins the frames for img and a vvar page holding
// words.
func NewMapper(frames *mm.Frames, img *Image, words []uint64) (*Mapper, error) {
	m := &Mapper{}
	f, err := frames.Pinned()
	if err != nil {
		return nil, err
	}
	m.vvar = f
	d := frames.Mem.FrameData(f)
	m.vvarData = d
	for i, w := range words {
		binary.LittleEndian.PutUint64(d[i*8:], w)
	}
	for off := 0; off < len(img.Bytes); off += pageSize {
		f, err := frames.Pinned()
		if err != nil {
			return nil, err
		}
		copy(frames.Mem.FrameData(f), img.Bytes[off:])
		m.image = append(m.image, f)
	}
	return m, nil
}

// SetWord stores w as the vvar page's word i, which every process sees at
// once (clock_settime moves the wall-clock base); false if i is outside
// the page.
func (v *Mapper) SetWord(i int, w uint64) bool {
	if i < 0 || (i+1)*8 > len(v.vvarData) {
		return false
	}
	binary.LittleEndian.PutUint64(v.vvarData[i*8:], w)
	return true
}

// Map places [vvar][vdso] in m and returns the image's address
// (AT_SYSINFO_EHDR).
func (v *Mapper) Map(m *mm.MM) (uint64, error) {
	base, err := m.MapSpecial([]mm.Special{
		{Frames: []machine.Frame{v.vvar}, Perm: machine.Read, Name: "[vvar]"},
		{Frames: v.image, Perm: machine.Read | machine.Exec, Name: "[vdso]"},
	})
	if err != nil {
		return 0, err
	}
	return base + pageSize, nil
}
