package debian

import (
	"fmt"
	"strconv"
	"strings"
)

// FailedUnitsCommand lists the failed units, one name per line.
const FailedUnitsCommand = "systemctl --failed --plain --no-legend --no-pager"

// Checks are the checks of a logged-in root shell. hostname is
// the recipe's, packages the number of packages its lock pins (dpkg -l
// prints five header lines before them).
func Checks(hostname string, packages int) []Check {
	return []Check{
		{Name: "uname -a", Command: "uname -a", Verify: func(out []string, st int) (bool, string) {
			l := strings.Join(out, " ")
			f := strings.Fields(l)
			ok := st == 0 && len(f) > 2 && f[0] == "Linux" && f[1] == hostname && strings.Contains(l, "x86_64")
			return ok, l
		}},
		{Name: "systemctl is-system-running", Command: "systemctl is-system-running --wait", Verify: func(out []string, st int) (bool, string) {
			l := strings.TrimSpace(strings.Join(out, " "))
			return l == "running" || l == "degraded", l
		}},
		{Name: "systemctl --failed", Command: FailedUnitsCommand, Verify: func(out []string, st int) (bool, string) {
			return st == 0, fmt.Sprintf("%q", FailedUnits(out))
		}},
		{Name: "journalctl -b | tail", Command: "journalctl -b --no-pager | tail -n 5", Verify: func(out []string, st int) (bool, string) {
			return st == 0 && len(out) == 5, fmt.Sprintf("%d lines", len(out))
		}},
		// ww: the full command lines, not cut at the terminal's 80 columns.
		{Name: "ps aux", Command: "ps auxww", Verify: func(out []string, st int) (bool, string) {
			var missing []string
			for _, want := range [][]string{{"systemd-journald"}, {"systemd-udevd"}, {"dbus-daemon"}, {"systemd-logind"},
				{"agetty", "login"}, {"-bash"}, {"/sbin/init", "systemd"}} {
				found := false
				for _, l := range out {
					for _, w := range want {
						found = found || strings.Contains(l, w)
					}
				}
				if !found {
					missing = append(missing, strings.Join(want, "|"))
				}
			}
			if len(missing) > 0 {
				return false, "missing " + strings.Join(missing, ", ")
			}
			return st == 0, fmt.Sprintf("%d processes: journald, udevd, dbus-daemon, logind, login, -bash", len(out)-1)
		}},
		{Name: "loginctl list-sessions", Command: "loginctl list-sessions --no-pager --no-legend", Verify: func(out []string, st int) (bool, string) {
			for _, l := range out {
				f := strings.Fields(l)
				if len(f) >= 3 && f[1] == "0" && f[2] == "root" {
					return st == 0, strings.Join(f, " ")
				}
			}
			return false, fmt.Sprintf("no root session in %q", out)
		}},
		// networkd's DHCP lease may come after the login: wait for it
		// (at most 60 s), then show the addresses.
		{Name: "ip addr (DHCP)", Command: "for i in $(seq 60); do ip -4 addr | grep -q 'inet 10\\.0\\.2\\.' && break; sleep 1; done; ip addr", Verify: func(out []string, st int) (bool, string) {
			for _, l := range out {
				f := strings.Fields(l)
				if len(f) >= 2 && f[0] == "inet" && strings.HasPrefix(f[1], "10.0.2.") && strings.Contains(l, "dynamic") {
					return st == 0, strings.Join(f, " ")
				}
			}
			return false, "no dynamic 10.0.2.x address"
		}},
		{Name: "apt-get --version", Command: "apt-get --version | head -n 1", Verify: func(out []string, st int) (bool, string) {
			l := strings.Join(out, " ")
			return st == 0 && strings.HasPrefix(l, "apt "), l
		}},
		{Name: "dpkg -l | wc -l", Command: "dpkg -l | wc -l", Verify: func(out []string, st int) (bool, string) {
			n, err := strconv.Atoi(strings.TrimSpace(strings.Join(out, "")))
			return err == nil && n == packages+5, fmt.Sprintf("%d lines, want %d (%d locked packages + 5)", n, packages+5, packages)
		}},
	}
}

// FailedUnits picks the unit names out of FailedUnitsCommand's output.
func FailedUnits(out []string) []string {
	var u []string
	for _, l := range out {
		f := strings.Fields(l)
		if len(f) > 0 && strings.Contains(f[0], ".") {
			u = append(u, f[0])
		}
	}
	return u
}
