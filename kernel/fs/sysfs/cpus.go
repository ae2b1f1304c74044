package sysfs

import "fmt"

// cpuEntries is devices/system/cpu for n CPUs (at least one): every CPU
// that runs threads is online, present and possible, as on a Linux
// machine without hotplug.
func cpuEntries(n int) []Entry {
	n = max(n, 1)
	list := "0\n"
	if n > 1 {
		list = fmt.Sprintf("0-%d\n", n-1)
	}
	es := []Entry{
		file("devices/system/cpu/online", list),
		file("devices/system/cpu/possible", list),
		file("devices/system/cpu/present", list),
	}
	for i := range n {
		es = append(es, dir(fmt.Sprintf("devices/system/cpu/cpu%d", i)))
	}
	return es
}
