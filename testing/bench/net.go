package bench

// netRows are the networking rows (guest/netrows.h), in report order.
// They are kept apart from Rows' literal and go in before the boot row.
var netRows = []string{"tcp_loopback_64mib", "tcp_connect_accept_close", "udp_pingpong_1b"}

func init() {
	last := Rows[len(Rows)-1]
	Rows = Rows[:len(Rows)-1]
	for _, n := range netRows {
		Rows = append(Rows, struct {
			Name    string
			Syscall bool
		}{n, false})
	}
	Rows = append(Rows, last)
}

// isNetRow reports whether name is one of the networking rows.
func isNetRow(name string) bool {
	for _, n := range netRows {
		if n == name {
			return true
		}
	}
	return false
}
