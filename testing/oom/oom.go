// Package oom tests what happens when memory runs out, on the reference
// Linux kernel and on Aramid in the same QEMU: which process the OOM killer
// chooses and how it reports it (guest/oomtest.c as PID 1, judged from the
// kernels' own "Out of memory: Killed process" lines and task tables), and
// that a machine too small for the systemd image ends with a plain
// statement rather than a panic.
package oom

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"aramid/testing/contract"
	"aramid/testing/qemu"
)

// Kill is one "Out of memory: Killed process" line, in Linux's format
// (mm/oom_kill.c, __oom_kill_process).
type Kill struct {
	PID               int
	Comm              string
	TotalVM, AnonRSS  uint64 // kB
	FileRSS, ShmemRSS uint64 // kB
	UID               int
	PageTables        uint64 // kB
	OOMScoreAdj       int
	Tasks             map[string]uint64 // the task table printed before it: comm → rss pages
	InvokedBy         string            // "<comm> invoked oom-killer"
	InvokedAdj        int               // and that process's oom_score_adj
}

var (
	killRE = regexp.MustCompile(`Out of memory: Killed process (\d+) \((.*)\) total-vm:(\d+)kB, anon-rss:(\d+)kB, ` +
		`file-rss:(\d+)kB, shmem-rss:(\d+)kB, UID:(\d+) pgtables:(\d+)kB oom_score_adj:(-?\d+)$`)
	invokedRE = regexp.MustCompile(`\] (\S+) invoked oom-killer: .*oom_score_adj=(-?\d+)$`)
	stampRE   = regexp.MustCompile(`\[\s*\d+\.\d+\] `)
	taskRE    = regexp.MustCompile(`\]\s+\[\s*(\d+)\]\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(-?\d+) (\S+)$`)
)

// Report is what one boot of the OOM test showed.
type Report struct {
	Kills []Kill   // in order
	Guest []string // the program's own lines
	Panic bool     // a kernel panic or the nucleus's panic report
}

// Parse reads a serial log; the program's own lines start with "prog: ".
func Parse(lines []string, prog string) Report {
	tag := prog + ": "
	var r Report
	tasks := map[string]uint64{}
	var by string
	var byAdj int
	for _, l := range lines {
		l = strings.TrimRight(l, "\r")
		switch {
		case strings.Contains(l, tag):
			// The console is shared: a kernel message may start in the
			// middle of the program's line.
			g := l[strings.Index(l, tag):]
			if loc := stampRE.FindStringIndex(g); loc != nil {
				g = g[:loc[0]]
			}
			r.Guest = append(r.Guest, g)
		case strings.Contains(l, "Kernel panic") || strings.Contains(l, "KERNEL PANIC"):
			r.Panic = true
		}
		if m := invokedRE.FindStringSubmatch(l); m != nil {
			by = m[1]
			byAdj, _ = strconv.Atoi(m[2])
			tasks = map[string]uint64{}
		}
		if m := taskRE.FindStringSubmatch(l); m != nil {
			rss, _ := strconv.ParseUint(m[5], 10, 64)
			tasks[m[9]] = rss
		}
		if m := killRE.FindStringSubmatch(l); m != nil {
			n := func(i int) uint64 { v, _ := strconv.ParseUint(m[i], 10, 64); return v }
			adj, _ := strconv.Atoi(m[9])
			r.Kills = append(r.Kills, Kill{PID: int(n(1)), Comm: m[2], TotalVM: n(3), AnonRSS: n(4), FileRSS: n(5),
				ShmemRSS: n(6), UID: int(n(7)), PageTables: n(8), OOMScoreAdj: adj, Tasks: tasks,
				InvokedBy: by, InvokedAdj: byAdj})
		}
	}
	return r
}

// Image builds an initramfs with guest/<prog>.c as /init under dir and
// returns its path.
func Image(ctx context.Context, repo, dir, prog string) (string, error) {
	c := &contract.Compiler{Include: filepath.Join(repo, "testing/contracts"), CacheDir: filepath.Join(dir, "cache")}
	bin, err := c.Compile(ctx, filepath.Join(repo, "testing/oom/guest", prog+".c"))
	if err != nil {
		return "", err
	}
	im := contract.Image{Init: bin}
	t, err := im.Build()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, prog+".cpio")
	if err := t.WriteFile(path); err != nil {
		return "", fmt.Errorf("oom: %w", err)
	}
	return path, nil
}

// Boot runs a test program (prog, whose lines start with "prog: ") on
// kernel in a guest with mem of RAM until it says it is done (or the kernel
// stops).
func Boot(ctx context.Context, kernel, initrd, prog, mem, logFile string) (Report, *qemu.Result, error) {
	c := qemu.Config{Kernel: kernel, Initrd: initrd, Append: "console=ttyS0 panic=-1", Memory: mem,
		LogFile: logFile, Timeout: 150 * time.Second}
	res, err := qemu.Run(ctx, c, func(l qemu.Line) bool { return strings.Contains(l.Text, prog+": done") })
	if res == nil {
		return Report{}, nil, err
	}
	lines := make([]string, len(res.Lines))
	for i, l := range res.Lines {
		lines[i] = l.Text
	}
	return Parse(lines, prog), res, err
}
