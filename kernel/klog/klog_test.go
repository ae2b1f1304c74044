package klog

import (
	"bytes"
	"io"
	"testing"
	"time"

	"aramid/kernel/abi"
)

func TestStamp(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "[    0.000000]"},
		{123 * time.Microsecond, "[    0.000123]"},
		{1500 * time.Millisecond, "[    1.500000]"},
		{12345*time.Second + 678901*time.Microsecond, "[12345.678901]"},
		{-time.Second, "[    0.000000]"},
	}
	for _, tt := range tests {
		if got := Stamp(tt.d); got != tt.want {
			t.Errorf("Stamp(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestLevels(t *testing.T) {
	now := 2*time.Second + 5*time.Microsecond
	tests := []struct {
		name   string
		level  int
		ignore bool
		want   string
	}{
		{"default shows info", DefaultConsoleLevel, false, "[    2.000005] err\n[    2.000005] warn\n[    2.000005] info terminated\n"},
		{"quiet shows err and worse", QuietConsoleLevel, false, "[    2.000005] err\n"},
		{"loglevel=1 shows emerg only", 1, false, ""},
		{"ignore_loglevel shows all", 1, true, "[    2.000005] err\n[    2.000005] warn\n[    2.000005] info terminated\n[    2.000005] debug\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		l := New(&b, func() time.Duration { return now })
		l.Ring = NewRing(16)
		l.SetConsoleLevel(tt.level, tt.ignore)
		l.Errorf("err")
		l.Warnf("warn")
		l.Infof("info %s\n", "terminated")
		l.Debugf("debug")
		if b.String() != tt.want {
			t.Errorf("%s: console %q, want %q", tt.name, b.String(), tt.want)
		}
		if _, next := l.Ring.Bounds(); next != 4 {
			t.Errorf("%s: ring holds %d records, want every level (4)", tt.name, next)
		}
	}
}

func TestPrintkSysctl(t *testing.T) {
	l := New(io.Discard, func() time.Duration { return 0 })
	if got := l.Printk(); got != "7\t4\t1\t7\n" {
		t.Errorf("default printk %q", got)
	}
	if err := l.SetPrintk("3"); err != nil {
		t.Fatal(err)
	}
	if got := l.Printk(); got != "3\t4\t1\t7\n" || l.Shown(Err) || !l.Shown(Crit) {
		t.Errorf("after writing 3: %q", got)
	}
	if err := l.SetPrintk("x"); err == nil {
		t.Error("non-numeric write accepted")
	}
	if err := l.SetPrintk("8 4 1 7 9"); err != nil || l.Printk() != "8\t4\t1\t7\n" {
		t.Errorf("five numbers: %v %q", err, l.Printk())
	}
}

func TestSyslog(t *testing.T) {
	l := New(io.Discard, func() time.Duration { return time.Second })
	l.Ring = NewRing(16)
	l.Infof("one")
	l.Errorf("two")
	if err := l.SyslogAllowed(ActionReadAll, Caps{}); err != abi.EPERM {
		t.Errorf("restricted READ_ALL unprivileged: %v", err)
	}
	l.SetDmesgRestrict("0")
	if err := l.SyslogAllowed(ActionReadAll, Caps{}); err != nil {
		t.Errorf("unrestricted READ_ALL: %v", err)
	}
	if err := l.SyslogAllowed(ActionConsoleLevel, Caps{}); err != abi.EPERM {
		t.Errorf("CONSOLE_LEVEL unprivileged: %v", err)
	}
	all := "<6>[    1.000000] one\n<3>[    1.000000] two\n"
	if got := string(l.ReadAll(1000, false)); got != all {
		t.Errorf("READ_ALL %q", got)
	}
	if got := string(l.ReadAll(30, false)); got != "<3>[    1.000000] two\n" {
		t.Errorf("READ_ALL short keeps the newest: %q", got)
	}
	if n, _ := l.Syslog(ActionSizeUnread, 0); n != len(all) {
		t.Errorf("SIZE_UNREAD %d", n)
	}
	got, _ := l.Read(5)
	rest, _ := l.Read(1000)
	if string(got)+string(rest) != all || string(got) != "<6>[ " {
		t.Errorf("READ in parts %q + %q", got, rest)
	}
	if d, wait := l.Read(10); d != nil || wait == nil {
		t.Error("READ with nothing unread does not wait")
	}
	l.ReadAll(1000, true)
	if got := l.ReadAll(1000, false); len(got) != 0 {
		t.Errorf("after READ_CLEAR: %q", got)
	}
	l.Syslog(ActionConsoleOff, 0)
	if l.Printk()[0] != '1' {
		t.Errorf("CONSOLE_OFF: %q", l.Printk())
	}
	l.Syslog(ActionConsoleOn, 0)
	if l.Printk()[0] != '7' {
		t.Errorf("CONSOLE_ON: %q", l.Printk())
	}
	if _, err := l.Syslog(ActionConsoleLevel, 9); err != abi.EINVAL {
		t.Errorf("level 9: %v", err)
	}
	if n, _ := l.Syslog(ActionSizeBuffer, 0); n != LogBufLen {
		t.Errorf("SIZE_BUFFER %d", n)
	}
	if _, err := l.Syslog(11, 0); err != abi.EINVAL {
		t.Errorf("action 11: %v", err)
	}
}
