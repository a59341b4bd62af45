#!/bin/sh
# linux-gdb.sh - Debian's gdb (batch mode) debugs Debian's stock kernel, as
# docs/gdb.md tells a user to: Pacifica starts paused (-S) with 2 vCPUs and the gdb
# stub on a Unix socket; gdb sets a hardware breakpoint at start_kernel (its address
# from the image set's System.map, tests/images/), continues, checks the hit, reads
# registers and memory (linux_banner), single-steps, watches the end-of-stack magic
# start_kernel writes into init_stack first, lists the threads and kills the VM.
#
#   sh tests/gdb/linux-gdb.sh              (make check-linux: builds the image set)
#   sh tests/gdb/linux-gdb.sh --if-cached  (make check: uses the image set already in
#                                           the cache, or skips when there is none)
#
# Prints "ok - linux-gdb/NAME" or "not ok - linux-gdb/NAME (why)" per check; exits
# non-zero if any failed. Environment: PACIFICA (default build/pacifica),
# PACIFICA_KERNEL, PACIFICA_INITRD, PACIFICA_SYSTEM_MAP (default: the image set of
# tests/images/build.sh), LINUX_GDB_TIMEOUT (seconds for the whole gdb session,
# default 300: reaching start_kernel means decompressing the kernel first).

root=$(cd "$(dirname "$0")/../.." && pwd)
pacifica=${PACIFICA:-$root/build/pacifica}
timeout_secs=${LINUX_GDB_TIMEOUT:-300}
failed=0

ok() { echo "ok - linux-gdb/$1"; }
not_ok() {
    echo "not ok - linux-gdb/$1 ($2)"
    failed=1
}

# The newest image set in the cache with a usable System.map (tests/images/build.sh
# puts them there), without building one.
cached_image_set() {
    base=${PACIFICA_IMAGES:-${XDG_CACHE_HOME:-$HOME/.cache}/pacifica/images}
    # shellcheck disable=SC2012 # names are ours: kernel release strings
    for dir in $(ls -td "$base"/*/ 2>/dev/null); do
        if [ -f "$dir/vmlinuz" ] && [ -f "$dir/initrd.img" ] &&
            grep -q ' start_kernel$' "$dir/System.map" 2>/dev/null; then
            echo "kernel=${dir}vmlinuz"
            echo "initrd=${dir}initrd.img"
            echo "system_map=${dir}System.map"
            return
        fi
    done
}

if [ "${1:-}" = --if-cached ] && [ -z "${PACIFICA_KERNEL:-}" ]; then
    paths=$(cached_image_set)
    if [ -z "$paths" ]; then
        echo "ok - linux-gdb/debian-kernel # SKIP no image set with a System.map in the cache" \
            "(make images)"
        exit 0
    fi
    kernel=$(echo "$paths" | sed -n 's/^kernel=//p')
    initrd=$(echo "$paths" | sed -n 's/^initrd=//p')
    system_map=$(echo "$paths" | sed -n 's/^system_map=//p')
elif [ -n "${PACIFICA_KERNEL:-}" ]; then
    kernel=$PACIFICA_KERNEL
    initrd=$PACIFICA_INITRD
    system_map=$PACIFICA_SYSTEM_MAP
else
    paths=$(sh "$root/tests/images/build.sh") || {
        not_ok setup "tests/images/build.sh failed"
        exit 1
    }
    kernel=$(echo "$paths" | sed -n 's/^kernel=//p')
    initrd=$(echo "$paths" | sed -n 's/^initrd=//p')
    system_map=$(echo "$paths" | sed -n 's/^system_map=//p')
fi
symbol() { grep -m1 " $1\$" "$system_map" 2>/dev/null | cut -d' ' -f1; }
start_kernel=$(symbol start_kernel)
init_stack=$(symbol init_stack)
linux_banner=$(symbol linux_banner)
if [ -z "$start_kernel" ] || [ -z "$init_stack" ] || [ -z "$linux_banner" ]; then
    not_ok setup "no start_kernel, init_stack or linux_banner in ${system_map:-System.map}"
    exit 1
fi

work=$(mktemp -d) || exit 1
vm_pid=
cleanup() {
    [ -n "$vm_pid" ] && kill "$vm_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

"$pacifica" -m 256 -smp 2 -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 nokaslr" -display none -serial "file:$work/serial.log" \
    -S -gdb "unix:$work/gdb.sock" >"$work/vm.log" 2>&1 &
vm_pid=$!
i=0
while [ ! -S "$work/gdb.sock" ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done

cat >"$work/session.gdb" <<GDB
set pagination off
set confirm off
target remote $work/gdb.sock
info threads
hbreak *0x$start_kernel
continue
p/x \$pc
info registers rsp cr0 efer
x/s 0x$linux_banner
stepi
p/x \$pc
delete
watch *(unsigned int*)0x$init_stack
continue
delete
info threads
kill
GDB
timeout "$timeout_secs" gdb -batch -nx -x "$work/session.gdb" >"$work/gdb.log" 2>&1

# check NAME REGEX: one line of gdb's output must match
check() {
    if grep -Eq -- "$2" "$work/gdb.log"; then
        ok "$1"
    else
        not_ok "$1" "no line matches '$2'"
    fi
}
check threads '^ +2 +Thread 2 \(CPU#1'
check hbreak-start-kernel "Thread 1 hit Breakpoint 1, 0x$start_kernel in"
check pc "^\\\$1 = 0x$start_kernel\$"
check long-mode '^efer +0x[0-9a-f]*d[0-9a-f]{2} '
check memory "^0x$linux_banner:.*\"Linux version "
check stepi '^\$2 = 0xffffffff[0-9a-f]{8}$'
check watchpoint 'New value = 1470918301'
check kill '\[Inferior 1 \(Remote target\) killed\]'
i=0
while kill -0 "$vm_pid" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
if kill -0 "$vm_pid" 2>/dev/null; then
    not_ok kill-ends-process "still running 10 s after kill"
else
    wait "$vm_pid"
    status=$?
    vm_pid=
    if [ "$status" -eq 0 ]; then ok kill-ends-process; else not_ok kill-ends-process "exit status $status"; fi
fi
if [ "$failed" -ne 0 ]; then
    echo "# gdb output:"
    sed 's/^/#   /' "$work/gdb.log" | tail -40
fi
exit "$failed"
