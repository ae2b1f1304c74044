# Aramid — top-level build and test entry points.
#
#   make run          build the kernel and the busybox image, boot them in QEMU
#                     to an interactive shell on the serial console (the main job)
#   make test         install what is missing, then host unit tests + QEMU suites
#
# Every QEMU run uses TCG: /dev/kvm does not work on the build machines.

SHELL      := /bin/bash
GO         ?= go
BUILD      := build
export GOTOOLCHAIN := local

KERNEL_ELF := $(BUILD)/kernel.elf
MKIMAGE    := $(BUILD)/mkimage
QEMU       ?= qemu-system-x86_64
QEMU_FLAGS ?= -accel tcg -cpu max -m 128M -nographic -no-reboot \
              -device isa-debug-exit,iobase=0xf4,iosize=0x04
APPEND     ?= console=ttyS0

# Debian packages the build and the suites need. `make deps` installs whichever
# are missing (apt-get update first), so a fresh Debian machine needs nothing else.
DEB_PACKAGES := qemu-system-x86 ovmf grub-pc-bin grub-efi-amd64-bin grub-common xorriso \
                musl-tools cpio xz-utils dosfstools mtools e2fsprogs busybox-static \
                manpages-dev gcc libc6-dev fdisk

.PHONY: all deps kernel run run-kernel test test-unit test-boot clean linux-ref

all: kernel

deps: $(BUILD)/.deps-ok
$(BUILD)/.deps-ok: Makefile
	@mkdir -p $(BUILD)
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@touch $@

# ---- kernel ---------------------------------------------------------------

KERNEL_SRCS := $(shell find kernel platform -name '*.go' -o -name '*.s' 2>/dev/null)

.PHONY: test-kernel bench-boot
kernel: $(KERNEL_ELF)
$(KERNEL_ELF): $(KERNEL_SRCS) go.mod
	@mkdir -p $(BUILD)
	$(GO) run ./platform/x64/boot/cmd/mkkernel -o $@

# The main job: boot Aramid with the busybox recipe's initramfs in QEMU, to a
# shell on the serial console (`poweroff -f` or Ctrl-A X quits).
# `make run-kernel APPEND="console=ttyS0 aramid.selftest=1"` boots the kernel
# alone and runs the in-kernel checks.
RUN_IMAGE := $(BUILD)/images/busybox/initramfs.cpio.xz
run: $(KERNEL_ELF) $(RUN_IMAGE) deps
	$(QEMU) $(QEMU_FLAGS) -kernel $(KERNEL_ELF) -initrd $(RUN_IMAGE) -append "console=ttyS0 rdinit=/init"

$(RUN_IMAGE): recipes/busybox.yaml $(MKIMAGE) deps
	$(MKIMAGE) --recipe busybox -o $(BUILD)/images/busybox --format initramfs,manifest

run-kernel: $(KERNEL_ELF) deps
	$(QEMU) $(QEMU_FLAGS) -kernel $(KERNEL_ELF) -append "$(APPEND)"

# QEMU boot tests of the kernel alone (also part of `go test ./...`).
test-kernel: deps
	$(GO) test ./platform/... ./kernel/... ./testing/kernelboot/...

# Boot-time and memory figures: median of 5 selftest boots under TCG.
bench-boot: $(KERNEL_ELF) deps
	$(GO) run ./testing/cmd/boottime -kernel $(KERNEL_ELF) -n 5

# ---- reference Linux kernel (Debian's cloud kernel, never committed) -------

LINUX_REF := $(BUILD)/linux/vmlinuz
linux-ref: $(LINUX_REF)
$(LINUX_REF):
	@mkdir -p $(BUILD)/linux/pkg
	@pkg=$$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $$2; exit}'); \
	if [ -z "$$pkg" ]; then apt-get update -qq; pkg=$$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/{print $$2; exit}'); fi; \
	test -n "$$pkg" || { echo "linux-ref: cannot resolve linux-image-cloud-amd64" >&2; exit 1; }; \
	echo "linux-ref: fetching $$pkg"; \
	cd $(BUILD)/linux/pkg && rm -f *.deb && apt-get download -q $$pkg && dpkg-deb -x *.deb root
	@cp $(BUILD)/linux/pkg/root/boot/vmlinuz-* $@
	@echo "linux-ref: $$(ls $(BUILD)/linux/pkg/root/boot/vmlinuz-*)"

# ---- contracts ----
# The differential contract suite (testing/contracts, harness in
# testing/contract) and the benchmarks (testing/bench). One boot per kernel
# runs the whole suite; see `go run ./testing/cmd/contracts -h`.
#   make test-contracts         Linux (reference) and Aramid: every contract PASSes or is listed
#                               in testing/contracts/known-divergences.txt (part of make test)
#   make test-contracts-linux   the reference alone: every contract must pass
#   make bench / bench-syscall  median of 3 interleaved boots per kernel
CONTRACT_KERNELS ?= linux,aramid
CONTRACT_FLAGS   ?=
BENCH_FLAGS      ?= -runs 3

.PHONY: test-contracts test-contracts-linux bench bench-syscall

test-contracts: deps $(LINUX_REF) $(KERNEL_ELF)
	$(GO) run ./testing/cmd/contracts -kernels $(CONTRACT_KERNELS) $(CONTRACT_FLAGS)

test-contracts-linux: deps $(LINUX_REF)
	$(GO) run ./testing/cmd/contracts -kernels linux $(CONTRACT_FLAGS)

# The systemd rows boot the systemd-v245 initramfs on both kernels as well.
BENCH_SYSTEMD := $(BUILD)/images/systemd-v245-bench
bench: deps $(LINUX_REF) $(KERNEL_ELF) $(MKIMAGE)
	$(MKIMAGE) -q --recipe systemd-v245 -o $(BENCH_SYSTEMD) --format initramfs
	$(GO) run ./testing/bench/cmd/bench -systemd $(BENCH_SYSTEMD)/initramfs.cpio.xz $(BENCH_FLAGS)

bench-syscall: deps $(LINUX_REF) $(KERNEL_ELF)
	$(GO) run ./testing/bench/cmd/bench -syscall $(BENCH_FLAGS)
# ---- end contracts ----

# ---- userland ----
# The user-programs differential suite (issue 6; testing/userland): busybox
# applets and shell, glibc/musl static/dynamic builds, pthreads, a 200-process
# fork tree, signals, mmap and bad pointers, booted on the reference Linux and
# on Aramid (a private mkkernel build unless USERLAND_KERNELS names a path);
# the output must be identical. See `go run ./testing/userland/cmd/userland -h`.
#   make test-userland         Linux (reference) and Aramid
#   make test-userland-linux   the reference alone: every test must pass
USERLAND_KERNELS ?= linux,aramid
USERLAND_FLAGS   ?=

.PHONY: test-userland test-userland-linux

test-userland: deps $(LINUX_REF)
	$(GO) run ./testing/userland/cmd/userland -kernels $(USERLAND_KERNELS) $(USERLAND_FLAGS)

test-userland-linux: deps $(LINUX_REF)
	$(GO) run ./testing/userland/cmd/userland -kernels linux $(USERLAND_FLAGS)
# ---- end userland ----

# ---- stress ----
# The stress suite (issue 11; testing/stress): timerfd/eventfd/epoll/poll/
# inotify storms, fork/vfork/clone storms under memory pressure, mmap and
# memfd churn, a signal flood, a pipe herd, zombies, file churn, a memory
# hog, an exec storm as an unprivileged user, the get*/rlimit family and
# limits hit on purpose, then a check that new work still starts promptly:
# one boot per kernel, Linux and Aramid side by side. It fails when a
# workload fails or hangs on either kernel, or takes Aramid more than 3x
# Linux's wall time (measured again, best of up to 3, before it counts).
#   make test-stress         Linux (reference) and Aramid
#   make test-stress-linux   the reference alone
STRESS_KERNELS ?= linux,aramid
STRESS_FLAGS   ?=

.PHONY: test-stress test-stress-linux

test-stress: deps $(LINUX_REF) $(KERNEL_ELF)
	$(GO) run ./testing/stress/cmd/stress -kernels $(STRESS_KERNELS) $(STRESS_FLAGS)

test-stress-linux: deps $(LINUX_REF)
	$(GO) run ./testing/stress/cmd/stress -kernels linux $(STRESS_FLAGS)
# ---- end stress ----

# ---- mkimage ----
# The image builder (cmd/mkimage over imagebuild/) and the systemd boot checks
# (testing/systemd). See docs/MKIMAGE.md.
#   make mkimage          build build/mkimage
#   make test-mkimage     unit tests, reproducibility, fsck round trips, and the
#                         systemd-v245 QEMU boots (initramfs, UEFI, BIOS) on Linux and Aramid
#   make test-systemd     build the recipe's images and boot them: KERNEL=aramid
#                         (default, build/kernel.elf) or KERNEL=linux (build/linux/vmlinuz)
#   make bench-mkimage    mkimage vs the GNU pipeline, same run
#   make test-systemd-source  (not in make test: slow) fetch Debian's systemd 252
#                         source package, build it with meson through mkimage
#                         (recipe systemd-252-source) and boot the result

KERNEL         ?= aramid
SYSTEMD_RECIPE ?= systemd-v245
SYSTEMD_MODES  ?= initramfs,uefi,bios
IMAGES         := $(BUILD)/images

.PHONY: mkimage test-mkimage test-systemd bench-mkimage test-systemd-source

mkimage: $(MKIMAGE)
$(MKIMAGE): $(shell find imagebuild cmd/mkimage -name '*.go' 2>/dev/null) go.mod go.sum
	@mkdir -p $(BUILD)
	$(GO) build -o $@ ./cmd/mkimage

test-mkimage: deps $(LINUX_REF)
	$(GO) test ./imagebuild/... ./cmd/mkimage/... ./recipes/... ./testing/systemd/...

test-systemd: deps $(LINUX_REF) $(MKIMAGE)
	@if [ "$(KERNEL)" = aramid ]; then $(MAKE) --no-print-directory kernel; fi
	$(MKIMAGE) --recipe $(SYSTEMD_RECIPE) -o $(IMAGES)/$(SYSTEMD_RECIPE)-$(KERNEL) --boot-default $(KERNEL)
	$(GO) run ./testing/systemd/cmd/bootcheck -recipe $(SYSTEMD_RECIPE) -images $(IMAGES)/$(SYSTEMD_RECIPE)-$(KERNEL) \
	  -kernel $(KERNEL) -modes $(SYSTEMD_MODES)

bench-mkimage: deps $(MKIMAGE)
	@set -e; b=$(BUILD)/bench-mkimage; rm -rf $$b; mkdir -p $$b; \
	t0=$$(date +%s.%N); \
	SOURCE_DATE_EPOCH=0 $(MKIMAGE) -q --recipe $(SYSTEMD_RECIPE) -o $$b/mkimage --linux /dev/null >/dev/null; \
	t1=$$(date +%s.%N); \
	$(MKIMAGE) inspect $$b/mkimage/initramfs.cpio.xz >/dev/null; \
	mkdir -p $$b/root && cd $$b/root && xz -dc ../mkimage/initramfs.cpio.xz | cpio -idm --quiet 2>/dev/null; cd - >/dev/null; \
	t2=$$(date +%s.%N); \
	(cd $$b/root && find . | LC_ALL=C sort | cpio -o -H newc --quiet | xz -T1 --check=crc32 > ../gnu.cpio.xz); \
	size=$$(( $$(du -sm $$b/root | cut -f1) + 64 )); \
	mke2fs -q -t ext4 -d $$b/root $$b/gnu-root.img $${size}M; \
	t3=$$(date +%s.%N); \
	echo "bench-mkimage: mkimage --recipe $(SYSTEMD_RECIPE) (harvest, cpio+xz, GPT+ESP+ext4+GRUB): $$(awk "BEGIN{printf \"%.2f\", $$t1-$$t0}") s"; \
	echo "bench-mkimage: GNU find|cpio -o -H newc|xz -T1 --check=crc32 + mke2fs -d (same tree): $$(awk "BEGIN{printf \"%.2f\", $$t3-$$t2}") s"; \
	echo "bench-mkimage: ratio mkimage/GNU = $$(awk "BEGIN{printf \"%.2f\", ($$t1-$$t0)/($$t3-$$t2)}")"
# systemd from source. deb-src lines are added for this target only: a private
# apt configuration (sources derived from the host's own, lists under
# build/apt) so the system's apt setup is left as it is.
SYSTEMD_SRC_RECIPE  := systemd-252-source
SYSTEMD_SRC_PKG     := systemd=252.38-1~deb12u1
SYSTEMD_SRC_TARBALL := $(BUILD)/src/systemd/systemd_252.38.orig.tar.gz
SYSTEMD_BUILD_DEPS  := meson ninja-build gperf pkgconf python3-jinja2 libcap-dev libmount-dev libcrypt-dev
APT_SRC             := $(CURDIR)/$(BUILD)/apt
APT_SRC_OPTS        := -o Dir::Etc::SourceList=$(APT_SRC)/sources.list -o Dir::Etc::SourceParts=$(APT_SRC)/parts \
                       -o Dir::State::Lists=$(APT_SRC)/lists -o Dir::Cache=$(APT_SRC)/cache

$(SYSTEMD_SRC_TARBALL):
	@mkdir -p $(APT_SRC)/parts $(APT_SRC)/lists/partial $(APT_SRC)/cache/archives/partial $(dir $@)
	@: > $(APT_SRC)/sources.list
	@if [ -f /etc/apt/sources.list ]; then sed -n 's/^deb \(.*\)/deb \1\ndeb-src \1/p' /etc/apt/sources.list > $(APT_SRC)/sources.list; fi
	@rm -f $(APT_SRC)/parts/*; for f in /etc/apt/sources.list.d/*.sources; do [ -f "$$f" ] || continue; \
	  grep -q '^Types:.*\bdeb\b' "$$f" && sed 's/^Types: deb$$/Types: deb deb-src/' "$$f" > $(APT_SRC)/parts/$$(basename $$f); done; true
	nice -n 19 apt-get $(APT_SRC_OPTS) update -q
	cd $(dir $@) && apt-get $(APT_SRC_OPTS) source --download-only --tar-only $(SYSTEMD_SRC_PKG)
	@test -f $@ || { echo "test-systemd-source: apt-get source gave no $@"; exit 1; }

test-systemd-source: deps $(LINUX_REF) $(MKIMAGE) $(SYSTEMD_SRC_TARBALL)
	apt-get install -y -q --no-install-recommends $(SYSTEMD_BUILD_DEPS) >/dev/null
	$(MKIMAGE) --recipe $(SYSTEMD_SRC_RECIPE) -o $(IMAGES)/$(SYSTEMD_SRC_RECIPE) --format initramfs,manifest
	@if grep -q '"systemd": "FALLBACK' $(IMAGES)/$(SYSTEMD_SRC_RECIPE)/manifest.json; then \
	  echo "test-systemd-source: FAIL: mkimage fell back to the host's systemd (see the !!! FALLBACK line above)"; exit 1; fi
	@grep '"systemd": ' $(IMAGES)/$(SYSTEMD_SRC_RECIPE)/manifest.json
	$(GO) run ./testing/systemd/cmd/bootcheck -recipe $(SYSTEMD_SRC_RECIPE) -images $(IMAGES)/$(SYSTEMD_SRC_RECIPE) \
	  -kernel linux -modes initramfs
# ---- end mkimage ----

# ---- tests ----------------------------------------------------------------

# test-unit needs the reference kernel: go test ./... includes the QEMU tests
# that compare with Linux (testing/systemd, testing/oom, testing/kernelboot),
# which skip without it. It covers test-mkimage's packages too.
test: deps test-unit test-contracts test-userland test-stress test-fuzz

test-unit: deps $(LINUX_REF)
	$(GO) test -timeout 30m ./...

clean:
	rm -rf $(BUILD)

# ---- fuzz ----
# The random-system-call fuzzer (issue 11; testing/fuzz): PID 1 runs N calls
# as root and N as an unprivileged uid, from 8 processes x 4 threads, on each
# kernel in FUZZ_KERNELS, once per seed, then a health check (fork, exec,
# file I/O, a timer). Kernel panics (serial log), hangs (a silent console) and
# failed health checks fail the run with its seed and the command that
# replays it. SEED=random3 (the default) draws three seeds and prints them.
#   make fuzz N=1000000 SEED=1,2,3      the full run (FUZZ_KERNELS=linux,aramid by default)
#   make test-fuzz                      the short run for make test: 50,000 calls per phase,
#                                       seeds 1 and 2, Linux and Aramid (about a minute per kernel)
N            ?= 1000000
SEED         ?= random3
FUZZ_KERNELS ?= linux,aramid
FUZZ_FLAGS   ?=

.PHONY: fuzz test-fuzz

fuzz: deps $(LINUX_REF) $(KERNEL_ELF)
	$(GO) run ./testing/fuzz/cmd/fuzz -kernels $(FUZZ_KERNELS) -n $(N) -seeds $(SEED) $(FUZZ_FLAGS)

test-fuzz: deps $(LINUX_REF) $(KERNEL_ELF)
	$(GO) run ./testing/fuzz/cmd/fuzz -kernels linux,aramid -n 50000 -seeds 1,2 $(FUZZ_FLAGS)
# ---- end fuzz ----

# ---- python ----
# CPython's regression suite as a differential oracle (issue 11;
# testing/python). Debian bookworm's python3.11 and libpython3.11-testsuite
# .debs are fetched with apt-get download and extracted into build/python/root
# (never installed, never committed); their .pyc files are compiled on the
# host (unchecked-hash, so the image's file times do not matter). The host's
# python3.11 is installed when missing: it compiles the .pyc files and brings
# the shared libraries the extension modules need, which the image builder
# harvests. regrtest runs module by module under QEMU on the reference Linux
# kernel and on Aramid; every test that passes on Linux must pass on Aramid
# or be listed in testing/python/known-divergences.txt.
#   make test-python                  both kernels (slow: TCG)
#   make test-python PYTHON_KERNELS=linux
#   make test-python PYTHON_FLAGS="-run test_os,test_pty"
PY_DIR         := $(BUILD)/python
PY_ROOT        := $(PY_DIR)/root
PY_DEBS        := python3.11 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libpython3.11-testsuite
PYTHON_KERNELS ?= linux,aramid
PYTHON_FLAGS   ?=

.PHONY: test-python python-root

python-root: $(PY_ROOT)/.complete
$(PY_ROOT)/.complete:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	if ! dpkg-query -W -f='$${Status}\n' python3.11 2>/dev/null | grep -q '^install ok installed'; then \
	  echo "python: installing the host's python3.11"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3.11; fi
	rm -rf $(PY_DIR)/debs $(PY_ROOT)
	mkdir -p $(PY_DIR)/debs
	cd $(PY_DIR)/debs && { apt-get download -q $(PY_DEBS) || { apt-get update -qq && apt-get download -q $(PY_DEBS); }; }
	for d in $(PY_DIR)/debs/*.deb; do dpkg-deb -x $$d $(PY_ROOT) || exit 1; done
	@# The test package holds files that must not compile (bad syntax and
	@# encodings, on purpose): compileall's status is not the verdict; the
	@# count of .pyc files printed below is.
	-/usr/bin/python3.11 -m compileall -q -j 2 --invalidation-mode unchecked-hash \
	  -s $(CURDIR)/$(PY_ROOT) -p / $(CURDIR)/$(PY_ROOT)/usr/lib/python3.11 >$(PY_DIR)/compileall.log 2>&1
	@echo "python: $$(find $(PY_ROOT) -name '*.pyc' | wc -l) .pyc files ($$(grep -c '^\*\*\*' $(PY_DIR)/compileall.log) sources did not compile, see $(PY_DIR)/compileall.log)"
	@touch $@

test-python: deps $(LINUX_REF) $(KERNEL_ELF) python-root
	$(GO) run ./testing/python/cmd/pytest -kernels $(PYTHON_KERNELS) -debroot $(PY_ROOT) $(PYTHON_FLAGS)
# ---- end python ----
