// Command debiancheck boots the debian-bookworm disk images mkimage built
// (one per kernel, GRUB's default entry being that kernel) and runs the
// serial-console session of package testing/debian on each: login prompt,
// root login, the checks, systemctl poweroff, e2fsck -fn. It prints one
// PASS/FAIL line per check, the time to the login prompt, and compares
// each kernel's failed units with Linux's (a unit failed on Aramid and
// not on Linux is a failure). It is what `make test-debian` runs.
//
//	debiancheck -images build/images -kernels linux,aramid
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"aramid/imagebuild"
	"aramid/imagebuild/debian"
	"aramid/imagebuild/recipe"
	testdebian "aramid/testing/debian"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "debiancheck:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("debiancheck", flag.ContinueOnError)
	var (
		repo     = fs.String("repo", ".", "repository root")
		name     = fs.String("recipe", "debian-bookworm", "recipe whose disks to boot")
		images   = fs.String("images", "build/images", "directory holding RECIPE-KERNEL/disk.img")
		kernels  = fs.String("kernels", "linux,aramid", "kernels to boot, in order (linux first: the others are compared with it)")
		password = fs.String("password", "aramid", "root's password (the recipe's hash is of it)")
		memory   = fs.String("memory", "1G", "guest RAM")
		timeout  = fs.Duration("timeout", 15*time.Minute, "per-boot limit")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := recipe.Load(filepath.Join(*repo, "recipes"), *name)
	if err != nil {
		return err
	}
	lock, err := debian.ReadLock(imagebuild.DebianLockFile(r))
	if err != nil {
		return err
	}
	hostname := "aramid-debian"
	for _, f := range r.Files {
		if f.Path == "/etc/hostname" && f.Contents != nil {
			hostname = strings.TrimSpace(*f.Contents)
		}
	}
	failed := 0
	var linuxFailed []string
	haveLinux := false
	login := map[string]time.Duration{}
	for _, k := range strings.Split(*kernels, ",") {
		dir := filepath.Join(*images, *name+"-"+k)
		work, err := os.MkdirTemp(dir, "boot-")
		if err != nil {
			return err
		}
		cfg := testdebian.Config{Disk: filepath.Join(dir, "disk.img"), WorkDir: work, Label: k, Password: *password,
			Memory: *memory, Timeout: *timeout, LogFile: filepath.Join(dir, "serial-"+k+".log"),
			Checks: testdebian.Checks(hostname, len(lock.Packages))}
		fmt.Fprintf(w, "== boot %s (%s, %s, serial log %s)\n", k, *name, cfg.Disk, cfg.LogFile)
		rep, err := testdebian.Run(ctx, cfg)
		os.RemoveAll(work)
		if err != nil {
			return err
		}
		bad := func(format string, a ...any) {
			failed++
			fmt.Fprintf(w, "FAIL %s: %s\n", k, fmt.Sprintf(format, a...))
		}
		if rep.LoginPrompt > 0 {
			login[k] = rep.LoginPrompt
			fmt.Fprintf(w, "PASS %s: login: prompt after %.1f s (root shell after %.1f s)\n", k, rep.LoginPrompt.Seconds(), rep.LoggedIn.Seconds())
		} else {
			bad("no login: prompt")
		}
		var units []string
		for _, res := range rep.Results {
			verdict := "PASS"
			if !res.OK {
				verdict = "FAIL"
				failed++
			}
			fmt.Fprintf(w, "%s %s: %s: %s\n", verdict, k, res.Check, res.Detail)
			if !res.OK {
				for _, l := range res.Output {
					fmt.Fprintf(w, "    | %s\n", l)
				}
			}
			if res.Check == "systemctl --failed" {
				units = testdebian.FailedUnits(res.Output)
			}
		}
		if rep.Problem != "" {
			bad("%s", rep.Problem)
		}
		if k == "linux" {
			linuxFailed, haveLinux = units, true
		} else if haveLinux {
			var extra []string
			for _, u := range units {
				if !slices.Contains(linuxFailed, u) {
					extra = append(extra, u)
				}
			}
			if len(extra) > 0 {
				bad("failed units Linux does not fail: %s", strings.Join(extra, " "))
			} else if len(rep.Results) > 2 {
				fmt.Fprintf(w, "PASS %s: no failed unit that Linux does not fail too\n", k)
			}
		}
		switch {
		case !rep.PoweredOff && rep.Problem == "":
			bad("systemctl poweroff did not power the machine off")
		case rep.PoweredOff && rep.FsckErr != nil:
			bad("e2fsck -fn on the root after power-off: %v\n%s", rep.FsckErr, rep.Fsck)
		case rep.PoweredOff:
			fmt.Fprintf(w, "PASS %s: systemctl poweroff; e2fsck -fn finds the root clean\n", k)
		}
	}
	if l, ok := login["linux"]; ok {
		if a, ok := login["aramid"]; ok {
			fmt.Fprintf(w, "login: prompt: linux %.1f s, aramid %.1f s (aramid/linux %.2f)\n", l.Seconds(), a.Seconds(), a.Seconds()/l.Seconds())
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d failure(s)", failed)
	}
	return nil
}
