// Package systemd boots mkimage's images under QEMU and judges the serial log
// of a systemd boot: "Welcome to", "Reached target", "Startup finished", no
// unit failed, and then the console shell itself: the judge types commands
// into it over the serial console and checks their output (an echo of a
// random marker, `systemctl is-system-running`, `systemctl --failed`). It
// also collects systemd's own warnings and errors for a comparison between
// kernels (see Differential). The judge stops QEMU as soon as every check
// has its verdict; nothing here sleeps a fixed time.
package systemd

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"aramid/testing/qemu"
)

// Expect holds the texts a boot must show (from the recipe's checks).
type Expect struct {
	Welcome string // after "Welcome to"
	Target  string // description of the default target
	// ConsoleShell is the console shell service's description. It is not a
	// check of its own: systemd prints "Started <description>" when it
	// forks the service, before the exec that may still fail, so the
	// shell is judged by the commands it runs (CheckShell and after).
	ConsoleShell string
	// Probes are typed into the shell after the standard checks, in order.
	Probes []Probe
	// PowerOff has the judge type `poweroff` last and wait for the kernel
	// to power the machine off (CheckPowerOff); Run then lets QEMU exit by
	// itself.
	PowerOff bool
}

// Probe is a command the judge types into the console shell, and the
// verdict on what it printed.
type Probe struct {
	Name    string // the check's name in the report
	Command string // one shell command line
	// Check judges the command's output lines (kernel log lines that
	// interleaved are left out) and says what it saw.
	Check func(out []string) (ok bool, note string)
}

// Check names, in the order they are reported.
const (
	CheckWelcome  = "Welcome to"
	CheckTarget   = "Reached target"
	CheckStartup  = "Startup finished"
	CheckShell    = "console shell runs commands"
	CheckRunning  = "systemctl is-system-running: running"
	CheckNoUnits  = "systemctl --failed: none"
	CheckNoFailed = "0 failed units"
	CheckPowerOff = "poweroff: the kernel powered off and QEMU exited"
)

// Power-off lines: Linux's kernel_power_off and Aramid's nucleus.
var powerOffLines = []string{"reboot: Power down", "aramid: power off, status 0"}

// ShellBanner is the line busybox's ash prints when it starts
// interactively, just before its first prompt: the console shell is
// reading its terminal.
const ShellBanner = "Enter 'help' for a list of built-in commands."

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// Clean strips terminal escape sequences and carriage returns from a line.
func Clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(ansi.ReplaceAllString(s, ""), "\r", ""))
}

var startupRE = regexp.MustCompile(`Startup finished in (.*?)\.?$`)

// systemd colours a console log line by its level (log_dispatch_internal):
// ANSI_HIGHLIGHT_RED for LOG_ERR and worse, ANSI_HIGHLIGHT_YELLOW for
// LOG_WARNING. Lines it wrote to /dev/kmsg before its console log was
// open come back through the kernel's console as "[ t] systemd[1]: ...".
var (
	errorColour   = "\x1b[0;1;31m"
	warningColour = "\x1b[0;1;38;5;185m"
	kmsgRE        = regexp.MustCompile(`^\[\s*\d+\.\d+\] (systemd(?:-[a-z-]+)?)\[\d+\]: (.*)$`)
	statusRE      = regexp.MustCompile(`^\[(FAILED|DEPEND| TIME )\] `)
)

// Message classifies one serial line as a warning or error of systemd's own
// and returns it in a kernel-independent form ("error: ...", "warning:
// ...", "kmsg: ...", "status: [FAILED] ..."), or "" when it is not one.
// kmsg lines keep no level on the console; they are taken whatever their
// level, on both kernels alike.
func Message(raw string) string {
	s := strings.TrimRight(raw, "\r")
	switch {
	case strings.HasPrefix(s, errorColour):
		return "error: " + Clean(s)
	case strings.HasPrefix(s, warningColour):
		return "warning: " + Clean(s)
	}
	c := Clean(s)
	if m := kmsgRE.FindStringSubmatch(c); m != nil {
		return "kmsg: " + m[1] + ": " + m[2]
	}
	if statusRE.MatchString(c) {
		return "status: " + c
	}
	return ""
}

// session steps: what the judge waits for before typing the next command.
const (
	stepWaitShell = iota // banner and "Startup finished" not both seen yet
	stepEcho             // typed `echo MARKER`
	stepRunning          // typed is-system-running
	stepFailed           // typed systemctl --failed
	stepProbes           // typing Expect.Probes
	stepPowerOff         // typed poweroff
	stepDone
)

// Judge watches serial lines and drives the shell session. It is not safe
// for concurrent use; qemu.Run calls it from one goroutine.
type Judge struct {
	exp     Expect
	in      *qemu.Input
	marker  string
	step    int
	banner  bool
	seen    map[string]time.Duration
	Failed  []string // lines reporting a failed unit
	Startup string   // the "Startup finished in ..." split, as printed
	Panic   string   // a kernel panic line, if any
	// State is what `systemctl is-system-running` printed; FailedUnits
	// what `systemctl --failed --no-legend` printed (lines).
	State       string
	FailedUnits []string
	// Messages are systemd's warnings and errors, in order (see Message).
	Messages []string
	// SendErr is the first error typing into the console.
	SendErr  error
	collect  bool // between the --failed begin and end markers
	unitsEnd string
	// probe is the index of the probe being typed; probeOut its output.
	probe    int
	probeOut []string
	probes   []probeResult
	poweroff bool // the power-off line was seen
	exited   bool // QEMU exited by itself after it (set by Run)
}

type probeResult struct {
	ok         bool
	note       string
	at         time.Duration
	outputSeen []string
}

// NewJudge returns a judge for exp that types into the console through in
// (nil: the shell checks fail, nothing is typed).
func NewJudge(exp Expect, in *qemu.Input) *Judge {
	b := make([]byte, 6)
	rand.Read(b)
	return &Judge{exp: exp, in: in, marker: "marker-" + hex.EncodeToString(b), seen: map[string]time.Duration{}}
}

// Marker is the random text the echo check prints.
func (j *Judge) Marker() string { return j.marker }

func (j *Judge) send(s string) {
	if j.in == nil {
		if j.SendErr == nil {
			j.SendErr = fmt.Errorf("systemd: no console input")
		}
		return
	}
	if err := j.in.Send(s); err != nil && j.SendErr == nil {
		j.SendErr = err
	}
}

// Observe takes one serial line and reports whether the run can stop.
func (j *Judge) Observe(l qemu.Line) bool {
	if m := Message(l.Text); m != "" {
		j.Messages = append(j.Messages, m)
	}
	s := Clean(l.Text)
	mark := func(k string) {
		if _, ok := j.seen[k]; !ok {
			j.seen[k] = l.At
		}
	}
	switch {
	case strings.Contains(s, "Welcome to "+j.exp.Welcome):
		mark(CheckWelcome)
	case strings.Contains(s, "Reached target") && strings.Contains(s, j.exp.Target):
		mark(CheckTarget)
	case strings.Contains(s, "[FAILED]") || strings.Contains(s, "Failed to start"):
		j.Failed = append(j.Failed, s)
	case strings.Contains(s, "Kernel panic"):
		j.Panic = s
		return true
	case s == ShellBanner:
		j.banner = true
	}
	if m := startupRE.FindStringSubmatch(s); m != nil {
		j.Startup = m[1]
		mark(CheckStartup)
	}
	j.session(s, l.At)
	if j.step == stepPowerOff {
		for _, p := range powerOffLines {
			if strings.Contains(s, p) {
				j.poweroff = true
			}
		}
		return false // QEMU exits by itself, after the guest's last writes
	}
	return j.step == stepDone
}

// PoweredOff records that QEMU exited by itself (not stopped, not timed
// out) after the run.
func (j *Judge) PoweredOff(exited bool) { j.exited = exited }

// ProbeOutput returns what probe i printed.
func (j *Judge) ProbeOutput(i int) []string {
	if i < len(j.probes) {
		return j.probes[i].outputSeen
	}
	return nil
}

func (j *Judge) probeBegin(i int) string { return fmt.Sprintf("begin-%s-%d", j.marker, i) }
func (j *Judge) probeEnd(i int) string   { return fmt.Sprintf("end-%s-%d", j.marker, i) }

// nextProbe types probe j.probe, or moves on to the power-off or the end.
func (j *Judge) nextProbe() {
	if j.probe < len(j.exp.Probes) {
		j.step = stepProbes
		j.probeOut, j.collect = nil, false
		j.send(`echo "` + j.probeBegin(j.probe) + `"; ` + j.exp.Probes[j.probe].Command + `; echo "` + j.probeEnd(j.probe) + `"` + "\n")
		return
	}
	if j.exp.PowerOff {
		j.step = stepPowerOff
		j.send("poweroff\n")
		return
	}
	j.step = stepDone
}

// session advances the shell conversation on line s. Each expected line is
// compared whole, so the terminal's echo of the typed command (which holds
// the prompt and the command text) never matches.
func (j *Judge) session(s string, at time.Duration) {
	switch j.step {
	case stepWaitShell:
		if _, ok := j.seen[CheckStartup]; ok && j.banner {
			j.step = stepEcho
			j.send("echo " + j.marker + "\n")
		}
	case stepEcho:
		if s == j.marker {
			j.seen[CheckShell] = at
			j.step = stepRunning
			j.send(`echo "state-$(systemctl is-system-running)"` + "\n")
		}
	case stepRunning:
		if st, ok := strings.CutPrefix(s, "state-"); ok {
			j.State = st
			if st == "running" {
				j.seen[CheckRunning] = at
			}
			j.step = stepFailed
			j.unitsEnd = "end-" + j.marker
			j.send(`echo "begin-` + j.marker + `"; systemctl --failed --no-legend --no-pager; echo "` + j.unitsEnd + `"` + "\n")
		}
	case stepFailed:
		switch {
		case s == "begin-"+j.marker:
			j.collect = true
		case s == j.unitsEnd && j.collect:
			j.collect = false
			if len(j.FailedUnits) == 0 {
				j.seen[CheckNoUnits] = at
			}
			j.nextProbe()
		case j.collect && s != "" && !kernelLog.MatchString(s):
			j.FailedUnits = append(j.FailedUnits, s)
		}
	case stepProbes:
		switch {
		case s == j.probeBegin(j.probe):
			j.collect = true
		case s == j.probeEnd(j.probe) && j.collect:
			j.collect = false
			ok, note := j.exp.Probes[j.probe].Check(j.probeOut)
			j.probes = append(j.probes, probeResult{ok: ok, note: note, at: at, outputSeen: j.probeOut})
			j.probe++
			j.nextProbe()
		case j.collect && s != "" && !kernelLog.MatchString(s):
			j.probeOut = append(j.probeOut, s)
		}
	}
}

// kernelLog matches a kernel log line on the console ("[    5.1] ..."),
// which may interleave with a command's output.
var kernelLog = regexp.MustCompile(`^\[\s*\d+\.\d+\] `)

// Result is one check's verdict.
type Result struct {
	Name string
	Pass bool
	At   time.Duration
	Note string
}

// Results returns every check's verdict, in report order.
func (j *Judge) Results() []Result {
	var out []Result
	notes := map[string]string{
		CheckShell:   "typed `echo " + j.marker + "`",
		CheckRunning: "state " + fmt.Sprintf("%q", j.State),
		CheckNoUnits: fmt.Sprintf("%d listed", len(j.FailedUnits)),
	}
	if j.SendErr != nil {
		notes[CheckShell] += fmt.Sprintf("; send: %v", j.SendErr)
	}
	for _, k := range []string{CheckWelcome, CheckTarget, CheckStartup, CheckShell, CheckRunning, CheckNoUnits} {
		at, ok := j.seen[k]
		r := Result{Name: k, Pass: ok, At: at}
		if !ok {
			r.Note = notes[k]
		}
		out = append(out, r)
	}
	for i, p := range j.exp.Probes {
		r := Result{Name: p.Name, Note: "not typed"}
		if i < len(j.probes) {
			pr := j.probes[i]
			r.Pass, r.At, r.Note = pr.ok, pr.at, pr.note
		}
		out = append(out, r)
	}
	if j.exp.PowerOff {
		r := Result{Name: CheckPowerOff, Pass: j.poweroff && j.exited}
		switch {
		case j.step < stepPowerOff:
			r.Note = "not typed"
		case !j.poweroff:
			r.Note = "no power-off line"
		case !j.exited:
			r.Note = "QEMU did not exit by itself"
		}
		out = append(out, r)
	}
	out = append(out, Result{Name: CheckNoFailed, Pass: len(j.Failed) == 0,
		Note: fmt.Sprintf("%d failed", len(j.Failed))})
	return out
}

// Pass reports whether every check passed.
func (j *Judge) Pass() bool {
	for _, r := range j.Results() {
		if !r.Pass {
			return false
		}
	}
	return true
}

// Report prints one PASS/FAIL line per check and the startup split.
func (j *Judge) Report(w io.Writer, label string) {
	for _, r := range j.Results() {
		verdict := "FAIL"
		if r.Pass {
			verdict = "PASS"
		}
		extra := ""
		if r.At > 0 {
			extra = fmt.Sprintf(" (at %.1fs)", r.At.Seconds())
		}
		if r.Note != "" {
			extra += " (" + r.Note + ")"
		}
		fmt.Fprintf(w, "%s %s: %s%s\n", verdict, label, r.Name, extra)
	}
	for _, f := range j.Failed {
		fmt.Fprintf(w, "  failed unit: %s\n", f)
	}
	for _, f := range j.FailedUnits {
		fmt.Fprintf(w, "  systemctl --failed: %s\n", f)
	}
	if j.Panic != "" {
		fmt.Fprintf(w, "  %s\n", j.Panic)
	}
	for _, m := range j.Messages {
		fmt.Fprintf(w, "  systemd %s\n", m)
	}
	if j.Startup != "" {
		fmt.Fprintf(w, "startup split %s: %s\n", label, j.Startup)
	}
}
