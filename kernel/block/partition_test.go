package block

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/diskfs/go-diskfs/partition/gpt"
)

// sfdiskImage writes script with sfdisk(8) (util-linux, the tool Linux
// users partition with) onto a fresh image of size bytes and returns the
// image and sfdisk's own JSON reading of it.
func sfdiskImage(t *testing.T, size int64, script string) ([]byte, sfdiskDump) {
	t.Helper()
	if _, err := exec.LookPath("sfdisk"); err != nil {
		t.Skip("sfdisk not installed (Debian package fdisk)")
	}
	img := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(img, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, size); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sfdisk", "--no-reread", "--no-tell-kernel", img)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v\n%s", err, out)
	}
	out, err := exec.Command("sfdisk", "--json", img).Output()
	if err != nil {
		t.Fatalf("sfdisk --json: %v", err)
	}
	var d struct{ Partitiontable sfdiskDump }
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("sfdisk --json: %v\n%s", err, out)
	}
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return b, d.Partitiontable
}

type sfdiskDump struct {
	Label      string
	ID         string
	Partitions []struct {
		Node        string
		Start, Size uint64
		Type        string
		UUID        string
		Name        string
	}
}

// want converts sfdisk's reading into what Linux's scan reports.
func (d sfdiskDump) want(ratio uint64) []Partition {
	var out []Partition
	for _, p := range d.Partitions {
		i := len(p.Node)
		for i > 0 && p.Node[i-1] >= '0' && p.Node[i-1] <= '9' {
			i--
		}
		n, _ := strconv.Atoi(p.Node[i:])
		w := Partition{Number: n, Start: p.Start * ratio, Size: p.Size * ratio, Name: p.Name, UUID: strings.ToLower(p.UUID), Type: strings.ToLower(p.Type)}
		if d.Label == "dos" {
			sig, _ := strconv.ParseUint(strings.TrimPrefix(d.ID, "0x"), 16, 32)
			w.UUID = fmt.Sprintf("%08x-%02x", sig, n)
			w.Type = fmt.Sprintf("%02s", w.Type)
			if isExtended(byte(mustHex(w.Type))) {
				w.Size = min(w.Size, max(ratio, 2))
			}
		}
		out = append(out, w)
	}
	return out
}

func mustHex(s string) uint64 { n, _ := strconv.ParseUint(s, 16, 8); return n }

func TestScanPartitionsSfdisk(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		size         int64
		kind         string
	}{
		{"gpt", "label: gpt\nlabel-id: 4E0D6B4C-1B0F-4D6A-9C3E-2E8C5B7A9D11\n" +
			"start=2048, size=4096, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"esp\", uuid=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n" +
			"size=8192, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=\"root fs\", uuid=A1B2C3D4-0001-0002-0003-000000000004\n",
			16 << 20, TableGPT},
		{"gpt-gap", "label: gpt\nstart=2048, size=2048, name=\"one\"\n3: start=8192, size=2048, name=\"three\"\n", 8 << 20, TableGPT},
		{"gpt-latin1-name", "label: gpt\nstart=2048, size=2048, name=\"caf\xc3\xa9\"\n", 4 << 20, TableGPT},
		{"dos", "label: dos\nlabel-id: 0x1234abcd\nstart=2048, size=2048, type=83\nstart=4096, size=4096, type=c, bootable\n", 8 << 20, TableMBR},
		{"dos-logical", "label: dos\nlabel-id: 0xdeadbeef\nstart=2048, size=2048, type=83\nstart=4096, size=12288, type=5\nstart=6144, size=2048, type=83\nstart=10240, size=2048, type=82\n", 16 << 20, TableMBR},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, dump := sfdiskImage(t, tc.size, tc.script)
			d, err := RAMDiskFrom(512, img)
			if err != nil {
				t.Fatal(err)
			}
			kind, parts, err := ScanPartitions(d)
			if err != nil || kind != tc.kind {
				t.Fatalf("ScanPartitions = %q, %v; want %q", kind, err, tc.kind)
			}
			want := dump.want(1)
			if tc.name == "gpt-latin1-name" {
				// sfdisk shows the UTF-16 name; Linux keeps each
				// unit's low byte: é (U+00E9) is the byte 0xe9.
				want[0].Name = "caf\xe9"
			}
			if fmt.Sprint(parts) != fmt.Sprint(want) {
				t.Errorf("partitions\n got %v\nwant %v", parts, want)
			}
		})
	}
}

// TestScanPartitionsMkimage reads a table written by go-diskfs, the GPT
// writer mkimage uses.
func TestScanPartitionsMkimage(t *testing.T) {
	for _, ssz := range []int{512, 4096} {
		t.Run(strconv.Itoa(ssz), func(t *testing.T) {
			size := int64(64 << 20)
			f, err := os.Create(filepath.Join(t.TempDir(), "disk.img"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(size); err != nil {
				t.Fatal(err)
			}
			per := uint64(1 << 20 / ssz)
			table := &gpt.Table{LogicalSectorSize: ssz, PhysicalSectorSize: ssz, ProtectiveMBR: true,
				GUID: "11111111-2222-3333-4444-555555555555",
				Partitions: []*gpt.Partition{
					{Index: 1, Start: per, End: 2*per - 1, Type: gpt.EFISystemPartition, Name: "esp", GUID: "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"},
					{Index: 2, Start: 2 * per, End: 10*per - 1, Type: gpt.LinuxRootX86_64, Name: "root", GUID: "01234567-89AB-CDEF-0123-456789ABCDEF"},
				}}
			if err := table.Write(f, size); err != nil {
				t.Fatal(err)
			}
			img, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			d, err := RAMDiskFrom(ssz, img)
			if err != nil {
				t.Fatal(err)
			}
			kind, parts, err := ScanPartitions(d)
			if err != nil || kind != TableGPT || len(parts) != 2 {
				t.Fatalf("ScanPartitions = %q, %v, %v", kind, parts, err)
			}
			ratio := uint64(ssz / 512)
			want := []Partition{
				{1, per * ratio, per * ratio, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "esp", strings.ToLower(string(gpt.EFISystemPartition))},
				{2, 2 * per * ratio, 8 * per * ratio, "01234567-89ab-cdef-0123-456789abcdef", "root", strings.ToLower(string(gpt.LinuxRootX86_64))},
			}
			if fmt.Sprint(parts) != fmt.Sprint(want) {
				t.Errorf("got %v\nwant %v", parts, want)
			}

			// The backup table serves when the primary header is
			// damaged; with both gone there is no table.
			img[ssz+20] ^= 0xff
			d, _ = RAMDiskFrom(ssz, img)
			if kind, p2, _ := ScanPartitions(d); kind != TableGPT || fmt.Sprint(p2) != fmt.Sprint(want) {
				t.Errorf("backup GPT: %q %v", kind, p2)
			}
			img[len(img)-ssz+20] ^= 0xff
			d, _ = RAMDiskFrom(ssz, img)
			if kind, p2, _ := ScanPartitions(d); kind != TableNone || p2 != nil {
				t.Errorf("both headers damaged: %q %v", kind, p2)
			}
		})
	}
}

// TestScanPartitionsClip: entries past the end go, entries across it are
// cut; a header checksum mismatch is no GPT.
func TestScanPartitionsClip(t *testing.T) {
	const n = 64 // sectors
	img := make([]byte, n*512)
	img[510], img[511] = 0x55, 0xaa
	rec := img[446:]
	rec[4] = 0xee
	binary.LittleEndian.PutUint32(rec[8:], 1)
	binary.LittleEndian.PutUint32(rec[12:], n-1)
	h := img[512:]
	copy(h, "EFI PART")
	binary.LittleEndian.PutUint32(h[8:], 0x10000)
	binary.LittleEndian.PutUint32(h[12:], 92)
	binary.LittleEndian.PutUint64(h[24:], 1)
	binary.LittleEndian.PutUint64(h[32:], n-1)
	binary.LittleEndian.PutUint64(h[40:], 34)
	binary.LittleEndian.PutUint64(h[48:], n-2)
	binary.LittleEndian.PutUint64(h[72:], 2)
	binary.LittleEndian.PutUint32(h[80:], 4)
	binary.LittleEndian.PutUint32(h[84:], 128)
	ents := img[1024 : 1024+512]
	for i, se := range [][2]uint64{{34, 40}, {41, 200}, {50, 40}, {60, 63}} {
		e := ents[i*128:]
		e[0] = 1 // a non-zero type
		binary.LittleEndian.PutUint64(e[32:], se[0])
		binary.LittleEndian.PutUint64(e[40:], se[1])
		copy(e[56:], []byte{'a', 0, 0x7f, 0, 'b', 1})
	}
	binary.LittleEndian.PutUint32(h[88:], crc32.ChecksumIEEE(ents))
	binary.LittleEndian.PutUint32(h[16:], crc32.ChecksumIEEE(h[:92]))
	d, _ := RAMDiskFrom(512, img)
	kind, parts, err := ScanPartitions(d)
	if err != nil || kind != TableGPT {
		t.Fatal(kind, err)
	}
	// Entry 2 ends past the last sector and entry 3 before it starts:
	// both are invalid; entries 1 and 4 remain.
	if len(parts) != 2 || parts[0].Number != 1 || parts[0].Size != 7 || parts[1].Number != 4 || parts[1].Size != 4 || parts[0].Name != "a!b" {
		t.Errorf("got %+v", parts)
	}
	h[20] ^= 1 // reserved bytes are under the checksum
	d, _ = RAMDiskFrom(512, img)
	if kind, _, _ := ScanPartitions(d); kind != TableNone {
		t.Errorf("bad header checksum: kind %q", kind)
	}
}

func TestView(t *testing.T) {
	disk, _ := NewRAMDisk(512, 100)
	v := NewView(disk, 10, 20)
	if v.Sectors() != 20 {
		t.Fatalf("Sectors %d", v.Sectors())
	}
	p := bytes.Repeat([]byte{7}, 512)
	if err := v.WriteSectors(p, 19); err != nil {
		t.Fatal(err)
	}
	if b := disk.Bytes(); b[29*512] != 7 || b[30*512] != 0 {
		t.Error("write landed in the wrong place")
	}
	for _, c := range []struct {
		n  int
		at uint64
	}{{512, 20}, {1024, 19}, {100, 0}, {512, 1 << 63}} {
		if err := v.ReadSectors(make([]byte, c.n), c.at); err == nil {
			t.Errorf("read of %d at %d: no error", c.n, c.at)
		}
		if err := v.WriteSectors(make([]byte, c.n), c.at); err == nil {
			t.Errorf("write of %d at %d: no error", c.n, c.at)
		}
	}
	if b := disk.Bytes(); b[30*512] != 0 {
		t.Error("a refused write reached the disk")
	}
}

func FuzzScanPartitions(f *testing.F) {
	seed := make([]byte, 8*512)
	seed[510], seed[511] = 0x55, 0xaa
	seed[446+4] = 0xee
	seed[446+8] = 1
	copy(seed[512:], "EFI PART")
	f.Add(seed, false)
	mbr := make([]byte, 4*512)
	mbr[510], mbr[511] = 0x55, 0xaa
	mbr[446+4], mbr[446+8], mbr[446+12] = 5, 1, 3
	mbr[1024+510], mbr[1024+511] = 0x55, 0xaa
	f.Add(mbr, true)
	f.Fuzz(func(t *testing.T, img []byte, big bool) {
		ssz := 512
		if big {
			ssz = 4096
		}
		d, err := RAMDiskFrom(ssz, img)
		if err != nil {
			return
		}
		_, parts, err := ScanPartitions(d)
		if err != nil {
			t.Fatal(err)
		}
		capacity := d.Sectors() * uint64(ssz/512)
		for _, p := range parts {
			if p.Number < 1 || p.Number > maxPartitions || p.Size == 0 || p.Start >= capacity || p.Size > capacity-p.Start {
				t.Fatalf("partition outside the disk: %+v (capacity %d)", p, capacity)
			}
		}
	})
}
