# busybox.sh: Debian's busybox-static exercising applets and the shell.
# Run as "/bin/busybox sh busybox.sh" in an empty scratch directory. Every
# line printed is compared between kernels, so nothing here may print times,
# pids, inode numbers or the date.
fails=0
check() { # check NAME COMMAND...: runs the command, counts a failure
	name=$1; shift
	if "$@"; then echo "ok $name"; else echo "FAILED $name"; fails=$((fails + 1)); fi
}
section() { echo "== $*"; }

section files
mkdir -p a/b/c d
echo hello > a/one.txt
printf 'line %d\n' 1 2 3 4 5 > a/b/five.txt
seq 1 100 > a/b/c/hundred.txt
touch a/empty
ln -s one.txt a/link
ln a/one.txt a/hard
cp a/one.txt d/copy.txt
mv d/copy.txt d/moved.txt
ls a | sort
ls -1 a/b
find . -type f | sort
find . -name '*.txt' -size -2k | sort
find a -type l
readlink a/link
realpath a/b/../one.txt | sed "s|$PWD|CWD|"
stat -c '%n %s %F %a %h' a/one.txt a/hard a/link a/empty
stat -c '%n %F %a %h' a/b
chmod 640 a/one.txt
stat -c '%a' a/one.txt
chmod u+x,g-r a/one.txt
stat -c '%a' a/one.txt
test -x a/one.txt && echo executable
test -L a/link && test -f a/link && test -d a/b && test -s a/one.txt && test ! -s a/empty && echo tests-ok
[ a/one.txt -ef a/hard ] && echo same-file
cat a/link d/moved.txt
rm a/hard
stat -c '%h' a/one.txt
rmdir a/b/c 2>/dev/null || echo "rmdir: not empty"
rm -r a/b/c
rmdir d 2>/dev/null || echo "rmdir d: not empty"
rm d/moved.txt; rmdir d && echo "d removed"
basename /x/y/z.tar.gz .gz; dirname /x/y/z.tar.gz
du -s a >/dev/null && echo du-ran
wc -c < a/b/five.txt
truncate -s 10 a/empty; wc -c < a/empty
mkfifo fifo; test -p fifo && echo fifo-ok; rm fifo

section text
cat a/b/five.txt | head -n 2
tail -n 2 a/b/five.txt
tail -c 7 a/b/five.txt
wc -l a/b/five.txt
wc -w < a/b/five.txt
cut -d' ' -f2 a/b/five.txt | tr '\n' ,; echo
echo 'Hello World' | tr 'a-z' 'A-Z'
echo 'aabbccdd' | tr -s 'a-d'
echo 'hello 123 world' | tr -d '0-9'
printf 'b\na\nc\na\nb\n' | sort | uniq -c
printf '10\n9\n100\n1\n' | sort -n
printf '10\n9\n100\n1\n' | sort -rn | head -1
printf 'x 3\ny 1\nz 2\n' | sort -k2 -n
printf 'b\na\nb\n' | sort -u
sed -n '2,4p' a/b/five.txt
sed 's/line/LINE/; s/[0-9]/<&>/' a/b/five.txt
sed '/3/d' a/b/five.txt | sed -e '1i\
first' -e '$a\
last'
grep -n 'line [24]' a/b/five.txt
grep -c line a/b/five.txt
grep -v -e 1 -e 2 a/b/five.txt
grep -E '^line (3|5)$' a/b/five.txt
grep -q nothing a/b/five.txt; echo "grep -q exit $?"
awk '{ s += $2 } END { print "sum", s, "avg", s / NR }' a/b/five.txt
awk -F: 'BEGIN { OFS = "-" } { $1 = $1; print NF, $0 }' <<'X'
a:b:c
d:e
X
seq 1 30 | awk 'NR % 10 == 0 { printf "%s ", $1 } END { print NR }'
seq 1 100 | awk '$1 % 7 == 0' | paste -sd+ | sed 's/+/ + /g'
echo "3 4" | awk '{ print $1 * $1 + $2 * $2, length("abc"), substr("abcdef", 2, 3), index("hello", "l"), toupper("x") }'
seq 5 -1 1 | tac | tr '\n' ' '; echo
seq -s: 1 3
seq 0 0.5 2
printf 'one\ntwo\n' | nl
printf 'abc\n' | rev
printf 'a\tb\n' | expand -t 4 | od -c | head -1
printf 'aaaaaaaaaaaaaaaaaaaaaaaaa\n' | fold -w 10
printf 'k1 v1\nk2 v2\n' > p1; printf 'k1 w1\nk2 w2\n' > p2; paste p1 p2
printf 'a\nb\nc\n' > c1; printf 'b\nc\nd\n' > c2; comm c1 c2 | od -c | head -3
cmp c1 c2 || echo "cmp exit $?"
diff c1 c2 | head -20; echo "diff exit $?"
diff -u c1 c2 | sed 1,2d
echo patched > c3; diff c1 c3 > c.diff; patch c1 < c.diff >/dev/null && cat c1
echo 'the quick brown fox' | xargs -n 2 echo
printf 'x\ny\nz\n' | xargs -I{} echo 'item {}'
find a -type f -name '*.txt' | sort | xargs wc -l
printf '%s|%5s|%-5s|%05d|%x|%o|%c|%%\n' str ab cd 42 255 8 q
printf '%.2f %e\n' 3.14159 1000
expr 3 + 4 \* 5
expr length "hello"
expr substr "abcdef" 2 3
expr 10 / 3; expr 10 % 3
expr "abc" : 'a\(.\)'
expr 1 = 2; echo "expr false exit $?"
echo $((7 * 6)) $((2 ** 10)) $((17 / 5)) $((17 % 5)) $((1 << 4)) $((0x1f))
yes ab | head -3
strings -n 3 /bin/busybox | grep -c . >/dev/null && echo strings-ran
env -i A=1 B=two env | sort
printenv PATH
id -u; id -g; whoami
uname -s; uname -m

section checksums
printf 'The quick brown fox jumps over the lazy dog' > fox
md5sum fox; sha1sum fox; sha256sum fox; sha512sum fox | cut -c1-32
cksum fox; crc32 fox 2>/dev/null || true
base64 fox; base64 fox | base64 -d; echo
od -An -tx1 -N 8 fox
od -c -N 4 fox
hexdump -C fox | head -2
xxd -l 8 fox
printf '\001\002\377' | od -An -tu1
dd if=fox bs=4 skip=1 count=2 2>/dev/null; echo
dd if=/dev/zero bs=512 count=3 2>/dev/null | wc -c
head -c 1000 /dev/zero | md5sum
uuencode -m fox fox.txt | head -2 | tail -1

section archives
mkdir -p tree/sub; seq 1 50 > tree/sub/n; echo x > tree/x; ln -s x tree/lx
tar cf t.tar tree; tar tf t.tar | sort
mkdir ex; tar xf t.tar -C ex; diff -r tree ex/tree && echo tar-roundtrip-ok
readlink ex/tree/lx
tar czf t.tgz tree; tar tzf t.tgz | sort | tail -1
gzip -c tree/sub/n > n.gz; gzip -t n.gz && echo gzip-test-ok; gunzip -c n.gz | md5sum
zcat n.gz | tail -1
gzip -9 tree/x; ls tree | sort; gunzip tree/x.gz; cat tree/x
bzip2 -c tree/sub/n | bunzip2 | wc -l
bzip2 -c tree/sub/n | bzcat | sha256sum
(cd tree && find . | sort | cpio -o -H newc 2>/dev/null) | cpio -t 2>/dev/null | sort

section shell
f() { echo "f got $# args: $*"; return 3; }
f a 'b c' d; echo "f returned $?"
g() { local v=inner; echo "g sees $v"; }
v=outer; g; echo "after g v=$v"
fact() { if [ "$1" -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }
echo "fact 10 = $(fact 10)"
set -- x y z; echo "$# $1 $3"; shift; echo "$@"
s="path/to/file.tar.gz"
echo "${s##*/} ${s%%.*} ${s#*/} ${s%.*} ${#s} ${s:-def} ${unset_var:-def}"
for i in 1 2 3; do printf "%s " "$i"; done; echo
i=0; while [ $i -lt 5 ]; do i=$((i + 1)); [ $i -eq 2 ] && continue; [ $i -eq 4 ] && break; echo "loop $i"; done
case "hello.c" in *.h) echo header;; *.c) echo source;; *) echo other;; esac
cat <<EOT
here-doc with $v and $(echo subst) and $((1 + 2))
EOT
cat <<'EOT'
quoted here-doc keeps $v and $(echo this)
EOT
cat <<-EOT
	tab-stripped here-doc
	EOT
echo "out" > r1; echo "more" >> r1; cat r1
echo "to stderr" 1>&2 2>/dev/null
{ echo "grouped out"; echo "grouped err" >&2; } 2>&1 | sort
ls /nonexistent 2>/dev/null; echo "ls missing exit $?"
exec 3>fd3.txt; echo "via fd 3" >&3; exec 3>&-; cat fd3.txt
read -r first rest < a/b/five.txt; echo "read: $first / $rest"
while IFS= read -r line; do echo "[$line]"; done < a/b/five.txt | tail -2
echo a b c | { read x y z; echo "$z$y$x"; }
echo "pipeline status: $(false | true; echo $?) $(true | false; echo $?)"
! false && echo "negation ok"
true && echo and-ok || echo and-bad
false || echo or-ok
(exit 7); echo "subshell exit $?"
x=1; (x=2; echo "in subshell x=$x"); echo "outside x=$x"
echo "nested $(echo "inner $(echo deepest)")" "`echo backticks`"
sh -c 'exit 5'; echo "sh -c exit $?"
sh -c 'echo "args: $0 $1 $2"' zero one two
eval 'ev=evaluated'; echo "$ev"
OPTIND=1; while getopts "ab:c" o -a -b val -c; do echo "opt $o ${OPTARG:-}"; done
( set -e; false; echo "not reached" ); echo "set -e subshell exit $?"
IFS=: read -r p1 p2 p3 <<'X'
one:two:three
X
echo "$p3 $p2 $p1"
arr="z y x"; for w in $arr; do echo "$w"; done | sort | tr '\n' ' '; echo
type echo | head -1
command -v sed | sed 's|.*/||'
[ -n "$HOME" ] && echo home-set
test 5 -gt 3 -a "abc" = abc && echo compound-test
echo $(( $(seq 1 10 | wc -l) * 2 ))

section jobs
sleep 0.2 & p1=$!
sleep 0.1 & p2=$!
wait $p2; echo "wait p2: $?"
wait $p1; echo "wait p1: $?"
(sleep 0.1; exit 4) & wait $!; echo "bg exit: $?"
# The shell reports a killed background job ("Terminated") whenever it
# notices; a subshell with stderr discarded keeps that out of the output.
( sleep 10 & k=$!; kill $k; wait $k; echo "killed bg: $?" ) 2>/dev/null
( sleep 10 & k=$!; kill -9 $k; wait $k; echo "kill -9 bg: $?" ) 2>/dev/null
for n in 1 2 3; do (sleep 0.$n; echo "job $n done") & done 2>&1 | sort; wait; echo "all jobs done"
jobs_out=$( (sleep 0.1 & wait) ; echo waited); echo "$jobs_out"
usleep 1000 && echo usleep-ok

section traps
trap 'echo "got USR1"' USR1
kill -USR1 $$
trap 'echo "got HUP in $n"' HUP
for n in a b; do kill -HUP $$; done
trap - USR1
( trap 'echo "subshell EXIT trap"' EXIT; echo "in subshell" )
sh -c 'trap "echo TERM caught; exit 3" TERM; kill -TERM $$; sleep 1; echo not-here'; echo "sh TERM exit $?"
sh -c 'trap "" INT; kill -INT $$; echo "INT ignored"'
( sh -c 'kill -TERM $$'; echo "default TERM: $?" ) 2>/dev/null
trap 'echo "EXIT trap runs last"; [ $fails -eq 0 ] && echo CONTRACT_PASS || echo "CONTRACT_FAIL $fails checks failed"' EXIT

section checks
check files-count test "$(find tree -type f | wc -l)" -eq 2
check gzip-roundtrip test "$(gzip -c tree/sub/n | gunzip -c | md5sum)" = "$(md5sum < tree/sub/n)"
check sort-stable test "$(printf '3\n1\n2\n' | sort | tr -d '\n')" = 123
check sed-inplace sh -c 'echo abc > si; sed -i s/b/B/ si; [ "$(cat si)" = aBc ]'
check date-epoch test "$(date -u -d @86400 +%Y-%m-%d)" = 1970-01-02
date -u -d '@1000000000' '+%Y-%m-%d %H:%M:%S %a %j'
date -u -d '2001-02-03 04:05:06' +%s
check sleep-short sleep 0.05
check md5-known test "$(printf abc | md5sum | cut -d' ' -f1 | wc -c)" -eq 33
# Last because it is the riskiest for a young kernel (vfork, a helper
# that kills its parent): a crash here costs no other line.
( timeout 1 sleep 5; echo "timeout exit $?" ) 2>/dev/null
echo "fails=$fails"
