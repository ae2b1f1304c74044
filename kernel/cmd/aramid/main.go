// Command aramid is the kernel. It is an ordinary linux/amd64 Go program: the
// nucleus (platform/x64/nucleus) boots the machine and runs the Go runtime
// at ring 0 beneath it.
package main

import (
	"fmt"
	"os"

	"aramid/platform/x64/nucleus"
)

func main() {
	info := nucleus.MachineInfo()
	fmt.Printf("Aramid: main reached, cmdline %q, entry %#x\n", info.CommandLine, info.EntryPC)
	os.Exit(0)
}
