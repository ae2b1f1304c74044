package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"
)

// Tracing: where sampling says where the time goes, a trace says exactly
// which instructions one operation executes. QEMU's gdbstub (GDB's remote
// serial protocol) stops the virtual CPU at a hardware breakpoint on the
// operation's first instruction, then single-steps it (QEMU keeps
// interrupts and timers out of a single step) until the CPU is back at that
// address, and every step's RIP is attributed to a function. The count per
// operation is deterministic: the same kernel and program give the same
// trace however loaded the host is, and a change to a path shows as the
// instructions it saved.

// rsp is a connection to a GDB remote stub.
type rsp struct {
	c net.Conn
	r *bufio.Reader
}

// cmd sends one packet and returns the stub's reply.
func (g *rsp) cmd(pkt string) (string, error) {
	sum := 0
	for i := 0; i < len(pkt); i++ {
		sum += int(pkt[i])
	}
	if _, err := fmt.Fprintf(g.c, "$%s#%02x", pkt, sum&0xff); err != nil {
		return "", err
	}
	for {
		b, err := g.r.ReadByte()
		if err != nil {
			return "", err
		}
		switch b {
		case '+':
			continue
		case '-':
			return "", errors.New("gdbstub refused a packet")
		case '$':
			body, err := g.r.ReadString('#')
			if err != nil {
				return "", err
			}
			if _, err := g.r.Discard(2); err != nil { // checksum
				return "", err
			}
			if _, err := g.c.Write([]byte{'+'}); err != nil {
				return "", err
			}
			return strings.TrimSuffix(body, "#"), nil
		}
	}
}

// pc reads RIP: register 16 of GDB's x86-64 numbering, after the 16
// general-purpose registers in the 'g' packet's reply.
func (g *rsp) pc() (uint64, error) {
	r, err := g.cmd("g")
	if err != nil {
		return 0, err
	}
	if len(r) < 17*16 {
		return 0, fmt.Errorf("gdbstub: short register reply %q", r)
	}
	b, err := hex.DecodeString(r[16*16 : 17*16])
	if err != nil {
		return 0, fmt.Errorf("gdbstub: bad register reply: %w", err)
	}
	return binary.LittleEndian.Uint64(b), nil
}

func trace(ctx context.Context, sock string, o options, ks, us *symtab) error {
	c, err := dialWait(sock, "gdbstub")
	if err != nil {
		return err
	}
	defer c.Close()
	go func() { <-ctx.Done(); c.Close() }()
	g := &rsp{c: c, r: bufio.NewReader(c)}
	if _, err := g.cmd("?"); err != nil {
		return err
	}
	// QEMU may announce the stop it made at the connection on its own as
	// well: drain whatever else is already there.
	for {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if _, err := g.r.ReadByte(); err != nil {
			break
		}
	}
	c.SetReadDeadline(time.Time{})
	g.r.Reset(c)
	bp := fmt.Sprintf("Z1,%x,1", o.traceFrom)
	if r, err := g.cmd(bp); err != nil || r != "OK" {
		return fmt.Errorf("hardware breakpoint at %#x: %q %v", o.traceFrom, r, err)
	}
	// The first passes may find state cold (or a calibration step between
	// them): trace pass number -trace-pass.
	for i := 0; i < o.tracePass; i++ {
		if i > 0 {
			// Step off the breakpoint first: continuing from it may stop
			// at it again at once.
			if _, err := g.cmd("s"); err != nil {
				return err
			}
		}
		if r, err := g.cmd("c"); err != nil || !strings.HasPrefix(r, "T") && !strings.HasPrefix(r, "S") {
			return fmt.Errorf("waiting for %#x: %q %v (did the guest run that code?)", o.traceFrom, r, err)
		}
	}
	if _, err := g.cmd("z1," + bp[3:]); err != nil {
		return err
	}
	counts := map[string]int{}
	var seq []string
	user, kern := 0, 0
	n := 0
	for ; n < o.traceMax; n++ {
		pc, err := g.pc()
		if err != nil {
			return err
		}
		if n > 0 && pc == o.traceFrom {
			break
		}
		var name string
		if pc < 1<<47 {
			user++
			name = "[user]"
			if us != nil {
				name = "user:" + us.lookup(pc)
			}
		} else {
			kern++
			name = ks.lookup(pc)
		}
		counts[name]++
		if len(seq) == 0 || seq[len(seq)-1] != name {
			seq = append(seq, name)
		}
		if _, err := g.cmd("s"); err != nil {
			return err
		}
	}
	g.cmd("k")
	type kv struct {
		k string
		v int
	}
	var rows []kv
	for k, v := range counts {
		rows = append(rows, kv{k, v})
	}
	sort.Slice(rows, func(a, b int) bool { return rows[a].v > rows[b].v || rows[a].v == rows[b].v && rows[a].k < rows[b].k })
	state := "one pass"
	if n >= o.traceMax {
		state = fmt.Sprintf("cut at -trace-max %d", o.traceMax)
	}
	fmt.Printf("%d instructions from %#x (%s): kernel %d, user %d\n", n, o.traceFrom, state, kern, user)
	for i, r := range rows {
		if i >= o.top {
			break
		}
		fmt.Printf("%8d  %s\n", r.v, r.k)
	}
	if o.traceSeq {
		fmt.Println("sequence:")
		for _, s := range seq {
			fmt.Println("  " + s)
		}
	}
	return nil
}
