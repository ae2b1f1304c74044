package systemd

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild"
	"aramid/imagebuild/recipe"
	"aramid/testing/kernelbuild"
	"aramid/testing/qemu"
)

// bootable returns the repository, the reference kernel and the loaded
// recipe, or skips when the kernel or QEMU is missing.
func bootable(t *testing.T, name string) (repo, kernel string, r *recipe.Recipe) {
	t.Helper()
	repo, _ = filepath.Abs("../..")
	kernel = filepath.Join(repo, "build/linux/vmlinuz")
	if _, err := os.Stat(kernel); err != nil {
		t.Skip("reference kernel missing: run `make linux-ref` (make test does)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 not installed (make deps installs it)")
	}
	r, err := recipe.Load(filepath.Join(repo, "recipes"), name)
	if err != nil {
		t.Fatal(err)
	}
	return repo, kernel, r
}

// buildInitramfs builds r's initramfs into a temporary directory.
func buildInitramfs(t *testing.T, repo string, r *recipe.Recipe) string {
	t.Helper()
	out := t.TempDir()
	m, err := imagebuild.Build(context.Background(), r, imagebuild.Options{
		RepoDir: repo, OutDir: out, CacheDir: filepath.Join(repo, "build", "cache"),
		Formats: []string{"initramfs"}, Epoch: time.Unix(1700000000, 0), EpochFrom: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(out, m.Outputs["initramfs"].File)
}

// TestBusyboxShell boots the busybox recipe's initramfs — what `make run`
// boots — on the reference kernel and on Aramid, and uses the shell the way
// a person at the serial console would: it types a command and checks its
// output (not its echo: the shell computes 6*7), starts a `sleep 100` job,
// interrupts it with ^C and checks that the shell reports the sleep killed
// by SIGINT (status 130), then powers off with `poweroff -f`.
func TestBusyboxShell(t *testing.T) {
	repo, linux, r := bootable(t, "busybox")
	initrd := buildInitramfs(t, repo, r)
	kernels := []struct{ name, path string }{{"linux", linux}, {"aramid", ""}}
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			path := k.path
			if path == "" {
				path = kernelbuild.Path(t, repo)
			}
			in := qemu.NewInput()
			var step int
			var sendErr error
			send := func(s string) {
				if err := in.Send(s); err != nil && sendErr == nil {
					sendErr = err
				}
			}
			steps := []string{"shell ready", "6*7 answered", "sleep started", "^C reported as status 130",
				"busy loop started", "^C stopped the busy loop", "powered off"}
			judge := func(l qemu.Line) bool {
				s := Clean(l.Text)
				switch {
				case strings.Contains(s, "Kernel panic") || strings.Contains(s, "aramid: power off, status 1"):
					return true
				case step == 0 && strings.Contains(s, r.Checks.Success):
					step++
					send("echo shell-says-$((6*7))\n")
				case step == 1 && strings.HasSuffix(s, "shell-says-42") && !strings.Contains(s, "echo"):
					step++
					// The announcement comes from the foreground job itself,
					// so a ^C typed after it cannot reach the shell first.
					send("sh -c 'echo sleep-starts; exec sleep 100'\n")
				case step == 2 && strings.HasSuffix(s, "sleep-starts") && !strings.Contains(s, "echo"):
					step++
					send("\x03")
					send("echo interrupted-$?\n")
				case step == 3 && strings.HasSuffix(s, "interrupted-130") && !strings.Contains(s, "echo"):
					step++
					// A job that never enters the kernel: the ^C must
					// still get through while it holds the CPU.
					send("sh -c 'echo spin-starts; while :; do :; done'\n")
				case step == 4 && strings.HasSuffix(s, "spin-starts") && !strings.Contains(s, "echo"):
					step++
					send("\x03")
					send("echo spun-$?\n")
				case step == 5 && strings.HasSuffix(s, "spun-130") && !strings.Contains(s, "echo"):
					step++
					send("poweroff -f\n")
				case step == 6 && (strings.Contains(s, "reboot: Power down") || strings.Contains(s, "aramid: power off")):
					step++
					return true
				}
				return false
			}
			res, err := qemu.Run(context.Background(), qemu.Config{Kernel: path, Initrd: initrd, Append: r.Cmdline,
				Memory: "256M", Timeout: 90 * time.Second, NoDebugExit: true, Input: in}, judge)
			if err != nil {
				t.Fatal(err)
			}
			if sendErr != nil {
				t.Errorf("send: %v", sendErr)
			}
			if step < len(steps) {
				t.Errorf("stopped before %q; serial log:\n%s", steps[step], res.Log())
				return
			}
			t.Logf("busybox shell session done in %.1fs", res.Elapsed.Seconds())
		})
	}
}

// TestProgramsBoot boots the programs recipe: imagecheck (gcc -static) runs
// as PID 1, checks the image and its musl twin, prints TEST_PASS/TEST_FAIL
// lines and TEST_END, and powers off.
func TestProgramsBoot(t *testing.T) {
	for _, cc := range []string{"gcc", "musl-gcc"} {
		if _, err := exec.LookPath(cc); err != nil {
			t.Skipf("%s not installed (make deps installs it)", cc)
		}
	}
	repo, kernel, r := bootable(t, "programs")
	initrd := buildInitramfs(t, repo, r)
	var passed, failed []string
	var end string
	judge := func(l qemu.Line) bool {
		s := Clean(l.Text)
		switch {
		case strings.HasPrefix(s, "TEST_PASS "):
			passed = append(passed, strings.TrimPrefix(s, "TEST_PASS "))
		case strings.HasPrefix(s, "TEST_FAIL "):
			failed = append(failed, strings.TrimPrefix(s, "TEST_FAIL "))
		case strings.HasPrefix(s, "TEST_END"), strings.Contains(s, "Kernel panic"):
			end = s
			return true
		}
		return false
	}
	res, err := qemu.Run(context.Background(), qemu.Config{Kernel: kernel, Initrd: initrd, Append: r.Cmdline,
		Memory: "256M", Timeout: 90 * time.Second, NoDebugExit: true}, judge)
	if err != nil {
		t.Fatal(err)
	}
	if end != r.Checks.Success || len(failed) > 0 {
		t.Errorf("end %q (want %q), failed %v; serial log:\n%s", end, r.Checks.Success, failed, res.Log())
	}
	want := []string{"console_is_char_5_1", "machine_id_32_hex", "var_run_symlink", "musl_child_exit_7"}
	if strings.Join(passed, " ") != strings.Join(want, " ") {
		t.Errorf("passed %v, want %v", passed, want)
	}
	t.Logf("imagecheck: %d passed in %.1fs", len(passed), res.Elapsed.Seconds())
}

func TestMain(m *testing.M) {
	code := m.Run()
	kernelbuild.Remove()
	os.Exit(code)
}
