package unix

// Info describes one live socket of a namespace, for /proc/net/unix.
type Info struct {
	Type      int    // SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET
	Listening bool   // listen(2) was called
	Connected bool   // connected to a peer (stream/seqpacket pairs and accepted sockets, connected datagram sockets)
	HasFile   bool   // false for a connection not yet accepted
	Ino       uint64 // the socket inode's number (0 without a file)
	Addr      Addr   // its name; an accepted socket reports its listener's
	// Refs counts the references Aramid's socket graph holds on the
	// socket: its own, and one for every socket whose peer it is.
	Refs int
}

// register records s among the namespace's live sockets.
func (ns *Namespace) register(s *Socket) {
	ns.listMu.Lock()
	if ns.all == nil {
		ns.all = make(map[*Socket]struct{})
	}
	ns.all[s] = struct{}{}
	ns.listMu.Unlock()
}

// unregister forgets s (released).
func (ns *Namespace) unregister(s *Socket) {
	ns.listMu.Lock()
	delete(ns.all, s)
	ns.listMu.Unlock()
}

// Sockets returns every live socket of the namespace, in no particular
// order (Linux lists them in hash-table order).
func (ns *Namespace) Sockets() []Info {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.listMu.Lock()
	socks := make([]*Socket, 0, len(ns.all))
	for s := range ns.all {
		socks = append(socks, s)
	}
	ns.listMu.Unlock()
	refs := make(map[*Socket]int, len(socks))
	for _, s := range socks {
		if s.peer != nil {
			refs[s.peer]++
		}
	}
	out := make([]Info, 0, len(socks))
	for _, s := range socks {
		ino := s.ino.Load()
		out = append(out, Info{Type: s.typ, Listening: s.state == listening, Connected: s.state == connected,
			HasFile: ino != 0, Ino: ino, Addr: s.addr, Refs: 1 + refs[s]})
	}
	return out
}
