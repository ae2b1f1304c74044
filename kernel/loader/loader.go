// Package loader maps ELF executables into an address space and builds the
// initial process stack (argv, envp, auxv) as Linux's binfmt_elf does:
// ET_EXEC at its link address, ET_DYN (PIE) at 0x555555554000, PT_INTERP
// (ld-linux-x86-64.so.2, ld-musl-x86_64.so.1) top-down like an mmap, bss
// zero-filled, and "#!" scripts resolved to their interpreter.
package loader

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/machine"
	"aramid/kernel/mm"
)

const (
	pageSize = machine.PageSize
	pageMask = pageSize - 1

	// PIEBase is where position-independent executables load (no ASLR:
	// runs are reproducible).
	PIEBase = 0x555555554000
	// StackTop is the top of the initial stack.
	StackTop = 0x7ffffffff000
	// stackInitial is how much of the stack is mapped up front; the rest
	// grows on demand up to the stack limit.
	stackInitial = 128 << 10

	maxPhnum  = 128
	maxInterp = 4096
	maxArgs   = 2 << 20 // ARG_MAX-like bound on argv+envp bytes
)

// File is an executable's contents.
type File interface {
	io.ReaderAt
	Size() int64
}

// Named is implemented by files that know their path and identity, which
// the mappings record for /proc/<pid>/maps.
type Named interface {
	MapInfo() (name string, dev, inode uint64)
}

// Opener opens the interpreter named by PT_INTERP.
type Opener func(path string) (File, error)

// Image describes a loaded program.
type Image struct {
	Entry      uint64 // where execution starts (the interpreter's entry if any)
	ProgEntry  uint64 // the program's own entry (AT_ENTRY)
	PhdrAddr   uint64 // AT_PHDR
	Phnum      uint64
	InterpBase uint64 // AT_BASE (0 without an interpreter)
	BrkStart   uint64
	Interp     string
}

type loaded struct {
	entry, phdr, phnum, end, base uint64
	interp                        string
}

// Load maps the program in f (and its interpreter) into m.
func Load(m *mm.MM, f File, open Opener) (*Image, error) {
	prog, err := loadELF(m, f, false)
	if err != nil {
		return nil, err
	}
	img := &Image{Entry: prog.entry, ProgEntry: prog.entry, PhdrAddr: prog.phdr, Phnum: prog.phnum, BrkStart: prog.end}
	if prog.interp != "" {
		img.Interp = prog.interp
		inf, err := open(prog.interp)
		if err != nil {
			return nil, err
		}
		in, err := loadELF(m, inf, true)
		if err != nil {
			return nil, err
		}
		if in.interp != "" {
			return nil, abi.ELIBBAD
		}
		img.Entry, img.InterpBase = in.entry, in.base
	}
	return img, nil
}

func loadELF(m *mm.MM, f File, isInterp bool) (*loaded, error) {
	var hdr [64]byte
	if n, _ := f.ReadAt(hdr[:], 0); n < len(hdr) || !bytes.Equal(hdr[:4], []byte(elf.ELFMAG)) {
		return nil, abi.ENOEXEC
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return nil, abi.ENOEXEC
	}
	if ef.Class != elf.ELFCLASS64 || ef.Machine != elf.EM_X86_64 || ef.Data != elf.ELFDATA2LSB {
		return nil, abi.ENOEXEC
	}
	if ef.Type != elf.ET_EXEC && ef.Type != elf.ET_DYN || len(ef.Progs) == 0 || len(ef.Progs) > maxPhnum {
		return nil, abi.ENOEXEC
	}
	phoff := binary.LittleEndian.Uint64(hdr[32:])

	// Extent of the load segments.
	var lo, hi uint64 = ^uint64(0), 0
	out := &loaded{phnum: uint64(len(ef.Progs))}
	for _, p := range ef.Progs {
		switch p.Type {
		case elf.PT_LOAD:
			if p.Memsz < p.Filesz || p.Vaddr+p.Memsz < p.Vaddr || p.Vaddr+p.Memsz > mm.UserTop ||
				(p.Vaddr-p.Off)&pageMask != 0 || uint64(f.Size()) < p.Off+p.Filesz {
				return nil, abi.ENOEXEC
			}
			lo = min(lo, p.Vaddr&^pageMask)
			hi = max(hi, p.Vaddr+p.Memsz)
		case elf.PT_INTERP:
			if isInterp || p.Filesz == 0 || p.Filesz > maxInterp {
				return nil, abi.ENOEXEC
			}
			b := make([]byte, p.Filesz)
			if _, err := f.ReadAt(b, int64(p.Off)); err != nil {
				return nil, abi.ENOEXEC
			}
			out.interp = strings.TrimRight(string(b), "\x00")
		}
	}
	if hi <= lo {
		return nil, abi.ENOEXEC
	}
	span := (hi+pageMask)&^pageMask - lo

	var bias uint64
	if ef.Type == elf.ET_DYN {
		if isInterp {
			// Reserve the whole span top-down, then map segments over it.
			addr, err := m.Mmap(mm.MapOpts{Length: span, Perm: 0})
			if err != nil {
				return nil, err
			}
			bias = addr - lo
		} else {
			bias = PIEBase - lo
		}
	}
	for _, p := range ef.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if err := mapSegment(m, f, p, bias); err != nil {
			return nil, err
		}
		end := bias + p.Vaddr + p.Memsz
		out.end = max(out.end, end)
		if p.Off <= phoff && phoff+uint64(len(ef.Progs))*56 <= p.Off+p.Filesz {
			out.phdr = bias + p.Vaddr + (phoff - p.Off)
		}
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_PHDR {
			out.phdr = bias + p.Vaddr
		}
	}
	out.entry = bias + ef.Entry
	out.base = bias + lo
	if ef.Type == elf.ET_EXEC {
		out.base = 0
	}
	return out, nil
}

func mapSegment(m *mm.MM, f File, p *elf.Prog, bias uint64) error {
	var perm machine.Perm
	if p.Flags&elf.PF_R != 0 {
		perm |= machine.Read
	}
	if p.Flags&elf.PF_W != 0 {
		perm |= machine.Write
	}
	if p.Flags&elf.PF_X != 0 {
		perm |= machine.Exec
	}
	start := (bias + p.Vaddr) &^ pageMask
	fileEnd := bias + p.Vaddr + p.Filesz
	memEnd := bias + p.Vaddr + p.Memsz
	mapEnd := (fileEnd + pageMask) &^ pageMask
	if p.Filesz > 0 {
		o := mm.MapOpts{Addr: start, Length: mapEnd - start, Perm: perm, File: f, Offset: p.Off &^ pageMask, Fixed: true}
		if n, ok := f.(Named); ok {
			o.Name, o.Dev, o.Inode = n.MapInfo()
		}
		_, err := m.Mmap(o)
		if err != nil {
			return err
		}
		// The rest of the last file page is bss, not file contents: zero it
		// to the end of the page, as Linux does. glibc's ld.so relies on
		// that: its early allocator hands out the tail of that page as
		// zeroed memory.
		if memEnd > fileEnd && mapEnd > fileEnd && perm&machine.Write != 0 {
			if err := m.CopyOut(fileEnd, make([]byte, mapEnd-fileEnd)); err != nil {
				return err
			}
		}
	} else {
		mapEnd = start
	}
	if memEnd > mapEnd {
		bssEnd := (memEnd + pageMask) &^ pageMask
		if _, err := m.Mmap(mm.MapOpts{Addr: mapEnd, Length: bssEnd - mapEnd, Perm: perm, Fixed: true}); err != nil {
			return err
		}
	}
	return nil
}

// Auxiliary vector keys.
const (
	atNull        = 0
	atPhdr        = 3
	atPhent       = 4
	atPhnum       = 5
	atPagesz      = 6
	atBase        = 7
	atFlags       = 8
	atEntry       = 9
	atUID         = 11
	atEUID        = 12
	atGID         = 13
	atEGID        = 14
	atPlatform    = 15
	atHwcap       = 16
	atClktck      = 17
	atSecure      = 23
	atRandom      = 25
	atHwcap2      = 26
	atExecfn      = 31
	atSysinfoEHDR = 33
	atMinSigStkSz = 51
)

// StackInfo is what the initial stack needs beyond the image.
type StackInfo struct {
	Argv, Envp []string
	ExecFn     string
	UID, GID   uint32
	EUID, EGID uint32
	Random     [16]byte
	HWCap      uint64
	HWCap2     uint64 // AT_HWCAP2
	// Auxv is filled by SetupStack: the auxiliary vector it wrote, AT_NULL
	// included (/proc/<pid>/auxv).
	Auxv        []uint64
	VDSO        uint64 // AT_SYSINFO_EHDR, 0 for none
	MinSigStkSz uint64
	// Secure is AT_SECURE: the exec changed credentials (set-id) and the
	// C library must distrust the environment.
	Secure bool
}

// SetupStack maps the stack and writes argc, argv, envp and the auxiliary
// vector; it returns the initial stack pointer.
func SetupStack(m *mm.MM, img *Image, si *StackInfo) (uint64, error) {
	secure := uint64(0)
	if si.Secure {
		secure = 1
	}
	total := 0
	for _, s := range si.Argv {
		total += len(s) + 1
	}
	for _, s := range si.Envp {
		total += len(s) + 1
	}
	if total > maxArgs {
		return 0, abi.E2BIG
	}
	if _, err := m.Mmap(mm.MapOpts{Addr: StackTop - stackInitial, Length: stackInitial,
		Perm: machine.Read | machine.Write, Fixed: true, GrowsDown: true, Name: "[stack]"}); err != nil {
		return 0, err
	}
	// Strings at the top, then the pointer block below, as Linux lays it out.
	var strs bytes.Buffer
	put := func(s string) uint64 {
		off := uint64(strs.Len())
		strs.WriteString(s)
		strs.WriteByte(0)
		return off
	}
	execfn := put(si.ExecFn)
	argOffs := make([]uint64, len(si.Argv))
	for i, s := range si.Argv {
		argOffs[i] = put(s)
	}
	envOffs := make([]uint64, len(si.Envp))
	for i, s := range si.Envp {
		envOffs[i] = put(s)
	}
	platform := put("x86_64")
	strBase := (StackTop - 8 - uint64(strs.Len())) &^ 15
	random := strBase - 16

	var aux []uint64
	if si.VDSO != 0 {
		aux = append(aux, atSysinfoEHDR, si.VDSO)
	}
	if si.MinSigStkSz != 0 {
		aux = append(aux, atMinSigStkSz, si.MinSigStkSz)
	}
	aux = append(aux,
		atHwcap, si.HWCap,
		atPagesz, pageSize,
		atClktck, 100,
		atPhdr, img.PhdrAddr,
		atPhent, 56,
		atPhnum, img.Phnum,
		atBase, img.InterpBase,
		atFlags, 0,
		atEntry, img.ProgEntry,
		atUID, uint64(si.UID), atEUID, uint64(si.EUID),
		atGID, uint64(si.GID), atEGID, uint64(si.EGID),
		atSecure, secure,
		atRandom, random,
		atHwcap2, si.HWCap2,
		atExecfn, strBase+execfn,
		atPlatform, strBase+platform,
		atNull, 0,
	)
	si.Auxv = aux
	words := 1 + len(si.Argv) + 1 + len(si.Envp) + 1 + len(aux)
	sp := (random - uint64(words)*8) &^ 15
	block := make([]byte, 0, words*8)
	w := func(v uint64) { block = binary.LittleEndian.AppendUint64(block, v) }
	w(uint64(len(si.Argv)))
	for _, o := range argOffs {
		w(strBase + o)
	}
	w(0)
	for _, o := range envOffs {
		w(strBase + o)
	}
	w(0)
	for _, v := range aux {
		w(v)
	}
	if err := m.CopyOut(strBase, strs.Bytes()); err != nil {
		return 0, err
	}
	if err := m.CopyOut(random, si.Random[:]); err != nil {
		return 0, err
	}
	if err := m.CopyOut(sp, block); err != nil {
		return 0, err
	}
	return sp, nil
}

// Interpreter parses a "#!" line: the interpreter path and its optional
// single argument. ok is false when head is not a script.
func Interpreter(head []byte) (path, arg string, ok bool, err error) {
	if !bytes.HasPrefix(head, []byte("#!")) {
		return "", "", false, nil
	}
	line := head[2:]
	nl := bytes.IndexByte(line, '\n')
	if nl < 0 {
		if len(head) >= 256 {
			return "", "", true, abi.ENOEXEC
		}
	} else {
		line = line[:nl]
	}
	s := strings.TrimSpace(string(line))
	if s == "" {
		return "", "", true, abi.ENOEXEC
	}
	path, arg, _ = strings.Cut(s, " ")
	arg = strings.TrimSpace(arg)
	if path == "" {
		return "", "", true, fmt.Errorf("loader: empty interpreter: %w", abi.ENOEXEC)
	}
	return path, arg, true, nil
}
