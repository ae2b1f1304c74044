package vdso

import (
	"bytes"
	"debug/elf"
	"testing"
)

func TestBuildIsLoadableELF(t *testing.T) {
	code := bytes.Repeat([]byte{0xc3}, 512) // RETs stand in for the code
	img, err := Build(code, []Function{
		{Names: []string{"__vdso_clock_gettime", "clock_gettime"}, Offset: 0},
		{Names: []string{"__vdso_time", "time"}, Offset: 256},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Bytes)%4096 != 0 {
		t.Fatalf("image is %d bytes", len(img.Bytes))
	}
	f, err := elf.NewFile(bytes.NewReader(img.Bytes))
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != elf.ET_DYN || f.Machine != elf.EM_X86_64 {
		t.Errorf("type %v machine %v", f.Type, f.Machine)
	}
	var haveLoad, haveDyn bool
	for _, p := range f.Progs {
		haveLoad = haveLoad || p.Type == elf.PT_LOAD && p.Flags == elf.PF_R|elf.PF_X
		haveDyn = haveDyn || p.Type == elf.PT_DYNAMIC
	}
	if !haveLoad || !haveDyn {
		t.Fatalf("program headers %+v", f.Progs)
	}
	// Loaders find symbols through the dynamic section (the image has no
	// section headers), so read them the same way.
	dyn := map[uint32]uint64{}
	ds := f.Progs[1]
	d := make([]byte, ds.Filesz)
	ds.ReadAt(d, 0)
	for i := 0; i+16 <= len(d); i += 16 {
		dyn[le32(d[i:])] = uint64(le32(d[i+8:]))
	}
	symtab, strtab, hashOff := dyn[6], dyn[5], dyn[4]
	nsyms := int(le32(img.Bytes[hashOff+4:]))
	want := map[string]uint64{"__vdso_clock_gettime": codeOff, "clock_gettime": codeOff, "__vdso_time": codeOff + 256, "time": codeOff + 256}
	for i := 1; i < nsyms; i++ {
		e := img.Bytes[symtab+uint64(i)*24:]
		nameOff := strtab + uint64(le32(e))
		name := string(img.Bytes[nameOff : nameOff+uint64(bytes.IndexByte(img.Bytes[nameOff:], 0))])
		value := uint64(le32(e[8:]))
		if w, ok := want[name]; ok {
			if value != w || e[4] != 0x12 || e[6] == 0 && e[7] == 0 {
				t.Errorf("%s: value %#x info %#x", name, value, e[4])
			}
			delete(want, name)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing symbols %v", want)
	}
	if so := strtab + dyn[14]; string(img.Bytes[so:so+15]) != "linux-vdso.so.1" {
		t.Errorf("soname %q", img.Bytes[so:so+15])
	}
	// The SysV hash's single bucket chains every symbol.
	if nb, nc := le32(img.Bytes[hashOff:]), le32(img.Bytes[hashOff+4:]); nb != 1 || int(nc) != nsyms {
		t.Errorf("hash: nbucket %d nchain %d", nb, nc)
	}
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func TestBuildRejectsOversizedCode(t *testing.T) {
	if _, err := Build(make([]byte, 4000), nil); err == nil {
		t.Error("accepted code that does not fit")
	}
}
