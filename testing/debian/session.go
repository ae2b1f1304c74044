// Package debian boots the debian-bookworm disk image (mkimage --recipe
// debian-bookworm) under QEMU the way a person uses a serial machine: it
// waits for getty's "login:" prompt on the console, logs in as root with
// the recipe's password, types each check's command at the shell and
// reads its output between markers, then powers the machine off with
// `systemctl poweroff` and checks the ext4 root with `e2fsck -fn`.
//
// The console is shared with the kernel's and systemd's messages, so a
// command's output is framed: the shell prints "@@B<n>" before it and
// "@@E<n> <exit status>" after it (typed as printf formats, so the
// terminal's echo of the command line never matches a marker).
package debian

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"aramid/testing/qemu"
	"aramid/testing/systemd"
)

// Check is one command typed at the root shell and what its output must show.
type Check struct {
	Name    string
	Command string
	// Verify judges the command's output lines and exit status; the
	// string says what was seen.
	Verify func(out []string, status int) (bool, string)
}

// Result is one check's outcome.
type Result struct {
	Check  string
	OK     bool
	Detail string
	Status int
	Output []string
}

// Config is one boot.
type Config struct {
	Disk     string // disk.img; booted from a private writable copy in WorkDir
	WorkDir  string
	Label    string // linux or aramid, for logs
	Password string
	Memory   string // default 1G
	Timeout  time.Duration
	LogFile  string
	Checks   []Check
	// Firmware is how GRUB is started: systemd.BIOS (default) or UEFI.
	Firmware systemd.Firmware
}

// Report is what a boot showed.
type Report struct {
	LoginPrompt time.Duration // from QEMU's start to the first "login:" prompt
	LoggedIn    time.Duration // to the root shell's first prompt
	Results     []Result
	PoweredOff  bool   // QEMU exited by itself after systemctl poweroff
	Fsck        string // e2fsck -fn's output on the root after power-off
	FsckErr     error
	Serial      *qemu.Result
	Problem     string // why the session stopped early, if it did
}

var escape = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\r`)

// clean strips terminal escape sequences and carriage returns.
func clean(s string) string { return escape.ReplaceAllString(s, "") }

// session is the judge's state.
type session struct {
	mu       sync.Mutex
	in       *qemu.Input
	cfg      Config
	rep      *Report
	state    int // 0 want login, 1 want password, 2 want first prompt, 3 running checks, 4 powering off
	cur      int // check running
	inside   bool
	out      []string
	failLine string
}

const (
	stLogin = iota
	stPassword
	stShell
	stChecks
	stPoweroff
)

func (s *session) send(text string) {
	if err := s.in.Send(text); err != nil && s.rep.Problem == "" {
		s.rep.Problem = err.Error()
	}
}

func (s *session) startCheck() {
	c := s.cfg.Checks[s.cur]
	s.inside, s.out = false, nil
	s.send(fmt.Sprintf("printf '@@B%%s\\n' %d; %s; printf '@@E%%s %%s\\n' %d $?\n", s.cur, c.Command, s.cur))
}

// observe is the qemu judge.
func (s *session) observe(l qemu.Line) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := clean(l.Text)
	trimmed := strings.TrimRight(t, " ")
	switch s.state {
	case stLogin:
		if strings.HasSuffix(trimmed, "login:") {
			s.rep.LoginPrompt = l.At
			s.state = stPassword
			s.send("root\n")
		}
	case stPassword:
		if strings.HasSuffix(trimmed, "Password:") {
			s.state = stShell
			s.send(s.cfg.Password + "\n")
		}
	case stShell:
		if strings.Contains(t, "Login incorrect") {
			s.rep.Problem = "login as root failed: " + t
			return true
		}
		if strings.HasSuffix(t, "# ") {
			s.rep.LoggedIn = l.At
			s.state = stChecks
			if len(s.cfg.Checks) == 0 {
				s.state = stPoweroff
				s.send("systemctl poweroff\n")
				return false
			}
			s.startCheck()
		}
	case stChecks:
		b, e := fmt.Sprintf("@@B%d", s.cur), fmt.Sprintf("@@E%d ", s.cur)
		switch {
		case trimmed == b:
			s.inside = true
		case s.inside && strings.HasPrefix(trimmed, e):
			st, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(trimmed, e)))
			c := s.cfg.Checks[s.cur]
			ok, detail := c.Verify(s.out, st)
			s.rep.Results = append(s.rep.Results, Result{Check: c.Name, OK: ok, Detail: detail, Status: st, Output: s.out})
			s.cur++
			if s.cur == len(s.cfg.Checks) {
				s.state = stPoweroff
				s.send("systemctl poweroff\n")
				return false
			}
			s.startCheck()
		case s.inside:
			s.out = append(s.out, strings.TrimRight(t, " "))
		}
	}
	return false
}

// Run boots cfg.Disk (a copy of it) and runs the session.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Memory == "" {
		cfg.Memory = "1G"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 15 * time.Minute
	}
	if cfg.Firmware == "" {
		cfg.Firmware = systemd.BIOS
	}
	disk := filepath.Join(cfg.WorkDir, "disk-"+cfg.Label+".img")
	if err := copyFile(cfg.Disk, disk); err != nil {
		return nil, err
	}
	defer os.Remove(disk)
	b := systemd.Boot{Disk: disk, Firmware: cfg.Firmware, Writable: true, Memory: cfg.Memory, Timeout: cfg.Timeout, LogFile: cfg.LogFile}
	qc, err := b.Config()
	if err != nil {
		return nil, err
	}
	qc.Args = append(qc.Args, "-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56")
	qc.Prompts = []string{"login: ", "Password: ", "# "}
	qc.Input = qemu.NewInput()
	rep := &Report{}
	s := &session{in: qc.Input, cfg: cfg, rep: rep}
	res, err := qemu.Run(ctx, qc, s.observe)
	rep.Serial = res
	if err != nil {
		if rep.Problem == "" {
			rep.Problem = err.Error()
		}
		return rep, nil
	}
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	if state != stPoweroff {
		if rep.Problem == "" {
			rep.Problem = fmt.Sprintf("QEMU exited (status %d) before the session ended (state %d)", res.ExitCode, state)
		}
		return rep, nil
	}
	rep.PoweredOff = !res.Stopped && !res.TimedOut && res.ExitCode == 0
	if rep.PoweredOff {
		rep.Fsck, rep.FsckErr = systemd.FsckRoot(disk, cfg.WorkDir)
	}
	return rep, nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}
