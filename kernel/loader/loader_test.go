package loader

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"aramid/kernel/machine"
	"aramid/kernel/mm"
)

type memFile []byte

func (f memFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(f)) {
		return 0, os.ErrClosed
	}
	n := copy(p, f[off:])
	if n < len(p) {
		return n, os.ErrClosed
	}
	return n, nil
}
func (f memFile) Size() int64 { return int64(len(f)) }

// compile builds a C program with cc and flags, skipping if cc is missing.
func compile(t *testing.T, cc string, flags ...string) memFile {
	t.Helper()
	if _, err := exec.LookPath(cc); err != nil {
		t.Skipf("%s not installed", cc)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "p.c")
	os.WriteFile(src, []byte("int g = 42; char bss[10000]; int main(void) { return g + bss[9999]; }\n"), 0o644)
	out := filepath.Join(dir, "p")
	args := append(flags, "-o", out, src)
	if b, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cc, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return memFile(b)
}

func TestLoadStaticAndStack(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cc    string
		flags []string
		pie   bool
	}{
		{"musl-static", "musl-gcc", []string{"-static", "-no-pie"}, false},
		{"glibc-static-pie", "gcc", []string{"-static-pie"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := compile(t, tc.cc, tc.flags...)
			fake := machine.NewFake()
			m, _ := mm.New(fake, mm.NewFrames(fake))
			img, err := Load(m, bin, func(string) (File, error) { t.Fatal("static binary asked for an interpreter"); return nil, nil })
			if err != nil {
				t.Fatal(err)
			}
			ef, _ := elf.NewFile(bytes.NewReader(bin))
			want := ef.Entry
			if tc.pie {
				want += PIEBase
			}
			if img.Entry != want || img.ProgEntry != want {
				t.Errorf("entry %#x, want %#x", img.Entry, want)
			}
			// The ELF header is mapped and AT_PHDR points at real headers.
			var ph [56]byte
			if err := m.CopyIn(img.PhdrAddr, ph[:]); err != nil {
				t.Fatalf("AT_PHDR %#x unreadable: %v", img.PhdrAddr, err)
			}
			if typ := binary.LittleEndian.Uint32(ph[:]); typ == 0 || typ > 0x70000000 && typ < 0x6474e550 {
				t.Errorf("first program header type %#x", typ)
			}
			// .data holds 42 and .bss is zero.
			syms, _ := ef.Symbols()
			for _, s := range syms {
				addr := s.Value
				if tc.pie {
					addr += PIEBase
				}
				switch s.Name {
				case "g":
					if v, err := m.ReadUint32(addr); err != nil || v != 42 {
						t.Errorf("g = %d, %v", v, err)
					}
				case "bss":
					b := make([]byte, 10000)
					if err := m.CopyIn(addr, b); err != nil || !bytes.Equal(b, make([]byte, 10000)) {
						t.Errorf("bss not zero: %v", err)
					}
				}
			}
			si := &StackInfo{Argv: []string{"prog", "a1"}, Envp: []string{"HOME=/"}, ExecFn: "/prog"}
			sp, err := SetupStack(m, img, si)
			if err != nil {
				t.Fatal(err)
			}
			if sp%16 != 0 {
				t.Errorf("sp %#x not 16-aligned", sp)
			}
			argc, _ := m.ReadUint64(sp)
			argv1, _ := m.ReadUint64(sp + 16)
			s, _ := m.CopyInString(argv1, 100)
			if argc != 2 || s != "a1" {
				t.Errorf("argc %d argv[1] %q", argc, s)
			}
			// Walk to auxv and find AT_ENTRY and AT_RANDOM.
			p := sp + 8 + 3*8 + 2*8
			found := map[uint64]uint64{}
			for i := 0; i < 64; i++ {
				k, _ := m.ReadUint64(p)
				v, _ := m.ReadUint64(p + 8)
				found[k] = v
				p += 16
				if k == 0 {
					break
				}
			}
			if found[atEntry] != img.ProgEntry || found[atPagesz] != 4096 || found[atRandom] == 0 || found[atPhnum] != uint64(len(ef.Progs)) {
				t.Errorf("auxv %v", found)
			}
			if s, _ := m.CopyInString(found[atExecfn], 100); s != "/prog" {
				t.Errorf("AT_EXECFN %q", s)
			}
		})
	}
}

func TestInterpreterLine(t *testing.T) {
	tests := []struct {
		in         string
		path, arg  string
		ok, hasErr bool
	}{
		{"#!/bin/sh\necho", "/bin/sh", "", true, false},
		{"#! /usr/bin/env  python3 \n", "/usr/bin/env", "python3", true, false},
		{"#!\n", "", "", true, true},
		{"\x7fELF", "", "", false, false},
	}
	for _, tt := range tests {
		p, a, ok, err := Interpreter([]byte(tt.in))
		if p != tt.path || a != tt.arg || ok != tt.ok || (err != nil) != tt.hasErr {
			t.Errorf("Interpreter(%q) = %q %q %v %v", tt.in, p, a, ok, err)
		}
	}
}

func TestRejects(t *testing.T) {
	fake := machine.NewFake()
	m, _ := mm.New(fake, mm.NewFrames(fake))
	for _, b := range [][]byte{nil, []byte("\x7fELF"), []byte("#!/bin/sh\n"), bytes.Repeat([]byte{0x7f}, 100)} {
		if _, err := Load(m, memFile(b), nil); err == nil {
			t.Errorf("Load(%q) succeeded", b)
		}
	}
}

// TestLoadDynamic loads a dynamically linked PIE with the host's glibc
// loader and checks that every loaded byte matches the files.
func TestLoadDynamic(t *testing.T) {
	bin := compile(t, "gcc")
	interp, err := os.ReadFile("/lib64/ld-linux-x86-64.so.2")
	if err != nil {
		t.Skip("no glibc loader on this host")
	}
	fake := machine.NewFake()
	m, _ := mm.New(fake, mm.NewFrames(fake))
	img, err := Load(m, bin, func(p string) (File, error) {
		if p != "/lib64/ld-linux-x86-64.so.2" {
			t.Fatalf("interpreter %q", p)
		}
		return memFile(interp), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if img.InterpBase == 0 || img.Entry == img.ProgEntry {
		t.Fatalf("image %+v", img)
	}
	check := func(name string, file []byte, bias uint64) {
		ef, _ := elf.NewFile(bytes.NewReader(file))
		for _, p := range ef.Progs {
			if p.Type != elf.PT_LOAD {
				continue
			}
			got := make([]byte, p.Memsz)
			if err := m.CopyIn(bias+p.Vaddr, got); err != nil {
				t.Fatalf("%s segment %#x: %v", name, p.Vaddr, err)
			}
			want := make([]byte, p.Memsz)
			copy(want, file[p.Off:p.Off+p.Filesz])
			if p.Flags&elf.PF_W != 0 && p.Memsz > p.Filesz {
				// The tail of the last page is zero (ld.so's allocator
				// uses it as fresh memory).
				end := bias + p.Vaddr + p.Memsz
				tail := make([]byte, (end+pageMask)&^pageMask-end)
				if err := m.CopyIn(end, tail); err != nil || !bytes.Equal(tail, make([]byte, len(tail))) {
					t.Errorf("%s segment %#x: page tail after bss is not zero (%v)", name, p.Vaddr, err)
				}
			}
			if !bytes.Equal(got, want) {
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s segment %#x: byte %#x is %#x, want %#x", name, p.Vaddr, i, got[i], want[i])
					}
				}
			}
		}
	}
	check("program", bin, PIEBase)
	check("interpreter", interp, img.InterpBase)
}
