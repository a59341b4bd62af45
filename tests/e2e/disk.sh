#!/bin/sh
# End-to-end checks of the virtio disk, entropy and console devices with Debian's
# kernel and the test initramfs (tests/images/, "pacifica.test=virtio" in /init).
# One TAP line per check; exits 1 if any failed. Boots, in order:
#
#   1. write   a 64 MiB raw image on -drive if=virtio, plus -device virtio-rng-pci and
#              a virtconsole on a -chardev socket: the guest finds /dev/vda with the
#              image's size, writes "seq 1 N" at offset 0 with fsync and powers off; it
#              reads /dev/hwrng (virtio_rng.0); it writes a line to /dev/hvc0, which
#              the host's socket server receives, and echoes back the line the server
#              sends. The host finds the pattern in the image file.
#   2. read    the same image, the guest driving the legacy virtio-pci interface
#              (insmod virtio_pci force_legacy=1): it reads the pattern back.
#   3. overlay a qcow2 overlay on that raw image as its backing file: the guest reads
#              the pattern through the overlay and writes another one 16 MiB in. The
#              raw base is unchanged, `qemu-img check` finds the overlay clean, and
#              `qemu-img convert` of the overlay holds both patterns.
#   4. kill    a qcow2 image the guest writes to in a loop until the host kills the
#              emulator with SIGKILL: `qemu-img check` may report leaked clusters, but
#              no corruption.
#
# make check runs it on the native backend with the bzImage, and on the IR
# interpreter with the vmlinux through its PVH entry (PACIFICA_BOOT=pvh
# PACIFICA_ACCEL=tcg,backend=interp), which skips the decompression.
#
# Environment:
#   PACIFICA                  the emulator (default build/pacifica); to check the test
#                             itself against Debian's QEMU: PACIFICA=tests/e2e/qemu-wrapper.sh
#   PACIFICA_KERNEL, PACIFICA_INITRD, PACIFICA_BOOT, PACIFICA_ACCEL, PACIFICA_APPEND
#                             what to boot and how: see tests/e2e/e2e-env.sh
#   PACIFICA_TIMEOUT          seconds before a boot counts as hung (default 900)
#   DISK_LINES                the pattern is "seq 1 DISK_LINES" (default 100000)

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
pacifica=${PACIFICA:-$root/build/pacifica}
timeout_secs=${PACIFICA_TIMEOUT:-900}
lines=${DISK_LINES:-100000}
logdir=$root/build/tests/e2e
mkdir -p "$logdir" || exit 1
work=$(mktemp -d) || exit 1
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
failed=0

# Sets kernel, initrd, accel_args, extra_append, log_tag.
# shellcheck source=tests/e2e/e2e-env.sh
. "$root/tests/e2e/e2e-env.sh"

ok() {
    echo "ok - disk/$1"
}

not_ok() {
    echo "not ok - disk/$1 ($2)"
    failed=1
}

# boot LOG APPEND ARGS...: boots the kernel with "pacifica.test=virtio APPEND" and
# ARGS, serial console to LOG; sets status.
# no_timer_check: on a loaded host the kernel's few-tick test of the IO-APIC timer
# route can miss its window and panic (as net.sh); the route is tested elsewhere.
boot() {
    log=$1
    append=$2
    shift 2
    cmdline="console=ttyS0 no_timer_check pacifica.test=virtio pacifica.disklines=$lines"
    # shellcheck disable=SC2086 # accel_args is "-accel VALUE" or nothing
    timeout -k 10 "$timeout_secs" "$pacifica" -m 512M -kernel "$kernel" -initrd "$initrd" \
        -append "$cmdline $append $extra_append" -nographic -no-reboot $accel_args "$@" \
        </dev/null >"$log" 2>&1
    status=$?
}

# value LOG KEY: the value of KEY= on the guest's report lines in LOG (last one).
value() {
    grep -a 'pacifica: ' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -n 1 | tr -d '\r'
}

# boot_problem LOG: why a boot went wrong, or nothing.
boot_problem() {
    if [ "$status" -ne 0 ]; then
        echo "exit status $status; console in $1"
    elif ! grep -aq 'pacifica: virtio-test done' "$1"; then
        echo "the guest did not finish its checks; see $1"
    elif grep -aqE 'BUG|WARNING|panic|Oops' "$1"; then
        echo "kernel trouble in $1"
    fi
}

# The host's copy of the pattern and its hash.
seq 1 "$lines" >"$work/pattern"
pattern_bytes=$(wc -c <"$work/pattern")
pattern_hash=$(sha256sum <"$work/pattern" | cut -d' ' -f1)
seq 1 $((lines / 2)) >"$work/pattern2"
pattern2_hash=$(sha256sum <"$work/pattern2" | cut -d' ' -f1)

# ---- 1. write, with entropy and console ----

# The console's far end: a Unix socket server that records what the guest writes
# to /dev/hvc0 and answers its first line with "ping-from-host".
cat >"$work/console-server.py" <<'EOF'
import socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(1)
open(sys.argv[1] + ".ready", "w").close()
conn, _ = srv.accept()
with open(sys.argv[2], "wb") as out:
    answered = False
    while True:
        data = conn.recv(4096)
        if not data:
            break
        out.write(data)
        out.flush()
        if not answered and b"hello from the guest" in data:
            conn.sendall(b"ping-from-host\n")
            answered = True
EOF
sock=$work/hvc.sock
python3 "$work/console-server.py" "$sock" "$work/hvc.out" &
server_pid=$!
i=0
while [ ! -e "$sock.ready" ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done

disk=$work/disk.raw
dd if=/dev/zero of="$disk" bs=1048576 count=64 2>/dev/null || exit 1
log=$logdir/disk-write$log_tag.log
boot "$log" "pacifica.disk=write pacifica.console=echo" \
    -drive "file=$disk,format=raw,if=virtio" -device virtio-rng-pci \
    -chardev "socket,id=c0,path=$sock" -device virtio-serial-pci -device virtconsole,chardev=c0
problem=$(boot_problem "$log")
features=$(value "$log" features)
if [ -n "$problem" ]; then
    not_ok write "$problem"
elif [ "$(value "$log" vda-sectors)" != 131072 ]; then
    not_ok write "the guest's vda has $(value "$log" vda-sectors) sectors, not 131072"
elif [ "$(echo "$features" | cut -c33)" != 1 ]; then
    not_ok write "the driver did not take VERSION_1 (features $features)"
elif [ "$(value "$log" sha256)" != "$pattern_hash" ]; then
    not_ok write "the guest wrote a pattern with another hash; see $log"
elif ! head -c "$pattern_bytes" "$disk" | cmp -s - "$work/pattern"; then
    not_ok write "the image file does not hold the pattern"
else
    ok write
fi

kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
server_pid=
first=$(value "$log" first)
if [ "$(value "$log" current)" != virtio_rng.0 ] || [ "$(value "$log" bytes)" != 1024 ]; then
    not_ok rng "the guest's hw_random is '$(value "$log" current)', read $(value "$log" bytes) bytes"
elif [ -z "$first" ] || [ "$first" = "$(value "$log" second)" ]; then
    not_ok rng "two reads of /dev/hwrng gave the same bytes"
else
    ok rng
fi
if ! grep -aq 'pacifica-hvc0 hello from the guest' "$work/hvc.out" 2>/dev/null; then
    not_ok console "the guest's line on /dev/hvc0 did not reach the socket"
elif ! grep -aq 'pacifica-hvc0 echo ping-from-host' "$work/hvc.out"; then
    not_ok console "the host's line did not come back through /dev/hvc0"
else
    ok console
fi

# ---- 2. read it back through the legacy interface ----

cp "$disk" "$work/base-before" || exit 1
log=$logdir/disk-read-legacy$log_tag.log
boot "$log" "pacifica.disk=read pacifica.virtio_pci=force_legacy=1" \
    -drive "file=$disk,format=raw,if=virtio" -device virtio-rng-pci
problem=$(boot_problem "$log")
features=$(value "$log" features)
if [ -n "$problem" ]; then
    not_ok read-legacy "$problem"
elif [ "$(echo "$features" | cut -c33)" != 0 ]; then
    not_ok read-legacy "the driver took VERSION_1: not the legacy interface (features $features)"
elif [ "$(value "$log" sha256)" != "$pattern_hash" ]; then
    not_ok read-legacy "the second boot read another pattern back; see $log"
elif [ "$(value "$log" current)" != virtio_rng.0 ]; then
    not_ok read-legacy "virtio-rng did not work through the legacy interface"
else
    ok read-legacy
fi

# ---- 3. a qcow2 overlay on the raw base ----

overlay=$work/overlay.qcow2
qemu-img create -q -f qcow2 -b "$disk" -F raw "$overlay" || exit 1
log=$logdir/disk-overlay$log_tag.log
boot "$log" "pacifica.disk=overwrite" -drive "file=$overlay,format=qcow2,if=virtio"
problem=$(boot_problem "$log")
check=$(qemu-img check "$overlay" 2>&1)
check_status=$?
qemu-img convert -O raw "$overlay" "$work/overlay.raw" 2>/dev/null
if [ -n "$problem" ]; then
    not_ok qcow2-overlay "$problem"
elif [ "$(grep -a 'disk-read' "$log" | tr ' ' '\n' | sed -n 's/^sha256=//p' | tr -d '\r')" != \
    "$pattern_hash" ]; then
    not_ok qcow2-overlay "the pattern did not read back through the overlay; see $log"
elif ! cmp -s "$disk" "$work/base-before"; then
    not_ok qcow2-overlay "the raw base changed"
elif [ "$check_status" -ne 0 ]; then
    not_ok qcow2-overlay "qemu-img check: $(echo "$check" | tr '\n' ' ')"
elif ! head -c "$pattern_bytes" "$work/overlay.raw" | cmp -s - "$work/pattern" ||
    [ "$(dd if="$work/overlay.raw" bs=1M skip=16 2>/dev/null |
        head -c "$(wc -c <"$work/pattern2")" | sha256sum | cut -d' ' -f1)" != "$pattern2_hash" ]; then
    not_ok qcow2-overlay "the overlay's contents are not base + new pattern"
else
    ok qcow2-overlay
fi

# ---- 4. SIGKILL in the middle of a write loop ----

image=$work/killed.qcow2
qemu-img create -q -f qcow2 "$image" 64M || exit 1
log=$logdir/disk-kill$log_tag.log
# Not under timeout(1): the SIGKILL must reach the emulator itself.
# shellcheck disable=SC2086 # accel_args is "-accel VALUE" or nothing
"$pacifica" -m 512M -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 no_timer_check pacifica.test=virtio pacifica.disk=loop $extra_append" -nographic \
    -no-reboot $accel_args -drive "file=$image,format=qcow2,if=virtio" </dev/null >"$log" 2>&1 &
vm=$!
# Killed once the guest is a few passes into its loop: requests are in flight.
i=0
while kill -0 "$vm" 2>/dev/null && ! grep -aq 'disk-loop pass=3' "$log" && [ $i -lt "$timeout_secs" ]; do
    sleep 1
    i=$((i + 1))
done
passes=$(grep -ac 'disk-loop pass=' "$log")
kill -KILL "$vm" 2>/dev/null
wait "$vm" 2>/dev/null
check=$(qemu-img check "$image" 2>&1)
check_status=$?
# qemu-img check: 0 clean, 3 leaked clusters only; 2 corruption, 1 could not check.
if [ "$passes" -lt 3 ]; then
    not_ok sigkill "the guest's write loop did not get going; see $log"
elif [ "$check_status" -ne 0 ] && [ "$check_status" -ne 3 ]; then
    not_ok sigkill "qemu-img check exit $check_status: $(echo "$check" | tr '\n' ' ')"
else
    ok sigkill
fi

exit $failed
