package imagebuild

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"aramid/imagebuild/compress"
	"aramid/imagebuild/cpio"
	"aramid/imagebuild/tree"
)

// rootInitrdBusybox is the static busybox the root-finding initramfs runs
// (Debian's busybox-static; make deps installs it).
var rootInitrdBusybox = "/bin/busybox"

// rootInitrdModules are the modules, in load order, that a kernel built
// like Debian's (virtio and virtio-blk as modules) needs to see a virtio
// disk: the ring, the bus, both PCI transports (modern and legacy) and the
// block driver. Paths are relative to lib/modules/<release>/kernel.
var rootInitrdModules = []string{
	"drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio.ko",
	"drivers/virtio/virtio_pci_legacy_dev.ko", "drivers/virtio/virtio_pci_modern_dev.ko",
	"drivers/virtio/virtio_pci.ko", "drivers/block/virtio_blk.ko",
}

// rootInitrdNetModules are loaded after rootInitrdModules when the kernel
// has them all: the virtio-net driver and what it needs, so that a booted
// system (a Debian image's networkd) finds its NIC although the image holds
// no modules of the reference kernel. Modules stay loaded across
// switch_root.
var rootInitrdNetModules = []string{
	"net/core/failover.ko", "drivers/net/net_failover.ko", "drivers/net/virtio_net.ko",
}

// kernelModules finds rootInitrdModules for the kernel at kernelPath: the
// reference kernel (build/linux/vmlinuz) has its package unpacked beside
// it, under pkg/root/lib/modules/<release>/kernel. It returns the release
// and the host paths of the modules in load order, or "" and nil when no
// release directory there holds all of them (a kernel with virtio built in
// needs none).
func kernelModules(kernelPath string) (release string, files []string) {
	dirs, _ := filepath.Glob(filepath.Join(filepath.Dir(kernelPath), "pkg", "root", "lib", "modules", "*", "kernel"))
	sort.Strings(dirs)
	for _, d := range dirs {
		var out []string
		for _, m := range rootInitrdModules {
			p := filepath.Join(d, filepath.FromSlash(m))
			if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
				out = nil
				break
			}
			out = append(out, p)
		}
		if out != nil {
			var net []string
			for _, m := range rootInitrdNetModules {
				p := filepath.Join(d, filepath.FromSlash(m))
				if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
					net = nil
					break
				}
				net = append(net, p)
			}
			return filepath.Base(filepath.Dir(d)), append(out, net...)
		}
	}
	return "", nil
}

// rootInitScript is PID 1 of the root-finding initramfs. It does for a
// kernel that cannot reach its root disk without modules what Linux's
// prepare_namespace does when it can: it loads the modules (%s is
// replaced by their paths), reads root=, rootfstype=, rootflags=, ro/rw,
// rootwait and init= from the kernel command line, waits for the root
// device (for ever with rootwait, else about 10 s), mounts it (read-only
// unless rw) and runs init= (else /sbin/init, /etc/init, /bin/init,
// /bin/sh) in it with the arguments the kernel gave /init. /proc, /sys and
// /dev are unmounted first, so init finds what Linux leaves it: no /dev
// (the reference kernel does not mount devtmpfs itself). root= takes
// PARTUUID=<guid> (read from the disk's GPT), PARTLABEL=<name> and
// /dev/<name>.
const rootInitScript = `#!/bin/busybox sh
bb=/bin/busybox
say() { $bb echo "mkimage-initramfs: $*"; }
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
for m in %s; do
	$bb insmod "$m" || say "insmod $m failed"
done
root= fstype= flags= mode=ro init= wait=
for arg in $($bb cat /proc/cmdline); do
	case "$arg" in
	root=*) root=${arg#root=} ;;
	rootfstype=*) fstype=${arg#rootfstype=} ;;
	rootflags=*) flags=${arg#rootflags=} ;;
	init=*) init=${arg#init=} ;;
	ro) mode=ro ;;
	rw) mode=rw ;;
	rootwait) wait=1 ;;
	esac
done
# gptuuid DISK N prints the unique GUID of partition N in DISK's GPT, as
# Linux spells a PARTUUID.
gptuuid() {
	ss=$($bb cat /sys/class/block/$1/queue/logical_block_size) || return 1
	[ "$($bb dd if=/dev/$1 bs=$ss skip=1 count=1 2>/dev/null | $bb head -c 8)" = "EFI PART" ] || return 1
	set -- "$1" "$2" $($bb hexdump -s $((ss + 72)) -n 8 -e '2/4 "%%u "' /dev/$1) \
		$($bb hexdump -s $((ss + 84)) -n 4 -e '1/4 "%%u"' /dev/$1)
	[ $# = 5 ] || return 1
	$bb hexdump -s $((($3 + ($4 << 32)) * ss + ($2 - 1) * $5 + 16)) -n 16 \
		-e '1/4 "%%08x" "-" 2/2 "%%04x-" 2/1 "%%02x" "-" 6/1 "%%02x"' /dev/$1
}
# findroot prints the name of the root= device, if it is there.
findroot() {
	case "$root" in
	PARTUUID=*)
		want=$($bb echo "${root#PARTUUID=}" | $bb tr A-F a-f)
		for p in /sys/class/block/*; do
			[ -f $p/partition ] || continue
			disk=$($bb basename $($bb dirname $($bb readlink -f $p)))
			[ "$(gptuuid $disk $($bb cat $p/partition))" = "$want" ] && { $bb echo ${p##*/}; return; }
		done ;;
	PARTLABEL=*)
		for p in /sys/class/block/*; do
			$bb grep -qx "PARTNAME=${root#PARTLABEL=}" $p/uevent 2>/dev/null && { $bb echo ${p##*/}; return; }
		done ;;
	/dev/*)
		[ -b "$root" ] && $bb echo "${root#/dev/}" ;;
	esac
}
tries=0
until dev=$(findroot) && [ -n "$dev" ]; do
	if [ -z "$wait" ] && [ $tries -ge 100 ]; then
		say "VFS: Cannot open root device \"$root\""
		exit 1
	fi
	[ $tries = 0 ] && [ -n "$wait" ] && say "Waiting for root device $root..."
	$bb usleep 100000
	tries=$((tries + 1))
done
opts=$mode
[ -z "$flags" ] || opts=$opts,$flags
if ! $bb mount ${fstype:+-t "$fstype"} -o "$opts" /dev/$dev /root; then
	say "VFS: Unable to mount root fs on $dev"
	exit 1
fi
say "mounted /dev/$dev ($root, $opts) on /root"
if [ -z "$init" ]; then
	for i in /sbin/init /etc/init /bin/init /bin/sh; do
		[ -x /root$i ] && { init=$i; break; }
	done
fi
$bb umount /proc /sys /dev
exec $bb switch_root /root "$init" "$@"
`

// rootInitrd builds the initramfs that lets the kernel at kernelPath boot
// from the disk's ext4 root: a static busybox, the virtio modules found
// beside the kernel (kernelModules), and rootInitScript as /init. Its
// bytes depend only on those files, the epoch and the compression (xo
// only says where compressed blocks are cached). note
// says what went in, for the manifest.
func rootInitrd(kernelPath string, m compress.Method, xo compress.XzOptions, epoch time.Time) (data []byte, note string, err error) {
	bb, err := os.ReadFile(rootInitrdBusybox)
	if err != nil {
		return nil, "", fmt.Errorf("imagebuild: root initramfs: %w (make deps installs busybox-static)", err)
	}
	if err := checkStatic(bb); err != nil {
		return nil, "", fmt.Errorf("imagebuild: root initramfs: %s: %w (make deps installs busybox-static)", rootInitrdBusybox, err)
	}
	t := tree.New()
	add := func(e tree.Entry) {
		if err == nil {
			err = t.Add(e)
		}
	}
	const origin = "generated: mkimage's root-finding initramfs"
	for _, d := range []string{"/proc", "/sys", "/dev", "/root"} {
		add(tree.Entry{Path: d, Type: tree.Dir, Mode: 0o755, Origin: origin})
	}
	add(tree.Entry{Path: "/dev/console", Type: tree.CharDev, Mode: 0o600, Major: 5, Minor: 1, Origin: origin})
	add(tree.Entry{Path: "/bin/busybox", Type: tree.Regular, Mode: 0o755, Data: bb, Origin: "copied from " + rootInitrdBusybox})
	release, mods := kernelModules(kernelPath)
	var inImage, names []string
	for i, p := range mods {
		data, rerr := os.ReadFile(p)
		if rerr != nil {
			return nil, "", fmt.Errorf("imagebuild: root initramfs: %w", rerr)
		}
		q := path.Join("/lib/modules", release, "kernel", append(rootInitrdModules[:len(rootInitrdModules):len(rootInitrdModules)], rootInitrdNetModules...)[i])
		add(tree.Entry{Path: q, Type: tree.Regular, Mode: 0o644, Data: data, Origin: "copied from " + p})
		inImage = append(inImage, q)
		names = append(names, path.Base(q)+" (sha256 "+sum(data)+")")
	}
	add(tree.Entry{Path: "/init", Type: tree.Regular, Mode: 0o755, Origin: origin,
		Data: []byte(fmt.Sprintf(rootInitScript, strings.Join(inImage, " ")))})
	if err != nil {
		return nil, "", fmt.Errorf("imagebuild: root initramfs: %w", err)
	}
	var b bytes.Buffer
	zw, err := compress.NewWriterWith(&b, m, xo)
	if err != nil {
		return nil, "", err
	}
	if err := cpio.WriteTree(zw, t, epoch); err != nil {
		return nil, "", fmt.Errorf("imagebuild: root initramfs: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, "", fmt.Errorf("imagebuild: root initramfs: %w", err)
	}
	note = fmt.Sprintf("busybox sh /init (root=, rootwait, switch_root to init=) with %s (sha256 %s)", rootInitrdBusybox, sum(bb))
	if len(names) > 0 {
		note += "; modules of " + release + ": " + strings.Join(names, ", ")
	} else {
		note += "; no modules found beside the kernel (its virtio-blk must be built in)"
	}
	return b.Bytes(), note, nil
}

// checkStatic refuses an ELF executable that names a program interpreter:
// nothing in the initramfs could load it.
func checkStatic(data []byte) error {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not an ELF file: %w", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("dynamically linked")
		}
	}
	return nil
}
