# Aramid — top-level build and test entry points.
#
#   make run          build the kernel and boot it in QEMU (the main job)
#   make test         install what is missing, then host unit tests + QEMU suites
#
# Every QEMU run uses TCG: /dev/kvm does not work on the build machines.

SHELL      := /bin/bash
GO         ?= go
BUILD      := build
export GOTOOLCHAIN := local

KERNEL_ELF := $(BUILD)/kernel.elf
QEMU       ?= qemu-system-x86_64
QEMU_FLAGS ?= -accel tcg -cpu max -m 128M -nographic -no-reboot \
              -device isa-debug-exit,iobase=0xf4,iosize=0x04
APPEND     ?= console=ttyS0

# Debian packages the build and the suites need. `make deps` installs whichever
# are missing (apt-get update first), so a fresh Debian machine needs nothing else.
DEB_PACKAGES := qemu-system-x86 ovmf grub-pc-bin grub-efi-amd64-bin grub-common \
                musl-tools cpio xz-utils dosfstools mtools e2fsprogs busybox-static \
                manpages-dev gcc libc6-dev

.PHONY: all deps kernel run test test-unit test-boot clean linux-ref

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

# The main job: boot Aramid in QEMU on the serial console (Ctrl-A X quits).
# APPEND="console=ttyS0 aramid.selftest=1" runs the in-kernel checks.
run: $(KERNEL_ELF) deps
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
#   make test-contracts         Linux (reference) and Aramid if build/kernel.elf exists
#   make test-contracts-linux   the reference alone: every contract must pass
#   make bench / bench-syscall  median of 3 interleaved boots per kernel
CONTRACT_KERNELS ?= linux,aramid
CONTRACT_FLAGS   ?=
BENCH_FLAGS      ?= -runs 3

.PHONY: test-contracts test-contracts-linux bench bench-syscall

test-contracts: deps $(LINUX_REF)
	$(GO) run ./testing/cmd/contracts -kernels $(CONTRACT_KERNELS) $(CONTRACT_FLAGS)

test-contracts-linux: deps $(LINUX_REF)
	$(GO) run ./testing/cmd/contracts -kernels linux $(CONTRACT_FLAGS)

bench: deps $(LINUX_REF)
	$(GO) run ./testing/bench/cmd/bench $(BENCH_FLAGS)

bench-syscall: deps $(LINUX_REF)
	$(GO) run ./testing/bench/cmd/bench -syscall $(BENCH_FLAGS)
# ---- end contracts ----

# ---- tests ----------------------------------------------------------------

test: deps test-unit test-contracts-linux

test-unit: deps
	$(GO) test ./...

clean:
	rm -rf $(BUILD)
