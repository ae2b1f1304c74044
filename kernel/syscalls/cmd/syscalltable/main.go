// Command syscalltable prints the kernel's system-call table (every x86-64
// number with its support level and note) as Markdown; docs/SYSCALLS.md is
// its output, and a test keeps the two equal.
//
// Usage: go run ./kernel/syscalls/cmd/syscalltable > docs/SYSCALLS.md
package main

import (
	"fmt"

	"aramid/kernel/syscalls"
)

func main() { fmt.Print(syscalls.Markdown()) }
