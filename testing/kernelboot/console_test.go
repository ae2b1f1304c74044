package kernelboot

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"aramid/testing/qemu"
)

// consoleInit is PID 1 for TestQuietConsole: it writes its lines in pieces
// around system calls that exist on neither kernel (numbers 335 and up are
// unassigned on x86-64; Aramid logs each one it meets), and writes records
// of two levels to /dev/kmsg, then powers off.
const consoleInit = `#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/reboot.h>
static void say(const char *s) { write(1, s, strlen(s)); }
int main(void)
{
	mknod("/dev/kmsg", S_IFCHR | 0600, makedev(1, 11));
	int k = open("/dev/kmsg", O_WRONLY);
	for (int i = 0; i < 4; i++) {
		char n[2] = {'0' + i, 0};
		say("prog line ");
		syscall(335 + i);
		say(n);
		syscall(400 + i);
		say(" end\n");
	}
	say("prog kmsg ");
	write(k, "<6>kmsg-info-record\n", 20);
	write(k, "<2>kmsg-crit-record\n", 20);
	say("done\n");
	reboot(RB_POWER_OFF);
	return 0;
}
`

// TestQuietConsole boots Linux and Aramid with "quiet" and checks that the
// console shows what Linux's does: the program's lines whole, no kernel
// line of a level below KERN_ERR (Aramid's "system call not implemented"
// notes among them) and the critical record from /dev/kmsg. Without quiet
// (the control), Aramid's notes and the informational record do appear.
func TestQuietConsole(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not installed")
	}
	repo, _ := filepath.Abs("../..")
	linux := filepath.Join(repo, "build/linux/vmlinuz")
	if _, err := os.Stat(linux); err != nil {
		t.Skip("reference kernel missing: run `make linux-ref` (make test does)")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "init.c")
	if err := os.WriteFile(src, []byte(consoleInit), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "init")
	if out, err := exec.Command("gcc", "-static", "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	initrd := filepath.Join(dir, "initrd.cpio")
	if err := writeInitrd(initrd, bin); err != nil {
		t.Fatal(err)
	}
	progLines := []string{"prog line 0 end", "prog line 1 end", "prog line 2 end", "prog line 3 end"}
	stamped := regexp.MustCompile(`^\[\s*\d+\.\d{6}\] `)
	tests := []struct {
		kernel, name, append string
		want, absent         []string
	}{
		{"linux", "quiet", "console=ttyS0 quiet panic=-1", []string{"kmsg-crit-record"}, []string{"kmsg-info-record", "Run /init"}},
		{"aramid", "quiet", "console=ttyS0 quiet panic=-1", []string{"kmsg-crit-record"}, []string{"kmsg-info-record", "not implemented", "Run /init"}},
		{"linux", "default", "console=ttyS0 panic=-1", []string{"kmsg-crit-record", "kmsg-info-record", "Run /init"}, nil},
		{"aramid", "default", "console=ttyS0 panic=-1", []string{"kmsg-crit-record", "kmsg-info-record", "Run /init", "system call #335 not implemented"}, nil},
		{"aramid", "ignore_loglevel", "console=ttyS0 quiet ignore_loglevel", []string{"kmsg-info-record", "system call #400 not implemented"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.kernel+"/"+tt.name, func(t *testing.T) {
			kernel := kernelPath
			if tt.kernel == "linux" {
				kernel = linux
			}
			res, err := qemu.Run(context.Background(), qemu.Config{Kernel: kernel, Initrd: initrd, Append: tt.append,
				Memory: "256M", Timeout: 90 * time.Second}, nil)
			if err != nil {
				t.Fatal(err)
			}
			log := res.Log()
			lines := strings.Split(log, "\n")
			has := func(s string) bool {
				for _, l := range lines {
					if strings.Contains(l, s) {
						return true
					}
				}
				return false
			}
			for _, want := range progLines {
				found := false
				for _, l := range lines {
					// The first one may follow the firmware's unterminated
					// last line; a kernel line would end in "] ".
					l = strings.TrimRight(l, "\r")
					found = found || strings.HasSuffix(l, want) && !strings.Contains(l[:len(l)-len(want)], "] ")
				}
				if !found && tt.name == "quiet" {
					t.Errorf("program line %q is not whole on the console", want)
				}
				if found && tt.name != "quiet" && tt.kernel == "aramid" {
					// The control: these kernel lines do cut into the program's.
					t.Errorf("program line %q is whole although the kernel logs within it", want)
				}
			}
			for _, w := range tt.want {
				if !has(w) {
					t.Errorf("console lacks %q", w)
				}
			}
			for _, a := range tt.absent {
				if has(a) {
					t.Errorf("console shows %q", a)
				}
			}
			if tt.name == "quiet" {
				// Only the critical record and the power-off (KERN_EMERG on
				// Linux) may be kernel lines after the program starts, and
				// no boot line shows before it.
				for _, l := range lines {
					if strings.Contains(l, "Command line:") || strings.Contains(l, "nucleus entered") {
						t.Errorf("boot line under quiet: %q", l)
					}
				}
				started := false
				for _, l := range lines {
					l = strings.TrimRight(l, "\r")
					if strings.HasPrefix(l, "prog ") {
						started = true
						continue
					}
					if started && stamped.MatchString(l) && !strings.Contains(l, "kmsg-crit-record") &&
						!strings.Contains(l, "reboot: Power down") && !strings.Contains(l, "aramid: power off") {
						t.Errorf("kernel line under quiet: %q", l)
					}
				}
			}
			if t.Failed() {
				t.Logf("serial log:\n%s", log)
			}
		})
	}
}
