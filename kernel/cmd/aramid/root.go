package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/block"
	"aramid/kernel/cmdline"
	"aramid/kernel/klog"
	"aramid/kernel/vfs"
)

// rootProbeWait bounds the wait for a root device named without rootwait:
// Linux waits for the drivers' probing to finish (wait_for_device_probe);
// Aramid's drivers register their disks as they find them, so the wait is
// for the device itself, for at most this long.
var rootProbeWait = 10 * time.Second

// prepareRoot follows Linux's kernel_init_freeable: when the initramfs
// holds the rdinit= program (default /init), PID 1 runs it and no root is
// mounted (it may mount one and switch_root). Otherwise the root= device
// is mounted (prepare_namespace) and becomes PID 1's root and working
// directory. It returns the rdinit program to try first, "" when the
// root was mounted instead; an error means the kernel must stop (Linux
// panics with the same text).
func (b *blockDevices) prepareRoot(log *klog.Logger, cfg cmdline.Config, v *vfs.VFS, fsc *vfs.FSContext) (string, error) {
	kernel := &vfs.Caller{}
	if cfg.RDInit != "" && v.AccessAt(kernel, fsc, nil, cfg.RDInit, abi.X_OK, 0) == nil {
		return cfg.RDInit, nil
	}
	return "", b.mountRoot(log, cfg, v, fsc, kernel)
}

// mountRoot mounts the root device at /root in the rootfs, mounts
// devtmpfs on its /dev when devtmpfs.mount=1 says so (the reference
// kernel is built without CONFIG_DEVTMPFS_MOUNT), and makes it the root
// and working directory of fsc (Linux moves it onto / and chroots).
func (b *blockDevices) mountRoot(log *klog.Logger, cfg cmdline.Config, v *vfs.VFS, fsc *vfs.FSContext, c *vfs.Caller) error {
	if cfg.RootDelay > 0 {
		log.Infof("Waiting %d sec before mounting root device...", cfg.RootDelay)
		time.Sleep(time.Duration(cfg.RootDelay) * time.Second)
	}
	dev := b.findRoot(log, cfg)
	name := "(null)" // Linux prints the unset root_device_name so
	if cfg.Root != "" {
		name = block.RootName(cfg.Root)
	}
	where := dev.String()
	listPartitions := func() {
		for _, l := range b.layer.PrintPartitions(func(*block.Bdev) string { return "virtio_blk" }) {
			log.Warnf("%s", l)
		}
	}
	cannotOpen := func(err error) error {
		log.Warnf("VFS: Cannot open root device \"%s\" or %s: error %d", name, where, -errnoOf(err))
		log.Warnf("Please append a correct \"root=\" boot option; here are the available partitions:")
		listPartitions()
		return fmt.Errorf("VFS: Unable to mount root fs on %s", where)
	}
	d := b.layer.ByNumber(dev.Major, dev.Minor)
	if d == nil {
		if len(diskFilesystems) > 0 {
			log.Errorf("/dev/root: Can't open blockdev") // the filesystem's word, as Linux's first try prints it
		}
		return cannotOpen(abi.ENXIO)
	}
	var types []string
	for _, t := range strings.Split(cfg.RootFSType, ",") {
		if t != "" {
			types = append(types, t)
		}
	}
	if len(types) == 0 {
		types = diskFSNames()
	}
	flags := uint32(abi.MS_SILENT)
	if !cfg.RootRW {
		flags |= abi.MS_RDONLY
	}
	for {
		for _, t := range types {
			fs, release, err := b.mountDisk(d, t, flags, cfg.RootFlags)
			if err == nil {
				err = v.MountBlockFS(c, fsc, "/root", fs, release, flags, "/dev/root", cfg.RootFlags)
				if err != nil && release != nil {
					release()
				}
			}
			switch {
			case err == nil:
				ro := ""
				if flags&abi.MS_RDONLY != 0 {
					ro = " readonly"
				}
				log.Infof("VFS: Mounted root (%s filesystem)%s on device %d:%d.", t, ro, d.Major, d.Minor)
				return enterRoot(log, cfg, v, fsc, c)
			case errors.Is(err, abi.EACCES), errors.Is(err, abi.EINVAL):
				continue
			default:
				return cannotOpen(err)
			}
		}
		if flags&abi.MS_RDONLY != 0 {
			break
		}
		flags |= abi.MS_RDONLY
	}
	log.Warnf("List of all partitions:")
	listPartitions()
	log.Warnf("No filesystem could mount root, tried: %s", " "+strings.Join(types, " "))
	return fmt.Errorf("VFS: Unable to mount root fs on %s", where)
}

// findRoot resolves root=, waiting for the device: forever with rootwait
// (saying so on the console), for rootProbeWait without it.
func (b *blockDevices) findRoot(log *klog.Logger, cfg cmdline.Config) block.Devnum {
	if cfg.Root == "" {
		return block.Devnum{}
	}
	b.layer.Sync()
	dev, err := b.layer.FindRoot(cfg.Root)
	if err != nil {
		log.Errorf("%v", err)
		return block.Devnum{}
	}
	if !dev.IsZero() {
		return dev
	}
	wait := rootProbeWait
	if cfg.RootWait {
		log.Infof("Waiting for root device %s...", cfg.Root)
		wait = -1
	}
	_, _ = b.layer.Wait(func(*block.Bdev) bool {
		dev, _ = b.layer.FindRoot(cfg.Root)
		return !dev.IsZero()
	}, wait)
	return dev
}

// enterRoot finishes prepare_namespace: devtmpfs on /dev if asked, then
// the new root becomes the root and working directory.
func enterRoot(log *klog.Logger, cfg cmdline.Config, v *vfs.VFS, fsc *vfs.FSContext, c *vfs.Caller) error {
	if n, err := strconv.Atoi(cfg.Params["devtmpfs.mount"]); err == nil && n != 0 {
		if err := v.MountByType(c, fsc, "devtmpfs", "/root/dev", "devtmpfs", abi.MS_SILENT, ""); err != nil {
			log.Infof("devtmpfs: error mounting %d", -errnoOf(err))
		} else {
			log.Infof("devtmpfs: mounted")
		}
	}
	if err := v.Chdir(c, fsc, nil, "/root"); err != nil {
		return fmt.Errorf("root: chdir: %w", err)
	}
	if err := v.Chroot(c, fsc, "/root"); err != nil {
		return fmt.Errorf("root: chroot: %w", err)
	}
	return nil
}

// errnoOf is the errno number of err (EIO for an error that carries none).
func errnoOf(err error) int {
	var e abi.Errno
	if errors.As(err, &e) {
		return int(e)
	}
	return int(abi.EIO)
}
