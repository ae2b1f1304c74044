// Package net boots Aramid and the reference Linux kernel in QEMU with a
// virtio-net NIC on QEMU's user network (restrict=on: nothing leaves the
// host, only port forwards on 127.0.0.1 reach the guest) and talks to a
// server in the guest from the host. The guest's /init brings lo and eth0
// up with busybox ip, lets busybox udhcpc configure eth0 from QEMU's DHCP
// server (over AF_PACKET sockets), adds the default route via 10.0.2.2,
// prints ip addr and ip route, pings the gateway (busybox ping as root, a
// raw socket; guest/server.c's ping-socket client as nobody, refused and
// then allowed by net.ipv4.ping_group_range), starts busybox httpd and
// guest/server.c: a TCP echo server (port 8080) and a UDP echo server
// (port 8081). The host checks a short and a multi-megabyte echo byte for
// byte, the UDP answer, a file fetched from httpd through the port forward
// byte for byte, and that eth0's counters in sysfs grew by at least the
// payload moved; through the modern and the legacy (disable-modern=on)
// interface, on both kernels; and the tools' output on Aramid must be
// Linux's, line for line (see transcript). Linux's virtio_net is a
// module: /init loads the reference kernel's virtio and virtio_net
// modules first. NETTEST_LOG=1 logs every guest's serial output.
package net

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand"
	stdnet "net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"aramid/platform/x64/boot"
	"aramid/testing/contract"
	"aramid/testing/qemu"
	"aramid/testing/srcdeps"
)

var (
	aramidKernel string
	serverBin    string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	for _, tool := range []string{"qemu-system-x86_64", "musl-gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				fmt.Fprintf(os.Stderr, "net: %s not found (run `make deps`)\n", tool)
				return 1
			}
			fmt.Fprintf(os.Stderr, "net: %s not found; skipping\n", tool)
			return 0
		}
	}
	if err := srcdeps.Track("kernel", "platform"); err != nil {
		fmt.Fprintln(os.Stderr, "net:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "aramid-net-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	serverBin = filepath.Join(dir, "server")
	if out, err := exec.Command("musl-gcc", "-static", "-O2", "-Wall", "-o", serverBin, "guest/server.c").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "net: musl-gcc: %v\n%s", err, out)
		return 1
	}
	aramidKernel = filepath.Join(dir, "kernel.elf")
	if err := boot.Build("aramid/kernel/cmd/aramid", aramidKernel, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "net:", err)
		return 1
	}
	return m.Run()
}

// netModules are the reference kernel's modules virtio_net needs, in load
// order.
var netModules = []string{
	"drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio.ko",
	"drivers/virtio/virtio_pci_legacy_dev.ko", "drivers/virtio/virtio_pci_modern_dev.ko",
	"drivers/virtio/virtio_pci.ko", "net/core/failover.ko", "drivers/net/net_failover.ko",
	"drivers/net/virtio_net.ko",
}

// initScript configures eth0 as people do and starts the server. Waiting
// for eth0 is bounded (Linux probes the module's device asynchronously).
const initScript = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
if [ -f /lib/modules/net/list ]; then
	for m in $(cat /lib/modules/net/list); do insmod $m || echo "NETTEST FAIL insmod $m"; done
fi
n=0
while [ ! -e /sys/class/net/eth0 ]; do
	n=$((n+1))
	if [ $n -gt 1000 ]; then echo "NETTEST FAIL no eth0"; poweroff -f; fi
	usleep 10000
done
echo "NETTEST mac $(cat /sys/class/net/eth0/address) mtu $(cat /sys/class/net/eth0/mtu) operstate $(cat /sys/class/net/eth0/operstate)"
ip link | sed 's/^/NETTEST linkdown: /'
ip link set lo up || echo "NETTEST FAIL ip link set lo up"
ip link set eth0 up || echo "NETTEST FAIL ip link set eth0 up"
ip link | sed 's/^/NETTEST link: /'
udhcpc -i eth0 -f -q -n -t 5 -T 2 -s /dhcp.script || echo "NETTEST FAIL udhcpc"
ip route add default via 10.0.2.2 || echo "NETTEST FAIL ip route add"
ip addr | sed 's/^/NETTEST ipaddr: /'
ip -4 addr show dev eth0 | sed 's/^/NETTEST addr: /'
ip route | sed 's/^/NETTEST iproute: /'
ip -4 route | sed 's/^/NETTEST route: /'
ping -c 3 10.0.2.2 >/tmp/ping 2>&1; echo "NETTEST ping rc $?"
sed 's/^/NETTEST ping: /' /tmp/ping
echo "NETTEST ping_group_range $(cat /proc/sys/net/ipv4/ping_group_range)"
su -s /bin/sh nobody -c 'ping -c 1 10.0.2.2' >/tmp/ping 2>&1; echo "NETTEST nobody ping rc $?"
sed 's/^/NETTEST nobody ping: /' /tmp/ping
su -s /bin/sh nobody -c '/server ping 10.0.2.2'; echo "NETTEST nobody pingsock rc $?"
echo "65534 65534" >/proc/sys/net/ipv4/ping_group_range || echo "NETTEST FAIL ping_group_range"
su -s /bin/sh nobody -c '/server ping 10.0.2.2'; echo "NETTEST grouped pingsock rc $?"
httpd -p 80 -h /www || echo "NETTEST FAIL httpd"
exec /server
`

// dhcpScript is udhcpc's script: it prints the lease and configures eth0
// with its address (QEMU's DHCP server names no router when restrict=on:
// /init adds the default route).
const dhcpScript = `#!/bin/sh
if [ "$1" = bound ]; then
	echo "NETTEST dhcp bound ip=$ip subnet=$subnet mask=$mask router=$router"
	ip addr add $ip/$mask dev $interface || echo "NETTEST FAIL dhcp ip addr add"
fi
exit 0
`

// writeInitrd builds the guest's initramfs.
func writeInitrd(path string, modules []string) error {
	var t contract.Tree
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "www", "lib", "lib/modules", "lib/modules/net"} {
		if err := t.AddDir(d, 0o755); err != nil {
			return err
		}
	}
	if err := t.AddCharDev("dev/console", 0o600, 5, 1); err != nil {
		return err
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return err
	}
	srv, err := os.ReadFile(serverBin)
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{"bin/busybox": bb, "server": srv, "init": []byte(initScript), "dhcp.script": []byte(dhcpScript)} {
		if err := t.AddFile(name, 0o755, data); err != nil {
			return err
		}
	}
	for name, data := range map[string][]byte{
		"etc/passwd":     []byte("root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n"),
		"etc/group":      []byte("root:x:0:\nnogroup:x:65534:\n"),
		"www/" + webFile: webData(),
	} {
		if err := t.AddFile(name, 0o644, data); err != nil {
			return err
		}
	}
	var list []string
	for i, m := range modules {
		b, err := os.ReadFile(m)
		if err != nil {
			return err
		}
		g := fmt.Sprintf("lib/modules/net/%02d-%s", i, filepath.Base(m))
		if err := t.AddFile(g, 0o644, b); err != nil {
			return err
		}
		list = append(list, "/"+g)
	}
	if len(list) > 0 {
		if err := t.AddFile("lib/modules/net/list", 0o644, []byte(strings.Join(list, "\n")+"\n")); err != nil {
			return err
		}
	}
	return t.WriteFile(path)
}

// webFile is the file the guest's httpd serves from /www; webData is its
// contents, the same on every call.
const webFile = "data.bin"

func webData() []byte {
	b := make([]byte, 3<<20+12345)
	rand.New(rand.NewSource(14)).Read(b)
	return b
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := stdnet.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*stdnet.UDPAddr).Port
	}
	l, err := stdnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*stdnet.TCPAddr).Port
}

// guest is one running QEMU whose serial lines are watched.
type guest struct {
	mu    sync.Mutex
	lines []string
	ready chan struct{} // closed when the server listens
	fail  chan string   // a NETTEST FAIL line
	conn  chan string   // a "NETTEST conn" line
	udp   chan string   // a "NETTEST udp" line
	done  chan struct{}
	res   *qemu.Result
	err   error
}

func (g *guest) judge(l qemu.Line) bool {
	g.mu.Lock()
	g.lines = append(g.lines, l.Text)
	g.mu.Unlock()
	switch {
	case strings.Contains(l.Text, "NETTEST listening"):
		close(g.ready)
	case strings.Contains(l.Text, "NETTEST FAIL"):
		select {
		case g.fail <- l.Text:
		default:
		}
	case strings.Contains(l.Text, "NETTEST conn "):
		g.conn <- l.Text
	case strings.Contains(l.Text, "NETTEST udp "):
		select {
		case g.udp <- l.Text:
		default:
		}
	}
	return false
}

func (g *guest) log() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Join(g.lines, "\n")
}

func TestVirtioNet(t *testing.T) {
	repo, _ := filepath.Abs("../..")
	linux := filepath.Join(repo, "build/linux/vmlinuz")
	var mu sync.Mutex
	transcripts := map[string][]string{} // by subtest name
	t.Run("boot", func(t *testing.T) {
		for _, tc := range []struct {
			kernel string
			legacy bool
		}{
			{"aramid", false}, {"aramid", true}, {"linux", false}, {"linux", true},
		} {
			name := tc.kernel + "/modern"
			if tc.legacy {
				name = tc.kernel + "/legacy"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				kernel, appendLine, initrd := aramidKernel, "console=ttyS0", ""
				var mods []string
				if tc.kernel == "linux" {
					if _, err := os.Stat(linux); err != nil {
						t.Skip("reference kernel missing: run `make linux-ref` (make test does)")
					}
					if mods = contract.FindModules(linux, netModules); mods == nil {
						t.Fatalf("no virtio_net modules beside %s", linux)
					}
					kernel, appendLine = linux, "console=ttyS0 loglevel=4 panic=-1"
				}
				initrd = filepath.Join(t.TempDir(), "initrd.cpio")
				if err := writeInitrd(initrd, mods); err != nil {
					t.Fatal(err)
				}
				log := runGuest(t, kernel, appendLine, initrd, tc.legacy)
				if tc.kernel == "aramid" {
					kind := map[bool]string{false: "modern", true: "legacy"}[tc.legacy]
					if !regexp.MustCompile(`virtio_net virtio\d: 52:54:00:12:34:56, ` + kind + ` virtio-pci`).MatchString(log) {
						t.Errorf("Aramid did not drive the NIC through its %s interface", kind)
					}
				}
				mu.Lock()
				transcripts[name] = transcript(log)
				mu.Unlock()
			})
		}
	})
	// What the tools printed must be Linux's, line for line.
	for _, mode := range []string{"modern", "legacy"} {
		a, l := transcripts["aramid/"+mode], transcripts["linux/"+mode]
		if a == nil || l == nil {
			continue
		}
		if d := contract.Diff(l, a); d != "" {
			t.Errorf("%s: the tools' output differs from Linux's (- Linux, + Aramid):\n%s", mode, d)
		}
	}
}

// transcriptRE picks the lines of the tools' output that must be Linux's.
var transcriptRE = regexp.MustCompile(`NETTEST ((mac|linkdown:|link:|dhcp|ipaddr:|addr:|iproute:|route:|ping|ping_group_range|nobody|pingsock|grouped) .*)`)

// transcript returns the tools' output in log with what differs between
// any two runs normalised: ping's round-trip times. On eth0's lines the
// queueing discipline (Linux's default is fq_codel, Aramid names
// pfifo_fast) and NO-CARRIER (the reference guest's link watch has not
// marked the link running when ip asks) are left out.
func transcript(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		m := transcriptRE.FindStringSubmatch(strings.TrimRight(line, "\r"))
		if m == nil {
			continue
		}
		l := m[1]
		l = regexp.MustCompile(`time=[0-9.]+ ms`).ReplaceAllString(l, "time=T ms")
		l = regexp.MustCompile(`min/avg/max = [0-9./]+ ms`).ReplaceAllString(l, "min/avg/max = T ms")
		if strings.Contains(l, " eth0: <") {
			l = strings.Replace(l, "NO-CARRIER,", "", 1)
			l = regexp.MustCompile(` qdisc \S+`).ReplaceAllString(l, " qdisc Q")
		}
		out = append(out, l)
	}
	return out
}

// runGuest boots one guest, runs the exchanges and returns the serial log.
func runGuest(t *testing.T, kernel, appendLine, initrd string, legacy bool) string {
	tcpPort, udpPort, httpPort := freePort(t, "tcp"), freePort(t, "udp"), freePort(t, "tcp")
	dev := "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56"
	if legacy {
		dev += ",disable-modern=on"
	}
	cfg := qemu.Config{
		Kernel: kernel, Initrd: initrd, Append: appendLine, Memory: "256M", Timeout: 150 * time.Second,
		Args: []string{
			"-netdev", fmt.Sprintf("user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:%d-:8080,hostfwd=udp:127.0.0.1:%d-:8081,hostfwd=tcp:127.0.0.1:%d-:80", tcpPort, udpPort, httpPort),
			"-device", dev,
		},
	}
	g := &guest{ready: make(chan struct{}), fail: make(chan string, 1), conn: make(chan string, 8), udp: make(chan string, 8), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		g.res, g.err = qemu.Run(ctx, cfg, g.judge)
		close(g.done)
	}()
	defer func() {
		cancel()
		<-g.done
		if t.Failed() || os.Getenv("NETTEST_LOG") != "" {
			t.Logf("%s\nserial log:\n%s", cfg.CommandLine(), g.log())
		}
	}()
	select {
	case <-g.ready:
	case l := <-g.fail:
		t.Fatalf("guest: %s", l)
	case <-g.done:
		t.Fatalf("QEMU ended before the server listened: %v", g.err)
	}
	select {
	case l := <-g.fail:
		t.Fatalf("guest: %s", l)
	default:
	}
	log := g.log()
	for _, re := range []string{
		`NETTEST mac 52:54:00:12:34:56 mtu 1500 operstate down`,
		`NETTEST addr: .*inet 10\.0\.2\.15/24 .*scope global eth0`,
		`NETTEST route: default via 10\.0\.2\.2 dev eth0`,
		`NETTEST route: 10\.0\.2\.0/24 dev eth0 .*scope link\s+src 10\.0\.2\.15`,
		// busybox udhcpc over AF_PACKET sockets, from QEMU's DHCP server
		// (which names no router when restrict=on).
		`NETTEST dhcp bound ip=10\.0\.2\.15 subnet=255\.255\.255\.0 mask=24 router=\n`,
		// busybox ping as root (a raw socket); as nobody it fails
		// (busybox tries no ping socket). A ping socket as nobody is
		// refused while ping_group_range ("1 0") admits no group and
		// gets its reply once the range admits nobody's group.
		`NETTEST ping rc 0\n`,
		`NETTEST ping: 3 packets transmitted, 3 packets received, 0% packet loss`,
		`NETTEST ping_group_range 1\s+0\n`,
		`NETTEST nobody ping rc 1\n`,
		`NETTEST pingsock socket: Permission denied\nNETTEST nobody pingsock rc 1\n`,
		`NETTEST pingsock reply from 10\.0\.2\.2 type 0 seq 14 bytes 24 same_data 1\nNETTEST grouped pingsock rc 0\n`,
	} {
		if !regexp.MustCompile(re).MatchString(log) {
			t.Errorf("serial log lacks %s", re)
		}
	}
	addr := fmt.Sprintf("127.0.0.1:%d", tcpPort)
	// A short echo, a long one, and a short one again: the counters the
	// server prints after the third must account for the long one in
	// both directions (Linux counts a sent frame when it reaps its
	// completion, which the next transmission does).
	big := make([]byte, 4<<20)
	rand.New(rand.NewSource(20261207)).Read(big)
	payloads := [][]byte{[]byte("hello from the host\n"), big, []byte("and goodbye\n")}
	counterRE := regexp.MustCompile(`echoed (\d+) rx_bytes (-?\d+) tx_bytes (-?\d+) rx_packets (-?\d+) tx_packets (-?\d+)`)
	for k, p := range payloads {
		got, err := echo(addr, p, 60*time.Second)
		if err != nil {
			t.Fatalf("echo %d of %d bytes: %v", k, len(p), err)
		}
		if !bytes.Equal(got, p) {
			t.Fatalf("echo %d: sent %d bytes (sha256 %x), got %d (sha256 %x)", k, len(p), sha256.Sum256(p), len(got), sha256.Sum256(got))
		}
		var line string
		select {
		case line = <-g.conn:
		case <-time.After(30 * time.Second):
			t.Fatalf("the server did not report connection %d", k)
		}
		m := counterRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("server line %q", line)
		}
		n := make([]int64, 5)
		for i := range n {
			n[i], _ = strconv.ParseInt(m[i+1], 10, 64)
		}
		if n[0] != int64(len(p)) {
			t.Errorf("connection %d: the server echoed %d bytes, the host sent %d", k, n[0], len(p))
		}
		// (No bytes-per-packet bound: Linux counts a TSO or GRO
		// super-packet as one.)
		if k == 2 && (n[1] < int64(len(big)) || n[2] < int64(len(big))) {
			t.Errorf("%s: eth0's counters do not account for the %d bytes echoed", line, len(big))
		}
	}
	t.Logf("echoed %d bytes both ways", len(big))
	// busybox httpd in the guest serves /www through the forward.
	page, err := fetch(fmt.Sprintf("http://127.0.0.1:%d/%s", httpPort, webFile), 60*time.Second)
	if err != nil {
		t.Errorf("fetching from the guest's httpd: %v", err)
	} else if want := webData(); !bytes.Equal(page, want) {
		t.Errorf("httpd served %d bytes (sha256 %x), the file has %d (sha256 %x)", len(page), sha256.Sum256(page), len(want), sha256.Sum256(want))
	} else {
		t.Logf("fetched %d bytes from the guest's httpd", len(page))
	}
	// UDP: the guest must receive the host's datagram through the
	// forward (and print it). Its answer, sent back to 10.0.2.2, does not
	// come back through a restrict=on forward on either kernel (QEMU's
	// slirp), so it is only logged.
	uc, err := stdnet.Dial("udp", fmt.Sprintf("127.0.0.1:%d", udpPort))
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	msg := "datagram from the host"
	if _, err := uc.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-g.udp:
		if !regexp.MustCompile(`NETTEST udp from 10\.0\.2\.2:\d+: ` + msg + `$`).MatchString(l) {
			t.Errorf("guest received %q", l)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("the guest did not receive the UDP datagram")
	}
	uc.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 256)
	if n, err := uc.Read(buf); err == nil {
		t.Logf("UDP answer %q", buf[:n])
	} else {
		t.Logf("no UDP answer: %v", err)
	}
	return g.log()
}

// fetch GETs url and returns the body of a 200 answer.
func fetch(url string, timeout time.Duration) ([]byte, error) {
	c := &http.Client{Timeout: timeout}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return body, nil
}

// echo sends p, shuts its side down and reads everything back.
func echo(addr string, p []byte, timeout time.Duration) ([]byte, error) {
	c, err := stdnet.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(p)
		if err == nil {
			err = c.(*stdnet.TCPConn).CloseWrite()
		}
		werr <- err
	}()
	got, rerr := io.ReadAll(c)
	if err := <-werr; err != nil {
		return got, fmt.Errorf("write: %w", err)
	}
	return got, rerr
}
