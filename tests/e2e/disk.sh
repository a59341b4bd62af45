#!/bin/sh
# End-to-end check of the virtio disk: boots Debian's kernel (tests/images/) with a
# raw image on -drive if=virtio and checks that the guest's virtio_blk driver found it
# as /dev/vda with the image's size, and that the machine powered off cleanly.
# Prints one TAP line; exits 1 on failure. Slow: the CPU is interpreted (minutes).
#
# Environment:
#   PACIFICA                  the emulator (default build/pacifica)
#   PACIFICA_KERNEL, PACIFICA_INITRD
#                             images to boot instead of building them
#   PACIFICA_TIMEOUT          seconds before the boot counts as hung (default 600)

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
pacifica=${PACIFICA:-$root/build/pacifica}
timeout_secs=${PACIFICA_TIMEOUT:-600}
logdir=$root/build/tests/e2e
log=$logdir/disk-virtio.log
mkdir -p "$logdir" || exit 1
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT

if [ -n "${PACIFICA_KERNEL:-}" ] && [ -n "${PACIFICA_INITRD:-}" ]; then
    kernel=$PACIFICA_KERNEL
    initrd=$PACIFICA_INITRD
else
    paths=$(sh "$root/tests/images/build.sh") || exit 1
    kernel=$(echo "$paths" | sed -n 's/^kernel=//p')
    initrd=$(echo "$paths" | sed -n 's/^initrd=//p')
fi

# 64 MiB: 131072 sectors of 512 bytes, which the kernel reports when it probes vda.
disk=$work/disk.raw
dd if=/dev/zero of="$disk" bs=1048576 count=64 2>/dev/null || exit 1

timeout -k 10 "$timeout_secs" "$pacifica" -m 512M -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 pacifica.test=boottime" -nographic -no-reboot \
    -drive "file=$disk,format=raw,if=virtio" </dev/null >"$log" 2>&1
status=$?

if [ "$status" -ne 0 ]; then
    echo "not ok - disk/virtio-blk (exit status $status; console in $log)"
    exit 1
fi
if ! grep -aq '\[vda\] 131072 512-byte logical blocks' "$log"; then
    echo "not ok - disk/virtio-blk (the kernel did not report vda with 131072 sectors; see $log)"
    exit 1
fi
if grep -aqE 'BUG|WARNING|panic|Oops' "$log"; then
    echo "not ok - disk/virtio-blk (kernel trouble in $log)"
    exit 1
fi
echo "ok - disk/virtio-blk"
