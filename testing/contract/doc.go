// Package contract is the differential contract suite's harness: it compiles
// the C contract programs under testing/contracts, packs them with the PID-1
// runner into one initramfs, boots each kernel under QEMU (booting again after
// a crash, starting at the next test), parses the framed serial output and
// classifies every test by comparing the candidate kernel (Aramid) with the
// reference (Linux).
//
// The serial protocol, written by testing/contracts/runner/init.c:
//
//	@@RUNNER start=N total=T timeout=S
//	@@BEGIN <index> <category/name>
//	| <a line the contract printed>
//	@@END <index> <category/name> <exit N|signal N|timeout>
//	@@SUITE_DONE
//
// Lines without these prefixes (kernel messages) are ignored.
package contract
