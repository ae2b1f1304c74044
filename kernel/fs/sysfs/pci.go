package sysfs

import (
	"fmt"
	"path"
	"strings"
	"sync"
)

// PCI functions, as Linux lays them out:
//
//	devices/pci0000:00/0000:00:04.0/{vendor,device,class,subsystem_vendor,
//	    subsystem_device,revision,resource,irq,uevent,config}
//	devices/pci0000:00/0000:00:1e.0/0000:01:00.0/...   behind a bridge
//	bus/pci/devices/0000:00:04.0 -> ../../../devices/pci0000:00/0000:00:04.0
//
// The files are what the function held when the kernel scanned it (config
// is a snapshot taken after its driver set it up).

// PCIFunction is what the tree shows of one function.
type PCIFunction struct {
	Name      string // "0000:00:04.0"
	Parent    string // the bridge it sits behind ("" on the root bus)
	Vendor    uint16
	Device    uint16
	SubVendor uint16
	SubDevice uint16
	Class     uint32
	Revision  uint8
	IRQ       int
	// Resources are the lines of the resource file: start, end, flags.
	Resources [][3]uint64
	Config    []byte
	Driver    string // bound driver ("" when none)
}

// PCIEntries returns the entries for fns (parents before children).
func PCIEntries(fns []PCIFunction) []Entry {
	dirOf := map[string]string{}
	es := []Entry{dir("bus/pci/devices"), dir("bus/pci/drivers")}
	for _, f := range fns {
		root := "devices/pci" + f.Name[:7] // "pci0000:00"
		p := path.Join(root, f.Name)
		if pd, ok := dirOf[f.Parent]; ok && f.Parent != "" {
			p = path.Join(pd, f.Name)
		}
		dirOf[f.Name] = p
		var res strings.Builder
		for _, r := range f.Resources {
			fmt.Fprintf(&res, "0x%016x 0x%016x 0x%016x\n", r[0], r[1], r[2])
		}
		uevent := ""
		if f.Driver != "" {
			uevent = "DRIVER=" + f.Driver + "\n"
		}
		uevent += fmt.Sprintf("PCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\nMODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
			f.Class, f.Vendor, f.Device, f.SubVendor, f.SubDevice, f.Name,
			f.Vendor, f.Device, f.SubVendor, f.SubDevice, f.Class>>16, f.Class>>8&0xff, f.Class&0xff)
		es = append(es,
			file(p+"/vendor", fmt.Sprintf("0x%04x\n", f.Vendor)),
			file(p+"/device", fmt.Sprintf("0x%04x\n", f.Device)),
			file(p+"/subsystem_vendor", fmt.Sprintf("0x%04x\n", f.SubVendor)),
			file(p+"/subsystem_device", fmt.Sprintf("0x%04x\n", f.SubDevice)),
			file(p+"/class", fmt.Sprintf("0x%06x\n", f.Class)),
			file(p+"/revision", fmt.Sprintf("0x%02x\n", f.Revision)),
			file(p+"/irq", fmt.Sprintf("%d\n", f.IRQ)),
			file(p+"/resource", res.String()),
			file(p+"/uevent", uevent),
			file(p+"/config", string(f.Config)),
			symlink(p+"/subsystem", strings.Repeat("../", strings.Count(p, "/")+1)+"bus/pci"),
			symlink("bus/pci/devices/"+f.Name, "../../../"+p),
		)
	}
	return es
}

// registered holds entries drivers found at boot, added by every New.
var registered struct {
	mu      sync.Mutex
	entries []Entry
}

// Register adds entries to every sysfs made after it (devices found at
// boot, before userland mounts /sys).
func Register(es ...Entry) {
	registered.mu.Lock()
	registered.entries = append(registered.entries, es...)
	registered.mu.Unlock()
}

func (fs *FS) addRegistered() {
	registered.mu.Lock()
	es := append([]Entry(nil), registered.entries...)
	registered.mu.Unlock()
	for _, e := range es {
		fs.Add(e) // a duplicate of Layout is EEXIST: the first one stays
	}
}
