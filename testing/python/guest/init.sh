#!/bin/sh
# PID 1 of the python image (testing/python): mounts the pseudo filesystems,
# then runs CPython's regression suite (regrtest) one module per python
# process, in the order of /etc/pytest/modules ("name timeout [args]" lines),
# starting at the index given as pystart=N on the kernel command line (the
# harness boots again after a module crashed or hung the kernel). Each module
# is framed on the console:
#   @@PY BEGIN <index> <module>
#   ... regrtest's own output ...
#   @@PY T <index> <status> <test id>      (one per test, from --junit-xml)
#   @@PY END <index> <module> rc=<regrtest exit status> secs=<wall seconds>
# and the run ends with @@PY DONE and a power-off. No network is configured
# (not even lo).
export PATH=/usr/bin:/usr/sbin HOME=/root LANG=C.UTF-8 TMPDIR=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/shm /dev/pts
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

start=0
for w in $(cat /proc/cmdline); do
	case "$w" in
	pystart=*) start=${w#pystart=} ;;
	esac
done
echo "@@PY READY start=$start"
i=0
set -f # the arguments hold glob patterns for regrtest, not for the shell
while read -r mod timeout args; do
	if [ "$i" -ge "$start" ]; then
		echo "@@PY BEGIN $i $mod"
		d=/tmp/m$i
		mkdir -p "$d"
		cd "$d" || exit 1
		t0=$(date +%s)
		python3 -m test -v -u none --timeout "$timeout" --junit-xml "$d/junit.xml" $args "$mod" </dev/null 2>&1
		rc=$?
		t1=$(date +%s)
		cd /
		[ -f "$d/junit.xml" ] && python3 /etc/pytest/summarize.py "$i" "$d/junit.xml"
		echo "@@PY END $i $mod rc=$rc secs=$((t1 - t0))"
		rm -rf "$d"
	fi
	i=$((i + 1))
done </etc/pytest/modules
echo "@@PY DONE"
poweroff -f
