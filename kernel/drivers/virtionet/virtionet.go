// Package virtionet drives virtio network devices (virtio 1.x section 5.1)
// over kernel/drivers/virtio, modern and legacy alike: the MAC address
// from the device configuration (VIRTIO_NET_F_MAC), the link state
// (VIRTIO_NET_F_STATUS), one receive and one transmit queue. A NIC is a
// gVisor netstack link endpoint carrying Ethernet frames: it adds and
// strips the 14-byte Ethernet header itself, and offers no checksum or
// segmentation offload (no VIRTIO_NET_F_CSUM, GUEST_CSUM or TSO is
// negotiated: the netstack computes and verifies every checksum).
//
// Receive buffers are DMA memory the device fills; each is handed back to
// the device as soon as its frame is copied out. Transmitted frames are
// copied into DMA slots; a completion goroutine returns a slot when the
// device reports it sent, which is when the frame is counted, as Linux's
// virtio_net counts at completion.
//
// # Lock order
//
// NIC.mu (the dispatcher and link address) is a leaf. The counters are
// atomics.
package virtionet

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"aramid/kernel/drivers/virtio"
	"aramid/kernel/hw"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// Feature bits (virtio 1.x section 5.1.3).
const (
	FeatureMAC    = 1 << 5
	FeatureStatus = 1 << 16
)

// Configuration offsets (struct virtio_net_config) and status bits.
const (
	cfgMAC       = 0
	cfgStatus    = 6
	statusLinkUp = 1
)

const (
	// bufSize is one receive buffer or transmit slot: the virtio header
	// and the largest frame (1514 bytes at MTU 1500, 4 for a VLAN tag).
	bufSize = 2048
	// perRegion buffers share one DMA allocation.
	perRegion = 32
	// txSlots bounds the frames in flight to the device.
	txSlots = 64
	// queueMax bounds the queue sizes asked of a modern device.
	queueMax = 256
	// EthernetMTU is the MTU the interface starts with.
	EthernetMTU = 1500
	ethHeader   = header.EthernetMinimumSize
)

// ErrDevice is wrapped by errors of the driver.
var ErrDevice = errors.New("virtio-net")

// Stats are the device's counters, as Linux's virtio_net keeps them:
// bytes are whole frames without the virtio header.
type Stats struct {
	RxPackets, RxBytes, RxDropped uint64
	TxPackets, TxBytes, TxDropped uint64
}

// NIC is one virtio network device and its netstack link endpoint.
type NIC struct {
	dev      *virtio.Device
	rx, tx   *virtio.Queue
	features uint64
	hdrLen   int // 12 for a modern device, 10 for legacy without MRG_RXBUF
	mac      [6]byte

	rxBufs []buf
	txBufs []buf
	slots  chan int      // free transmit slots
	sent   chan inflight // transmit completions to collect, in order

	rxPackets, rxBytes, rxDropped atomic.Uint64
	txPackets, txBytes, txDropped atomic.Uint64

	mu         sync.Mutex
	dispatcher stack.NetworkDispatcher
	mtu        uint32
	linkAddr   tcpip.LinkAddress
}

// buf is one buffer in a DMA region.
type buf struct {
	mem hw.DMA
	off int
}

func (b buf) phys() uint64 { return b.mem.Phys() + uint64(b.off) }

type inflight struct {
	tok  virtio.Token
	slot int
	n    int // frame bytes
}

var _ stack.LinkEndpoint = (*NIC)(nil)

// Probe brings up the virtio network device v (opened with two queues:
// receive 0, transmit 1) and starts receiving.
func Probe(plat hw.Platform, v *virtio.Device) (*NIC, error) {
	if v.Type != virtio.TypeNet {
		return nil, fmt.Errorf("%w: %s is virtio device type %d", ErrDevice, v.PCI.Addr, v.Type)
	}
	f, err := v.Negotiate(FeatureMAC | FeatureStatus)
	if err != nil {
		return nil, err
	}
	n := &NIC{dev: v, features: f, hdrLen: HeaderLen(v.T.Legacy()), mtu: EthernetMTU}
	if f&FeatureMAC == 0 {
		v.Fail()
		return nil, fmt.Errorf("%w: %s offers no MAC address", ErrDevice, v.PCI.Addr)
	}
	for i := range n.mac {
		n.mac[i] = byte(v.T.ConfigRead(cfgMAC+i, 1))
	}
	n.linkAddr = tcpip.LinkAddress(n.mac[:])
	if n.rx, err = v.SetupQueue(0, queueMax); err != nil {
		v.Fail()
		return nil, err
	}
	if n.tx, err = v.SetupQueue(1, queueMax); err != nil {
		v.Reset()
		n.rx.Free()
		v.Fail()
		return nil, err
	}
	var regions []hw.DMA
	fail := func(err error) (*NIC, error) {
		v.Reset()
		n.rx.Free()
		n.tx.Free()
		for _, r := range regions {
			r.Free()
		}
		v.Fail()
		return nil, err
	}
	alloc := func(count int) ([]buf, error) {
		var out []buf
		for len(out) < count {
			r, err := plat.AllocDMA(perRegion * bufSize)
			if err != nil {
				return nil, err
			}
			regions = append(regions, r)
			for k := 0; k < perRegion && len(out) < count; k++ {
				out = append(out, buf{mem: r, off: k * bufSize})
			}
		}
		return out, nil
	}
	if n.rxBufs, err = alloc(n.rx.Size()); err != nil {
		return fail(err)
	}
	slots := min(txSlots, n.tx.Size()/2)
	if slots < 1 {
		return fail(fmt.Errorf("%w: %s: transmit queue of %d entries is too small", ErrDevice, v.PCI.Addr, n.tx.Size()))
	}
	if n.txBufs, err = alloc(slots); err != nil {
		return fail(err)
	}
	n.slots = make(chan int, slots)
	n.sent = make(chan inflight, slots)
	for i := 0; i < slots; i++ {
		n.slots <- i
	}
	// Every receive buffer goes to the device before it starts.
	toks := make([]virtio.Token, len(n.rxBufs))
	for i, b := range n.rxBufs {
		toks[i] = n.postRx(b)
	}
	v.Start()
	go n.receive(toks)
	go n.complete()
	return n, nil
}

// HeaderLen is the size of struct virtio_net_hdr the device expects
// before every frame: 12 bytes (num_buffers included) for a modern
// device, 10 for a legacy one without VIRTIO_NET_F_MRG_RXBUF.
func HeaderLen(legacy bool) int {
	if legacy {
		return 10
	}
	return 12
}

// postRx gives one receive buffer to the device.
func (n *NIC) postRx(b buf) virtio.Token {
	// One buffer always fits the queue (it has as many entries as there
	// are receive buffers, each of which is in flight at most once).
	tok, _ := n.rx.Submit([]virtio.Buf{{Phys: b.phys(), Len: bufSize, Write: true}})
	return tok
}

// receive collects filled receive buffers in the order they were given
// (the device uses them in that order), delivers each frame and gives the
// buffer back.
func (n *NIC) receive(toks []virtio.Token) {
	frame := make([]byte, bufSize)
	for i := 0; ; i = (i + 1) % len(toks) {
		b := n.rxBufs[i]
		got := int(n.rx.Wait(toks[i]))
		size := got - n.hdrLen
		if size > 0 && got <= bufSize {
			b.mem.ReadAt(frame[:size], b.off+n.hdrLen)
		}
		toks[i] = n.postRx(b)
		if size < ethHeader || got > bufSize {
			n.rxDropped.Add(1)
			continue
		}
		n.rxPackets.Add(1)
		n.rxBytes.Add(uint64(size))
		n.deliver(frame[:size])
	}
}

// Classify returns how a frame to dst reached an interface whose address
// is own (Linux's skb->pkt_type).
func Classify(dst, own tcpip.LinkAddress) tcpip.PacketType {
	switch {
	case dst == header.EthernetBroadcastAddress:
		return tcpip.PacketBroadcast
	case header.IsMulticastEthernetAddress(dst):
		return tcpip.PacketMulticast
	case dst == own:
		return tcpip.PacketHost
	}
	return tcpip.PacketOtherHost
}

// deliver hands one received frame to the netstack.
func (n *NIC) deliver(frame []byte) {
	n.mu.Lock()
	d, own := n.dispatcher, n.linkAddr
	n.mu.Unlock()
	if d == nil {
		return
	}
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(frame)})
	defer pkt.DecRef()
	if !n.ParseHeader(pkt) {
		return
	}
	eth := header.Ethernet(pkt.LinkHeader().Slice())
	pkt.PktType = Classify(eth.DestinationAddress(), own)
	d.DeliverNetworkPacket(eth.Type(), pkt)
}

// complete collects transmit completions in order and frees their slots.
func (n *NIC) complete() {
	for p := range n.sent {
		n.tx.Wait(p.tok)
		n.txPackets.Add(1)
		n.txBytes.Add(uint64(p.n))
		n.slots <- p.slot
	}
}

// WritePackets implements stack.LinkWriter: each frame (link header
// already added) is copied into a free slot behind a zeroed virtio header
// (no offload requested) and queued; it blocks while every slot is in
// flight.
func (n *NIC) WritePackets(pkts stack.PacketBufferList) (int, tcpip.Error) {
	sent := 0
	for _, pkt := range pkts.AsSlice() {
		size := pkt.Size()
		if size > bufSize-n.hdrLen {
			n.txDropped.Add(1)
			continue
		}
		slot := <-n.slots
		b := n.txBufs[slot]
		var zero [12]byte
		b.mem.WriteAt(zero[:n.hdrLen], b.off)
		off := b.off + n.hdrLen
		for _, s := range pkt.AsSlices() {
			b.mem.WriteAt(s, off)
			off += len(s)
		}
		// Two buffers always fit (the queue has at least two entries a
		// slot).
		tok, _ := n.tx.Submit([]virtio.Buf{
			{Phys: b.phys(), Len: uint32(n.hdrLen)},
			{Phys: b.phys() + uint64(n.hdrLen), Len: uint32(size)},
		})
		n.sent <- inflight{tok: tok, slot: slot, n: size}
		sent++
	}
	return sent, nil
}

// MAC returns the device's hardware address.
func (n *NIC) MAC() []byte { return append([]byte(nil), n.mac[:]...) }

// Carrier reports the link state: the configuration's LINK_UP bit, read
// now, or always up when the device has no status field.
func (n *NIC) Carrier() bool {
	if n.features&FeatureStatus == 0 {
		return true
	}
	return n.dev.T.ConfigRead(cfgStatus, 2)&statusLinkUp != 0
}

// Stats returns the counters.
func (n *NIC) Stats() Stats {
	return Stats{
		RxPackets: n.rxPackets.Load(), RxBytes: n.rxBytes.Load(), RxDropped: n.rxDropped.Load(),
		TxPackets: n.txPackets.Load(), TxBytes: n.txBytes.Load(), TxDropped: n.txDropped.Load(),
	}
}

// Features returns the negotiated feature bits.
func (n *NIC) Features() uint64 { return n.features }

// Interrupts describes the interrupt setup, for logs.
func (n *NIC) Interrupts() string { return n.dev.Interrupts() }

// Legacy reports whether the device is driven through its legacy interface.
func (n *NIC) Legacy() bool { return n.dev.T.Legacy() }

// MTU implements stack.NetworkLinkEndpoint: the IP packet size.
func (n *NIC) MTU() uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.mtu
}

// SetMTU implements stack.NetworkLinkEndpoint. Frames larger than a
// buffer are dropped (and counted) whatever the MTU says; kernel/net
// bounds the MTU an Ethernet interface accepts.
func (n *NIC) SetMTU(mtu uint32) {
	n.mu.Lock()
	n.mtu = mtu
	n.mu.Unlock()
}

// MaxHeaderLength implements stack.NetworkLinkEndpoint.
func (*NIC) MaxHeaderLength() uint16 { return ethHeader }

// LinkAddress implements stack.NetworkLinkEndpoint.
func (n *NIC) LinkAddress() tcpip.LinkAddress {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.linkAddr
}

// SetLinkAddress implements stack.NetworkLinkEndpoint.
func (n *NIC) SetLinkAddress(a tcpip.LinkAddress) {
	n.mu.Lock()
	n.linkAddr = a
	n.mu.Unlock()
}

// Capabilities implements stack.NetworkLinkEndpoint: address resolution
// (ARP, NDP) and no offload.
func (*NIC) Capabilities() stack.LinkEndpointCapabilities {
	return stack.CapabilityResolutionRequired
}

// Attach implements stack.NetworkLinkEndpoint.
func (n *NIC) Attach(d stack.NetworkDispatcher) {
	n.mu.Lock()
	n.dispatcher = d
	n.mu.Unlock()
}

// IsAttached implements stack.NetworkLinkEndpoint.
func (n *NIC) IsAttached() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.dispatcher != nil
}

// Wait implements stack.NetworkLinkEndpoint: the device's goroutines run
// for the kernel's lifetime.
func (*NIC) Wait() {}

// ARPHardwareType implements stack.NetworkLinkEndpoint.
func (*NIC) ARPHardwareType() header.ARPHardwareType { return header.ARPHardwareEther }

// AddHeader implements stack.NetworkLinkEndpoint: the Ethernet header.
func (*NIC) AddHeader(pkt *stack.PacketBuffer) {
	eth := header.Ethernet(pkt.LinkHeader().Push(ethHeader))
	eth.Encode(&header.EthernetFields{
		SrcAddr: pkt.EgressRoute.LocalLinkAddress,
		DstAddr: pkt.EgressRoute.RemoteLinkAddress,
		Type:    pkt.NetworkProtocolNumber,
	})
}

// ParseHeader implements stack.NetworkLinkEndpoint.
func (*NIC) ParseHeader(pkt *stack.PacketBuffer) bool {
	_, ok := pkt.LinkHeader().Consume(ethHeader)
	return ok
}

// Close implements stack.NetworkLinkEndpoint.
func (*NIC) Close() {}

// SetOnCloseAction implements stack.NetworkLinkEndpoint.
func (*NIC) SetOnCloseAction(func()) {}

// FormatMAC prints a hardware address as Linux's %pM.
func FormatMAC(mac []byte) string {
	s := ""
	for i, b := range mac {
		if i > 0 {
			s += ":"
		}
		s += fmt.Sprintf("%02x", b)
	}
	return s
}
