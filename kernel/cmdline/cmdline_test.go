package cmdline

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		line string
		want Config
	}{
		{"", Config{ConsoleLevel: -1, RDInit: "/init", Params: map[string]string{}}},
		{"console=ttyS0 init=/usr/lib/systemd/systemd", Config{ConsoleLevel: -1,
			Console: "ttyS0", Init: "/usr/lib/systemd/systemd", RDInit: "/init",
			Params: map[string]string{"console": "ttyS0", "init": "/usr/lib/systemd/systemd"}}},
		{"  aramid.selftest=1   quiet ", Config{RDInit: "/init", SelfTest: true, Quiet: true, ConsoleLevel: 4,
			Params: map[string]string{"aramid.selftest": "1", "quiet": ""}}},
		{"aramid.selftest=0 rdinit=/sbin/init", Config{ConsoleLevel: -1, RDInit: "/sbin/init",
			Params: map[string]string{"aramid.selftest": "0", "rdinit": "/sbin/init"}}},
		{`foo="a b" unknown.key=3 -- -s "x y"`, Config{ConsoleLevel: -1, RDInit: "/init", InitArgs: []string{"-s", "x y"},
			Params: map[string]string{"foo": "a b", "unknown.key": "3"}}},
		{"console=tty0 console=ttyS0,115200", Config{ConsoleLevel: -1, Console: "ttyS0,115200", RDInit: "/init",
			Params: map[string]string{"console": "ttyS0,115200"}}},
		{"aramid.testfault=pagefault", Config{ConsoleLevel: -1, RDInit: "/init", TestFault: "pagefault",
			Params: map[string]string{"aramid.testfault": "pagefault"}}},
		{`unterminated="quote here`, Config{ConsoleLevel: -1, RDInit: "/init",
			Params: map[string]string{"unterminated": "quote here"}}},
		{"quiet loglevel=8 ignore_loglevel", Config{ConsoleLevel: 8, RDInit: "/init", Quiet: true, IgnoreLogLevel: true,
			Params: map[string]string{"quiet": "", "loglevel": "8", "ignore_loglevel": ""}}},
		{"loglevel=3 quiet loglevel=x", Config{ConsoleLevel: 4, RDInit: "/init", Quiet: true,
			Params: map[string]string{"quiet": "", "loglevel": "x"}}},
		{"debug", Config{ConsoleLevel: 10, RDInit: "/init", Params: map[string]string{"debug": ""}}},
		{"root=PARTUUID=0fc63daf-8483-4772-8e79-3d69d8477de4/PARTNROFF=1 rootfstype=ext4,ext2 rootflags=data=ordered rw rootwait rootdelay=3",
			Config{ConsoleLevel: -1, RDInit: "/init", Root: "PARTUUID=0fc63daf-8483-4772-8e79-3d69d8477de4/PARTNROFF=1",
				RootFSType: "ext4,ext2", RootFlags: "data=ordered", RootRW: true, RootWait: true, RootDelay: 3,
				Params: map[string]string{"root": "PARTUUID=0fc63daf-8483-4772-8e79-3d69d8477de4/PARTNROFF=1", "rootfstype": "ext4,ext2",
					"rootflags": "data=ordered", "rw": "", "rootwait": "", "rootdelay": "3"}}},
		// The last of ro and rw wins; with a value they are other words.
		{"rw ro rootwait=1 rw=1", Config{ConsoleLevel: -1, RDInit: "/init",
			Params: map[string]string{"rw": "1", "ro": "", "rootwait": "1"}}},
	}
	for _, tt := range tests {
		got := Parse(tt.line)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.line, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`console=ttyS0 init=/x -- a "b c"`)
	f.Fuzz(func(t *testing.T, line string) {
		c := Parse(line)
		if c.Params == nil {
			t.Fatal("nil Params")
		}
	})
}
