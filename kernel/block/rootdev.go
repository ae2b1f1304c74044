package block

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrPartUUIDSyntax is a root=PARTUUID= value Linux refuses (it then
// stops waiting for the device).
var ErrPartUUIDSyntax = errors.New("VFS: PARTUUID= is invalid.\nExpected PARTUUID=<valid-uuid-id>[/PARTNROFF=%d]")

// Devnum is a device number; 0 is none.
type Devnum struct{ Major, Minor uint32 }

// IsZero reports the absence of a device.
func (d Devnum) IsZero() bool { return d.Major == 0 && d.Minor == 0 }

// String is Linux's __bdevname for a device not (yet) open.
func (d Devnum) String() string { return fmt.Sprintf("unknown-block(%d,%d)", d.Major, d.Minor) }

// RootName is what Linux calls the root device in its messages: root=
// without a leading /dev/.
func RootName(root string) string { return strings.TrimPrefix(root, "/dev/") }

// FindRoot resolves a root= value as Linux's name_to_dev_t does, against
// the devices present: PARTUUID=<uuid>[/PARTNROFF=<n>] (the UUID compared
// case-insensitively over its given length), PARTLABEL=<name>, /dev/<name>
// (a device of that name, or partition N of the disk named by the rest,
// which need not exist yet), MAJ:MIN, or a hexadecimal device number.
// The zero Devnum means not found; err is ErrPartUUIDSyntax for a
// malformed PARTUUID.
func (l *Layer) FindRoot(root string) (Devnum, error) {
	all := l.All()
	switch {
	case strings.HasPrefix(root, "PARTUUID="):
		uuid, off := root[len("PARTUUID="):], 0
		if i := strings.IndexByte(uuid, '/'); i >= 0 {
			rest, ok := strings.CutPrefix(uuid[i+1:], "PARTNROFF=")
			n, err := strconv.Atoi(rest)
			if !ok || err != nil {
				return Devnum{}, ErrPartUUIDSyntax
			}
			uuid, off = uuid[:i], n
		}
		if uuid == "" {
			return Devnum{}, ErrPartUUIDSyntax
		}
		for _, b := range all {
			if !b.IsPartition() || len(b.Part.UUID) < len(uuid) || !strings.EqualFold(b.Part.UUID[:len(uuid)], uuid) {
				continue
			}
			if off == 0 {
				return Devnum{b.Major, b.Minor}, nil
			}
			want := b.Part.Number + off
			for _, p := range all {
				if p.Disk == b.Disk && p.Part.Number == want {
					return Devnum{p.Major, p.Minor}, nil
				}
			}
			return Devnum{}, nil
		}
		return Devnum{}, nil
	case strings.HasPrefix(root, "PARTLABEL="):
		label := root[len("PARTLABEL="):]
		for _, b := range all {
			if b.IsPartition() && b.Part.Name == label {
				return Devnum{b.Major, b.Minor}, nil
			}
		}
		return Devnum{}, nil
	case !strings.HasPrefix(root, "/dev/"):
		return parseDevnum(root), nil
	}
	name := strings.ReplaceAll(root[len("/dev/"):], "/", "!")
	if len(name) > 31 {
		return Devnum{}, nil
	}
	for _, b := range all {
		if b.Name == name {
			return Devnum{b.Major, b.Minor}, nil
		}
	}
	// A partition that may appear later: disk name + number, or + p + number.
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	if i == 0 || i == len(name) || name[i] == '0' {
		return Devnum{}, nil
	}
	part, _ := strconv.Atoi(name[i:])
	disks := []string{name[:i]}
	if i >= 2 && name[i-1] == 'p' && name[i-2] >= '0' && name[i-2] <= '9' {
		disks = append(disks, name[:i-1])
	}
	for _, d := range disks {
		for _, b := range all {
			if !b.IsPartition() && b.Name == d && part < minorsPerDisk {
				return Devnum{b.Major, b.Minor + uint32(part)}, nil
			}
		}
	}
	return Devnum{}, nil
}

// parseDevnum reads "MAJ:MIN" (or "MAJ:MIN:OFFSET" with one more
// character, as sscanf accepts it) or a hexadecimal new-style device
// number; zero if it is neither.
func parseDevnum(s string) Devnum {
	if maj, min, ok := strings.Cut(s, ":"); ok {
		a, err1 := strconv.ParseUint(maj, 10, 32)
		min, _, _ = strings.Cut(min, ":")
		b, err2 := strconv.ParseUint(min, 10, 32)
		if err1 != nil || err2 != nil || a >= 1<<12 || b >= 1<<20 {
			return Devnum{}
		}
		return Devnum{uint32(a), uint32(b)}
	}
	n, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return Devnum{}
	}
	// new_decode_dev: major in bits 8-19, minor in 0-7 and 20-31.
	return Devnum{uint32(n&0xfff00) >> 8, uint32(n&0xff) | uint32(n>>12)&0xfff00}
}

// PrintPartitions is Linux's printk_all_partitions: each disk and its
// partitions with the number in hex (as root= takes it), the size in KiB,
// the name and the PARTUUID; disks name their driver.
func (l *Layer) PrintPartitions(driver func(*Bdev) string) []string {
	var out []string
	for _, b := range l.All() {
		if b.Sectors512() == 0 {
			continue
		}
		num := fmt.Sprintf("%02x%02x", b.Major, b.Minor)
		if b.Major > 0xff || b.Minor > 0xff {
			num = fmt.Sprintf("%03x:%05x", b.Major, b.Minor)
		}
		if b.IsPartition() {
			out = append(out, fmt.Sprintf("  %s %10d %s %s", num, b.Sectors512()>>1, b.Name, b.Part.UUID))
			continue
		}
		d := " (driver?)"
		if driver != nil && driver(b) != "" {
			d = " driver: " + driver(b)
		}
		out = append(out, fmt.Sprintf("%s %10d %s %s", num, b.Sectors512()>>1, b.Name, d))
	}
	return out
}
